// `npm start` with WEB_CONCURRENCY > 1 (PostgreSQL): this process serves nothing itself. It runs that many
// HTTP processes (node:cluster, each running server/index.ts, sharing the port), starts another when one
// dies, runs the in-process delivery worker once for all of them, and on SIGTERM stops them all gracefully.
import cluster, { type Worker } from "node:cluster";
import { closeDb, getDb } from "~/db.server";
import type { Env } from "~/env.server";
import { logger } from "~/logger.server";
import { createWorkerFromEnv } from "~/services/delivery/create-worker.server";

// A process that dies this soon after it started is probably failing at start-up: restarting it at once
// would spin the CPU on the same error.
const QUICK_DEATH_MS = 5_000;
const RESTART_DELAY_MS = 1_000;

/** Resolves with the exit code once everything has stopped; rejects if the processes cannot start. */
export async function runPrimary(config: Env): Promise<number> {
  const count = config.WEB_CONCURRENCY;
  // The processes alive now (cluster.workers can lag behind an exit), and when each started.
  const live = new Set<Worker>();
  const startedAt = new WeakMap<Worker, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  let failedExits = 0;

  const fork = (): Worker => {
    const child = cluster.fork();
    live.add(child);
    startedAt.set(child, Date.now());
    child.once("exit", () => live.delete(child));
    return child;
  };

  // Every process must come up once before the server counts as started: one that dies before then
  // (a port in use, a bad build) fails the start instead of being restarted forever.
  await new Promise<void>((resolve, reject) => {
    let listening = 0;
    const onListening = (child: Worker) => {
      logger.info({ pid: child.process.pid }, "HTTP process listening");
      if (++listening === count) done(resolve);
    };
    const onExit = (child: Worker, code: number | null, signal: string | null) =>
      done(() => reject(new Error(`HTTP process ${child.process.pid} exited during start-up (code ${code}, signal ${signal})`)));
    const done = (then: () => void) => {
      cluster.off("listening", onListening);
      cluster.off("exit", onExit);
      then();
    };
    cluster.on("listening", onListening);
    cluster.on("exit", onExit);
    for (let i = 0; i < count; i++) fork();
  }).catch(async (error) => {
    stopping = true;
    for (const child of live) child.process.kill("SIGKILL");
    throw error;
  });

  cluster.on("listening", (child) => logger.info({ pid: child.process.pid }, "HTTP process listening"));
  cluster.on("exit", (child, code, signal) => {
    const lived = Date.now() - (startedAt.get(child) ?? 0);
    if (stopping) {
      if (code !== 0) failedExits++;
      return;
    }
    const delay = lived < QUICK_DEATH_MS ? RESTART_DELAY_MS : 0;
    logger.error({ pid: child.process.pid, code, signal, restartInMs: delay }, "HTTP process exited; starting another");
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork();
    }, delay);
    restarts.add(timer);
  });

  const worker = config.WORKER_MODE === "in-process" ? createWorkerFromEnv(getDb(), config, logger) : null;
  logger.info(
    { port: config.PORT, processes: count, worker: worker ? "in-process" : "external", mode: config.NODE_ENV },
    "server listening",
  );
  worker?.start();

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ["SIGINT", "SIGTERM"] as const) process.on(name, () => resolve(name));
  });
  stopping = true;
  logger.info({ signal }, "stopping: HTTP processes draining their requests, the worker its batches in flight");
  for (const timer of restarts) clearTimeout(timer);
  const children = [...live];
  const exited = Promise.all(
    children.map((child) => new Promise((resolve) => (child.isDead() ? resolve(null) : child.once("exit", resolve)))),
  );
  // Each drains as a lone `npm start` does (server/index.ts); a Ctrl-C reaches them directly as well.
  for (const child of children) child.process.kill("SIGTERM");
  await Promise.all([exited, worker?.stop()]);
  await closeDb();
  return failedExits === 0 ? 0 : 1;
}
