// A webhook exactly as Shopify sends it (headers from scripts/lib/shopify-webhook.ts, shared with the demo
// and the benchmark), as a Request for the route tests. Nothing is mocked, so route tests prove the real
// HMAC and header handling.
import { API_SECRET_KEY, APP_URL } from "@shopify/shopify-api/test-helpers";
import { shopifyWebhookHeaders } from "../../scripts/lib/shopify-webhook";

export interface SignedWebhookOptions {
  /** Shopify spelling, e.g. "orders/paid". */
  topic: string;
  shop: string;
  /** Sent as is when a string (so malformed JSON can be tested); JSON-encoded otherwise. */
  body: string | object;
  /** Defaults to a fresh ID; reuse one to simulate Shopify retrying a delivery. */
  webhookId?: string;
  /** Defaults to the test app secret; anything else yields an invalid signature. */
  secret?: string;
  /** Defaults to the topic's route, `/webhooks/<topic>`. */
  path?: string;
  apiVersion?: string;
  eventId?: string;
  triggeredAt?: string;
  /** Added last: overrides, or `null` to drop a header (e.g. to test a missing one). */
  headers?: Record<string, string | null>;
}

export function signedWebhookRequest(options: SignedWebhookOptions): Request {
  const body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const headers = new Headers(
    shopifyWebhookHeaders({
      topic: options.topic,
      shop: options.shop,
      body,
      secret: options.secret ?? API_SECRET_KEY,
      webhookId: options.webhookId,
      apiVersion: options.apiVersion,
      eventId: options.eventId,
      triggeredAt: options.triggeredAt,
    }),
  );
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  const path = options.path ?? `/webhooks/${options.topic}`;
  return new Request(new URL(path, APP_URL), { method: "POST", headers, body });
}
