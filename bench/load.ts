// HTTP load for the benchmark, every request's latency kept so the percentiles are our own arithmetic on
// raw values rather than a histogram's.
//
// Two shapes. `runPaced` is an open-loop generator: the offered rate is spread evenly over time (one
// request due every 1/rate s, issued at millisecond resolution), each latency runs from the moment the
// request was due, and a server that falls behind sees its queue grow as it would in production. That is
// what a fixed rate needs: autocannon's `overallRate` lets each connection send its whole share of a second
// as soon as the second starts, so its p99 measures a burst, not a rate. `runLoad` (autocannon, closed
// loop: each connection sends again as soon as it is answered) is kept for saturation, where bursts are
// the point.
import { Agent, request as httpRequest } from "node:http";
import autocannon, { type AutocannonRequest, type AutocannonResult } from "autocannon";

export interface RequestSource {
  /** Builds each request: a distinct order (signed) or storefront event; `query` is appended to the path. */
  next(): { body: string; headers: Record<string, string>; query?: string };
}

export interface LoadResult {
  /** Requests the run meant to send (paced) or sent (closed loop). */
  offered: number;
  answered: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Paced runs: what the failed requests' errors were, by code, to tell a reset from a refusal. */
  errorCodes?: Record<string, number>;
  /** Not answered before the run's deadline (paced: `timeoutS` after the last request was due). */
  timeouts: number;
  elapsedS: number;
  /** Successful answers per second of the run. */
  rps: number;
  /** Milliseconds, over successful answers. */
  p50: number;
  p99: number;
  max: number;
  /** Paced runs: how late the generator itself issued requests (p99, ms); large means the load generator was starved. */
  sendLagP99?: number;
  /** Every answered request's latency (ms) and status, in arrival order; paced runs add when it was due (s into the run). */
  samples: Sample[];
}

export interface Sample {
  ms: number;
  status: number;
  dueS?: number;
}

/**
 * Paced runs: the p99 of the 2xx answers to requests due in each second of the run, so a slow start (the
 * jump from the warm-up's rate) can be told from a slow tail spread over the run.
 */
export function p99BySecond(result: LoadResult): number[] {
  const seconds: number[][] = [];
  for (const s of result.samples) {
    if (s.dueS === undefined || s.status < 200 || s.status >= 300) continue;
    (seconds[Math.floor(s.dueS)] ??= []).push(s.ms);
  }
  return Array.from(seconds, (latencies) =>
    latencies
      ? percentile(
          latencies.sort((a, b) => a - b),
          99,
        )
      : Number.NaN,
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function summarise(
  samples: Sample[],
  extra: Omit<LoadResult, "answered" | "ok" | "non2xx" | "rps" | "p50" | "p99" | "max" | "samples">,
  runS: number,
): LoadResult {
  const okLatencies = samples
    .filter((s) => s.status >= 200 && s.status < 300)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  return {
    ...extra,
    answered: samples.length,
    ok: okLatencies.length,
    non2xx: samples.length - okLatencies.length,
    rps: okLatencies.length / runS,
    p50: percentile(okLatencies, 50),
    p99: percentile(okLatencies, 99),
    max: okLatencies.length ? okLatencies[okLatencies.length - 1] : Number.NaN,
    samples,
  };
}

export interface PacedSpec extends RequestSource {
  url: string;
  path: string;
  /** Requests per second, one due every 1000/rate ms. */
  rate: number;
  durationS: number;
  /**
   * Requests in flight at most (one keep-alive socket each). A request due while all are busy waits in our
   * queue, and that wait is part of its latency, as it would be for a sender whose connections are full.
   */
  maxInFlight: number;
  /** What is not answered this long after the last request was due is cut off and counted as timed out. */
  timeoutS: number;
}

export async function runPaced(spec: PacedSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  // Idle sockets are closed after 4 s, before Node's server closes its side at 5 s (keepAliveTimeout): a
  // request sent on a socket the server is closing fails with a reset, which would count against the
  // server. After a queue (the cold start) the generator holds hundreds of sockets it no longer needs.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.maxInFlight, maxFreeSockets: spec.maxInFlight, timeout: 4_000 });
  const errorCodes = new Map<string, number>();
  const total = Math.max(1, Math.round(spec.rate * spec.durationS));
  const intervalMs = 1000 / spec.rate;
  const samples: Sample[] = [];
  const lags: number[] = [];
  const waiting: number[] = [];
  const inFlight = new Set<{ destroy(): void }>();
  let due = 0;
  let errors = 0;
  let timeouts = 0;
  let cut = false;
  const started = performance.now();

  await new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished || due < total || waiting.length > 0 || inFlight.size > 0) return;
      finished = true;
      clearTimeout(deadline);
      resolve();
    };
    const send = (dueAt: number) => {
      const { body, headers, query } = spec.next();
      let settled = false;
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: spec.path + (query ?? ""),
          method: "POST",
          agent,
          headers: { ...headers, "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (settled) return;
            settled = true;
            samples.push({ ms: performance.now() - dueAt, status: res.statusCode ?? 0, dueS: (dueAt - started) / 1000 });
            inFlight.delete(req);
            pump();
          });
        },
      );
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        if (cut) timeouts++;
        else {
          errors++;
          const code = error.code ?? error.message;
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
        }
        inFlight.delete(req);
        pump();
      });
      inFlight.add(req);
      req.end(body);
    };
    const pump = () => {
      while (!cut && waiting.length > 0 && inFlight.size < spec.maxInFlight) send(waiting.shift()!);
      finish();
    };
    const tick = () => {
      const now = performance.now();
      while (due < total && started + due * intervalMs <= now) {
        const dueAt = started + due * intervalMs;
        lags.push(now - dueAt);
        waiting.push(dueAt);
        due++;
      }
      pump();
      if (due < total) setTimeout(tick, Math.max(0, started + due * intervalMs - performance.now()));
    };
    // The deadline: what is still queued or in flight then has missed it.
    const deadline = setTimeout(
      () => {
        cut = true;
        timeouts += waiting.length + (total - due);
        waiting.length = 0;
        due = total;
        for (const req of [...inFlight]) req.destroy();
        finish();
      },
      (spec.durationS + spec.timeoutS) * 1000,
    );
    tick();
  });
  agent.destroy();
  const elapsedS = (performance.now() - started) / 1000;
  lags.sort((a, b) => a - b);
  // Judged over the run's nominal duration unless the answers took longer to come.
  return summarise(
    samples,
    { offered: total, errors, errorCodes: Object.fromEntries(errorCodes), timeouts, elapsedS, sendLagP99: percentile(lags, 99) },
    Math.max(spec.durationS, elapsedS),
  );
}

export interface ClosedLoopSpec extends RequestSource {
  url: string;
  path: string;
  /** Each connection sends again as soon as it is answered. */
  connections: number;
  durationS: number;
  timeoutS: number;
}

export async function runLoad(spec: ClosedLoopSpec): Promise<LoadResult> {
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
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: spec.durationS, timeout: spec.timeoutS, requests: [request] },
      (error, r) => (error ? reject(error) : resolve(r)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      samples.push({ ms: responseTime, status: statusCode });
    });
  });
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  return summarise(
    samples,
    { offered: samples.length + result.errors, errors: result.errors - result.timeouts, timeouts: result.timeouts, elapsedS },
    spec.durationS,
  );
}
