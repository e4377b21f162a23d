// How the worker sends one shop's and pixel's claimed rows to Meta and records the answer, for both of its
// queues: the ledger (Delivery, worker.server.ts) and storefront events (storefront-sender.server.ts). They
// differ only in the table their outcomes are written to and how a row becomes an event (QueueWrites).
import type { ReasonCode } from "~/lib/delivery-reasons";
import { dropRemovedValues, restoreRawIdentifiers, withRawIdentifiers } from "~/lib/capi/scrub";
import type { MetaAnswer } from "~/models/delivery-queue.server";
import { markConnectionBroken } from "~/models/shop-settings.server";
import { StoredEvent, type SendEventsResult } from "~/services/meta/graph-client.server";
import { isTooOldForMeta, retryDelayMs } from "./backoff";
import { openShopCredentials, type ShopCredentials } from "./shop-credentials.server";
import type { CycleStats, WorkerOptions } from "./worker.server";

export interface QueuedRow {
  id: number;
  shop: string;
  pixelId: string;
  attempts: number;
  eventTime: Date;
  payload: string;
  /** The raw identifiers the payload holds placeholders for (ledger rows; app/lib/capi/scrub.ts). */
  rawIdentifiers?: string | null;
}

/** One queue's writes, each guarded by the claim token. */
export interface QueueWrites<Row extends QueuedRow> {
  /** Added to every log line, to tell the queues apart. */
  logContext: Record<string, string>;
  /**
   * The row's payload parsed, or null when it holds no event (the row fails with "no_event"). What is sent
   * is the payload's own text, unless sending it needs a change.
   */
  eventOf(row: Row): unknown;
  stillClaimed(ids: number[], token: string): Promise<Set<number>>;
  release(ids: number[], token: string, opts: { reason: ReasonCode; countAttempt?: boolean; answer?: MetaAnswer }): Promise<number>;
  skipTooOld(rows: Row[], token: string): Promise<number>;
  markSent(rows: Row[], token: string, sent: { eventsReceived: number; fbtraceId: string | null; sentAt: Date }): Promise<number>;
  markRetry(ids: number[], token: string, answer: MetaAnswer & { nextAttemptAt: Date }): Promise<number>;
  markFailed(ids: number[], token: string, answer: MetaAnswer, code?: "meta_rejected" | "no_event"): Promise<number>;
}

export interface SendContext {
  opts: WorkerOptions;
  now: () => Date;
  random: () => number;
}

interface Target extends ShopCredentials {
  pixelId: string;
}

export function ids(rows: { id: number }[]): number[] {
  return rows.map((row) => row.id);
}

export function groupByShopAndPixel<Row extends QueuedRow>(rows: Row[]): { shop: string; pixelId: string; rows: Row[] }[] {
  const groups = new Map<string, { shop: string; pixelId: string; rows: Row[] }>();
  for (const row of rows) {
    const key = `${row.shop}\u0000${row.pixelId}`;
    const group = groups.get(key) ?? { shop: row.shop, pixelId: row.pixelId, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The shop's credentials (or a hold), rows past Meta's 7 days skipped, the rest sent in one batch. */
export async function deliverGroup<Row extends QueuedRow>(
  ctx: SendContext,
  queue: QueueWrites<Row>,
  group: { shop: string; pixelId: string; rows: Row[] },
  token: string,
  stats: CycleStats,
): Promise<void> {
  const { opts } = ctx;
  const credentials = await openShopCredentials(opts.db, group.shop, opts, opts.logger);
  if (!credentials.ok) {
    stats.held += await queue.release(ids(group.rows), token, { reason: credentials.error });
    return;
  }
  const now = ctx.now();
  const stale = group.rows.filter((row) => isTooOldForMeta(row.eventTime, now));
  if (stale.length > 0) stats.skipped += await queue.skipTooOld(stale, token);
  const fresh = group.rows.filter((row) => !isTooOldForMeta(row.eventTime, now));
  if (fresh.length === 0) return;
  await sendBatch(ctx, queue, { ...credentials.value, pixelId: group.pixelId }, fresh, token, stats);
}

/**
 * The stored text as it is, with any held raw identifiers put back in their placeholders' places (no
 * parse and second serialisation); text with a lone surrogate is re-serialised, which escapes it, as
 * JSON.stringify always did here. A placeholder left with no value is dropped, never sent as a value.
 */
function wireEvent(row: QueuedRow, event: unknown): StoredEvent | unknown {
  if (row.rawIdentifiers) {
    const text = restoreRawIdentifiers(row.payload, row.rawIdentifiers);
    if (text !== null && isWellFormed(text)) return new StoredEvent(text);
    return dropRemovedValues(withRawIdentifiers(event, row.rawIdentifiers));
  }
  const kept = dropRemovedValues(event);
  return kept === event && isWellFormed(row.payload) ? new StoredEvent(row.payload) : kept;
}

async function sendBatch<Row extends QueuedRow>(
  ctx: SendContext,
  queue: QueueWrites<Row>,
  target: Target,
  rows: Row[],
  token: string,
  stats: CycleStats,
): Promise<void> {
  const { logger } = ctx.opts;
  // Rows taken away since the claim (customer redacted, app uninstalled) are no longer ours to send.
  const claimed = await queue.stillClaimed(ids(rows), token);
  const events: unknown[] = [];
  const sendable: Row[] = [];
  for (const row of rows.filter((r) => claimed.has(r.id))) {
    const event = queue.eventOf(row);
    if (event === null) {
      stats.failed += await queue.markFailed([row.id], token, { fbtraceId: null, kind: null }, "no_event");
      continue;
    }
    events.push(wireEvent(row, event));
    sendable.push(row);
  }
  if (sendable.length === 0) return;

  const result = await ctx.opts.meta.sendEvents({
    pixelId: target.pixelId,
    accessToken: target.accessToken,
    events,
    testEventCode: target.testEventCode,
  });
  const answeredAt = ctx.now();
  const base = { ...queue.logContext, shop: target.shop, pixelId: target.pixelId, events: sendable.length };

  if (result.ok) {
    stats.sent += await queue.markSent(sendable, token, {
      eventsReceived: result.eventsReceived,
      fbtraceId: result.fbtraceId,
      sentAt: answeredAt,
    });
    logger.info({ ...base, fbtraceId: result.fbtraceId }, "delivered to Meta");
    return;
  }
  const answer = answerOf(result);
  const logFields = { ...base, kind: result.kind, code: result.code, subcode: result.subcode, fbtraceId: result.fbtraceId };

  switch (result.kind) {
    case "transient": {
      // One delay for the batch: its rows failed together and share the same attempt count.
      const attempts = Math.max(...sendable.map((r) => r.attempts));
      const delay = retryDelayMs(
        attempts,
        { baseMs: ctx.opts.retryBaseMs, maxMs: ctx.opts.retryMaxMs, retryAfterMs: result.retryAfterMs },
        ctx.random,
      );
      stats.retrying += await queue.markRetry(ids(sendable), token, { ...answer, nextAttemptAt: new Date(answeredAt.getTime() + delay) });
      logger.warn({ ...logFields, retryInMs: delay }, "Meta unavailable; will retry");
      return;
    }
    case "invalid_payload": {
      // Meta rejects the whole batch for one bad event and does not say which: split until the bad
      // event is alone, fail only it, deliver the rest.
      if (sendable.length === 1) {
        stats.failed += await queue.markFailed(ids(sendable), token, answer);
        logger.warn(logFields, "Meta rejected an event");
        return;
      }
      const middle = Math.ceil(sendable.length / 2);
      await sendBatch(ctx, queue, target, sendable.slice(0, middle), token, stats);
      await sendBatch(ctx, queue, target, sendable.slice(middle), token, stats);
      return;
    }
    case "auth":
    case "permission":
    case "config": {
      // Every event of the shop would fail the same way until the merchant fixes the connection:
      // hold them (nothing is lost) instead of failing or retrying them in a loop.
      // Only if the refused token is still the stored one: the merchant may have saved a new one while
      // this request was in flight, and then the rows go back to the queue to be sent with it.
      const broken = await markConnectionBroken(ctx.opts.db, target.shop, {
        accessTokenSealed: target.accessTokenSealed,
        reason: result.message,
      });
      stats.held += await queue.release(ids(sendable), token, {
        reason: broken ? "held_meta_refused" : "token_replaced",
        countAttempt: true,
        answer,
      });
      logger.warn(logFields, "Meta refused the shop's connection; its events are held until it reconnects");
      return;
    }
  }
}

function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Meta's failed answer as the columns record it (kind from app/lib/meta-errors.ts, via the graph client). */
function answerOf(result: Extract<SendEventsResult, { ok: false }>): MetaAnswer {
  return { fbtraceId: result.fbtraceId, kind: result.kind, errorCode: result.code, errorSubcode: result.subcode, message: result.message };
}
