// What the admin home page shows: the Meta connection and how many events sit in each delivery state.
// The sealed token never leaves this module; only its last characters do.
import type { Db } from "~/db.server";
import type { DeliveryStatus } from "~/models/delivery.server";
import { findShopSettings } from "~/models/shop-settings.server";

export const DELIVERY_STATUSES = ["pending", "sending", "sent", "failed", "skipped"] as const satisfies readonly DeliveryStatus[];

export interface ShopOverview {
  connected: boolean;
  connectionState: string;
  pixelId: string | null;
  tokenHint: string | null;
  counts: Record<DeliveryStatus, number>;
}

export async function getShopOverview(db: Db, shop: string): Promise<ShopOverview> {
  const [settings, groups] = await Promise.all([
    findShopSettings(db, shop),
    db.delivery.groupBy({ by: ["status"], where: { shop }, _count: { _all: true } }),
  ]);

  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const group of groups) {
    if ((DELIVERY_STATUSES as readonly string[]).includes(group.status)) {
      counts[group.status as DeliveryStatus] = group._count._all;
    }
  }

  const connectionState = settings?.connectionState ?? "disconnected";
  return {
    connected: connectionState === "connected",
    connectionState,
    pixelId: settings?.pixelId ?? null,
    tokenHint: settings?.accessTokenSealed ? settings.accessTokenHint : null,
    counts,
  };
}
