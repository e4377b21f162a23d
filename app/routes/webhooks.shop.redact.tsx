import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { redactShop } from "~/services/shop-lifecycle.server";

export const loader = postOnly;

export const action = webhookAction("SHOP_REDACT", {}, async ({ shop }) => {
  await redactShop(getDb(), shop);
  return new Response();
});
