// POST /pixel/events through the real route on a migrated SQLite file: what a browser's sendBeacon and
// the web pixel's fetch send, what a stranger might send, and that nothing of it becomes a 500.
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { setAppEnv } from "../helpers/app-env";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";

type Handler = (args: { request: Request; params: object; context: object }) => Promise<Response>;

const SHOP = "bright-socks.myshopify.com";
const OTHER = "other-shop.myshopify.com";
const SF_ID = "sf_0123456789abcdef0123456789abcdef";
const URL_ = "https://my-test-app.myshopify.io/pixel/events";

let database: TestDatabase;
let db: Db;
let action: Handler;
let loader: Handler;
let routeModule: Record<string, unknown>;

beforeAll(async () => {
  database = await createTestDatabase();
  setAppEnv({ DATABASE_URL: database.url });
  db = (await import("~/db.server")).getDb();
  const route = await import("~/routes/pixel.events");
  routeModule = route;
  action = route.action as Handler;
  loader = route.loader as unknown as Handler;
});

afterAll(async () => {
  await (await import("~/db.server")).closeDb();
  await database.cleanup();
});

beforeEach(async () => {
  await db.$transaction([db.browserEvent.deleteMany({}), db.shopSettings.deleteMany({})]);
  await db.shopSettings.createMany({ data: [{ shop: SHOP, pixelId: "123456789012345" }, { shop: OTHER }] });
});

function post(body: string | object, headers: Record<string, string> = { "Content-Type": "text/plain;charset=UTF-8" }) {
  const request = new Request(URL_, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });
  return action({ request, params: {}, context: {} });
}

const beacon = (overrides: Record<string, unknown> = {}) => ({
  shop: SHOP,
  eventName: "PageView",
  eventId: SF_ID,
  source: "theme-embed",
  ...overrides,
});

describe("POST /pixel/events", () => {
  it("stores a sendBeacon (text/plain) report once, however often it arrives", async () => {
    const first = await post(beacon());
    expect(first.status).toBe(201);
    expect(first.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const again = await post(beacon());
    expect(again.status).toBe(200);
    const rows = await db.browserEvent.findMany({ where: { shop: SHOP } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventName: "PageView", eventId: SF_ID, source: "theme-embed" });
  });

  it("accepts the web pixel's JSON reports of checkout events", async () => {
    const purchase = await post(beacon({ eventName: "Purchase", eventId: "shopify_order_820982911946154508", source: "web-pixel" }), {
      "Content-Type": "application/json",
    });
    const checkout = await post(
      beacon({ eventName: "InitiateCheckout", eventId: "shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b", source: "web-pixel" }),
    );
    expect([purchase.status, checkout.status]).toEqual([201, 201]);
    const { findBrowserEvents } = await import("~/models/browser-event.server");
    const seen = await findBrowserEvents(db, { shop: SHOP, eventIds: ["shopify_order_820982911946154508"] });
    expect(seen.map((e) => e.eventName)).toEqual(["Purchase"]);
    // Scoped by shop: the same ID asked for another shop finds nothing.
    expect(await findBrowserEvents(db, { shop: OTHER, eventIds: ["shopify_order_820982911946154508"] })).toEqual([]);
  });

  it("answers the CORS preflight (Remix routes OPTIONS to the loader)", async () => {
    const response = await loader({ request: new Request(URL_, { method: "OPTIONS" }), params: {}, context: {} });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/content-type/i);
  });

  it("through Remix's own routing: the preflight reaches the loader, the beacon the action", async () => {
    // Just enough of a server build to route /pixel/events the way the production server does.
    const build = {
      mode: "production",
      future: {},
      isSpaMode: false,
      publicPath: "/build/",
      assetsBuildDirectory: "build/client",
      entry: { module: { default: () => new Response(null, { status: 500 }) } },
      assets: { entry: { module: "", imports: [] }, routes: {}, url: "", version: "test" },
      routes: {
        root: { id: "root", path: "", module: {} },
        "routes/pixel.events": { id: "routes/pixel.events", parentId: "root", path: "pixel/events", module: routeModule },
      },
    } as unknown as ServerBuild;
    const handle = createRequestHandler(build, "production");
    const preflight = await handle(
      new Request(URL_, { method: "OPTIONS", headers: { Origin: "https://jsmith.myshopify.com", "Access-Control-Request-Method": "POST" } }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const posted = await handle(new Request(URL_, { method: "POST", body: JSON.stringify(beacon()), headers: { "Content-Type": "text/plain" } }));
    expect(posted.status).toBe(201);
  });

  it("refuses GET with 405", async () => {
    const response = await loader({ request: new Request(URL_), params: {}, context: {} });
    expect(response.status).toBe(405);
  });

  it("answers an unknown shop with 404 and stores nothing", async () => {
    const response = await post(beacon({ shop: "stranger.myshopify.com" }));
    expect(response.status).toBe(404);
    expect(await db.browserEvent.count()).toBe(0);
  });

  it.each([
    ["not JSON", "{oops", /JSON/],
    ["an array", "[1,2]", /JSON object/],
    ["a null body", "null", /JSON object/],
    ["an empty body", "", /JSON/],
    ["a shop that is not a myshopify domain", beacon({ shop: "evil.com" }), /shop/],
    ["a shop in capitals (never what Shopify gives)", beacon({ shop: "Bright-Socks.myshopify.com" }), /shop/],
    ["an event we do not send", beacon({ eventName: "Lead" }), /eventName/],
    ["an unknown source", beacon({ source: "gtm" }), /source/],
    ["a storefront event from the pixel", beacon({ source: "web-pixel" }), /web-pixel does not send PageView/],
    ["a Purchase from the theme embed", beacon({ eventName: "Purchase", eventId: "shopify_order_1" }), /theme-embed does not send Purchase/],
    ["an empty event ID", beacon({ eventId: "" }), /eventId/],
    ["a made-up event ID", beacon({ eventId: "abc" }), /eventId/],
    ["an upper-case random ID", beacon({ eventId: SF_ID.toUpperCase().replace("SF_", "sf_") }), /eventId/],
    ["a Purchase ID with leading zeros", beacon({ eventName: "Purchase", eventId: "shopify_order_0123", source: "web-pixel" }), /eventId/],
    ["a numeric event ID", beacon({ eventId: 12345 }), /eventId/],
  ])("rejects %s with 400 and a message", async (_label, body, message) => {
    const response = await post(body as string | object);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect(await db.browserEvent.count()).toBe(0);
  });

  it("refuses a body over 4 KB, whether or not Content-Length says so", async () => {
    const big = JSON.stringify({ ...beacon(), padding: "x".repeat(5000) });
    expect((await post(big)).status).toBe(413);
    // A streamed body carries no Content-Length; the route still stops reading at the limit.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const request = new Request(URL_, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect((await action({ request, params: {}, context: {} })).status).toBe(413);
    expect(await db.browserEvent.count()).toBe(0);
  });

  it("answers 503, not 500, when the database fails", async () => {
    const original = db.shopSettings.findUnique;
    db.shopSettings.findUnique = (() => Promise.reject(new Error("database is locked"))) as never;
    try {
      const response = await post(beacon());
      expect(response.status).toBe(503);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    } finally {
      db.shopSettings.findUnique = original;
    }
  });
});
