import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { authenticateWebhook, postOnly, withWebhookSlot } from "~/services/webhook-auth.server";
import { redactShop } from "~/services/shop-lifecycle.server";

export const loader = postOnly;

export const action = ({ request }: ActionFunctionArgs) =>
  withWebhookSlot(async () => {
    const { shop } = await authenticateWebhook(request, "SHOP_REDACT");
    await redactShop(getDb(), shop);
    return new Response();
  });
