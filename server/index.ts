// `npm start`: the production server. Serves the Remix build and, on the embedded default, runs the
// delivery worker in the same process so a single command is the whole app.
import { existsSync } from "node:fs";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { closeDb, getDb } from "~/db.server";
import { declaresTooLarge, MAX_DRAIN_BYTES, MAX_REQUEST_BODY_BYTES } from "~/lib/body-limit.server";
import { bootEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { createWorkerFromEnv } from "~/services/delivery/create-worker.server";

const config = bootEnv();

const buildPath = new URL("../build/server/index.js", import.meta.url);
if (!existsSync(buildPath)) {
  console.error("No build found at build/server/index.js: run `npm run build` first.");
  process.exit(1);
}
const build = (await import(buildPath.href)) as ServerBuild;

const app = express();
app.disable("x-powered-by");
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
app.all("*", createRequestHandler({ build, mode: config.NODE_ENV }));

const db = getDb();
const worker = config.WORKER_MODE === "in-process" ? createWorkerFromEnv(db, config, logger) : null;

const server = app.listen(config.PORT, () => {
  logger.info({ port: config.PORT, worker: worker ? "in-process" : "external" }, "server listening");
  worker?.start();
});

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
