import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { getDb } from "~/db.server";
import { parseOrderJson } from "~/lib/capi/order-payload";
import { authenticateWebhook } from "~/lib/webhook-auth.server";
import { logger } from "~/logger.server";
import { customerDataReport } from "~/services/shop-lifecycle.server";

// Parsed from the raw body: the library's payload has 18-digit order IDs already rounded.
const payloadSchema = z.object({
  orders_requested: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, rawBody } = await authenticateWebhook(request, "CUSTOMERS_DATA_REQUEST");
  const parsed = payloadSchema.safeParse(parseOrderJson(rawBody));
  if (!parsed.success) return new Response("orders_requested must be a list of order IDs", { status: 400 });
  const report = await customerDataReport(getDb(), shop, parsed.data.orders_requested ?? []);
  // Shopify only needs the 200. The rows reach the merchant through support, so the log carries a count
  // and nothing about the customer.
  logger.info({ shop, topic: "customers/data_request", deliveryRows: report.length }, "customer data request received");
  return new Response();
};
