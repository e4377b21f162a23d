// The retention purge the worker runs (at most once an hour per process, see DeliveryWorker). Batches are
// small and the run has a time budget: the worker's loop is paused while it runs, so a large backlog (the
// first purge on an old table) is worked off over several cycles instead of holding deliveries up.
import type { Db } from "~/db.server";
import { deleteExpiredBrowserEvents, deleteExpiredDataRequests, deleteExpiredDeliveries } from "~/models/retention.server";
import { deleteExpiredStorefrontEvents } from "~/models/storefront-event.server";

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface PurgeOptions {
  now: Date;
  retentionDays: number;
  /** Storefront events' own, shorter retention (default 7 days). */
  storefrontRetentionDays?: number;
  batchSize?: number;
  budgetMs?: number;
  /** Wall clock for the budget; separate from `now`, which tests move freely. */
  clock?: () => number;
}

export interface PurgeResult {
  deliveries: number;
  browserEvents: number;
  dataRequests: number;
  storefrontEvents: number;
  /** False when the budget ran out with expired rows left: the caller should come back soon. */
  complete: boolean;
}

export async function purgeExpired(db: Db, opts: PurgeOptions): Promise<PurgeResult> {
  const batchSize = opts.batchSize ?? 500;
  const clock = opts.clock ?? Date.now;
  const deadline = clock() + (opts.budgetMs ?? 2000);
  const before = new Date(opts.now.getTime() - opts.retentionDays * DAY_MS);
  const storefrontBefore = new Date(opts.now.getTime() - (opts.storefrontRetentionDays ?? 7) * DAY_MS);
  const result: PurgeResult = { deliveries: 0, browserEvents: 0, dataRequests: 0, storefrontEvents: 0, complete: true };

  const steps: [keyof Omit<PurgeResult, "complete">, () => Promise<number>][] = [
    ["deliveries", () => deleteExpiredDeliveries(db, { before, now: opts.now, limit: batchSize })],
    ["browserEvents", () => deleteExpiredBrowserEvents(db, { before, limit: batchSize })],
    ["dataRequests", () => deleteExpiredDataRequests(db, { before, limit: batchSize })],
    ["storefrontEvents", () => deleteExpiredStorefrontEvents(db, { before: storefrontBefore, now: opts.now, limit: batchSize })],
  ];
  for (const [name, step] of steps) {
    for (;;) {
      if (clock() > deadline) {
        result.complete = false;
        return result;
      }
      const deleted = await step();
      result[name] += deleted;
      if (deleted < batchSize) break;
      // Let webhook requests in between batches (one event loop for the server and the in-process worker).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return result;
}
