import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { authenticateWebhook, postOnly } from "~/lib/webhook-auth.server";
import { recordOrderPaid } from "~/services/orders-paid.server";

export const loader = postOnly;

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, webhookId, rawBody } = await authenticateWebhook(request, "ORDERS_PAID");
  const outcome = await recordOrderPaid(getDb(), { shop, rawBody, webhookId: webhookId ?? null, now: new Date() });
  if (outcome.httpStatus === 400) return new Response(outcome.error, { status: 400 });
  return new Response(null, { status: 200 });
};
