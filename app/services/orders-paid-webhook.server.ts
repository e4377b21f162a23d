// The orders/paid webhook's answer, shared by the Remix route (app/routes/webhooks.orders.paid.tsx, what
// `shopify app dev` serves) and the production server's fast path (server/index.ts), so both store the
// same row and answer the same status.
import { getDb } from "~/db.server";
import { recordOrderPaid } from "~/services/orders-paid.server";
import type { AuthenticatedWebhook, WebhookOptions, WebhookReply } from "~/services/webhook-auth.server";

export const ORDERS_PAID_TOPIC = "ORDERS_PAID";
// Parsed losslessly, once: Shopify's 18-digit IDs would be rounded by JSON.parse.
export const ORDERS_PAID_OPTIONS: WebhookOptions = { lossless: true };

export async function answerOrderPaid({ shop, webhookId, payload }: AuthenticatedWebhook): Promise<WebhookReply> {
  const outcome = await recordOrderPaid(getDb(), { shop, order: payload, webhookId, now: new Date() });
  // A redelivery of a recorded order is answered like the first delivery, so Shopify stops retrying.
  return outcome.ok ? { status: 200 } : { status: 400, body: outcome.error.message };
}
