// `npx tsx bench/memory-probe.ts [--env NAME=value ...] [--node-option FLAG ...] [--default-heap] [--warm-rate N] [--phases full|quick]
// [--print-output]`: the bench's
// ingest load on the embedded default (one SQLite server process, worker inside) on its own, for working on
// the server's memory: the same phases as bench/index.ts (webhooks at 1,000/s, saturation, the app proxy at
// 1,000 requests/s, Meta slow and down), with the process's resident set sampled every 250 ms and printed per
// phase, and its peak (VmHWM) and p99s at the end. Node options go to the server the way NODE_OPTIONS would.
// Prints figures; writes nothing else.
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDb } from "~/db.server";
import { startApp, vmHwmBytes } from "../scripts/lib/app-process";
import { readProcStat } from "../scripts/lib/proc-stat";
import { localAppEnv } from "../scripts/lib/local-app-env";
import { createScratchDatabase } from "../scripts/lib/scratch-db";
import { runLoad, runPaced, type LoadResult, type RequestSource } from "./load";
import { beaconSource, orderSource } from "./orders";
import { startStandInMeta } from "./stand-in-meta";
import { envFlags } from "./env-flags";
import { connectBenchShop } from "./bench-shop";

const { values: flags } = parseArgs({
  options: {
    env: { type: "string", multiple: true },
    "node-option": { type: "string", multiple: true },
    phases: { type: "string", default: "full" },
    "print-output": { type: "boolean", default: false },
    // The warm-up's rate (the bench's is 200/s); at 1,000 the webhook phase measures a warm steady state.
    "warm-rate": { type: "string", default: "200" },
    // V8's own heap sizing instead of scripts/lib/node-flags.mjs's, to compare the two.
    "default-heap": { type: "boolean", default: false },
  },
  strict: true,
});
const FULL = flags.phases !== "quick";
const SHOP = "bench-shop.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "b".repeat(60);
const MB = 1024 * 1024;
const local = localAppEnv({ LOG_LEVEL: "info", PROXY_SHOP_RATE: "1000000", PROXY_SHOP_BURST: "1000000" });
const extraEnv = envFlags(flags.env);
const nodeOptions = (flags["node-option"] ?? []).join(" ");

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

// Resident memory by mapping: named files, [heap] (the main malloc arena), and anonymous mappings bucketed
// by size (V8's pages, other threads' malloc arenas, WebAssembly memories).
function smapsSummary(of: number): string {
  const sums = new Map<string, number>();
  let name = "";
  for (const line of readFileSync(`/proc/${of}/smaps`, "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = (parseInt(head[2], 16) - parseInt(head[1], 16)) / MB;
      name = head[3] || `anon ${size >= 64 ? ">=64" : size >= 8 ? "8-64" : size >= 1 ? "1-8" : "<1"} MB`;
      name = name.replace(/.*node_modules\//, "nm/");
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) sums.set(name, (sums.get(name) ?? 0) + Number(rss[1]) * 1024);
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)
    .map(([k, v]) => `  ${(v / MB).toFixed(1).padStart(6)} MB  ${k}`)
    .join("\n");
}

const meta = await startStandInMeta({ latencyMs: [150, 400], pixelId: PIXEL, token: TOKEN });
const database = await createScratchDatabase("sqlite", { prefix: "capi-memprobe" });
const db = openDb(database.url);
await connectBenchShop(db, { encryptionKey: local.encryptionKey, shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
await db.$disconnect();

const env: Record<string, string> = { ...local.env, DATABASE_URL: database.url, META_GRAPH_API_URL: meta.graphUrl, ...extraEnv };
if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
const server = await startApp("server", env, { nodeFlags: flags["default-heap"] ? [] : undefined });
const pid = server.child.pid!;
const cpuSeconds = (of: number): number => readProcStat(of)?.cpuSeconds ?? 0;
// The server's threads by ID: name (comm) and CPU seconds, to see which thread a phase's CPU went to.
function threadCpu(): Map<string, { name: string; s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // Null when the thread ended between the listing and the read.
    const stat = readProcStat(`${pid}/task/${tid}`);
    if (stat) out.set(tid, { name: stat.name, s: stat.cpuSeconds });
  }
  return out;
}
const cpuNow = () => ({
  server: cpuSeconds(pid),
  meta: cpuSeconds(meta.process.child.pid!),
  load: process.cpuUsage(),
  threads: threadCpu(),
});
let cpuBefore = cpuNow();
let phaseMax = 0;
const sampler = setInterval(() => (phaseMax = Math.max(phaseMax, rssBytes(pid))), 250);
const report = (name: string, result?: LoadResult) => {
  const p99 = result ? ` · p99 ${result.p99.toFixed(1)} ms · ${Math.round(result.rps)} req/s 2xx of ${result.offered}` : "";
  const cpu = cpuNow();
  const loadS = (cpu.load.user + cpu.load.system - cpuBefore.load.user - cpuBefore.load.system) / 1e6;
  const cpuText = `CPU s: server ${(cpu.server - cpuBefore.server).toFixed(1)}, Meta ${(cpu.meta - cpuBefore.meta).toFixed(1)}, load ${loadS.toFixed(1)}`;
  console.log(`${name.padEnd(28)} RSS max ${(phaseMax / MB).toFixed(0)} MB, now ${(rssBytes(pid) / MB).toFixed(0)} MB${p99} · ${cpuText}`);
  const busiest = [...cpu.threads]
    .map(([tid, t]) => ({ tid, name: t.name, s: t.s - (cpuBefore.threads.get(tid)?.s ?? 0) }))
    .filter((t) => t.s >= 0.1)
    .sort((a, b) => b.s - a.s);
  if (busiest.length) console.log(`  server threads (CPU s): ${busiest.map((t) => `${t.name}#${t.tid} ${t.s.toFixed(1)}`).join(", ")}`);
  cpuBefore = cpu;
  phaseMax = 0;
};
report("started");

const orders = orderSource({ shop: SHOP, secret: local.apiSecret, firstId: 1n });
const paced = (source: RequestSource, path: string, rate: number, durationS: number) =>
  runPaced({ url: server.url, path, next: () => source.next(), rate, durationS, maxInFlight: 512, timeoutS: 5 });
report("warm-up", await paced(orders, "/webhooks/orders/paid", Number(flags["warm-rate"]), FULL ? 2 : 1));
const webhooks = await paced(orders, "/webhooks/orders/paid", 1_000, FULL ? 12 : 5);
report("webhooks 1,000/s", webhooks);
// Where the slow answers fell: the worst latency in each tenth of the run, in answer order.
const tenth = Math.ceil(webhooks.samples.length / 10);
const worst = Array.from({ length: 10 }, (_, i) => Math.max(0, ...webhooks.samples.slice(i * tenth, (i + 1) * tenth).map((s) => s.ms)));
console.log(`  worst per tenth: ${worst.map((ms) => ms.toFixed(0)).join(" ")} ms`);
report(
  "saturation",
  await runLoad({
    url: server.url,
    path: "/webhooks/orders/paid",
    next: () => orders.next(),
    connections: 100,
    durationS: FULL ? 8 : 4,
    timeoutS: 10,
  }),
);
await new Promise((r) => setTimeout(r, 3_000));
report("after 3 s idle");
const beacons = beaconSource({ shop: SHOP, secret: local.apiSecret });
report("proxy 1,000 req/s", await paced(beacons, "/proxy/events", 1_000, FULL ? 8 : 4));
await meta.behave({ kind: "slow", ms: 6_000 });
report("Meta slow", await paced(orders, "/webhooks/orders/paid", 10, 4));
await meta.behave({ kind: "outage" });
report("Meta down", await paced(orders, "/webhooks/orders/paid", 10, 4));
clearInterval(sampler);
if (flags["print-output"]) console.log(smapsSummary(pid));
console.log(`peak (VmHWM): ${((vmHwmBytes(pid) ?? 0) / MB).toFixed(0)} MB${nodeOptions ? ` with ${nodeOptions}` : ""}`);
await server.stop();
// What the server printed besides its JSON log lines (a V8 trace asked for with --node-option, say).
if (flags["print-output"])
  console.log(
    server
      .output()
      .split("\n")
      .filter((line) => !line.startsWith("{"))
      .join("\n"),
  );
await meta.process.stop();
await database.cleanup();
