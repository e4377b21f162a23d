// A webhook exactly as Shopify sends it: POST, raw body, base64 HMAC-SHA256 of the body under the app
// secret, and the headers `authenticate.webhook` requires. Shared by the route tests, the demo and the
// benchmark, so all three send what Shopify sends.
import { createHmac, randomUUID } from "node:crypto";

export function shopifyHmac(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export interface WebhookHeaderOptions {
  /** Shopify spelling, e.g. "orders/paid". */
  topic: string;
  shop: string;
  body: string;
  secret: string;
  /** Defaults to a fresh ID; reuse one to simulate Shopify retrying a delivery. */
  webhookId?: string;
  apiVersion?: string;
  eventId?: string;
  triggeredAt?: string;
}

export function shopifyWebhookHeaders(options: WebhookHeaderOptions): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": options.topic,
    "X-Shopify-Hmac-Sha256": shopifyHmac(options.body, options.secret),
    "X-Shopify-Shop-Domain": options.shop,
    "X-Shopify-API-Version": options.apiVersion ?? "2025-10",
    "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": options.eventId ?? randomUUID(),
    "X-Shopify-Triggered-At": options.triggeredAt ?? new Date().toISOString(),
  };
}
