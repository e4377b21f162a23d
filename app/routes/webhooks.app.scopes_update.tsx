import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "~/db.server";
import { authenticateWebhook, postOnly, withWebhookSlot } from "~/services/webhook-auth.server";
import { handleScopesUpdate } from "~/services/shop-lifecycle.server";

const payloadSchema = z.object({ current: z.array(z.string()) });

export const loader = postOnly;

export const action = ({ request }: ActionFunctionArgs) =>
  withWebhookSlot(async () => {
    // The one webhook that writes to the shop's session, so the one that loads it.
    const { shop, payload, session } = await authenticateWebhook(request, "APP_SCOPES_UPDATE", { loadSession: true });
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) return new Response("Payload has no current scopes", { status: 400 });
    await handleScopesUpdate(getDb(), shop, session?.id, parsed.data.current);
    return new Response();
  });
