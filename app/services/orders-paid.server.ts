// orders/paid → one ledger row. The webhook path does exactly this and answers: it never calls Meta, so
// Shopify's 5-second budget is spent on one insert, and a slow or down Meta cannot make Shopify retry.
// The row itself is built by order-paid-row.server.ts, a pure function the production server may run on a
// thread of its own (order-row-threads.server.ts).
import type { Db } from "~/db.server";
import { ok, type Result } from "~/lib/result";
import { recordDelivery, type NewDelivery } from "~/models/delivery-queue.server";
import { findShopSettingsForIngest } from "~/models/shop-settings.server";
import {
  ingestSettings,
  orderPaidRow,
  type BadOrderJson,
  type BuildOrderPaidRow,
  type IngestSettings,
  type OrderPaidRecorded,
  type OrderPaidRejected,
  type OrderPaidRowInput,
} from "~/services/order-paid-row.server";

export type { OrderPaidRecorded, OrderPaidRejected } from "~/services/order-paid-row.server";
export type OrderPaidOutcome = Result<OrderPaidRecorded, OrderPaidRejected>;

/** From an order already parsed (parseWebhookJson's lossless IDs, well-formed text): tests and the CLI. */
export function recordOrderPaid(db: Db, input: OrderPaidRowInput & { order: unknown }): Promise<OrderPaidOutcome> {
  return record(db, input.shop, (settings) => orderPaidRow(input.order, input, settings));
}

/**
 * From the signed body as received, parsed and mapped by `build`: inline in the Remix route, on a thread in
 * the production server, so its event loop spends its time on HTTP and the insert. `bad-json` is the sender's.
 */
export function recordOrderPaidBody(
  db: Db,
  input: OrderPaidRowInput & { rawBody: string },
  build: BuildOrderPaidRow,
): Promise<Result<OrderPaidRecorded, OrderPaidRejected | BadOrderJson>> {
  return record(db, input.shop, (settings) =>
    build(input.rawBody, { shop: input.shop, webhookId: input.webhookId, now: input.now }, settings),
  );
}

// One settings read, the row, one insert.
async function record<E>(
  db: Db,
  shop: string,
  build: (settings: IngestSettings) => Result<NewDelivery, E> | Promise<Result<NewDelivery, E>>,
): Promise<Result<OrderPaidRecorded, E>> {
  const built = await build(ingestSettings(await findShopSettingsForIngest(db, shop)));
  if (!built.ok) return built;
  const row = built.value;
  const { created } = await recordDelivery(db, row);
  return ok({ created, status: row.status, reasonCode: row.reasonCode, eventId: row.eventId });
}
