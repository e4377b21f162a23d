// One Prisma client per process, on whichever database DATABASE_URL names. Both generated clients come
// from the same models (prisma/schema.prisma), so the rest of the code sees one type: `Db`.
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import { PrismaClient } from "@prisma/client";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { env, isPostgresUrl } from "./env.server";

export type Db = PrismaClient;
export type DbProvider = "sqlite" | "postgresql";

export interface DbHandle {
  db: Db;
  provider: DbProvider;
}

const providers = new WeakMap<object, DbProvider>();

export function providerOf(db: Db): DbProvider {
  return providers.get(db) ?? "sqlite";
}

/** Opens a new client; callers own it and must `$disconnect()` it. */
export function openDb(url: string): Db {
  if (isPostgresUrl(url)) {
    const client = new (loadPostgresClient())({ adapter: new PrismaPg({ connectionString: url }) });
    providers.set(client, "postgresql");
    return client;
  }
  enableWal(url);
  // timeout: wait for another process's write lock (the CLI, a worker) instead of failing at once.
  const client = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url, timeout: 10_000 }) });
  providers.set(client, "sqlite");
  return client;
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
