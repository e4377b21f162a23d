// The storefront's report that another script on the page inits the shop's pixel too (ShopSettings.duplicatePixelSeenAt).
import type { Db } from "~/db.server";

/** Stores when a duplicate pixel was last seen; nothing happens for a shop without settings. */
export async function recordDuplicatePixelSeen(db: Db, input: { shop: string; at: Date }): Promise<void> {
  await db.shopSettings.updateMany({ where: { shop: input.shop }, data: { duplicatePixelSeenAt: input.at } });
}

export async function findDuplicatePixelSeenAt(db: Db, shop: string): Promise<Date | null> {
  const row = await db.shopSettings.findUnique({ where: { shop }, select: { duplicatePixelSeenAt: true } });
  return row?.duplicatePixelSeenAt ?? null;
}
