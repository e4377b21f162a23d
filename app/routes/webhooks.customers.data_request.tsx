import { z } from "zod";
import { getDb } from "~/db.server";
import { postOnly, webhookAction } from "~/services/webhook-auth.server";
import { logger } from "~/logger.server";
import { recordCustomerDataRequest } from "~/services/shop-lifecycle.server";

const idSchema = z.union([z.string(), z.number()]);

// The payload as authenticateWebhook parsed it losslessly: 18-digit order IDs stay exact.
const payloadSchema = z.object({
  customer: z.object({ id: idSchema.nullish() }).passthrough().nullish(),
  orders_requested: z.array(idSchema.transform(String)).nullish(),
  data_request: z.object({ id: idSchema.nullish() }).passthrough().nullish(),
});

export const loader = postOnly;

export const action = webhookAction("CUSTOMERS_DATA_REQUEST", { lossless: true }, async ({ shop, payload, webhookId }) => {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return new Response("orders_requested must be a list of order IDs", { status: 400 });
  const requestId = parsed.data.data_request?.id;
  const outcome = await recordCustomerDataRequest(getDb(), {
    shop,
    // A delivery without data_request.id (a CLI-triggered test) is keyed by its webhook ID, which retries share.
    requestId: requestId === undefined || requestId === null ? `webhook:${webhookId}` : String(requestId),
    orderIds: parsed.data.orders_requested ?? [],
    customer: { id: parsed.data.customer?.id },
    now: new Date(),
  });
  // The report is stored for the merchant (`npm run cli -- privacy:requests`); the log says only how much.
  logger.info(
    { shop, topic: "customers/data_request", deliveryRows: outcome.deliveries, browserEvents: outcome.browserEvents },
    "customer data request recorded",
  );
  return new Response();
});
