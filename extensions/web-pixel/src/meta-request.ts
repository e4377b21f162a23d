// Checkout events → the request the browser sends to Meta's pixel endpoint. Pure: the strict sandbox has
// no DOM and no fbq, so the pixel builds the `/tr` GET that fbevents.js would have sent, and everything
// that decides what goes into it lives here, where the root Vitest can pin it down.
import type { Checkout, CheckoutLineItem } from "@shopify/web-pixels-extension";
import { orderIdDigits, purchaseEventId } from "../../../app/lib/event-id";
import { checkoutEventId, randomEventId } from "../../../app/lib/browser-event-id";

export const META_PIXEL_ENDPOINT = "https://www.facebook.com/tr";

export type CheckoutEventName = "InitiateCheckout" | "Purchase";
export type ConsentMode = "customer-privacy" | "strict";

/** The web pixel's settings as the app writes them (webPixelCreate/Update), after validation. */
export interface PixelSettings {
  pixelId: string;
  enabledEvents: CheckoutEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  beaconUrl: string | null;
}

export interface ContentItem {
  id: string;
  quantity: number;
  item_price?: number;
}

export interface CheckoutCustomData {
  value?: number;
  currency?: string;
  content_ids: string[];
  contents: ContentItem[];
  content_type: "product";
  num_items: number;
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
  const beacon = typeof s.beaconUrl === "string" ? s.beaconUrl.trim() : "";
  return {
    pixelId,
    enabledEvents: (["InitiateCheckout", "Purchase"] as const).filter((name) => events.includes(name)),
    consentMode: s.consentMode === "strict" ? "strict" : "customer-privacy",
    limitedDataUse: s.limitedDataUse === "true",
    beaconUrl: /^https?:\/\/[^\s]+$/.test(beacon) ? beacon : null,
  };
}

export function isFbCookie(value: unknown): value is string {
  return typeof value === "string" && FB_COOKIE.test(value);
}

/** What the storefront wrote in the `_mc_consent` cart attribute, carried into the checkout. */
export function storefrontConsent(checkout: Pick<Checkout, "attributes"> | null | undefined): "granted" | "denied" | null {
  const value = checkout?.attributes?.find((a) => a?.key === "_mc_consent")?.value?.trim().toLowerCase();
  return value === "granted" || value === "denied" ? value : null;
}

/**
 * The browser Purchase for a completed checkout, keyed by purchaseEventId(order id) exactly as the server's
 * orders/paid Purchase is. Null without a usable order ID: a made-up ID would never deduplicate.
 */
export function purchaseFromCheckout(checkout: Checkout | null | undefined): MetaBrowserEvent | null {
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
    customData: { ...customData(checkout), order_id: digits },
  };
}

/** InitiateCheckout keyed on the checkout token, or on a fresh random ID when there is none. */
export function initiateCheckoutFromCheckout(checkout: Checkout | null | undefined): MetaBrowserEvent | null {
  if (!checkout) return null;
  const eventId = checkoutEventId(checkout.token) ?? randomEventId("wp");
  if (!eventId) return null;
  return { eventName: "InitiateCheckout", eventId, customData: customData(checkout) };
}

function customData(checkout: Checkout): CheckoutCustomData {
  const contents: ContentItem[] = [];
  const contentIds: string[] = [];
  let numItems = 0;
  for (const line of checkout.lineItems ?? []) {
    const id = contentId(line);
    const quantity = line?.quantity;
    if (!id || typeof quantity !== "number" || !Number.isInteger(quantity) || quantity <= 0) continue;
    const price = line.variant?.price?.amount;
    contents.push(typeof price === "number" && Number.isFinite(price) && price >= 0 ? { id, quantity, item_price: price } : { id, quantity });
    if (!contentIds.includes(id)) contentIds.push(id);
    numItems += quantity;
  }
  const data: CheckoutCustomData = { content_ids: contentIds, contents, content_type: "product", num_items: numItems };
  const amount = checkout.totalPrice?.amount;
  const currency = (checkout.totalPrice?.currencyCode ?? checkout.currencyCode)?.trim().toUpperCase();
  // Meta requires both for a Purchase; sending a value in no currency would be read as the pixel's default.
  if (typeof amount === "number" && Number.isFinite(amount) && amount >= 0 && currency && /^[A-Z]{3}$/.test(currency)) {
    data.value = amount;
    data.currency = currency;
  }
  return data;
}

// Same precedence as the server mapping (product, then variant, then SKU), so both copies name the same items.
function contentId(line: CheckoutLineItem | null | undefined): string | undefined {
  const variant = line?.variant;
  return digitsOf(variant?.product?.id) ?? digitsOf(variant?.id) ?? (variant?.sku?.trim() || undefined);
}

function digitsOf(id: string | null | undefined): string | undefined {
  if (typeof id !== "string") return undefined;
  const match = /^(?:gid:\/\/shopify\/\w+\/)?(\d+)$/.exec(id.trim());
  return match?.[1];
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

/** The body of the app's "browser event seen" beacon (POST /pixel/events). */
export function beaconBody(shop: string, event: Pick<MetaBrowserEvent, "eventName" | "eventId">): string {
  return JSON.stringify({ shop, eventName: event.eventName, eventId: event.eventId, source: "web-pixel" });
}
