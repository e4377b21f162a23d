import { z } from "zod";
import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { redactCustomer } from "~/services/shop-lifecycle.server";

// The payload as authenticateWebhook parsed it losslessly: 18-digit order IDs stay exact.
const payloadSchema = z.object({
  customer: z
    .object({ id: z.union([z.string(), z.number()]).nullish() })
    .passthrough()
    .nullish(),
  orders_to_redact: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
});

export const loader = postOnly;

export const action = webhookAction("CUSTOMERS_REDACT", { lossless: true }, async ({ shop, payload }) => {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return new Response("orders_to_redact must be a list of order IDs", { status: 400 });
  await redactCustomer(getDb(), shop, parsed.data.orders_to_redact ?? [], { id: parsed.data.customer?.id });
  return new Response();
});
