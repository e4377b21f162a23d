import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "~/db.server";
import { parseOrderJson } from "~/lib/capi/order-payload";
import { authenticateWebhook } from "~/lib/webhook-auth.server";
import { redactCustomer } from "~/services/shop-lifecycle.server";

// Parsed from the raw body: the library's payload has 18-digit order IDs already rounded.
const payloadSchema = z.object({
  orders_to_redact: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, rawBody } = await authenticateWebhook(request, "CUSTOMERS_REDACT");
  const parsed = payloadSchema.safeParse(parseOrderJson(rawBody));
  if (!parsed.success) return new Response("orders_to_redact must be a list of order IDs", { status: 400 });
  await redactCustomer(getDb(), shop, parsed.data.orders_to_redact ?? []);
  return new Response();
};
