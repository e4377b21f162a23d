// Ingest first: the embedded server's worker shares one process, and one core, with the requests Shopify
// and storefronts send. A webhook must be answered within Shopify's 5 seconds and a storefront beacon
// while the page unloads; an event may reach Meta minutes later at no cost (Meta takes events up to 7 days
// old and deduplicates over 48 hours). So while requests arrive fast, the worker holds off, for at most
// `maxDeferMs` per busy spell: a spell that outlasts it gets delivery running alongside again, so under
// sustained load the lag stays bounded instead of growing with the backlog. No I/O here: a lone server notes
// each request it receives; a standalone worker (and a cluster supervisor's) counts the rows the web processes
// wrote to the queues (ingest-gate.server.ts), since its own CPU, or PostgreSQL's, is what they share.

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

export class IngestFirst {
  private readonly now: () => number;
  private readonly busyPerSecond: number;
  private windowStart: number;
  private inWindow = 0;
  private lastRate = 0;
  private busySince: number | null = null;

  constructor(private readonly opts: IngestFirstOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.busyPerSecond = opts.busyPerSecond ?? INGEST_BUSY_PER_SECOND;
    this.windowStart = this.now();
  }

  /** One request arrived (a webhook or a storefront beacon). */
  noteRequest(): void {
    this.roll();
    this.inWindow++;
  }

  /**
   * For a worker that cannot see the requests: `count` arrived over the last `ms` (rows the web processes
   * wrote to the queues meanwhile, counted in the database). It replaces the rate outright.
   */
  noteCount(count: number, ms: number): void {
    this.lastRate = ms > 0 ? (count * 1000) / ms : 0;
    this.windowStart = this.now();
    this.inWindow = 0;
  }

  /** Requests per second over the last closed window (a long quiet stretch counts as one window). */
  rate(): number {
    this.roll();
    return this.lastRate;
  }

  /** Asked before each delivery cycle: true while the worker should wait and ask again. */
  shouldDefer(): boolean {
    if (this.opts.maxDeferMs <= 0) return false;
    if (this.rate() < this.busyPerSecond) {
      this.busySince = null;
      return false;
    }
    const now = this.now();
    this.busySince ??= now;
    return now - this.busySince < this.opts.maxDeferMs;
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
