// The embedded server runs its delivery worker on a thread (app/services/delivery/worker-thread.server.ts, the
// compiled build/app-delivery-thread.mjs). The thread must run below the HTTP thread's priority, end when
// asked once its batches are done, and a thread that dies must be started again, not left dead or restarted
// in a loop. Delivery through the thread is tested end to end by tests/process/app-processes.test.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DeliveryWorkerThread } from "~/services/delivery/worker-thread.server";
import { ROOT } from "../../scripts/lib/app-process";
import { localAppEnv } from "../../scripts/lib/local-app-env";
import { createScratchDatabase } from "../../scripts/lib/scratch-db";

const scratch = mkdtempSync(join(tmpdir(), "delivery-thread-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The nice value of each of this process's threads (field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.runIf(process.platform === "linux")("the compiled delivery thread", () => {
  it("runs at DELIVERY_NICE while the rest of the process keeps its priority, and stops when asked", async () => {
    const db = await createScratchDatabase("sqlite", { prefix: "delivery-thread" });
    const { env } = localAppEnv({ DATABASE_URL: db.url, DELIVERY_NICE: "7", DELIVERY_POLL_MS: "50", LOG_LEVEL: "error" });
    const before = threadNiceValues();
    expect(before).not.toContain(7);
    const thread = new DeliveryWorkerThread(pathToFileURL(join(ROOT, "build/app-delivery-thread.mjs")), pino({ level: "silent" }), { env });
    try {
      thread.start();
      await until("a thread at nice 7", () => threadNiceValues().includes(7));
      expect(threadNiceValues().filter((nice) => nice === 7)).toHaveLength(1);
      expect(threadNiceValues()).toContain(before[0]);
      await thread.stop();
      expect(thread.running).toBe(false);
      expect(threadNiceValues()).not.toContain(7);
    } finally {
      await thread.stop();
      await db.cleanup();
    }
  });
});

describe("the delivery thread's host", () => {
  // A stand-in thread: records each start in a file, dies at its first start, and on "stop" records that it
  // finished before answering "stopped", as the real thread does after its batches in flight.
  const entry = join(scratch, "entry.mjs");
  writeFileSync(
    entry,
    `import { appendFileSync, readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
const log = process.env.THREAD_LOG;
appendFileSync(log, "start;");
if (readFileSync(log, "utf8") === "start;") process.exit(3);
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  setTimeout(() => {
    appendFileSync(log, "drained;");
    parentPort.postMessage("stopped");
  }, 100);
});
`,
  );

  it("starts a thread that died again after the delay, once, and waits for the one it stops to drain", async () => {
    const log = join(scratch, "starts.log");
    writeFileSync(log, "");
    const lines: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    const thread = new DeliveryWorkerThread(pathToFileURL(entry), logger, { restartDelayMs: 300, env: { THREAD_LOG: log } });
    const started = Date.now();
    thread.start();
    await until("the first thread to die", () => lines.length === 1);
    expect(JSON.parse(lines[0])).toMatchObject({ msg: "delivery thread stopped; starting it again", why: "exited with code 3" });
    expect(thread.running).toBe(false);
    await until("the second start", () => readFileSync(log, "utf8") === "start;start;");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(thread.running).toBe(true);

    const stopping = thread.stop();
    expect(thread.stop()).toBe(stopping);
    await stopping;
    expect(readFileSync(log, "utf8")).toBe("start;start;drained;");
    expect(thread.running).toBe(false);
    // Stopped on purpose: no error logged, no third start.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines).toHaveLength(1);
    expect(readFileSync(log, "utf8")).toBe("start;start;drained;");
  });
});
