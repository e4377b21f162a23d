// The delivery ledger: the queue the worker drains and the record the admin reads. Every write after a
// claim is guarded by the claim token, so a worker whose lease expired can never overwrite the outcome
// recorded by the worker that took the row over.
import { providerOf, type Db } from "~/db.server";

export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "skipped";

export interface NewDelivery {
  shop: string;
  pixelId: string;
  eventName: string;
  eventId: string;
  orderId: string | null;
  orderName: string | null;
  value: string | null;
  currency: string | null;
  status: "pending" | "failed" | "skipped";
  statusReason: string | null;
  eventTime: Date;
  // When the worker may first pick it up; the caller's clock, so one clock rules the whole pipeline.
  nextAttemptAt: Date;
  payload: string;
  webhookId: string | null;
}

export interface ClaimedDelivery {
  id: number;
  shop: string;
  pixelId: string;
  eventName: string;
  eventId: string;
  orderId: string | null;
  attempts: number;
  eventTime: Date;
  payload: string;
}

export interface Claim {
  token: string;
  leaseExpiresAt: Date;
  rows: ClaimedDelivery[];
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/**
 * Insert-or-ignore on (shop, pixel, event name, event ID): Shopify delivers webhooks at least once,
 * and every redelivery must land on the row the first one created.
 */
export async function recordDelivery(db: Db, input: NewDelivery): Promise<{ created: boolean; id: number }> {
  try {
    const row = await db.delivery.create({ data: input, select: { id: true } });
    return { created: true, id: row.id };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.delivery.findUniqueOrThrow({
      where: {
        shop_pixelId_eventName_eventId: {
          shop: input.shop,
          pixelId: input.pixelId,
          eventName: input.eventName,
          eventId: input.eventId,
        },
      },
      select: { id: true },
    });
    return { created: false, id: existing.id };
  }
}

const claimedSelect = {
  id: true,
  shop: true,
  pixelId: true,
  eventName: true,
  eventId: true,
  orderId: true,
  attempts: true,
  eventTime: true,
  payload: true,
} as const;

/**
 * Claims up to `limit` rows that are due (pending and past their next attempt time, or sending with an
 * expired lease: a crashed worker's rows) for shops whose Meta connection is usable.
 * PostgreSQL: one UPDATE over a FOR UPDATE SKIP LOCKED subquery, so concurrent workers never wait on
 * or take each other's rows. SQLite: writers are serialised by the database, and the claiming UPDATE
 * re-checks the claimable condition, so two processes cannot claim the same row.
 */
export async function claimDueDeliveries(
  db: Db,
  opts: { workerId: string; now: Date; limit: number; leaseMs: number },
): Promise<Claim> {
  const token = `${opts.workerId}:${opts.now.getTime()}:${Math.random().toString(36).slice(2, 10)}`;
  const leaseExpiresAt = new Date(opts.now.getTime() + opts.leaseMs);

  if (providerOf(db) === "postgresql") {
    await db.$executeRaw`
      UPDATE "Delivery" SET "status" = 'sending', "leaseOwner" = ${token}, "leaseExpiresAt" = ${leaseExpiresAt},
             "attempts" = "attempts" + 1, "updatedAt" = ${opts.now}
      WHERE "id" IN (
        SELECT d."id" FROM "Delivery" d
        WHERE ((d."status" = 'pending' AND d."nextAttemptAt" <= ${opts.now})
            OR (d."status" = 'sending' AND d."leaseExpiresAt" < ${opts.now}))
          AND EXISTS (SELECT 1 FROM "ShopSettings" s WHERE s."shop" = d."shop" AND s."connectionState" = 'connected')
        ORDER BY d."nextAttemptAt", d."id"
        LIMIT ${opts.limit}
        FOR UPDATE OF d SKIP LOCKED
      )`;
  } else {
    const claimable = {
      OR: [
        { status: "pending", nextAttemptAt: { lte: opts.now } },
        { status: "sending", leaseExpiresAt: { lt: opts.now } },
      ],
    };
    const connected = await db.shopSettings.findMany({ where: { connectionState: "connected" }, select: { shop: true } });
    if (connected.length === 0) return { token, leaseExpiresAt, rows: [] };
    const candidates = await db.delivery.findMany({
      where: { ...claimable, shop: { in: connected.map((s) => s.shop) } },
      orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
      take: opts.limit,
      select: { id: true },
    });
    if (candidates.length === 0) return { token, leaseExpiresAt, rows: [] };
    await db.delivery.updateMany({
      where: { id: { in: candidates.map((c) => c.id) }, ...claimable },
      data: { status: "sending", leaseOwner: token, leaseExpiresAt, attempts: { increment: 1 } },
    });
  }

  const rows = await db.delivery.findMany({
    where: { leaseOwner: token, status: "sending" },
    orderBy: { id: "asc" },
    select: claimedSelect,
  });
  return { token, leaseExpiresAt, rows };
}

function owned(ids: number[], token: string) {
  return { id: { in: ids }, leaseOwner: token, status: "sending" };
}

const clearLease = { leaseOwner: null, leaseExpiresAt: null };

export interface MetaAnswer {
  fbtraceId: string | null;
  errorCode?: number | null;
  errorSubcode?: number | null;
  message?: string | null;
}

function answerFields(answer: MetaAnswer) {
  return {
    fbtraceId: answer.fbtraceId,
    errorCode: answer.errorCode ?? null,
    errorSubcode: answer.errorSubcode ?? null,
    lastError: answer.message ?? null,
  };
}

export async function markSent(
  db: Db,
  ids: number[],
  token: string,
  answer: { eventsReceived: number; fbtraceId: string | null; sentAt: Date },
): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: owned(ids, token),
    data: {
      ...clearLease,
      status: "sent",
      statusReason: null,
      eventsReceived: answer.eventsReceived,
      fbtraceId: answer.fbtraceId,
      sentAt: answer.sentAt,
      errorCode: null,
      errorSubcode: null,
      lastError: null,
    },
  });
  return count;
}

export async function markRetry(
  db: Db,
  ids: number[],
  token: string,
  answer: MetaAnswer & { nextAttemptAt: Date },
): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: owned(ids, token),
    data: {
      ...clearLease,
      status: "pending",
      statusReason: "Meta was unavailable; retrying",
      nextAttemptAt: answer.nextAttemptAt,
      ...answerFields(answer),
    },
  });
  return count;
}

export async function markFailed(db: Db, ids: number[], token: string, answer: MetaAnswer): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: owned(ids, token),
    data: {
      ...clearLease,
      status: "failed",
      statusReason: "Meta rejected the event",
      ...answerFields(answer),
    },
  });
  return count;
}

export async function markSkipped(db: Db, ids: number[], token: string, reason: string): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: owned(ids, token),
    data: { ...clearLease, status: "skipped", statusReason: reason },
  });
  return count;
}

/**
 * Gives rows back to the queue without counting an attempt (shutdown, or a shop whose connection is
 * held): they will be claimed again as soon as they are due and the shop is connected.
 */
export async function releaseClaim(
  db: Db,
  ids: number[],
  token: string,
  opts: { reason?: string | null; countAttempt?: boolean; answer?: MetaAnswer } = {},
): Promise<number> {
  const { count } = await db.delivery.updateMany({
    where: owned(ids, token),
    data: {
      ...clearLease,
      status: "pending",
      ...(opts.reason !== undefined ? { statusReason: opts.reason } : {}),
      ...(opts.countAttempt ? {} : { attempts: { decrement: 1 } }),
      ...(opts.answer ? answerFields(opts.answer) : {}),
    },
  });
  return count;
}

export interface DeliveryListItem {
  orderId: string | null;
  orderName: string | null;
  eventName: string;
  eventId: string;
  status: string;
  statusReason: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export async function listDeliveries(
  db: Db,
  shop: string,
  opts: { limit?: number; status?: DeliveryStatus } = {},
): Promise<DeliveryListItem[]> {
  return db.delivery.findMany({
    where: { shop, ...(opts.status ? { status: opts.status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: opts.limit ?? 100,
    select: {
      orderId: true,
      orderName: true,
      eventName: true,
      eventId: true,
      status: true,
      statusReason: true,
      attempts: true,
      lastError: true,
      createdAt: true,
      sentAt: true,
    },
  });
}

/** Puts an order's failed rows back in the queue, due now. Sent rows are never re-sent. */
export async function requeueFailedForOrder(
  db: Db,
  shop: string,
  orderId: string,
  now: Date,
): Promise<{ requeued: number; statuses: string[] }> {
  const { count } = await db.delivery.updateMany({
    where: { shop, orderId, status: "failed" },
    data: { status: "pending", statusReason: "Retry requested", nextAttemptAt: now },
  });
  const rows = await db.delivery.findMany({ where: { shop, orderId }, select: { status: true } });
  return { requeued: count, statuses: rows.map((r) => r.status) };
}
