// One Prisma client per process, on whichever database DATABASE_URL names. Both generated clients come
// from the same models (prisma/schema.prisma), so the rest of the code sees one type: `Db`.
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { serialisedSqlite, type SqliteRunner } from "./sqlite-adapter.server";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg, { type Pool } from "pg";
import { env, isPostgresUrl } from "./env.server";

export type Db = PrismaClient;
export type DbProvider = "sqlite" | "postgresql";

export interface DbHandle {
  db: Db;
  provider: DbProvider;
}

// The dialect travels on the client object itself: the Remix build and the server entry each hold their
// own copy of this module (see getDb), so module-level bookkeeping would not recognise the other copy's
// client. A Symbol.for key is shared by every copy; Prisma's own `_activeProvider` (from the generated
// client's schema) backs it up for a client opened some other way. Anything else is refused: a wrong
// guess builds the other database's SQL, which fails on every write.
const providerKey = Symbol.for("meta-capi.db.provider");
type Stamped = { [providerKey]?: unknown; _activeProvider?: unknown };

function isProvider(value: unknown): value is DbProvider {
  return value === "sqlite" || value === "postgresql";
}

export function providerOf(db: Db): DbProvider {
  const client = db as unknown as Stamped;
  const stamped = client[providerKey];
  if (isProvider(stamped)) return stamped;
  const active = client._activeProvider;
  if (isProvider(active)) return active;
  throw new Error("providerOf: not a client opened by openDb (its database provider is unknown)");
}

function stamp(client: Db, provider: DbProvider): Db {
  Object.defineProperty(client, providerKey, { value: provider, enumerable: false });
  return client;
}

/** Opens a new client; callers own it and must `$disconnect()` it. */
export function openDb(url: string): Db {
  const raw: RawDriver = { run: null };
  if (isPostgresUrl(url)) {
    // The pool Prisma's adapter opened (`underlyingDriver`), so rawQuery uses the same connections.
    const adapter = tracked(new PrismaPg({ connectionString: url }), raw, (connected) => {
      const pool = (connected as { underlyingDriver?: () => unknown }).underlyingDriver?.() as Pool | undefined;
      if (!pool || typeof pool.query !== "function") return null;
      return (sql, values) =>
        pool
          .query({ text: sql, values: values.map(pgValue), types: UTC_TIMESTAMPS })
          .then((result) => result.rows as Record<string, unknown>[]);
    });
    return withRaw(stamp(new (loadPostgresClient())({ adapter }), "postgresql"), raw);
  }
  enableWal(url);
  let runner: SqliteRunner | null = null;
  // timeout: wait for another process's write lock (the CLI, a worker) instead of failing at once.
  const serialised = serialisedSqlite(new PrismaBetterSQLite3({ url, timeout: 10_000 }), (run) => (runner = run));
  const adapter = tracked(serialised, raw, () => {
    const run = runner;
    if (!run) return null;
    const statements = new Map<string, BetterSqlite3Statement>();
    return (sql, values) =>
      run((connection) => {
        let statement = statements.get(sql);
        if (!statement) {
          // The hot statements are a few dozen texts (one per batch size); anything else must not grow this.
          if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
          statement = connection.prepare(sql);
          statements.set(sql, statement);
        }
        const bound = values.map(sqliteValue);
        if (!statement.reader) {
          statement.run(bound);
          return [];
        }
        return statement.all(bound) as Record<string, unknown>[];
      });
  });
  return withRaw(stamp(new PrismaClient({ adapter }), "sqlite"), raw);
}

/**
 * The factory Prisma connects through, setting `raw.run` from each connection it opens and clearing it when
 * that connection is disposed ($disconnect): until Prisma connects again, rawQuery goes through Prisma,
 * which reconnects.
 */
function tracked(
  factory: SqlDriverAdapterFactory,
  raw: RawDriver,
  runnerOf: (adapter: SqlDriverAdapter) => RawRun | null,
): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = () => {
        raw.run = null;
        return dispose();
      };
      raw.run = runnerOf(adapter);
      return adapter;
    },
  };
}

// ── rawQuery: the hot paths' statements without the Prisma client ──
// Each Prisma query costs the process a few hundred microseconds of CPU whatever it does (its query
// compiler runs even for raw SQL, and the SQLite adapter prepares the statement anew every time). The
// ingest paths' few statements (group-committed inserts, the batched settings and session reads) go to
// the driver under the client instead: the same connection (SQLite, behind the same wait for an open
// transaction) or the same pool (PostgreSQL), with values bound as Prisma binds them.

type BetterSqlite3Statement = ReturnType<BetterSqlite3Database["prepare"]>;
type BetterSqlite3Database = InstanceType<typeof Database>;
const MAX_CACHED_STATEMENTS = 256;

type RawRun = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

interface RawDriver {
  run: RawRun | null;
}

const rawKey = Symbol.for("meta-capi.db.raw");
type WithRaw = { [rawKey]?: RawDriver };

function withRaw(client: Db, raw: RawDriver): Db {
  Object.defineProperty(client, rawKey, { value: raw, enumerable: false });
  return client;
}

/**
 * A statement with `?` (SQLite) or `$n` (PostgreSQL) placeholders, as group-commit.server.ts's Params
 * builds them; rows as objects (SQLite integers as BigInt, as Prisma returns them). Before the client has
 * connected (on its first query) or after it disconnected, or for a client opened some other way, it runs
 * through Prisma's $queryRawUnsafe, with the same rows.
 */
export function rawQuery<T = Record<string, unknown>>(db: Db, sql: string, values: unknown[]): Promise<T[]> {
  const run = (db as unknown as WithRaw)[rawKey]?.run;
  if (run) return run(sql, values) as Promise<T[]>;
  return db.$queryRawUnsafe<T[]>(sql, ...values);
}

// As @prisma/adapter-better-sqlite3 binds them (its default iso8601 timestamps).
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

// Prisma's timestamp(3) columns are without time zone and hold UTC: the zone in the literal is ignored.
function pgValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

const pgTypes = pg.types;

// node-postgres reads a timestamp without time zone as the process's local time; Prisma reads it as UTC.
const TIMESTAMP_OID = 1114;
const UTC_TIMESTAMPS = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMP_OID && format !== "binary"
      ? (text: string) => new Date(`${text.replace(" ", "T")}Z`)
      : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
};

// The PostgreSQL client is generated beside @prisma/client (node_modules/.prisma/client-pg, see
// scripts/prisma.mjs). That path is only reachable through CommonJS resolution, and loading it lazily
// keeps the embedded default from ever touching it. Same models, so it is typed as the SQLite client.
type ClientConstructor = new (options: { adapter: SqlDriverAdapterFactory }) => Db;
function loadPostgresClient(): ClientConstructor {
  const require = createRequire(import.meta.url);
  return (require(".prisma/client-pg") as { PrismaClient: ClientConstructor }).PrismaClient;
}

// WAL lets the admin and webhooks read and write while the worker writes. The mode is stored in the
// database file, so setting it once per process (before Prisma connects) is enough.
function enableWal(url: string): void {
  const path = url.replace(/^file:/, "");
  if (path === ":memory:") return;
  const sqlite = new Database(path);
  try {
    sqlite.pragma("journal_mode = WAL");
  } finally {
    sqlite.close();
  }
}

// The Remix build and the server entry both import this module (two copies in one process), so the
// singleton lives on globalThis rather than in module scope.
const key = Symbol.for("meta-capi.db");
type Holder = { [key]?: Db };

export function getDb(): Db {
  const holder = globalThis as unknown as Holder;
  holder[key] ??= openDb(env().DATABASE_URL);
  return holder[key]!;
}

export async function closeDb(): Promise<void> {
  const holder = globalThis as unknown as Holder;
  const pending = holder[key];
  holder[key] = undefined;
  if (pending) await pending.$disconnect();
}
