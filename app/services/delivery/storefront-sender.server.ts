// The worker's second queue: server copies of storefront events (StorefrontEvent). Same rules as the
// ledger's rows (worker.server.ts): batches per shop and pixel up to the batch size, the shop's token
// opened only to send, test_event_code from settings, retry with backoff on transient answers, bisect on
// a rejected batch, hold on a refused connection, nothing older than 7 days sent. Limited Data Use was
// applied when the event was mapped, as for Purchase.
import type { Db } from "~/db.server";
import { dropRemovedValues } from "~/lib/capi/scrub";
import { openToken, TokenDecryptError } from "~/lib/token-crypto.server";
import { findShopSettings, markConnectionBroken } from "~/models/shop-settings.server";
import {
  claimDueStorefrontEvents,
  markStorefrontFailed,
  markStorefrontRetry,
  markStorefrontSent,
  markStorefrontSkipped,
  releaseStorefrontClaim,
  stillClaimedStorefront,
  type ClaimedStorefrontEvent,
} from "~/models/storefront-event.server";
import { isTooOldForMeta, retryDelayMs } from "./backoff";
import type { CycleStats, WorkerOptions } from "./worker.server";

interface Target {
  shop: string;
  pixelId: string;
  accessToken: string;
  accessTokenSealed: string;
  testEventCode: string | null;
}

export class StorefrontSender {
  constructor(
    private readonly opts: WorkerOptions,
    private readonly now: () => Date,
    private readonly random: () => number,
    /** The worker's claim discipline (SQLite: this process's claims take turns). */
    private readonly takeTurn: <T>(run: () => Promise<T>) => Promise<T>,
  ) {}

  /** One claim-send-record cycle over storefront events; `stopping` releases what is not yet sent. */
  async runOnce(stats: CycleStats, stopping: () => boolean, leaseTooShort: (expiresAt: Date) => boolean): Promise<number> {
    const { db } = this.opts;
    const claim = await this.takeTurn(() =>
      claimDueStorefrontEvents(db, {
        workerId: this.opts.workerId,
        now: this.now(),
        limit: this.opts.batchSize,
        leaseMs: this.opts.leaseMs,
      }),
    );
    stats.claimed += claim.rows.length;
    for (const group of groups(claim.rows)) {
      if (stopping() || leaseTooShort(claim.leaseExpiresAt)) {
        stats.released += await releaseStorefrontClaim(db, ids(group.rows), claim.token);
        continue;
      }
      await this.deliverGroup(db, group.shop, group.pixelId, group.rows, claim.token, stats);
    }
    return claim.rows.length;
  }

  private async deliverGroup(db: Db, shop: string, pixelId: string, rows: ClaimedStorefrontEvent[], token: string, stats: CycleStats) {
    const settings = await findShopSettings(db, shop);
    if (!settings || settings.connectionState !== "connected" || !settings.accessTokenSealed) {
      stats.held += await releaseStorefrontClaim(db, ids(rows), token, { reason: "Held: the shop's Meta connection is not active" });
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
      stats.held += await releaseStorefrontClaim(db, ids(rows), token, { reason: `Held: ${error.message}` });
      return;
    }
    const now = this.now();
    const stale = rows.filter((row) => isTooOldForMeta(row.eventTime, now));
    if (stale.length > 0) stats.skipped += await markStorefrontSkipped(db, ids(stale), token, "Older than 7 days: Meta no longer accepts it");
    const fresh = rows.filter((row) => !isTooOldForMeta(row.eventTime, now));
    if (fresh.length === 0) return;
    await this.sendBatch(db, { shop, pixelId, accessToken, accessTokenSealed: settings.accessTokenSealed, testEventCode: settings.testEventCode }, fresh, token, stats);
  }

  private async sendBatch(db: Db, target: Target, rows: ClaimedStorefrontEvent[], token: string, stats: CycleStats): Promise<void> {
    const { logger } = this.opts;
    // Rows taken away since the claim (customer redacted, app uninstalled) are no longer ours to send.
    const claimed = await stillClaimedStorefront(db, ids(rows), token);
    const sendable: ClaimedStorefrontEvent[] = [];
    const events: unknown[] = [];
    for (const row of rows) {
      if (!claimed.has(row.id)) continue;
      let event: unknown;
      try {
        event = JSON.parse(row.payload);
      } catch {
        stats.failed += await markStorefrontFailed(db, [row.id], token, "Stored payload holds no event to send");
        continue;
      }
      events.push(dropRemovedValues(event));
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
      stats.sent += await markStorefrontSent(db, ids(sendable), token);
      logger.info({ shop: target.shop, pixelId: target.pixelId, events: sendable.length, fbtraceId: result.fbtraceId }, "storefront events delivered to Meta");
      return;
    }
    const logFields = { shop: target.shop, pixelId: target.pixelId, events: sendable.length, kind: result.kind, code: result.code, fbtraceId: result.fbtraceId };
    switch (result.kind) {
      case "transient": {
        const attempts = Math.max(...sendable.map((r) => r.attempts));
        const delay = retryDelayMs(attempts, { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs, retryAfterMs: result.retryAfterMs }, this.random);
        stats.retrying += await markStorefrontRetry(db, ids(sendable), token, {
          nextAttemptAt: new Date(answeredAt.getTime() + delay),
          message: result.message,
        });
        logger.warn({ ...logFields, retryInMs: delay }, "Meta unavailable for storefront events; will retry");
        return;
      }
      case "invalid_payload": {
        if (sendable.length === 1) {
          stats.failed += await markStorefrontFailed(db, ids(sendable), token, result.message);
          logger.warn(logFields, "Meta rejected a storefront event");
          return;
        }
        const middle = Math.ceil(sendable.length / 2);
        await this.sendBatch(db, target, sendable.slice(0, middle), token, stats);
        await this.sendBatch(db, target, sendable.slice(middle), token, stats);
        return;
      }
      case "auth":
      case "permission":
      case "config": {
        const broken = await markConnectionBroken(db, target.shop, { accessTokenSealed: target.accessTokenSealed, reason: result.message });
        stats.held += await releaseStorefrontClaim(db, ids(sendable), token, {
          reason: broken ? `Held: ${result.message}` : "Meta refused a replaced access token; retrying with the current one",
          countAttempt: true,
        });
        logger.warn(logFields, "Meta refused the shop's connection; its storefront events are held until it reconnects");
        return;
      }
    }
  }
}

function ids(rows: ClaimedStorefrontEvent[]): number[] {
  return rows.map((row) => row.id);
}

function groups(rows: ClaimedStorefrontEvent[]) {
  const byKey = new Map<string, { shop: string; pixelId: string; rows: ClaimedStorefrontEvent[] }>();
  for (const row of rows) {
    const key = `${row.shop}\u0000${row.pixelId}`;
    const group = byKey.get(key) ?? { shop: row.shop, pixelId: row.pixelId, rows: [] };
    group.rows.push(row);
    byKey.set(key, group);
  }
  return [...byKey.values()];
}
