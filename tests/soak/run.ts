// `npm run test:soak`: the fault suite's long variant, on demand. Runs the real server (and, on PostgreSQL,
// several `npm run worker` processes) against the fake Graph API for N minutes while orders arrive at a
// steady rate, Shopify redelivers some of them, Meta fails at random (5xx, timeouts, throttling, resets)
// and, if asked, a worker is SIGKILLed and replaced every few seconds. Prints a figure every 10 seconds
// and a summary at the end; exits 1 if any order was lost, counted twice by Meta, or answered with a 5xx.
//
//   npm run test:soak -- [--minutes 5] [--rate 20] [--db sqlite|postgresql] [--workers 2]
//                        [--fault-rate 0.2] [--kill-every 0] [--batch 100]
import { parseArgs } from "node:util";
import { openDb } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type Fault } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { appEnv, startApp, type AppProcess } from "../helpers/app-process";
import { killHard } from "../helpers/process-tree";
import { createTestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    rate: { type: "string", default: "20" },
    db: { type: "string", default: "sqlite" },
    workers: { type: "string", default: "2" },
    "fault-rate": { type: "string", default: "0.2" },
    "kill-every": { type: "string", default: "0" },
    batch: { type: "string", default: "100" },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const kind = values.db === "postgresql" ? "postgresql" : "sqlite";
const workerCount = kind === "postgresql" ? Math.max(1, Number(values.workers)) : 0;
const faultRate = Number(values["fault-rate"]);
const killEverySeconds = Number(values["kill-every"]);
if (![minutes, rate, faultRate, killEverySeconds, Number(values.batch)].every(Number.isFinite) || minutes <= 0 || rate <= 0) {
  console.error(
    "Usage: npm run test:soak -- [--minutes N] [--rate orders/s] [--db sqlite|postgresql] [--workers N] [--fault-rate 0..1] [--kill-every seconds] [--batch N]",
  );
  process.exit(2);
}

const SHOP = "soak-shop.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "s".repeat(60);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const database = await createTestDatabase(kind);
const fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
const db = openDb(database.url);
await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });

let faultsOn = true;
const faultCounts = new Map<string, number>();
const FAULTS: [string, Fault][] = [
  ["503", { kind: "http", status: 503 }],
  ["graph 5xx", { kind: "graph-error", code: 2, isTransient: true, status: 500 }],
  ["timeout", { kind: "delay", ms: 2500 }],
  ["reset", { kind: "reset" }],
  [
    "throttle",
    {
      kind: "graph-error",
      code: 80004,
      headers: { "x-business-use-case-usage": JSON.stringify({ "1": [{ estimated_time_to_regain_access: 0.02 }] }) },
    },
  ],
];
fake.setHandler(() => {
  if (!faultsOn || Math.random() >= faultRate) return { kind: "delay", ms: 20 + Math.floor(Math.random() * 80) };
  const [name, fault] = FAULTS[Math.floor(Math.random() * FAULTS.length)];
  faultCounts.set(name, (faultCounts.get(name) ?? 0) + 1);
  return fault;
});

const env = appEnv({
  DATABASE_URL: database.url,
  META_GRAPH_API_URL: fake.url,
  LOG_LEVEL: "info",
  DELIVERY_BATCH_SIZE: String(values.batch),
  DELIVERY_REQUEST_TIMEOUT_MS: "1000",
  DELIVERY_LEASE_MS: "5000",
  DELIVERY_RETRY_BASE_MS: "200",
  DELIVERY_RETRY_MAX_MS: "5000",
});
const processes = new Set<AppProcess>();
const start = async (entry: "server" | "worker", extra: Record<string, string> = {}) => {
  const app = await startApp(entry, { ...env, ...extra });
  processes.add(app);
  return app;
};
const server = await start("server", workerCount > 0 ? { WORKER_MODE: "external" } : {});
let workers = await Promise.all(Array.from({ length: workerCount }, () => start("worker")));

const orders: string[] = [];
const latencies: number[] = [];
const statusCounts = new Map<string, number>();
let kills = 0;

async function post(id: string, webhookId: string): Promise<void> {
  const body = paidOrderJson({ id });
  const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, webhookId });
  const started = performance.now();
  let status: string;
  try {
    const response = await fetch(`${server.url}/webhooks/orders/paid`, { method: "POST", headers: signed.headers, body });
    await response.arrayBuffer();
    status = String(response.status);
  } catch {
    status = "error";
  }
  latencies.push(performance.now() - started);
  statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
}

async function figures(label: string): Promise<void> {
  const groups = await db.delivery.groupBy({ by: ["status"], _count: { _all: true } });
  const rows = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  const received = fake.received().length;
  const counted = fake.counted(PIXEL).length;
  console.log(
    `[soak ${label}] orders ${orders.length}, rows ${JSON.stringify(rows)}, at Meta ${received} received / ${counted} counted ` +
      `(${received - counted} duplicates), requests ${fake.requests().length}, faults ${JSON.stringify(Object.fromEntries(faultCounts))}, ` +
      `worker kills ${kills}, webhooks ${JSON.stringify(Object.fromEntries(statusCounts))}`,
  );
}

const endAt = Date.now() + minutes * 60_000;
const startedAt = Date.now();
let nextFigure = Date.now() + 10_000;
let nextKill = killEverySeconds > 0 ? Date.now() + killEverySeconds * 1000 : Infinity;
const pending: Promise<void>[] = [];
console.log(
  `[soak] ${kind}, ${minutes} min at ${rate} orders/s, fault rate ${faultRate}, ${workerCount || "in-process"} worker(s), kill every ${killEverySeconds || "never"} s`,
);

while (Date.now() < endAt) {
  const tickStart = Date.now();
  for (let i = 0; i < rate; i++) {
    const id = nextOrderId();
    orders.push(id);
    pending.push(post(id, `wh-${id}`));
    // Shopify redelivers a few: the same webhook ID, or the same order through another subscription.
    if (Math.random() < 0.1) pending.push(post(id, Math.random() < 0.5 ? `wh-${id}` : `other-${id}`));
  }
  if (Date.now() >= nextKill) {
    nextKill = Date.now() + killEverySeconds * 1000;
    if (workerCount > 0) {
      const victim = workers[Math.floor(Math.random() * workers.length)];
      await killHard(victim);
      processes.delete(victim);
      workers = [...workers.filter((w) => w !== victim), await start("worker")];
      kills++;
    }
  }
  if (Date.now() >= nextFigure) {
    nextFigure += 10_000;
    await figures(`${Math.round((Date.now() - startedAt) / 1000)}s`);
  }
  await sleep(Math.max(0, 1000 - (Date.now() - tickStart)));
}

await Promise.all(pending);
faultsOn = false;
console.log("[soak] orders stopped, Meta healthy again: waiting for the queue to drain");
const drainDeadline = Date.now() + 5 * 60_000;
for (;;) {
  const left = await db.delivery.count({ where: { status: { not: "sent" } } });
  if (left === 0 || Date.now() > drainDeadline) break;
  await sleep(500);
}
await fake.idle();
await figures("final");

const rows = await db.delivery.findMany({ select: { orderId: true, status: true, attempts: true } });
const countedIds = new Set(fake.counted(PIXEL).map((e) => e.eventId));
const lost = orders.filter((id) => !countedIds.has(`shopify_order_${id}`));
const countedTwice = fake.counted(PIXEL).length - countedIds.size;
const serverErrors = [...statusCounts].filter(([s]) => s.startsWith("5")).reduce((n, [, c]) => n + c, 0);
const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1);
console.log(
  `[soak summary] ${orders.length} orders in ${minutes} min: ${rows.filter((r) => r.status === "sent").length} sent, ` +
    `${lost.length} lost, ${countedTwice} counted twice by Meta, ${fake.received().length - countedIds.size} duplicate copies received ` +
    `(Meta deduplicates them), max attempts ${Math.max(0, ...rows.map((r) => r.attempts))}, webhook p50 ${pct(0.5)} ms / p99 ${pct(0.99)} ms, ` +
    `${serverErrors} webhook 5xx, ${kills} worker kills`,
);

for (const app of processes) await killHard(app);
await fake.close();
await db.$disconnect();
await database.cleanup();
const ok = lost.length === 0 && countedTwice === 0 && serverErrors === 0 && rows.length === orders.length;
if (!ok) console.error("[soak] FAILED: see the summary above");
process.exit(ok ? 0 : 1);
