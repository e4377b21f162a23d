// A fresh, fully migrated database, created through the same `scripts/prisma.mjs deploy` that production
// runs, so tests, the demo and the benchmark all exercise the real migrations rather than a pushed schema.
//
//   const database = await createScratchDatabase("sqlite");                       // file in the OS temp dir
//   const database = await createScratchDatabase("postgresql", { adminUrl });     // <prefix>_<random> on that server
//   ...
//   await database.cleanup();   // after every client on it is disconnected (PostgreSQL forces it anyway)
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ROOT } from "./app-process";

export type DatabaseKind = "sqlite" | "postgresql";

export interface ScratchDatabase {
  url: string;
  cleanup(): Promise<void>;
}

const PRISMA_SCRIPT = join(ROOT, "scripts/prisma.mjs");

export const DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface ScratchOptions {
  /** PostgreSQL: the server to create the database on; its own database is only used for CREATE/DROP. */
  adminUrl?: string;
  /** Names the database (PostgreSQL) or file (SQLite), so leftovers say who made them. */
  prefix?: string;
  /** SQLite: use this file instead of a temp one (it is deleted first, and again by cleanup). */
  sqliteFile?: string;
  /** Says which variable to set when the server is not reachable. */
  adminUrlHint?: string;
}

export async function createScratchDatabase(kind: DatabaseKind, opts: ScratchOptions = {}): Promise<ScratchDatabase> {
  return kind === "postgresql" ? createPostgres(opts) : createSqlite(opts);
}

async function createSqlite(opts: ScratchOptions): Promise<ScratchDatabase> {
  const file =
    opts.sqliteFile ?? join(tmpdir(), `${opts.prefix ?? "capi-scratch"}-${process.pid}-${randomBytes(6).toString("hex")}.sqlite`);
  const url = `file:${file}`;
  const cleanup = async () => {
    await Promise.all(["", "-wal", "-shm", "-journal"].map((suffix) => rm(file + suffix, { force: true })));
  };
  await cleanup();
  try {
    await migrateDatabase(url);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { url, cleanup };
}

async function createPostgres(opts: ScratchOptions): Promise<ScratchDatabase> {
  const adminUrl = opts.adminUrl ?? DEFAULT_POSTGRES_ADMIN_URL;
  // Lower-case letters, digits and underscores only, so the name needs no quoting rules beyond the double quotes.
  const prefix = (opts.prefix ?? "capi_scratch").toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const name = `${prefix}_${randomBytes(8).toString("hex")}`;
  const url = withDatabase(adminUrl, name);

  await admin(adminUrl, `CREATE DATABASE "${name}"`, opts.adminUrlHint);
  let dropped = false;
  const cleanup = async () => {
    if (dropped) return;
    dropped = true;
    // FORCE ends sessions a caller forgot to close (PostgreSQL 13+); a leftover client must not leak a database.
    await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, opts.adminUrlHint);
  };
  try {
    await migrateDatabase(url);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { url, cleanup };
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** True when a PostgreSQL server answers at `adminUrl` (the benchmark skips its PostgreSQL rows otherwise). */
export async function postgresReachable(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function admin(adminUrl: string, sql: string, hint?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`This needs a PostgreSQL server at ${adminUrl}${hint ? ` (set ${hint} to use another)` : ""}: ${String(error)}`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `node scripts/prisma.mjs deploy` on `url`. Async, so callers' event loops keep running while Prisma migrates. */
export function migrateDatabase(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PRISMA_SCRIPT, "deploy"],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`Migrating the database (${url}) failed:\n${stdout}\n${stderr}`));
        else resolve();
      },
    );
  });
}
