// Waiting for a delivery run to finish without loading the database under test. Counting a shop's sent
// rows every 20 ms cost PostgreSQL about 6 ms of CPU a count (a heap visit per row while the rows change),
// a fifth of its time in a 30,000-event run on two cores, so the bench slowed what it measured. The
// stand-in Meta's counter is another process's and costs the database nothing: the ledger is read every
// 20 ms only once Meta has had every event (the run ends when the ledger records them, not when Meta
// receives them), and before that only every second, for a rejected event or a stalled run.
import type { Db } from "~/db.server";
import type { StandInMeta } from "./stand-in-meta";

const FAST_MS = 20;
const LEDGER_EVERY_MS = 1_000;
const STALL_MS = 15_000;

export async function waitUntilAllSent(opts: {
  db: Db;
  shop: string;
  rowCount: number;
  meta: StandInMeta;
  /** Meta's event counter when the run started. */
  eventsBefore: number;
  timeoutMs: number;
  /** The workers' last logged error, to say why a stalled run stalled. */
  lastError?: () => string | null;
}): Promise<void> {
  const { db, shop, rowCount } = opts;
  const started = performance.now();
  let progress = { events: -1, at: started };
  let ledgerReadAt = 0;
  for (;;) {
    const now = performance.now();
    const events = (await opts.meta.counters()).serverEvents - opts.eventsBefore;
    if (events !== progress.events) progress = { events, at: now };
    if (events >= rowCount || now - ledgerReadAt >= LEDGER_EVERY_MS) {
      ledgerReadAt = now;
      const failed = await db.delivery.findFirst({ where: { shop, status: "failed" }, select: { lastError: true, reasonCode: true } });
      if (failed) throw new Error(`Meta rejected a benchmark event: ${failed.lastError ?? failed.reasonCode}`);
      const sent = await db.delivery.count({ where: { shop, status: "sent" } });
      if (sent === rowCount) return;
    }
    if (now - progress.at > STALL_MS) {
      const logged = opts.lastError?.();
      throw new Error(
        `no progress for ${STALL_MS / 1000} s (${events.toLocaleString("en-US")} of ${rowCount.toLocaleString("en-US")} at Meta)${logged ? `; the worker logged: ${logged}` : ""}`,
      );
    }
    if (now - started > opts.timeoutMs)
      throw new Error(`Timed out after ${opts.timeoutMs / 1000} s waiting for ${rowCount} rows to be sent`);
    await new Promise((resolve) => setTimeout(resolve, FAST_MS));
  }
}
