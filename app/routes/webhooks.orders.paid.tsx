import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { recordOrderPaid } from "~/services/orders-paid.server";

export const loader = postOnly;

export const action = webhookAction("ORDERS_PAID", { lossless: true }, async ({ shop, webhookId, payload }) => {
  // Parsed losslessly, once: Shopify's 18-digit IDs would be rounded by JSON.parse.
  const outcome = await recordOrderPaid(getDb(), { shop, order: payload, webhookId, now: new Date() });
  // A redelivery of a recorded order is answered like the first delivery, so Shopify stops retrying.
  return outcome.ok ? new Response(null, { status: 200 }) : new Response(outcome.error.message, { status: 400 });
});
