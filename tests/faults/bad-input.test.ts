// Bad input at every entry point of the running server (webhooks, the app proxy, the admin's actions)
// and of the operator CLI: random and malformed bodies, wrong content types, 5 MB bodies, wrong signatures,
// unknown topics and paths. Each gets a clear 4xx (or, for a genuinely signed lifecycle webhook that asks
// nothing of us, a 200), nothing is stored, and the server is still healthy at the end.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { runCli } from "../../cli/run";
import { signProxyUrl } from "../../dev/fake-shopify/app-proxy";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { signedWebhookRequest } from "../helpers/webhook-request";
import { createRig, figure, SHOP_A, trackCleanups } from "./harness";

const cleanups = trackCleanups();

const TOPICS = ["orders/paid", "customers/data_request", "customers/redact", "shop/redact", "app/uninstalled", "app/scopes_update"];
// A valid signature for these acts on the shop whatever the body says, so the fuzz signs them for a shop
// the app never knew: the point is the body handling, and a real shop's data must stay put.
const ACTS_ON_SHOP = new Set(["shop/redact", "app/uninstalled"]);
const STRANGER = "fuzz-stranger.myshopify.com";

async function snapshot(db: Db): Promise<string> {
  const [deliveries, settings, sessions, browserEvents, dataRequests] = await Promise.all([
    db.delivery.findMany({ orderBy: { id: "asc" } }),
    db.shopSettings.findMany({ orderBy: { shop: "asc" } }),
    db.session.findMany({ orderBy: { id: "asc" } }),
    db.browserEvent.findMany({ orderBy: { id: "asc" } }),
    db.customerDataRequest.findMany({ orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify({ deliveries, settings, sessions, browserEvents, dataRequests });
}

// Random text and JSON that never names a field the routes act on: a random order ID would make a
// legitimate (if odd) order, which is not what this fuzz is about. Hand-picked edge cases join them.
const NAMES_A_FIELD = /"(id|admin_graphql_api_id|orders_to_redact|orders_requested|customer|current|data_request)"/;
const junkJson = fc.oneof(
  fc.json().filter((body) => !NAMES_A_FIELD.test(body)),
  fc.string({ unit: "binary", maxLength: 200 }).filter((body) => !NAMES_A_FIELD.test(body)),
  fc.constantFrom(
    "",
    "{",
    "[]",
    "null",
    "true",
    '"id"',
    '{"id":null}',
    '{"id":"abc"}',
    "[[[[[[]]]]]]",
    "\u0000",
    '{"__proto__":{"x":1}}',
    '{"id":{"toString":{}}}',
  ),
);

describe("bad input at every entry point", () => {
  it("the server answers every malformed request with a 4xx, stores nothing, and stays up", async () => {
    const rig = await createRig(cleanups);
    const server = await rig.start("server");
    const before = await snapshot(rig.db);
    const statuses = new Map<string, Set<number | string>>();
    const answers = new Map<number | string, number>();
    const record = (what: string, status: number | string) => {
      answers.set(status, (answers.get(status) ?? 0) + 1);
      statuses.set(what, (statuses.get(what) ?? new Set()).add(status));
    };
    let requests = 0;

    async function send(path: string, init: RequestInit & { duplex?: "half" }): Promise<number | string> {
      requests++;
      try {
        const response = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
        await response.arrayBuffer();
        return response.status;
      } catch (error) {
        // A hang shows up here as a timeout, a crash as a refused connection: both fail the test.
        return `error: ${(error as Error).message}`;
      }
    }
    const webhook = (
      topic: string,
      body: string | Uint8Array,
      opts: { secret?: string; shop?: string; headers?: Record<string, string | null>; path?: string } = {},
    ) => {
      const text = typeof body === "string" ? body : Buffer.from(body).toString("latin1");
      const signed = signedWebhookRequest({
        topic,
        shop: opts.shop ?? SHOP_A.shop,
        body: text,
        secret: opts.secret,
        headers: opts.headers,
      });
      return send(opts.path ?? `/webhooks/${topic}`, {
        method: "POST",
        headers: signed.headers,
        body: typeof body === "string" ? body : new Blob([new Uint8Array(body)]),
      });
    };

    // Correctly signed junk, per topic: the body handling itself.
    for (const topic of TOPICS) {
      const shop = ACTS_ON_SHOP.has(topic) ? STRANGER : SHOP_A.shop;
      await fc.assert(
        fc.asyncProperty(junkJson, async (body) => {
          const status = await webhook(topic, body, { shop });
          record(`signed junk ${topic}`, status);
          if (topic === "orders/paid") return status === 400;
          return status === 400 || status === 200;
        }),
        { numRuns: 40 },
      );
      // Nesting deep enough to defeat a recursive parser.
      record(`deep nesting ${topic}`, await webhook(topic, "[".repeat(100_000) + "]".repeat(100_000), { shop }));
      record(`deep object ${topic}`, await webhook(topic, '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000), { shop }));
      // Wrong signatures, a missing one, bytes that are not UTF-8.
      record(`bad signature ${topic}`, await webhook(topic, "{}", { secret: "not-the-secret" }));
      record(`no signature ${topic}`, await webhook(topic, "{}", { headers: { "X-Shopify-Hmac-Sha256": null } }));
      record(
        `missing headers ${topic}`,
        await webhook(topic, "{}", { headers: { "X-Shopify-Webhook-Id": null, "X-Shopify-Topic": null } }),
      );
      record(`not UTF-8 ${topic}`, await webhook(topic, new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0xc3])));
      record(
        `wrong content type ${topic}`,
        await webhook(topic, "name=value&x=1", { headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
      );
      record(`GET ${topic}`, await send(`/webhooks/${topic}`, { method: "GET" }));
    }
    // A delivery of one topic sent to another's endpoint, and topics we do not serve.
    record("topic on the wrong route", await webhook("shop/redact", "{}", { path: "/webhooks/orders/paid" }));
    record("unknown topic route", await webhook("orders/create", '{"id":1}'));
    record("unknown path", await send("/webhooks/../../etc/passwd", { method: "POST", body: "{}" }));

    // 5 MB: declared (refused before reading) and streamed without a length (capped while reading).
    const big = "x".repeat(5 * 1024 * 1024);
    record("5 MB with Content-Length", await webhook("orders/paid", big));
    const chunks = 80;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks; i++) controller.enqueue(new TextEncoder().encode("y".repeat(64 * 1024)));
        controller.close();
      },
    });
    const signedStream = signedWebhookRequest({ topic: "orders/paid", shop: SHOP_A.shop, body: "y".repeat(chunks * 64 * 1024) });
    record(
      "5 MB chunked",
      await send("/webhooks/orders/paid", { method: "POST", headers: signedStream.headers, body: stream, duplex: "half" }),
    );
    // Just under the limit, signed, and still not an order: read, parsed and refused.
    record("1.9 MB signed non-order", await webhook("orders/paid", JSON.stringify({ note: "z".repeat(1_900_000) })));

    // The app proxy (POST /proxy/events), as Shopify forwards the storefront's posts: signed for the shop.
    // Each request from its own shopper address, so the per-address limit does not answer for the body.
    let shopper = 0;
    const proxied = (body: BodyInit, headers: Record<string, string> = {}) => {
      const signed = new URL(signProxyUrl(`${server.url}/proxy/events`, { shop: SHOP_A.shop, secret: API_SECRET_KEY }));
      shopper++;
      return send(signed.pathname + signed.search, {
        method: "POST",
        headers: { "X-Forwarded-For": `198.51.${Math.floor(shopper / 250)}.${shopper % 250}`, ...headers },
        body,
      });
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string({ unit: "binary", maxLength: 300 })), async (body) => {
        const status = await proxied(body, { "Content-Type": "text/plain" });
        record("proxy junk", status);
        return typeof status === "number" && status >= 400 && status < 500;
      }),
      { numRuns: 60 },
    );
    record(
      "proxy unsigned",
      await send("/proxy/events", { method: "POST", headers: { "Content-Type": "text/plain" }, body: '{"events":[]}' }),
    );
    record("proxy 5 MB", await proxied(big));
    // The admin's actions without a session (the admin suite covers them with one).
    for (const path of ["/app", "/app/settings", "/app/deliveries/1", `/app/deliveries/1?shop=${SHOP_A.shop}`]) {
      record(
        `admin POST ${path}`,
        await send(path, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "intent=retry&pixelId=1&accessToken=x",
        }),
      );
      record(`admin bearer ${path}`, await send(path, { method: "POST", headers: { Authorization: "Bearer not.a.jwt" }, body: "{" }));
    }

    const all = [...statuses.entries()].flatMap(([what, set]) => [...set].map((status) => ({ what, status })));
    const notClientErrors = all.filter(({ what, status }) => {
      if (typeof status !== "number") return true;
      if (status >= 400 && status < 500) return false;
      // A signed lifecycle webhook whose body asks nothing of us is answered 200, as Shopify requires.
      return !(status === 200 && /^(signed junk|deep (nesting|object)) (customers|shop|app)\//.test(what));
    });
    expect(notClientErrors).toEqual([]);
    expect(statuses.get("5 MB with Content-Length")).toEqual(new Set([413]));
    expect(statuses.get("5 MB chunked")).toEqual(new Set([413]));
    expect(statuses.get("proxy 5 MB")).toEqual(new Set([413]));
    expect(statuses.get("proxy unsigned")).toEqual(new Set([401]));
    expect(statuses.get("proxy junk")).toEqual(new Set([400]));
    for (const topic of TOPICS) expect(statuses.get(`bad signature ${topic}`)).toEqual(new Set([401]));

    expect(await snapshot(rig.db)).toEqual(before);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    figure(
      "bad-input (server)",
      `${requests} malformed requests of ${statuses.size} kinds, answered ${[...answers].map(([s, n]) => `${s} x${n}`).join(", ")}; ` +
        "0 rows stored, 0 answers 5xx, server healthy",
    );
  }, 120_000);

  it("the CLI refuses random arguments with exit 1 or 2, never throws, and changes nothing", async () => {
    const rig = await createRig(cleanups);
    await rig.db.delivery.create({
      data: {
        shop: SHOP_A.shop,
        pixelId: SHOP_A.pixel,
        eventName: "Purchase",
        eventId: "shopify_order_1",
        orderId: "1",
        status: "sent",
        eventTime: new Date(),
        payload: "{}",
      },
    });
    const before = await snapshot(rig.db);
    const word = fc.oneof(
      fc.constantFrom(
        "shops:connect",
        "deliveries:list",
        "deliveries:retry",
        "privacy:requests",
        "tokens:reseal",
        "help",
        "--shop",
        "--order",
        "--status",
        "--limit",
        "--json",
        "--pixel-id",
        "--access-token",
        "--test-event-code",
        SHOP_A.shop,
        "not a shop",
        "1",
        "-1",
        "1e3",
        "99999999999999999999999",
        "pending",
        "sent",
        "--",
        "-",
        "=",
        "--shop=",
        "\u0000",
      ),
      fc.string({ unit: "binary", maxLength: 40 }),
    );
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 8 }), async (argv) => {
        const out: string[] = [];
        const code = await runCli(argv, {
          db: rig.db,
          encryptionKey: TEST_ENCRYPTION_KEY,
          out: (l) => out.push(l),
          err: (l) => out.push(l),
        });
        codes.set(code, (codes.get(code) ?? 0) + 1);
        // 0 only for the read-only commands that happened to be well formed.
        return [0, 1, 2].includes(code) && !out.join("\n").includes(SHOP_A.token);
      }),
      { numRuns: 300 },
    );
    const huge = await runCli(["deliveries:list", "--shop", "a".repeat(1_000_000)], {
      db: rig.db,
      encryptionKey: TEST_ENCRYPTION_KEY,
      out: () => undefined,
      err: () => undefined,
    });
    expect(huge).toBe(2);
    expect(await snapshot(rig.db)).toEqual(before);
    figure(
      "bad-input (cli)",
      `301 random argument lists, exit codes ${[...codes].map(([c, n]) => `${c}x${n}`).join(" ")}, nothing changed`,
    );
  }, 60_000);
});
