import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { handleShopUpdate } from "~/services/shop-lifecycle.server";

export const loader = postOnly;

// The merchant changed the shop (its primary domain, among others): event_source_url follows the domain.
export const action = webhookAction("SHOP_UPDATE", {}, async ({ shop, payload }) => {
  await handleShopUpdate(getDb(), shop, payload);
  return new Response();
});
