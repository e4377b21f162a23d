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
  return parse(raw, undefined, parseNumber);
}

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

const bool = z.boolean().nullish().catch(null).transform((v) => v ?? null);

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
  return z.object(shape).passthrough().nullish().catch(null).transform((v) => v ?? null);
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

export const shopifyOrderSchema = z
  .object({
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
  })
  .passthrough();

export type ShopifyOrder = z.output<typeof shopifyOrderSchema>;
export type ShopifyAddress = NonNullable<ShopifyOrder["billing_address"]>;
export type ShopifyLineItem = ShopifyOrder["line_items"][number];
