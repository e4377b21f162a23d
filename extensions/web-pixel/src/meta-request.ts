// Checkout events → the request the browser sends to Meta's pixel endpoint. Pure: the strict sandbox has
// no DOM and no fbq, so the pixel builds the `/tr` GET that fbevents.js would have sent, and everything
// that decides what goes into it lives here, where the root Vitest can pin it down.
import type { Checkout, CheckoutLineItem } from "@shopify/web-pixels-extension";
import { orderIdDigits, purchaseEventId } from "../../../app/lib/event-id";
import { checkoutEventId, randomEventId } from "../../../app/lib/browser-event-id";
import {
  catalogContents,
  parseCatalogIdSettingText,
  DEFAULT_CATALOG_ID_SETTING,
  type CatalogContents,
  type CatalogIdSetting,
} from "../../../app/lib/capi/catalog-ids";

export const META_PIXEL_ENDPOINT = "https://www.facebook.com/tr";
/** The app proxy's path on the shop's domains (`[app_proxy]` prefix and subpath in shopify.app.toml). */
export const APP_PROXY_EVENTS_PATH = "/apps/meta-capi/events";

export const CHECKOUT_EVENTS = ["InitiateCheckout", "AddPaymentInfo", "Purchase"] as const;
export type CheckoutEventName = (typeof CHECKOUT_EVENTS)[number];
export type ConsentMode = "customer-privacy" | "strict";

/** The web pixel's settings as the app writes them (webPixelCreate/Update), after validation. */
export interface PixelSettings {
  pixelId: string;
  enabledEvents: CheckoutEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  /** The form of the catalog's item IDs, as the server's Purchase uses it (catalog-ids.ts). */
  catalogIds: CatalogIdSetting;
}

export interface CheckoutCustomData extends Partial<CatalogContents> {
  value?: number;
  currency?: string;
  /** InitiateCheckout only (Meta's parameter reference). */
  num_items?: number;
  order_id?: string;
}

export interface MetaBrowserEvent {
  eventName: CheckoutEventName;
  eventId: string;
  customData: CheckoutCustomData;
}

const PIXEL_ID = /^\d{5,20}$/;
// The cookie shapes Meta accepts; anything else is left out rather than sent and rejected.
const FB_COOKIE = /^fb\.\d\.\d+\.[A-Za-z0-9_.-]+$/;

/** Settings from `api.settings`, or null when they cannot drive a pixel (no valid pixel ID). */
export function parseSettings(raw: unknown): PixelSettings | null {
  if (typeof raw !== "object" || raw === null) return null;
  const s = raw as Record<string, unknown>;
  const pixelId = typeof s.pixelId === "string" ? s.pixelId.trim() : "";
  if (!PIXEL_ID.test(pixelId)) return null;
  const events = typeof s.enabledEvents === "string" ? s.enabledEvents.split(",").map((e) => e.trim()) : [];
  return {
    pixelId,
    enabledEvents: CHECKOUT_EVENTS.filter((name) => events.includes(name)),
    consentMode: s.consentMode === "strict" ? "strict" : "customer-privacy",
    limitedDataUse: s.limitedDataUse === "true",
    // Missing (settings written before the setting existed): the default, as the server's stored default.
    catalogIds: parseCatalogIdSettingText(s.catalogIds),
  };
}

export function isFbCookie(value: unknown): value is string {
  return typeof value === "string" && FB_COOKIE.test(value);
}

/** What the storefront wrote in the `_mc_consent` cart attribute, carried into the checkout. */
export function storefrontConsent(checkout: Pick<Checkout, "attributes"> | null | undefined): "granted" | "denied" | null {
  const value = checkout?.attributes
    ?.find((a) => a?.key === "_mc_consent")
    ?.value?.trim()
    .toLowerCase();
  return value === "granted" || value === "denied" ? value : null;
}

/**
 * The browser Purchase for a completed checkout, keyed by purchaseEventId(order id) exactly as the server's
 * orders/paid Purchase is. Null without a usable order ID: a made-up ID would never deduplicate.
 */
export function purchaseFromCheckout(
  checkout: Checkout | null | undefined,
  catalog: CatalogIdSetting = DEFAULT_CATALOG_ID_SETTING,
): MetaBrowserEvent | null {
  const rawId = checkout?.order?.id;
  if (!checkout || rawId === null || rawId === undefined) return null;
  let digits: string;
  try {
    digits = orderIdDigits(rawId);
  } catch {
    return null;
  }
  return {
    eventName: "Purchase",
    eventId: purchaseEventId(digits),
    customData: { ...customData(checkout, catalog), order_id: digits },
  };
}

/** InitiateCheckout keyed on the checkout token, or on a fresh random ID when there is none. */
export function initiateCheckoutFromCheckout(
  checkout: Checkout | null | undefined,
  catalog: CatalogIdSetting = DEFAULT_CATALOG_ID_SETTING,
): MetaBrowserEvent | null {
  if (!checkout) return null;
  const eventId = checkoutEventId(checkout.token) ?? randomEventId("wp");
  if (!eventId) return null;
  const data = customData(checkout, catalog);
  const numItems = (data.contents ?? []).reduce((sum, item) => sum + item.quantity, 0);
  // num_items is an InitiateCheckout parameter only; the other checkout events never carry it.
  return { eventName: "InitiateCheckout", eventId, customData: numItems > 0 ? { ...data, num_items: numItems } : data };
}

/**
 * AddPaymentInfo (payment_info_submitted) with a fresh random ID: a shopper may submit payment details more
 * than once, and the checkout token already names this checkout's InitiateCheckout.
 */
export function addPaymentInfoFromCheckout(
  checkout: Checkout | null | undefined,
  catalog: CatalogIdSetting = DEFAULT_CATALOG_ID_SETTING,
): MetaBrowserEvent | null {
  const eventId = checkout ? randomEventId("wp") : null;
  return checkout && eventId ? { eventName: "AddPaymentInfo", eventId, customData: customData(checkout, catalog) } : null;
}

// The lines through the same rule as the server's Purchase (catalog-ids.ts), so both copies name the same items.
function customData(checkout: Checkout, catalog: CatalogIdSetting): CheckoutCustomData {
  const lines = (checkout.lineItems ?? []).map((line: CheckoutLineItem | null | undefined) => ({
    productId: line?.variant?.product?.id,
    variantId: line?.variant?.id,
    quantity: typeof line?.quantity === "number" ? line.quantity : 0,
    price: line?.variant?.price?.amount,
  }));
  const data: CheckoutCustomData = { ...(catalogContents(catalog, lines) ?? {}) };
  const amount = checkout.totalPrice?.amount;
  const currency = (checkout.totalPrice?.currencyCode ?? checkout.currencyCode)?.trim().toUpperCase();
  // Meta requires both for a Purchase; sending a value in no currency would be read as the pixel's default.
  if (typeof amount === "number" && Number.isFinite(amount) && amount >= 0 && currency && /^[A-Z]{3}$/.test(currency)) {
    data.value = amount;
    data.currency = currency;
  }
  return data;
}

export interface TrRequestInput {
  pixelId: string;
  event: MetaBrowserEvent;
  /** The page the event happened on (`dl`) and its referrer (`rl`). */
  pageUrl?: string | null;
  referrer?: string | null;
  /** When the event happened, in ms (`ts`). */
  timestampMs: number;
  fbp?: string | null;
  fbc?: string | null;
  limitedDataUse: boolean;
}

/**
 * The GET URL for Meta's pixel endpoint, in fbevents.js's own parameter names: `id`, `ev`, `eid` (the
 * dedup key, Meta's image-pixel equivalent of `eventID`), `dl`, `rl`, `ts`, `cd[...]` (arrays and objects
 * as JSON, as fbevents sends them), `fbp`/`fbc`, and `dpo`/`dpoco`/`dpost` for Limited Data Use.
 */
export function buildTrUrl(input: TrRequestInput): string {
  const params = new URLSearchParams();
  params.set("id", input.pixelId);
  params.set("ev", input.event.eventName);
  params.set("eid", input.event.eventId);
  if (input.pageUrl) params.set("dl", input.pageUrl);
  if (input.referrer) params.set("rl", input.referrer);
  if (Number.isFinite(input.timestampMs)) params.set("ts", String(Math.floor(input.timestampMs)));
  for (const [key, value] of Object.entries(input.event.customData)) {
    if (value === undefined) continue;
    params.set(`cd[${key}]`, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  if (isFbCookie(input.fbp)) params.set("fbp", input.fbp);
  if (isFbCookie(input.fbc)) params.set("fbc", input.fbc);
  if (input.limitedDataUse) {
    params.set("dpo", "LDU");
    params.set("dpoco", "0");
    params.set("dpost", "0");
  }
  return `${META_PIXEL_ENDPOINT}?${params.toString()}`;
}

/**
 * `<origin>/apps/meta-capi/events` on the page's own origin (the checkout runs on the shop's domain), or
 * null for anything but a plain http(s) origin.
 */
export function proxyEventsUrl(origin: string | null | undefined): string | null {
  return typeof origin === "string" && /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin) ? origin + APP_PROXY_EVENTS_PATH : null;
}

export interface ProxyEventInput {
  event: MetaBrowserEvent;
  pageUrl?: string | null;
  timestampMs: number;
  fbp?: string | null;
  fbc?: string | null;
}

/**
 * The app proxy's body, `{"events":[…]}` in Meta's field names, for the same event as the /tr request:
 * the server copy of InitiateCheckout and AddPaymentInfo, and for Purchase only the mark that the browser
 * sent it (the server's Purchase comes from orders/paid).
 */
export function proxyBody(input: ProxyEventInput): string {
  const event: Record<string, unknown> = {
    event_name: input.event.eventName,
    event_id: input.event.eventId,
    event_time: Math.floor(input.timestampMs / 1000),
    custom_data: input.event.customData,
  };
  if (input.pageUrl) event.event_source_url = input.pageUrl;
  if (isFbCookie(input.fbp)) event.fbp = input.fbp;
  if (isFbCookie(input.fbc)) event.fbc = input.fbc;
  return JSON.stringify({ events: [event] });
}
