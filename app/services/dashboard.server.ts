// Purchases in the last 7 or 30 days: counts per status, per day, and how often each match key was sent.
import type { Db } from "~/db.server";
import { dayBuckets, foldStatuses, summarize, type RangeDays, type StatusCounts, type WindowSummary } from "~/lib/dashboard-stats";
import { matchKeyShares, type MatchKeyShare } from "~/lib/match-keys";
import { countDeliveriesByStatus, recentSentPayloads } from "~/models/delivery-reads.server";

// Enough for a stable percentage; bounded so a shop with 100k orders a month costs the same.
export const MATCH_KEY_SAMPLE = 500;

export interface DailyPoint extends StatusCounts {
  day: string;
}

export interface Dashboard {
  rangeDays: RangeDays;
  since: string;
  summary: WindowSummary;
  daily: DailyPoint[];
  matchKeys: { sample: number; shares: MatchKeyShare[] };
}

export async function getDashboard(db: Db, opts: { shop: string; rangeDays: RangeDays; now: Date }): Promise<Dashboard> {
  const buckets = dayBuckets(opts.rangeDays, opts.now);
  // One small grouped count per day: each is an index range scan on (shop, createdAt), and the same
  // query runs unchanged on SQLite and PostgreSQL (no dialect-specific date functions).
  const [daily, payloads] = await Promise.all([
    Promise.all(
      buckets.map(async (bucket) => ({
        day: bucket.day,
        ...foldStatuses(
          await countDeliveriesByStatus(db, { shop: opts.shop, eventName: "Purchase", since: bucket.start, until: bucket.end }),
        ),
      })),
    ),
    recentSentPayloads(db, { shop: opts.shop, eventName: "Purchase", since: buckets[0].start, limit: MATCH_KEY_SAMPLE }),
  ]);

  const totals = daily.reduce<StatusCounts>(
    (sum, d) => ({
      sent: sum.sent + d.sent,
      failed: sum.failed + d.failed,
      pending: sum.pending + d.pending,
      skipped: sum.skipped + d.skipped,
    }),
    { sent: 0, failed: 0, pending: 0, skipped: 0 },
  );
  return {
    rangeDays: opts.rangeDays,
    since: buckets[0].start.toISOString(),
    summary: summarize(totals),
    daily,
    matchKeys: matchKeyShares(payloads),
  };
}
