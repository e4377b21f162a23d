// orders/paid → one ledger row. The webhook path does exactly this and answers: it never calls Meta, so
// Shopify's 5-second budget is spent on one insert, and a slow or down Meta cannot make Shopify retry.
// The row itself is built by order-paid-row.server.ts, a pure function the production server may run on a
// thread of its own (order-row-threads.server.ts).
import type { Db } from "~/db.server";
import { ok, type Result } from "~/lib/result";
import { recordDelivery } from "~/models/delivery-queue.server";
import { findShopSettingsForIngest } from "~/models/shop-settings.server";
import {
  ingestSettings,
  orderPaidRow,
  type BadOrderJson,
  type BuildOrderPaidRow,
  type OrderPaidRecorded,
  type OrderPaidRejected,
  type OrderPaidRowInput,
} from "~/services/order-paid-row.server";

export type { OrderPaidRecorded, OrderPaidRejected } from "~/services/order-paid-row.server";
export type OrderPaidOutcome = Result<OrderPaidRecorded, OrderPaidRejected>;

export async function recordOrderPaid(
  db: Db,
  // `order`: the body as parseWebhookJson returns it (lossless IDs, well-formed text), as the webhook route has it.
  input: OrderPaidRowInput & { order: unknown },
): Promise<OrderPaidOutcome> {
  const settings = await findShopSettingsForIngest(db, input.shop);
  const built = orderPaidRow(input.order, input, settings);
  if (!built.ok) return built;
  const row = built.value;
  const { created } = await recordDelivery(db, row);
  return ok({ created, status: row.status, reasonCode: row.reasonCode, eventId: row.eventId });
}

/**
 * The same from the signed body as received: parsed and mapped by `build` (on a thread, in the production
 * server), so the caller's thread spends its time on HTTP and the insert. `bad-json` is the sender's body.
 */
export async function recordOrderPaidBody(
  db: Db,
  input: OrderPaidRowInput & { rawBody: string },
  build: BuildOrderPaidRow,
): Promise<Result<OrderPaidRecorded, OrderPaidRejected | BadOrderJson>> {
  const settings = await findShopSettingsForIngest(db, input.shop);
  const built = await build(input.rawBody, { shop: input.shop, webhookId: input.webhookId, now: input.now }, ingestSettings(settings));
  if (!built.ok) return built;
  const row = built.value;
  const { created } = await recordDelivery(db, row);
  return ok({ created, status: row.status, reasonCode: row.reasonCode, eventId: row.eventId });
}
