// The delivery ledger as the embedded admin and the CLI read it: lists, one order's rows, and the
// dashboard's counts. Every query is scoped by shop. The queue side is delivery-queue.server.ts.
import type { Prisma } from "@prisma/client";
import type { Db } from "~/db.server";
import { checkReasons, type Checked } from "~/lib/delivery-reasons";
import type { DeliveryStatus } from "~/lib/delivery-status";
import type { DisplayStatus } from "~/lib/explain-delivery";

// A claim counts an attempt up front, so a row in "sending" with one attempt is on its first try.
function filterStatusWhere(status: DisplayStatus | null): Prisma.DeliveryWhereInput {
  switch (status) {
    case null:
      return {};
    case "pending":
      return {
        OR: [
          { status: "pending", attempts: 0 },
          { status: "sending", attempts: { lte: 1 } },
        ],
      };
    case "retrying":
      return {
        OR: [
          { status: "pending", attempts: { gt: 0 } },
          { status: "sending", attempts: { gt: 1 } },
        ],
      };
    default:
      return { status };
  }
}

/** What names a ledger row and its outcome, for every reader that shows rows to a person (admin, privacy reports). */
export const deliveryIdentitySelect = {
  id: true,
  orderId: true,
  orderName: true,
  eventName: true,
  eventId: true,
  value: true,
  currency: true,
  status: true,
  reasonCode: true,
  reasonDetail: true,
} as const;

const adminRowSelect = {
  ...deliveryIdentitySelect,
  attempts: true,
  errorCode: true,
  errorSubcode: true,
  failureKind: true,
  lastError: true,
  eventsReceived: true,
  fbtraceId: true,
  createdAt: true,
  sentAt: true,
} as const;

export type DeliveryAdminRow = Checked<Prisma.DeliveryGetPayload<{ select: typeof adminRowSelect }>>;

const logRowSelect = {
  orderId: true,
  orderName: true,
  eventName: true,
  eventId: true,
  status: true,
  reasonCode: true,
  reasonDetail: true,
  attempts: true,
  lastError: true,
  createdAt: true,
  sentAt: true,
} as const;

export type DeliveryLogRow = Checked<Prisma.DeliveryGetPayload<{ select: typeof logRowSelect }>>;

/** The shop's latest rows, for the CLI. */
export async function listDeliveries(
  db: Db,
  shop: string,
  opts: { limit?: number; status?: DeliveryStatus } = {},
): Promise<DeliveryLogRow[]> {
  const rows = await db.delivery.findMany({
    where: { shop, ...(opts.status ? { status: opts.status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: opts.limit ?? 100,
    select: logRowSelect,
  });
  return rows.map(checkReasons);
}

/** One page of the shop's ledger, newest first, counted and cut in the database. */
export async function listDeliveryPage(
  db: Db,
  opts: {
    shop: string;
    status: DisplayStatus | null;
    createdAt: { gte?: Date; lt?: Date };
    skip: number;
    take: number;
  },
): Promise<{ rows: DeliveryAdminRow[]; total: number }> {
  const where: Prisma.DeliveryWhereInput = {
    shop: opts.shop,
    ...filterStatusWhere(opts.status),
    ...(opts.createdAt.gte || opts.createdAt.lt ? { createdAt: opts.createdAt } : {}),
  };
  const [total, rows] = await Promise.all([
    db.delivery.count({ where }),
    db.delivery.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: opts.skip,
      take: opts.take,
      select: adminRowSelect,
    }),
  ]);
  return { rows: rows.map(checkReasons), total };
}

const orderRowSelect = {
  ...adminRowSelect,
  pixelId: true,
  eventTime: true,
  nextAttemptAt: true,
  updatedAt: true,
  payload: true,
  rawIdentifiers: true,
} as const;

export type DeliveryOrderRow = Checked<Prisma.DeliveryGetPayload<{ select: typeof orderRowSelect }>>;

export async function findDeliveriesForOrder(db: Db, opts: { shop: string; orderId: string }): Promise<DeliveryOrderRow[]> {
  const rows = await db.delivery.findMany({
    where: { shop: opts.shop, orderId: opts.orderId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: orderRowSelect,
  });
  return rows.map(checkReasons);
}

/** Rows per raw status created in [since, until). */
export async function countDeliveriesByStatus(
  db: Db,
  opts: { shop: string; eventName: string; since: Date; until?: Date },
): Promise<{ status: string; count: number }[]> {
  const groups = await db.delivery.groupBy({
    by: ["status"],
    where: { shop: opts.shop, eventName: opts.eventName, createdAt: { gte: opts.since, ...(opts.until ? { lt: opts.until } : {}) } },
    _count: { _all: true },
  });
  return groups.map((g) => ({ status: g.status, count: g._count._all }));
}

/** The payloads of the latest sent rows since `since`: a bounded sample, however big the shop. */
export async function recentSentPayloads(db: Db, opts: { shop: string; eventName: string; since: Date; limit: number }): Promise<string[]> {
  const rows = await db.delivery.findMany({
    where: { shop: opts.shop, eventName: opts.eventName, status: "sent", createdAt: { gte: opts.since } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: opts.limit,
    select: { payload: true },
  });
  return rows.map((r) => r.payload);
}

export async function findLatestSentDelivery(
  db: Db,
  opts: { shop: string; eventName: string },
): Promise<{ orderId: string | null; orderName: string | null; sentAt: Date | null } | null> {
  return db.delivery.findFirst({
    where: { shop: opts.shop, eventName: opts.eventName, status: "sent" },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { orderId: true, orderName: true, sentAt: true },
  });
}
