// Shopify's app proxy signature, checked with node:crypto (the rule of @shopify/shopify-api's
// validateHmac with signator "appProxy"): every query parameter except `signature`, as `key=value` with a
// repeated key's values joined by ",", sorted by key, concatenated with no separator, HMAC-SHA256 hex
// under the app's secret. The library answers a bad signature with 400 and loads the offline session on
// every request; the proxy needs neither, and answers 401.
import { createHmac, timingSafeEqual } from "node:crypto";

// The library's tolerance: a signed URL replayed later than this is refused.
export const APP_PROXY_TIMESTAMP_TOLERANCE_SECONDS = 90;

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$/;

export function appProxySignature(params: URLSearchParams, secret: string): string {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === "signature") continue;
    byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }
  const message = [...byKey.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, values]) => `${key}=${values.join(",")}`)
    .join("");
  return createHmac("sha256", secret).update(message, "utf8").digest("hex");
}

export type AppProxyAuth = { ok: true; shop: string; loggedInCustomerId: string | null } | { ok: false; error: string };

/** The shop Shopify vouches for, or why the request is not Shopify's. */
export function verifyAppProxyRequest(url: URL, secret: string, now: Date): AppProxyAuth {
  const params = url.searchParams;
  const signature = params.get("signature");
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return { ok: false, error: "Missing or malformed signature" };
  const expected = Buffer.from(appProxySignature(params, secret), "hex");
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return { ok: false, error: "Invalid signature" };
  const timestamp = Number(params.get("timestamp"));
  if (!Number.isFinite(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > APP_PROXY_TIMESTAMP_TOLERANCE_SECONDS) {
    return { ok: false, error: "Signature expired" };
  }
  const shop = params.get("shop");
  if (!shop || !SHOP_DOMAIN.test(shop)) return { ok: false, error: "Invalid shop" };
  const customer = params.get("logged_in_customer_id");
  return { ok: true, shop, loggedInCustomerId: customer && /^\d{1,20}$/.test(customer) ? customer : null };
}
