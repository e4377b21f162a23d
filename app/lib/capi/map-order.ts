// orders/paid payload → Meta CAPI server Purchase. Pure and deterministic for a given (payload, ctx): the
// ledger stores its output as the exact bytes to send, and webhook redeliveries must map to the same event.
import { isIP } from "node:net";
import { orderIdDigits, purchaseEventId } from "../event-id";
import {
  hashUserField,
  normalizeCity,
  normalizeCountry,
  normalizeEmail,
  normalizeExternalId,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
} from "./normalize";
import { parseOrderJson, readShopifyOrder, type ShopifyAddress, type ShopifyOrder } from "./order-payload";
import { decideChannel, type ChannelDecision, type ChannelSkipCode } from "./order-channel";
import { catalogContents, DEFAULT_CATALOG_ID_SETTING, type CatalogIdSetting } from "./catalog-ids";
import type { CapiPurchaseEvent, CapiUserData } from "./types";

export interface MapContext {
  /** The shop's myshopify.com domain: the shop's key, and event_source_url's host when the primary is unknown. */
  shopDomain: string;
  /**
   * The shop's primary domain ("https://shop.example.com", ShopSettings.primaryDomain): event_source_url is on
   * it, since Meta wants the URL the shopper saw, on the domain the merchant verified.
   */
  primaryDomain?: string | null;
  /** The only clock the mapping reads: event_time is clamped to it. */
  now: Date;
  /** The shop's Limited Data Use setting: Meta then restricts processing by the shopper's US state. */
  limitedDataUse?: boolean;
  /** The shop sends point-of-sale orders as in-store (physical_store) purchases; off by default. */
  sendPosOrders?: boolean;
  /** The form of the shop's catalog item IDs (content_ids); product IDs as product groups when absent. */
  catalogIds?: CatalogIdSetting;
}

export type MapResult =
  | {
      ok: true;
      orderId: string;
      orderName: string | null;
      /** The amount as Shopify wrote it (decimal string), in `currency`. */
      value: string;
      currency: string;
      eventTime: Date;
      isTest: boolean;
      /** The storefront recorded that the shopper declined marketing tracking (cart attribute `_mc_consent`). */
      consentDenied: boolean;
      /** Where the order came from and what Meta is told about it (order-channel.ts). */
      channel: ChannelDecision;
      /** Set when the channel says not to send it: the row is stored as skipped with this code. */
      channelSkip: ChannelSkipCode | null;
      event: CapiPurchaseEvent;
    }
  | { ok: false; orderId: string | null; reason: string };

// Meta accepts the cookie values only in this shape and rejects the whole batch for a malformed fbc
// (2804001), so a bad value is dropped; it is never rebuilt, since a new timestamp or a re-cased fbclid
// would attribute the purchase to the wrong click.
const FB_COOKIE = /^fb\.\d\.\d+\.\S+$/;

// Meta's minimum-matching rule (meta-capi-reference.md §3): an event whose customer information is a subset of
// one of these sets is invalid (2804050) and, in a batch, takes the other events down with it.
const INSUFFICIENT_ALONE: ReadonlyArray<ReadonlySet<string>> = [
  new Set(["ct", "country", "st", "zp", "ge", "client_user_agent"]),
  new Set(["db", "client_user_agent"]),
  new Set(["fn", "ge"]),
  new Set(["ln", "ge"]),
];

/** False when Meta would reject the event for insufficient customer information. */
export function hasMinimumMatchData(userData: CapiUserData): boolean {
  const keys = Object.keys(userData);
  return keys.length > 0 && !INSUFFICIENT_ALONE.some((set) => keys.every((k) => set.has(k)));
}

/**
 * Maps an orders/paid payload to a Purchase. `order` is the payload as parsed by `parseOrderJson` (or the raw
 * body text, parsed here the same way). Never throws; `ok: false` carries the order ID when one was found.
 */
export function mapOrderToPurchase(order: unknown, ctx: MapContext): MapResult {
  let input = order;
  if (typeof order === "string") {
    try {
      input = parseOrderJson(order);
    } catch {
      return { ok: false, orderId: null, reason: "payload is not valid JSON" };
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, orderId: null, reason: "payload is not a JSON object" };
  }
  const o = readShopifyOrder(input);
  if (!o) return { ok: false, orderId: null, reason: "payload is not a Shopify order object" };

  const resolved = resolveOrderId((input as Record<string, unknown>).id, o.admin_graphql_api_id);
  if (!resolved.ok) return { ok: false, orderId: null, reason: resolved.reason };
  const orderId = resolved.digits;
  const fail = (reason: string): MapResult => ({ ok: false, orderId, reason });

  if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime())) return fail("ctx.now is not a valid date");
  const base = (ctx.primaryDomain ? shopBaseUrl(ctx.primaryDomain) : undefined) ?? shopBaseUrl(ctx.shopDomain);
  if (!base) return fail(`shop domain ${JSON.stringify(ctx.shopDomain)} is not a host name`);

  const money = pickMoney(o);
  if (!money.ok) return fail(money.reason);

  const userData = buildUserData(o);
  const channel = decideChannel({
    sourceName: o.source_name,
    hasUserAgent: userData.client_user_agent !== undefined,
    sendPosOrders: ctx.sendPosOrders === true,
  });
  // An order its channel does not send is skipped with that reason, however little it says about the shopper.
  if (channel.send && !hasMinimumMatchData(userData)) {
    return fail("too little customer information: Meta rejects such an event (2804050), and its whole batch with it");
  }

  const content = buildContents(o, money, ctx.catalogIds ?? DEFAULT_CATALOG_ID_SETTING);
  // A skipped row is never sent; it keeps what the event would have been, as a website event when unknown.
  const actionSource = channel.send ? channel.actionSource : channel.channel === "pos" ? "physical_store" : "website";
  const eventSeconds = Math.floor(eventTimeMs(o, ctx.now) / 1000);

  return {
    ok: true,
    orderId,
    orderName: o.name?.trim() || null,
    value: money.amount,
    currency: money.currency,
    eventTime: new Date(eventSeconds * 1000),
    isTest: o.test === true,
    consentDenied: noteAttribute(o, "_mc_consent")?.toLowerCase() === "denied",
    channel,
    channelSkip: channel.send ? null : channel.reason,
    event: {
      event_name: "Purchase",
      event_time: eventSeconds,
      event_id: purchaseEventId(orderId),
      action_source: actionSource,
      // Only a website event has a page; an in-store sale or a renewal has none to name.
      ...(actionSource === "website" ? { event_source_url: eventSourceUrl(o.landing_site, base) } : {}),
      user_data: userData,
      custom_data: {
        value: money.value,
        currency: money.currency,
        // Absent when no line has the ID the catalog's form needs (custom items only, no line items).
        ...(content ?? {}),
        // No num_items: Meta defines it for InitiateCheckout only.
        order_id: orderId,
      },
      // Country and state 0: Meta geolocates the shopper, as the browser pixel's LDU call asks it to.
      ...(ctx.limitedDataUse === true
        ? { data_processing_options: ["LDU"], data_processing_options_country: 0, data_processing_options_state: 0 }
        : {}),
    },
  };
}

function tryDigits(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "bigint") return undefined;
  try {
    return orderIdDigits(value);
  } catch {
    return undefined;
  }
}

// `id` is the key, but if JSON.parse already rounded it the GID string still has every digit.
function resolveOrderId(rawId: unknown, gid: string | null): { ok: true; digits: string } | { ok: false; reason: string } {
  const fromId = tryDigits(rawId);
  const fromGid = gid === null ? undefined : tryDigits(gid);
  if (fromId && fromGid && fromId !== fromGid) {
    return { ok: false, reason: `order id ${fromId} does not match admin_graphql_api_id ${gid}` };
  }
  const digits = fromId ?? fromGid;
  if (digits) return { ok: true, digits };
  if (typeof rawId === "number" && !Number.isSafeInteger(rawId)) {
    return { ok: false, reason: "order id lost precision in JSON.parse; parse the body with parseOrderJson" };
  }
  if (rawId === undefined || rawId === null) return { ok: false, reason: "order has no id" };
  // String() would throw on an object whose toString is not a function (`{"id":{"toString":{}}}` is valid JSON).
  const shown = typeof rawId === "object" || typeof rawId === "function" ? `(${typeof rawId})` : String(rawId);
  return { ok: false, reason: `order id ${JSON.stringify(shown)} is not a Shopify order id` };
}

function shopBaseUrl(shopDomain: string): string | undefined {
  if (typeof shopDomain !== "string") return undefined;
  const host = shopDomain
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/\/+$/, "");
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(host)) return undefined;
  return `https://${host}/`;
}

// Meta requires an absolute http(s) event_source_url for website events; landing_site is usually a path.
function eventSourceUrl(landingSite: string | null, base: string): string {
  const landing = landingSite?.trim();
  if (landing) {
    try {
      const url = new URL(landing, base);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch {
      // Not a URL: fall back to the shop's home page.
    }
  }
  return base;
}

// processed_at is when Shopify processed the payment, i.e. when the purchase happened. Clamped to now
// because Meta rejects future timestamps; a payload without usable times is stamped with now.
function eventTimeMs(o: ShopifyOrder, now: Date): number {
  const happened = shopifyTimeMs(o.processed_at) ?? shopifyTimeMs(o.created_at) ?? now.getTime();
  return Math.min(happened, now.getTime());
}

function shopifyTimeMs(value: string | null): number | undefined {
  const s = value?.trim();
  if (!s || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) return undefined;
  // A time without offset would otherwise be read in the server's local zone, making the result host-dependent.
  const ms = Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

// ISO 4217 as the runtime's ICU knows it (what Meta validates against: the Node SDK checks the same list).
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

type Money =
  | { ok: true; amount: string; value: number; currency: string; presentment: boolean; shopCurrency: string | null }
  | { ok: false; reason: string };

// The presentment (shopper-facing) amount and currency are what the web pixel reports as checkout.totalPrice;
// sending the shop-currency total instead would make the browser and server copies of one purchase disagree.
function pickMoney(o: ShopifyOrder): Money {
  const shopCurrency = o.currency?.trim().toUpperCase() || null;
  const presentmentMoney = o.total_price_set?.presentment_money;
  const presentment = Boolean(presentmentMoney?.amount?.trim() && presentmentMoney?.currency_code?.trim());
  const amount = (presentment ? presentmentMoney?.amount : (o.total_price ?? o.current_total_price))?.trim();
  const currency = (presentment ? presentmentMoney?.currency_code : o.currency)?.trim().toUpperCase();

  if (!amount) return { ok: false, reason: "order has no total price" };
  const value = Number(amount);
  if (!/^\d+(?:\.\d+)?$/.test(amount) || !Number.isFinite(value)) {
    return { ok: false, reason: `total price ${JSON.stringify(amount)} is not a non-negative decimal amount` };
  }
  if (!currency || !/^[A-Z]{3}$/.test(currency)) {
    return { ok: false, reason: `currency ${JSON.stringify(currency ?? null)} is not an ISO 4217 code` };
  }
  // Meta refuses a code outside ISO 4217 (code 100, taking its batch down with it): kept as a mapping failure.
  if (!KNOWN_CURRENCIES.has(currency)) {
    return { ok: false, reason: `currency ${JSON.stringify(currency)} is not an ISO 4217 currency Meta accepts` };
  }
  return { ok: true, amount, value, currency, presentment, shopCurrency };
}

// Custom items (no product or variant) and lines without the catalog's ID are left out (catalog-ids.ts).
function buildContents(o: ShopifyOrder, money: Extract<Money, { ok: true }>, setting: CatalogIdSetting) {
  return catalogContents(
    setting,
    o.line_items.map((item) => {
      // Item prices in the same currency as `value`: line_items[].price is in the shop currency.
      const priceText = money.presentment
        ? (item.price_set?.presentment_money?.amount ?? (money.currency === money.shopCurrency ? item.price : null))
        : item.price;
      const price = priceText !== null && /^\s*\d+(?:\.\d+)?\s*$/.test(priceText) ? Number(priceText) : undefined;
      return { productId: item.product_id, variantId: item.variant_id, quantity: item.quantity ?? 0, price };
    }),
  );
}

function countryOf(address: ShopifyAddress | null | undefined): string | undefined {
  if (!address) return undefined;
  return normalizeCountry(address.country_code) ?? normalizeCountry(address.country);
}

function firstDefined<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((v) => v !== undefined);
}

function buildUserData(o: ShopifyOrder): CapiUserData {
  const billing = o.billing_address;
  const shipping = o.shipping_address;
  const customer = o.customer;
  const home = customer?.default_address ?? null;
  const anyCountry = (...first: Array<ShopifyAddress | null>) => firstDefined(...[...first, billing, shipping, home].map(countryOf));

  const email = [o.email, o.contact_email, customer?.email].map(normalizeEmail).find(Boolean);

  // Each phone is read with the country of the address it came with, so its calling code is the right one.
  // In turn, stopping at the first that reads: parsing a phone number is one of the costlier steps here.
  const phone =
    normalizePhone(o.phone, anyCountry()) ??
    normalizePhone(billing?.phone, anyCountry(billing)) ??
    normalizePhone(shipping?.phone, anyCountry(shipping)) ??
    normalizePhone(customer?.phone, anyCountry(home));

  // fn and ln come from one source so they describe the same person (billing first: shipping may be a gift).
  const names = [billing, shipping, customer]
    .map((p) => ({ fn: normalizeName(p?.first_name), ln: normalizeName(p?.last_name) }))
    .find((n) => n.fn !== undefined || n.ln !== undefined);

  // City, state, zip and country from one address, so they never mix two places.
  const place = [billing, shipping, home]
    .map((a) => {
      const country = countryOf(a);
      return {
        ct: normalizeCity(a?.city),
        st: normalizeState(a?.province_code, country) ?? normalizeState(a?.province, country),
        zp: normalizeZip(a?.zip, country),
        country,
      };
    })
    .find((p) => p.ct !== undefined || p.st !== undefined || p.zp !== undefined || p.country !== undefined);

  const externalId = customerIdDigits(customer?.id ?? null);
  const ip = [o.browser_ip, o.client_details?.browser_ip].map((v) => v?.trim()).find((v) => !!v && isIP(v) !== 0);
  const userAgent = o.client_details?.user_agent?.trim() || undefined;

  const entries: Array<[keyof CapiUserData, string | undefined]> = [
    ["em", hashUserField(email)],
    ["ph", hashUserField(phone)],
    ["fn", hashUserField(names?.fn)],
    ["ln", hashUserField(names?.ln)],
    ["ct", hashUserField(place?.ct)],
    ["st", hashUserField(place?.st)],
    ["zp", hashUserField(place?.zp)],
    ["country", hashUserField(place?.country)],
    ["external_id", hashUserField(externalId)],
    ["client_ip_address", ip],
    ["client_user_agent", userAgent],
    ["fbp", cookieAttribute(o, "_fbp")],
    ["fbc", cookieAttribute(o, "_fbc")],
  ];
  const userData: CapiUserData = {};
  for (const [key, value] of entries) if (value !== undefined) userData[key] = value;
  return userData;
}

// The Customer GID form is accepted so a value read by the pixel (GID) and one from the webhook (number) agree.
function customerIdDigits(id: string | null): string | undefined {
  const s = normalizeExternalId(id);
  if (s === undefined) return undefined;
  if (/^\d+$/.test(s)) return s;
  return /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(s)?.[1];
}

function cookieAttribute(o: ShopifyOrder, name: "_fbp" | "_fbc"): string | undefined {
  return o.note_attributes
    .filter((a) => a.name?.trim() === name)
    .map((a) => a.value?.trim())
    .find((v): v is string => !!v && FB_COOKIE.test(v));
}

function noteAttribute(o: ShopifyOrder, name: string): string | undefined {
  return o.note_attributes
    .filter((a) => a.name?.trim() === name)
    .map((a) => a.value?.trim())
    .find((v): v is string => !!v);
}
