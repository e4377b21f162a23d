// `npx tsx bench/ingest-probe.ts [--db postgresql|sqlite] [--repeat 1] [--env NAME=value ...]`: the bench's
// paced ingest phases on their own (webhooks: warm-up at 200/s, the cold start and the steady 12 s at
// 1,000/s; then the app proxy: 1 s at 200/s and 8 s at 1,000 requests/s of two events), against the app as
// bench/index.ts starts it (PostgreSQL: two web processes and two workers; SQLite: one server, worker
// inside), with the p99 of each second and the CPU each role spent in each phase (web processes, workers,
// PostgreSQL's backends, the load generator), for A/B work on the ingest path. Each repeat starts fresh
// processes on a fresh database. Prints figures; writes nothing else.
import { readdirSync } from "node:fs";
import pg from "pg";
import { parseArgs } from "node:util";
import { openDb } from "~/db.server";
import { descendants, startApp, startProcess, type AppProcess } from "../scripts/lib/app-process";
import { localAppEnv } from "../scripts/lib/local-app-env";
import { APP_NODE_FLAGS } from "../scripts/lib/node-flags.mjs";
import { readProcStat } from "../scripts/lib/proc-stat";
import { createScratchDatabase, DEFAULT_POSTGRES_ADMIN_URL, type DatabaseKind } from "../scripts/lib/scratch-db";
import { envFlags } from "./env-flags";
import { connectBenchShop } from "./bench-shop";
import { p99BySecond, runPaced, type LoadResult, type RequestSource } from "./load";
import { beaconSource, orderSource } from "./orders";
import { startStandInMeta } from "./stand-in-meta";

const { values: flags } = parseArgs({
  options: {
    db: { type: "string", default: "postgresql" },
    repeat: { type: "string", default: "1" },
    env: { type: "string", multiple: true },
    // The floor (bench/floor-server.ts, compiled by a bench run) instead of the app, for the same figures.
    floor: { type: "boolean", default: false },
    // A CPU profile of each web process (node --cpu-prof), written to this folder when it exits.
    "cpu-prof": { type: "string" },
  },
  strict: true,
});
const kind = flags.db as DatabaseKind;
if (kind !== "postgresql" && kind !== "sqlite") throw new Error("--db takes sqlite or postgresql");
const SHOP = "bench-shop.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "b".repeat(60);
// As bench/index.ts runs the app: the proxy's per-shop budget out of the way of a one-shop load.
const local = localAppEnv({ LOG_LEVEL: "info", PROXY_SHOP_RATE: "1000000", PROXY_SHOP_BURST: "1000000" });
const extraEnv = envFlags(flags.env);
const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (readProcStat(pid)?.cpuSeconds ?? 0), 0);
// PostgreSQL's processes (backends, WAL writer, checkpointer): every process named postgres.
function postgresPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => readProcStat(pid)?.name === "postgres");
}

const meta = await startStandInMeta({ latencyMs: [150, 400], pixelId: PIXEL, token: TOKEN });
// What a run started, stopped even when the run fails (a probe must not leave servers or databases behind).
const cleanups: (() => Promise<unknown>)[] = [];
try {
  for (let run = 1; run <= Number(flags.repeat); run++) {
    const database = await createScratchDatabase(kind, {
      adminUrl: DEFAULT_POSTGRES_ADMIN_URL,
      prefix: kind === "postgresql" ? "capi_iprobe" : "capi-iprobe",
    });
    cleanups.push(() => database.cleanup());
    const db = openDb(database.url);
    await connectBenchShop(db, { encryptionKey: local.encryptionKey, shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
    await db.$disconnect();

    const env: Record<string, string> = { ...local.env, DATABASE_URL: database.url, META_GRAPH_API_URL: meta.graphUrl, ...extraEnv };
    let server: AppProcess;
    let workers: AppProcess[] = [];
    if (flags.floor)
      server = await startProcess(
        "build/bench-floor-server.mjs",
        {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          DATABASE_URL: database.url,
          SHOPIFY_API_SECRET: local.apiSecret,
          FLOOR_PROCESSES: kind === "postgresql" ? "2" : "1",
        },
        { readyText: "floor server listening", name: "floor server" },
      );
    else if (kind === "sqlite") server = await startApp("server", env);
    else {
      const nodeFlags = flags["cpu-prof"] ? [...APP_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`] : undefined;
      server = await startApp("server", { ...env, WORKER_MODE: "external", WEB_CONCURRENCY: "2" }, { nodeFlags });
      workers = await Promise.all([startApp("worker", env), startApp("worker", env)]);
    }
    cleanups.push(() => Promise.all([server, ...workers].map((p) => p.stop("SIGTERM"))));
    const web = [server.child.pid!, ...descendants(server.child.pid!)];
    const workerPids = workers.flatMap((w) => [w.child.pid!, ...descendants(w.child.pid!)]);
    // Transactions the database committed (each statement outside a transaction is one): round trips, roughly.
    const admin = kind === "postgresql" ? new pg.Client({ connectionString: DEFAULT_POSTGRES_ADMIN_URL }) : null;
    await admin?.connect();
    cleanups.push(async () => admin?.end());
    const dbName = kind === "postgresql" ? new URL(database.url).pathname.slice(1) : "";
    const commits = async () =>
      admin
        ? Number(
            (await admin.query("SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1", [dbName])).rows[0].n,
          )
        : 0;
    const cpuNow = async () => ({
      web: cpuOf(web),
      workers: cpuOf(workerPids),
      pg: cpuOf(postgresPids()),
      load: process.cpuUsage(),
      commits: await commits(),
    });
    let before = await cpuNow();
    const report = async (name: string, result: LoadResult) => {
      const now = await cpuNow();
      const load = (now.load.user + now.load.system - before.load.user - before.load.system) / 1e6;
      const cpu = `CPU s: web ${(now.web - before.web).toFixed(1)}, workers ${(now.workers - before.workers).toFixed(1)}, PostgreSQL ${(now.pg - before.pg).toFixed(1)}, load ${load.toFixed(1)}; transactions per request ${((now.commits - before.commits) / Math.max(1, result.samples.length)).toFixed(2)}`;
      const failed = result.non2xx + result.errors + result.timeouts;
      console.log(
        `  ${name.padEnd(22)} p50 ${ms(result.p50)} · p99 ${ms(result.p99)} ms · ${Math.round(result.rps)} 2xx/s${failed ? ` · ${failed} failed` : ""} · ${cpu}`,
      );
      console.log(`  ${"".padEnd(22)} p99 by second: ${p99BySecond(result).map(ms).join(", ")}`);
      before = now;
    };
    const paced = (source: RequestSource, path: string, rate: number, durationS: number) =>
      runPaced({ url: server.url, path, next: () => source.next(), rate, durationS, maxInFlight: 512, timeoutS: 5 });

    console.log(`run ${run} (${flags.floor ? "floor, " : ""}${kind})`);
    const orders = orderSource({ shop: SHOP, secret: local.apiSecret, firstId: BigInt(run) * 10_000_000n });
    await report("webhooks warm 200/s", await paced(orders, "/webhooks/orders/paid", 200, 2));
    await report("webhooks cold 1,000/s", await paced(orders, "/webhooks/orders/paid", 1_000, 3));
    await report("webhooks 1,000/s", await paced(orders, "/webhooks/orders/paid", 1_000, 12));
    // As the bench does before the proxy phase: the workers deliver what the webhooks left (read once a second).
    const ledger = openDb(database.url);
    while ((await ledger.delivery.count({ where: { status: { in: ["pending", "sending"] } } })) > 0)
      await new Promise((r) => setTimeout(r, 1_000));
    await ledger.$disconnect();
    before = await cpuNow();
    const beacons = beaconSource({ shop: SHOP, secret: local.apiSecret, first: run * 10_000_000 });
    await report("proxy warm 200/s", await paced(beacons, "/proxy/events", 200, 1));
    await report("proxy 1,000/s", await paced(beacons, "/proxy/events", 1_000, 8));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }
} finally {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await meta.process.stop();
}
