// The admin's count of both reporters per event name: what reached the app from the shopper's browser,
// what the server sent to Meta, and the pairs (same event name and ID) present on both sides. One
// grouped statement per table, each scoped by shop and bounded by time, each answered from an index:
//   StorefrontEvent by (shop, createdAt, eventName, status), a covering index added for this read;
//   Delivery by (shop, status, createdAt), the pair check by BrowserEvent's unique key;
//   BrowserEvent by (shop, seenAt).
import type { Db } from "~/db.server";
import { Params } from "~/models/group-commit.server";

/** Event names are bounded by the settings (standard + at most 20 custom); this bounds what an old table holds. */
const MAX_GROUPS = 200;

const n = (value: unknown) => Number(value ?? 0);

/**
 * Storefront and checkout events the proxy stored since `since`, per event name: `received` every row
 * (each was posted by the browser), `sent` the rows Meta accepted from the server.
 */
export async function countStorefrontReporters(
  db: Db,
  input: { shop: string; since: Date },
): Promise<Array<{ eventName: string; received: number; sent: number }>> {
  const params = new Params(db);
  const rows = await db.$queryRawUnsafe<Array<{ eventName: string; received: unknown; sent: unknown }>>(
    `SELECT "eventName", COUNT(*) AS "received", SUM(CASE WHEN "status" = 'sent' THEN 1 ELSE 0 END) AS "sent"
       FROM "StorefrontEvent"
      WHERE "shop" = ${params.add(input.shop)} AND "createdAt" >= ${params.add(input.since)}
      GROUP BY "eventName" ORDER BY "eventName" LIMIT ${params.add(MAX_GROUPS, { int: true })}`,
    ...params.values,
  );
  return rows.map((row) => ({ eventName: row.eventName, received: n(row.received), sent: n(row.sent) }));
}

/**
 * Ledger events (Purchase) sent since `since`, per event name: distinct event IDs sent (a shop with two
 * pixels sends one event twice), and how many of those the browser also reported (a BrowserEvent row).
 */
export async function countLedgerReporters(
  db: Db,
  input: { shop: string; since: Date },
): Promise<Array<{ eventName: string; sent: number; both: number }>> {
  const params = new Params(db);
  const rows = await db.$queryRawUnsafe<Array<{ eventName: string; sent: unknown; both: unknown }>>(
    `SELECT d."eventName", COUNT(DISTINCT d."eventId") AS "sent",
            COUNT(DISTINCT CASE WHEN EXISTS (
              SELECT 1 FROM "BrowserEvent" b WHERE b."shop" = d."shop" AND b."eventName" = d."eventName" AND b."eventId" = d."eventId"
            ) THEN d."eventId" END) AS "both"
       FROM "Delivery" d
      WHERE d."shop" = ${params.add(input.shop)} AND d."status" = 'sent' AND d."createdAt" >= ${params.add(input.since)}
      GROUP BY d."eventName" ORDER BY d."eventName" LIMIT ${params.add(MAX_GROUPS, { int: true })}`,
    ...params.values,
  );
  return rows.map((row) => ({ eventName: row.eventName, sent: n(row.sent), both: n(row.both) }));
}

/** Browser events the proxy saw since `since` for these event names (the ones whose server copy is in the ledger). */
export async function countBrowserEventsSeen(
  db: Db,
  input: { shop: string; since: Date; eventNames: readonly string[] },
): Promise<Array<{ eventName: string; seen: number }>> {
  if (input.eventNames.length === 0) return [];
  const groups = await db.browserEvent.groupBy({
    by: ["eventName"],
    where: { shop: input.shop, seenAt: { gte: input.since }, eventName: { in: [...input.eventNames] } },
    _count: { _all: true },
  });
  return groups.map((g) => ({ eventName: g.eventName, seen: g._count._all }));
}
