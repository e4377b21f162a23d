/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so a crowd of rows that
 * failed together (Meta down) spreads out when it comes back instead of arriving as one spike.
 */
export function retryDelayMs(
  attempts: number,
  opts: { baseMs: number; maxMs: number; retryAfterMs?: number | null },
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempts - 1);
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(exponent, 30));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.max(jittered, opts.retryAfterMs ?? 0));
}

export const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;
// Meta rejects a whole request when any event in it is older than 7 days; leave room for the request
// itself, and for clock skew between us and Meta.
export const STALE_MARGIN_MS = 10 * 60 * 1000;

export function isTooOldForMeta(eventTime: Date, now: Date): boolean {
  return now.getTime() - eventTime.getTime() > SEVEN_DAYS_MS - STALE_MARGIN_MS;
}
