// The orders/paid webhook's answer, shared by the Remix route (app/routes/webhooks.orders.paid.tsx, what
// `shopify app dev` serves) and the production server's fast path (server/index.ts), so both store the
// same row and answer the same status.
import { getDb } from "~/db.server";
import type { BuildOrderPaidRow } from "~/services/order-paid-row.server";
import { recordOrderPaid, recordOrderPaidBody } from "~/services/orders-paid.server";
import { BAD_JSON, type AuthenticatedWebhook, type WebhookOptions, type WebhookReply } from "~/services/webhook-auth.server";

export const ORDERS_PAID_TOPIC = "ORDERS_PAID";
// Parsed losslessly, once: Shopify's 18-digit IDs would be rounded by JSON.parse.
export const ORDERS_PAID_OPTIONS: WebhookOptions = { lossless: true };

/**
 * The production server's answer (server/index.ts): the body is parsed and mapped by `build` (a thread, see
 * order-row-threads.server.ts), with the same statuses, bodies and rows as answerOrderPaid.
 */
export const ORDERS_PAID_DEFERRED_OPTIONS: WebhookOptions = { deferParse: true };

export function answerOrderPaidWith(build: BuildOrderPaidRow): (webhook: AuthenticatedWebhook) => Promise<WebhookReply> {
  return async ({ shop, webhookId, rawBody }) => {
    const outcome = await recordOrderPaidBody(getDb(), { shop, webhookId, rawBody, now: new Date() }, build);
    if (outcome.ok) return { status: 200 };
    return { status: 400, body: outcome.error.kind === "bad-json" ? BAD_JSON : outcome.error.message };
  };
}

export async function answerOrderPaid({ shop, webhookId, payload }: AuthenticatedWebhook): Promise<WebhookReply> {
  const outcome = await recordOrderPaid(getDb(), { shop, order: payload, webhookId, now: new Date() });
  // A redelivery of a recorded order is answered like the first delivery, so Shopify stops retrying.
  return outcome.ok ? { status: 200 } : { status: 400, body: outcome.error.message };
}
