// Threads that turn orders/paid bodies into ledger rows (order-paid-row.server.ts) for the production server.
// Parsing an order losslessly, mapping it to a Purchase and hashing its identifiers is about 40% of a webhook's
// CPU; on the event loop it queues every other request behind it, so at 1,000 webhooks/s on 2 cores the
// one busy thread, not the machine, was the limit. Here the HTTP thread checks the signature, reads the
// settings, inserts and answers, while the mapping runs beside it. A thread that dies takes nothing with it:
// what it held is built inline, and so is what follows until a new one is started, RESTART_DELAY_MS later (a
// thread that cannot start, a missing build say, must not be retried, and logged, on every webhook).
import { Worker } from "node:worker_threads";
import type { Logger } from "~/logger.server";
import {
  orderPaidRowFromBody,
  type BuildOrderPaidRow,
  type IngestSettings,
  type OrderPaidRowInput,
  type OrderPaidRowResult,
} from "~/services/order-paid-row.server";

export interface OrderRowRequest {
  id: number;
  rawBody: string;
  input: OrderPaidRowInput;
  settings: IngestSettings;
}

/** What a thread answers: the row's result, or what it threw (a bug: the caller answers as for any other). */
export type OrderRowReply = { id: number; result: OrderPaidRowResult } | { id: number; thrown: string };

/** What a thread is started with. */
export interface OrderRowThreadData {
  /** Sample rows to build before taking any (warm-up.server.ts); the thread then says `{ warmed: true }`. */
  warmUpIterations: number;
}

/** How long rows are built inline after a thread is lost, before another is started. */
export const RESTART_DELAY_MS = 5_000;

interface Slot {
  worker: Worker | null;
  /** When a lost thread may be replaced (Date.now() ms). */
  restartAt: number;
  pending: Map<number, { request: OrderRowRequest; resolve(result: OrderPaidRowResult): void; reject(error: Error): void }>;
}

export class OrderRowThreads {
  private readonly slots: Slot[];
  private next = 0;
  private seq = 0;
  private closed = false;

  /** `entry`: the compiled thread (build/app-order-rows.mjs); `count` 0 builds every row inline. */
  constructor(
    private readonly entry: URL,
    count: number,
    private readonly logger: Logger,
    private readonly opts: { warmUpIterations?: number } = {},
  ) {
    this.slots = Array.from({ length: count }, () => ({ worker: null, restartAt: 0, pending: new Map() }));
  }

  /**
   * Starts every thread now, each warming up first (OrderRowThreadData), instead of at the first webhook;
   * resolves once all have warmed up or stopped. A thread started later, to replace a lost one, starts cold:
   * the rows waiting for it must not wait for a warm-up as well.
   */
  startAll(): Promise<void> {
    return Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const worker = slot.worker ?? this.start(slot, this.opts.warmUpIterations ?? 0);
            const done = () => {
              worker.off("message", onMessage);
              resolve();
            };
            const onMessage = (message: unknown) => {
              if (typeof message === "object" && message !== null && "warmed" in message) done();
            };
            worker.on("message", onMessage);
            worker.once("exit", done);
          }),
      ),
    ).then(() => undefined);
  }

  readonly build: BuildOrderPaidRow = (rawBody, input, settings) => {
    if (this.closed || this.slots.length === 0) return Promise.resolve(orderPaidRowFromBody(rawBody, input, settings));
    const slot = this.slots[this.next++ % this.slots.length];
    if (!slot.worker && Date.now() < slot.restartAt) return Promise.resolve(orderPaidRowFromBody(rawBody, input, settings));
    const worker = slot.worker ?? this.start(slot);
    const request: OrderRowRequest = { id: ++this.seq, rawBody, input, settings };
    return new Promise<OrderPaidRowResult>((resolve, reject) => {
      slot.pending.set(request.id, { request, resolve, reject });
      worker.postMessage(request);
    });
  };

  /** Stops the threads; rows still being built are built inline. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker?.terminate()));
  }

  private start(slot: Slot, warmUpIterations = 0): Worker {
    const workerData: OrderRowThreadData = { warmUpIterations };
    const worker = new Worker(this.entry, { workerData });
    // Idle threads must not keep a stopping process alive.
    worker.unref();
    worker.on("message", (reply: OrderRowReply | { warmed: true }) => {
      if ("warmed" in reply) return;
      const waiting = slot.pending.get(reply.id);
      if (!waiting) return;
      slot.pending.delete(reply.id);
      if ("thrown" in reply) waiting.reject(new Error(`Building the order's row failed: ${reply.thrown}`));
      else waiting.resolve(reply.result);
    });
    const lost = (why: string) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      slot.restartAt = Date.now() + RESTART_DELAY_MS;
      if (!this.closed) this.logger.error({ why, held: slot.pending.size }, "order row thread stopped; its rows are built inline");
      for (const [id, waiting] of slot.pending) {
        slot.pending.delete(id);
        const { rawBody, input, settings } = waiting.request;
        try {
          waiting.resolve(orderPaidRowFromBody(rawBody, input, settings));
        } catch (error) {
          waiting.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    };
    worker.on("error", (error) => lost(error.message));
    worker.on("exit", (code) => lost(`exited with code ${code}`));
    slot.worker = worker;
    return worker;
  }
}
