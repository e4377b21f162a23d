// The ledger row an orders/paid webhook becomes, from the order and the shop's settings: pure, no I/O, so the
// production server can run it on a thread of its own (order-row-threads.server.ts) and the Remix route
// inline (orders-paid.server.ts), with the same result.
import { purchaseEventId } from "~/lib/event-id";
import { customerKeyOfOrder } from "~/lib/capi/customer-key";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { separateRawIdentifiers } from "~/lib/capi/scrub";
import type { ReasonCode } from "~/lib/delivery-reasons";
import { err, ok, type Result } from "~/lib/result";
import { parseWebhookJson } from "~/lib/well-formed";
import { isTooOldForMeta } from "~/services/delivery/backoff";
import type { NewDelivery } from "~/models/delivery-queue.server";
import type { ShopSettingsRecord } from "~/models/shop-settings.server";

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

export interface OrderPaidRowInput {
  shop: string;
  webhookId: string | null;
  now: Date;
}

/** What the row reads of the shop's settings (null: the shop is not connected). */
export type IngestSettings = Pick<
  ShopSettingsRecord,
  "pixelId" | "primaryDomain" | "limitedDataUse" | "sendPosOrders" | "catalogIds" | "enabledEvents"
> | null;

/** Just those fields: what crosses to a thread, and no sealed token with it. */
export function ingestSettings(settings: ShopSettingsRecord | null): IngestSettings {
  if (!settings) return null;
  const { pixelId, primaryDomain, limitedDataUse, sendPosOrders, catalogIds, enabledEvents } = settings;
  return { pixelId, primaryDomain, limitedDataUse, sendPosOrders, catalogIds, enabledEvents };
}

/** The body is not JSON the lossless parser reads: the sender's, answered 400 as before. */
export interface BadOrderJson {
  kind: "bad-json";
}

export type OrderPaidRowResult = Result<NewDelivery, OrderPaidRejected | BadOrderJson>;

/** Builds the row from the signed body as received, inline or on a thread. */
export type BuildOrderPaidRow = (rawBody: string, input: OrderPaidRowInput, settings: IngestSettings) => Promise<OrderPaidRowResult>;

/** Builds on the caller's thread: the Remix route (`shopify app dev`), and the server with no row threads. */
export const buildOrderPaidRowInline: BuildOrderPaidRow = async (rawBody, input, settings) =>
  orderPaidRowFromBody(rawBody, input, settings);

/** Parses the signed body as the webhook check would (parseWebhookJson) and builds its row. */
export function orderPaidRowFromBody(rawBody: string, input: OrderPaidRowInput, settings: IngestSettings): OrderPaidRowResult {
  let order: unknown;
  try {
    order = parseWebhookJson(rawBody);
  } catch {
    return err({ kind: "bad-json" });
  }
  return orderPaidRow(order, input, settings);
}

export function orderPaidRow(order: unknown, input: OrderPaidRowInput, settings: IngestSettings): Result<NewDelivery, OrderPaidRejected> {
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
      payload: "{}",
      webhookId: input.webhookId,
    };
    if (!mapped.consentDenied) {
      const stored = separateRawIdentifiers(mapped.event);
      row.payload = stored.payload;
      // A skipped row will never be sent, so it keeps no raw identifiers.
      row.rawIdentifiers = row.status === "skipped" ? null : stored.rawIdentifiers;
    }
  }

  // Filed under the customer for privacy requests.
  row.customerKey = customerKeyOfOrder(order);
  return ok(row);
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
