// The deliveries pages: one page of the ledger for the table, everything about one order, and "retry now".
// Every read is scoped by the session's shop, so another shop's order ID finds nothing.
import type { Db } from "~/db.server";
import { withRawIdentifiers } from "~/lib/capi/scrub";
import { dayRange, pageCount, parseDeliveriesQuery, type DeliveriesQuery } from "~/lib/deliveries-query";
import { buildTimeline, type TimelineEntry } from "~/lib/delivery-timeline";
import { hasEventToSend } from "~/lib/delivery-payload";
import {
  displayStatus,
  explainDelivery,
  UNMAPPED_RETRY_REASON,
  type DisplayStatus,
  type Explanation,
  type Tone,
} from "~/lib/explain-delivery";
import { formatAmount } from "~/lib/format";
import { matchKeysOf, type MatchKeyPresence } from "~/lib/match-keys";
import { err, ok, parseJsonOr, type Result } from "~/lib/result";
import { findBrowserEvents } from "~/models/browser-event.server";
import { requeueFailedForOrder } from "~/models/delivery-queue.server";
import { findDeliveriesForOrder, listDeliveryPage } from "~/models/delivery-reads.server";
import { findShopSettings, type ConnectionState } from "~/models/shop-settings.server";

export interface DeliveryListItem {
  id: number;
  orderId: string | null;
  orderName: string | null;
  eventName: string;
  eventId: string;
  amount: string | null;
  status: DisplayStatus;
  attempts: number;
  /** Meta's last answer, or why the row is where it is, in a few words. */
  answer: string;
  answerTone: Tone;
  createdAt: string;
}

export interface DeliveriesView {
  query: DeliveriesQuery;
  problems: string[];
  rows: DeliveryListItem[];
  total: number;
  pageCount: number;
}

export async function listDeliveriesView(db: Db, req: { shop: string; search: URLSearchParams }): Promise<DeliveriesView> {
  const { query, problems } = parseDeliveriesQuery(req.search);
  const { rows, total } = await listDeliveryPage(db, {
    shop: req.shop,
    status: query.status,
    createdAt: dayRange(query),
    skip: (query.page - 1) * query.pageSize,
    take: query.pageSize,
  });
  const pages = pageCount(total, query.pageSize);
  if (query.page > pages) {
    problems.push(
      total === 0
        ? `There is no page ${query.page}: nothing matches these filters.`
        : `There is no page ${query.page}: these filters give ${pages === 1 ? "1 page" : `${pages} pages`}.`,
    );
  }
  return {
    query,
    problems,
    total,
    pageCount: pages,
    rows: rows.map((row) => {
      const explanation = explainDelivery(row);
      return {
        id: row.id,
        orderId: row.orderId,
        orderName: row.orderName,
        eventName: row.eventName,
        eventId: row.eventId,
        amount: formatAmount(row.value, row.currency),
        status: displayStatus(row),
        attempts: row.attempts,
        answer:
          row.status === "sent" && row.fbtraceId
            ? `${explanation.title} · fbtrace_id ${row.fbtraceId}`
            : row.status === "skipped"
              ? explanation.cause
              : explanation.title,
        answerTone: explanation.tone,
        createdAt: row.createdAt.toISOString(),
      };
    }),
  };
}

export interface OrderDelivery {
  id: number;
  eventName: string;
  eventId: string;
  pixelId: string;
  status: DisplayStatus;
  attempts: number;
  eventsReceived: number | null;
  fbtraceId: string | null;
  errorCode: number | null;
  errorSubcode: number | null;
  explanation: Explanation;
  timeline: TimelineEntry[];
  /** Null when no customer data was stored (never prepared, or redacted on request). */
  matchKeys: MatchKeyPresence[] | null;
  browserSeen: { seenAt: string; source: string } | null;
  /** The event as sent to Meta (customer data hashed), pretty-printed; null when nothing was prepared. */
  payload: string | null;
  canRetry: boolean;
}

export interface OrderDeliveryView {
  orderId: string;
  orderName: string | null;
  amount: string | null;
  /** Opens the order in the Shopify admin (App Bridge resolves the shopify: scheme). */
  adminUrl: string;
  connectionState: ConnectionState;
  deliveries: OrderDelivery[];
  canRetry: boolean;
  /** Why "Retry now" is not offered although a delivery failed; null when it is offered or nothing failed. */
  retryUnavailable: string | null;
}

export async function getOrderDeliveries(db: Db, req: { shop: string; orderId: string }): Promise<OrderDeliveryView | null> {
  const [rows, settings] = await Promise.all([findDeliveriesForOrder(db, req), findShopSettings(db, req.shop)]);
  if (rows.length === 0) return null;
  const seenEvents = await findBrowserEvents(db, { shop: req.shop, eventIds: rows.map((r) => r.eventId) });

  const deliveries = rows.map((row): OrderDelivery => {
    const hasEvent = hasEventToSend(row.payload);
    const seen = seenEvents.find((e) => e.eventId === row.eventId && e.eventName === row.eventName);
    return {
      id: row.id,
      eventName: row.eventName,
      eventId: row.eventId,
      pixelId: row.pixelId,
      status: displayStatus(row),
      attempts: row.attempts,
      eventsReceived: row.eventsReceived,
      fbtraceId: row.fbtraceId,
      errorCode: row.errorCode,
      errorSubcode: row.errorSubcode,
      explanation: explainDelivery({ ...row, hasEvent }),
      timeline: buildTimeline(row),
      matchKeys: matchKeysOf(row.payload),
      browserSeen: seen ? { seenAt: seen.seenAt.toISOString(), source: seen.source } : null,
      payload: prettyPayload(row.payload, row.rawIdentifiers),
      // An unmapped order's row holds no event: retrying it would send Meta "{}".
      canRetry: row.status === "failed" && hasEvent,
    };
  });
  const first = rows.find((r) => r.orderName) ?? rows[0];
  const canRetry = deliveries.some((d) => d.canRetry);
  return {
    orderId: req.orderId,
    orderName: first.orderName,
    amount: formatAmount(first.value, first.currency),
    adminUrl: `shopify:admin/orders/${req.orderId}`,
    connectionState: settings?.connectionState ?? "disconnected",
    deliveries,
    canRetry,
    retryUnavailable: !canRetry && deliveries.some((d) => d.status === "failed") ? UNMAPPED_RETRY_REASON : null,
  };
}

// A row not yet sent shows the event as it will be sent, its held browser signals in place of the
// placeholders (the match keys read the same either way: a placeholder marks a key the event carries).
function prettyPayload(payload: string, rawIdentifiers: string | null): string | null {
  const parsed = withRawIdentifiers(parseJsonOr(payload, null), rawIdentifiers);
  if (typeof parsed !== "object" || parsed === null || Object.keys(parsed).length === 0) return null;
  return JSON.stringify(parsed, null, 2);
}

/** Why nothing was queued: the order is not this shop's, or none of its rows can be sent again. */
export type RetryRefusal = { kind: "no-deliveries" } | { kind: "nothing-to-retry"; message: string };

export type RetryResult = Result<{ requeued: number; message: string }, RetryRefusal>;

export async function retryOrder(db: Db, req: { shop: string; orderId: string; now: Date }): Promise<RetryResult> {
  const result = await requeueFailedForOrder(db, req.shop, req.orderId, req.now);
  if (result.statuses.length === 0) return err({ kind: "no-deliveries" });
  if (result.requeued === 0 && result.unmapped > 0) return err({ kind: "nothing-to-retry", message: UNMAPPED_RETRY_REASON });
  if (result.requeued === 0) {
    const now = [...new Set(result.statuses.map((status) => displayStatus({ status, attempts: 0 })))].join(", ");
    return err({
      kind: "nothing-to-retry",
      message: `Nothing to retry: only failed deliveries can be retried, and this order's are ${now}.`,
    });
  }
  const settings = await findShopSettings(db, req.shop);
  const held = settings?.connectionState !== "connected";
  return ok({
    requeued: result.requeued,
    message: held
      ? "Queued for another attempt. Your Meta connection is not working, so it will wait until you reconnect in Settings."
      : "Queued for another attempt; it is usually sent within a minute.",
  });
}
