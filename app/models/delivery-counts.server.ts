import type { Db } from "~/db.server";

/** How many of the shop's ledger rows are in each status, over its whole history. */
export async function countShopDeliveriesByStatus(db: Db, shop: string): Promise<{ status: string; count: number }[]> {
  const groups = await db.delivery.groupBy({ by: ["status"], where: { shop }, _count: { _all: true } });
  return groups.map((g) => ({ status: g.status, count: g._count._all }));
}

/**
 * Rows the web processes wrote to either queue in (from, to], across every shop: the ingest rate a standalone
 * worker yields to (services/delivery/ingest-gate.server.ts). Not scoped by shop on purpose: the load on
 * the machine and the database is all of theirs. Both tables index createdAt, so this reads only the newest.
 */
export async function countQueuedBetween(db: Db, from: Date, to: Date): Promise<number> {
  const createdAt = { gt: from, lte: to };
  const [deliveries, storefront] = await Promise.all([
    db.delivery.count({ where: { createdAt } }),
    db.storefrontEvent.count({ where: { createdAt } }),
  ]);
  return deliveries + storefront;
}
