// POST /proxy/events through the real route, on a SQLite file and on PostgreSQL: requests signed as
// Shopify's app proxy signs them (dev/fake-shopify/app-proxy.ts), stored in StorefrontEvent, and sent by
// the real worker over real HTTP to the strict fake Graph API.
import { createHash } from "node:crypto";
import pino from "pino";
import { API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "~/db.server";
import { TEST_ENCRYPTION_KEY, setAppEnv } from "../helpers/app-env";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { signProxyUrl } from "../../dev/fake-shopify/app-proxy";

type Action = (args: { request: Request; params: object; context: object }) => Promise<Response>;

const SHOP = "bright-socks.myshopify.com";
const STRANGER = "never-installed.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "p".repeat(60);
const APP_URL = "https://my-test-app.myshopify.io/proxy/events";
const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1";
const FBP = "fb.1.1732800000000.1234567890";
const FBC = "fb.1.1732800000000.IwAR2xYz_abc";
const CUSTOMER = "7012345678901";

let ipCounter = 0;
// Each test its own shopper address, so the per-IP bucket of one test never limits another.
const freshIp = () => `203.0.113.${++ipCounter % 250}`;

let idCounter = 0;
const nextId = () => `sf_${(++idCounter).toString(16).padStart(32, "0")}`;

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_name: "PageView",
    event_id: nextId(),
    event_time: Math.floor(Date.now() / 1000) - 5,
    event_source_url: "https://bright-socks.example/products/wool",
    fbp: FBP,
    fbc: FBC,
    ...overrides,
  };
}

describe.each(["sqlite", "postgresql"] as const)("app proxy on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  let fake: FakeGraphApi;
  let action: Action;
  let worker: import("~/services/delivery/worker.server").DeliveryWorker;
  let proxyIngest: typeof import("~/services/storefront-events.server").proxyIngest;

  function post(
    body: unknown,
    opts: {
      ip?: string;
      shop?: string;
      secret?: string;
      customer?: string | null;
      url?: string;
      contentType?: string;
      timestamp?: number;
    } = {},
  ): Promise<Response> {
    const url =
      opts.url ??
      signProxyUrl(APP_URL, {
        shop: opts.shop ?? SHOP,
        secret: opts.secret ?? API_SECRET_KEY,
        loggedInCustomerId: opts.customer ?? null,
        timestamp: opts.timestamp,
      });
    const request = new Request(url, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: {
        "Content-Type": opts.contentType ?? "text/plain;charset=UTF-8",
        "User-Agent": UA,
        // Shopify's proxy appends its own hop after the shopper's address.
        "X-Forwarded-For": `${opts.ip ?? freshIp()}, 23.227.38.65`,
      },
    });
    return action({ request, params: {}, context: {} });
  }

  const rows = () => db.storefrontEvent.findMany({ orderBy: { id: "asc" } });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
    vi.resetModules();
    setAppEnv({
      DATABASE_URL: database.url,
      META_GRAPH_API_URL: fake.url,
      PROXY_SHOP_RATE: "1000",
      PROXY_SHOP_BURST: "1000",
      PROXY_IP_RATE: "1",
      PROXY_IP_BURST: "5",
    });
    db = (await import("~/db.server")).getDb();
    action = (await import("~/routes/proxy.events")).action as Action;
    proxyIngest = (await import("~/services/storefront-events.server")).proxyIngest;
    const { DeliveryWorker } = await import("~/services/delivery/worker.server");
    const { createGraphClient } = await import("~/services/meta/graph-client.server");
    worker = new DeliveryWorker({
      db,
      meta: createGraphClient({ baseUrl: fake.url, apiVersion: "v25.0", timeoutMs: 2000 }),
      encryptionKey: TEST_ENCRYPTION_KEY,
      workerId: "test",
      batchSize: 1000,
      leaseMs: 60_000,
      requestTimeoutMs: 2000,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      pollMs: 20,
      logger: pino({ level: "silent" }),
    });
  });

  afterAll(async () => {
    await fake.close();
    await (await import("~/db.server")).closeDb();
    await database.cleanup();
  });

  beforeEach(async () => {
    fake.reset();
    await db.$transaction([
      db.storefrontEvent.deleteMany({}),
      db.browserEvent.deleteMany({}),
      db.customerDataRequest.deleteMany({}),
      db.delivery.deleteMany({}),
      db.session.deleteMany({}),
      db.shopSettings.deleteMany({}),
    ]);
    const { connectShop } = await import("~/services/shop-connection.server");
    expect((await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN })).ok).toBe(true);
    await db.session.create({
      data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, scope: "read_orders", accessToken: "shpat_test" },
    });
  });

  it("takes a signed batch to Meta as server events with the browser's event IDs, the shopper's IP and the body's fbp", async () => {
    const pageView = event();
    const addToCart = event({
      event_name: "AddToCart",
      custom_data: { value: "24.50", currency: "eur", content_ids: ["8123456789"], content_type: "product" },
    });
    const response = await post({ events: [pageView, addToCart] }, { ip: "198.51.100.7", customer: CUSTOMER });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2, dropped: [] });
    expect((await rows()).map((r) => [r.eventName, r.eventId, r.status])).toEqual([
      ["PageView", pageView.event_id, "pending"],
      ["AddToCart", addToCart.event_id, "pending"],
    ]);

    const stats = await worker.drain();
    expect(stats).toMatchObject({ claimed: 2, sent: 2 });
    const received = fake.received();
    expect(received.map((e) => [e.pixelId, e.eventName, e.eventId])).toEqual([
      [PIXEL, "PageView", pageView.event_id],
      [PIXEL, "AddToCart", addToCart.event_id],
    ]);
    const sent = received[1].event as {
      action_source: string;
      event_source_url: string;
      user_data: Record<string, string>;
      custom_data: unknown;
    };
    expect(sent.action_source).toBe("website");
    expect(sent.event_source_url).toBe(addToCart.event_source_url);
    expect(sent.user_data).toEqual({
      external_id: createHash("sha256").update(CUSTOMER).digest("hex"),
      client_ip_address: "198.51.100.7",
      client_user_agent: UA,
      fbp: FBP,
      fbc: FBC,
    });
    expect(sent.custom_data).toEqual({ value: 24.5, currency: "EUR", content_ids: ["8123456789"], content_type: "product" });
    // Sent rows keep no payload: the raw IP and user agent were for Meta, once.
    expect((await rows()).map((r) => [r.status, r.payload])).toEqual([
      ["sent", ""],
      ["sent", ""],
    ]);
  });

  it("retries a batch Meta could not take, isolates an event Meta rejects, and holds a shop whose token Meta refuses", async () => {
    const [first, bad, third] = [event(), event(), event()];
    expect((await post({ events: [first, bad, third] })).status).toBe(202);

    fake.fail(1, { kind: "http", status: 503 });
    expect(await worker.runOnce()).toMatchObject({ claimed: 3, retrying: 3 });
    const retrying = await rows();
    expect(retrying.map((r) => [r.status, r.attempts, r.reasonCode, r.failureKind])).toEqual([
      ["pending", 1, "meta_unavailable", "transient"],
      ["pending", 1, "meta_unavailable", "transient"],
      ["pending", 1, "meta_unavailable", "transient"],
    ]);
    expect(retrying.every((r) => r.nextAttemptAt.getTime() > Date.now() && r.payload !== "")).toBe(true);

    // Due again; Meta now refuses any batch holding the bad event (code 100): only it fails.
    await db.storefrontEvent.updateMany({ data: { nextAttemptAt: new Date(Date.now() - 1000) } });
    fake.setHandler((request) => {
      const data = (request.params?.data ?? []) as { event_id?: string }[];
      return data.some((e) => e.event_id === bad.event_id)
        ? { kind: "graph-error", code: 100, subcode: 2804019, message: "Invalid parameter" }
        : null;
    });
    expect(await worker.drain()).toMatchObject({ sent: 2, failed: 1 });
    expect((await rows()).map((r) => [r.eventId, r.status, r.reasonCode, r.failureKind, r.lastError])).toEqual([
      [first.event_id, "sent", null, null, null],
      [bad.event_id, "failed", "meta_rejected", "invalid_payload", "Invalid parameter"],
      [third.event_id, "sent", null, null, null],
    ]);
    fake.setHandler(null);

    expect((await post({ events: [event()] })).status).toBe(202);
    fake.expireToken(PIXEL);
    expect(await worker.runOnce()).toMatchObject({ claimed: 1, held: 1 });
    expect((await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).connectionState).toBe("broken");
    const held = await db.storefrontEvent.findMany({ where: { status: "pending" } });
    expect(held.map((r) => [r.reasonCode, r.failureKind])).toEqual([["held_meta_refused", "auth"]]);
    // Meta's own words only; the app's reason is the code.
    expect(held[0].lastError).not.toMatch(/^Held/);
    // Held: not claimed again while the connection is broken.
    expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
  });

  it("records the embed's duplicate-pixel report on the signed shop, with the batch's events kept", async () => {
    const seenAt = () => db.shopSettings.findUnique({ where: { shop: SHOP } }).then((row) => row?.duplicatePixelSeenAt ?? null);
    expect((await post({ events: [event()] })).status).toBe(202);
    expect(await seenAt()).toBeNull();
    // Malformed: ignored, the events still stored.
    expect((await post({ events: [event()], diagnostics: { duplicatePixel: "yes" } })).status).toBe(202);
    expect(await seenAt()).toBeNull();
    const before = Date.now();
    expect((await post({ events: [event()], diagnostics: { duplicatePixel: true } })).status).toBe(202);
    expect((await seenAt())!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await rows()).toHaveLength(3);
    // A stranger's report changes nothing anywhere.
    expect((await post({ events: [event()], diagnostics: { duplicatePixel: true } }, { shop: STRANGER })).status).not.toBe(202);
  });

  it("stores a repeated beacon once, and accepts application/json as well as text/plain", async () => {
    const same = event();
    expect((await post({ events: [same] })).status).toBe(202);
    expect((await post({ events: [same] }, { contentType: "application/json" })).status).toBe(202);
    expect(await rows()).toHaveLength(1);
    await worker.drain();
    expect(fake.received()).toHaveLength(1);
  });

  it("sends with the shop's test event code and Limited Data Use, as for Purchase", async () => {
    await db.shopSettings.update({ where: { shop: SHOP }, data: { testEventCode: "TEST123", limitedDataUse: true } });
    expect((await post({ events: [event()] })).status).toBe(202);
    await worker.drain();
    const [received] = fake.received();
    expect(received.testEventCode).toBe("TEST123");
    expect(received.event).toMatchObject({
      data_processing_options: ["LDU"],
      data_processing_options_country: 0,
      data_processing_options_state: 0,
    });
  });

  it("refuses unsigned, wrongly signed, tampered and replayed requests with 401 and stores nothing", async () => {
    const body = { events: [event()] };
    const signed = new URL(signProxyUrl(APP_URL, { shop: SHOP, secret: API_SECRET_KEY }));
    const tampered = new URL(signed);
    tampered.searchParams.set("logged_in_customer_id", CUSTOMER);
    const answers = [
      await post(body, { url: APP_URL }),
      await post(body, { url: `${APP_URL}?shop=${SHOP}` }),
      await post(body, { secret: "not-the-app-secret" }),
      await post(body, { url: tampered.toString() }),
      await post(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    ];
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    // A positive control: the same body, properly signed, is stored.
    expect((await post(body)).status).toBe(202);
    expect(await rows()).toHaveLength(1);
    expect(await db.browserEvent.count()).toBe(0);
  });

  it("stores nothing for a shop that never installed the app or has uninstalled it", async () => {
    const stranger = await post({ events: [event()] }, { shop: STRANGER });
    expect(stranger.status).toBe(404);
    const { handleAppUninstalled } = await import("~/services/shop-lifecycle.server");
    await handleAppUninstalled(db, SHOP);
    const gone = await post({ events: [event()] });
    expect(gone.status).toBe(404);
    expect(await db.storefrontEvent.count()).toBe(0);
  });

  it("drops an event the merchant switched off, with its reason, and keeps the rest", async () => {
    await db.shopSettings.update({ where: { shop: SHOP }, data: { enabledEvents: "PageView,InitiateCheckout,Purchase" } });
    const response = await post({ events: [event({ event_name: "ViewContent" }), event()] });
    expect(await response.json()).toEqual({ accepted: 1, dropped: [{ index: 0, reason: "event_disabled" }] });
    expect((await rows()).map((r) => r.eventName)).toEqual(["PageView"]);
  });

  it("answers 429 past the per-IP limit and counts it, while another shopper is still served", async () => {
    const ip = "192.0.2.44";
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post({ events: [event()] }, { ip })).status);
    // Burst 5, refilling 1 a second: the sixth and seventh (within the same second or two) are refused.
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5)).toContain(429);
    expect((await post({ events: [event()] }, { ip: "192.0.2.45" })).status).toBe(202);
    expect(proxyIngest().counters.forShop(SHOP).rate_limited).toBeGreaterThanOrEqual(1);
    expect(await db.storefrontEvent.count()).toBe(statuses.filter((s) => s === 202).length + 1);
  });

  it("answers 429 past the per-shop limit, and one address's flood does not spend the shop's budget", async () => {
    const { ProxyIngest } = await import("~/services/storefront-events.server");
    // The service's outcome, as the status the route would answer with.
    const receive = async (ingest: InstanceType<typeof ProxyIngest>, ip: string) => {
      const outcome = await ingest.receive(db, {
        shop: SHOP,
        loggedInCustomerId: null,
        now: new Date(),
        request: new Request(APP_URL, {
          method: "POST",
          body: JSON.stringify({ events: [event()] }),
          headers: { "X-Forwarded-For": ip, "User-Agent": UA },
        }),
      });
      return { status: outcome.ok ? 202 : outcome.error.kind === "rate-limited" ? 429 : 0 };
    };
    const perShop = new ProxyIngest({ shopRate: 1, shopBurst: 3, ipRate: 100, ipBurst: 100 });
    const shopStatuses = [];
    for (const ip of ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]) shopStatuses.push((await receive(perShop, ip)).status);
    expect(shopStatuses).toEqual([202, 202, 202, 429]);
    expect(perShop.counters.forShop(SHOP)).toEqual({ rate_limited: 1 });

    const both = new ProxyIngest({ shopRate: 1, shopBurst: 3, ipRate: 1, ipBurst: 1 });
    const flood = [];
    for (let i = 0; i < 3; i++) flood.push((await receive(both, "192.0.2.9")).status);
    expect(flood).toEqual([202, 429, 429]);
    // The flood's refused requests took nothing from the shop's bucket: two other shoppers still get in.
    expect([(await receive(both, "192.0.2.10")).status, (await receive(both, "192.0.2.11")).status]).toEqual([202, 202]);
    expect(await db.storefrontEvent.count()).toBe(6);
  });

  it("drops each bad event with its index and reason, and keeps the good one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      event({ event_name: "NotAnEvent" }),
      event({ event_name: "B".repeat(51) }),
      event({ event_name: "purchase" }),
      event({ event_time: now + 3600 }),
      event({ event_time: now - 8 * 24 * 3600 }),
      event({ custom_data: { value: "twelve", currency: "USD" } }),
      event({ custom_data: { value: 12, currency: "XYZ" } }),
      event({ event_id: undefined }),
      event({ event_source_url: "javascript:alert(1)" }),
    ];
    const good = event({ event_name: "ViewContent", custom_data: { value: 12, currency: "USD" } });
    const response = await post({ events: [...bad, good] });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      accepted: 1,
      dropped: [
        { index: 0, reason: "unknown_event_name" },
        { index: 1, reason: "custom_name_too_long" },
        { index: 2, reason: "custom_name_is_standard" },
        { index: 3, reason: "event_time_in_future" },
        { index: 4, reason: "event_time_too_old" },
        { index: 5, reason: "invalid_value" },
        { index: 6, reason: "invalid_currency" },
        { index: 7, reason: "missing_event_id" },
        { index: 8, reason: "invalid_event_source_url" },
      ],
    });
    expect((await rows()).map((r) => r.eventId)).toEqual([good.event_id]);
    expect(proxyIngest().counters.forShop(SHOP)).toMatchObject({
      unknown_event_name: expect.any(Number),
      invalid_currency: expect.any(Number),
    });
  });

  it("accepts a custom event only while the shop has it defined and switched on", async () => {
    const { saveCustomEvents } = await import("~/models/shop-settings.server");
    const before = await post({ events: [event({ event_name: "BookedTrialClass" })] });
    expect(await before.json()).toEqual({ accepted: 0, dropped: [{ index: 0, reason: "unknown_event_name" }] });

    expect(
      await saveCustomEvents(db, SHOP, [
        { name: "BookedTrialClass", enabled: true },
        { name: "Paused", enabled: false },
      ]),
    ).toEqual({ ok: true });
    const booked = event({ event_name: "BookedTrialClass", custom_data: { value: 30, currency: "GBP" } });
    const after = await post({ events: [booked, event({ event_name: "Paused" })] });
    expect(await after.json()).toEqual({ accepted: 1, dropped: [{ index: 1, reason: "event_disabled" }] });
    await worker.drain();
    expect(fake.received().map((e) => [e.eventName, e.eventId])).toEqual([["BookedTrialClass", booked.event_id]]);

    // The setting refuses what the proxy would refuse, and changes nothing then.
    expect(await saveCustomEvents(db, SHOP, [{ name: "ViewContent", enabled: true }])).toMatchObject({ ok: false });
    expect(await saveCustomEvents(db, SHOP, [{ name: "X".repeat(51), enabled: true }])).toMatchObject({ ok: false });
    expect(
      await saveCustomEvents(db, SHOP, [
        { name: "Booked", enabled: true },
        { name: "booked", enabled: true },
      ]),
    ).toMatchObject({ ok: false });
    const { findShopSettings } = await import("~/models/shop-settings.server");
    expect((await findShopSettings(db, SHOP))!.customEvents.map((e) => e.name)).toEqual(["BookedTrialClass", "Paused"]);
  });

  it("records a Purchase as seen in the browser without a server copy (orders/paid is its server reporter)", async () => {
    const purchase = event({ event_name: "Purchase", event_id: "shopify_order_820982911946154508" });
    const checkout = event({ event_name: "InitiateCheckout", event_id: "shopify_checkout_bd6b6a3a4d8a1f3c" });
    expect(await (await post({ events: [purchase, checkout] })).json()).toEqual({ accepted: 2, dropped: [] });
    expect((await rows()).map((r) => r.eventName)).toEqual(["InitiateCheckout"]);
    const { findBrowserEvents } = await import("~/models/browser-event.server");
    const seen = await findBrowserEvents(db, { shop: SHOP, eventIds: [purchase.event_id, checkout.event_id] });
    expect(seen.map((e) => e.eventName).sort()).toEqual(["InitiateCheckout", "Purchase"]);
  });

  it("refuses malformed envelopes with 400, 10,000 small events with 400, and oversized bodies with 413", async () => {
    expect((await post("not json")).status).toBe(400);
    expect((await post({ event: [] })).status).toBe(400);
    expect((await post({ events: [] })).status).toBe(400);
    expect((await post({ events: Array.from({ length: 21 }, () => event()) })).status).toBe(400);
    const started = performance.now();
    const flood = await post({ events: Array.from({ length: 10_000 }, () => ({})) });
    // About 30 KB, under the body limit: refused for the event count, once the envelope is read.
    expect(flood.status).toBe(400);
    const huge = await post({ events: [event({ custom_data: { content_name: "x".repeat(200_000) } })] });
    expect(huge.status).toBe(413);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await db.storefrontEvent.count()).toBe(0);
  });

  it("is covered by customers/redact, shop/redact and the retention purge", async () => {
    const { redactCustomer, redactShop } = await import("~/services/shop-lifecycle.server");
    const { purgeExpired } = await import("~/services/delivery/retention.server");
    await post({ events: [event(), event()] }, { customer: CUSTOMER });
    await post({ events: [event()] });
    expect(await db.storefrontEvent.count()).toBe(3);

    const { recordCustomerDataRequest } = await import("~/services/shop-lifecycle.server");
    const request = await recordCustomerDataRequest(db, {
      shop: SHOP,
      requestId: "dr-1",
      orderIds: [],
      customer: { id: CUSTOMER },
      now: new Date(),
    });
    expect(request).toMatchObject({ created: true, storefrontEvents: 2 });
    const report = JSON.parse((await db.customerDataRequest.findFirstOrThrow({ where: { shop: SHOP } })).report) as {
      storefrontEvents: { eventName: string; customerData: Record<string, string> }[];
    };
    expect(report.storefrontEvents.map((e) => [e.eventName, e.customerData.client_ip_address !== undefined])).toEqual([
      ["PageView", true],
      ["PageView", true],
    ]);

    expect((await redactCustomer(db, SHOP, [], { id: Number(CUSTOMER) })).storefrontEvents).toBe(2);
    expect(await db.storefrontEvent.count()).toBe(1);

    // Seven days on, the guest's row is past the storefront retention, while a 90-day ledger keeps its rows.
    const later = new Date(Date.now() + 8 * 24 * 3600 * 1000);
    expect(await purgeExpired(db, { now: later, retentionDays: 90 })).toMatchObject({ storefrontEvents: 1, deliveries: 0 });
    expect(await db.storefrontEvent.count()).toBe(0);

    await post({ events: [event()] });
    expect((await redactShop(db, SHOP)).storefrontEvents).toBe(1);
    expect(await db.storefrontEvent.count()).toBe(0);
  });

  it("holds pending rows of an uninstalled shop back from Meta and empties their payload", async () => {
    await post({ events: [event()] });
    const { handleAppUninstalled } = await import("~/services/shop-lifecycle.server");
    await handleAppUninstalled(db, SHOP);
    expect((await rows()).map((r) => [r.status, r.payload, r.reasonCode, r.lastError])).toEqual([["skipped", "", "uninstalled", null]]);
    expect(await worker.drain()).toMatchObject({ claimed: 0 });
    expect(fake.received()).toEqual([]);
  });

  it("holds a shop's events when its connection has no token, with the worker's code and no words in lastError", async () => {
    expect((await post({ events: [event(), event()] })).status).toBe(202);
    // Still marked connected (so the claim takes its rows) but without a token: the send must not happen.
    await db.shopSettings.update({ where: { shop: SHOP }, data: { accessTokenSealed: null } });
    expect(await worker.runOnce()).toMatchObject({ claimed: 2, held: 2 });
    expect((await rows()).map((r) => [r.status, r.attempts, r.reasonCode, r.failureKind, r.lastError])).toEqual([
      ["pending", 0, "held_not_connected", null, null],
      ["pending", 0, "held_not_connected", null, null],
    ]);
    expect(fake.received()).toEqual([]);
  });
});

describe("the app proxy signature", () => {
  it("agrees with @shopify/shopify-api's validator, including a repeated parameter", async () => {
    const { shopifyApi, ApiVersion } = await import("@shopify/shopify-api");
    await import("@shopify/shopify-api/adapters/node");
    const api = shopifyApi({
      apiKey: "k",
      apiSecretKey: API_SECRET_KEY,
      apiVersion: ApiVersion.October25,
      hostName: "x.example",
      isEmbeddedApp: true,
    });
    const { verifyAppProxyRequest, appProxySignature } = await import("~/services/app-proxy-auth.server");
    const url = new URL(signProxyUrl(APP_URL, { shop: SHOP, secret: API_SECRET_KEY, loggedInCustomerId: CUSTOMER }));
    expect(await api.utils.validateHmac(Object.fromEntries(url.searchParams), { signator: "appProxy" })).toBe(true);
    expect(verifyAppProxyRequest(url, API_SECRET_KEY, new Date())).toEqual({ ok: true, shop: SHOP, loggedInCustomerId: CUSTOMER });

    // Shopify joins a repeated key's values with ","; the library's map form is that joined value.
    const repeated = new URLSearchParams(url.search);
    repeated.delete("signature");
    repeated.append("extra", "1");
    repeated.append("extra", "2");
    const signature = appProxySignature(repeated, API_SECRET_KEY);
    const asMap = { ...Object.fromEntries(repeated), extra: ["1", "2"], signature } as Record<string, string | string[]>;
    expect(await api.utils.validateHmac(asMap as never, { signator: "appProxy" })).toBe(true);
  });
});
