// `npm run bench [-- --quick]`: this app against a floor and the naive design, measured side by side in one
// run on this machine, printed as one table and written to bench/RESULTS.md. A benchmark, not a test: it
// asserts nothing, it reports what it measured, with the targets beside the figures, failing or not.
//
// Everything runs as real processes on loopback: the server and workers exactly as `npm start` and
// `npm run worker` run them (with whatever WEB_CONCURRENCY and DELIVERY_CONCURRENCY the tree supports), the
// floor (bench/floor-server.ts: node:http, HMAC, one insert, no framework), the naive baseline
// (bench/naive-server.ts), and the stand-in Meta (dev/fake-meta/serve.ts) answering after a realistic delay,
// in its own process so its work does not disturb the load generator's clock.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDb, type Db } from "~/db.server";
import { ROOT, startApp, startProcess, type AppProcess } from "../scripts/lib/app-process";
import { ensureBuild } from "../scripts/lib/ensure-build";
import { ensureChromium } from "../scripts/lib/ensure-chromium.mjs";
import { localAppEnv } from "../scripts/lib/local-app-env";
import { APP_NODE_FLAGS } from "../scripts/lib/node-flags.mjs";
import { createScratchDatabase, DEFAULT_POSTGRES_ADMIN_URL, postgresReachable, type DatabaseKind } from "../scripts/lib/scratch-db";
import { p99BySecond, runLoad, runPaced, type LoadResult, type RequestSource } from "./load";
import { processPeaks, type ProcessPeaks } from "./memory";
import { beaconSource, insertPendingRows, orderSource, pendingRows } from "./orders";
import { waitUntilAllSent } from "./wait-sent";
import { sendOnePerEvent } from "./per-event-sender";
import { startStandInMeta, type StandInMeta } from "./stand-in-meta";
import { bytes, megabytes, ms, percent, perSecond, ratio, renderTable, type Row } from "./report";
import { measureStorefront, type StorefrontFigures } from "./storefront";
import { envFlags } from "./env-flags";
import { connectBenchShop } from "./bench-shop";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "batch-size": { type: "string" },
    "web-concurrency": { type: "string" },
    "delivery-concurrency": { type: "string" },
    // KEY=VALUE for the app's processes (not the floor's), to try a setting; such a run leaves RESULTS.md alone.
    env: { type: "string", multiple: true },
    // sqlite or postgresql: the ingest and delivery sections on that database only (and no naive baseline).
    db: { type: "string" },
  },
  strict: true,
});
const QUICK = flags.quick!;
// For working on one section; a partial run prints its figures but leaves bench/RESULTS.md alone.
const SECTIONS = ["ingest", "delivery", "storefront"] as const;
const ONLY = flags.only?.split(",") ?? [...SECTIONS];
if (ONLY.some((s) => !(SECTIONS as readonly string[]).includes(s))) {
  console.error(`--only takes a comma-separated list of ${SECTIONS.join(", ")}`);
  process.exit(2);
}
const runs = (section: (typeof SECTIONS)[number]) => ONLY.includes(section);
if (flags.db !== undefined && flags.db !== "sqlite" && flags.db !== "postgresql") {
  console.error("--db takes sqlite or postgresql");
  process.exit(2);
}
const onDb = (kind: DatabaseKind) => flags.db === undefined || flags.db === kind;
const wholeNumber = (flag: string, value: string | undefined, fallback: number, min: number, max: number): number => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${flag} must be a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
};
// The shipped default unless told otherwise (to compare batch sizes).
const BATCH_SIZE = wholeNumber("batch-size", flags["batch-size"], 1000, 2, 1000);

// What the tree supports is read from its environment schema, so the benchmark measures whatever the tree
// holds: a variable the app does not know is neither passed nor claimed in the table.
const ENV_SOURCE = readFileSync(join(ROOT, "app/env.server.ts"), "utf8");
const envDefault = (name: string): number | null => {
  if (!new RegExp(`\\b${name}\\b`).test(ENV_SOURCE)) return null;
  const match = new RegExp(`${name}\\s*:\\s*integer\\(\\s*([0-9_]+)`).exec(ENV_SOURCE);
  return match ? Number(match[1].replaceAll("_", "")) : 1;
};
const WEB_CONCURRENCY_DEFAULT = envDefault("WEB_CONCURRENCY");
const DELIVERY_CONCURRENCY_DEFAULT = envDefault("DELIVERY_CONCURRENCY");
/** Web processes on PostgreSQL: one per core of this 2-core target, if the app can fork them. */
const PG_WEB_PROCESSES = WEB_CONCURRENCY_DEFAULT === null ? 1 : wholeNumber("web-concurrency", flags["web-concurrency"], 2, 1, 64);
/** Requests to Meta in flight per worker. */
const DELIVERY_IN_FLIGHT =
  DELIVERY_CONCURRENCY_DEFAULT === null
    ? 1
    : wholeNumber("delivery-concurrency", flags["delivery-concurrency"], DELIVERY_CONCURRENCY_DEFAULT, 1, 64);
if (WEB_CONCURRENCY_DEFAULT === null && flags["web-concurrency"])
  console.error("This tree has no WEB_CONCURRENCY: --web-concurrency is ignored.");
if (DELIVERY_CONCURRENCY_DEFAULT === null && flags["delivery-concurrency"])
  console.error("This tree has no DELIVERY_CONCURRENCY: --delivery-concurrency is ignored.");

const PLAN = QUICK
  ? {
      warmS: 1,
      coldS: 2,
      rateS: 5,
      saturationS: 4,
      beaconS: 4,
      sturdyRequests: 20,
      deliveryRows: { sqlite: 3_000, postgresql: 6_000 },
      baselineWindowS: 4,
      pageLoads: 5,
    }
  : {
      warmS: 2,
      coldS: 3,
      rateS: 12,
      saturationS: 8,
      beaconS: 8,
      sturdyRequests: 40,
      deliveryRows: { sqlite: 10_000, postgresql: 30_000 },
      baselineWindowS: 8,
      pageLoads: 15,
    };
const WEBHOOK_RATE = 1_000;
// Issue 13's target is 2,000 storefront events/s; the embed batches a page's events, two per body here.
const EVENTS_PER_BEACON = 2;
const BEACON_RATE = 1_000;
const BEACON_EVENT_RATE = BEACON_RATE * EVENTS_PER_BEACON;
/** Paced runs: sockets open at most; the naive design needs about rate × Meta's latency of them. */
const MAX_IN_FLIGHT = 512;
const SATURATION_CONNECTIONS = 100;
const BASELINE_IN_FLIGHT = 50;
const META_LATENCY_MS: [number, number] = [150, 400];
const SHOPIFY_TIMEOUT_MS = 5_000;
const SLOW_META_MS = 6_000;
const TARGET_P99_MS = 50;
const TARGET_FLOOR_SHARE = 0.5;
const TARGET_DELIVERY_PER_S = 5_000;
const TARGET_SERVER_MB = 300;
const TARGET_WORKER_MB = 250;
const TARGET_GZIP_BYTES = 5_000;
const MB = 1024 * 1024;
const PG_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_ADMIN_URL;

const SHOP = "bench-shop.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "b".repeat(60);

const log = (line: string) => console.log(line);
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    log("\nInterrupted: stopping what the benchmark started…");
    await cleanup();
    process.exit(130);
  });
}

/** Polls until `check` holds; on timeout, fails with the last error the given processes logged. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs: number, procs: AppProcess[] = []): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) {
      const logged = procs.map(lastLoggedError).find(Boolean);
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}${logged ? `; the process logged: ${logged}` : ""}`);
    }
    await sleep(20);
  }
}

// The app logs pino JSON lines; the last error-level one usually says why nothing moves.
function lastLoggedError(proc: AppProcess): string | null {
  for (const line of proc.output().trim().split("\n").reverse()) {
    try {
      const record = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((record.level ?? 0) >= 50) return `${record.msg ?? "error"}: ${(record.err?.message ?? "").replace(/\s+/g, " ").trim()}`;
    } catch {
      // Not a log record.
    }
  }
  return null;
}

const sleep = (milliseconds: number) => new Promise((r) => setTimeout(r, milliseconds));
// The proxy's per-shop limit is for one real shop's traffic; the bench sends one shop's load far past it.
const local = localAppEnv({ LOG_LEVEL: "info", PROXY_SHOP_RATE: "1000000", PROXY_SHOP_BURST: "1000000" });
const APP_ENV_OVERRIDES = envFlags(flags.env);

type Meta = StandInMeta;

async function startMeta(): Promise<Meta> {
  const meta = await startStandInMeta({ latencyMs: META_LATENCY_MS, pixelId: PIXEL, token: TOKEN });
  cleanups.push(() => meta.process.stop());
  return meta;
}

async function scratch(kind: DatabaseKind): Promise<{ url: string; db: Db; done(): Promise<void> }> {
  const database = await createScratchDatabase(kind, {
    adminUrl: PG_ADMIN_URL,
    prefix: kind === "postgresql" ? "capi_bench" : "capi-bench",
    adminUrlHint: "BENCH_POSTGRES_URL",
  });
  const db = openDb(database.url);
  let closed = false;
  const done = async () => {
    if (closed) return;
    closed = true;
    await db.$disconnect();
    await database.cleanup();
  };
  cleanups.push(done);
  return { url: database.url, db, done };
}

async function connect(db: Db, shop = SHOP): Promise<void> {
  await connectBenchShop(db, { encryptionKey: local.encryptionKey, shop, pixelId: PIXEL, accessToken: TOKEN });
}

async function stopAll(procs: AppProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop("SIGTERM")));
}

// ───────────────────────────── ingest: webhooks and storefront beacons ─────────────────────────────

interface ServerFigures {
  /** Web processes serving. */
  processes: number;
  /** The first seconds at the full rate, straight after the warm-up: a fresh process compiling its hot path. */
  cold: LoadResult;
  rate: LoadResult;
  saturation: LoadResult;
  beacons?: LoadResult;
  slow?: LoadResult;
  outage?: LoadResult;
  /** Seconds from the end of the webhook load until Meta had every order (this app only). */
  drainedAfterS?: number;
  /** Every order in the ledger reached Meta exactly once (this app only). */
  deliveredOnce?: boolean;
  memory: { server: ProcessPeaks | null; worker?: ProcessPeaks | null };
}

const WEBHOOK_PATH = "/webhooks/orders/paid";
const BEACON_PATH = "/proxy/events";

async function loadPhases(
  url: string,
  orders: RequestSource,
  meta: Meta,
  opts: { beacons: boolean; sturdiness: boolean; afterWebhooks?: () => Promise<void> },
): Promise<Omit<ServerFigures, "memory" | "processes">> {
  const paced = (source: RequestSource, path: string, rate: number, durationS: number, timeoutS = SHOPIFY_TIMEOUT_MS / 1000) =>
    runPaced({ url, path, next: () => source.next(), rate, durationS, maxInFlight: MAX_IN_FLIGHT, timeoutS });
  // Warm-up: JIT, connection pools, page cache. Not measured.
  await paced(orders, WEBHOOK_PATH, 200, PLAN.warmS);
  // The jump to the full rate: a process this fresh is still compiling its hot path (V8 optimises a function
  // after enough calls, on a helper thread that shares the two cores), so its first seconds are measured and
  // reported apart, and the target is judged on the steady state that follows without a pause.
  log(`    orders/paid, cold start: ${WEBHOOK_RATE.toLocaleString("en-US")} requests/s for the first ${PLAN.coldS} s…`);
  const cold = await paced(orders, WEBHOOK_PATH, WEBHOOK_RATE, PLAN.coldS);
  log(`      ${describe(cold)}`);
  log(`      p99 by second: ${p99BySecond(cold).map(ms).join(", ")}`);
  log(`    orders/paid: ${WEBHOOK_RATE.toLocaleString("en-US")} requests/s offered, evenly paced, for ${PLAN.rateS} s…`);
  const rate = await paced(orders, WEBHOOK_PATH, WEBHOOK_RATE, PLAN.rateS);
  log(`      ${describe(rate)}`);
  log(`      p99 by second: ${p99BySecond(rate).map(ms).join(", ")}`);
  await settle(url);
  log(
    `    orders/paid saturation: ${SATURATION_CONNECTIONS} connections, each sending again as soon as answered, for ${PLAN.saturationS} s…`,
  );
  const saturation = await runLoad({
    url,
    path: WEBHOOK_PATH,
    next: () => orders.next(),
    connections: SATURATION_CONNECTIONS,
    durationS: PLAN.saturationS,
    timeoutS: 10,
  });
  log(`      ${describe(saturation)}`);
  await settle(url);
  await opts.afterWebhooks?.();

  let beacons: LoadResult | undefined;
  if (opts.beacons) {
    const source = beaconSource({ shop: SHOP, secret: local.apiSecret });
    await paced(source, BEACON_PATH, 200, 1);
    log(
      `    storefront events through the app proxy: ${BEACON_RATE.toLocaleString("en-US")} requests/s of two events (${BEACON_EVENT_RATE.toLocaleString("en-US")} events/s) offered, evenly paced, for ${PLAN.beaconS} s…`,
    );
    beacons = await paced(source, BEACON_PATH, BEACON_RATE, PLAN.beaconS);
    log(`      ${describe(beacons)}`);
    log(`      p99 by second: ${p99BySecond(beacons).map(ms).join(", ")}`);
    await settle(url);
  }

  let slow: LoadResult | undefined;
  let outage: LoadResult | undefined;
  if (opts.sturdiness) {
    const sturdy = () => paced(orders, WEBHOOK_PATH, 10, PLAN.sturdyRequests / 10, 15);
    log(`    Meta slow (answers after ${SLOW_META_MS / 1000} s): ${PLAN.sturdyRequests} webhooks at 10/s…`);
    await meta.behave({ kind: "slow", ms: SLOW_META_MS });
    slow = await sturdy();
    log(`    Meta down (HTTP 503): ${PLAN.sturdyRequests} webhooks at 10/s…`);
    await meta.behave({ kind: "outage" });
    outage = await sturdy();
    await meta.behave({ kind: "normal", latencyMs: META_LATENCY_MS });
  }
  return { cold, rate, saturation, beacons, slow, outage };
}

function describe(r: LoadResult): string {
  const failed = r.non2xx + r.errors + r.timeouts;
  const lag = r.sendLagP99 !== undefined && r.sendLagP99 > 5 ? `; the generator issued requests up to ${ms(r.sendLagP99)} late (p99)` : "";
  const codes = Object.entries(r.errorCodes ?? {}).map(([code, n]) => `${n} ${code}`);
  return `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${perSecond(r.rps, "req")} answered 2xx${failed ? ` (${failed} of ${r.offered.toLocaleString("en-US")} not: ${r.non2xx} non-2xx, ${r.errors} errors${codes.length ? ` [${codes.join(", ")}]` : ""}, ${r.timeouts} unanswered in time)` : ""}${lag}`;
}

// An overloaded server is still working through requests its callers gave up on; the next phase must not
// be measured behind that backlog. Settled: a GET answers (any status) within 100 ms.
async function settle(url: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const started = performance.now();
    try {
      await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) })).arrayBuffer();
    } catch {
      // Still swamped; try again.
    }
    if (performance.now() - started < 100) return;
    await sleep(200);
  }
  log("    (the server was still busy 60 s after the phase ended)");
}

async function waitForDrain(
  db: Db,
  meta: Meta,
  metaBefore: number,
  procs: AppProcess[],
): Promise<{ drainedAfterS: number; deliveredOnce: boolean }> {
  const started = performance.now();
  const rows = await db.delivery.count();
  const unsent = () => db.delivery.count({ where: { status: { in: ["pending", "sending"] } } });
  // The stand-in's counter first, which costs the database nothing (bench/wait-sent.ts says why), with the
  // ledger read once a second: a row that failed or was skipped never reaches Meta, and the run must still
  // end and report "each exactly once: no" rather than time out. Then the ledger, for the moment its last
  // answers are recorded.
  let ledgerReadAt = 0;
  await until(
    async () => {
      if ((await meta.counters()).serverEvents - metaBefore >= rows) return true;
      if (performance.now() - ledgerReadAt < 1_000) return false;
      ledgerReadAt = performance.now();
      return (await unsent()) === 0;
    },
    "Meta to receive every order",
    180_000,
    procs,
  );
  await until(async () => (await unsent()) === 0, "the ledger to drain after the load", 30_000, procs);
  const drainedAfterS = (performance.now() - started) / 1000;
  const sent = await db.delivery.count({ where: { status: "sent" } });
  const received = (await meta.counters()).serverEvents - metaBefore;
  return { drainedAfterS, deliveredOnce: rows === sent && received === rows };
}

async function ingestApp(kind: DatabaseKind, meta: Meta, firstId: bigint): Promise<ServerFigures> {
  const { url: databaseUrl, db, done } = await scratch(kind);
  await connect(db);
  const env: Record<string, string> = { ...local.env, DATABASE_URL: databaseUrl, META_GRAPH_API_URL: meta.graphUrl };
  if (DELIVERY_CONCURRENCY_DEFAULT !== null) env.DELIVERY_CONCURRENCY = String(DELIVERY_IN_FLIGHT);
  Object.assign(env, APP_ENV_OVERRIDES);
  let server: AppProcess;
  let workers: AppProcess[] = [];
  let processes = 1;
  if (kind === "sqlite") {
    // The embedded default exactly as `npm start` runs it: one process, worker inside.
    server = await startApp("server", env);
  } else {
    // The scale-out mode as the README describes it: web processes without a worker, two worker processes.
    const web: Record<string, string> = { ...env, WORKER_MODE: "external" };
    if (WEB_CONCURRENCY_DEFAULT !== null) web.WEB_CONCURRENCY = String(PG_WEB_PROCESSES);
    processes = PG_WEB_PROCESSES;
    server = await startApp("server", web);
    workers = await Promise.all([startApp("worker", env), startApp("worker", env)]);
  }
  cleanups.push(() => stopAll([server, ...workers]));
  const metaBefore = (await meta.counters()).serverEvents;
  const drain: { drainedAfterS?: number; deliveredOnce?: boolean } = {};
  const phases = await loadPhases(server.url, orderSource({ shop: SHOP, secret: local.apiSecret, firstId }), meta, {
    beacons: true,
    sturdiness: kind === "sqlite",
    afterWebhooks: async () => {
      Object.assign(drain, await waitForDrain(db, meta, metaBefore, [server, ...workers]));
      log(
        `    every order reached Meta ${drain.drainedAfterS!.toFixed(1)} s after the load ended; each exactly once: ${drain.deliveredOnce ? "yes" : "NO"}`,
      );
    },
  });
  const memory = {
    server: processPeaks(server.child.pid),
    worker: workers.length ? largestOf(workers.map((w) => processPeaks(w.child.pid))) : undefined,
  };
  await stopAll([server, ...workers]);
  await done();
  return { processes, ...phases, ...drain, memory };
}

// The floor and the naive server run compiled, as the app's entries are (scripts/build-entries.mjs): under
// tsx each would carry the loader's memory and start-up the app no longer has.
const compiledBaselines = { floor: "build/bench-floor-server.mjs", naive: "build/bench-naive-server.mjs" };
function compileBaselines(): void {
  const result = spawnSync(
    process.execPath,
    ["scripts/build-entries.mjs", "bench-floor-server=bench/floor-server.ts", "bench-naive-server=bench/naive-server.ts"],
    { cwd: ROOT, stdio: "inherit" },
  );
  if (result.status !== 0) throw new Error("compiling the floor and naive servers failed");
}

async function ingestFloor(kind: DatabaseKind, processes: number, firstId: bigint, meta: Meta): Promise<ServerFigures> {
  const { url: databaseUrl, db, done } = await scratch(kind);
  await connect(db);
  const server = await startProcess(
    compiledBaselines.floor,
    {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_SECRET: local.apiSecret,
      FLOOR_PROCESSES: String(processes),
    },
    { readyText: "floor server listening", name: "floor server" },
  );
  cleanups.push(() => server.stop());
  const phases = await loadPhases(server.url, orderSource({ shop: SHOP, secret: local.apiSecret, firstId }), meta, {
    beacons: true,
    sturdiness: false,
  });
  const memory = { server: processPeaks(server.child.pid) };
  await server.stop();
  await done();
  return { processes, ...phases, memory };
}

async function ingestNaive(meta: Meta, firstId: bigint): Promise<ServerFigures> {
  const server = await startProcess(
    compiledBaselines.naive,
    {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      SHOPIFY_API_SECRET: local.apiSecret,
      META_GRAPH_API_URL: meta.graphUrl,
      PIXEL_ID: PIXEL,
      META_ACCESS_TOKEN: TOKEN,
    },
    { readyText: "naive server listening", name: "naive server" },
  );
  cleanups.push(() => server.stop());
  const phases = await loadPhases(server.url, orderSource({ shop: SHOP, secret: local.apiSecret, firstId }), meta, {
    beacons: false,
    sturdiness: true,
  });
  const memory = { server: processPeaks(server.child.pid) };
  await server.stop();
  return { processes: 1, ...phases, memory };
}

function largestOf(peaks: (ProcessPeaks | null)[]): ProcessPeaks | null {
  const known = peaks.filter((p): p is ProcessPeaks => p !== null);
  return known.length ? known.reduce((a, b) => (b.largest > a.largest ? b : a)) : null;
}

// ───────────────────────────── delivery ─────────────────────────────

interface DeliveryFigures {
  workers: number;
  rows: number;
  /** Why the batched run did not finish, when it did not. */
  error?: string;
  batched: { events: number; seconds: number; perSecond: number; requests: number };
  /** The worker itself at DELIVERY_BATCH_SIZE=1, same workers and in-flight requests as the batched run. */
  workerPerEvent: { events: number; seconds: number; perSecond: number };
  /** bench/per-event-sender.ts with BASELINE_IN_FLIGHT requests open. */
  senderPerEvent: { events: number; seconds: number; perSecond: number };
  deliveredOnce: boolean;
  workerPeak: ProcessPeaks | null;
}

async function measureDelivery(kind: DatabaseKind, workerCount: number, meta: Meta, firstId: bigint): Promise<DeliveryFigures> {
  const { url: databaseUrl, db, done } = await scratch(kind);
  const now = new Date();
  const rowCount = PLAN.deliveryRows[kind];
  // Short polling, so an idle worker notices the connected shop at once; a full batch never waits for it.
  const env: Record<string, string> = {
    ...local.env,
    DATABASE_URL: databaseUrl,
    META_GRAPH_API_URL: meta.graphUrl,
    DELIVERY_POLL_MS: "50",
  };
  if (DELIVERY_CONCURRENCY_DEFAULT !== null) env.DELIVERY_CONCURRENCY = String(DELIVERY_IN_FLIGHT);
  Object.assign(env, APP_ENV_OVERRIDES);
  const startWorkers = (batchSize: number) =>
    Promise.all(Array.from({ length: workerCount }, () => startApp("worker", { ...env, DELIVERY_BATCH_SIZE: String(batchSize) })));

  // The rows wait for a shop that is not connected yet, so the clock starts when the workers can take
  // them, not when the processes happen to finish booting.
  const shopA = "batched-shop.myshopify.com";
  await insertPendingRows(db, pendingRows({ shop: shopA, pixelId: PIXEL, count: rowCount, firstId, now }));
  let workers = await startWorkers(BATCH_SIZE);
  cleanups.push(() => stopAll(workers));
  const metaBefore = await meta.counters();
  let started = performance.now();
  await connect(db, shopA);
  let error: string | undefined;
  try {
    await waitUntilAllSent({
      db,
      shop: shopA,
      rowCount,
      meta,
      eventsBefore: metaBefore.serverEvents,
      timeoutMs: 90_000,
      lastError: () => workers.map(lastLoggedError).find(Boolean) ?? null,
    });
  } catch (failure) {
    // Reported in the table as a failed target; the rest of the benchmark still runs.
    error = failure instanceof Error ? failure.message : String(failure);
    log(`    ${error}`);
  }
  const batchedS = (performance.now() - started) / 1000;
  const metaAfter = await meta.counters();
  const received = metaAfter.serverEvents - metaBefore.serverEvents;
  const workerPeak = largestOf(workers.map((w) => processPeaks(w.child.pid)));
  await stopAll(workers);
  // An unfinished run leaves due rows that are older than the baselines', and they would be sent first.
  if (error) await db.delivery.deleteMany({ where: { shop: shopA, status: { not: "sent" } } });
  log(
    `    batched: ${error ? "did not finish" : `${perSecond(rowCount / batchedS, "events")}, ${(metaAfter.serverRequests - metaBefore.serverRequests).toLocaleString("en-US")} requests`}`,
  );

  // Baseline 1: the same worker, ledger and Meta, one event per request, with the same workers and the
  // same requests in flight as the batched run: more rows than it can send in the window.
  const shopB = "per-event-shop.myshopify.com";
  const inFlight = workerCount * DELIVERY_IN_FLIGHT;
  await insertPendingRows(
    db,
    pendingRows({
      shop: shopB,
      pixelId: PIXEL,
      count: Math.ceil(PLAN.baselineWindowS * inFlight * 10) + 100,
      firstId: firstId + 1_000_000n,
      now,
    }),
  );
  workers = await startWorkers(1);
  started = performance.now();
  await connect(db, shopB);
  await sleep(PLAN.baselineWindowS * 1000);
  const workerSent = await db.delivery.count({ where: { shop: shopB, status: "sent" } });
  const workerS = (performance.now() - started) / 1000;
  await stopAll(workers);
  log(`    the worker at batch size 1, ${inFlight} in flight: ${perSecond(workerSent / workerS, "events")}`);

  // Baseline 2: one request per event as a sender with many requests open would do it.
  const shopC = "per-event-sender-shop.myshopify.com";
  await insertPendingRows(
    db,
    pendingRows({
      shop: shopC,
      pixelId: PIXEL,
      count: Math.ceil(PLAN.baselineWindowS * BASELINE_IN_FLIGHT * 8) + 100,
      firstId: firstId + 2_000_000n,
      now,
    }),
  );
  const sender = await sendOnePerEvent({
    db,
    graphUrl: meta.graphUrl,
    pixelId: PIXEL,
    accessToken: TOKEN,
    shop: shopC,
    inFlight: BASELINE_IN_FLIGHT,
    windowS: PLAN.baselineWindowS,
  });
  log(`    one request per event, ${BASELINE_IN_FLIGHT} in flight: ${perSecond(sender.sent / sender.seconds, "events")}`);
  await done();

  return {
    workers: workerCount,
    rows: rowCount,
    error,
    batched: {
      events: rowCount,
      seconds: batchedS,
      perSecond: error ? Number.NaN : rowCount / batchedS,
      requests: metaAfter.serverRequests - metaBefore.serverRequests,
    },
    workerPerEvent: { events: workerSent, seconds: workerS, perSecond: workerSent / workerS },
    senderPerEvent: { events: sender.sent, seconds: sender.seconds, perSecond: sender.sent / sender.seconds },
    deliveredOnce: !error && received === rowCount,
    workerPeak,
  };
}

// ───────────────────────────── run ─────────────────────────────

// The production build is what the server serves: one older than app/ would measure yesterday's code.
function rebuildIfStale(): void {
  const built = (() => {
    try {
      return statSync(join(ROOT, "build/server/index.js")).mtimeMs;
    } catch {
      return null;
    }
  })();
  if (built === null) return; // ensureBuild builds it.
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (Math.max(newest(join(ROOT, "app")), statSync(join(ROOT, "vite.config.ts")).mtimeMs) <= built) return;
  log("build/ is older than app/: running `npm run build` so the benchmark measures the tree as it is…");
  const result = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error("`npm run build` failed; see its output above");
}

async function main() {
  const began = performance.now();
  const loadBefore = loadavg();
  log(`Benchmark (${QUICK ? "quick" : "full"} run): this app against a floor and the naive design, on this machine.\n`);
  ensureBuild(log);
  rebuildIfStale();
  compileBaselines();
  ensureChromium(log);
  const withPostgres = await postgresReachable(PG_ADMIN_URL);
  if (!withPostgres)
    log(`PostgreSQL is not reachable at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, "//…@")}: its rows are skipped (set BENCH_POSTGRES_URL).\n`);
  log(
    `Tree: WEB_CONCURRENCY ${WEB_CONCURRENCY_DEFAULT === null ? "not supported (one web process)" : `supported, ${PG_WEB_PROCESSES} on PostgreSQL`}; ` +
      `DELIVERY_CONCURRENCY ${DELIVERY_CONCURRENCY_DEFAULT === null ? "not supported (one request in flight per worker)" : `supported, ${DELIVERY_IN_FLIGHT} per worker`}.\n`,
  );

  log(`▸ stand-in Meta, answering after ${META_LATENCY_MS[0]}–${META_LATENCY_MS[1]} ms`);
  const meta = await startMeta();

  const ingest: Ingest = { sqlite: null, sqliteFloor: null, pg: null, pgFloor: null, naive: null };
  if (runs("ingest")) {
    if (onDb("sqlite")) {
      log("▸ ingest: this app on SQLite (the embedded default, worker in the server process)");
      ingest.sqlite = await ingestApp("sqlite", meta, 820982911900000000n);
      log("▸ ingest: the floor on SQLite (node:http, HMAC, one insert)");
      ingest.sqliteFloor = await ingestFloor("sqlite", 1, 820982911905000000n, meta);
    }
    if (withPostgres && onDb("postgresql")) {
      log(`▸ ingest: this app on PostgreSQL (${PG_WEB_PROCESSES} web process${PG_WEB_PROCESSES > 1 ? "es" : ""} + two worker processes)`);
      ingest.pg = await ingestApp("postgresql", meta, 820982911910000000n);
      log(`▸ ingest: the floor on PostgreSQL (${PG_WEB_PROCESSES} process${PG_WEB_PROCESSES > 1 ? "es" : ""})`);
      ingest.pgFloor = await ingestFloor("postgresql", PG_WEB_PROCESSES, 820982911915000000n, meta);
    }
    if (flags.db === undefined) {
      log("▸ ingest: naive baseline (calls Meta inside the webhook request)");
      ingest.naive = await ingestNaive(meta, 820982911920000000n);
    }
  }

  let sqliteDelivery: DeliveryFigures | null = null;
  let pgDelivery: DeliveryFigures | null = null;
  if (runs("delivery") && onDb("sqlite")) {
    log(
      `▸ delivery on SQLite: ${PLAN.deliveryRows.sqlite.toLocaleString("en-US")} pending rows, one worker, batches of up to ${BATCH_SIZE}, against one request per event`,
    );
    sqliteDelivery = await measureDelivery("sqlite", 1, meta, 820982911930000000n);
  }
  if (runs("delivery") && withPostgres && onDb("postgresql")) {
    log(
      `▸ delivery on PostgreSQL: ${PLAN.deliveryRows.postgresql.toLocaleString("en-US")} pending rows, two worker processes, against one request per event`,
    );
    pgDelivery = await measureDelivery("postgresql", 2, meta, 820982911940000000n);
  }

  let storefront: StorefrontFigures | null = null;
  if (runs("storefront")) {
    log("▸ storefront cost of the theme app embed");
    storefront = await measureStorefront({ pageLoads: PLAN.pageLoads, log });
  }

  await cleanup();
  const tookS = (performance.now() - began) / 1000;
  const report = buildReport({ ingest, sqliteDelivery, pgDelivery, storefront, tookS, withPostgres, loadBefore });
  log(`\n${report.console}`);
  if (ONLY.length === SECTIONS.length && BATCH_SIZE === 1000 && Object.keys(APP_ENV_OVERRIDES).length === 0 && flags.db === undefined) {
    writeFileSync(join(ROOT, "bench/RESULTS.md"), report.markdown);
    log("\nWritten to bench/RESULTS.md.");
    // The README's headline is this run's, written from the same figures, so the two cannot disagree.
    log(
      writeReadmeHeadline(report.headline)
        ? "The README's headline (section Measured) now carries the same figures."
        : "README.md has no headline markers: its figures were left alone.",
    );
  }
  log(`Reproduce: ${REPRODUCE}.`);
}

const HEADLINE_START = "<!-- bench:headline:start (written by npm run bench from bench/RESULTS.md's figures) -->";
const HEADLINE_END = "<!-- bench:headline:end -->";

function writeReadmeHeadline(headline: string): boolean {
  const path = join(ROOT, "README.md");
  const readme = readFileSync(path, "utf8");
  const start = readme.indexOf(HEADLINE_START);
  const end = readme.indexOf(HEADLINE_END);
  if (start === -1 || end < start) return false;
  writeFileSync(path, `${readme.slice(0, start + HEADLINE_START.length)}\n\n${headline}\n\n${readme.slice(end)}`);
  return true;
}

const REPRODUCE =
  "`flock /tmp/meta-build.lock npm run bench` on an otherwise idle machine (full, about 6 minutes; `-- --quick`: about 3 minutes, not for the record)";

interface Ingest {
  sqlite: ServerFigures | null;
  sqliteFloor: ServerFigures | null;
  pg: ServerFigures | null;
  pgFloor: ServerFigures | null;
  naive: ServerFigures | null;
}

function buildReport(f: {
  ingest: Ingest;
  sqliteDelivery: DeliveryFigures | null;
  pgDelivery: DeliveryFigures | null;
  storefront: StorefrontFigures | null;
  tookS: number;
  withPostgres: boolean;
  loadBefore: number[];
}) {
  const rows: Row[] = [];
  const { ingest } = f;
  const failures = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
  const latency = (r: LoadResult | undefined, unit = "req") =>
    r
      ? `p50 ${ms(r.p50)} · p99 ${ms(r.p99)} · ${perSecond(r.rps, unit)}${failures(r) ? ` · ${failures(r).toLocaleString("en-US")} of ${r.offered.toLocaleString("en-US")} failed` : ""}`
      : "n/a";
  const vsFloor = (ours: LoadResult | undefined, floor: LoadResult | undefined) =>
    ours && floor ? `throughput ${ratio(ours.rps / floor.rps)} · p99 ${ratio(ours.p99 / floor.p99)}` : "";
  // At a fixed rate the target is the rate itself: nearly all of it answered 2xx, none failed, p99 under 50 ms.
  const meetsRate = (r: LoadResult) => r.p99 < TARGET_P99_MS && failures(r) === 0 && r.ok >= r.offered * 0.95;
  const inTime = (r: LoadResult) => r.samples.filter((s) => s.status >= 200 && s.status < 300 && s.ms <= SHOPIFY_TIMEOUT_MS).length;
  const within = (r: LoadResult | undefined) => (r ? percent(inTime(r), PLAN.sturdyRequests) : "n/a");
  const allInTime = (r: LoadResult | undefined) => (r ? inTime(r) === PLAN.sturdyRequests : undefined);
  const naive = ingest.naive;
  const pgLabel = (app: ServerFigures) => `PostgreSQL, ${app.processes} web process${app.processes > 1 ? "es" : ""} + 2 workers`;

  if (ingest.sqlite || ingest.pg) {
    rows.push({ measure: "Webhook ingest: orders/paid, signed, each a distinct order" });
    const rateRow = (label: string, ours: ServerFigures, floor: ServerFigures | null) =>
      rows.push({
        measure: `${label}: ${WEBHOOK_RATE.toLocaleString("en-US")} req/s offered, evenly paced, ${PLAN.rateS} s`,
        ours: latency(ours.rate),
        floor: latency(floor?.rate),
        ratio: vsFloor(ours.rate, floor?.rate),
        baseline: latency(naive?.rate),
        target: `p99 < ${TARGET_P99_MS} ms, ≥ 95% answered, none failed`,
        pass: meetsRate(ours.rate),
      });
    const saturationRow = (label: string, ours: ServerFigures, floor: ServerFigures | null, baseline: string) => {
      const share = floor ? ours.saturation.rps / floor.saturation.rps : Number.NaN;
      rows.push({
        measure: `${label}: saturation, ${SATURATION_CONNECTIONS} connections, ${PLAN.saturationS} s`,
        ours: latency(ours.saturation),
        floor: latency(floor?.saturation),
        ratio: vsFloor(ours.saturation, floor?.saturation),
        baseline,
        target: `≥ ${TARGET_FLOOR_SHARE}× the floor's throughput`,
        pass: floor ? share >= TARGET_FLOOR_SHARE && failures(ours.saturation) === 0 : undefined,
      });
    };
    if (ingest.sqlite) rateRow("SQLite, worker in-process", ingest.sqlite, ingest.sqliteFloor);
    if (ingest.pg) rateRow(pgLabel(ingest.pg), ingest.pg, ingest.pgFloor);
    const coldRow = (label: string, ours: ServerFigures, floor: ServerFigures | null) =>
      rows.push({
        measure: `${label}, cold start: the first ${PLAN.coldS} s at ${WEBHOOK_RATE.toLocaleString("en-US")} req/s, straight after ${PLAN.warmS} s at 200/s (reported, not judged: the row above follows it without a pause)`,
        ours: latency(ours.cold),
        floor: latency(floor?.cold),
        ratio: vsFloor(ours.cold, floor?.cold),
        baseline: latency(naive?.cold),
        target: "(none)",
        pass: undefined,
      });
    if (ingest.sqlite) coldRow("SQLite", ingest.sqlite, ingest.sqliteFloor);
    if (ingest.pg) coldRow("PostgreSQL", ingest.pg, ingest.pgFloor);
    if (ingest.sqlite) saturationRow("SQLite", ingest.sqlite, ingest.sqliteFloor, latency(naive?.saturation));
    if (ingest.pg) saturationRow("PostgreSQL", ingest.pg, ingest.pgFloor, "(same baseline)");
    if (ingest.sqlite) {
      rows.push({
        measure: `Meta slow (answers after ${SLOW_META_MS / 1000} s): webhooks answered 2xx within Shopify's 5 s`,
        ours: within(ingest.sqlite.slow),
        baseline: within(naive?.slow),
        target: "100%",
        pass: allInTime(ingest.sqlite.slow),
      });
      rows.push({
        measure: "Meta down (HTTP 503): webhooks answered 2xx within 5 s",
        ours: within(ingest.sqlite.outage),
        baseline: within(naive?.outage),
        target: "100%",
        pass: allInTime(ingest.sqlite.outage),
      });
    }

    rows.push({ measure: "Storefront events: the app proxy (POST /proxy/events), signed as Shopify signs it, two events per body" });
    const beaconRow = (label: string, ours: ServerFigures, floor: ServerFigures | null) =>
      rows.push({
        measure: `${label}: ${BEACON_RATE.toLocaleString("en-US")} requests/s of two events (${BEACON_EVENT_RATE.toLocaleString("en-US")} events/s) offered, evenly paced, ${PLAN.beaconS} s`,
        ours: latency(ours.beacons, "requests"),
        floor: latency(floor?.beacons, "requests"),
        ratio: vsFloor(ours.beacons, floor?.beacons),
        baseline: "(the naive design has no beacon)",
        target: `p99 < ${TARGET_P99_MS} ms, ≥ 95% answered, none failed`,
        pass: ours.beacons ? meetsRate(ours.beacons) : undefined,
      });
    if (ingest.sqlite) beaconRow("SQLite, worker in-process", ingest.sqlite, ingest.sqliteFloor);
    if (ingest.pg) beaconRow(pgLabel(ingest.pg), ingest.pg, ingest.pgFloor);
  }

  if (f.sqliteDelivery || f.pgDelivery) {
    rows.push({ measure: "Delivery: ledger → Meta, events per second" });
    const deliveryRow = (label: string, d: DeliveryFigures, target: boolean) => {
      const factor = d.batched.perSecond / d.senderPerEvent.perSecond;
      const inFlight = d.workers * DELIVERY_IN_FLIGHT;
      rows.push({
        measure: `${label}, ${inFlight} request${inFlight > 1 ? "s" : ""} in flight: ${d.rows.toLocaleString("en-US")} pending rows`,
        ours: d.error
          ? `did not finish (batches ≤ ${BATCH_SIZE}): ${d.error}`
          : `${perSecond(d.batched.perSecond, "events")} (batches ≤ ${BATCH_SIZE}, ${d.batched.requests.toLocaleString("en-US")} requests; all sent in ${d.batched.seconds.toFixed(1)} s${d.deliveredOnce ? ", each once" : ", NOT each once"})`,
        baseline:
          `1 request per event, ${BASELINE_IN_FLIGHT} in flight: ${perSecond(d.senderPerEvent.perSecond, "events")}; ` +
          `the worker at batch size 1, ${inFlight} in flight: ${perSecond(d.workerPerEvent.perSecond, "events")}`,
        target: target ? `≥ ${TARGET_DELIVERY_PER_S.toLocaleString("en-US")} events/s, each once` : "no target",
        pass: target ? d.batched.perSecond >= TARGET_DELIVERY_PER_S && d.deliveredOnce : undefined,
        verdict: d.error ? undefined : `${Math.round(factor).toLocaleString("en-US")}× the ${BASELINE_IN_FLIGHT}-in-flight baseline`,
      });
    };
    if (f.sqliteDelivery) deliveryRow("SQLite, 1 worker", f.sqliteDelivery, false);
    if (f.pgDelivery) deliveryRow("PostgreSQL, 2 worker processes", f.pgDelivery, true);
  }

  const s = f.storefront;
  if (s) {
    rows.push({ measure: "Storefront: the theme app embed" });
    if (s.script) {
      rows.push({
        measure: `Script size (${s.script.files.join(", ")})`,
        ours: `${bytes(s.script.rawBytes)} raw · ${bytes(s.script.gzipBytes)} gzip`,
        target: `< ${bytes(TARGET_GZIP_BYTES)} gzip`,
        pass: s.script.gzipBytes < TARGET_GZIP_BYTES,
      });
    } else {
      rows.push({ measure: "Script size", ours: `not measured: ${s.scriptMissing}`, target: `< ${bytes(TARGET_GZIP_BYTES)} gzip` });
    }
    if (s.pageLoad) {
      const delta = s.pageLoad.with.load - s.pageLoad.without.load;
      rows.push({
        measure: `Page load, headless Chromium, median of ${s.pageLoad.loads}: load event (DOMContentLoaded)`,
        ours: `with the embed: ${ms(s.pageLoad.with.load)} (${ms(s.pageLoad.with.dcl)})`,
        baseline: `same page without it: ${ms(s.pageLoad.without.load)} (${ms(s.pageLoad.without.dcl)})`,
        target: "no target",
        verdict: `${delta >= 0 ? "+" : "−"}${ms(Math.abs(delta))}`,
      });
    } else {
      rows.push({ measure: "Page load with vs without the embed", ours: `not measured: ${s.pageLoadMissing}` });
    }
  }

  if (ingest.sqlite || ingest.pg || f.sqliteDelivery || f.pgDelivery) {
    rows.push({ measure: "Memory: peak RSS (VmHWM) per process under the loads above" });
    const peak = (p: ProcessPeaks | null | undefined) =>
      !p
        ? "n/a"
        : p.processes > 1
          ? `${megabytes(p.largest)} largest of ${p.processes} processes (${megabytes(p.total)} together)`
          : megabytes(p.largest);
    const under = (p: ProcessPeaks | null | undefined, limitMb: number) => (p ? p.largest < limitMb * MB : undefined);
    if (ingest.sqlite) {
      rows.push({
        measure: "Server, SQLite (webhooks + beacons + in-process worker)",
        ours: peak(ingest.sqlite.memory.server),
        floor: peak(ingest.sqliteFloor?.memory.server),
        baseline: `naive server: ${peak(naive?.memory.server)}`,
        target: `< ${TARGET_SERVER_MB} MB`,
        pass: under(ingest.sqlite.memory.server, TARGET_SERVER_MB),
      });
    }
    if (ingest.pg) {
      rows.push({
        measure: "Server, PostgreSQL (webhooks + beacons)",
        ours: peak(ingest.pg.memory.server),
        floor: peak(ingest.pgFloor?.memory.server),
        target: `< ${TARGET_SERVER_MB} MB`,
        pass: under(ingest.pg.memory.server, TARGET_SERVER_MB),
      });
      rows.push({
        measure: "Busiest worker, PostgreSQL, during ingest",
        ours: peak(ingest.pg.memory.worker),
        target: `< ${TARGET_WORKER_MB} MB`,
        pass: under(ingest.pg.memory.worker, TARGET_WORKER_MB),
      });
    }
    const deliveryPeaks = [f.sqliteDelivery, f.pgDelivery].filter((d): d is DeliveryFigures => d !== null);
    if (deliveryPeaks.length) {
      rows.push({
        measure: `Worker delivering batches of ${BATCH_SIZE}`,
        ours: [
          f.sqliteDelivery ? `SQLite ${peak(f.sqliteDelivery.workerPeak)}` : "",
          f.pgDelivery ? `PostgreSQL ${peak(f.pgDelivery.workerPeak)}` : "",
        ]
          .filter(Boolean)
          .join(" · "),
        target: `< ${TARGET_WORKER_MB} MB`,
        pass: deliveryPeaks.every((d) => under(d.workerPeak, TARGET_WORKER_MB) !== false),
      });
    }
  }

  const table = renderTable(rows);
  const headline = buildHeadline(f);
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${process.platform}`;
  const lagged = [ingest.sqlite, ingest.sqliteFloor, ingest.pg, ingest.pgFloor, naive]
    .flatMap((x) => (x ? [x.rate, x.beacons] : []))
    .map((r) => r?.sendLagP99 ?? 0);
  const worstLag = lagged.length ? Math.max(...lagged) : 0;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(", ");
  const anyIngest = ingest.sqlite || ingest.pg;
  const notes = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine}; ${QUICK ? "quick" : "full"} run, ${f.tookS.toFixed(0)} s in all. Load average before: ${load(f.loadBefore)}; at the end: ${load(loadavg())} (anything else running on the machine skews every figure).`,
    `Tree measured: WEB_CONCURRENCY ${WEB_CONCURRENCY_DEFAULT === null ? "is not supported by this tree (one web process on PostgreSQL)" : `= ${PG_WEB_PROCESSES} on PostgreSQL (SQLite: the default, unset)`}; DELIVERY_CONCURRENCY ${DELIVERY_CONCURRENCY_DEFAULT === null ? "is not supported by this tree (one request to Meta in flight per worker)" : `= ${DELIVERY_IN_FLIGHT} requests in flight per worker`}.`,
    `Stand-in Meta (dev/fake-meta, its own process) answers the Conversions API after ${META_LATENCY_MS[0]}–${META_LATENCY_MS[1]} ms, uniformly drawn per request, batch or single event alike.`,
    !anyIngest
      ? ""
      : `Load at a fixed rate: bench/load.ts's paced generator (node:http, keep-alive, at most ${MAX_IN_FLIGHT} requests in flight), one request due every 1/rate s and issued at millisecond resolution, so the rate arrives evenly, not in per-second bursts. Latency runs from when a request was due (a queue in front of a slow server counts) to the last byte of the answer; p50/p99 over 2xx answers; "req/s" counts 2xx answers; what is unanswered ${SHOPIFY_TIMEOUT_MS / 1000} s after the last request was due counts as failed. Generator lag p99 (how late it issued requests; large means it was starved of CPU): ${ms(worstLag)} at worst. Saturation is closed-loop (autocannon, ${SATURATION_CONNECTIONS} connections, each sending again when answered). Each server's webhook load runs without pauses: ${PLAN.warmS} s at 200/s (not measured), ${PLAN.coldS} s at the full rate reported as its cold start (a fresh process compiling its hot path), then the ${PLAN.rateS} s the target is judged on.`,
    !anyIngest
      ? ""
      : `Floor: bench/floor-server.ts, run in the same way against a fresh database of the same kind, with as many processes as the app's web tier (node:cluster): node:http with no framework, the Shopify HMAC checked with timingSafeEqual, JSON.parse, and one insert-or-ignore of a ledger row of the same table and shape (the pixel read from the shop's settings in the same statement); the app proxy: the query signature, JSON.parse, and one insert-or-ignore of a browser-event row per event. It skips Meta's mapping and hashing, validation and logging, which the app does, and no delivery runs beside it. The app delivers what it takes in (in-process on SQLite, two worker processes on PostgreSQL), but its workers hold delivery off while requests arrive at 200/s or more, for at most DELIVERY_DEFER_MS (30 s) per busy spell (ingest first, docs/architecture.md), so under these loads most of it is delivered after the load; the time until every order was at Meta is printed below. "App ÷ floor" divides the app's answered throughput and p99 by the floor's; the aim is at least ${TARGET_FLOOR_SHARE}× the floor's saturation throughput.`,
    !anyIngest
      ? ""
      : "Naive baseline: bench/naive-server.ts, with the same HMAC check, mapping and Meta client, answering the webhook after Meta answers (502 when Meta fails, so Shopify retries).",
    !anyIngest
      ? ""
      : "Storefront events: the app proxy (app/routes/proxy.events.tsx) as Shopify forwards it: the signed query (shop, timestamp, signature), X-Forwarded-For from many shopper addresses, and a page's batch of two events (PageView, ViewContent) per text/plain body, as the theme embed sends them with navigator.sendBeacon; each request stores two StorefrontEvent rows that the worker then sends.",
    !(f.sqliteDelivery || f.pgDelivery)
      ? ""
      : `Delivery: batched is the worker (npm run worker) with DELIVERY_BATCH_SIZE=${BATCH_SIZE}${BATCH_SIZE === 1000 ? " (the default)" : " (not the default)"} and ${DELIVERY_IN_FLIGHT} request${DELIVERY_IN_FLIGHT > 1 ? "s" : ""} in flight per worker, timed until every row is sent; "each once" means the stand-in received exactly as many events as there were rows and every row is marked sent. Two baselines, each counted over a ${PLAN.baselineWindowS} s window on the same ledger and Meta: one request per event with ${BASELINE_IN_FLIGHT} requests in flight (bench/per-event-sender.ts, the app's Meta client, rows read once up front, each answer written to its row), which the factor is taken against; and the worker itself at DELIVERY_BATCH_SIZE=1 with the same workers and requests in flight as the batched run. Workers poll every 50 ms here. The rows are written, and on PostgreSQL ANALYZEd as autovacuum would have for a ledger in use, before the workers start; the bench then watches the stand-in's event counter and reads the ledger once a second and at the end (bench/wait-sent.ts), so waiting costs the database nothing measurable (a count of sent rows every 20 ms, as earlier runs did, took a fifth of PostgreSQL's CPU in the run).`,
    ingest.sqlite?.drainedAfterS !== undefined
      ? `After the SQLite webhook load, every order was at Meta ${ingest.sqlite.drainedAfterS.toFixed(1)} s after the load ended (each exactly once: ${ingest.sqlite.deliveredOnce ? "yes" : "NO"})${ingest.pg?.drainedAfterS !== undefined ? `; on PostgreSQL ${ingest.pg.drainedAfterS.toFixed(1)} s (each exactly once: ${ingest.pg.deliveredOnce ? "yes" : "NO"})` : ""}.`
      : "",
    `Memory: VmHWM of each process (its peak resident set), node:cluster children counted one by one, tsx's esbuild helper left out. The targets are per process. The app's server and workers run the build's compiled entries with the V8 heap settings \`npm start\` and \`npm run worker\` give them (scripts/lib/node-flags.mjs: ${APP_NODE_FLAGS.join(" ")}); the floor and the naive server are compiled and started the same way. On SQLite the server's peak includes its orders/paid row thread, which shares the process (ORDER_ROW_THREADS defaults to 1 with one HTTP process and to 0 with PostgreSQL's two).`,
    !f.withPostgres ? "PostgreSQL was not reachable: its rows are missing." : "",
    s?.notes ?? "",
  ].filter(Boolean);
  const reproduce = `Reproduce: ${REPRODUCE}. PostgreSQL rows need a server at \`BENCH_POSTGRES_URL\` (default: \`TEST_POSTGRES_URL\`, then \`postgresql://postgres@127.0.0.1:5432/postgres\`).`;
  const consoleText = `${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}`;
  const markdown = `# Benchmark results\n\nWritten by \`npm run bench\`; do not edit by hand. ${reproduce}\n\n${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`;
  return { console: consoleText, markdown, headline };
}

// The README's few lines: every target with its figure, failing ones first and as plainly as the rest.
function buildHeadline(f: Parameters<typeof buildReport>[0]): string {
  const { ingest } = f;
  const failed = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
  const meets = (r: LoadResult | undefined) => !!r && r.p99 < TARGET_P99_MS && failed(r) === 0 && r.ok >= r.offered * 0.95;
  const lines: { pass: boolean | undefined; text: string }[] = [];
  const at = (r: LoadResult | undefined, unit: string) =>
    !r
      ? "n/a"
      : `p99 ${ms(r.p99)}, ${perSecond(r.rps, unit)} answered${failed(r) ? ` (${Math.round((100 * failed(r)) / r.offered)}% failed)` : ""}`;
  const dbs = [
    { name: "SQLite", app: ingest.sqlite, floor: ingest.sqliteFloor },
    { name: "PostgreSQL", app: ingest.pg, floor: ingest.pgFloor },
  ].filter((d): d is { name: string; app: ServerFigures; floor: ServerFigures | null } => d.app !== null);
  if (dbs.length) {
    lines.push({
      pass: dbs.every((d) => meets(d.app.rate)),
      text:
        `**Webhooks at ${WEBHOOK_RATE.toLocaleString("en-US")}/s offered** (target p99 < ${TARGET_P99_MS} ms, judged after the cold start): ${dbs.map((d) => `${d.name} ${at(d.app.rate, "req")}`).join("; ")}. ` +
        `Cold start, the first ${PLAN.coldS} s at that rate of a fresh process: ${dbs.map((d) => `${d.name} ${at(d.app.cold, "req")}`).join("; ")}.`,
    });
    lines.push({
      pass: dbs.every((d) => d.floor && d.app.saturation.rps / d.floor.saturation.rps >= TARGET_FLOOR_SHARE),
      text: `**Against the floor** (a bare node:http server doing HMAC and one insert, same run; aim ≥ ${TARGET_FLOOR_SHARE}× its saturation throughput): ${dbs
        .map(
          (d) =>
            `${d.name} ${perSecond(d.app.saturation.rps, "req")} vs ${d.floor ? `${perSecond(d.floor.saturation.rps, "req")} = ${ratio(d.app.saturation.rps / d.floor.saturation.rps)}` : "n/a"}`,
        )
        .join("; ")}.`,
    });
    lines.push({
      pass: dbs.every((d) => meets(d.app.beacons)),
      text: `**Storefront events through the app proxy at ${BEACON_RATE.toLocaleString("en-US")} requests/s of two events, ${BEACON_EVENT_RATE.toLocaleString("en-US")} events/s** (target p99 < ${TARGET_P99_MS} ms): ${dbs.map((d) => `${d.name} ${at(d.app.beacons, "requests")}`).join("; ")}.`,
    });
    const inTime = (r: LoadResult | undefined) =>
      r ? r.samples.filter((x) => x.status >= 200 && x.status < 300 && x.ms <= SHOPIFY_TIMEOUT_MS).length : 0;
    if (ingest.sqlite) {
      const ours = Math.min(inTime(ingest.sqlite.slow), inTime(ingest.sqlite.outage));
      const naive = Math.max(inTime(ingest.naive?.slow), inTime(ingest.naive?.outage));
      lines.push({
        pass: ours === PLAN.sturdyRequests,
        text: `**Meta slow or down:** ${percent(ours, PLAN.sturdyRequests).split(" ")[0]} of webhooks answered within Shopify's 5 s (the naive design that calls Meta inside the webhook: ${percent(naive, PLAN.sturdyRequests).split(" ")[0]}).`,
      });
    }
  }
  const pg = f.pgDelivery;
  if (pg) {
    lines.push({
      pass: pg.batched.perSecond >= TARGET_DELIVERY_PER_S && pg.deliveredOnce,
      text: `**Delivery on PostgreSQL, 2 workers** (target ≥ ${TARGET_DELIVERY_PER_S.toLocaleString("en-US")} events/s, each once): ${perSecond(pg.batched.perSecond, "events")}${pg.deliveredOnce ? ", each once" : ", NOT each once"}; ${Math.round(pg.batched.perSecond / pg.senderPerEvent.perSecond)}× one request per event with ${BASELINE_IN_FLIGHT} in flight (${perSecond(pg.senderPerEvent.perSecond, "events")}).`,
    });
  }
  const servers = [ingest.sqlite?.memory.server, ingest.pg?.memory.server].filter((p): p is ProcessPeaks => !!p);
  const workers = [ingest.pg?.memory.worker, f.sqliteDelivery?.workerPeak, f.pgDelivery?.workerPeak].filter((p): p is ProcessPeaks => !!p);
  if (servers.length || workers.length) {
    const serverPeak = servers.length ? Math.max(...servers.map((p) => p.largest)) : Number.NaN;
    const workerPeak = workers.length ? Math.max(...workers.map((p) => p.largest)) : Number.NaN;
    lines.push({
      pass: (!servers.length || serverPeak < TARGET_SERVER_MB * MB) && (!workers.length || workerPeak < TARGET_WORKER_MB * MB),
      text: `**Memory peaks:** server ${servers.length ? megabytes(serverPeak) : "n/a"} (target < ${TARGET_SERVER_MB} MB), worker ${workers.length ? megabytes(workerPeak) : "n/a"} (target < ${TARGET_WORKER_MB} MB).`,
    });
  }
  const script = f.storefront?.script;
  if (script)
    lines.push({
      pass: script.gzipBytes < TARGET_GZIP_BYTES,
      text: `**Storefront script:** ${bytes(script.gzipBytes)} gzip (target < ${bytes(TARGET_GZIP_BYTES)}).`,
    });

  const when = `${new Date().toISOString().slice(0, 10)}, ${QUICK ? "quick" : "full"} run, load average ${loadavg()[0].toFixed(1)} at the end`;
  const failing = lines.filter((l) => l.pass === false);
  const passing = lines.filter((l) => l.pass !== false);
  return [
    `Latest run (${when}): ${failing.length} of ${lines.length} targets missed.`,
    "",
    ...failing.map((l) => `- ❌ ${l.text}`),
    ...passing.map((l) => `- ✅ ${l.text}`),
  ].join("\n");
}

main().catch(async (error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await cleanup();
  process.exit(1);
});
