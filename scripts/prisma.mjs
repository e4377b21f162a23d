#!/usr/bin/env node
// Runs the Prisma CLI offline, for whichever database DATABASE_URL names.
//
//   node scripts/prisma.mjs generate     write the PostgreSQL schema, generate both clients
//   node scripts/prisma.mjs deploy       apply the migrations of DATABASE_URL's database
//   node scripts/prisma.mjs new-migration <name>
//                                        after editing prisma/schema.prisma: write a migration for each
//                                        database, diffed against the schema at git HEAD
//   node scripts/prisma.mjs sync-schema  write prisma/postgres/schema.prisma from prisma/schema.prisma
//   node scripts/prisma.mjs <args…>      any other Prisma CLI command, with the same environment
//
// The Prisma CLI checks for engine binaries at start-up and tries to download them when missing; with
// `engine: "js"` (prisma.config.ts) they are never used, so any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The app reads ./.env (app/env.server.ts); the Prisma CLI skips it when a config file exists, so
// read it here too, without overriding the environment, and both agree on DATABASE_URL.
const dotenv = join(root, ".env");
if (existsSync(dotenv)) {
  for (const [key, value] of Object.entries(parseEnv(readFileSync(dotenv, "utf8")))) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}
const sqliteSchema = join(root, "prisma/schema.prisma");
const postgresSchema = join(root, "prisma/postgres/schema.prisma");
const placeholder = join(root, "package.json");

export function postgresSchemaText(source = readFileSync(sqliteSchema, "utf8")) {
  const header = "// GENERATED from prisma/schema.prisma by `npm run prisma -- sync-schema`. Do not edit by hand.\n\n";
  const body = source
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(/engineType = "client"\n/, 'engineType = "client"\n  output     = "../../node_modules/.prisma/client-pg"\n');
  return header + body;
}

// Lines the Prisma CLI prints on every generate/deploy that a newcomer reads as errors but that say
// nothing about this project: the url in schema.prisma is there for `prisma migrate diff`, and the driver
// adapter in prisma.config.ts supersedes it by design; the rest are product tips.
const NOISE = [
  /^Start by importing your Prisma Client/,
  /^Tip: /,
  /^Prisma config detected, skipping environment variable loading\.$/,
  /^Loaded Prisma config from prisma\.config\.ts\.$/,
];
const DATASOURCE_WARNING_START = /^WARNING: Your schema specifies the following datasource properties but you are using a Driver Adapter/;
const DATASOURCE_WARNING_END = /^We recommend you to remove those properties from your schema/;

export function quietPrismaOutput(text) {
  const kept = [];
  let inWarning = false;
  for (const line of text.split("\n")) {
    if (DATASOURCE_WARNING_START.test(line)) inWarning = true;
    if (inWarning) {
      if (DATASOURCE_WARNING_END.test(line)) inWarning = false;
      continue;
    }
    if (NOISE.some((re) => re.test(line))) continue;
    // Blank lines only between kept lines, never two in a row.
    if (line.trim() === "" && (kept.length === 0 || kept[kept.length - 1].trim() === "")) continue;
    kept.push(line);
  }
  while (kept.length && kept[kept.length - 1].trim() === "") kept.pop();
  return kept.length ? kept.join("\n") + "\n" : "";
}

function run(args, extraEnv = {}, opts = {}) {
  const env = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? "file:./prisma/dev.sqlite",
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? placeholder,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? placeholder,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
    ...extraEnv,
  };
  // Filtered only for our own non-interactive commands (generate, deploy); any other Prisma command keeps
  // the terminal, since some of them ask questions.
  const quiet = opts.quiet === true;
  const result = spawnSync(process.execPath, [join(root, "node_modules/prisma/build/index.js"), ...args], {
    cwd: root,
    env,
    stdio: quiet ? ["inherit", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
  });
  if (quiet) {
    process.stdout.write(quietPrismaOutput(result.stdout ?? ""));
    // Errors are never filtered.
    process.stderr.write(result.status === 0 ? quietPrismaOutput(result.stderr ?? "") : (result.stderr ?? ""));
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function capture(args, extraEnv) {
  const result = spawnSync(process.execPath, [join(root, "node_modules/prisma/build/index.js"), ...args], {
    cwd: root,
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
      PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
      CHECKPOINT_DISABLE: "1",
      ...extraEnv,
    },
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

// The schema engine cannot replay migrations offline (no shadow database through the WebAssembly
// engine), so a new migration is the diff between the committed schema and the edited one.
function newMigration(name) {
  writeFileSync(postgresSchema, postgresSchemaText());
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const tmp = mkdtempSync(join(tmpdir(), "prisma-"));
  const before = spawnSync("git", ["show", "HEAD:prisma/schema.prisma"], { cwd: root, encoding: "utf8" });
  if (before.status !== 0) throw new Error("prisma/schema.prisma is not committed yet");
  const oldSqlite = join(tmp, "old.prisma");
  const oldPostgres = join(tmp, "old-pg.prisma");
  writeFileSync(oldSqlite, before.stdout);
  writeFileSync(oldPostgres, postgresSchemaText(before.stdout));
  for (const [folder, from, to, url] of [
    ["prisma/migrations", oldSqlite, sqliteSchema, "file:./prisma/dev.sqlite"],
    // The diff reads no data, but the PostgreSQL adapter still connects: any reachable server will do.
    [
      "prisma/postgres/migrations",
      oldPostgres,
      postgresSchema,
      process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    ],
  ]) {
    const sql = capture(["migrate", "diff", "--from-schema-datamodel", from, "--to-schema-datamodel", to, "--script"], {
      DATABASE_URL: url,
    });
    const dir = join(root, folder, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "migration.sql"), sql);
    console.log(`wrote ${folder}/${stamp}_${name}/migration.sql`);
  }
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
      run(["generate", "--no-hints", ...rest], { DATABASE_URL: "file:./prisma/dev.sqlite" }, { quiet: true });
      run(["generate", "--no-hints", ...rest], { DATABASE_URL: "postgresql://localhost/unused" }, { quiet: true });
      break;
    case "new-migration": {
      const name = rest[0];
      if (!name || !/^[a-z0-9_]+$/.test(name)) {
        console.error("usage: node scripts/prisma.mjs new-migration <snake_case_name>");
        process.exit(2);
      }
      newMigration(name);
      break;
    }
    case "deploy":
      run(["migrate", "deploy", ...rest], {}, { quiet: true });
      break;
    case undefined:
      console.error("usage: node scripts/prisma.mjs generate | deploy | sync-schema | <prisma args>");
      process.exit(2);
      break;
    default:
      run([command, ...rest]);
  }
}
