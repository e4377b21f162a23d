// `npm start`: the production server. Serves the Remix build and, on the embedded default, runs the
// delivery worker in the same process so a single command is the whole app. With WEB_CONCURRENCY > 1
// (PostgreSQL) it supervises that many HTTP processes instead (server/cluster.ts).
import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express, { type NextFunction, type Request, type Response } from "express";
import { closeDb, getDb } from "~/db.server";
import { bootEnv, isPostgresUrl, resolvedOrderRowThreads } from "~/env.server";
import { logger } from "~/logger.server";
import { createWorkerFromEnv } from "~/services/delivery/create-worker.server";
import { IngestFirst, RequestRate } from "~/services/delivery/ingest-first";
import { answerOrderPaidWith, ORDERS_PAID_OPTIONS, ORDERS_PAID_TOPIC } from "~/services/orders-paid-webhook.server";
import { OrderRowThreads } from "~/services/order-row-threads.server";
import { answerUnexpected, ingressGuards, pathOf } from "~/services/ingress.server";
import { warmOrderRows, warmProxyEvents } from "~/services/warm-up.server";
import { fastProxyEvents, fastWebhook, hotPath } from "~/services/webhook-fast-path.server";

const config = bootEnv();
// React, Express and the Shopify library choose their development or production behaviour from this, not
// from our validated env: a default (unset) start must be production for them too.
process.env.NODE_ENV = config.NODE_ENV;

// Several HTTP processes (WEB_CONCURRENCY) need a database that takes writes from several processes at once.
if (config.WEB_CONCURRENCY > 1 && !isPostgresUrl(config.DATABASE_URL)) {
  console.error(
    `WEB_CONCURRENCY=${config.WEB_CONCURRENCY} needs PostgreSQL. SQLite takes one writer at a time and better-sqlite3 waits ` +
      "for its lock synchronously, so a second HTTP process would stall the first rather than add throughput: " +
      "keep WEB_CONCURRENCY=1 on SQLite, or set DATABASE_URL to a postgresql:// URL.",
  );
  process.exit(1);
}

const buildPath = new URL("../build/server/index.js", import.meta.url);
if (!existsSync(buildPath)) {
  console.error("No build found at build/server/index.js: run `npm run build` first.");
  process.exit(1);
}
const clustered = config.WEB_CONCURRENCY > 1;
if (clustered && cluster.isPrimary) {
  // This process only supervises: the HTTP processes run this file too and serve below (server/cluster.ts).
  const { runPrimary } = await import("./cluster");
  process.exit(
    await runPrimary(config).catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      return 1;
    }),
  );
}

const build = (await import(buildPath.href)) as ServerBuild;

const app = express();
app.disable("x-powered-by");
app.set("env", config.NODE_ENV);
app.use("/assets", express.static(new URL("../build/client/assets", import.meta.url).pathname, { immutable: true, maxAge: "1y" }));
app.use(express.static(new URL("../build/client", import.meta.url).pathname, { maxAge: "1h" }));
app.all("*", createRequestHandler({ build, mode: config.NODE_ENV }));
// Whatever throws outside Remix (a malformed URL in the static layer, a body that breaks the adapter)
// gets one log line and a plain answer: never a stack trace or a server path.
app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => answerUnexpected(req, res, error));

// Every request meets the same guards first (ingress.server.ts: 413, 401, the webhook bound, the body
// budget); then the hot paths are answered straight from node:http, ahead of Express's middleware chain
// and Remix's request pipeline, by the handlers their Remix routes share (app/routes/webhooks.orders.paid.tsx
// and proxy.events.tsx, which `shopify app dev` serves).
const admit = ingressGuards({ maxWebhooksInFlight: config.WEBHOOK_MAX_IN_FLIGHT, maxBodyBytesInFlight: config.MAX_BODY_BYTES_IN_FLIGHT });
// orders/paid bodies are parsed and mapped on threads beside this one (order-row-threads.server.ts).
const rowThreads = resolvedOrderRowThreads(config);
const orderRows = new OrderRowThreads(new URL("../build/app-order-rows.mjs", import.meta.url), rowThreads, logger, {
  warmUpIterations: config.WARM_UP_ITERATIONS,
});
const hot = hotPath({
  "/webhooks/orders/paid": fastWebhook(ORDERS_PAID_TOPIC, ORDERS_PAID_OPTIONS, answerOrderPaidWith(orderRows.build)),
  "/proxy/events": fastProxyEvents,
});
// Which HTTP process answered: for operators (and the process test) checking that all of them serve.
const logAnswers = clustered && logger.isLevelEnabled("debug");
// With several HTTP processes the worker runs once, in the process that supervises them.
const runsWorker = config.WORKER_MODE === "in-process" && !clustered;
// That worker shares this thread: while requests arrive fast, delivery waits (ingest-first.ts). Counted only
// where a worker asks.
const requests = runsWorker ? new RequestRate() : null;
function listener(req: IncomingMessage, res: ServerResponse): void {
  requests?.note();
  if (logAnswers) {
    res.once("finish", () => logger.debug({ pid: process.pid, method: req.method, path: pathOf(req), status: res.statusCode }, "answered"));
  }
  if (!admit(req, res)) return;
  const handle = hot(req.method, pathOf(req));
  if (!handle) {
    app(req, res);
    return;
  }
  handle(req, res).catch((error: unknown) => answerUnexpected(req, res, error));
}

const db = getDb();
const ingest = new IngestFirst({ maxDeferMs: config.DELIVERY_DEFER_MS });
const worker = requests ? createWorkerFromEnv(db, config, logger, { deferWhile: () => ingest.shouldDefer(requests.perSecond()) }) : null;

// Before listening: the hot paths' pure parts, here and on the row threads (which warm themselves as they start).
// A warm-up that throws (a bug the first real request would meet too) is logged; the server still serves.
if (config.WARM_UP_ITERATIONS > 0) {
  const started = performance.now();
  const threadsWarm = orderRows.startAll();
  try {
    warmProxyEvents(config.WARM_UP_ITERATIONS);
    if (rowThreads === 0) warmOrderRows(config.WARM_UP_ITERATIONS);
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, "warm-up failed; serving without it");
  }
  await threadsWarm;
  logger.info({ iterations: config.WARM_UP_ITERATIONS, ms: Math.round(performance.now() - started) }, "hot paths warmed up");
}

const server = createServer(listener).listen(config.PORT, () => {
  // A clustered HTTP process is announced by its supervisor, which says "server listening" once all are up.
  if (!clustered) logger.info({ port: config.PORT, worker: worker ? "in-process" : "external", mode: config.NODE_ENV }, "server listening");
  worker?.start();
});
// A request still sending its body after this long is cut off, so a trickling client cannot keep its
// share of the body budget for Node's default five minutes. Shopify's own timeout is 5 seconds.
server.requestTimeout = 30_000;

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: draining requests and the batch in flight");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([closed, worker?.stop()]);
    await orderRows.close();
    await closeDb();
    process.exit(0);
  });
}
