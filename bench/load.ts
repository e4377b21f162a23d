// HTTP load with autocannon's programmatic API, every request's latency kept so the percentiles are our own
// arithmetic on raw values rather than a histogram's.
//
// At a fixed rate, autocannon lets each connection send its whole share of a second as soon as that second
// starts, so one instance offering 200 requests/s over 100 connections really sends bursts of 100 at once
// every second, and its p99 measures the burst, not the rate. Shopify does not send webhooks like that.
// So the offered rate is split over `lanes` instances started evenly spaced within the first second: the
// same total rate arrives as small bursts spread across the second.
import autocannon, { type AutocannonRequest, type AutocannonResult } from "autocannon";

export interface LoadSpec {
  url: string;
  path: string;
  /** Builds each request: a distinct order, signed. */
  next(): { body: string; headers: Record<string, string> };
  /** Offered requests per second; omitted: closed loop, each connection sends again as soon as it is answered. */
  rate?: number;
  connections: number;
  durationS?: number;
  /** Total requests instead of a duration: the run ends when each is answered or timed out. */
  amount?: number;
  timeoutS: number;
  lanes?: number;
}

export interface LoadResult {
  answered: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  elapsedS: number;
  /** Successful answers per second of the run. */
  rps: number;
  /** Milliseconds, over successful answers. */
  p50: number;
  p99: number;
  max: number;
  /** Every answered request's latency (ms) and status, in arrival order. */
  samples: { ms: number; status: number }[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  // Every lane needs at least one connection, one request per second and one request of the amount: a
  // zero would mean "unlimited" (rate) or "use the default duration" (amount) to autocannon.
  const lanes = Math.max(1, Math.min(spec.lanes ?? (spec.rate ? 25 : 1), spec.connections, spec.rate ?? Infinity, spec.amount ?? Infinity));
  const samples: { ms: number; status: number }[] = [];
  const request: AutocannonRequest = {
    method: "POST",
    path: spec.path,
    setupRequest: (req) => {
      const { body, headers } = spec.next();
      return { ...req, body, headers };
    },
  };

  const started = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: lanes }, (_, lane) =>
      new Promise<AutocannonResult>((resolve, reject) => {
        setTimeout(() => {
          const instance = autocannon(
            {
              url: spec.url,
              connections: share(spec.connections, lanes, lane),
              overallRate: spec.rate ? share(spec.rate, lanes, lane) : undefined,
              // autocannon rejects an explicit `duration: undefined`: one or the other key, never both.
              ...(spec.amount ? { amount: share(spec.amount, lanes, lane) } : { duration: spec.durationS }),
              timeout: spec.timeoutS,
              requests: [request],
            },
            (error, result) => (error ? reject(error) : resolve(result)),
          );
          instance.on("response", (_client, statusCode, _bytes, responseTime) => {
            samples.push({ ms: responseTime, status: statusCode });
          });
        }, spec.rate ? Math.floor((1000 / lanes) * lane) : 0);
      }),
    ),
  );
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;

  const okLatencies = samples.filter((s) => s.status >= 200 && s.status < 300).map((s) => s.ms).sort((a, b) => a - b);
  const sum = (pick: (r: AutocannonResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  // A fixed-duration run is judged over its nominal duration; the lanes' staggered starts add up to a second
  // of tail that is not load.
  const runS = spec.amount ? elapsedS : (spec.durationS ?? elapsedS);
  return {
    answered: samples.length,
    ok: okLatencies.length,
    non2xx: samples.length - okLatencies.length,
    errors: sum((r) => r.errors) - sum((r) => r.timeouts),
    timeouts: sum((r) => r.timeouts),
    elapsedS,
    rps: okLatencies.length / runS,
    p50: percentile(okLatencies, 50),
    p99: percentile(okLatencies, 99),
    max: okLatencies.length ? okLatencies[okLatencies.length - 1] : Number.NaN,
    samples,
  };
}

// Splits a total over lanes as evenly as whole numbers allow.
function share(total: number, lanes: number, lane: number): number {
  return Math.floor(total / lanes) + (lane < total % lanes ? 1 : 0);
}
