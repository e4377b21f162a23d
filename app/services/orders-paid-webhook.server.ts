// The orders/paid webhook's answer, shared by the Remix route (app/routes/webhooks.orders.paid.tsx, what
// `shopify app dev` serves, building the row inline) and the production server's fast path (server/index.ts,
// building it on a thread), so both store the same row and answer the same status.
import { getDb } from "~/db.server";
import type { BuildOrderPaidRow } from "~/services/order-paid-row.server";
import { recordOrderPaidBody } from "~/services/orders-paid.server";
import { BAD_JSON, type AuthenticatedWebhook, type WebhookOptions, type WebhookReply } from "~/services/webhook-auth.server";

export const ORDERS_PAID_TOPIC = "ORDERS_PAID";
// The body is parsed once, losslessly (Shopify's 18-digit IDs would be rounded by JSON.parse), where the row
// is built (order-paid-row.server.ts), not by the signature check.
export const ORDERS_PAID_OPTIONS: WebhookOptions = { deferParse: true };

export function answerOrderPaidWith(build: BuildOrderPaidRow): (webhook: AuthenticatedWebhook) => Promise<WebhookReply> {
  return async ({ shop, webhookId, rawBody }) => {
    const outcome = await recordOrderPaidBody(getDb(), { shop, webhookId, rawBody, now: new Date() }, build);
    // A redelivery of a recorded order is answered like the first delivery, so Shopify stops retrying.
    if (outcome.ok) return { status: 200 };
    return { status: 400, body: outcome.error.kind === "bad-json" ? BAD_JSON : outcome.error.message };
  };
}
