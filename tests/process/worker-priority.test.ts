// `npm run worker` lowers its own priority (DELIVERY_NICE) below the HTTP processes that share the machine,
// and the server keeps its own.
import { readProcStat } from "../../scripts/lib/proc-stat";
import { afterAll, expect, it } from "vitest";
import { startApp, type AppProcess } from "../../scripts/lib/app-process";
import { localAppEnv } from "../../scripts/lib/local-app-env";
import { createScratchDatabase, type ScratchDatabase } from "../../scripts/lib/scratch-db";

const started: AppProcess[] = [];
let db: ScratchDatabase | undefined;
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await db?.cleanup();
});

/** The nice value of a process's main thread. */
const niceOf = (pid: number): number | undefined => readProcStat(pid)?.nice;

it.runIf(process.platform === "linux")("a worker process runs at DELIVERY_NICE, the server at its own priority", async () => {
  db = await createScratchDatabase("sqlite", { prefix: "worker-priority" });
  const { env } = localAppEnv({ DATABASE_URL: db.url, DELIVERY_NICE: "7", WORKER_MODE: "external" });
  const server = await startApp("server", env);
  started.push(server);
  const worker = await startApp("worker", env);
  started.push(worker);
  expect(niceOf(worker.child.pid!)).toBe(7);
  expect(niceOf(process.pid)).toBeTypeOf("number");
  expect(niceOf(server.child.pid!)).toBe(niceOf(process.pid));
});
