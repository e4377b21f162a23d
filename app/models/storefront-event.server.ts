// Server copies of storefront events (StorefrontEvent): the queue the worker drains for them. Built for
// volume: inserts are group-committed, a row that reaches a final state loses its payload (Meta needed
// it once; the row keeps what the admin counts), and every write after a claim is guarded by the claim
// token as for the delivery ledger.
import { rawQuery, type Db } from "~/db.server";
import { checkedCode, type ReasonCode } from "~/lib/delivery-reasons";
import { sumOverSlices } from "~/lib/slices";
import type { MetaAnswer } from "~/models/delivery-queue.server";
import { Coalescer, Params } from "~/models/group-commit.server";
import { claimLeased, finishLeased, stillLeased, type LeaseClaim, type LeasedRow, type LeaseTable } from "~/models/lease-claim.server";

export interface NewStorefrontEvent {
  shop: string;
  pixelId: string;
  eventName: string;
  eventId: string;
  eventTime: Date;
  payload: string;
  customerKey: string | null;
}

/** What a claim reads of each row: what every leased row carries (lease-claim.server.ts). */
export type ClaimedStorefrontEvent = LeasedRow;

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

/** Claims up to `limit` due rows of connected shops, as claimDueDeliveries does for the ledger (lease-claim.server.ts). */
export function claimDueStorefrontEvents(
  db: Db,
  opts: { workerId: string; now: Date; limit: number; leaseMs: number },
): Promise<LeaseClaim<ClaimedStorefrontEvent>> {
  return claimLeased(db, STOREFRONT_LEASE, { ...opts, tokenTag: "sf" });
}

const STOREFRONT_LEASE: LeaseTable = { table: `"StorefrontEvent"`, extraColumns: [], touchesUpdatedAt: false };

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
// Sent is every batch's outcome, so it goes to the driver as one statement per slice (lease-claim.server.ts).
export const markStorefrontSent = (db: Db, ids: number[], token: string) =>
  finishLeased(
    db,
    STOREFRONT_LEASE.table,
    ids,
    token,
    `"status" = 'sent', "payload" = '', "reasonCode" = NULL, "failureKind" = NULL, "lastError" = NULL`,
  );

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

export function stillClaimedStorefront(db: Db, ids: number[], token: string): Promise<Set<number>> {
  return stillLeased(db, STOREFRONT_LEASE.table, ids, token);
}

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
