// Arithmetic behind the dashboard: window boundaries, day buckets, rates and the failure alert.
// Pure so the numbers a merchant reads are pinned by unit tests.

export const RANGES = [7, 30] as const;
export type RangeDays = (typeof RANGES)[number];

/** Above this share of failed purchases in the window the dashboard raises a banner. */
export const FAILURE_ALERT_THRESHOLD = 0.05;

export interface StatusCounts {
  sent: number;
  failed: number;
  pending: number;
  skipped: number;
}

export interface WindowSummary extends StatusCounts {
  total: number;
  /** sent / (sent + failed); null when nothing was attempted. */
  successRate: number | null;
  /** failed / (everything not skipped); null when there is nothing to judge. */
  failureRate: number | null;
  failureAlert: boolean;
}

export function parseRange(value: string | null): RangeDays {
  return value === "30" ? 30 : 7;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/**
 * The window's days, oldest first, as [start, end) in UTC. The last one is today, so "7 days" means
 * today and the six days before it.
 */
export function dayBuckets(rangeDays: number, now: Date): { day: string; start: Date; end: Date }[] {
  const today = startOfUtcDay(now);
  const buckets = [];
  for (let i = rangeDays - 1; i >= 0; i--) {
    const start = new Date(today.getTime() - i * DAY_MS);
    buckets.push({ day: start.toISOString().slice(0, 10), start, end: new Date(start.getTime() + DAY_MS) });
  }
  return buckets;
}

export function windowStart(rangeDays: number, now: Date): Date {
  return dayBuckets(rangeDays, now)[0].start;
}

/** Folds the ledger's raw statuses into the four the dashboard shows ("sending" is still pending). */
export function foldStatuses(groups: readonly { status: string; count: number }[]): StatusCounts {
  const counts: StatusCounts = { sent: 0, failed: 0, pending: 0, skipped: 0 };
  for (const { status, count } of groups) {
    if (status === "sent") counts.sent += count;
    else if (status === "failed") counts.failed += count;
    else if (status === "skipped") counts.skipped += count;
    else counts.pending += count;
  }
  return counts;
}

export function summarize(counts: StatusCounts, threshold = FAILURE_ALERT_THRESHOLD): WindowSummary {
  const attempted = counts.sent + counts.failed;
  const judged = counts.sent + counts.failed + counts.pending;
  const failureRate = judged === 0 ? null : counts.failed / judged;
  return {
    ...counts,
    total: judged + counts.skipped,
    successRate: attempted === 0 ? null : counts.sent / attempted,
    failureRate,
    failureAlert: failureRate !== null && failureRate > threshold,
  };
}

export function formatPercent(rate: number | null): string {
  if (rate === null) return "–";
  const pct = rate * 100;
  // 99.96% must not read as 100% while something failed; 0.04% must not read as 0% either.
  if (pct > 0 && pct < 0.1) return "<0.1%";
  if (pct > 0 && pct < 1) return `${pct.toFixed(1)}%`;
  if (pct > 99 && pct < 100) return `${Math.min(pct, 99.9).toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}
