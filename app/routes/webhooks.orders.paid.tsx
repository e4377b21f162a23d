import { buildOrderPaidRowInline } from "~/services/order-paid-row.server";
import { answerOrderPaidWith, ORDERS_PAID_OPTIONS, ORDERS_PAID_TOPIC } from "~/services/orders-paid-webhook.server";
import { postOnly, replyResponse, webhookAction } from "~/services/webhook-auth.server";

export const loader = postOnly;

// `npm start` answers these POSTs before Remix (server/index.ts, webhook-fast-path.server.ts) with the same
// checks and the same answer, its rows built on a thread; this route serves them under `shopify app dev` and in
// route tests, building each row inline.
const answer = answerOrderPaidWith(buildOrderPaidRowInline);
export const action = webhookAction(ORDERS_PAID_TOPIC, ORDERS_PAID_OPTIONS, async (webhook) => replyResponse(await answer(webhook)));
