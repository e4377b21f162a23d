// The migration that turned the storefront sender's and the uninstall handler's words in
// StorefrontEvent.lastError into reason codes, on both databases: rows written the old way (every text the
// code wrote before it) are migrated by the real migration files, in order, and must come out with the code
// and failure kind the new code writes, lastError keeping only Meta's own message.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REASON_CODES } from "~/lib/delivery-reasons";
import { POSTGRES_ADMIN_URL } from "../helpers/test-db";

const MIGRATION = "20261129180000_storefront_event_reason_codes";
const root = new URL("../../", import.meta.url);

const OLD_ROWS: { status: string; lastError: string | null; expected: [string | null, string | null, string | null] }[] = [
  { status: "sent", lastError: null, expected: [null, null, null] },
  { status: "pending", lastError: "Held: the shop's Meta connection is not active", expected: ["held_not_connected", null, null] },
  {
    status: "pending",
    lastError: "Held: The stored access token could not be decrypted with TOKEN_ENCRYPTION_KEY",
    expected: ["held_token_unreadable", null, null],
  },
  {
    status: "pending",
    lastError: "Held: Error validating access token: Session has expired",
    expected: ["held_meta_refused", null, "Error validating access token: Session has expired"],
  },
  {
    status: "pending",
    lastError: "Meta refused a replaced access token; retrying with the current one",
    expected: ["token_replaced", null, null],
  },
  {
    status: "pending",
    lastError: "Service temporarily unavailable",
    expected: ["meta_unavailable", "transient", "Service temporarily unavailable"],
  },
  { status: "failed", lastError: "Invalid parameter", expected: ["meta_rejected", "invalid_payload", "Invalid parameter"] },
  { status: "failed", lastError: "Stored payload holds no event to send", expected: ["no_event", null, null] },
  { status: "skipped", lastError: "Older than 7 days: Meta no longer accepts it", expected: ["too_old", null, null] },
  { status: "skipped", lastError: "App uninstalled", expected: ["uninstalled", null, null] },
];

function migrations(folder: string): { before: string[]; target: string } {
  const dir = new URL(`${folder}/`, root);
  const names = readdirSync(dir)
    .filter((n) => /^\d{14}_/.test(n))
    .sort();
  const read = (name: string) => readFileSync(new URL(`${name}/migration.sql`, dir), "utf8");
  return { before: names.filter((n) => n < MIGRATION).map(read), target: read(MIGRATION) };
}

const INSERT = `INSERT INTO "StorefrontEvent" ("shop", "pixelId", "eventName", "eventId", "eventTime", "payload", "status", "lastError")
  VALUES ('old-shop.myshopify.com', '1', 'PageView', $1, $2, '', $3, $4)`;
const SELECT = `SELECT "reasonCode", "failureKind", "lastError" FROM "StorefrontEvent" ORDER BY "id"`;

type Converted = { reasonCode: string | null; failureKind: string | null; lastError: string | null };

function expectConverted(rows: Converted[]) {
  expect(rows.map((r) => [r.reasonCode, r.failureKind, r.lastError])).toEqual(OLD_ROWS.map((r) => r.expected));
  for (const row of rows) if (row.reasonCode !== null) expect(REASON_CODES).toContain(row.reasonCode);
}

describe(`migration ${MIGRATION} on sqlite`, () => {
  const dir = mkdtempSync(join(tmpdir(), "sf-reason-codes-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("converts every text the old code wrote into lastError into its code", () => {
    const db = new Database(join(dir, "old.sqlite"));
    try {
      const { before, target } = migrations("prisma/migrations");
      for (const sql of before) db.exec(sql);
      const insert = db.prepare(INSERT.replace(/\$\d/g, "?"));
      OLD_ROWS.forEach((row, i) => insert.run(`e${i}`, new Date().toISOString(), row.status, row.lastError));
      db.exec(target);
      expectConverted(db.prepare(SELECT).all() as Converted[]);
    } finally {
      db.close();
    }
  });
});

describe(`migration ${MIGRATION} on postgresql`, () => {
  const schema = `sf_reason_codes_${process.pid}_${Date.now()}`;
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it("converts every text the old code wrote into lastError into its code", async () => {
    const { before, target } = migrations("prisma/postgres/migrations");
    for (const sql of before) await client.query(sql);
    for (const [i, row] of OLD_ROWS.entries()) await client.query(INSERT, [`e${i}`, new Date(), row.status, row.lastError]);
    await client.query(target);
    expectConverted((await client.query<Converted>(SELECT)).rows);
  });
});
