// The shop every bench load is for: connected to its pixel (sealed token stored) and installed (an offline
// session, without which the app proxy stores nothing), as an install and the settings screen leave it.
import type { Db } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";

export async function connectBenchShop(
  db: Db,
  opts: { encryptionKey: Buffer; shop: string; pixelId: string; accessToken: string },
): Promise<void> {
  const result = await connectShop(db, opts.encryptionKey, { shop: opts.shop, pixelId: opts.pixelId, accessToken: opts.accessToken });
  if (!result.ok) throw new Error(result.error.join("; "));
  const id = `offline_${opts.shop}`;
  await db.session.upsert({
    where: { id },
    create: { id, shop: opts.shop, state: "", isOnline: false, accessToken: "shpat_bench" },
    update: {},
  });
}
