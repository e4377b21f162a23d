// Claiming due rows under a lease, for the two queues the worker drains: the Delivery ledger
// (delivery-queue.server.ts) and the storefront events (storefront-event.server.ts). Both tables have the
// same lease columns and the same (status, nextAttemptAt, id) index, so one claim serves both; only the table,
// the columns read back and whether the row has an "updatedAt" differ.
//
// Claimable: a crashed worker's rows (lease expired) first, then pending ones past their next attempt
// time, of shops whose Meta connection is usable. The two kinds are looked up apart, each in the order of
// its own index prefix: one query for both (an OR) cannot walk the (status, nextAttemptAt, id) index in order,
// so it read and sorted every due row on each claim (with 200,000 due among 1.2 million rows, 800 ms a
// claim on PostgreSQL and 90 ms on SQLite; 5 ms each this way, by EXPLAIN).
// PostgreSQL: each is one UPDATE over a FOR UPDATE SKIP LOCKED subquery, so concurrent claims (other
// processes, or this process's other loops) never wait on or take each other's rows. SQLite: writers are
// serialised by the database, and the claiming UPDATE re-checks the claimable condition, so two processes
// cannot claim the same row.
// The claiming UPDATE returns the rows it claimed (RETURNING): reading them back by lease owner afterwards
// walked every row in `sending` (all workers' batches in flight) for each claim. The statements go to the
// driver under Prisma (rawQuery, db.server.ts): a claim carries a thousand payloads back.
import { providerOf, rawQuery, type Db } from "~/db.server";
import { ID_SLICE, slices } from "~/lib/slices";

export interface LeaseTable {
  /** The quoted table name: a constant of the caller's, never input. */
  table: `"${string}"`;
  /** Columns read back beyond LeasedRow's (unquoted names, the table's own, never input). */
  extraColumns: readonly string[];
  /** Whether the claim also stamps "updatedAt" (the Delivery ledger has one). */
  touchesUpdatedAt: boolean;
}

/** What a claim reads back of every row, in both queues. */
export interface LeasedRow {
  id: number;
  shop: string;
  pixelId: string;
  eventName: string;
  eventId: string;
  attempts: number;
  eventTime: Date;
  payload: string;
}

const LEASED_COLUMNS = ["id", "shop", "pixelId", "eventName", "eventId", "attempts", "eventTime", "payload"] as const;

export interface LeaseClaim<Row> {
  token: string;
  leaseExpiresAt: Date;
  rows: Row[];
}

export type Due = "expired" | "pending";
interface ClaimStep {
  now: Date;
  limit: number;
  token: string;
  leaseExpiresAt: Date;
}

// The condition a row must meet to be claimed (the index's order is the claim's).
const DUE_WHERE: Record<Due, string> = {
  expired: `d."status" = 'sending' AND d."leaseExpiresAt" < $now`,
  pending: `d."status" = 'pending' AND d."nextAttemptAt" <= $now`,
};

/** Claims up to `limit` due rows; `tokenTag` tells one queue's claim tokens from the other's in logs. */
export async function claimLeased<Extra extends object = object>(
  db: Db,
  spec: LeaseTable,
  opts: { workerId: string; tokenTag?: string; now: Date; limit: number; leaseMs: number },
): Promise<LeaseClaim<LeasedRow & Extra>> {
  const token = [
    opts.workerId,
    ...(opts.tokenTag ? [opts.tokenTag] : []),
    opts.now.getTime(),
    Math.random().toString(36).slice(2, 10),
  ].join(":");
  const leaseExpiresAt = new Date(opts.now.getTime() + opts.leaseMs);
  const claim = providerOf(db) === "postgresql" ? claimOnPostgres : claimOnSqlite;
  const step = { now: opts.now, token, leaseExpiresAt };
  const rows = await claim(db, spec, "expired", { ...step, limit: opts.limit });
  if (rows.length < opts.limit) rows.push(...(await claim(db, spec, "pending", { ...step, limit: opts.limit - rows.length })));
  const leased = rows.map((row) => leasedRow(row) as LeasedRow & Extra);
  leased.sort((a, b) => a.id - b.id);
  return { token, leaseExpiresAt, rows: leased };
}

type DriverRow = Record<string, unknown>;

// The drivers return integers as numbers or text (SQLite's safe integers) and the time as ISO 8601 text.
function leasedRow(row: DriverRow): DriverRow {
  const { id, attempts, eventTime } = row;
  return {
    ...row,
    id: Number(id),
    attempts: Number(attempts),
    eventTime: eventTime instanceof Date ? eventTime : new Date(String(eventTime)),
  };
}

// node-postgres reads a timestamp without time zone as local time; the column holds UTC, so it is read as UTC text.
function columnsFor(spec: LeaseTable, postgres: boolean): string {
  return [...LEASED_COLUMNS, ...spec.extraColumns]
    .map((c) => (postgres && c === "eventTime" ? `to_char("eventTime", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "eventTime"` : `"${c}"`))
    .join(", ");
}

/**
 * PostgreSQL's claiming statement; its values are [token, leaseExpiresAt, now, limit]. Exported for the
 * test that reads its plan: the (status, nextAttemptAt, id) index gives the ORDER BY's order, so a claim
 * reads its batch and stops, even when thousands of due rows share one time (a backlog, a batch retried).
 *
 * The shop check is written `EXISTS (…) IS TRUE` so that PostgreSQL does not turn it into a semi-join.
 * As a join, its row estimate rests on ShopSettings' statistics, and a small ShopSettings table may never
 * have any: autovacuum analyses a table only after 50 rows change. With none, the planner guessed that
 * 200 of 30,000 due rows would pass. A LIMIT of 1,000 then looked like reading everything, so it chose to
 * scan and sort every due row on each claim: 100 ms a claim, growing with the backlog, against 35 ms for
 * the index walk. Left as a per-row check, the planner assumes half the rows pass, whatever the
 * statistics, and walks the index.
 */
export function postgresClaimSql(spec: LeaseTable, due: Due): string {
  return `UPDATE ${spec.table} SET "status" = 'sending', "leaseOwner" = $1, "leaseExpiresAt" = $2,
            "attempts" = "attempts" + 1${spec.touchesUpdatedAt ? `, "updatedAt" = $3` : ""}
     WHERE "id" IN (
       SELECT d."id" FROM ${spec.table} d
       WHERE ${DUE_WHERE[due].replace("$now", "$3")}
         AND EXISTS (SELECT 1 FROM "ShopSettings" s WHERE s."shop" = d."shop" AND s."connectionState" = 'connected') IS TRUE
       ORDER BY d."nextAttemptAt", d."id"
       LIMIT $4
       FOR UPDATE OF d SKIP LOCKED
     )
     RETURNING ${columnsFor(spec, true)}`;
}

async function claimOnPostgres(db: Db, spec: LeaseTable, due: Due, step: ClaimStep): Promise<DriverRow[]> {
  const { now, limit, token, leaseExpiresAt } = step;
  return rawQuery<DriverRow>(db, postgresClaimSql(spec, due), [token, leaseExpiresAt, now, limit]);
}

// The shop check is a subquery, not a list of connected shops: such a list grows with every shop that
// installs and SQLite refuses a statement past 999 values. Dates are bound as Prisma binds them (ISO 8601
// text), so the comparison is the one Prisma's own filters make.
async function claimOnSqlite(db: Db, spec: LeaseTable, due: Due, step: ClaimStep): Promise<DriverRow[]> {
  const { now, limit, token, leaseExpiresAt } = step;
  const candidates = await rawQuery<{ id: number | string | bigint }>(
    db,
    `SELECT d."id" FROM ${spec.table} d
     WHERE ${DUE_WHERE[due].replace("$now", "?")}
       AND EXISTS (SELECT 1 FROM "ShopSettings" s WHERE s."shop" = d."shop" AND s."connectionState" = 'connected')
     ORDER BY d."nextAttemptAt", d."id"
     LIMIT ?`,
    [now, limit],
  );
  const claimed: DriverRow[] = [];
  // Re-checked in the claiming UPDATE: another process may have claimed a candidate since the read.
  for (const slice of slices(candidates.map((c) => Number(c.id)))) {
    const rows = await rawQuery<DriverRow>(
      db,
      `UPDATE ${spec.table} AS d SET "status" = 'sending', "leaseOwner" = ?, "leaseExpiresAt" = ?, "attempts" = "attempts" + 1${
        spec.touchesUpdatedAt ? `, "updatedAt" = ?` : ""
      }
       WHERE d."id" IN (${slice.map(() => "?").join(", ")}) AND ${DUE_WHERE[due].replace("$now", "?")}
       RETURNING ${columnsFor(spec, false)}`,
      [token, leaseExpiresAt, ...(spec.touchesUpdatedAt ? [now] : []), ...slice, now],
    );
    claimed.push(...rows);
  }
  return claimed;
}

/**
 * The ids among `ids` that the claim still owns. Checked just before a request to Meta, so a row taken
 * away meanwhile (customer redacted, app uninstalled) is not sent on the strength of an older read.
 */
export async function stillLeased(db: Db, table: LeaseTable["table"], ids: number[], token: string): Promise<Set<number>> {
  const kept = new Set<number>();
  await overOwned(db, ids, token, async (where, values) => {
    const rows = await rawQuery<{ id: number | string | bigint }>(db, `SELECT "id" FROM ${table} WHERE ${where}`, values);
    for (const row of rows) kept.add(Number(row.id));
  });
  return kept;
}

/**
 * Sets `assignments` (constant SQL of the caller's, no values) on the rows among `ids` the claim owns and
 * ends their lease; the number of rows written. For the hot outcome (sent), which every batch writes.
 */
export async function finishLeased(db: Db, table: LeaseTable["table"], ids: number[], token: string, assignments: string): Promise<number> {
  let written = 0;
  await overOwned(db, ids, token, async (where, values) => {
    // The driver path returns rows, not counts: the rows written are counted from RETURNING.
    const rows = await rawQuery(
      db,
      `UPDATE ${table} SET ${assignments}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE ${where} RETURNING "id"`,
      values,
    );
    written += rows.length;
  });
  return written;
}

// PostgreSQL takes the IDs as one array value; SQLite one bound value each (at most 999 a statement).
async function overOwned(db: Db, ids: number[], token: string, run: (where: string, values: unknown[]) => Promise<void>): Promise<void> {
  const postgres = providerOf(db) === "postgresql";
  for (const slice of slices(ids, postgres ? 1000 : ID_SLICE)) {
    await (postgres
      ? run(`"id" = ANY($1::int[]) AND "leaseOwner" = $2 AND "status" = 'sending'`, [slice, token])
      : run(`"id" IN (${slice.map(() => "?").join(", ")}) AND "leaseOwner" = ? AND "status" = 'sending'`, [...slice, token]));
  }
}
