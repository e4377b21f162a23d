// The delivery worker: claims due ledger rows, sends them to Meta in batches per pixel, and records
// Meta's answer on every row. At-least-once by construction; the lease, the claim-token guards and the
// unique ledger key keep the duplicate window down to "a worker died after Meta answered but before
// the answer was written".
import { isEventToSend } from "~/lib/delivery-payload";
import { parseJsonOr } from "~/lib/result";
import { providerOf, type Db } from "~/db.server";
import type { Logger } from "~/logger.server";
import { scrubRawIdentifiers } from "~/lib/capi/scrub";
import {
  claimDueDeliveries,
  markFailed,
  markRetry,
  markSent,
  markSkipped,
  releaseClaim,
  stillClaimed,
  type ClaimedDelivery,
} from "~/models/delivery-queue.server";
import type { SendEventsInput, SendEventsResult } from "~/services/meta/graph-client.server";
import { purgeExpired, type PurgeResult } from "./retention.server";
import { deliverGroup, groupByShopAndPixel, ids, type QueueWrites, type SendContext } from "./send-group.server";
import { INGEST_WINDOW_MS } from "./ingest-first";
import { StorefrontSender } from "./storefront-sender.server";

export interface MetaSender {
  sendEvents(input: SendEventsInput): Promise<SendEventsResult>;
}

export interface WorkerOptions {
  db: Db;
  meta: MetaSender;
  encryptionKey: Buffer;
  /** The key TOKEN_ENCRYPTION_KEY replaced: tokens not yet re-sealed still open during a rotation. */
  previousEncryptionKey?: Buffer | null;
  workerId: string;
  batchSize: number;
  leaseMs: number;
  requestTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  /**
   * Claim-send-record loops run side by side by `start()` (default 1). Each claims its own batch under its
   * own claim token, so every guarantee holds per batch as with one loop, and the process keeps several
   * requests to Meta in flight instead of waiting out each one's 150-400 ms.
   */
  concurrency?: number;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
  /**
   * Purge rows older than `days` (storefront events older than `storefrontDays`, default 7), at most once
   * per `intervalMs` (default an hour) in the running loop.
   */
  retention?: { days: number; storefrontDays?: number; intervalMs?: number };
  /**
   * Asked before each cycle of the running loop; while it answers true the loop waits and asks again
   * (ingest first: a lone server's count of its requests, ingest-first.ts, or the queues' recent rows,
   * ingest-gate.server.ts).
   */
  deferWhile?: () => boolean | Promise<boolean>;
}

export interface CycleStats {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
  held: number;
  released: number;
}

const emptyStats = (): CycleStats => ({ claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: 0, held: 0, released: 0 });

export class DeliveryWorker {
  private readonly now: () => Date;
  private readonly random: () => number;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly wakers = new Set<() => void>();
  private nextPurgeAt = 0;
  // SQLite: claims from this process's loops take turns (see claim()).
  private claimTurn: Promise<unknown> = Promise.resolve();
  private readonly storefront: StorefrontSender;
  private readonly send: SendContext;
  private readonly ledger: QueueWrites<ClaimedDelivery>;

  constructor(private readonly opts: WorkerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.send = { opts, now: this.now, random: this.random };
    this.ledger = ledgerWrites(opts.db);
    this.storefront = new StorefrontSender(this.send, (run) => this.takeTurn(run));
  }

  /** One claim-send-record cycle. Exposed for tests and for draining the queue on demand. */
  async runOnce(): Promise<CycleStats> {
    const stats = emptyStats();
    const claim = await this.claim();
    stats.claimed = claim.rows.length;

    for (const group of groupByShopAndPixel(claim.rows)) {
      if (this.stopping || this.leaseTooShort(claim.leaseExpiresAt)) {
        // Do not start a request whose answer we could no longer record under our lease.
        stats.released += await releaseClaim(this.opts.db, ids(group.rows), claim.token);
        continue;
      }
      await deliverGroup(this.send, this.ledger, group, claim.token, stats);
    }
    // Server copies of storefront events: their own table and claim, the same rules (storefront-sender.server.ts).
    await this.storefront.runOnce(
      stats,
      () => this.stopping,
      (expiresAt) => this.leaseTooShort(expiresAt),
    );
    return stats;
  }

  /** Drains everything that is due now; for the CLI and tests. */
  async drain(maxCycles = 1000): Promise<CycleStats> {
    const total = emptyStats();
    for (let i = 0; i < maxCycles; i++) {
      const stats = await this.runOnce();
      for (const key of Object.keys(total) as (keyof CycleStats)[]) total[key] += stats[key];
      if (stats.claimed === 0) break;
    }
    return total;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    const loops = Math.max(1, this.opts.concurrency ?? 1);
    this.loop = Promise.all(Array.from({ length: loops }, (_, index) => this.runLoop(index === 0))).then(() => undefined);
  }

  /** Finishes the cycles in flight (their requests have a timeout), releasing rows they have not sent. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await this.loop;
    this.loop = null;
  }

  private async runLoop(purges: boolean): Promise<void> {
    while (!this.stopping) {
      if (await this.opts.deferWhile?.()) await this.deferWhileBusy(purges);
      if (this.stopping) break;
      let claimed = 0;
      try {
        // One loop is enough to purge, and the others keep delivering meanwhile.
        if (purges) await this.purgeIfDue();
        claimed = (await this.runOnce()).claimed;
      } catch (error) {
        this.opts.logger.error({ err: describe(error) }, "delivery cycle failed; will retry");
      }
      // A full batch means more is probably waiting: go again at once.
      if (claimed < this.opts.batchSize && !this.stopping) await this.sleep(this.opts.pollMs);
    }
  }

  // Ingest first (ingest-first.ts). One loop speaks for all, so a busy spell is one pair of log lines.
  private async deferWhileBusy(speaks: boolean): Promise<void> {
    const started = performance.now();
    if (speaks) this.opts.logger.info("delivery waiting while requests arrive fast (ingest first)");
    // Asked again only after a window: the caller has just heard "busy".
    do await this.sleep(INGEST_WINDOW_MS);
    while (!this.stopping && (await this.opts.deferWhile?.()));
    if (speaks && !this.stopping) {
      this.opts.logger.info({ waitedMs: Math.round(performance.now() - started) }, "delivery resuming");
    }
  }

  // PostgreSQL's claim skips rows another claim holds (SKIP LOCKED), so this process's loops claim at the
  // same time. SQLite's reads its candidates before it updates them, and two loops of one process would
  // read the same ones and the later update would find them taken (an empty claim, then a poll's wait):
  // there the claims take turns, which costs nothing since SQLite writes one at a time anyway.
  private claim() {
    return this.takeTurn(() =>
      claimDueDeliveries(this.opts.db, {
        workerId: this.opts.workerId,
        now: this.now(),
        limit: this.opts.batchSize,
        leaseMs: this.opts.leaseMs,
      }),
    );
  }

  private takeTurn<T>(run: () => Promise<T>): Promise<T> {
    if (providerOf(this.opts.db) === "postgresql") return run();
    const claim = this.claimTurn.then(run);
    this.claimTurn = claim.catch(() => undefined);
    return claim;
  }

  /** The retention purge, when it is due; exposed for tests. Null when not due or not configured. */
  async purgeIfDue(): Promise<PurgeResult | null> {
    const retention = this.opts.retention;
    const now = this.now();
    if (!retention || now.getTime() < this.nextPurgeAt) return null;
    const interval = retention.intervalMs ?? 60 * 60 * 1000;
    try {
      const result = await purgeExpired(this.opts.db, {
        now,
        retentionDays: retention.days,
        storefrontRetentionDays: retention.storefrontDays,
      });
      // Out of budget with rows left: carry on next cycle rather than in an hour.
      this.nextPurgeAt = result.complete ? now.getTime() + interval : 0;
      if (result.deliveries + result.browserEvents + result.dataRequests + result.storefrontEvents > 0) {
        this.opts.logger.info({ ...result, retentionDays: retention.days }, "purged rows past the retention period");
      }
      return result;
    } catch (error) {
      this.nextPurgeAt = now.getTime() + interval;
      throw error;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private leaseTooShort(leaseExpiresAt: Date): boolean {
    return leaseExpiresAt.getTime() - this.now().getTime() < this.opts.requestTimeoutMs * 2;
  }
}

// The ledger's side of the shared sending (send-group.server.ts).
function ledgerWrites(db: Db): QueueWrites<ClaimedDelivery> {
  return {
    logContext: {},
    // A row that never held an event (an unmapped order re-queued by an older version) must fail here
    // rather than put an empty event on the wire.
    eventOf: (row) => {
      const event = parseJsonOr(row.payload, null);
      return isEventToSend(event) ? event : null;
    },
    stillClaimed: (rowIds, token) => stillClaimed(db, rowIds, token),
    release: (rowIds, token, opts) => releaseClaim(db, rowIds, token, opts),
    skipTooOld: (rows, token) => markSkipped(db, ids(rows), token, "too_old", scrubbed(rows)),
    markSent: (rows, token, sent) => markSent(db, ids(rows), token, sent, scrubbed(rows)),
    markRetry: (rowIds, token, answer) => markRetry(db, rowIds, token, answer),
    markFailed: (rowIds, token, answer, code) => markFailed(db, rowIds, token, answer, code),
  };
}

// Meta needed the raw IP, user agent and browser IDs for this one request; the ledger keeps only that they
// were there. A row holding them apart forgets them with its outcome (rawIdentifiers set to NULL); only a
// row stored before that column has them in its payload, to be rewritten.
function scrubbed(rows: ClaimedDelivery[]): { id: number; payload: string }[] {
  return rows.flatMap((row) => {
    if (row.rawIdentifiers !== null) return [];
    const payload = scrubRawIdentifiers(row.payload);
    return payload === row.payload ? [] : [{ id: row.id, payload }];
  });
}

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: "Error", message: String(error) };
}
