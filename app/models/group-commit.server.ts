// Group commit for the webhook path. Each query through Prisma costs the process a few hundred microseconds
// of CPU whatever it does, and SQLite commits one writer at a time, so under load inserting one ledger row
// per request made the insert, not the database, the limit. Here requests that arrive while a statement is
// running wait for the next one, and go in together: one multi-row INSERT ... ON CONFLICT DO NOTHING.
// Nothing waits on a timer: a lone request runs at once, so an idle server answers as fast as before.
import { providerOf, type Db } from "~/db.server";

/**
 * Runs `run` over batches of queued items, one batch at a time per key (a database client): items queued
 * while a batch runs form the next one, up to `maxBatch`. Each caller gets its own result or error.
 */
export class Coalescer<T, R> {
  private readonly queue: { item: T; resolve(value: R): void; reject(error: unknown): void }[] = [];
  private running = false;

  constructor(
    private readonly run: (items: T[]) => Promise<(R | Error)[]>,
    private readonly maxBatch: number,
  ) {}

  /**
   * One Coalescer per database client (tests open several). It runs no query of its own: the queries are
   * the caller's, scoped by shop there.
   */
  static perClient<T, R>(make: (db: Db) => Coalescer<T, R>): (db: Db) => Coalescer<T, R> {
    const byClient = new WeakMap<Db, Coalescer<T, R>>();
    return (db) => {
      let coalescer = byClient.get(db);
      if (!coalescer) byClient.set(db, (coalescer = make(db)));
      return coalescer;
    };
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Requests parsed in the same turn of the event loop join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((entry) => entry.item));
        batch.forEach((entry, i) => {
          const result = results[i];
          if (result instanceof Error) entry.reject(result);
          else entry.resolve(result);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running = false;
  }
}

/** Values bound as parameters, with each database's placeholder; dates as Prisma binds them. */
export class Params {
  readonly values: unknown[] = [];
  private readonly postgres: boolean;

  constructor(db: Db) {
    this.postgres = providerOf(db) === "postgresql";
  }

  /** `int`: PostgreSQL is told the type where it cannot infer it (inside CASE ... WHEN). */
  add(value: unknown, opts: { int?: boolean } = {}): string {
    this.values.push(value);
    return this.postgres ? `$${this.values.length}${opts.int ? "::int" : ""}` : "?";
  }
}
