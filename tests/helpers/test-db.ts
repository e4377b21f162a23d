// A fresh, fully migrated database per caller, created through the same `scripts/prisma.mjs deploy`
// that production runs, so tests exercise the real migrations rather than a pushed schema.
//
//   const database = await createTestDatabase();              // SQLite file in the OS temp dir
//   const database = await createTestDatabase("postgresql");  // capi_test_<random> on TEST_POSTGRES_URL
//   ...
//   await database.cleanup();   // after every client on it is disconnected (PostgreSQL forces it anyway)
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export type TestDatabaseKind = "sqlite" | "postgresql";

export interface TestDatabase {
  url: string;
  cleanup(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PRISMA_SCRIPT = join(ROOT, "scripts/prisma.mjs");

/** The server to create PostgreSQL test databases on; its database is only used to run CREATE/DROP. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export async function createTestDatabase(kind: TestDatabaseKind = "sqlite"): Promise<TestDatabase> {
  return kind === "postgresql" ? createPostgres() : createSqlite();
}

async function createSqlite(): Promise<TestDatabase> {
  const file = join(tmpdir(), `capi-test-${process.pid}-${randomBytes(6).toString("hex")}.sqlite`);
  const url = `file:${file}`;
  const cleanup = async () => {
    await Promise.all(["", "-wal", "-shm", "-journal"].map((suffix) => rm(file + suffix, { force: true })));
  };
  try {
    await migrate(url);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { url, cleanup };
}

async function createPostgres(): Promise<TestDatabase> {
  // Lower-case letters and digits only, so the name needs no quoting rules beyond the double quotes.
  const name = `capi_test_${randomBytes(8).toString("hex")}`;
  const url = withDatabase(POSTGRES_ADMIN_URL, name);

  await admin(`CREATE DATABASE "${name}"`);
  let dropped = false;
  const cleanup = async () => {
    if (dropped) return;
    dropped = true;
    // FORCE ends sessions a test forgot to close (PostgreSQL 13+); a leftover client must not leak a database.
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  try {
    await migrate(url);
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

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL tests need a server at ${POSTGRES_ADMIN_URL} (set TEST_POSTGRES_URL to use another): ${String(error)}`,
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Async so parallel test files do not block their event loops while Prisma migrates.
function migrate(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [PRISMA_SCRIPT, "deploy"],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`Migrating the test database (${url}) failed:\n${stdout}\n${stderr}`));
        else resolve();
      },
    );
  });
}
