// The worker's second queue: server copies of storefront events (StorefrontEvent). Sent by the ledger's
// rules and code (send-group.server.ts): batches per shop and pixel up to the batch size, the shop's token
// opened only to send, test_event_code from settings, retry with backoff on transient answers, bisect on
// a rejected batch, hold on a refused connection, nothing older than 7 days sent, outcomes stored as
// reason codes. Only the claim and the writes are this table's. Limited Data Use was applied when the
// event was mapped, as for Purchase.
import type { Db } from "~/db.server";
import { parseJsonOr } from "~/lib/result";
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
import { deliverGroup, groupByShopAndPixel, ids, type QueueWrites, type SendContext } from "./send-group.server";
import type { CycleStats } from "./worker.server";

export class StorefrontSender {
  private readonly writes: QueueWrites<ClaimedStorefrontEvent>;

  constructor(
    private readonly send: SendContext,
    /** The worker's claim discipline (SQLite: this process's claims take turns). */
    private readonly takeTurn: <T>(run: () => Promise<T>) => Promise<T>,
  ) {
    this.writes = storefrontWrites(send.opts.db);
  }

  /** One claim-send-record cycle over storefront events; `stopping` releases what is not yet sent. */
  async runOnce(stats: CycleStats, stopping: () => boolean, leaseTooShort: (expiresAt: Date) => boolean): Promise<number> {
    const { opts } = this.send;
    const claim = await this.takeTurn(() =>
      claimDueStorefrontEvents(opts.db, {
        workerId: opts.workerId,
        now: this.send.now(),
        limit: opts.batchSize,
        leaseMs: opts.leaseMs,
      }),
    );
    stats.claimed += claim.rows.length;
    for (const group of groupByShopAndPixel(claim.rows)) {
      if (stopping() || leaseTooShort(claim.leaseExpiresAt)) {
        stats.released += await releaseStorefrontClaim(opts.db, ids(group.rows), claim.token);
        continue;
      }
      await deliverGroup(this.send, this.writes, group, claim.token, stats);
    }
    return claim.rows.length;
  }
}

function storefrontWrites(db: Db): QueueWrites<ClaimedStorefrontEvent> {
  return {
    logContext: { queue: "storefront" },
    // A final row keeps no payload, so the raw identifiers need no scrubbing here.
    eventOf: (row) => parseJsonOr(row.payload, null),
    stillClaimed: (rowIds, token) => stillClaimedStorefront(db, rowIds, token),
    release: (rowIds, token, opts) => releaseStorefrontClaim(db, rowIds, token, opts),
    skipTooOld: (rows, token) => markStorefrontSkipped(db, ids(rows), token, "too_old"),
    markSent: (rows, token) => markStorefrontSent(db, ids(rows), token),
    markRetry: (rowIds, token, answer) => markStorefrontRetry(db, rowIds, token, answer),
    markFailed: (rowIds, token, answer, code) => markStorefrontFailed(db, rowIds, token, answer, code),
  };
}
