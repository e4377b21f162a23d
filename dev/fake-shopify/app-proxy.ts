// What Shopify's app proxy does to a storefront request before it reaches the app: adds the signed
// query (shop, logged_in_customer_id, path_prefix, timestamp, signature) and the shopper's address in
// X-Forwarded-For. For tests, the bench and the demo; the signature rule is the app's own
// (app/services/app-proxy-auth.server.ts), which a test holds to @shopify/shopify-api's validator.
import { createHmac } from "node:crypto";

export interface SignProxyOptions {
  shop: string;
  secret: string;
  loggedInCustomerId?: string | null;
  /** Unix seconds; now by default. */
  timestamp?: number;
  pathPrefix?: string;
}

/** The app URL (e.g. http://127.0.0.1:3000/proxy/events) with Shopify's signed query added. */
export function signProxyUrl(appUrl: string, opts: SignProxyOptions): string {
  const url = new URL(appUrl);
  const params: [string, string][] = [
    ["shop", opts.shop],
    ["logged_in_customer_id", opts.loggedInCustomerId ?? ""],
    ["path_prefix", opts.pathPrefix ?? "/apps/meta-capi"],
    ["timestamp", String(opts.timestamp ?? Math.floor(Date.now() / 1000))],
  ];
  const message = [...params]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join("");
  for (const [key, value] of params) url.searchParams.set(key, value);
  url.searchParams.set("signature", createHmac("sha256", opts.secret).update(message, "utf8").digest("hex"));
  return url.toString();
}
