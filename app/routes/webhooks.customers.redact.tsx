import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "~/db.server";
import { parseWebhookJson } from "~/lib/well-formed";
import { authenticateWebhook, postOnly } from "~/lib/webhook-auth.server";
import { redactCustomer } from "~/services/shop-lifecycle.server";

// Parsed from the raw body: the library's payload has 18-digit order IDs already rounded.
const payloadSchema = z.object({
  customer: z.object({ id: z.union([z.string(), z.number()]).nullish() }).passthrough().nullish(),
  orders_to_redact: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
});

export const loader = postOnly;

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, rawBody } = await authenticateWebhook(request, "CUSTOMERS_REDACT");
  const parsed = payloadSchema.safeParse(readJson(rawBody));
  if (!parsed.success) return new Response("orders_to_redact must be a list of order IDs", { status: 400 });
  await redactCustomer(getDb(), shop, parsed.data.orders_to_redact ?? [], { id: parsed.data.customer?.id });
  return new Response();
};

// The library already parsed the body, but lossless parsing can still refuse it (nesting deep enough to
// exhaust the stack): that is the sender's payload, not our failure, so a 400 rather than a retried 500.
function readJson(rawBody: string): unknown {
  try {
    return parseWebhookJson(rawBody);
  } catch {
    return undefined;
  }
}
