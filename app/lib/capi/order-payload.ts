// The parts of Shopify's REST Order payload (orders/paid webhook) that the Purchase mapping reads.
// Lenient on purpose: a field of an unexpected type becomes null instead of rejecting the order, because
// losing one Purchase costs the merchant more than losing one matching key. Unknown fields pass through.
import { isInteger, isSafeNumber, parse } from "lossless-json";
import { z } from "zod";

/**
 * JSON.parse rounds Shopify's 18-digit IDs (820982911946154508 → 820982911946154500). Integers a JS number
 * cannot hold exactly stay strings here; everything else is a plain number. Throws SyntaxError on bad JSON.
 */
export function parseOrderJson(raw: string): unknown {
  // Every integer under 16 digits is exact as a JS number, so a body without a 16-digit run parses the
  // same with the native parser, which is several times faster than the lossless one on the webhook path.
  if (!/\d{16}/.test(raw)) return JSON.parse(raw);
  // Otherwise the unsafe integers in value positions are quoted and the native parser still does the work.
  // A run quoted inside a string would leave a number right after a string, which no JSON allows, so a
  // body that parses after quoting had every quote land outside strings; anything else (including bad
  // JSON, for its error) goes to the lossless parser.
  const quoted = raw.replace(BIG_INTEGER, (match, before: string, digits: string) =>
    Number.isSafeInteger(Number(digits)) ? match : `${before}"${digits}"`,
  );
  try {
    return JSON.parse(quoted);
  } catch {
    return parse(raw, undefined, parseNumber);
  }
}

// An integer literal of 16 digits or more where JSON puts a value: after `:`, `,` or `[`, before `,`, `}` or `]`.
const BIG_INTEGER = /([:,[]\s*)(-?[1-9]\d{15,})(?=\s*[,}\]])/g;

function parseNumber(value: string): number | string {
  if (isSafeNumber(value)) return Number(value);
  return isInteger(value) ? value : Number(value);
}

/** Digits-or-GID string; a number that lost precision is dropped rather than turned into a wrong ID. */
function toIdString(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : null;
  return null;
}

const id = z.unknown().transform(toIdString);

const str = z
  .union([z.string(), z.number()])
  .nullish()
  .catch(null)
  .transform((v) => (v === null || v === undefined ? null : String(v)));

const bool = z
  .boolean()
  .nullish()
  .catch(null)
  .transform((v) => v ?? null);

const num = z
  .union([z.number(), z.string()])
  .nullish()
  .catch(null)
  .transform((v) => {
    if (v === null || v === undefined || (typeof v === "string" && v.trim() === "")) return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  });

function lenientObject<T extends z.ZodRawShape>(shape: T) {
  return z
    .object(shape)
    .nullish()
    .catch(null)
    .transform((v) => v ?? null);
}

function lenientArray<T extends z.ZodTypeAny>(item: T) {
  return z
    .array(z.unknown())
    .nullish()
    .catch(null)
    .transform((items) =>
      (items ?? []).flatMap((x) => {
        const parsed = item.safeParse(x);
        return parsed.success && parsed.data !== null ? [parsed.data as NonNullable<z.output<T>>] : [];
      }),
    );
}

const money = lenientObject({ amount: str, currency_code: str });

const address = lenientObject({
  first_name: str,
  last_name: str,
  phone: str,
  city: str,
  province: str,
  province_code: str,
  zip: str,
  country: str,
  country_code: str,
});

const lineItem = lenientObject({
  id,
  product_id: id,
  variant_id: id,
  sku: str,
  quantity: num,
  price: str,
  price_set: lenientObject({ shop_money: money, presentment_money: money }),
  title: str,
});

const noteAttribute = lenientObject({ name: str, value: str });

export const shopifyOrderSchema = z.object({
  id,
  admin_graphql_api_id: str,
  name: str,
  email: str,
  contact_email: str,
  phone: str,
  currency: str,
  presentment_currency: str,
  total_price: str,
  current_total_price: str,
  total_price_set: lenientObject({ shop_money: money, presentment_money: money }),
  processed_at: str,
  created_at: str,
  updated_at: str,
  cancelled_at: str,
  financial_status: str,
  test: bool,
  browser_ip: str,
  client_details: lenientObject({ browser_ip: str, user_agent: str }),
  landing_site: str,
  referring_site: str,
  order_status_url: str,
  note_attributes: lenientArray(noteAttribute),
  customer: lenientObject({
    id,
    email: str,
    phone: str,
    first_name: str,
    last_name: str,
    default_address: address,
  }),
  billing_address: address,
  shipping_address: address,
  line_items: lenientArray(lineItem),
  source_name: str,
});

export type ShopifyOrder = z.output<typeof shopifyOrderSchema>;
export type ShopifyAddress = NonNullable<ShopifyOrder["billing_address"]>;
export type ShopifyLineItem = ShopifyOrder["line_items"][number];

// The schema above, read by hand: the same output for every input, at a small fraction of zod's cost. zod
// was the largest single cost of an orders/paid webhook (a large order's line items each pass through
// several unions, catches and transforms). The schema stays the specification and the type;
// order-payload.test.ts holds the two equal over fixtures and mangled variants of them.
type Reader = (value: unknown) => unknown;
type Shape = Record<string, Reader>;

const readId: Reader = toIdString;
const readStr: Reader = (v) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);
const readBool: Reader = (v) => (typeof v === "boolean" ? v : null);
const readNum: Reader = (v) => {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string" || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * As z.object(shape): every shape key read, every other key left behind. An order carries a hundred-odd keys
 * and line items dozens each; the mapping reads the shape's, and copying the rest cost a tenth of a webhook's
 * row-building CPU, and its garbage.
 */
function readShape(record: Record<string, unknown>, shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in shape) out[key] = shape[key](record[key]);
  return out;
}

const lenientRecord =
  (shape: Shape): Reader =>
  (v) =>
    isRecord(v) ? readShape(v, shape) : null;
const lenientList =
  (item: Reader): Reader =>
  (v) => {
    if (!Array.isArray(v)) return [];
    const out: unknown[] = [];
    for (const x of v) {
      const read = item(x);
      if (read !== null) out.push(read);
    }
    return out;
  };

const readMoney = lenientRecord({ amount: readStr, currency_code: readStr });
const readMoneySet = lenientRecord({ shop_money: readMoney, presentment_money: readMoney });
const readAddress = lenientRecord({
  first_name: readStr,
  last_name: readStr,
  phone: readStr,
  city: readStr,
  province: readStr,
  province_code: readStr,
  zip: readStr,
  country: readStr,
  country_code: readStr,
});
const orderShape: Shape = {
  id: readId,
  admin_graphql_api_id: readStr,
  name: readStr,
  email: readStr,
  contact_email: readStr,
  phone: readStr,
  currency: readStr,
  presentment_currency: readStr,
  total_price: readStr,
  current_total_price: readStr,
  total_price_set: readMoneySet,
  processed_at: readStr,
  created_at: readStr,
  updated_at: readStr,
  cancelled_at: readStr,
  financial_status: readStr,
  test: readBool,
  browser_ip: readStr,
  client_details: lenientRecord({ browser_ip: readStr, user_agent: readStr }),
  landing_site: readStr,
  referring_site: readStr,
  order_status_url: readStr,
  note_attributes: lenientList(lenientRecord({ name: readStr, value: readStr })),
  customer: lenientRecord({
    id: readId,
    email: readStr,
    phone: readStr,
    first_name: readStr,
    last_name: readStr,
    default_address: readAddress,
  }),
  billing_address: readAddress,
  shipping_address: readAddress,
  line_items: lenientList(
    lenientRecord({
      id: readId,
      product_id: readId,
      variant_id: readId,
      sku: readStr,
      quantity: readNum,
      price: readStr,
      price_set: readMoneySet,
      title: readStr,
    }),
  ),
  source_name: readStr,
};

/** `shopifyOrderSchema.safeParse(input)`'s data, or null where it would fail (input not a JSON object). */
export function readShopifyOrder(input: unknown): ShopifyOrder | null {
  return isRecord(input) ? (readShape(input, orderShape) as ShopifyOrder) : null;
}
