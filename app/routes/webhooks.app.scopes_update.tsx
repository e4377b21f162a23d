import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "~/db.server";
import { authenticateWebhook, postOnly } from "~/lib/webhook-auth.server";
import { handleScopesUpdate } from "~/services/shop-lifecycle.server";

const payloadSchema = z.object({ current: z.array(z.string()) });

export const loader = postOnly;

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, payload, session } = await authenticateWebhook(request, "APP_SCOPES_UPDATE");
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return new Response("Payload has no current scopes", { status: 400 });
  await handleScopesUpdate(getDb(), shop, session?.id, parsed.data.current);
  return new Response();
};
