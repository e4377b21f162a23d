// Tenant isolation. Structurally: every function a model exports takes the shop it acts on, except a short
// list of documented exceptions (read from the source with the TypeScript parser, so a new model function
// cannot slip through), and no service queries the database itself, so every query passes that check.
// Behaviourally: through the CLI and the public pixel beacon one shop can never read
// or change another's settings or deliveries. The webhooks' side is in tests/routes/lifecycle-webhooks.test.ts
// (every case there runs with a second shop whose rows must not move) and tests/faults/webhook-storm.test.ts
// (two shops sharing order IDs, each event sent to its own pixel with its own token); the admin's routes
// are covered in its own suite.
import { readdirSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeEach, describe, expect, it } from "vitest";
import { recordDelivery, type NewDelivery } from "~/models/delivery-queue.server";
import { ProxyIngest } from "~/services/storefront-events.server";
import { connectShop } from "~/services/shop-connection.server";
import { runCli } from "../../cli/run";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { useTestDatabase } from "../helpers/use-test-database";

const MODELS = new URL("../../app/models/", import.meta.url);
const SERVICES = new URL("../../app/services/", import.meta.url);
const SCHEMA = new URL("../../prisma/schema.prisma", import.meta.url);

// Functions that are scoped by something other than the shop, and why that is safe.
const NOT_SHOP_SCOPED: Record<string, string> = {
  // The worker's queue operations: the claim is across shops by design (one queue), and every later write
  // is limited to the rows the caller's claim token owns.
  claimDueDeliveries: "the queue is shared; rows are then owned by a claim token",
  markSent: "rows owned by the caller's claim token",
  markRetry: "rows owned by the caller's claim token",
  markFailed: "rows owned by the caller's claim token",
  markSkipped: "rows owned by the caller's claim token",
  releaseClaim: "rows owned by the caller's claim token",
  stillClaimed: "rows owned by the caller's claim token",
  claimDueStorefrontEvents: "the queue is shared; rows are then owned by a claim token",
  markStorefrontSent: "rows owned by the caller's claim token",
  markStorefrontRetry: "rows owned by the caller's claim token",
  markStorefrontFailed: "rows owned by the caller's claim token",
  markStorefrontSkipped: "rows owned by the caller's claim token",
  releaseStorefrontClaim: "rows owned by the caller's claim token",
  stillClaimedStorefront: "rows owned by the caller's claim token",
  // What the two queues' claims above share (lease-claim.server.ts).
  claimLeased: "the queue is shared; rows are then owned by a claim token",
  stillLeased: "rows owned by the caller's claim token",
  finishLeased: "rows owned by the caller's claim token",
  // One retention period for every shop.
  deleteExpiredDeliveries: "retention applies to all shops",
  deleteExpiredBrowserEvents: "retention applies to all shops",
  deleteExpiredDataRequests: "retention applies to all shops",
  deleteExpiredStorefrontEvents: "retention applies to all shops",
  // Re-sealing under a new key covers every shop; each write is scoped to its shop.
  listSealedTokens: "key rotation covers every shop",
  // The health probe reads no table.
  pingDatabase: "SELECT 1 reads no shop's data",
  // Ingest first (services/delivery/ingest-gate.server.ts): a count, no row's content, over every shop,
  // since the machine's and the database's load is all of theirs.
  countQueuedBetween: "counts rows of every shop to measure the load; reads no row's content",
  // The worker's claim statement as text, exported for the test that reads its plan (claim-plan.test.ts):
  // it queries nothing itself; claimLeased runs it, and the claim takes any connected shop's due rows.
  postgresClaimSql: "returns SQL text and runs no query; the claim it builds serves every connected shop by design",
};

interface ExportedFunction {
  file: string;
  name: string;
  takesShop: boolean;
}

/** Exported functions of a module, and whether one of their parameters is, or carries, `shop`. */
function exportedFunctions(file: string): ExportedFunction[] {
  const source = ts.createSourceFile(file, readFileSync(new URL(file, MODELS), "utf8"), ts.ScriptTarget.Latest, true);
  const declared = new Map<string, ts.TypeNode | ts.InterfaceDeclaration>();
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement)) declared.set(statement.name.text, statement);
    if (ts.isTypeAliasDeclaration(statement)) declared.set(statement.name.text, statement.type);
  }
  const hasShopMember = (node: ts.TypeNode | ts.InterfaceDeclaration | undefined, depth = 0): boolean => {
    if (!node || depth > 5) return false;
    if (ts.isInterfaceDeclaration(node) || ts.isTypeLiteralNode(node)) {
      return node.members.some((m) => m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === "shop");
    }
    if (ts.isIntersectionTypeNode(node)) return node.types.some((t) => hasShopMember(t, depth + 1));
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) return hasShopMember(declared.get(node.typeName.text), depth + 1);
    return false;
  };
  const found: ExportedFunction[] = [];
  for (const statement of source.statements) {
    const exported = ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const fns: [string, ts.SignatureDeclaration][] = [];
    if (ts.isFunctionDeclaration(statement) && statement.name) fns.push([statement.name.text, statement]);
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) {
          fns.push([d.name.text, d.initializer]);
        }
      }
    }
    for (const [name, fn] of fns) {
      const takesShop = fn.parameters.some((p) => (ts.isIdentifier(p.name) && p.name.text === "shop") || hasShopMember(p.type));
      found.push({ file, name, takesShop });
    }
  }
  return found;
}

describe("every model function is scoped to a shop", () => {
  const files = readdirSync(MODELS).filter((f) => f.endsWith(".server.ts"));
  const functions = files.flatMap(exportedFunctions);

  it("finds the model functions it checks", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(functions.length).toBeGreaterThan(25);
    expect(functions.find((f) => f.name === "recordDelivery")?.takesShop).toBe(true);
  });

  it("each exported function takes `shop` (directly or in its input), or is a documented exception", () => {
    const unscoped = functions.filter((f) => !f.takesShop && !(f.name in NOT_SHOP_SCOPED)).map((f) => `${f.file}: ${f.name}`);
    expect(unscoped).toEqual([]);
  });

  it("the exceptions are real, current, and really not shop-scoped", () => {
    for (const name of Object.keys(NOT_SHOP_SCOPED)) {
      const fn = functions.find((f) => f.name === name);
      expect(fn, `${name} is listed as an exception but no model exports it`).toBeDefined();
      expect(fn!.takesShop, `${name} takes a shop: remove it from the exceptions`).toBe(false);
    }
  });
});

// The client's own entry points, and what a model delegate (`db.delivery`) is asked to do.
const CLIENT_METHODS = new Set(["$queryRaw", "$queryRawUnsafe", "$executeRaw", "$executeRawUnsafe", "$transaction", "$runCommandRaw"]);
const DELEGATE_METHODS = new Set([
  "findMany",
  "findFirst",
  "findFirstOrThrow",
  "findUnique",
  "findUniqueOrThrow",
  "create",
  "createMany",
  "createManyAndReturn",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "upsert",
  "delete",
  "deleteMany",
  "count",
  "aggregate",
  "groupBy",
]);
const MODEL_DELEGATES = new Set(
  [...readFileSync(SCHEMA, "utf8").matchAll(/^model (\w+) \{/gm)].map(([, name]) => name[0].toLowerCase() + name.slice(1)),
);

/** `file:line: text` for each database query written in the source (a client method, or a query on a model delegate). */
function directQueries(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      const onDelegate =
        DELEGATE_METHODS.has(name) && ts.isPropertyAccessExpression(node.expression) && MODEL_DELEGATES.has(node.expression.name.text);
      if (CLIENT_METHODS.has(name) || onDelegate) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${file}:${line + 1}: ${node.getText()}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("services query the database only through models", () => {
  const root = fileURLToPath(SERVICES);
  const files = (readdirSync(SERVICES, { recursive: true }) as string[])
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => relative(root, fileURLToPath(new URL(f, SERVICES))));

  it("finds the queries it looks for", () => {
    expect([...MODEL_DELEGATES]).toEqual(expect.arrayContaining(["session", "shopSettings", "delivery", "browserEvent"]));
    const sample = [
      "const a = await db.delivery.groupBy({ by: ['status'] });",
      "await deps.db.session.updateMany({ where: {} });",
      "await db.$transaction([]);",
      "await db.$queryRaw`SELECT 1`;",
      "const b = await findShopSettings(db, shop); const c = list.findMany; const d = db.delivery;",
    ].join("\n");
    expect(directQueries("sample.ts", sample).map((q) => q.split(": ")[0])).toEqual([
      "sample.ts:1",
      "sample.ts:2",
      "sample.ts:3",
      "sample.ts:4",
    ]);
  });

  it("no service (the delivery worker included) calls the database directly", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files).toContain("delivery/worker.server.ts");
    const queries = files.flatMap((f) => directQueries(f, readFileSync(new URL(f, SERVICES), "utf8")));
    expect(queries).toEqual([]);
  });
});

describe("one shop cannot reach another's data", () => {
  const A = "bright-socks.myshopify.com";
  const B = "calm-hats.myshopify.com";
  const database = useTestDatabase("sqlite");
  const db = database.db;

  beforeEach(async () => {
    await db.$transaction([
      db.delivery.deleteMany({}),
      db.shopSettings.deleteMany({}),
      db.browserEvent.deleteMany({}),
      db.customerDataRequest.deleteMany({}),
      db.storefrontEvent.deleteMany({}),
      db.session.deleteMany({}),
    ]);
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: A, pixelId: "123456789012345", accessToken: "EAAB" + "a".repeat(60) });
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: B, pixelId: "543210987654321", accessToken: "EAAB" + "b".repeat(60) });
    const row = (shop: string, orderId: string, status: NewDelivery["status"]): NewDelivery => ({
      shop,
      pixelId: "1",
      eventName: "Purchase",
      eventId: `shopify_order_${orderId}`,
      orderId,
      orderName: `#${orderId}`,
      value: "1.00",
      currency: "USD",
      status,
      reasonCode: null,
      eventTime: new Date(),
      nextAttemptAt: new Date(),
      payload: "{}",
      webhookId: null,
    });
    await recordDelivery(db, row(A, "1001", "failed"));
    await recordDelivery(db, row(A, "1002", "skipped"));
    await db.customerDataRequest.create({ data: { shop: A, requestId: "a-1", report: JSON.stringify({ secretOf: A }) } });
  });

  const snapshotOf = async (shop: string) =>
    JSON.stringify(
      await Promise.all([
        db.delivery.findMany({ where: { shop }, orderBy: { id: "asc" } }),
        db.shopSettings.findMany({ where: { shop } }),
        db.browserEvent.findMany({ where: { shop }, orderBy: { id: "asc" } }),
        db.customerDataRequest.findMany({ where: { shop }, orderBy: { id: "asc" } }),
        db.storefrontEvent.findMany({ where: { shop }, orderBy: { id: "asc" } }),
      ]),
    );

  async function cli(...argv: string[]) {
    const lines: string[] = [];
    const readAccessToken = async () => "EAAB" + "c".repeat(60);
    const code = await runCli(argv, {
      db,
      encryptionKey: TEST_ENCRYPTION_KEY,
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
      readAccessToken,
    });
    return { code, text: lines.join("\n") };
  }

  it("through the CLI, naming shop B never shows or changes shop A's rows", async () => {
    const before = await snapshotOf(A);
    const list = await cli("deliveries:list", "--shop", B, "--json");
    expect(list).toEqual({ code: 0, text: "[]" });
    const retry = await cli("deliveries:retry", "--shop", B, "--order", "1001");
    expect(retry.code).toBe(1);
    expect(retry.text).toContain("no deliveries recorded for order 1001 of calm-hats.myshopify.com");
    const requests = await cli("privacy:requests", "--shop", B, "--json");
    expect(requests).toEqual({ code: 0, text: "[]" });
    expect(await cli("shops:connect", "--shop", B, "--pixel-id", "99999999")).toMatchObject({ code: 0 });
    expect(await snapshotOf(A)).toBe(before);
    // And naming A shows A's, and only A's.
    const own = JSON.parse((await cli("deliveries:list", "--shop", A, "--json")).text) as { orderId: string }[];
    expect(own.map((r) => r.orderId).sort()).toEqual(["1001", "1002"]);
  });

  it("through the app proxy, events for shop B are stored for B only", async () => {
    await db.session.create({ data: { id: `offline_${B}`, shop: B, state: "", isOnline: false, accessToken: "shpat_b" } });
    const before = await snapshotOf(A);
    const now = new Date();
    const event = (eventName: string, eventId: string) => ({
      event_name: eventName,
      event_id: eventId,
      event_time: Math.floor(now.getTime() / 1000),
      event_source_url: "https://calm-hats.example/",
      fbp: "fb.1.1732800000000.1",
    });
    const request = new Request("https://app.example/proxy/events", {
      method: "POST",
      headers: { "X-Forwarded-For": "198.51.100.1", "User-Agent": "Mozilla/5.0" },
      body: JSON.stringify({ events: [event("Purchase", "shopify_order_1001"), event("PageView", "sf_1")] }),
    });
    const ingest = new ProxyIngest({ shopRate: 10, shopBurst: 10, ipRate: 10, ipBurst: 10 });
    const outcome = await ingest.receive(db, { shop: B, loggedInCustomerId: null, request, now });
    expect(outcome).toEqual({ ok: true, value: { accepted: 2, dropped: [] } });
    expect(await snapshotOf(A)).toBe(before);
    expect(await db.browserEvent.findMany({ select: { shop: true, eventId: true } })).toEqual([{ shop: B, eventId: "shopify_order_1001" }]);
    expect(await db.storefrontEvent.findMany({ select: { shop: true, pixelId: true, eventId: true } })).toEqual([
      { shop: B, pixelId: "543210987654321", eventId: "sf_1" },
    ]);
  });
});
