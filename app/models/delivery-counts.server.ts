import type { Db } from "~/db.server";

/** How many of the shop's ledger rows are in each status, over its whole history. */
export async function countShopDeliveriesByStatus(db: Db, shop: string): Promise<{ status: string; count: number }[]> {
  const groups = await db.delivery.groupBy({ by: ["status"], where: { shop }, _count: { _all: true } });
  return groups.map((g) => ({ status: g.status, count: g._count._all }));
}
