// The delivery worker: claims due ledger rows, sends them to Meta in batches per pixel, and records
// Meta's answer on every row. At-least-once by construction; the lease, the claim-token guards and the
// unique ledger key keep the duplicate window down to "a worker died after Meta answered but before
// the answer was written".
import { hasEventToSend } from "~/lib/delivery-payload";
import { providerOf, type Db } from "~/db.server";
import type { Logger } from "~/logger.server";
import { dropRemovedValues, scrubRawIdentifiers } from "~/lib/capi/scrub";
import { openToken, TokenDecryptError } from "~/lib/token-crypto.server";
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
import { findShopSettings, markConnectionBroken } from "~/models/shop-settings.server";
import type { SendEventsInput, SendEventsResult } from "~/services/meta/graph-client.server";
import { isTooOldForMeta, retryDelayMs } from "./backoff";
import { purgeExpired, type PurgeResult } from "./retention.server";
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

  constructor(private readonly opts: WorkerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.storefront = new StorefrontSender(opts, this.now, this.random, (run) => this.takeTurn(run));
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
      await this.deliverGroup(group.shop, group.pixelId, group.rows, claim.token, stats);
    }
    // Server copies of storefront events: their own table and claim, the same rules (storefront-sender.server.ts).
    await this.storefront.runOnce(stats, () => this.stopping, (expiresAt) => this.leaseTooShort(expiresAt));
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
      const result = await purgeExpired(this.opts.db, { now, retentionDays: retention.days, storefrontRetentionDays: retention.storefrontDays });
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

  private async deliverGroup(
    shop: string,
    pixelId: string,
    rows: ClaimedDelivery[],
    token: string,
    stats: CycleStats,
  ): Promise<void> {
    const { db, logger } = this.opts;
    const settings = await findShopSettings(db, shop);
    if (!settings || settings.connectionState !== "connected" || !settings.accessTokenSealed) {
      stats.held += await releaseClaim(db, ids(rows), token, { reason: "held_not_connected" });
      return;
    }

    let accessToken: string;
    try {
      accessToken = openToken(settings.accessTokenSealed, [
        this.opts.encryptionKey,
        ...(this.opts.previousEncryptionKey ? [this.opts.previousEncryptionKey] : []),
      ]);
    } catch (error) {
      if (!(error instanceof TokenDecryptError)) throw error;
      await markConnectionBroken(db, shop, { accessTokenSealed: settings.accessTokenSealed, reason: error.message });
      stats.held += await releaseClaim(db, ids(rows), token, { reason: "held_token_unreadable" });
      logger.error({ shop }, "stored access token cannot be decrypted; shop marked broken");
      return;
    }

    const now = this.now();
    const stale = rows.filter((row) => isTooOldForMeta(row.eventTime, now));
    if (stale.length > 0) {
      stats.skipped += await markSkipped(db, ids(stale), token, "too_old", scrubbed(stale));
    }
    const fresh = rows.filter((row) => !isTooOldForMeta(row.eventTime, now));
    if (fresh.length === 0) return;

    await this.sendBatch(
      { shop, pixelId, accessToken, accessTokenSealed: settings.accessTokenSealed, testEventCode: settings.testEventCode },
      fresh,
      token,
      stats,
    );
  }

  private async sendBatch(
    target: { shop: string; pixelId: string; accessToken: string; accessTokenSealed: string; testEventCode: string | null },
    rows: ClaimedDelivery[],
    token: string,
    stats: CycleStats,
  ): Promise<void> {
    const { db, logger } = this.opts;
    // Rows taken away since the claim (customer redacted, app uninstalled) are no longer ours to send.
    const claimed = await stillClaimed(db, ids(rows), token);
    const events: unknown[] = [];
    const sendable: ClaimedDelivery[] = [];
    for (const row of rows.filter((r) => claimed.has(r.id))) {
      // A row that never held an event (an unmapped order re-queued by an older version) must fail here
      // rather than put an empty event on the wire.
      if (!hasEventToSend(row.payload)) {
        stats.failed += await markFailed(db, [row.id], token, { fbtraceId: null, kind: null }, "no_event");
        continue;
      }
      events.push(dropRemovedValues(JSON.parse(row.payload)));
      sendable.push(row);
    }
    if (sendable.length === 0) return;

    const result = await this.opts.meta.sendEvents({
      pixelId: target.pixelId,
      accessToken: target.accessToken,
      events,
      testEventCode: target.testEventCode,
    });
    const answeredAt = this.now();

    if (result.ok) {
      stats.sent += await markSent(
        db,
        ids(sendable),
        token,
        { eventsReceived: result.eventsReceived, fbtraceId: result.fbtraceId, sentAt: answeredAt },
        scrubbed(sendable),
      );
      logger.info(
        { shop: target.shop, pixelId: target.pixelId, events: sendable.length, fbtraceId: result.fbtraceId },
        "delivered to Meta",
      );
      return;
    }

    const answer = { fbtraceId: result.fbtraceId, kind: result.kind, errorCode: result.code, errorSubcode: result.subcode, message: result.message };
    const logFields = { shop: target.shop, pixelId: target.pixelId, events: sendable.length, kind: result.kind, code: result.code, subcode: result.subcode, fbtraceId: result.fbtraceId };

    switch (result.kind) {
      case "transient": {
        // One delay for the batch: its rows failed together and share the same attempt count.
        const attempts = Math.max(...sendable.map((r) => r.attempts));
        const delay = retryDelayMs(
          attempts,
          { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs, retryAfterMs: result.retryAfterMs },
          this.random,
        );
        stats.retrying += await markRetry(db, ids(sendable), token, {
          ...answer,
          nextAttemptAt: new Date(answeredAt.getTime() + delay),
        });
        logger.warn({ ...logFields, retryInMs: delay }, "Meta unavailable; will retry");
        return;
      }
      case "invalid_payload": {
        // Meta rejects the whole batch for one bad event and does not say which: split until the bad
        // event is alone, fail only it, deliver the rest.
        if (sendable.length === 1) {
          stats.failed += await markFailed(db, ids(sendable), token, answer);
          logger.warn(logFields, "Meta rejected an event");
          return;
        }
        const middle = Math.ceil(sendable.length / 2);
        await this.sendBatch(target, sendable.slice(0, middle), token, stats);
        await this.sendBatch(target, sendable.slice(middle), token, stats);
        return;
      }
      case "auth":
      case "permission":
      case "config": {
        // Every event of the shop would fail the same way until the merchant fixes the connection:
        // hold them (nothing is lost) instead of failing or retrying them in a loop.
        // Only if the refused token is still the stored one: the merchant may have saved a new one while
        // this request was in flight, and then the rows go back to the queue to be sent with it.
        const broken = await markConnectionBroken(db, target.shop, { accessTokenSealed: target.accessTokenSealed, reason: result.message });
        stats.held += await releaseClaim(db, ids(sendable), token, {
          reason: broken ? "held_meta_refused" : "token_replaced",
          countAttempt: true,
          answer,
        });
        logger.warn(logFields, "Meta refused the shop's connection; its events are held until it reconnects");
        return;
      }
    }
  }
}

function ids(rows: ClaimedDelivery[]): number[] {
  return rows.map((row) => row.id);
}

// Meta needed the raw IP, user agent and browser IDs for this one request; the ledger keeps only that they were there.
function scrubbed(rows: ClaimedDelivery[]): { id: number; payload: string }[] {
  return rows.flatMap((row) => {
    const payload = scrubRawIdentifiers(row.payload);
    return payload === row.payload ? [] : [{ id: row.id, payload }];
  });
}

function groupByShopAndPixel(rows: ClaimedDelivery[]): { shop: string; pixelId: string; rows: ClaimedDelivery[] }[] {
  const groups = new Map<string, { shop: string; pixelId: string; rows: ClaimedDelivery[] }>();
  for (const row of rows) {
    const key = `${row.shop}\u0000${row.pixelId}`;
    const group = groups.get(key) ?? { shop: row.shop, pixelId: row.pixelId, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: "Error", message: String(error) };
}
