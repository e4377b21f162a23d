// The embedded server's delivery worker, on a thread of its own (server/delivery-thread.ts, compiled to
// build/app-delivery-thread.mjs). On the event loop, the worker's claims, request bodies (a thousand events,
// about 1.5 MB) and outcome writes ran between the webhooks' answers: A/B at 1,000 webhooks/s on SQLite, same
// machine and hour, the webhook p99 was 1.2 to 2.9 s with the worker on the event loop and 115 to 163 ms on
// the thread. A thread keeps `npm start` one process and one command, and gives the worker its own database
// connection (SQLite takes one writer at a time across connections, with a busy timeout, as it does for
// `npm run worker`; both connections must come from one SQLite library, docs/architecture.md). A thread
// that dies is started again RESTART_DELAY_MS later; the rows it had claimed are taken again when their
// lease expires, as after a worker process is killed.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { Worker } from "node:worker_threads";
import type { Logger } from "~/logger.server";

/** Between the server and its delivery thread. */
export type DeliveryThreadMessage = "stop" | "stopped";

/** How long after losing its thread the worker is started again. */
export const RESTART_DELAY_MS = 5_000;

export class DeliveryWorkerThread {
  private thread: Worker | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  private readonly restartDelayMs: number;
  private readonly env: Record<string, string> | undefined;

  /**
   * `entry`: the compiled thread (build/app-delivery-thread.mjs). The thread reads its configuration from `env`,
   * by default a copy of this process's environment when it starts.
   */
  constructor(
    private readonly entry: URL,
    private readonly logger: Logger,
    options: { restartDelayMs?: number; env?: Record<string, string> } = {},
  ) {
    this.restartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
    this.env = options.env;
  }

  /** Whether a thread is running now (false between losing one and starting the next). */
  get running(): boolean {
    return this.thread !== null;
  }

  start(): void {
    if (this.thread || this.stopping) return;
    const thread = new Worker(this.entry, this.env ? { env: this.env } : {});
    this.thread = thread;
    const lost = (why: string) => {
      if (this.thread !== thread) return;
      this.thread = null;
      if (this.stopping) return;
      this.logger.error({ why, restartInMs: this.restartDelayMs }, "delivery thread stopped; starting it again");
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.start();
      }, this.restartDelayMs);
    };
    thread.on("error", (error) => lost(error.message));
    thread.on("exit", (code) => lost(`exited with code ${code}`));
  }

  /** Lets the thread finish its batches in flight and close its connection, then ends it. */
  stop(): Promise<void> {
    this.stopping ??= this.stopThread();
    return this.stopping;
  }

  private async stopThread(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const thread = this.thread;
    if (!thread) return;
    await new Promise<void>((resolve) => {
      thread.on("message", (message: DeliveryThreadMessage) => {
        if (message === "stopped") resolve();
      });
      thread.once("exit", () => resolve());
      thread.postMessage("stop" satisfies DeliveryThreadMessage);
    });
    await thread.terminate();
  }
}

/**
 * Lowers the calling thread's scheduling priority (Linux nice value, 0 to 19), so that on a busy machine the
 * HTTP thread, whose answers Shopify and shoppers wait on, runs first; delivery has minutes of slack. On Linux
 * setpriority(2) with a thread's ID affects that thread only. Elsewhere, or when refused, it stays as it is.
 */
export function lowerThreadPriority(nice: number, logger: Logger): void {
  if (nice === 0 || process.platform !== "linux") return;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, nice);
  } catch (error) {
    logger.warn({ nice, error: error instanceof Error ? error.message : String(error) }, "could not lower the delivery thread's priority");
  }
}
