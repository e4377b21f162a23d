#!/usr/bin/env node
// `npm test`: prepares what the suites need, then runs Vitest once.
// - generates both Prisma clients (cheap, and a fresh clone has none);
// - makes sure Debian's Chromium is there for the browser suites (installs it as root if missing);
// - builds the app, because the process tests run `npm start`'s server on the production build;
// - checks that PostgreSQL is reachable, since the ledger and worker suites run on it as well as on
//   SQLite. Point TEST_POSTGRES_URL at a server that lets this user create databases.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ensureChromium } from "./lib/ensure-chromium.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const postgresUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

function run(cmd, args, env = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, ["scripts/prisma.mjs", "generate"], { PRISMA_GENERATE_QUIET: "1" });

try {
  ensureChromium();
} catch (error) {
  console.error(`\n${error.message}\n`);
  process.exit(1);
}

run(process.execPath, [join(root, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], { NODE_ENV: "production" });
run(process.execPath, [join(root, "scripts/build-entries.mjs")], { NODE_ENV: "production" });

const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  await client.query("SELECT 1");
} catch (error) {
  console.error(
    `\nPostgreSQL is not reachable at ${postgresUrl.replace(/\/\/[^@]*@/, "//…@")} (${error.message}).\n` +
      "The ledger and worker suites run on PostgreSQL as well as SQLite. Start PostgreSQL, or set\n" +
      "TEST_POSTGRES_URL to a server where this user may create databases.\n",
  );
  process.exit(1);
} finally {
  await client.end().catch(() => undefined);
}

run(process.execPath, [join(root, "node_modules/vitest/vitest.mjs"), "run", ...process.argv.slice(2)], {
  TZ: "UTC",
  TEST_POSTGRES_URL: postgresUrl,
});
