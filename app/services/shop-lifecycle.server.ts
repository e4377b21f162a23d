// What the app does when a shop leaves or a privacy request arrives. Shopify delivers every one of
// these at least once and possibly after the data is already gone, so each function is idempotent:
// running it twice leaves the same state as running it once.
import type { Db } from "~/db.server";
import { customerKeyOf } from "~/lib/capi/customer-key";
import { describeReason } from "~/lib/delivery-reasons";
import { orderIdDigits, purchaseEventId } from "~/lib/event-id";
import { parseJsonOr } from "~/lib/result";
import { withRawIdentifiers } from "~/lib/capi/scrub";
import { findBrowserEvents } from "~/models/browser-event.server";
import {
  deleteBrowserEventsFor,
  deleteDataRequestsFor,
  deleteStorefrontEventsFor,
  eraseShop,
  findCustomerDeliveries,
  findCustomerStorefrontEvents,
  redactDeliveries,
  saveDataRequest,
  stopShopDeliveries,
  stopShopStorefrontEvents,
  type PrivacyRow,
} from "~/models/privacy.server";
import { disconnectUninstalledShop, updateSessionScope } from "~/models/shop-lifecycle.server";
import { savePrimaryDomain } from "~/models/shop-settings.server";
import { primaryDomainOrigin } from "~/lib/primary-domain";

/**
 * shop/update: keeps the cached primary domain (event_source_url's host) current. The payload is Shopify's
 * shop resource, whose `domain` is the primary domain's host; a payload without a usable one changes
 * nothing, and a shop without settings is not created. Idempotent: the same domain writes nothing.
 */
export async function handleShopUpdate(
  db: Db,
  shop: string,
  payload: unknown,
): Promise<{ primaryDomain: string | null; changed: boolean }> {
  const domain = typeof payload === "object" && payload !== null ? (payload as { domain?: unknown }).domain : undefined;
  const primaryDomain = primaryDomainOrigin(domain);
  if (primaryDomain === null) return { primaryDomain, changed: false };
  return { primaryDomain, changed: await savePrimaryDomain(db, shop, primaryDomain) };
}

/**
 * Signs the shop out, clears its Meta credentials and stops every event not yet sent, so nothing more
 * reaches Meta for it; rows still holding raw IPs or user agents lose them. The ledger stays as the
 * record of what was sent, in case the merchant comes back; shop/redact, 48 hours later, erases it.
 */
export async function handleAppUninstalled(db: Db, shop: string): Promise<{ stopped: number; scrubbed: number }> {
  await disconnectUninstalledShop(db, shop);
  await stopShopStorefrontEvents(db, shop);
  return stopShopDeliveries(db, shop);
}

/** Keeps the stored session's scope in step with what the merchant granted. */
export async function handleScopesUpdate(db: Db, shop: string, sessionId: string | undefined, currentScopes: string[]): Promise<void> {
  // No session: the shop uninstalled, or the delivery came from `shopify app webhook trigger`.
  if (!sessionId) return;
  await updateSessionScope(db, { shop, sessionId, scope: currentScopes.toString() });
}

/** Erases everything the app holds for the shop (sent 48 hours after uninstall). */
export async function redactShop(db: Db, shop: string) {
  return eraseShop(db, shop);
}

export interface CustomerRef {
  /** The Shopify customer ID from the privacy payload (`customer.id`), if any. */
  id?: unknown;
}

/**
 * customers/redact: irreversibly anonymises the customer's rows (filed under their hashed ID, or of the
 * listed orders): user_data emptied, customer key dropped, unsent events stopped so they are never sent.
 * Also drops the browser events of those orders and any data-request report about the customer.
 */
export async function redactCustomer(
  db: Db,
  shop: string,
  orderIds: string[],
  customer: CustomerRef = {},
): Promise<{ redacted: number; browserEvents: number; dataRequests: number; storefrontEvents: number }> {
  const customerKey = customerKeyOf(customer.id);
  const ids = matchableOrderIds(orderIds);
  const rows = await findCustomerDeliveries(db, { shop, customerKey, orderIds: ids });
  const redacted = await redactDeliveries(db, { shop, rows });
  const browserEvents = await deleteBrowserEventsFor(db, { shop, eventIds: purchaseEventIds(ids, rows) });
  const dataRequests = await deleteDataRequestsFor(db, { shop, customerKey });
  const storefrontEvents = await deleteStorefrontEventsFor(db, { shop, customerKey });
  return { redacted, browserEvents, dataRequests, storefrontEvents };
}

export interface CustomerDataReportRow {
  orderId: string | null;
  orderName: string | null;
  eventName: string;
  eventId: string;
  status: string;
  /** The row's reason in words (app/lib/delivery-reasons.ts); the report is for people. */
  statusReason: string | null;
  value: string | null;
  currency: string | null;
  /** The customer information as the app holds it: SHA-256 hashes, and raw browser signals until removed. */
  customerData: Record<string, unknown>;
  createdAt: Date;
  sentAt: Date | null;
}

/** What the app holds about the customer (by hashed ID) and the listed orders, for the merchant to pass on. */
export async function customerDataReport(
  db: Db,
  shop: string,
  orderIds: string[],
  customer: CustomerRef = {},
): Promise<CustomerDataReportRow[]> {
  const rows = await findCustomerDeliveries(db, {
    shop,
    customerKey: customerKeyOf(customer.id),
    orderIds: matchableOrderIds(orderIds),
  });
  return rows.map((row) => ({
    orderId: row.orderId,
    orderName: row.orderName,
    eventName: row.eventName,
    eventId: row.eventId,
    status: row.status,
    statusReason: describeReason(row),
    value: row.value,
    currency: row.currency,
    customerData: userDataOf(row.payload, row.rawIdentifiers),
    createdAt: row.createdAt,
    sentAt: row.sentAt,
  }));
}

const REPORT_NOTE =
  "Purchase events this app recorded for the customer and sent (or was to send) to Meta's Conversions API. " +
  "Email, phone, name, address and customer ID are held only as SHA-256 hashes of the normalised value; " +
  "IP address, browser user agent and Meta browser IDs (fbp, fbc) are held only until the event is sent, " +
  'then shown as "[removed]". Rows are deleted after the retention period. Storefront events (page and product ' +
  "views, add-to-carts, checkouts) seen while the customer was signed in are kept at most 7 days; their customer " +
  "data is held only until they are sent.";

/**
 * customers/data_request: builds the report and keeps it (once per request ID) for the merchant, who owes
 * it to the customer; `npm run cli -- privacy:requests` prints it.
 */
export async function recordCustomerDataRequest(
  db: Db,
  input: { shop: string; requestId: string; orderIds: string[]; customer?: CustomerRef; now: Date },
): Promise<{ created: boolean; deliveries: number; browserEvents: number; storefrontEvents: number }> {
  const customerKey = customerKeyOf(input.customer?.id);
  // Neither a customer ID nor an order: nothing of ours can be about this person, and an empty report
  // kept for every such delivery would only be noise.
  if (!customerKey && matchableOrderIds(input.orderIds).length === 0)
    return { created: false, deliveries: 0, browserEvents: 0, storefrontEvents: 0 };
  const deliveries = await customerDataReport(db, input.shop, input.orderIds, input.customer);
  const eventIds = purchaseEventIds(matchableOrderIds(input.orderIds), deliveries);
  const browserEvents = eventIds.length > 0 ? await findBrowserEvents(db, { shop: input.shop, eventIds }) : [];
  const storefrontEvents = (await findCustomerStorefrontEvents(db, { shop: input.shop, customerKey })).map(({ payload, ...row }) => ({
    ...row,
    customerData: payload ? userDataOf(payload) : {},
  }));
  const report = JSON.stringify({
    shop: input.shop,
    requestId: input.requestId,
    receivedAt: input.now.toISOString(),
    ordersRequested: input.orderIds,
    note: REPORT_NOTE,
    deliveries,
    browserEvents,
    storefrontEvents,
  });
  const { created } = await saveDataRequest(db, { shop: input.shop, requestId: input.requestId, customerKey, report });
  return { created, deliveries: deliveries.length, browserEvents: browserEvents.length, storefrontEvents: storefrontEvents.length };
}

// The browser half of a Purchase carries the same event ID, so the order IDs find those rows too.
function purchaseEventIds(orderIds: string[], rows: Array<Pick<PrivacyRow, "eventName" | "eventId">>): string[] {
  const ids = new Set(rows.filter((r) => r.eventName === "Purchase").map((r) => r.eventId));
  for (const id of orderIds) {
    try {
      ids.add(purchaseEventId(id));
    } catch {
      // Not an order ID.
    }
  }
  return [...ids];
}

function userDataOf(payload: string, rawIdentifiers: string | null = null): Record<string, unknown> {
  // An unreadable payload holds nothing we can report. Raw identifiers still held apart are reported as
  // what they are, not as the payload's placeholders.
  const userData = (withRawIdentifiers(parseJsonOr(payload, null), rawIdentifiers) as { user_data?: unknown } | null)?.user_data;
  if (typeof userData === "object" && userData !== null && !Array.isArray(userData)) {
    return userData as Record<string, unknown>;
  }
  return {};
}

// Privacy payloads carry numeric order IDs; the ledger stores canonical digits. Both forms are matched so
// a differently written ID (GID, leading zeros) still finds its rows.
function matchableOrderIds(orderIds: string[]): string[] {
  const ids = new Set<string>();
  for (const raw of orderIds) {
    const trimmed = raw.trim();
    if (trimmed) ids.add(trimmed);
    try {
      ids.add(orderIdDigits(trimmed));
    } catch {
      // Not an order ID: nothing of ours can match it.
    }
  }
  return [...ids];
}
