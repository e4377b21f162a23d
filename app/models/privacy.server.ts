// The queries behind the privacy and lifecycle webhooks (app/services/shop-lifecycle.server.ts). Every
// function is scoped to one shop: a privacy request from one shop can never reach another shop's rows.
import { parse, stringify } from "lossless-json";
import type { Prisma } from "@prisma/client";
import type { Db } from "~/db.server";
import { clearLease, rewriteShopPayloads } from "~/models/delivery-queue.server";
import { deliveryIdentitySelect } from "~/models/delivery-reads.server";
import { checkReasons, reason, type Checked } from "~/lib/delivery-reasons";
import { slices } from "~/lib/slices";
import { scrubRawIdentifiers } from "~/lib/capi/scrub";

// Statuses of rows that could still reach Meta: a redaction or an uninstall must stop all of them,
// including one a worker holds (its lease guard then refuses the worker's write, and the worker checks
// ownership again just before each request).
const UNSENT = ["pending", "sending", "failed"];

const privacyRowSelect = {
  ...deliveryIdentitySelect,
  payload: true,
  rawIdentifiers: true,
  createdAt: true,
  sentAt: true,
} as const;

export type PrivacyRow = Checked<Prisma.DeliveryGetPayload<{ select: typeof privacyRowSelect }>>;

/**
 * The shop's rows of one customer: filed under their key, or of one of the listed orders. A customer can
 * list thousands of orders, so the order IDs are matched slice by slice and a row found twice counts once.
 */
export async function findCustomerDeliveries(
  db: Db,
  input: { shop: string; customerKey: string | null; orderIds: string[] },
): Promise<PrivacyRow[]> {
  const found = new Map<number, PrivacyRow>();
  const keep = (rows: PrivacyRow[]) => rows.forEach((row) => found.set(row.id, row));
  if (input.customerKey) {
    keep(
      (await db.delivery.findMany({ where: { shop: input.shop, customerKey: input.customerKey }, select: privacyRowSelect })).map(
        checkReasons,
      ),
    );
  }
  for (const slice of slices(input.orderIds)) {
    keep((await db.delivery.findMany({ where: { shop: input.shop, orderId: { in: slice } }, select: privacyRowSelect })).map(checkReasons));
  }
  return [...found.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
}

/**
 * Irreversibly anonymises the rows: `user_data` emptied (hashes, IP, user agent, browser IDs), the
 * customer key dropped, and anything not yet sent stopped for good. Sent rows keep their status: Meta
 * has the event, and the ledger should still say so. Three statements per slice of rows, in one
 * transaction each, so a customer with thousands of orders is answered within Shopify's timeout.
 */
export async function redactDeliveries(db: Db, input: { shop: string; rows: PrivacyRow[] }): Promise<number> {
  let redacted = 0;
  for (const chunk of slices(input.rows)) {
    const ids = chunk.map((row) => row.id);
    const [cleared] = await db.$transaction([
      db.delivery.updateMany({ where: { shop: input.shop, id: { in: ids } }, data: { customerKey: null, rawIdentifiers: null } }),
      rewriteShopPayloads(db, {
        shop: input.shop,
        rewrites: chunk.map((row) => ({ id: row.id, payload: withoutUserData(row.payload) })),
      }),
      // Decided by the status at the time of the write, not of the read: a row a worker has just marked
      // sent stays sent.
      db.delivery.updateMany({
        where: { shop: input.shop, id: { in: ids }, status: { in: UNSENT } },
        data: { ...clearLease, status: "skipped", ...reason("customer_redacted") },
      }),
    ]);
    redacted += cleared.count;
  }
  return redacted;
}

/** In one transaction, slice by slice: all of the customer's browser events go, or none do. */
export async function deleteBrowserEventsFor(db: Db, input: { shop: string; eventIds: string[] }): Promise<number> {
  if (input.eventIds.length === 0) return 0;
  const counts = await db.$transaction(
    slices(input.eventIds).map((slice) => db.browserEvent.deleteMany({ where: { shop: input.shop, eventId: { in: slice } } })),
  );
  return counts.reduce((sum, c) => sum + c.count, 0);
}

/** Insert-or-ignore on (shop, request ID): Shopify redelivers webhooks, and the first report stands. */
export async function saveDataRequest(
  db: Db,
  input: { shop: string; requestId: string; customerKey: string | null; report: string },
): Promise<{ created: boolean }> {
  try {
    await db.customerDataRequest.create({ data: input, select: { id: true } });
    return { created: true };
  } catch (error) {
    if ((error as { code?: unknown }).code === "P2002") return { created: false };
    throw error;
  }
}

export async function deleteDataRequestsFor(db: Db, input: { shop: string; customerKey: string | null }): Promise<number> {
  if (!input.customerKey) return 0;
  const { count } = await db.customerDataRequest.deleteMany({
    where: { shop: input.shop, customerKey: input.customerKey },
  });
  return count;
}

export async function listDataRequests(
  db: Db,
  input: { shop: string; limit?: number },
): Promise<{ requestId: string; createdAt: Date; report: string }[]> {
  return db.customerDataRequest.findMany({
    where: { shop: input.shop },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit ?? 100,
    select: { requestId: true, createdAt: true, report: true },
  });
}

/**
 * The shop left: nothing more is sent (rows not yet sent are skipped, including rows a worker holds), and
 * no row keeps raw identifiers it no longer needs. Idempotent.
 */
export async function stopShopDeliveries(db: Db, shop: string): Promise<{ stopped: number; scrubbed: number }> {
  const { count: stopped } = await db.delivery.updateMany({
    where: { shop, status: { in: ["pending", "sending"] } },
    data: { ...clearLease, status: "skipped", ...reason("uninstalled") },
  });
  // Only rows never sent can still hold raw identifiers (sent and skipped rows forget them as they change
  // status); after the update above that is the failed rows and the ones just stopped.
  const { count: forgotten } = await db.delivery.updateMany({
    where: { shop, status: { in: ["failed", "skipped"] }, rawIdentifiers: { not: null } },
    data: { rawIdentifiers: null },
  });
  // Rows stored before the rawIdentifiers column hold them in the payload instead.
  let scrubbed = forgotten;
  let afterId = 0;
  for (;;) {
    const rows = await db.delivery.findMany({
      where: {
        shop,
        id: { gt: afterId },
        OR: [{ status: "failed" }, { status: "skipped", reasonCode: "uninstalled" }],
      },
      orderBy: { id: "asc" },
      take: 200,
      select: { id: true, payload: true },
    });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1].id;
    const changed = rows.flatMap((r) => {
      const payload = scrubRawIdentifiers(r.payload);
      return payload === r.payload ? [] : [{ id: r.id, payload }];
    });
    if (changed.length > 0) {
      await db.$transaction(changed.map((r) => db.delivery.updateMany({ where: { id: r.id, shop }, data: { payload: r.payload } })));
      scrubbed += changed.length;
    }
  }
  return { stopped, scrubbed };
}

/**
 * The shop left: its storefront events not yet sent are never sent, and none keeps its payload (raw IP,
 * user agent, browser IDs). Idempotent.
 */
export async function stopShopStorefrontEvents(db: Db, shop: string): Promise<number> {
  const { count } = await db.storefrontEvent.updateMany({
    where: { shop, OR: [{ status: { in: ["pending", "sending"] } }, { payload: { not: "" } }] },
    data: { ...clearLease, status: "skipped", payload: "", reasonCode: "uninstalled", failureKind: null, lastError: null },
  });
  return count;
}

/**
 * customers/data_request: the customer's storefront events (filed under their hashed ID), newest first, with
 * the customer data a row still holds (only rows not yet sent keep their payload). At most a week's worth
 * exists (retention); `limit` bounds the report all the same.
 */
export async function findCustomerStorefrontEvents(db: Db, input: { shop: string; customerKey: string | null; limit?: number }) {
  if (!input.customerKey) return [];
  return db.storefrontEvent.findMany({
    where: { shop: input.shop, customerKey: input.customerKey },
    orderBy: { id: "desc" },
    take: input.limit ?? 10_000,
    select: { eventName: true, eventId: true, status: true, eventTime: true, createdAt: true, payload: true },
  });
}

/** customers/redact: the customer's storefront events (filed under their hashed ID) go altogether. */
export async function deleteStorefrontEventsFor(db: Db, input: { shop: string; customerKey: string | null }): Promise<number> {
  if (!input.customerKey) return 0;
  const { count } = await db.storefrontEvent.deleteMany({ where: { shop: input.shop, customerKey: input.customerKey } });
  return count;
}

/** Everything the app holds for the shop (shop/redact). */
export async function eraseShop(
  db: Db,
  shop: string,
): Promise<{
  settings: number;
  deliveries: number;
  sessions: number;
  browserEvents: number;
  dataRequests: number;
  storefrontEvents: number;
}> {
  const [settings, deliveries, sessions, browserEvents, dataRequests, storefrontEvents] = await db.$transaction([
    db.shopSettings.deleteMany({ where: { shop } }),
    db.delivery.deleteMany({ where: { shop } }),
    db.session.deleteMany({ where: { shop } }),
    db.browserEvent.deleteMany({ where: { shop } }),
    db.customerDataRequest.deleteMany({ where: { shop } }),
    db.storefrontEvent.deleteMany({ where: { shop } }),
    db.datasetQualitySnapshot.deleteMany({ where: { shop } }),
  ]);
  return {
    settings: settings.count,
    deliveries: deliveries.count,
    sessions: sessions.count,
    browserEvents: browserEvents.count,
    dataRequests: dataRequests.count,
    storefrontEvents: storefrontEvents.count,
  };
}

// lossless-json keeps every number exactly as stored (values, 18-digit IDs) while user_data goes. The page
// URL loses its query and fragment too: marketing links carry per-subscriber tokens (and sometimes emails).
function withoutUserData(payload: string): string {
  try {
    const event = parse(payload);
    if (event !== null && typeof event === "object" && !Array.isArray(event)) {
      const source = (event as { event_source_url?: unknown }).event_source_url;
      const redacted = stringify({
        ...event,
        ...(typeof source === "string" ? { event_source_url: withoutQuery(source) } : {}),
        user_data: {},
      });
      if (redacted !== undefined) return redacted;
    }
  } catch {
    // Unreadable payload: nothing in it can be kept safely.
  }
  return JSON.stringify({ user_data: {} });
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "";
  }
}
