// Ingest first: the embedded server's worker shares one process, and one core, with the requests Shopify
// and storefronts send. A webhook must be answered within Shopify's 5 seconds and a storefront beacon
// while the page unloads; an event may reach Meta minutes later at no cost (Meta takes events up to 7 days
// old and deduplicates over 48 hours). So while requests arrive fast, the worker holds off, for at most
// `maxDeferMs` per busy spell: a spell that outlasts it gets delivery running alongside again, so under
// sustained load the lag stays bounded instead of growing with the backlog. No I/O here. The rule
// (IngestFirst) takes a rate from one of two measures: a lone server counts each request it receives
// (RequestRate); a standalone worker (and a cluster supervisor's) counts the rows the web processes wrote to
// the queues (ingest-gate.server.ts), since its own CPU, or PostgreSQL's, is what they share.

/** Counts are read over windows this long: short enough to notice a quiet spell within a poll. */
export const INGEST_WINDOW_MS = 250;

/**
 * Below this rate the process has most of a core to spare and delivery costs nothing a caller would notice;
 * at it (the bench's warm-up rate), answers start to queue behind a batch being sent.
 */
export const INGEST_BUSY_PER_SECOND = 200;

export interface IngestFirstOptions {
  /** The longest one busy spell holds delivery off; 0 never does. */
  maxDeferMs: number;
  busyPerSecond?: number;
  now?: () => number;
}

/**
 * The rule. Given the current request rate (however it was measured), says whether delivery should wait,
 * and keeps the time the busy spell began so no spell holds delivery off longer than `maxDeferMs`.
 */
export class IngestFirst {
  private readonly now: () => number;
  private readonly busyPerSecond: number;
  private busySince: number | null = null;

  constructor(private readonly opts: IngestFirstOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.busyPerSecond = opts.busyPerSecond ?? INGEST_BUSY_PER_SECOND;
  }

  /** Asked before each delivery cycle with the rate of the moment: true while the worker should wait and ask again. */
  shouldDefer(perSecond: number): boolean {
    if (this.opts.maxDeferMs <= 0) return false;
    if (perSecond < this.busyPerSecond) {
      this.busySince = null;
      return false;
    }
    const now = this.now();
    this.busySince ??= now;
    return now - this.busySince < this.opts.maxDeferMs;
  }
}

/**
 * A lone server's measure: the requests it receives (webhooks, storefront beacons), per second over the
 * last closed window of INGEST_WINDOW_MS. A long quiet stretch counts as one window, so the first requests
 * after it do not read as a burst.
 */
export class RequestRate {
  private readonly now: () => number;
  private windowStart: number;
  private inWindow = 0;
  private lastRate = 0;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
    this.windowStart = now();
  }

  /** One request arrived. */
  note(): void {
    this.roll();
    this.inWindow++;
  }

  perSecond(): number {
    this.roll();
    return this.lastRate;
  }

  private roll(): void {
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < INGEST_WINDOW_MS) return;
    this.lastRate = (this.inWindow * 1000) / elapsed;
    this.windowStart = now;
    this.inWindow = 0;
  }
}
