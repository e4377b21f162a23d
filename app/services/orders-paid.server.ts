// orders/paid → one ledger row. The webhook path does exactly this and answers: it never calls Meta, so
// Shopify's 5-second budget is spent on one insert, and a slow or down Meta cannot make Shopify retry.
import type { Db } from "~/db.server";
import { purchaseEventId } from "~/lib/event-id";
import { customerKeyOfOrder } from "~/lib/capi/customer-key";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { scrubRawIdentifiers } from "~/lib/capi/scrub";
import type { ReasonCode } from "~/lib/delivery-reasons";
import { err, ok, type Result } from "~/lib/result";
import { isTooOldForMeta } from "~/services/delivery/backoff";
import { recordDelivery, type NewDelivery } from "~/models/delivery-queue.server";
import { findShopSettingsForIngest } from "~/models/shop-settings.server";

export interface OrderPaidRecorded {
  /** False when the row was already there (Shopify redelivers). */
  created: boolean;
  status: NewDelivery["status"];
  reasonCode: ReasonCode | null;
  eventId: string;
}

/** The order carries no usable ID, so there is nothing to key a row on: the sender's fault, nothing stored. */
export interface OrderPaidRejected {
  kind: "unkeyable-order";
  message: string;
}

export type OrderPaidOutcome = Result<OrderPaidRecorded, OrderPaidRejected>;

export async function recordOrderPaid(
  db: Db,
  // `order`: the body as parseWebhookJson returns it (lossless IDs, well-formed text), as the webhook route has it.
  input: { shop: string; webhookId: string | null; now: Date; order: unknown },
): Promise<OrderPaidOutcome> {
  const { order } = input;
  const settings = await findShopSettingsForIngest(db, input.shop);
  const pixelId = settings?.pixelId ?? "";
  const mapped = mapOrderToPurchase(order, {
    shopDomain: input.shop,
    primaryDomain: settings?.primaryDomain ?? null,
    now: input.now,
    limitedDataUse: settings?.limitedDataUse ?? false,
    sendPosOrders: settings?.sendPosOrders ?? false,
    catalogIds: settings?.catalogIds,
  });

  if (!mapped.ok && mapped.orderId === null) {
    // Without an order ID there is nothing to key the row on, and nothing Meta could deduplicate.
    return err({ kind: "unkeyable-order", message: `Order payload rejected: ${mapped.reason}` });
  }

  let row: NewDelivery;
  if (!mapped.ok) {
    row = {
      shop: input.shop,
      pixelId,
      eventName: "Purchase",
      eventId: purchaseEventId(mapped.orderId!),
      orderId: mapped.orderId,
      orderName: null,
      value: null,
      currency: null,
      status: "failed",
      reasonCode: "mapping_failed",
      reasonDetail: mapped.reason,
      eventTime: input.now,
      nextAttemptAt: input.now,
      payload: "{}",
      webhookId: input.webhookId,
    };
  } else {
    const skipReason = whySkip({
      hasPixel: pixelId !== "",
      known: settings !== null,
      purchaseOn: settings?.enabledEvents.includes("Purchase") ?? false,
      consentDenied: mapped.consentDenied,
      isTest: mapped.isTest,
      channelSkip: mapped.channelSkip,
      tooOld: isTooOldForMeta(mapped.eventTime, input.now),
    });
    row = {
      shop: input.shop,
      pixelId,
      eventName: "Purchase",
      eventId: mapped.event.event_id,
      orderId: mapped.orderId,
      orderName: mapped.orderName,
      value: mapped.value,
      currency: mapped.currency,
      status: skipReason ? "skipped" : "pending",
      reasonCode: skipReason,
      eventTime: mapped.eventTime,
      nextAttemptAt: input.now,
      // A shopper who declined is not tracked: not even their hashed details stay in the ledger.
      payload: mapped.consentDenied ? "{}" : JSON.stringify(mapped.event),
      webhookId: input.webhookId,
    };
  }

  // Filed under the customer for privacy requests; a skipped row will never be sent, so it keeps no raw identifiers.
  row.customerKey = customerKeyOfOrder(order);
  if (row.status === "skipped") row.payload = scrubRawIdentifiers(row.payload);
  const { created } = await recordDelivery(db, row);
  return ok({ created, status: row.status, reasonCode: row.reasonCode, eventId: row.eventId });
}

function whySkip(facts: {
  known: boolean;
  hasPixel: boolean;
  purchaseOn: boolean;
  consentDenied: boolean;
  isTest: boolean;
  channelSkip: ReasonCode | null;
  tooOld: boolean;
}): ReasonCode | null {
  if (!facts.known) return "shop_not_connected";
  if (!facts.hasPixel) return "no_pixel";
  // Checked before the settings-based reasons: it is the one a merchant must never "fix" by re-sending.
  if (facts.consentDenied) return "consent_declined";
  if (!facts.purchaseOn) return "event_disabled";
  if (facts.isTest) return "test_order";
  // Not a website purchase Meta would take as one (no user agent), or a channel the shop does not send.
  if (facts.channelSkip) return facts.channelSkip;
  if (facts.tooOld) return "too_old";
  return null;
}
