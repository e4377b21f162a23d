// Ingest first for a worker that does not answer the requests itself (`npm run worker`, or the cluster
// supervisor's worker): the rows written to the queues since it last looked stand for the requests, counted
// in the database at most once per window however many of the worker's loops ask. It shares the machine's
// CPU or PostgreSQL's with the web processes, so the rule is the same as in a lone server (ingest-first.ts).
import type { Db } from "~/db.server";
import type { Logger } from "~/logger.server";
import { countQueuedBetween } from "~/models/delivery-counts.server";
import { INGEST_WINDOW_MS, IngestFirst } from "./ingest-first";

export function ledgerIngestGate(db: Db, opts: { maxDeferMs: number; logger: Logger; now?: () => Date }): () => Promise<boolean> {
  const now = opts.now ?? (() => new Date());
  const ingest = new IngestFirst({ maxDeferMs: opts.maxDeferMs, now: () => now().getTime() });
  let since = now();
  // Rows per second over the last window counted; it stands until the next count replaces it.
  let perSecond = 0;
  let counting: Promise<void> | null = null;
  return async () => {
    if (opts.maxDeferMs <= 0) return false;
    const at = now();
    if (!counting && at.getTime() - since.getTime() >= INGEST_WINDOW_MS) {
      const from = since;
      since = at;
      counting = countQueuedBetween(db, from, at)
        .then((count) => {
          perSecond = (count * 1000) / (at.getTime() - from.getTime());
        })
        .catch((error: unknown) => {
          // Unknown load: deliver. The cycle that follows meets the same database and says what is wrong.
          perSecond = 0;
          opts.logger.debug({ err: error instanceof Error ? error.message : String(error) }, "could not count recent ingest");
        })
        .finally(() => (counting = null));
    }
    if (counting) await counting;
    return ingest.shouldDefer(perSecond);
  };
}
