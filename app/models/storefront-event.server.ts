// Server copies of storefront events (StorefrontEvent): the queue the worker drains for them. Built for
// volume: inserts are group-committed, a row that reaches a final state loses its payload (Meta needed
// it once; the row keeps what the admin counts), and every write after a claim is guarded by the claim
// token as for the delivery ledger.
import { providerOf, rawQuery, type Db } from "~/db.server";
import { checkedCode, type ReasonCode } from "~/lib/delivery-reasons";
import { sumOverSlices, slices } from "~/lib/slices";
import type { MetaAnswer } from "~/models/delivery-queue.server";
import { Coalescer, Params } from "~/models/group-commit.server";

export interface NewStorefrontEvent {
  shop: string;
  pixelId: string;
  eventName: string;
  eventId: string;
  eventTime: Date;
  payload: string;
  customerKey: string | null;
}

export interface ClaimedStorefrontEvent {
  id: number;
  shop: string;
  pixelId: string;
  eventName: string;
  eventId: string;
  attempts: number;
  eventTime: Date;
  payload: string;
}

const COLUMNS = [
  "shop",
  "pixelId",
  "eventName",
  "eventId",
  "eventTime",
  "payload",
  "customerKey",
  "status",
  "nextAttemptAt",
  "createdAt",
] as const;
// 10 bound values a row: 90 rows stay under SQLite's 999 per statement.
const INSERT_BATCH_ROWS = 90;

/**
 * Insert-or-ignore on (shop, event name, event ID): a beacon sent twice lands on one row. Concurrent
 * requests share one statement (group-commit.server.ts). Resolves once committed.
 */
export function recordStorefrontEvent(db: Db, input: NewStorefrontEvent): Promise<void> {
  return inserts(db).submit(input);
}

const inserts = Coalescer.perClient((db) => new Coalescer<NewStorefrontEvent, void>((rows) => insertBatch(db, rows), INSERT_BATCH_ROWS));

async function insertBatch(db: Db, rows: NewStorefrontEvent[]): Promise<(void | Error)[]> {
  try {
    await insertOrIgnore(db, rows);
    return rows.map(() => undefined);
  } catch {
    // One bad row must not cost the others theirs.
    return Promise.all(
      rows.map((row) =>
        insertOrIgnore(db, [row]).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        ),
      ),
    );
  }
}

async function insertOrIgnore(db: Db, rows: NewStorefrontEvent[]): Promise<void> {
  const now = new Date();
  const params = new Params(db);
  const values = rows.map((row) => {
    const record: Record<(typeof COLUMNS)[number], unknown> = { ...row, status: "pending", nextAttemptAt: now, createdAt: now };
    return `(${COLUMNS.map((column) => params.add(record[column])).join(", ")})`;
  });
  await rawQuery(
    db,
    `INSERT INTO "StorefrontEvent" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${values.join(", ")}
     ON CONFLICT ("shop", "eventName", "eventId") DO NOTHING`,
    params.values,
  );
}

/**
 * Claims up to `limit` due rows of connected shops: a crashed worker's (lease expired) first, then pending
 * ones past their next attempt time, as claimDueDeliveries does for the ledger (same reasons, same shapes).
 */
export async function claimDueStorefrontEvents(
  db: Db,
  opts: { workerId: string; now: Date; limit: number; leaseMs: number },
): Promise<{ token: string; leaseExpiresAt: Date; rows: ClaimedStorefrontEvent[] }> {
  const token = `${opts.workerId}:sf:${opts.now.getTime()}:${Math.random().toString(36).slice(2, 10)}`;
  const leaseExpiresAt = new Date(opts.now.getTime() + opts.leaseMs);
  const step = { now: opts.now, token, leaseExpiresAt };
  const expired = await claimStep(db, "expired", { ...step, limit: opts.limit });
  if (expired < opts.limit) await claimStep(db, "pending", { ...step, limit: opts.limit - expired });
  const rows = await db.storefrontEvent.findMany({
    where: { leaseOwner: token, status: "sending" },
    orderBy: { id: "asc" },
    select: { id: true, shop: true, pixelId: true, eventName: true, eventId: true, attempts: true, eventTime: true, payload: true },
  });
  return { token, leaseExpiresAt, rows };
}

async function claimStep(
  db: Db,
  due: "expired" | "pending",
  step: { now: Date; token: string; leaseExpiresAt: Date; limit: number },
): Promise<number> {
  const params = new Params(db);
  const condition =
    due === "expired"
      ? `e."status" = 'sending' AND e."leaseExpiresAt" < ${params.add(step.now)}`
      : `e."status" = 'pending' AND e."nextAttemptAt" <= ${params.add(step.now)}`;
  const select = `SELECT e."id" FROM "StorefrontEvent" e
    WHERE ${condition}
      AND EXISTS (SELECT 1 FROM "ShopSettings" s WHERE s."shop" = e."shop" AND s."connectionState" = 'connected')
    ORDER BY e."nextAttemptAt", e."id" LIMIT ${params.add(step.limit, { int: true })}`;
  if (providerOf(db) === "postgresql") {
    const set = new Params(db);
    // The SET's parameters come after the subquery's.
    set.values.push(...params.values);
    return db.$executeRawUnsafe(
      `UPDATE "StorefrontEvent" SET "status" = 'sending', "leaseOwner" = ${set.add(step.token)}, "leaseExpiresAt" = ${set.add(step.leaseExpiresAt)},
         "attempts" = "attempts" + 1
       WHERE "id" IN (${select} FOR UPDATE OF e SKIP LOCKED)`,
      ...set.values,
    );
  }
  const candidates = await db.$queryRawUnsafe<{ id: number | bigint }[]>(select, ...params.values);
  if (candidates.length === 0) return 0;
  const claimable =
    due === "expired" ? { status: "sending", leaseExpiresAt: { lt: step.now } } : { status: "pending", nextAttemptAt: { lte: step.now } };
  // Re-checked in the claiming UPDATE: another process may have claimed a candidate since the read.
  return sumOverSlices(
    candidates.map((c) => Number(c.id)),
    async (slice) => {
      const { count } = await db.storefrontEvent.updateMany({
        where: { id: { in: slice }, ...claimable },
        data: { status: "sending", leaseOwner: step.token, leaseExpiresAt: step.leaseExpiresAt, attempts: { increment: 1 } },
      });
      return count;
    },
  );
}

const owned = (ids: number[], token: string) => ({ id: { in: ids }, leaseOwner: token, status: "sending" });
const clearLease = { leaseOwner: null, leaseExpiresAt: null };

type Update = Parameters<Db["storefrontEvent"]["updateMany"]>[0]["data"];

function updateOwned(db: Db, ids: number[], token: string, data: Update): Promise<number> {
  return sumOverSlices(
    ids,
    async (slice) => (await db.storefrontEvent.updateMany({ where: owned(slice, token), data: { ...clearLease, ...data } })).count,
  );
}

// A final row keeps no payload: it held the shopper's raw IP and user agent, and nothing reads it again.
// Outcomes are written as Delivery's are (delivery-queue.server.ts): a reason code, Meta's classification
// and Meta's own message; lastError never holds the app's words.
export const markStorefrontSent = (db: Db, ids: number[], token: string) =>
  updateOwned(db, ids, token, { status: "sent", payload: "", reasonCode: null, failureKind: null, lastError: null });

export const markStorefrontFailed = (
  db: Db,
  ids: number[],
  token: string,
  answer: MetaAnswer,
  code: "meta_rejected" | "no_event" = "meta_rejected",
) => updateOwned(db, ids, token, { status: "failed", payload: "", reasonCode: checkedCode(code), ...answerFields(answer) });

export const markStorefrontSkipped = (db: Db, ids: number[], token: string, code: ReasonCode) =>
  updateOwned(db, ids, token, { status: "skipped", payload: "", reasonCode: checkedCode(code) });

export const markStorefrontRetry = (db: Db, ids: number[], token: string, answer: MetaAnswer & { nextAttemptAt: Date }) =>
  updateOwned(db, ids, token, {
    status: "pending",
    reasonCode: "meta_unavailable",
    nextAttemptAt: answer.nextAttemptAt,
    ...answerFields(answer),
  });

/** Back to the queue; without `countAttempt` the claim's attempt is given back (shutdown, held shop). */
export const releaseStorefrontClaim = (
  db: Db,
  ids: number[],
  token: string,
  opts: { reason?: ReasonCode; countAttempt?: boolean; answer?: MetaAnswer } = {},
) =>
  updateOwned(db, ids, token, {
    status: "pending",
    // Without a reason (shutdown) the row keeps the one it had.
    ...(opts.reason !== undefined ? { reasonCode: checkedCode(opts.reason) } : {}),
    ...(opts.countAttempt ? {} : { attempts: { decrement: 1 } }),
    ...(opts.answer ? answerFields(opts.answer) : {}),
  });

function answerFields(answer: MetaAnswer) {
  return { failureKind: answer.kind, lastError: answer.message ? answer.message.slice(0, 500) : null };
}

export async function stillClaimedStorefront(db: Db, ids: number[], token: string): Promise<Set<number>> {
  const kept = new Set<number>();
  for (const slice of slices(ids)) {
    const rows = await db.storefrontEvent.findMany({ where: owned(slice, token), select: { id: true } });
    for (const row of rows) kept.add(row.id);
  }
  return kept;
}

/** Retention: one batch of rows created before `before`, oldest first; rows a live worker holds are left to it. */
export async function deleteExpiredStorefrontEvents(db: Db, opts: { before: Date; now: Date; limit: number }): Promise<number> {
  const rows = await db.storefrontEvent.findMany({
    where: { createdAt: { lt: opts.before }, OR: [{ status: { not: "sending" } }, { leaseExpiresAt: { lt: opts.now } }] },
    orderBy: { createdAt: "asc" },
    take: opts.limit,
    select: { id: true },
  });
  if (rows.length === 0) return 0;
  return sumOverSlices(
    rows.map((r) => r.id),
    async (slice) => {
      const { count } = await db.storefrontEvent.deleteMany({ where: { id: { in: slice }, createdAt: { lt: opts.before } } });
      return count;
    },
  );
}

/** Counts per event name and status since `since`, for the admin and the operator. */
export async function countStorefrontEvents(db: Db, input: { shop: string; since: Date }) {
  const groups = await db.storefrontEvent.groupBy({
    by: ["eventName", "status"],
    where: { shop: input.shop, createdAt: { gte: input.since } },
    _count: { _all: true },
  });
  return groups.map((g) => ({ eventName: g.eventName, status: g.status, count: g._count._all }));
}

/**
 * Whether the shop holds an offline session (installed, not uninstalled: app/uninstalled deletes them).
 * Reads asked for while one runs share the next query, as findShopSettingsForIngest's do.
 */
export function hasOfflineSession(db: Db, shop: string): Promise<boolean> {
  return sessionReads(db).submit(shop);
}

const sessionReads = Coalescer.perClient(
  (db) =>
    new Coalescer<string, boolean>(async (shops) => {
      const params = new Params(db);
      const list = [...new Set(shops)].map((shop) => params.add(shop)).join(", ");
      const rows = await rawQuery<{ shop: string }>(
        db,
        `SELECT DISTINCT "shop" FROM "Session" WHERE "shop" IN (${list}) AND "isOnline" = ${params.add(false)}`,
        params.values,
      );
      const installed = new Set(rows.map((row) => row.shop));
      return shops.map((shop) => installed.has(shop));
    }, 200),
);
