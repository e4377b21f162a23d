// Event IDs of the browser events other than Purchase (whose one rule is event-id.ts). The web pixel
// generates them, the "browser event seen" beacon accepts only these shapes, and the theme embed's plain
// script (which cannot import) writes the same `sf_` form; a browser test holds it to this module.
// Runs inside Shopify's strict web pixel sandbox too: no imports, no Node APIs.

/** Storefront events (theme embed): `sf_` + 128 random bits in hex, fresh for every event. */
export const STOREFRONT_EVENT_ID = /^sf_[0-9a-f]{32}$/;
/** Checkout events the web pixel cannot key on an order: `wp_` + 128 random bits in hex. */
export const WEB_PIXEL_EVENT_ID = /^wp_[0-9a-f]{32}$/;
/** InitiateCheckout keyed on the checkout, so a shopper reloading checkout is one event at Meta. */
export const CHECKOUT_EVENT_ID = /^shopify_checkout_[A-Za-z0-9_-]{8,128}$/;
const PURCHASE_EVENT_ID = /^shopify_order_[1-9]\d{0,19}$/;

/** `shopify_checkout_<token>`, or null when the token is missing or not token-shaped. */
export function checkoutEventId(token: string | null | undefined): string | null {
  if (typeof token !== "string") return null;
  const id = `shopify_checkout_${token.trim()}`;
  return CHECKOUT_EVENT_ID.test(id) ? id : null;
}

/** A fresh random ID, or null where no cryptographic random source exists (never a guessable one). */
export function randomEventId(prefix: "sf" | "wp"): string | null {
  const source = (globalThis as { crypto?: { getRandomValues?: <T extends Uint8Array>(a: T) => T } }).crypto;
  if (typeof source?.getRandomValues !== "function") return null;
  const bytes = source.getRandomValues(new Uint8Array(16));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `${prefix}_${hex}`;
}

/** True when `id` is a shape this app generates for `eventName` (Purchase: purchaseEventId's output). */
export function isBrowserEventId(eventName: string, id: string): boolean {
  switch (eventName) {
    case "PageView":
    case "ViewContent":
    case "AddToCart":
      return STOREFRONT_EVENT_ID.test(id);
    case "InitiateCheckout":
      return CHECKOUT_EVENT_ID.test(id) || WEB_PIXEL_EVENT_ID.test(id);
    case "Purchase":
      return PURCHASE_EVENT_ID.test(id);
    default:
      return false;
  }
}
