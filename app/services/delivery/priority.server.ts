// A delivery worker process (`npm run worker`) runs below the HTTP processes that share the machine with it
// (DELIVERY_NICE): webhooks and storefront events, which callers wait on, get the CPU first; delivery has
// minutes of slack. Not the cluster supervisor, which hands every new connection to an HTTP process.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import type { Logger } from "~/logger.server";

/**
 * Lowers the calling thread's scheduling priority (Linux nice value, 0 to 19). On Linux setpriority(2) with
 * a thread's ID affects that thread only, so this is the thread that runs JavaScript, not libuv's or V8's
 * helpers. Elsewhere, or when refused, it stays as it is.
 */
export function lowerThreadPriority(nice: number, logger: Logger): void {
  if (nice === 0 || process.platform !== "linux") return;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, nice);
  } catch (error) {
    logger.warn({ nice, error: error instanceof Error ? error.message : String(error) }, "could not lower the delivery worker's priority");
  }
}
