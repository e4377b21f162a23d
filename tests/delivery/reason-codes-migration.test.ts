// The migration that turned worded reasons into codes, on both databases: rows written the old way (with
// every sentence the code wrote before it) are migrated by the real migration files, in order, and must
// come out with the code, detail and failure kind the new code would have written, and read the same in
// the admin.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFailureKind, parseReasonCode, REASON_CODES } from "~/lib/delivery-reasons";
import { explainDelivery } from "~/lib/explain-delivery";
import { POSTGRES_ADMIN_URL } from "../helpers/test-db";

const MIGRATION = "20261129120000_delivery_reason_codes";
const root = new URL("../../", import.meta.url);

interface OldRow {
  status: string;
  statusReason: string | null;
  errorCode?: number;
  lastError?: string;
  expected: { reasonCode: string | null; reasonDetail: string | null; failureKind: string | null; lastError?: string | null };
}

// Every statusReason the code wrote before the migration, as it wrote it.
const OLD_ROWS: OldRow[] = [
  {
    status: "failed",
    statusReason: "The order could not be turned into a Purchase: total_price is not a number",
    expected: { reasonCode: "mapping_failed", reasonDetail: "total_price is not a number", failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "The shop has not connected a Meta pixel",
    expected: { reasonCode: "shop_not_connected", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "No Meta pixel is connected",
    expected: { reasonCode: "no_pixel", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "The shopper declined marketing tracking",
    expected: { reasonCode: "consent_declined", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "The Purchase event is switched off in settings",
    expected: { reasonCode: "event_disabled", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "Test order: not sent to Meta",
    expected: { reasonCode: "test_order", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "Paid more than 7 days ago: Meta no longer accepts it",
    expected: { reasonCode: "too_old", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "Older than 7 days: Meta no longer accepts it",
    expected: { reasonCode: "too_old", reasonDetail: null, failureKind: null },
  },
  {
    status: "pending",
    statusReason: "Meta was unavailable; retrying",
    errorCode: 2,
    lastError: "Service temporarily unavailable",
    expected: {
      reasonCode: "meta_unavailable",
      reasonDetail: null,
      failureKind: "transient",
      lastError: "Service temporarily unavailable",
    },
  },
  {
    status: "failed",
    statusReason: "Meta rejected the event",
    errorCode: 100,
    lastError: "Invalid parameter",
    expected: { reasonCode: "meta_rejected", reasonDetail: null, failureKind: "invalid_payload", lastError: "Invalid parameter" },
  },
  {
    status: "failed",
    statusReason: "Meta rejected the event",
    lastError: "Stored payload holds no event to send",
    expected: { reasonCode: "no_event", reasonDetail: null, failureKind: null, lastError: null },
  },
  {
    status: "pending",
    statusReason: "Held: the shop's Meta connection is not active",
    expected: { reasonCode: "held_not_connected", reasonDetail: null, failureKind: null },
  },
  {
    status: "pending",
    statusReason: "Held: The stored access token could not be decrypted with TOKEN_ENCRYPTION_KEY",
    expected: { reasonCode: "held_token_unreadable", reasonDetail: null, failureKind: null },
  },
  {
    status: "pending",
    statusReason: "Held: Error validating access token: Session has expired",
    errorCode: 190,
    lastError: "Error validating access token: Session has expired",
    expected: { reasonCode: "held_meta_refused", reasonDetail: null, failureKind: null },
  },
  {
    status: "pending",
    statusReason: "Meta refused a replaced access token; retrying with the current one",
    errorCode: 190,
    expected: { reasonCode: "token_replaced", reasonDetail: null, failureKind: null },
  },
  {
    status: "pending",
    statusReason: "Retry requested",
    errorCode: 190,
    expected: { reasonCode: "retry_requested", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "App uninstalled: not sent to Meta",
    expected: { reasonCode: "uninstalled", reasonDetail: null, failureKind: null },
  },
  {
    status: "skipped",
    statusReason: "Customer data redacted",
    expected: { reasonCode: "customer_redacted", reasonDetail: null, failureKind: null },
  },
  { status: "sent", statusReason: null, expected: { reasonCode: null, reasonDetail: null, failureKind: null } },
  // No version wrote this; it must survive as something to show, never become a code.
  {
    status: "skipped",
    statusReason: "Stopped by hand during the 2026 incident",
    expected: { reasonCode: null, reasonDetail: "Stopped by hand during the 2026 incident", failureKind: null },
  },
];

function migrations(folder: string): { before: string[]; target: string } {
  const dir = new URL(`${folder}/`, root);
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  expect(names).toContain(MIGRATION);
  const read = (name: string) => readFileSync(new URL(`${name}/migration.sql`, dir), "utf8");
  return { before: names.filter((n) => n < MIGRATION).map(read), target: read(MIGRATION) };
}

const INSERT = `INSERT INTO "Delivery" ("shop", "pixelId", "eventName", "eventId", "status", "statusReason", "errorCode", "lastError", "eventTime", "payload", "updatedAt")
  VALUES ($1, '1', 'Purchase', $2, $3, $4, $5, $6, $7, '{}', $7)`;
const SELECT = `SELECT "eventId", "reasonCode", "reasonDetail", "failureKind", "lastError" FROM "Delivery" ORDER BY "id"`;

type Converted = {
  eventId: string;
  reasonCode: string | null;
  reasonDetail: string | null;
  failureKind: string | null;
  lastError: string | null;
};

function expectConverted(rows: Converted[], columns: string[]) {
  expect(columns).not.toContain("statusReason");
  expect(rows).toHaveLength(OLD_ROWS.length);
  rows.forEach((row, i) => {
    const { expected } = OLD_ROWS[i];
    expect({ ...row, eventId: undefined }, OLD_ROWS[i].statusReason ?? "no reason").toEqual({
      eventId: undefined,
      reasonCode: expected.reasonCode,
      reasonDetail: expected.reasonDetail,
      failureKind: expected.failureKind,
      lastError: expected.lastError === undefined ? (OLD_ROWS[i].lastError ?? null) : expected.lastError,
    });
    // Every code the migration writes is one the new code reads.
    if (row.reasonCode !== null) expect(REASON_CODES).toContain(row.reasonCode);
  });
  // And the admin reads a migrated held row as held.
  const held = rows.find((r) => r.reasonCode === "held_meta_refused")!;
  const explained = explainDelivery({
    status: "pending",
    attempts: 1,
    errorCode: 190,
    errorSubcode: null,
    lastError: held.lastError,
    reasonCode: parseReasonCode(held.reasonCode),
    reasonDetail: held.reasonDetail,
    failureKind: parseFailureKind(held.failureKind),
  });
  expect(explained.title).toBe("On hold until your Meta connection works again");
}

describe("migration 20261129120000_delivery_reason_codes on sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "reason-codes-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("converts every worded reason the old code wrote into its code", () => {
    const db = new Database(join(dir, "old.sqlite"));
    try {
      const { before, target } = migrations("prisma/migrations");
      for (const sql of before) db.exec(sql);
      const insert = db.prepare(INSERT.replace(/\$\d/g, "?"));
      OLD_ROWS.forEach((row, i) =>
        insert.run(
          "old-shop.myshopify.com",
          `e${i}`,
          row.status,
          row.statusReason,
          row.errorCode ?? null,
          row.lastError ?? null,
          new Date().toISOString(),
          new Date().toISOString(),
        ),
      );
      db.exec(target);
      const columns = (db.prepare(`PRAGMA table_info("Delivery")`).all() as { name: string }[]).map((c) => c.name);
      expectConverted(db.prepare(SELECT).all() as Converted[], columns);
    } finally {
      db.close();
    }
  });
});

describe("migration 20261129120000_delivery_reason_codes on postgresql", () => {
  const schema = `reason_codes_${process.pid}_${Date.now()}`;
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

  it("converts every worded reason the old code wrote into its code", async () => {
    const { before, target } = migrations("prisma/postgres/migrations");
    for (const sql of before) await client.query(sql);
    for (const [i, row] of OLD_ROWS.entries()) {
      await client.query(INSERT, [
        "old-shop.myshopify.com",
        `e${i}`,
        row.status,
        row.statusReason,
        row.errorCode ?? null,
        row.lastError ?? null,
        new Date(),
      ]);
    }
    await client.query(target);
    const columns = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'Delivery'`,
      [schema],
    );
    const rows = await client.query<Converted>(SELECT);
    expectConverted(
      rows.rows,
      columns.rows.map((c) => c.column_name),
    );
  });
});
