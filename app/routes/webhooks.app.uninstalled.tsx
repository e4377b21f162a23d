import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { authenticateWebhook, postOnly, withWebhookSlot } from "~/services/webhook-auth.server";
import { handleAppUninstalled } from "~/services/shop-lifecycle.server";

export const loader = postOnly;

export const action = ({ request }: ActionFunctionArgs) =>
  withWebhookSlot(async () => {
    const { shop } = await authenticateWebhook(request, "APP_UNINSTALLED");
    // Webhooks can repeat and can arrive after the shop's sessions are gone: the service is idempotent
    // and does not need a session.
    await handleAppUninstalled(getDb(), shop);
    return new Response();
  });
