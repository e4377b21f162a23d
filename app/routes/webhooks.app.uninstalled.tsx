import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { handleAppUninstalled } from "~/services/shop-lifecycle.server";

export const loader = postOnly;

export const action = webhookAction("APP_UNINSTALLED", {}, async ({ shop }) => {
  // Webhooks can repeat and can arrive after the shop's sessions are gone: the service is idempotent
  // and does not need a session.
  await handleAppUninstalled(getDb(), shop);
  return new Response();
});
