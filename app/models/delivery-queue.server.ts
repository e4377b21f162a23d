// The delivery ledger as a queue: rows go in (insert-or-ignore), are claimed by the worker and get their
// outcome. Every write after a claim is guarded by the claim token, so a worker whose lease expired can
// never overwrite the outcome recorded by the worker that took the row over. The admin's reads of the
// same table live in delivery-reads.server.ts.
import type { Prisma } from "@prisma/client";
import { providerOf, rawQuery, type Db } from "~/db.server";
import { hasEventToSend } from "~/lib/delivery-payload";
import { checkedCode, reason, type FailureKind, type ReasonCode } from "~/lib/delivery-reasons";
import type { DeliveryStatus } from "~/lib/delivery-status";
import { slices, sumOverSlices } from "~/lib/slices";
import { Coalescer, Params } from "~/models/group-commit.server";
import { claimLeased, stillLeased, type LeaseTable } from "~/models/lease-claim.server";

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
  reasonCode: ReasonCode | null;
  /** Only shown beside the reason (what made the order unmappable), never read back. */
  reasonDetail?: string | null;
  eventTime: Date;
  // When the worker may first pick it up; the caller's clock, so one clock rules the whole pipeline.
  nextAttemptAt: Date;
  payload: string;
  /** The raw browser signals the payload holds placeholders for (app/lib/capi/scrub.ts), while it may be sent. */
  rawIdentifiers?: string | null;
  webhookId: string | null;
  /** SHA-256 of the Shopify customer ID (app/lib/capi/customer-key.ts), for privacy requests. */
  customerKey?: string | null;
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
 * and every redelivery must land on the row the first one created. Resolves once the row is committed.
 * Concurrent calls share one statement (group-commit.server.ts); `created` is true for exactly one caller
 * per new row, the first to ask.
 */
export async function recordDelivery(db: Db, input: NewDelivery): Promise<{ created: boolean; id: number }> {
  if (input.reasonCode !== null) checkedCode(input.reasonCode);
  return deliveryInserts(db).submit(input);
}

// 19 bound values a row: 50 rows (950) stay under SQLite's 999 per statement.
export const INSERT_BATCH_ROWS = 50;

const deliveryInserts = Coalescer.perClient(
  (db) => new Coalescer<NewDelivery, { created: boolean; id: number }>((rows) => insertBatch(db, rows), INSERT_BATCH_ROWS),
);

const keyOf = (row: { shop: string; pixelId: string; eventName: string; eventId: string }) =>
  `${row.shop}\u0000${row.pixelId}\u0000${row.eventName}\u0000${row.eventId}`;

async function insertBatch(db: Db, rows: NewDelivery[]): Promise<({ created: boolean; id: number } | Error)[]> {
  // The same event twice in one batch (a retry racing the first delivery) is inserted once: the first asks.
  const firstOf = new Map<string, NewDelivery>();
  for (const row of rows) if (!firstOf.has(keyOf(row))) firstOf.set(keyOf(row), row);
  const distinct = [...firstOf.values()];

  let ids: Map<string, { id: number; created: boolean }>;
  try {
    ids = await insertOrIgnore(db, distinct);
  } catch {
    // One bad row must not cost the others theirs: each is tried alone, and only the bad one fails.
    return Promise.all(
      rows.map((row) => insertOne(db, row).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))),
    );
  }
  const told = new Set<string>();
  return Promise.all(
    rows.map(async (row) => {
      const key = keyOf(row);
      const found = ids.get(key);
      // Gone between the insert and the look-up (a purge, a shop erased): insert it again on its own.
      if (!found) return insertOne(db, row);
      const created = found.created && !told.has(key);
      told.add(key);
      return { created, id: found.id };
    }),
  );
}

const INSERT_COLUMNS = [
  "shop",
  "pixelId",
  "eventName",
  "eventId",
  "orderId",
  "orderName",
  "value",
  "currency",
  "status",
  "reasonCode",
  "reasonDetail",
  "eventTime",
  "nextAttemptAt",
  "payload",
  "rawIdentifiers",
  "webhookId",
  "customerKey",
  "createdAt",
  "updatedAt",
] as const;

/** One statement for up to INSERT_BATCH_ROWS distinct rows; the IDs of new and existing rows by key. */
async function insertOrIgnore(db: Db, rows: NewDelivery[]): Promise<Map<string, { id: number; created: boolean }>> {
  const now = new Date();
  const insert = new Params(db);
  const values = rows.map((row) => {
    const record: Record<(typeof INSERT_COLUMNS)[number], unknown> = {
      ...row,
      reasonDetail: row.reasonDetail ?? null,
      rawIdentifiers: row.rawIdentifiers ?? null,
      customerKey: row.customerKey ?? null,
      createdAt: now,
      updatedAt: now,
    };
    return `(${INSERT_COLUMNS.map((column) => insert.add(record[column])).join(", ")})`;
  });
  type KeyRow = { id: number | bigint; shop: string; pixelId: string; eventName: string; eventId: string };
  const inserted = await rawQuery<KeyRow>(
    db,
    `INSERT INTO "Delivery" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${values.join(", ")}
     ON CONFLICT ("shop", "pixelId", "eventName", "eventId") DO NOTHING
     RETURNING "id", "shop", "pixelId", "eventName", "eventId"`,
    insert.values,
  );
  const ids = new Map<string, { id: number; created: boolean }>();
  for (const row of inserted) ids.set(keyOf(row), { id: Number(row.id), created: true });

  const existing = rows.filter((row) => !ids.has(keyOf(row)));
  if (existing.length > 0) {
    const select = new Params(db);
    const match = existing
      .map(
        (r) =>
          `("shop" = ${select.add(r.shop)} AND "pixelId" = ${select.add(r.pixelId)} AND "eventName" = ${select.add(r.eventName)} AND "eventId" = ${select.add(r.eventId)})`,
      )
      .join(" OR ");
    const found = await rawQuery<KeyRow>(
      db,
      `SELECT "id", "shop", "pixelId", "eventName", "eventId" FROM "Delivery" WHERE ${match}`,
      select.values,
    );
    for (const row of found) ids.set(keyOf(row), { id: Number(row.id), created: false });
  }
  return ids;
}

/** The one-row path: a batch that failed is retried row by row through it. */
async function insertOne(db: Db, input: NewDelivery): Promise<{ created: boolean; id: number }> {
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

/** What a claim reads of each row (lease-claim.server.ts LeasedRow, and the order ID). */
export type ClaimedDelivery = Pick<
  Prisma.DeliveryGetPayload<object>,
  "id" | "shop" | "pixelId" | "eventName" | "eventId" | "orderId" | "attempts" | "eventTime" | "payload" | "rawIdentifiers"
>;

/** Claims up to `limit` due rows of connected shops (lease-claim.server.ts says which and how). */
export function claimDueDeliveries(db: Db, opts: { workerId: string; now: Date; limit: number; leaseMs: number }): Promise<Claim> {
  return claimLeased<{ orderId: string | null; rawIdentifiers: string | null }>(db, DELIVERY_LEASE, opts);
}

const DELIVERY_LEASE: LeaseTable = { table: `"Delivery"`, extraColumns: ["orderId", "rawIdentifiers"], touchesUpdatedAt: true };

function owned(ids: number[], token: string) {
  return { id: { in: ids }, leaseOwner: token, status: "sending" };
}

export const clearLease = { leaseOwner: null, leaseExpiresAt: null };

export interface MetaAnswer {
  fbtraceId: string | null;
  /** How app/lib/meta-errors.ts classified the answer; null when Meta gave none. */
  kind: FailureKind | null;
  errorCode?: number | null;
  errorSubcode?: number | null;
  message?: string | null;
}

function answerFields(answer: MetaAnswer) {
  return {
    fbtraceId: answer.fbtraceId,
    failureKind: answer.kind,
    errorCode: answer.errorCode ?? null,
    errorSubcode: answer.errorSubcode ?? null,
    lastError: answer.message ?? null,
  };
}

/** A stored payload to replace as the row changes status (raw identifiers removed: app/lib/capi/scrub.ts). */
export interface PayloadRewrite {
  id: number;
  payload: string;
}

// One statement for the whole batch, and only on rows still in scope: after a claim, rows that reached
// `status` (a row this worker no longer owns keeps whatever its new owner wrote); for a privacy request,
// the shop's rows. Built as text because each database's generated client only recognises its own
// Prisma.sql fragments; the values still travel as bound parameters (3 per row: callers pass slices).
function rewritePayloads(db: Db, rewrites: PayloadRewrite[], scope: { status: DeliveryStatus } | { shop: string }) {
  const params = new Params(db);
  const id = (value: number) => params.add(value, { int: true });
  const cases = rewrites.map((r) => `WHEN ${id(r.id)} THEN ${params.add(r.payload)}`).join(" ");
  const ids = rewrites.map((r) => id(r.id)).join(", ");
  const guard = "status" in scope ? `"status" = ${params.add(scope.status)}` : `"shop" = ${params.add(scope.shop)}`;
  const sql = `UPDATE "Delivery" SET "payload" = CASE "id" ${cases} ELSE "payload" END WHERE "id" IN (${ids}) AND ${guard}`;
  return db.$executeRawUnsafe(sql, ...params.values);
}

/** The shop's rows get these payloads, in one statement; for a slice of rows (3 bound values a row). */
export function rewriteShopPayloads(db: Db, input: { shop: string; rewrites: PayloadRewrite[] }) {
  return rewritePayloads(db, input.rewrites, { shop: input.shop });
}

type DeliveryUpdate = Parameters<Db["delivery"]["updateMany"]>[0]["data"];

/**
 * The one way an outcome is written after a claim: only on rows the claim still owns, slice by slice,
 * and with any payload rewrites in the same transaction as the status change, so no crash can leave a
 * sent or skipped row holding what it no longer needs.
 */
async function updateOwned(
  db: Db,
  ids: number[],
  token: string,
  data: DeliveryUpdate,
  rewrites: { rows: PayloadRewrite[]; status: DeliveryStatus } | null = null,
): Promise<number> {
  return sumOverSlices(ids, async (slice) => {
    const update = db.delivery.updateMany({ where: owned(slice, token), data: { ...clearLease, ...data } });
    const sliceRewrites = rewrites ? rewritesFor(rewrites.rows, slice) : [];
    if (sliceRewrites.length === 0) return (await update).count;
    const [{ count }] = await db.$transaction([update, rewritePayloads(db, sliceRewrites, { status: rewrites!.status })]);
    return count;
  });
}

function rewritesFor(rewrites: PayloadRewrite[], slice: number[]): PayloadRewrite[] {
  if (rewrites.length === 0) return rewrites;
  const wanted = new Set(slice);
  return rewrites.filter((r) => wanted.has(r.id));
}

// SQLite: 3 bound values a row (its ID twice, its payload once) and a few more, inside its 999. PostgreSQL
// binds the IDs and payloads as two arrays, so a slice there is a whole batch.
const SENT_SLICE = { sqlite: 300, postgresql: 1000 } as const;

/**
 * Sent rows get their outcome, and forget their raw identifiers, in one UPDATE per slice (no transaction
 * needed: one statement is atomic), on rows the claim still owns. Only rows stored before the
 * rawIdentifiers column need a payload rewrite (`rewrites`). Two statements in a transaction per batch
 * made writing the outcome a large share of the worker's time at thousands of events per second; it goes
 * to the driver under Prisma (rawQuery, db.server.ts), since it can carry a thousand payloads.
 */
export async function markSent(
  db: Db,
  ids: number[],
  token: string,
  answer: { eventsReceived: number; fbtraceId: string | null; sentAt: Date },
  rewrites: PayloadRewrite[] = [],
): Promise<number> {
  const payloadOf = new Map(rewrites.map((r) => [r.id, r.payload]));
  const now = new Date();
  const provider = providerOf(db);
  let total = 0;
  for (const slice of slices(ids, SENT_SLICE[provider])) {
    // Built in text order: SQLite's `?` placeholders take the values in the order they appear.
    const params = new Params(db);
    const id = (value: number) => params.add(value, { int: true });
    const outcome =
      `"status" = 'sent', "reasonCode" = NULL, "reasonDetail" = NULL, "failureKind" = NULL, "eventsReceived" = ${params.add(answer.eventsReceived, { int: true })}, ` +
      `"fbtraceId" = ${params.add(answer.fbtraceId)}, "sentAt" = ${params.add(answer.sentAt)}, "errorCode" = NULL, "errorSubcode" = NULL, ` +
      `"lastError" = NULL, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "rawIdentifiers" = NULL, "updatedAt" = ${params.add(now)}`;
    let sql: string;
    const rewritten = slice.filter((rowId) => payloadOf.has(rowId));
    if (provider === "postgresql" && rewritten.length === 0) {
      sql = `UPDATE "Delivery" AS d SET ${outcome} WHERE d."id" = ANY(${params.add(slice)}::int[]) AND d."leaseOwner" = ${params.add(token)} AND d."status" = 'sending'`;
    } else if (provider === "postgresql") {
      // A row without a rewrite keeps its payload (NULL in the array).
      const rowIds = params.add(slice);
      const payloads = params.add(slice.map((rowId) => payloadOf.get(rowId) ?? null));
      sql =
        `UPDATE "Delivery" AS d SET ${outcome}, "payload" = COALESCE(v."payload", d."payload") ` +
        `FROM unnest(${rowIds}::int[], ${payloads}::text[]) AS v("id", "payload") ` +
        `WHERE d."id" = v."id" AND d."leaseOwner" = ${params.add(token)} AND d."status" = 'sending'`;
    } else {
      sql = `UPDATE "Delivery" SET ${outcome}`;
      if (rewritten.length > 0) {
        sql += `, "payload" = CASE "id" ${rewritten.map((rowId) => `WHEN ${id(rowId)} THEN ${params.add(payloadOf.get(rowId))}`).join(" ")} ELSE "payload" END`;
      }
      sql += ` WHERE "id" IN (${slice.map(id).join(", ")}) AND "leaseOwner" = ${params.add(token)} AND "status" = 'sending'`;
    }
    // The driver path returns rows, not counts: the rows written are counted from RETURNING.
    total += (await rawQuery(db, `${sql} RETURNING ${provider === "postgresql" ? `d."id"` : `"id"`}`, params.values)).length;
  }
  return total;
}

export function markRetry(db: Db, ids: number[], token: string, answer: MetaAnswer & { nextAttemptAt: Date }): Promise<number> {
  return updateOwned(db, ids, token, {
    status: "pending",
    ...reason("meta_unavailable"),
    nextAttemptAt: answer.nextAttemptAt,
    ...answerFields(answer),
  });
}

export function markFailed(
  db: Db,
  ids: number[],
  token: string,
  answer: MetaAnswer,
  code: "meta_rejected" | "no_event" = "meta_rejected",
): Promise<number> {
  return updateOwned(db, ids, token, { status: "failed", ...reason(code), ...answerFields(answer) });
}

export function markSkipped(db: Db, ids: number[], token: string, code: ReasonCode, rewrites: PayloadRewrite[] = []): Promise<number> {
  return updateOwned(db, ids, token, { status: "skipped", ...reason(code), rawIdentifiers: null }, { rows: rewrites, status: "skipped" });
}

/**
 * The ids among `ids` that the claim still owns. Checked just before a request to Meta, so a row taken
 * away meanwhile (customer redacted, app uninstalled) is not sent on the strength of an older read.
 */
export function stillClaimed(db: Db, ids: number[], token: string): Promise<Set<number>> {
  return stillLeased(db, DELIVERY_LEASE.table, ids, token);
}

/**
 * Gives rows back to the queue without counting an attempt (shutdown, or a shop whose connection is
 * held): they will be claimed again as soon as they are due and the shop is connected.
 */
export function releaseClaim(
  db: Db,
  ids: number[],
  token: string,
  opts: { reason?: ReasonCode; countAttempt?: boolean; answer?: MetaAnswer } = {},
): Promise<number> {
  return updateOwned(db, ids, token, {
    status: "pending",
    // Without a reason (shutdown) the row keeps the one it had.
    ...(opts.reason !== undefined ? reason(opts.reason) : {}),
    ...(opts.countAttempt ? {} : { attempts: { decrement: 1 } }),
    ...(opts.answer ? answerFields(opts.answer) : {}),
  });
}

/**
 * Puts the order's failed rows back in the queue, due now (sent rows are never re-sent), except those
 * holding no event (`unmapped`: the order could not be mapped, so sending would put an empty event on the
 * wire). An order has a handful of rows at most.
 */
export async function requeueFailedForOrder(
  db: Db,
  shop: string,
  orderId: string,
  now: Date,
): Promise<{ requeued: number; statuses: string[]; unmapped: number }> {
  const failed = await db.delivery.findMany({ where: { shop, orderId, status: "failed" }, select: { id: true, payload: true } });
  const sendable = failed.filter((r) => hasEventToSend(r.payload)).map((r) => r.id);
  const { count } =
    sendable.length === 0
      ? { count: 0 }
      : await db.delivery.updateMany({
          where: { shop, id: { in: sendable }, status: "failed" },
          data: { status: "pending", ...reason("retry_requested"), nextAttemptAt: now },
        });
  const rows = await db.delivery.findMany({ where: { shop, orderId }, select: { status: true } });
  return { requeued: count, statuses: rows.map((r) => r.status), unmapped: failed.length - sendable.length };
}
