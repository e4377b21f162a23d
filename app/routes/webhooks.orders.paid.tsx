import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { authenticateWebhook, postOnly, withWebhookSlot } from "~/services/webhook-auth.server";
import { recordOrderPaid } from "~/services/orders-paid.server";

export const loader = postOnly;

export const action = ({ request }: ActionFunctionArgs) =>
  withWebhookSlot(async () => {
    // Parsed losslessly, once: Shopify's 18-digit IDs would be rounded by JSON.parse.
    const { shop, webhookId, payload } = await authenticateWebhook(request, "ORDERS_PAID", { lossless: true });
    const outcome = await recordOrderPaid(getDb(), { shop, order: payload, webhookId: webhookId ?? null, now: new Date() });
    if (outcome.httpStatus === 400) return new Response(outcome.error, { status: 400 });
    return new Response(null, { status: 200 });
  });
