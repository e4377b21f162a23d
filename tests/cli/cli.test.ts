// The operator CLI on a real SQLite database: in-process for the cases, and once as the real
// `npm run cli` process to prove the entry point, its exit codes and that nothing secret is printed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "~/db.server";
import { openToken } from "~/lib/token-crypto.server";
import { recordDelivery } from "~/models/delivery.server";
import { runCli } from "../../cli/run";
import { TEST_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY_HEX } from "../helpers/app-env";
import { createTestDatabase } from "../helpers/test-db";

const run = promisify(execFile);
const SHOP = "bright-socks.myshopify.com";
const TOKEN = "EAAB" + "q".repeat(60);

let database: { url: string; cleanup(): Promise<void> };
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase("sqlite");
  db = openDb(database.url);
});
afterAll(async () => {
  await db.$disconnect();
  await database.cleanup();
});
beforeEach(async () => {
  await db.delivery.deleteMany({});
  await db.shopSettings.deleteMany({});
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { db, encryptionKey: TEST_ENCRYPTION_KEY, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function row(orderId: string, status: "pending" | "failed" | "skipped", extra: Partial<Parameters<typeof recordDelivery>[1]> = {}) {
  return recordDelivery(db, {
    shop: SHOP,
    pixelId: "123456789012345",
    eventName: "Purchase",
    eventId: `shopify_order_${orderId}`,
    orderId,
    orderName: "#1001",
    value: "10.00",
    currency: "USD",
    status,
    statusReason: status === "skipped" ? "Test order: not sent to Meta" : null,
    eventTime: new Date(),
    nextAttemptAt: new Date(),
    payload: "{}",
    webhookId: null,
    ...extra,
  });
}

describe("shops:connect", () => {
  it("stores the connection with the token sealed, and prints only its last characters", async () => {
    const result = await cli("shops:connect", "--shop", SHOP, "--pixel-id", "123456789012345", "--access-token", TOKEN, "--test-event-code", "TEST123");
    expect(result.code).toBe(0);
    expect(result.out).toContain("ending in qqqq");
    expect(result.out).not.toContain(TOKEN);
    const settings = await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(settings).toMatchObject({ pixelId: "123456789012345", connectionState: "connected", testEventCode: "TEST123" });
    expect(settings.accessTokenSealed).not.toContain(TOKEN);
    expect(openToken(settings.accessTokenSealed!, TEST_ENCRYPTION_KEY)).toBe(TOKEN);
  });

  it.each([
    [["--pixel-id", "12ab45"], /Pixel ID must contain digits only/],
    [["--access-token", "short"], /Access token is too short/],
    [["--access-token", `${"a".repeat(40)} b`], /Access token must be pasted exactly/],
    [["--test-event-code", "TEST 1"], /Test event code .*no spaces/],
    [["--shop", "not a shop"], /Shop must be the shop's myshopify.com domain/],
  ])("refuses %j with a message saying what is wrong, and stores nothing", async (override, message) => {
    const args: Record<string, string> = { "--shop": SHOP, "--pixel-id": "123456789012345", "--access-token": TOKEN };
    for (let i = 0; i < override.length; i += 2) args[override[i]] = override[i + 1];
    const result = await cli("shops:connect", ...Object.entries(args).flat());
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).not.toContain(TOKEN);
    expect(await db.shopSettings.count()).toBe(0);
  });

  it("explains a missing flag and an unknown one as usage errors", async () => {
    expect((await cli("shops:connect", "--shop", SHOP)).err).toMatch(/--pixel-id is required/);
    const unknown = await cli("shops:connect", "--shop", SHOP, "--pixel", "1");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown option '--pixel'/);
  });
});

describe("deliveries:list", () => {
  it("lists the shop's rows as JSON with the documented fields, newest first, and no other shop's", async () => {
    await row("1001", "failed", { lastError: "Invalid parameter" } as never);
    await row("1002", "skipped");
    await recordDelivery(db, { shop: "other.myshopify.com", pixelId: "1", eventName: "Purchase", eventId: "shopify_order_9", orderId: "9", orderName: null, value: null, currency: null, status: "pending", statusReason: null, eventTime: new Date(), nextAttemptAt: new Date(), payload: "{}", webhookId: null });
    const result = await cli("deliveries:list", "--shop", SHOP, "--json");
    expect(result.code).toBe(0);
    const items = JSON.parse(result.out);
    expect(items.map((i: { orderId: string }) => i.orderId)).toEqual(["1002", "1001"]);
    for (const item of items) {
      expect(Object.keys(item)).toEqual(expect.arrayContaining(["orderId", "eventName", "eventId", "status", "attempts", "lastError"]));
    }
    expect(items[0].lastError).toMatch(/Test order/);
  });

  it("prints a table, filters by status, and validates its options", async () => {
    await row("1001", "failed");
    await row("1002", "skipped");
    const table = await cli("deliveries:list", "--shop", SHOP, "--status", "failed");
    expect(table.out.split("\n")[0]).toMatch(/^ORDER\s+EVENT\s+EVENT ID\s+STATUS\s+ATTEMPTS/);
    expect(table.out).toContain("1001");
    expect(table.out).not.toContain("1002");
    expect((await cli("deliveries:list", "--shop", SHOP, "--status", "lost")).code).toBe(2);
    expect((await cli("deliveries:list", "--shop", SHOP, "--limit", "0")).code).toBe(2);
    expect((await cli("deliveries:list", "--shop", "other.myshopify.com")).out).toMatch(/No deliveries/);
  });
});

describe("deliveries:retry", () => {
  it("puts a failed order back in the queue", async () => {
    await row("1001", "failed");
    const result = await cli("deliveries:retry", "--shop", SHOP, "--order", "1001");
    expect(result.code).toBe(0);
    expect(await db.delivery.findFirstOrThrow({ where: { orderId: "1001" } })).toMatchObject({ status: "pending" });
  });

  it("refuses to re-send what is not failed, an unknown order, and a malformed ID", async () => {
    await row("1002", "skipped");
    const skipped = await cli("deliveries:retry", "--shop", SHOP, "--order", "1002");
    expect(skipped.code).toBe(1);
    expect(skipped.err).toMatch(/no failed deliveries.*skipped/);
    expect((await cli("deliveries:retry", "--shop", SHOP, "--order", "4242")).err).toMatch(/no deliveries recorded/);
    expect((await cli("deliveries:retry", "--shop", SHOP, "--order", "#1001")).code).toBe(2);
    expect(await db.delivery.findFirstOrThrow({ where: { orderId: "1002" } })).toMatchObject({ status: "skipped" });
  });

  it("rejects an unknown command with the usage text", async () => {
    const result = await cli("orders:nuke");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Unknown command "orders:nuke"[\s\S]*shops:connect/);
  });
});

describe("npm run cli (the real process)", () => {
  const env = () => ({
    ...process.env,
    DATABASE_URL: database.url,
    SHOPIFY_API_KEY: "k",
    SHOPIFY_API_SECRET: "s",
    SHOPIFY_APP_URL: "https://example.com",
    SCOPES: "read_orders",
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY_HEX,
  });

  it("connects a shop and exits 0; refuses an invalid pixel ID with exit 1 and no stack trace", async () => {
    const ok = await run("npm", ["run", "-s", "cli", "--", "shops:connect", "--shop", SHOP, "--pixel-id", "123456789012345", "--access-token", TOKEN], { env: env() });
    expect(ok.stdout).toMatch(/Connected bright-socks.myshopify.com/);
    const bad = await run("npm", ["run", "-s", "cli", "--", "shops:connect", "--shop", SHOP, "--pixel-id", "abc", "--access-token", TOKEN], { env: env() }).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Pixel ID must contain digits only/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(bad.stderr + bad.stdout).not.toContain(TOKEN);
  }, 60_000);

  it("stops with a message naming a missing or malformed variable", async () => {
    // Empty counts as unset, and a developer's .env never overrides a variable that is present.
    const missing = await run("npm", ["run", "-s", "cli", "--", "deliveries:list", "--shop", SHOP], { env: { ...env(), TOKEN_ENCRYPTION_KEY: "" } }).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/TOKEN_ENCRYPTION_KEY is required/);
    const malformed = await run("npm", ["run", "-s", "cli", "--", "deliveries:list", "--shop", SHOP], { env: { ...env(), DELIVERY_RETRY_BASE_MS: "soon" } }).catch((e) => e);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/DELIVERY_RETRY_BASE_MS/);
  }, 60_000);
});
