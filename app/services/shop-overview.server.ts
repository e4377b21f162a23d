// What the admin home page shows: the Meta connection and how many events sit in each delivery state.
// The sealed token never leaves this module; only its last characters do.
import type { Db } from "~/db.server";
import { env } from "~/env.server";
import type { RangeDays } from "~/lib/dashboard-stats";
import { buildChecklist, type ChecklistItem } from "~/lib/onboarding";
import { themeEditorUrl } from "~/lib/theme-embed";
import { findLatestBrowserEvent } from "~/models/browser-event-reads.server";
import type { DeliveryStatus } from "~/lib/delivery-status";
import { countShopDeliveriesByStatus } from "~/models/delivery-counts.server";
import { findLatestSentDelivery } from "~/models/delivery-reads.server";
import { findDuplicatePixelSeenAt } from "~/models/duplicate-pixel.server";
import { findAdminSettings, findShopSettings, type ConnectionState } from "~/models/shop-settings.server";
import type { AdminDeps } from "./admin-deps.server";
import { getDashboard, type Dashboard } from "./dashboard.server";
import { getDatasetQuality, PAGE_TIMEOUT_MS, type QualityView } from "./dataset-quality.server";
import { getReporterTable, type ReporterTable } from "./reporters.server";
import type { AdminGraphql } from "./storefront-sync.server";
import { checkAppEmbed } from "./theme-embed.server";

export const DELIVERY_STATUSES = ["pending", "sending", "sent", "failed", "skipped"] as const satisfies readonly DeliveryStatus[];

export interface ShopOverview {
  connected: boolean;
  connectionState: string;
  pixelId: string | null;
  tokenHint: string | null;
  counts: Record<DeliveryStatus, number>;
}

export async function getShopOverview(db: Db, shop: string): Promise<ShopOverview> {
  const [settings, groups] = await Promise.all([findShopSettings(db, shop), countShopDeliveriesByStatus(db, shop)]);

  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const group of groups) {
    if ((DELIVERY_STATUSES as readonly string[]).includes(group.status)) {
      counts[group.status as DeliveryStatus] = group.count;
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

// ---- The embedded admin's home: onboarding checklist and dashboard ----------------------------------------

export interface HomeOverview {
  shop: string;
  connectionState: ConnectionState;
  connectionError: string | null;
  checklist: ChecklistItem[];
  dashboard: Dashboard;
  /** Meta's own verdict (Dataset Quality API), cached; "unavailable" rather than a slow page. */
  quality: QualityView & { updatedMinutesAgo: number | null };
  reporters: ReporterTable;
  /** When the storefront last saw another script init this pixel, if within DUPLICATE_PIXEL_WINDOW_DAYS; else null. */
  duplicatePixelSeenAt: string | null;
}

export const DUPLICATE_PIXEL_WINDOW_DAYS = 7;

export async function getHomeOverview(
  deps: Pick<AdminDeps, "db" | "apiKey" | "now" | "meta" | "decryptionKeys" | "logger">,
  req: { shop: string; graphql: AdminGraphql; rangeDays: RangeDays },
): Promise<HomeOverview> {
  const { db } = deps;
  const now = deps.now();
  const [settings, embed, latestBrowserEvent, latestSentPurchase, dashboard, quality, reporters, duplicateSeen] = await Promise.all([
    findAdminSettings(db, req.shop),
    checkAppEmbed(req.graphql),
    findLatestBrowserEvent(db, req.shop),
    findLatestSentDelivery(db, { shop: req.shop, eventName: "Purchase" }),
    getDashboard(db, { shop: req.shop, rangeDays: req.rangeDays, now }),
    getDatasetQuality(deps, { shop: req.shop, timeoutMs: PAGE_TIMEOUT_MS }),
    getReporterTable(db, { shop: req.shop, rangeDays: req.rangeDays, now, storefrontRetentionDays: env().STOREFRONT_EVENT_RETENTION_DAYS }),
    findDuplicatePixelSeenAt(db, req.shop),
  ]);

  const connectionState = settings?.connectionState ?? "disconnected";
  const checklist = buildChecklist({
    hasCredentials: Boolean(settings?.pixelId && settings.accessTokenSealed),
    connectionState,
    connectionError: settings?.connectionError ?? null,
    hasTestEventCode: Boolean(settings?.testEventCode),
    connectionVerifiedAt: settings?.connectionVerifiedAt?.toISOString() ?? null,
    embed,
    themeEditorUrl: themeEditorUrl(req.shop, deps.apiKey),
    webPixelConnected: Boolean(settings?.webPixelId),
    latestBrowserEvent: latestBrowserEvent
      ? { eventName: latestBrowserEvent.eventName, seenAt: latestBrowserEvent.seenAt.toISOString() }
      : null,
    latestSentPurchase: latestSentPurchase
      ? { orderName: latestSentPurchase.orderName, sentAt: latestSentPurchase.sentAt?.toISOString() ?? null }
      : null,
  });

  const updatedMinutesAgo =
    quality.fetchedAt === null ? null : Math.max(0, Math.floor((now.getTime() - Date.parse(quality.fetchedAt)) / 60_000));
  return {
    shop: req.shop,
    connectionState,
    connectionError: settings?.connectionError ?? null,
    checklist,
    dashboard,
    quality: { ...quality, updatedMinutesAgo },
    reporters,
    duplicatePixelSeenAt:
      duplicateSeen && now.getTime() - duplicateSeen.getTime() < DUPLICATE_PIXEL_WINDOW_DAYS * 86_400_000
        ? duplicateSeen.toISOString()
        : null,
  };
}
