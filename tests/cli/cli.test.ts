// The operator CLI on a real SQLite database: in-process for the cases, and as the real `npm run cli`
// process to prove the entry point, its exit codes, where the token comes from and that nothing secret or
// hostile (a token, Meta's escape codes) reaches the terminal.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { openToken } from "~/lib/token-crypto.server";
import { parseWebhookJson } from "~/lib/well-formed";
import { recordDelivery } from "~/models/delivery-queue.server";
import { DeliveryWorker } from "~/services/delivery/worker.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { recordOrderPaid } from "~/services/orders-paid.server";
import { connectShop } from "~/services/shop-connection.server";
import { runCli } from "../../cli/run";
import { purchasePayload } from "../factories/delivery";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { TEST_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY_HEX } from "../helpers/app-env";
import { useTestDatabase } from "../helpers/use-test-database";

const run = promisify(execFile);
const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "q".repeat(60);
// Every control a terminal acts on: SGR colour, clear screen, cursor home, window title (OSC 0 … BEL),
// clipboard (OSC 52 … ST), 8-bit CSI, NUL, DEL, a bidi override and line breaks.
const HOSTILE_META_MESSAGE =
  "\u001b[31mInvalid parameter\u001b[0m\u001b[2J\u001b[H\u001b]0;owned\u0007\u001b]52;c;ZXZpbA==\u001b\\ \u009b1mreally\u0000\u007f\u202e\r\nfake line";
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const database = useTestDatabase("sqlite", { clear: ["delivery", "shopSettings"] });
const db = database.db;

async function cli(...argv: string[]) {
  return cliWithToken(TOKEN, ...argv);
}

/** The CLI in-process, with `token` as what META_ACCESS_TOKEN or standard input would give (null: neither). */
async function cliWithToken(token: string | null, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let asked = 0;
  const readAccessToken = async () => {
    asked += 1;
    return token;
  };
  const code = await runCli(argv, {
    db,
    encryptionKey: TEST_ENCRYPTION_KEY,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readAccessToken,
  });
  return { code, out: out.join("\n"), err: err.join("\n"), asked };
}

function worker(meta: FakeGraphApi) {
  return new DeliveryWorker({
    db,
    meta: createGraphClient({ baseUrl: meta.url, apiVersion: "v25.0", timeoutMs: 5000 }),
    encryptionKey: TEST_ENCRYPTION_KEY,
    workerId: "cli-test",
    batchSize: 100,
    leaseMs: 60_000,
    requestTimeoutMs: 5000,
    retryBaseMs: 1000,
    retryMaxMs: 60_000,
    pollMs: 20,
    logger: pino({ level: "silent" }),
  });
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
    reasonCode: status === "skipped" ? "test_order" : null,
    eventTime: new Date(),
    nextAttemptAt: new Date(),
    payload: purchasePayload(orderId),
    webhookId: null,
    ...extra,
  });
}

describe("shops:connect", () => {
  it("stores the connection with the token sealed, and prints only its last characters", async () => {
    const result = await cli("shops:connect", "--shop", SHOP, "--pixel-id", PIXEL, "--test-event-code", "TEST123");
    expect(result.code).toBe(0);
    expect(result.asked).toBe(1);
    expect(result.out).toContain("ending in qqqq");
    expect(result.out).not.toContain(TOKEN);
    const settings = await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(settings).toMatchObject({ pixelId: PIXEL, connectionState: "connected", testEventCode: "TEST123" });
    expect(settings.accessTokenSealed).not.toContain(TOKEN);
    expect(openToken(settings.accessTokenSealed!, TEST_ENCRYPTION_KEY)).toBe(TOKEN);
  });

  it.each([
    [["--pixel-id", "12ab45"], TOKEN, /Pixel ID must contain digits only/],
    [[], "EAABxyz", /Access token is too short/],
    [[], `${"a".repeat(40)} b`, /Access token must be pasted exactly/],
    [["--test-event-code", "TEST 1"], TOKEN, /Test event code .*no spaces/],
    [["--shop", "not a shop"], TOKEN, /Shop must be the shop's myshopify.com domain/],
  ])("refuses %j (token %j) with a message saying what is wrong, and stores nothing", async (override, token, message) => {
    const args: Record<string, string> = { "--shop": SHOP, "--pixel-id": PIXEL };
    for (let i = 0; i < override.length; i += 2) args[override[i]] = override[i + 1];
    const result = await cliWithToken(token, "shops:connect", ...Object.entries(args).flat());
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.err).not.toContain(token);
    expect(await db.shopSettings.count()).toBe(0);
  });

  it.each([[["--access-token", TOKEN]], [[`--access-token=${TOKEN}`]], [["--access-token"]]])(
    "refuses the token on the command line (%j) as a usage error that does not repeat it, and stores nothing",
    async (flag) => {
      const result = await cli("shops:connect", "--shop", SHOP, "--pixel-id", PIXEL, ...flag);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/--access-token is not accepted.*META_ACCESS_TOKEN.*standard input/);
      expect(result.out + result.err).not.toContain(TOKEN);
      expect(result.asked).toBe(0);
      expect(await db.shopSettings.count()).toBe(0);
    },
  );

  it("says where the token is read from when there is none", async () => {
    const result = await cliWithToken(null, "shops:connect", "--shop", SHOP, "--pixel-id", PIXEL);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/No access token given: set META_ACCESS_TOKEN, or type or pipe the token on standard input/);
    expect(await db.shopSettings.count()).toBe(0);
  });

  it("explains a missing flag and an unknown one as usage errors, before asking for the token", async () => {
    const missing = await cli("shops:connect", "--shop", SHOP);
    expect(missing.err).toMatch(/--pixel-id is required/);
    expect(missing.asked).toBe(0);
    const unknown = await cli("shops:connect", "--shop", SHOP, "--pixel", "1");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown option '--pixel'/);
  });
});

describe("deliveries:list", () => {
  it("lists the shop's rows as JSON with the documented fields, newest first, and no other shop's", async () => {
    await row("1001", "failed", { lastError: "Invalid parameter" } as never);
    await row("1002", "skipped");
    await recordDelivery(db, {
      shop: "other.myshopify.com",
      pixelId: "1",
      eventName: "Purchase",
      eventId: "shopify_order_9",
      orderId: "9",
      orderName: null,
      value: null,
      currency: null,
      status: "pending",
      reasonCode: null,
      eventTime: new Date(),
      nextAttemptAt: new Date(),
      payload: "{}",
      webhookId: null,
    });
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

  it("refuses an order that could not be mapped, says why, and nothing reaches Meta", async () => {
    // What the webhook path stores for an order it could not turn into a Purchase: failed, payload "{}".
    await row("1003", "failed", { payload: "{}", reasonCode: "mapping_failed", reasonDetail: "no line items" });
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
    const result = await cli("deliveries:retry", "--shop", SHOP, "--order", "1003");
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /order 1003 cannot be retried\. This order could not be mapped to a Meta event, so there is nothing to send/,
    );
    expect(await db.delivery.findFirstOrThrow({ where: { orderId: "1003" } })).toMatchObject({ status: "failed", attempts: 0 });

    const meta = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
    try {
      const stats = await worker(meta).drain();
      expect(stats.claimed).toBe(0);
      expect(meta.requests()).toEqual([]);
    } finally {
      await meta.close();
    }
  });

  it("rejects an unknown command with the usage text", async () => {
    const result = await cli("orders:nuke");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Unknown command "orders:nuke"[\s\S]*shops:connect/);
  });
});

describe("npm run cli (the real process)", () => {
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const { META_ACCESS_TOKEN: _ignored, ...inherited } = process.env;
    return {
      ...inherited,
      DATABASE_URL: database.url,
      SHOPIFY_API_KEY: "k",
      SHOPIFY_API_SECRET: "s",
      SHOPIFY_APP_URL: "https://example.com",
      SCOPES: "read_orders",
      TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY_HEX,
      ...extra,
    };
  };

  /** `npm run -s cli -- …` with `input` written to its standard input (a pipe, as in `… < token.txt`). */
  function runWithInput(argv: string[], input: string, environment: NodeJS.ProcessEnv) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn("npm", ["run", "-s", "cli", "--", ...argv], { env: environment, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it("takes the token from META_ACCESS_TOKEN: npm's echo of the command, stdout and stderr never contain it", async () => {
    // Not silent (-s): npm echoes the command line it runs, which is where a flag's token used to show.
    const ok = await run("npm", ["run", "cli", "--", "shops:connect", "--shop", SHOP, "--pixel-id", PIXEL], {
      env: env({ META_ACCESS_TOKEN: TOKEN }),
    });
    expect(ok.stdout).toMatch(/Connected bright-socks.myshopify.com to pixel 123456789012345 \(access token ending in qqqq\)/);
    expect(ok.stdout).toMatch(/shops:connect --shop bright-socks/);
    expect(ok.stdout + ok.stderr).not.toContain(TOKEN);
    expect(openToken((await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).accessTokenSealed!, TEST_ENCRYPTION_KEY)).toBe(
      TOKEN,
    );

    const bad = await run("npm", ["run", "-s", "cli", "--", "shops:connect", "--shop", SHOP, "--pixel-id", "abc"], {
      env: env({ META_ACCESS_TOKEN: TOKEN }),
    }).catch((e) => e);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Pixel ID must contain digits only/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(bad.stderr + bad.stdout).not.toContain(TOKEN);
  }, 60_000);

  it("reads the token from standard input when META_ACCESS_TOKEN is not set, and never prints it", async () => {
    const piped = "EAAB" + "p".repeat(60);
    const result = await runWithInput(["shops:connect", "--shop", SHOP, "--pixel-id", PIXEL], `${piped}\n`, env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/access token ending in pppp/);
    expect(result.stdout + result.stderr).not.toContain(piped);
    expect(openToken((await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).accessTokenSealed!, TEST_ENCRYPTION_KEY)).toBe(
      piped,
    );

    const empty = await runWithInput(["shops:connect", "--shop", SHOP, "--pixel-id", PIXEL], "", env());
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/No access token given/);
  }, 60_000);

  it("refuses --access-token with exit 2 and a message that does not repeat the token", async () => {
    const refused = await run(
      "npm",
      ["run", "-s", "cli", "--", "shops:connect", "--shop", SHOP, "--pixel-id", PIXEL, `--access-token=${TOKEN}`],
      { env: env() },
    ).catch((e) => e);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--access-token is not accepted.*META_ACCESS_TOKEN/);
    expect(refused.stdout + refused.stderr).not.toContain(TOKEN);
    expect(await db.shopSettings.count()).toBe(0);
  }, 60_000);

  it("prints Meta's error text without its control characters or escape sequences", async () => {
    const meta = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
    try {
      meta.setHandler(() => ({ kind: "graph-error", code: 100, subcode: 2804019, message: HOSTILE_META_MESSAGE }));
      await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
      const orderId = nextOrderId();
      const recorded = await recordOrderPaid(db, {
        shop: SHOP,
        order: parseWebhookJson(paidOrderJson({ id: orderId })),
        webhookId: null,
        now: new Date(),
      });
      expect(recorded).toMatchObject({ ok: true, value: { status: "pending" } });
      await worker(meta).drain();
      // The ledger keeps Meta's answer as it came (the test bites only if the escape codes got this far).
      const stored = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId } });
      expect(stored.status).toBe("failed");
      expect(stored.lastError).toContain("\u001b[31m");

      const table = await run("npm", ["run", "-s", "cli", "--", "deliveries:list", "--shop", SHOP], { env: env() });
      const json = await run("npm", ["run", "-s", "cli", "--", "deliveries:list", "--shop", SHOP, "--json"], { env: env() });
      for (const output of [table.stdout, table.stderr, json.stdout, json.stderr]) {
        expect(output).not.toMatch(CONTROL_CHARS);
        expect(output).not.toContain("\\u001b");
        expect(output).not.toContain("[31m");
        expect(output).not.toContain("]0;owned");
      }
      const line = table.stdout.split("\n").find((l) => l.includes(orderId));
      expect(line).toMatch(/failed\s+1\s+Invalid parameter/);
      expect(line).toContain("really fake line");
      const [item] = JSON.parse(json.stdout) as { lastError: string }[];
      expect(item.lastError).toContain("Invalid parameter");
      console.log(`[cli] Meta's message, stored: ${JSON.stringify(stored.lastError)}; printed: ${JSON.stringify(item.lastError)}`);
    } finally {
      await meta.close();
    }
  }, 60_000);

  it("stops with a message naming a missing or malformed variable", async () => {
    // Empty counts as unset, and a developer's .env never overrides a variable that is present.
    const missing = await run("npm", ["run", "-s", "cli", "--", "deliveries:list", "--shop", SHOP], {
      env: { ...env(), TOKEN_ENCRYPTION_KEY: "" },
    }).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/TOKEN_ENCRYPTION_KEY is required/);
    const malformed = await run("npm", ["run", "-s", "cli", "--", "deliveries:list", "--shop", SHOP], {
      env: { ...env(), DELIVERY_RETRY_BASE_MS: "soon" },
    }).catch((e) => e);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/DELIVERY_RETRY_BASE_MS/);
  }, 60_000);
});
