// The home page's "both reporters" table for the last 7 or 30 days (UTC days, as the dashboard's).
import type { Db } from "~/db.server";
import { dayBuckets, type RangeDays } from "~/lib/dashboard-stats";
import { LEDGER_EVENTS, reporterRows, type ReporterRow } from "~/lib/reporter-counts";
import { countBrowserEventsSeen, countLedgerReporters, countStorefrontReporters } from "~/models/reporter-counts.server";
import { findShopSettings } from "~/models/shop-settings.server";

export interface ReporterTable {
  rangeDays: RangeDays;
  since: string;
  rows: ReporterRow[];
  /**
   * Storefront events are kept this many days (STOREFRONT_EVENT_RETENTION_DAYS): a window longer than
   * that counts only the days still held, and the page says so.
   */
  storefrontRetentionDays: number;
}

export async function getReporterTable(
  db: Db,
  opts: { shop: string; rangeDays: RangeDays; now: Date; storefrontRetentionDays: number },
): Promise<ReporterTable> {
  const since = dayBuckets(opts.rangeDays, opts.now)[0]!.start;
  const [settings, storefront, ledger, browserSeen] = await Promise.all([
    findShopSettings(db, opts.shop),
    countStorefrontReporters(db, { shop: opts.shop, since }),
    countLedgerReporters(db, { shop: opts.shop, since }),
    countBrowserEventsSeen(db, { shop: opts.shop, since, eventNames: LEDGER_EVENTS }),
  ]);
  return {
    rangeDays: opts.rangeDays,
    since: since.toISOString(),
    storefrontRetentionDays: opts.storefrontRetentionDays,
    rows: reporterRows({
      storefront,
      ledger,
      browserSeen,
      enabledEvents: settings?.enabledEvents ?? [],
      enabledCustomEvents: (settings?.customEvents ?? []).filter((e) => e.enabled).map((e) => e.name),
    }),
  };
}
