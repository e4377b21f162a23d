// `npm run cli -- quality:show` against the stand-in's Dataset Quality API on a real SQLite database:
// in-process for the cases, and once as the real process for exit codes and a clean 403 message.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { connectShop } from "~/services/shop-connection.server";
import { runCli } from "../../cli/run";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { purchasePayload } from "../factories/delivery";
import { TEST_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY_HEX } from "../helpers/app-env";
import { useTestDatabase } from "../helpers/use-test-database";

const run = promisify(execFile);
const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "q".repeat(60);

const database = useTestDatabase("sqlite");
const db = database.db;
let meta: FakeGraphApi;

beforeAll(async () => {
  meta = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
});
afterAll(async () => {
  await meta.close();
});
beforeEach(async () => {
  meta.reset();
  await db.datasetQualitySnapshot.deleteMany({});
  await db.shopSettings.deleteMany({});
  await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
  const sent = await createGraphClient({ baseUrl: meta.url, apiVersion: "v25.0", timeoutMs: 2000 }).sendEvents({
    pixelId: PIXEL,
    accessToken: TOKEN,
    events: ["2001", "2002", "2003"].map((id, i) =>
      JSON.parse(purchasePayload(id, i === 0 ? undefined : ["em", "ph", "client_user_agent"])),
    ),
  });
  expect(sent.ok).toBe(true);
});

async function cli(timeoutMs: number, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    db,
    encryptionKey: TEST_ENCRYPTION_KEY,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    meta: createGraphClient({ baseUrl: meta.url, apiVersion: "v25.0", timeoutMs }),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("quality:show", () => {
  it("--json prints exactly {eventName, emq, matchKeys, coverage, dedupRate} per event, with Meta's figures", async () => {
    const result = await cli(2000, "quality:show", "--shop", SHOP, "--json");
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]).sort()).toEqual(["coverage", "dedupRate", "emq", "eventName", "matchKeys"]);
    expect(rows[0]).toMatchObject({ eventName: "Purchase", matchKeys: { email: 100, phone: 100, user_agent: 100, fbp: 33.3 } });
    expect(typeof rows[0].emq).toBe("number");
  });

  it("prints a table and the weak points, from the cache on the second run", async () => {
    const first = await cli(2000, "quality:show", "--shop", SHOP);
    expect(first.code).toBe(0);
    expect(first.out.split("\n")[0]).toMatch(/^EVENT\s+EMQ\s+COVERAGE\s+DEDUP\s+FRESHNESS\s+MATCH KEYS/);
    expect(first.out).toMatch(/Purchase\s+\d+(\.\d)?\/10\s+88.4%\s+92.5%\s+real time\s+email 100%/);
    expect(first.out).toMatch(
      /- Purchase: Only some Purchase events carry the details Meta matches people by: Meta browser ID \(fbp\) on 33.3%, Meta click ID \(fbc\) on 33.3%\. Fix: Check that the app embed/,
    );
    await cli(2000, "quality:show", "--shop", SHOP, "--json");
    expect(meta.requests().filter((r) => r.url.includes("/dataset_quality"))).toHaveLength(1);
  });

  it("a token without the permission: a clear message and exit code 1", async () => {
    meta.failQuality(1, {
      kind: "graph-error",
      status: 403,
      code: 10,
      message: "(#10) Application does not have permission for this action",
    });
    const result = await cli(2000, "quality:show", "--shop", SHOP, "--json");
    expect(result).toMatchObject({ code: 1, out: "" });
    expect(result.err).toMatch(/needs the ads_read permission.*Settings/);
  });

  it("a slow answer: 'not available', exit code 1", async () => {
    meta.failQuality(1, { kind: "delay", ms: 1500 });
    const result = await cli(200, "quality:show", "--shop", SHOP);
    expect(result).toMatchObject({ code: 1, out: "" });
    expect(result.err).toMatch(/not available right now/);
    await meta.idle();
  });

  it("refuses a malformed shop and an unknown shop", async () => {
    expect((await cli(2000, "quality:show", "--shop", "not a shop")).code).toBe(2);
    const unknown = await cli(2000, "quality:show", "--shop", "nobody.myshopify.com");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/connect it first/);
  });
});

describe("npm run cli -- quality:show (the real process)", () => {
  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: database.url,
    SHOPIFY_API_KEY: "k",
    SHOPIFY_API_SECRET: "s",
    SHOPIFY_APP_URL: "https://example.com",
    SCOPES: "read_orders",
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY_HEX,
    META_GRAPH_API_URL: meta.url,
  });

  it("prints the JSON, and answers a 403 with a message, exit code 1 and no stack trace", async () => {
    const ok = await run("npm", ["run", "-s", "cli", "--", "quality:show", "--shop", SHOP, "--json"], { env: env() });
    expect((JSON.parse(ok.stdout) as Array<{ eventName: string }>)[0].eventName).toBe("Purchase");

    await db.datasetQualitySnapshot.deleteMany({});
    meta.failQuality(1, { kind: "graph-error", status: 403, code: 200, message: "(#200) Requires ads_read permission" });
    const refused = await run("npm", ["run", "-s", "cli", "--", "quality:show", "--shop", SHOP], { env: env() }).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ads_read permission/);
    expect(refused.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(refused.stdout + refused.stderr).not.toContain(TOKEN);
  }, 60_000);
});
