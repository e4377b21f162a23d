import { z } from "zod";
import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { handleScopesUpdate } from "~/services/shop-lifecycle.server";

const payloadSchema = z.object({ current: z.array(z.string()) });

export const loader = postOnly;

export const action = webhookAction("APP_SCOPES_UPDATE", { loadSession: true }, async ({ shop, payload, session }) => {
  // The one webhook that writes to the shop's session, so the one that loads it.
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return new Response("Payload has no current scopes", { status: 400 });
  await handleScopesUpdate(getDb(), shop, session?.id, parsed.data.current);
  return new Response();
});
