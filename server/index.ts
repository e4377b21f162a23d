// `npm start`: the production server. Serves the Remix build and, on the embedded default, runs the
// delivery worker in the same process so a single command is the whole app. With WEB_CONCURRENCY > 1
// (PostgreSQL) it supervises that many HTTP processes instead (server/cluster.ts).
import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { STATUS_CODES } from "node:http";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express, { type NextFunction, type Request, type Response } from "express";
import { closeDb, getDb } from "~/db.server";
import {
  BodyBudget,
  bodyBytesToReserve,
  declaresTooLarge,
  discardUnreadBody,
  MAX_DRAIN_BYTES,
  MAX_REQUEST_BODY_BYTES,
} from "~/services/body-limit.server";
import { bootEnv, isPostgresUrl } from "~/env.server";
import { describeError } from "~/describe-error.server";
import { logger } from "~/logger.server";
import { createWorkerFromEnv } from "~/services/delivery/create-worker.server";
import { answerOrderPaid, ORDERS_PAID_OPTIONS, ORDERS_PAID_TOPIC } from "~/services/orders-paid-webhook.server";
import { fastWebhook } from "~/services/webhook-fast-path.server";
import { BUSY, webhooksInFlight } from "~/services/webhook-auth.server";

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
if (clustered && logger.isLevelEnabled("debug")) {
  // Which HTTP process answered: for operators (and the process test) checking that all of them serve.
  app.use((req, res, next) => {
    res.once("finish", () => logger.debug({ pid: process.pid, method: req.method, path: req.path, status: res.statusCode }, "answered"));
    next();
  });
}
app.use("/assets", express.static(new URL("../build/client/assets", import.meta.url).pathname, { immutable: true, maxAge: "1y" }));
app.use(express.static(new URL("../build/client", import.meta.url).pathname, { maxAge: "1h" }));
// A body declared over the limit never reaches the app; one without Content-Length is capped where it is
// read (webhook-auth.server.ts, the pixel beacon). What the client is still sending is read and dropped
// first, so it gets the 413 rather than a connection reset; an absurd declared size is cut off instead.
app.use((req, res, next) => {
  if (!declaresTooLarge(req.headers["content-length"])) return next();
  const refuse = () =>
    res.set("Connection", "close").status(413).type("text/plain").send(`Request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
  if (Number(req.headers["content-length"]) > MAX_DRAIN_BYTES) {
    refuse();
    res.on("finish", () => req.socket.destroy());
    return;
  }
  req.on("end", refuse);
  req.on("error", () => req.socket.destroy());
  req.resume();
});
// Shopify signs every webhook: one without the signature header is refused before a byte of its body is
// held, so unauthenticated posts cost no memory however large or many they are.
const WEBHOOK_PATH = /^\/webhooks(\/|$)/i;
app.use((req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD" || !WEBHOOK_PATH.test(req.path) || req.headers["x-shopify-hmac-sha256"]) return next();
  refuseUnread(req, res, 401, "Missing X-Shopify-Hmac-Sha256 header");
});
// At the in-flight bound a delivery is turned away on arrival, before its body is read or the Remix
// pipeline is entered: shedding must cost next to nothing, or a flood still saturates the process.
app.use((req, res, next) => {
  if (req.method !== "POST" || !WEBHOOK_PATH.test(req.path) || webhooksInFlight() < config.WEBHOOK_MAX_IN_FLIGHT) return next();
  res.set("Retry-After", BUSY.headers!["Retry-After"]);
  refuseUnread(req, res, BUSY.status, BUSY.body!);
});
// Past this many body bytes held at once across all requests, new ones are turned away for a moment
// (Shopify retries a 503); the budget is taken before the body is read and given back when the response ends.
const budget = new BodyBudget(config.MAX_BODY_BYTES_IN_FLIGHT);
app.use((req, res, next) => {
  const bytes = bodyBytesToReserve(req.headers);
  if (bytes === 0) return next();
  if (!budget.tryReserve(bytes)) {
    res.set("Retry-After", "5");
    refuseUnread(req, res, 503, "Server busy: too many request bodies in flight; retry shortly");
    return;
  }
  res.once("close", () => budget.release(bytes));
  next();
});
// The hot webhook, answered without Remix (webhook-fast-path.server.ts): same checks, bound and handler as
// app/routes/webhooks.orders.paid.tsx, which `shopify app dev` still serves.
const ordersPaid = fastWebhook(ORDERS_PAID_TOPIC, ORDERS_PAID_OPTIONS, answerOrderPaid);
app.post("/webhooks/orders/paid", (req, res, next) => {
  ordersPaid(req, res).catch(next);
});
app.all("*", createRequestHandler({ build, mode: config.NODE_ENV }));
// Whatever throws outside Remix (a malformed URL in the static layer, a body that breaks the adapter)
// gets one log line and a plain answer: never a stack trace or a server path.
app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
  const status = httpStatusOf(error);
  const line = { status, method: req.method, path: req.path, error: describeError(error) };
  if (status >= 500) logger.error(line, "unexpected error while handling a request");
  else logger.info(line, "request refused");
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res
    .status(status)
    .type("text/plain")
    .send(STATUS_CODES[status] ?? "Error");
});

/** Answers at once without holding the body (body-limit.server.ts drops what is still coming). */
function refuseUnread(req: Request, res: Response, status: number, message: string): void {
  discardUnreadBody(req);
  res.status(status).type("text/plain").send(message);
}

function httpStatusOf(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}

const db = getDb();
// With several HTTP processes the worker runs once, in the process that supervises them.
const worker = config.WORKER_MODE === "in-process" && !clustered ? createWorkerFromEnv(db, config, logger) : null;

const server = app.listen(config.PORT, () => {
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
    await closeDb();
    process.exit(0);
  });
}
