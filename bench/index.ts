// `npm run bench [-- --quick]`: this app against the naive design, measured side by side in one run on
// this machine, printed as one table and written to bench/RESULTS.md. A benchmark, not a test: it
// asserts nothing, it reports what it measured, with the targets beside the figures.
//
// Everything runs as real processes on loopback: the server and workers exactly as `npm start` and
// `npm run worker` run them, the naive baseline (bench/naive-server.ts), and the stand-in Meta
// (dev/fake-meta/serve.ts) answering after a realistic delay, in its own process so its work does not
// disturb the load generator's clock.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDb, type Db } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { freePort, peakRss, ROOT, startApp, startProcess, type AppProcess } from "../scripts/lib/app-process";
import { ensureBuild } from "../scripts/lib/ensure-build";
import { ensureChromium } from "../scripts/lib/ensure-chromium.mjs";
import { localAppEnv } from "../scripts/lib/local-app-env";
import { createScratchDatabase, DEFAULT_POSTGRES_ADMIN_URL, postgresReachable, type DatabaseKind } from "../scripts/lib/scratch-db";
import { runLoad, type LoadResult } from "./load";
import { orderSource, pendingRows } from "./orders";
import { bytes, megabytes, ms, percent, perSecond, renderTable, type Row } from "./report";
import { measureStorefront, type StorefrontFigures } from "./storefront";

const { values: flags } = parseArgs({
  options: { quick: { type: "boolean", default: false }, only: { type: "string" }, "batch-size": { type: "string" } },
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
// The shipped default unless told otherwise (to compare batch sizes).
const BATCH_SIZE = Number(flags["batch-size"] ?? 1000);
if (!Number.isInteger(BATCH_SIZE) || BATCH_SIZE < 2 || BATCH_SIZE > 1000) {
  console.error("--batch-size must be a whole number from 2 to 1000");
  process.exit(2);
}

const PLAN = QUICK
  ? { warmS: 1, rateS: 5, saturationS: 4, sturdyRequests: 20, deliveryRows: 2_000, baselineWindowS: 5, pageLoads: 5 }
  : { warmS: 3, rateS: 20, saturationS: 10, sturdyRequests: 40, deliveryRows: 10_000, baselineWindowS: 15, pageLoads: 15 };
const RATE = 200;
const CONNECTIONS = 100;
const META_LATENCY_MS: [number, number] = [150, 400];
const SHOPIFY_TIMEOUT_MS = 5_000;
const SLOW_META_MS = 6_000;
const TARGET_P99_MS = 50;
const TARGET_DELIVERY_FACTOR = 100;
const TARGET_GZIP_BYTES = 5_000;
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
const local = localAppEnv({ LOG_LEVEL: "info" });

interface Meta {
  graphUrl: string;
  pixelUrl: string;
  behave(body: object): Promise<void>;
  summary(): Promise<{ serverEvents: number; serverRequests: number }>;
}

async function startMeta(): Promise<Meta> {
  const proc = await startProcess(
    "dev/fake-meta/serve.ts",
    { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
    {
      readyText: "fake meta ready",
      name: "stand-in Meta",
      args: ["--graph-port", String(await freePort()), "--pixel-port", String(await freePort()), "--latency", META_LATENCY_MS.join("-"), "--token", `${PIXEL}:${TOKEN}`],
    },
  );
  cleanups.push(() => proc.stop());
  const ready = /fake meta ready (\{.*\})/.exec(proc.output());
  const { graphUrl, pixelUrl } = JSON.parse(ready![1]) as { graphUrl: string; pixelUrl: string };
  return {
    graphUrl,
    pixelUrl,
    async behave(body) {
      const response = await fetch(`${pixelUrl}/__fake-meta/behaviour`, { method: "POST", body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`stand-in Meta refused ${JSON.stringify(body)}: ${await response.text()}`);
    },
    async summary() {
      return (await (await fetch(`${pixelUrl}/__fake-meta/summary`)).json()) as { serverEvents: number; serverRequests: number };
    },
  };
}

async function scratch(kind: DatabaseKind): Promise<{ url: string; db: Db; done(): Promise<void> }> {
  const database = await createScratchDatabase(kind, { adminUrl: PG_ADMIN_URL, prefix: kind === "postgresql" ? "capi_bench" : "capi-bench", adminUrlHint: "BENCH_POSTGRES_URL" });
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
  const result = await connectShop(db, local.encryptionKey, { shop, pixelId: PIXEL, accessToken: TOKEN });
  if (!result.ok) throw new Error(result.errors.join("; "));
}

async function stopAll(procs: AppProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop("SIGTERM")));
}

// ───────────────────────────── webhook ingest ─────────────────────────────

interface IngestFigures {
  rate: LoadResult;
  saturation: LoadResult;
  slow?: LoadResult;
  outage?: LoadResult;
  /** Seconds from the end of the load until Meta had every order (this app only). */
  drainedAfterS?: number;
  /** Every order in the ledger reached Meta exactly once (this app only). */
  deliveredOnce?: boolean;
  peakRss: { server: number | null; worker?: number | null };
}

async function loadPhases(url: string, source: ReturnType<typeof orderSource>, meta: Meta, opts: { sturdiness: boolean; afterLoad?: () => Promise<void> }) {
  const path = "/webhooks/orders/paid";
  const next = () => source.next();
  // Warm-up: JIT, connection pools, SQLite page cache. Not measured.
  await runLoad({ url, path, next, rate: 50, connections: 20, durationS: PLAN.warmS, timeoutS: 10 });
  log(`    ${RATE} requests/s offered for ${PLAN.rateS} s over ${CONNECTIONS} connections…`);
  const rate = await runLoad({ url, path, next, rate: RATE, connections: CONNECTIONS, durationS: PLAN.rateS, timeoutS: 10 });
  log(`      p50 ${ms(rate.p50)}, p99 ${ms(rate.p99)}, ${perSecond(rate.rps, "req")} answered 2xx (${rate.non2xx} non-2xx, ${rate.errors + rate.timeouts} errors)`);
  log(`    saturation: ${CONNECTIONS} connections, each sending again as soon as answered, for ${PLAN.saturationS} s…`);
  const saturation = await runLoad({ url, path, next, connections: CONNECTIONS, durationS: PLAN.saturationS, timeoutS: 10 });
  log(`      ${perSecond(saturation.rps, "req")}, p50 ${ms(saturation.p50)}, p99 ${ms(saturation.p99)}`);
  await opts.afterLoad?.();

  let slow: LoadResult | undefined;
  let outage: LoadResult | undefined;
  if (opts.sturdiness) {
    const sturdy = { url, path, next, rate: 10, connections: 80, amount: PLAN.sturdyRequests, timeoutS: 15 };
    log(`    Meta slow (answers after ${SLOW_META_MS / 1000} s): ${PLAN.sturdyRequests} webhooks at 10/s…`);
    await meta.behave({ kind: "slow", ms: SLOW_META_MS });
    slow = await runLoad(sturdy);
    log(`    Meta down (HTTP 503): ${PLAN.sturdyRequests} webhooks at 10/s…`);
    await meta.behave({ kind: "outage" });
    outage = await runLoad(sturdy);
    await meta.behave({ kind: "normal", latencyMs: META_LATENCY_MS });
  }
  return { rate, saturation, slow, outage };
}

async function waitForDrain(db: Db, meta: Meta, metaBefore: number, procs: AppProcess[]): Promise<{ drainedAfterS: number; deliveredOnce: boolean }> {
  const started = performance.now();
  await until(async () => (await db.delivery.count({ where: { status: { in: ["pending", "sending"] } } })) === 0, "the ledger to drain after the load", 180_000, procs);
  const drainedAfterS = (performance.now() - started) / 1000;
  const rows = await db.delivery.count();
  const sent = await db.delivery.count({ where: { status: "sent" } });
  const received = (await meta.summary()).serverEvents - metaBefore;
  return { drainedAfterS, deliveredOnce: rows === sent && received === rows };
}

async function ingestOurs(kind: DatabaseKind, meta: Meta, firstId: bigint): Promise<IngestFigures> {
  const { url: databaseUrl, db, done } = await scratch(kind);
  await connect(db);
  const env = { ...local.env, DATABASE_URL: databaseUrl, META_GRAPH_API_URL: meta.graphUrl };
  let server: AppProcess;
  let workers: AppProcess[] = [];
  if (kind === "sqlite") {
    server = await startApp("server", env);
  } else {
    // The scale-out mode as the README describes it: web instance without a worker, two worker processes.
    server = await startApp("server", { ...env, WORKER_MODE: "external" });
    workers = await Promise.all([startApp("worker", env), startApp("worker", env)]);
  }
  cleanups.push(() => stopAll([server, ...workers]));
  const metaBefore = (await meta.summary()).serverEvents;
  const drain: { drainedAfterS?: number; deliveredOnce?: boolean } = {};
  const phases = await loadPhases(server.url, orderSource({ shop: SHOP, secret: local.apiSecret, firstId }), meta, {
    sturdiness: kind === "sqlite",
    afterLoad: async () => {
      Object.assign(drain, await waitForDrain(db, meta, metaBefore, [server, ...workers]));
      log(`    every order reached Meta ${drain.drainedAfterS!.toFixed(1)} s after the load ended; each exactly once: ${drain.deliveredOnce ? "yes" : "NO"}`);
    },
  });
  const peak = { server: peakRss(server)?.appBytes ?? null, worker: workers.length ? Math.max(...workers.map((w) => peakRss(w)?.appBytes ?? 0)) || null : undefined };
  await stopAll([server, ...workers]);
  await done();
  return { ...phases, ...drain, peakRss: peak };
}

async function ingestNaive(meta: Meta, firstId: bigint): Promise<IngestFigures> {
  const server = await startProcess(
    "bench/naive-server.ts",
    { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", SHOPIFY_API_SECRET: local.apiSecret, META_GRAPH_API_URL: meta.graphUrl, PIXEL_ID: PIXEL, META_ACCESS_TOKEN: TOKEN },
    { readyText: "naive server listening", name: "naive server" },
  );
  cleanups.push(() => server.stop());
  const phases = await loadPhases(server.url, orderSource({ shop: SHOP, secret: local.apiSecret, firstId }), meta, { sturdiness: true });
  const peak = { server: peakRss(server)?.appBytes ?? null };
  await server.stop();
  return { ...phases, peakRss: peak };
}

// ───────────────────────────── delivery ─────────────────────────────

interface DeliveryFigures {
  workers: number;
  /** Why the batched run did not finish, when it did not. */
  error?: string;
  batched: { events: number; seconds: number; perSecond: number };
  perEvent: { events: number; seconds: number; perSecond: number };
  deliveredOnce: boolean;
  workerPeakRss: number | null;
}

async function insertRows(db: Db, rows: ReturnType<typeof pendingRows>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.delivery.createMany({ data: rows.slice(i, i + 500) });
}

async function measureDelivery(kind: DatabaseKind, workerCount: number, meta: Meta, firstId: bigint): Promise<DeliveryFigures> {
  const { url: databaseUrl, db, done } = await scratch(kind);
  const now = new Date();
  // Short polling, so an idle worker notices the connected shop at once; a full batch never waits for it.
  const env = { ...local.env, DATABASE_URL: databaseUrl, META_GRAPH_API_URL: meta.graphUrl, DELIVERY_POLL_MS: "50" };

  // The rows wait for a shop that is not connected yet, so the clock starts when the workers can take
  // them, not when the processes happen to finish booting.
  const shopA = "batched-shop.myshopify.com";
  await insertRows(db, pendingRows({ shop: shopA, pixelId: PIXEL, count: PLAN.deliveryRows, firstId, now }));
  let workers = await Promise.all(Array.from({ length: workerCount }, () => startApp("worker", { ...env, DELIVERY_BATCH_SIZE: String(BATCH_SIZE) })));
  cleanups.push(() => stopAll(workers));
  const metaBefore = (await meta.summary()).serverEvents;
  let started = performance.now();
  await connect(db, shopA);
  let error: string | undefined;
  let progress = { sent: -1, at: performance.now() };
  try {
    await until(
      async () => {
        const failed = await db.delivery.findFirst({ where: { shop: shopA, status: "failed" }, select: { lastError: true, statusReason: true } });
        if (failed) throw new Error(`Meta rejected a benchmark event: ${failed.lastError ?? failed.statusReason}`);
        const sent = await db.delivery.count({ where: { shop: shopA, status: "sent" } });
        if (sent !== progress.sent) progress = { sent, at: performance.now() };
        // A worker that keeps failing its cycle makes no progress at all; say why instead of waiting out the timeout.
        if (performance.now() - progress.at > 15_000) {
          const logged = workers.map(lastLoggedError).find(Boolean);
          throw new Error(`no progress for 15 s (${sent.toLocaleString("en-US")} of ${PLAN.deliveryRows.toLocaleString("en-US")} sent)${logged ? `; the worker logged: ${logged}` : ""}`);
        }
        return sent === PLAN.deliveryRows;
      },
      `${PLAN.deliveryRows.toLocaleString("en-US")} rows to be sent`,
      60_000,
      workers,
    );
  } catch (failure) {
    // Reported in the table as a failed target; the rest of the benchmark still runs.
    error = failure instanceof Error ? failure.message : String(failure);
    log(`    ${error}`);
  }
  const batchedS = (performance.now() - started) / 1000;
  const received = (await meta.summary()).serverEvents - metaBefore;
  const workerPeakRss = Math.max(...workers.map((w) => peakRss(w)?.appBytes ?? 0)) || null;
  await stopAll(workers);
  // An unfinished run leaves due rows that are older than the baseline's, and the baseline would send
  // those first.
  if (error) await db.delivery.deleteMany({ where: { shop: shopA, status: { not: "sent" } } });

  // The baseline is the same worker, the same ledger and the same Meta, one event per request: more rows
  // than it can send in the window, counted when the window closes.
  const shopB = "per-event-shop.myshopify.com";
  const baselineRows = Math.ceil(PLAN.baselineWindowS * workerCount * 20);
  await insertRows(db, pendingRows({ shop: shopB, pixelId: PIXEL, count: baselineRows, firstId: firstId + 1_000_000n, now }));
  workers = await Promise.all(Array.from({ length: workerCount }, () => startApp("worker", { ...env, DELIVERY_BATCH_SIZE: "1" })));
  started = performance.now();
  await connect(db, shopB);
  await sleep(PLAN.baselineWindowS * 1000);
  const perEventSent = await db.delivery.count({ where: { shop: shopB, status: "sent" } });
  const perEventS = (performance.now() - started) / 1000;
  await stopAll(workers);
  await done();

  return {
    workers: workerCount,
    error,
    batched: { events: PLAN.deliveryRows, seconds: batchedS, perSecond: error ? Number.NaN : PLAN.deliveryRows / batchedS },
    perEvent: { events: perEventSent, seconds: perEventS, perSecond: perEventSent / perEventS },
    deliveredOnce: !error && received === PLAN.deliveryRows,
    workerPeakRss,
  };
}

// ───────────────────────────── run ─────────────────────────────

async function main() {
  const began = performance.now();
  log(`Benchmark (${QUICK ? "quick" : "full"} run): this app against the naive design, on this machine.\n`);
  ensureBuild(log);
  ensureChromium(log);
  const withPostgres = await postgresReachable(PG_ADMIN_URL);
  if (!withPostgres) log(`PostgreSQL is not reachable at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, "//…@")}: its rows are skipped (set BENCH_POSTGRES_URL).\n`);

  log(`▸ stand-in Meta, answering after ${META_LATENCY_MS[0]}–${META_LATENCY_MS[1]} ms`);
  const meta = await startMeta();

  let sqliteIngest: IngestFigures | null = null;
  let pgIngest: IngestFigures | null = null;
  let naive: IngestFigures | null = null;
  if (runs("ingest")) {
    log("▸ webhook ingest: this app on SQLite (the embedded default, worker in the server process)");
    sqliteIngest = await ingestOurs("sqlite", meta, 820982911900000000n);
    if (withPostgres) {
      log("▸ webhook ingest: this app on PostgreSQL (server + two worker processes)");
      pgIngest = await ingestOurs("postgresql", meta, 820982911910000000n);
    }
    log("▸ webhook ingest: naive baseline (calls Meta inside the webhook request)");
    naive = await ingestNaive(meta, 820982911920000000n);
  }

  let sqliteDelivery: DeliveryFigures | null = null;
  let pgDelivery: DeliveryFigures | null = null;
  if (runs("delivery")) {
    log(`▸ delivery on SQLite: ${PLAN.deliveryRows.toLocaleString("en-US")} pending rows, one worker, batches of up to ${BATCH_SIZE}, against one request per event`);
    sqliteDelivery = await measureDelivery("sqlite", 1, meta, 820982911930000000n);
    log(`    ${perSecond(sqliteDelivery.batched.perSecond, "events")} batched; ${perSecond(sqliteDelivery.perEvent.perSecond, "events")} one per request`);
  }
  if (runs("delivery") && withPostgres) {
    log(`▸ delivery on PostgreSQL: ${PLAN.deliveryRows.toLocaleString("en-US")} pending rows, two worker processes, against one request per event`);
    pgDelivery = await measureDelivery("postgresql", 2, meta, 820982911940000000n);
    log(`    ${perSecond(pgDelivery.batched.perSecond, "events")} batched; ${perSecond(pgDelivery.perEvent.perSecond, "events")} one per request`);
  }

  let storefront: StorefrontFigures | null = null;
  if (runs("storefront")) {
    log("▸ storefront cost of the theme app embed");
    storefront = await measureStorefront({ pageLoads: PLAN.pageLoads, log });
  }

  await cleanup();
  const tookS = (performance.now() - began) / 1000;
  const report = buildReport({ sqliteIngest, pgIngest, naive, sqliteDelivery, pgDelivery, storefront, tookS, withPostgres });
  log(`\n${report.console}`);
  if (ONLY.length === SECTIONS.length && BATCH_SIZE === 1000) {
    writeFileSync(join(ROOT, "bench/RESULTS.md"), report.markdown);
    log("\nWritten to bench/RESULTS.md.");
  }
  log(`Reproduce: npm run bench (full, about 4 minutes) or npm run bench -- --quick (about a minute).`);
}

function buildReport(f: {
  sqliteIngest: IngestFigures | null;
  pgIngest: IngestFigures | null;
  naive: IngestFigures | null;
  sqliteDelivery: DeliveryFigures | null;
  pgDelivery: DeliveryFigures | null;
  storefront: StorefrontFigures | null;
  tookS: number;
  withPostgres: boolean;
}) {
  const rows: Row[] = [];
  const failures = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
  const latency = (r: LoadResult | undefined) =>
    r ? `p50 ${ms(r.p50)} · p99 ${ms(r.p99)} · ${perSecond(r.rps, "req")}${failures(r) ? ` · ${failures(r)} failed` : ""}` : "n/a";
  const inTime = (r: LoadResult) => r.samples.filter((s) => s.status >= 200 && s.status < 300 && s.ms <= SHOPIFY_TIMEOUT_MS).length;
  const within = (r: LoadResult | undefined) => (r ? percent(inTime(r), PLAN.sturdyRequests) : "n/a");
  const allInTime = (r: LoadResult | undefined) => (r ? inTime(r) === PLAN.sturdyRequests : undefined);
  const naive = f.naive;

  if (f.sqliteIngest || f.pgIngest) {
    rows.push({ measure: "Webhook ingest: orders/paid, signed, each a distinct order" });
    const rateRow = (label: string, ours: IngestFigures) =>
      rows.push({
        measure: `${label}: ${RATE} req/s offered, ${PLAN.rateS} s`,
        ours: latency(ours.rate),
        baseline: latency(naive?.rate),
        target: `p99 < ${TARGET_P99_MS} ms (Shopify gives up at 5 s)`,
        pass: ours.rate.p99 < TARGET_P99_MS && failures(ours.rate) === 0 && ours.rate.rps >= RATE * 0.95,
      });
    const saturationRow = (label: string, ours: IngestFigures, baseline: string) =>
      rows.push({ measure: `${label}: saturation, ${CONNECTIONS} connections, ${PLAN.saturationS} s`, ours: latency(ours.saturation), baseline, target: "Shopify gives up at 5 s" });
    if (f.sqliteIngest) rateRow("SQLite, worker in-process", f.sqliteIngest);
    if (f.pgIngest) rateRow("PostgreSQL, 2 worker processes", f.pgIngest);
    if (f.sqliteIngest) saturationRow("SQLite", f.sqliteIngest, latency(naive?.saturation));
    if (f.pgIngest) saturationRow("PostgreSQL", f.pgIngest, "(same baseline)");
    if (f.sqliteIngest) {
      rows.push({ measure: `Meta slow (answers after ${SLOW_META_MS / 1000} s): webhooks answered 2xx within Shopify's 5 s`, ours: within(f.sqliteIngest.slow), baseline: within(naive?.slow), target: "100%", pass: allInTime(f.sqliteIngest.slow) });
      rows.push({ measure: "Meta down (HTTP 503): webhooks answered 2xx within 5 s", ours: within(f.sqliteIngest.outage), baseline: within(naive?.outage), target: "100%", pass: allInTime(f.sqliteIngest.outage) });
    }
  }

  if (f.sqliteDelivery || f.pgDelivery) {
    rows.push({ measure: "Delivery: ledger → Meta, events per second" });
    const deliveryRow = (label: string, d: DeliveryFigures) => {
      const factor = d.batched.perSecond / d.perEvent.perSecond;
      rows.push({
        measure: `${label}: ${d.batched.events.toLocaleString("en-US")} pending rows`,
        ours: d.error
          ? `did not finish (batches ≤ ${BATCH_SIZE}): ${d.error}`
          : `${perSecond(d.batched.perSecond, "events")} (batches ≤ ${BATCH_SIZE}; all sent in ${d.batched.seconds.toFixed(1)} s${d.deliveredOnce ? ", each once" : ", NOT each once"})`,
        baseline: `${perSecond(d.perEvent.perSecond, "events")} (1 request per event; ${d.perEvent.events} sent in ${d.perEvent.seconds.toFixed(0)} s)`,
        target: `≥ ${TARGET_DELIVERY_FACTOR}× baseline`,
        pass: factor >= TARGET_DELIVERY_FACTOR && d.deliveredOnce,
        verdict: d.error ? undefined : `${Math.round(factor).toLocaleString("en-US")}×`,
      });
    };
    if (f.sqliteDelivery) deliveryRow("SQLite, 1 worker", f.sqliteDelivery);
    if (f.pgDelivery) deliveryRow("PostgreSQL, 2 worker processes", f.pgDelivery);
  }

  const s = f.storefront;
  if (s) {
    rows.push({ measure: "Storefront: the theme app embed" });
    if (s.script) {
      rows.push({ measure: `Script size (${s.script.files.join(", ")})`, ours: `${bytes(s.script.rawBytes)} raw · ${bytes(s.script.gzipBytes)} gzip`, target: `< ${bytes(TARGET_GZIP_BYTES)} gzip`, pass: s.script.gzipBytes < TARGET_GZIP_BYTES });
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

  if (f.sqliteIngest || f.sqliteDelivery) {
    rows.push({ measure: "Memory: peak RSS (VmHWM) under the load above" });
    if (f.sqliteIngest) rows.push({ measure: "Server, SQLite (webhooks + in-process worker)", ours: megabytes(f.sqliteIngest.peakRss.server), baseline: `naive server: ${megabytes(naive?.peakRss.server)}` });
    if (f.pgIngest) rows.push({ measure: "PostgreSQL: server / busiest worker, during ingest", ours: `${megabytes(f.pgIngest.peakRss.server)} / ${megabytes(f.pgIngest.peakRss.worker)}` });
    if (f.sqliteDelivery) rows.push({ measure: `Worker delivering batches of ${BATCH_SIZE}`, ours: `SQLite ${megabytes(f.sqliteDelivery.workerPeakRss)}${f.pgDelivery ? ` · PostgreSQL ${megabytes(f.pgDelivery.workerPeakRss)}` : ""}` });
  }

  const table = renderTable(rows);
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${process.platform}`;
  const notes = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine}; ${QUICK ? "quick" : "full"} run, ${f.tookS.toFixed(0)} s in all. Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(", ")} (other work on the machine skews every figure).`,
    f.sqliteIngest || f.sqliteDelivery
      ? `Stand-in Meta (dev/fake-meta, its own process) answers the Conversions API after ${META_LATENCY_MS[0]}–${META_LATENCY_MS[1]} ms, uniformly drawn per request, batch or single event alike.`
      : "",
    !f.sqliteIngest ? "" : `Load: autocannon against the real processes over loopback. The offered ${RATE} req/s is spread over 25 autocannon instances started evenly within the first second (autocannon sends each connection's share of a second in one burst); latency is per request, from send to the last byte of the answer; p50/p99 over 2xx answers; "req/s" counts 2xx answers. The rate target needs ≥ 95% of the offered rate answered, none failed.`,
    !f.sqliteIngest ? "" : "Naive baseline: bench/naive-server.ts, with the same HMAC check, mapping and Meta client, answering the webhook after Meta answers (502 when Meta fails, so Shopify retries).",
    !f.sqliteDelivery ? "" : `Delivery: the same worker process (npm run worker) and ledger both ways; batched is DELIVERY_BATCH_SIZE=${BATCH_SIZE}${BATCH_SIZE === 1000 ? " (the default)" : " (not the default)"}, "1 request per event" is DELIVERY_BATCH_SIZE=1, counted over a ${PLAN.baselineWindowS} s window. Workers poll every 50 ms here.`,
    f.sqliteIngest?.drainedAfterS !== undefined
      ? `After the SQLite ingest load, every order was at Meta ${f.sqliteIngest.drainedAfterS.toFixed(1)} s after the load ended (each exactly once: ${f.sqliteIngest.deliveredOnce ? "yes" : "NO"})${f.pgIngest?.drainedAfterS !== undefined ? `; on PostgreSQL ${f.pgIngest.drainedAfterS.toFixed(1)} s (each exactly once: ${f.pgIngest.deliveredOnce ? "yes" : "NO"})` : ""}.`
      : "",
    !f.withPostgres ? "PostgreSQL was not reachable: its rows are missing." : "",
    s?.notes ?? "",
  ].filter(Boolean);
  const reproduce = "Reproduce: `npm run bench` (full, about 4 minutes) or `npm run bench -- --quick` (about a minute). PostgreSQL rows need a server at `BENCH_POSTGRES_URL` (default: `TEST_POSTGRES_URL`, then `postgresql://postgres@127.0.0.1:5432/postgres`).";
  const consoleText = `${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}`;
  const markdown = `# Benchmark results\n\nWritten by \`npm run bench\`; do not edit by hand. ${reproduce}\n\n${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`;
  return { console: consoleText, markdown };
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  await cleanup();
  process.exit(1);
});
