// One Prisma client per process, on whichever database DATABASE_URL names. Both generated clients come
// from the same models (prisma/schema.prisma), so the rest of the code sees one type: `Db`.
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { serialisedSqlite } from "./sqlite-adapter.server";
import { PrismaPg } from "@prisma/adapter-pg";
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
  if (isPostgresUrl(url)) {
    return stamp(new (loadPostgresClient())({ adapter: new PrismaPg({ connectionString: url }) }), "postgresql");
  }
  enableWal(url);
  // timeout: wait for another process's write lock (the CLI, a worker) instead of failing at once.
  return stamp(new PrismaClient({ adapter: serialisedSqlite(new PrismaBetterSQLite3({ url, timeout: 10_000 })) }), "sqlite");
}

// The PostgreSQL client is generated beside @prisma/client (node_modules/.prisma/client-pg, see
// scripts/prisma.mjs). That path is only reachable through CommonJS resolution, and loading it lazily
// keeps the embedded default from ever touching it. Same models, so it is typed as the SQLite client.
type ClientConstructor = new (options: { adapter: PrismaPg }) => Db;
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
