// A webhook exactly as Shopify sends it: POST, raw body, base64 HMAC-SHA256 of the body under the app
// secret, and the five headers authenticate.webhook requires. Nothing is mocked, so route tests prove
// the real HMAC and header handling.
import { randomUUID } from "node:crypto";
import { API_SECRET_KEY, APP_URL, getHmac } from "@shopify/shopify-api/test-helpers";

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
  const headers = new Headers({
    "Content-Type": "application/json",
    "X-Shopify-Topic": options.topic,
    "X-Shopify-Hmac-Sha256": getHmac(body, options.secret ?? API_SECRET_KEY),
    "X-Shopify-Shop-Domain": options.shop,
    "X-Shopify-API-Version": options.apiVersion ?? "2025-10",
    "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": options.eventId ?? randomUUID(),
    "X-Shopify-Triggered-At": options.triggeredAt ?? new Date().toISOString(),
  });
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  const path = options.path ?? `/webhooks/${options.topic}`;
  return new Request(new URL(path, APP_URL), { method: "POST", headers, body });
}
