// `npx tsx bench/delivery-probe.ts [--db postgresql|sqlite] [--rows 30000] [--workers 2] [--cpu-prof DIR] [--repeat 1]`:
// the bench's batched delivery run on its own, for working on the worker: the same rows, stand-in Meta and
// worker processes as bench/index.ts's delivery section, timed from the moment the shop connects until
// every row is sent, with each worker's peak memory, and optionally a CPU profile per worker
// (node --cpu-prof, written when the worker exits). Prints figures; writes nothing else.
import { parseArgs } from "node:util";
import { openDb } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { ROOT, startApp, vmHwmBytes, type AppProcess } from "../scripts/lib/app-process";
import { localAppEnv } from "../scripts/lib/local-app-env";
import { APP_NODE_FLAGS } from "../scripts/lib/node-flags.mjs";
import { readProcStat } from "../scripts/lib/proc-stat";
import { createScratchDatabase, DEFAULT_POSTGRES_ADMIN_URL, type DatabaseKind } from "../scripts/lib/scratch-db";
import { insertPendingRows, pendingRows } from "./orders";
import { startStandInMeta } from "./stand-in-meta";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { envFlags } from "./env-flags";
import { waitUntilAllSent } from "./wait-sent";

const { values: flags } = parseArgs({
  options: {
    db: { type: "string", default: "postgresql" },
    rows: { type: "string", default: "30000" },
    workers: { type: "string", default: "2" },
    "cpu-prof": { type: "string" },
    repeat: { type: "string", default: "1" },
    env: { type: "string", multiple: true },
    // Node's flags for the workers instead of scripts/lib/node-flags.mjs's, to compare heap settings.
    "node-flag": { type: "string", multiple: true },
  },
  strict: true,
});
const kind = flags.db as DatabaseKind;
const rowCount = Number(flags.rows);
const workerCount = Number(flags.workers);
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "b".repeat(60);
const local = localAppEnv({ LOG_LEVEL: "info" });
const extraEnv = envFlags(flags.env);

const cpuSeconds = (pid: number): number => readProcStat(pid)?.cpuSeconds ?? 0;

function cpuByRole(workers: AppProcess[], meta: AppProcess): Record<string, number> {
  const postgres = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/comm`, "utf8").startsWith("postgres");
      } catch {
        return false;
      }
    })
    .reduce((sum, name) => sum + cpuSeconds(Number(name)), 0);
  return {
    workers: workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid!), 0),
    meta: cpuSeconds(meta.child.pid!),
    postgres,
    probe: cpuSeconds(process.pid),
  };
}

// As startApp runs it, with node's own flags in front when profiling (NODE_OPTIONS refuses --cpu-prof).
async function startWorker(env: Record<string, string>): Promise<AppProcess> {
  if (!flags["cpu-prof"]) return startApp("worker", env, flags["node-flag"] ? { nodeFlags: flags["node-flag"] } : {});
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${flags["cpu-prof"]}`, "build/app-worker.mjs"], {
    cwd: ROOT,
    env: { NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  while (!output.includes("delivery worker started")) {
    if (child.exitCode !== null) throw new Error(output);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: "",
    child,
    exited,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      return exited;
    },
  };
}

const meta = await startStandInMeta({ latencyMs: [150, 400], pixelId: PIXEL, token: TOKEN });
const counters = () => meta.counters();

try {
  for (let run = 0; run < Number(flags.repeat); run++) {
    const database = await createScratchDatabase(kind, {
      adminUrl: process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_ADMIN_URL,
      prefix: kind === "postgresql" ? "capi_probe" : "capi-probe",
    });
    const db = openDb(database.url);
    const shop = `probe-${run}.myshopify.com`;
    const rows = pendingRows({
      shop,
      pixelId: PIXEL,
      count: rowCount,
      firstId: 820982911950000000n + BigInt(run * 1_000_000),
      now: new Date(),
    });
    await insertPendingRows(db, rows);
    const env: Record<string, string> = {
      ...local.env,
      DATABASE_URL: database.url,
      META_GRAPH_API_URL: meta.graphUrl,
      DELIVERY_POLL_MS: "50",
      ...extraEnv,
    };
    const workers: AppProcess[] = await Promise.all(Array.from({ length: workerCount }, () => startWorker(env)));
    const idle = workers.map((w) => vmHwmBytes(w.child.pid!)!);
    const cpuBefore = cpuByRole(workers, meta.process);
    const before = await counters();
    const started = performance.now();
    const connected = await connectShop(db, local.encryptionKey, { shop, pixelId: PIXEL, accessToken: TOKEN });
    if (!connected.ok) throw new Error(connected.error.join("; "));
    await waitUntilAllSent({ db, shop, rowCount, meta, eventsBefore: before.serverEvents, timeoutMs: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    const after = await counters();
    const cpuAfter = cpuByRole(workers, meta.process);
    const peaks = workers.map((w) => vmHwmBytes(w.child.pid!)!);
    await Promise.all(workers.map((w) => w.stop("SIGTERM")));
    const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
    console.log(
      `${kind}, ${workerCount} workers, ${rowCount} rows: ${Math.round(rowCount / seconds)} events/s (${seconds.toFixed(2)} s, ` +
        `${after.serverRequests - before.serverRequests} requests, ${after.serverEvents - before.serverEvents} events at Meta); ` +
        `worker VmHWM at start ${idle.map(mb).join(", ")}, at the end ${peaks.map(mb).join(", ")}`,
    );
    console.log(
      "  CPU seconds during the run: " +
        Object.keys(cpuAfter)
          .map((role) => `${role} ${(cpuAfter[role] - (cpuBefore[role] ?? 0)).toFixed(2)}`)
          .join(", "),
    );
    if (process.env.PROBE_OUTPUT) for (const w of workers) console.log(w.output());
    await db.$disconnect();
    await database.cleanup();
  }
} finally {
  await meta.process.stop();
}
