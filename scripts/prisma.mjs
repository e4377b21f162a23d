#!/usr/bin/env node
// Runs the Prisma CLI offline, for whichever database DATABASE_URL names.
//
//   node scripts/prisma.mjs generate     write the PostgreSQL schema, generate both clients
//   node scripts/prisma.mjs deploy       apply the migrations of DATABASE_URL's database
//   node scripts/prisma.mjs sync-schema  write prisma/postgres/schema.prisma from prisma/schema.prisma
//   node scripts/prisma.mjs <args…>      any other Prisma CLI command, with the same environment
//
// The Prisma CLI checks for engine binaries at start-up and tries to download them when missing; with
// `engine: "js"` (prisma.config.ts) they are never used, so any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sqliteSchema = join(root, "prisma/schema.prisma");
const postgresSchema = join(root, "prisma/postgres/schema.prisma");
const placeholder = join(root, "package.json");

export function postgresSchemaText(source = readFileSync(sqliteSchema, "utf8")) {
  const header =
    "// GENERATED from prisma/schema.prisma by `npm run prisma -- sync-schema`. Do not edit by hand.\n\n";
  const body = source
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(
      /engineType = "client"\n/,
      'engineType = "client"\n  output     = "../../node_modules/.prisma/client-pg"\n',
    );
  return header + body;
}

function run(args, extraEnv = {}) {
  const env = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? "file:./prisma/dev.sqlite",
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? placeholder,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? placeholder,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
    ...extraEnv,
  };
  const result = spawnSync(process.execPath, [join(root, "node_modules/prisma/build/index.js"), ...args], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const [command, ...rest] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  switch (command) {
    case "sync-schema":
      writeFileSync(postgresSchema, postgresSchemaText());
      break;
    case "generate":
      writeFileSync(postgresSchema, postgresSchemaText());
      // The generate step reads no database, but the config file picks the schema from the URL.
      run(["generate", ...rest], { DATABASE_URL: "file:./prisma/dev.sqlite" });
      run(["generate", ...rest], { DATABASE_URL: "postgresql://localhost/unused" });
      break;
    case "deploy":
      run(["migrate", "deploy", ...rest]);
      break;
    case undefined:
      console.error("usage: node scripts/prisma.mjs generate | deploy | sync-schema | <prisma args>");
      process.exit(2);
      break;
    default:
      run([command, ...rest]);
  }
}
