// The lifecycle and privacy webhooks through their real routes: real HMAC checks, real Prisma on a
// migrated SQLite file, and two shops in the database so every test also proves the other shop's
// rows are untouched.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { customerKeyOf } from "~/lib/capi/customer-key";
import { REMOVED_VALUE } from "~/lib/capi/scrub";
import { setAppEnv } from "../helpers/app-env";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

type Action = (args: { request: Request; params: object; context: object }) => Promise<Response>;

const SHOP = "bright-socks.myshopify.com";
const OTHER = "other-shop.myshopify.com";
// Beyond Number.MAX_SAFE_INTEGER, as in Shopify's sample payloads: JSON.parse would round it.
const BIG_ORDER = "820982911946154508";
const SMALL_ORDER = "5500000001";
const UNLISTED_ORDER = "5500000002";
// The customer of BIG_ORDER and SMALL_ORDER, as the privacy payloads name them.
const CUSTOMER_ID = 191167;
const CUSTOMER_KEY = customerKeyOf(CUSTOMER_ID)!;

let database: TestDatabase;
let db: Db;
const actions: Record<string, Action> = {};
let healthz: () => Promise<Response>;

beforeAll(async () => {
  database = await createTestDatabase();
  // Before any app module loads: env() and the Prisma client read these once.
  setAppEnv({ DATABASE_URL: database.url, SCOPES: "read_orders" });
  db = (await import("~/db.server")).getDb();
  const routes = {
    "app/uninstalled": import("~/routes/webhooks.app.uninstalled"),
    "app/scopes_update": import("~/routes/webhooks.app.scopes_update"),
    "customers/data_request": import("~/routes/webhooks.customers.data_request"),
    "customers/redact": import("~/routes/webhooks.customers.redact"),
    "shop/redact": import("~/routes/webhooks.shop.redact"),
    "shop/update": import("~/routes/webhooks.shop.update"),
  };
  for (const [topic, module] of Object.entries(routes)) actions[topic] = (await module).action as Action;
  healthz = (await import("~/routes/healthz")).loader as () => Promise<Response>;
});

afterAll(async () => {
  await (await import("~/db.server")).closeDb();
  await database.cleanup();
});

beforeEach(async () => {
  await db.$transaction([
    db.delivery.deleteMany({}),
    db.shopSettings.deleteMany({}),
    db.session.deleteMany({}),
    db.browserEvent.deleteMany({}),
    db.customerDataRequest.deleteMany({}),
  ]);
  for (const shop of [SHOP, OTHER]) await seedShop(shop);
});

async function seedShop(shop: string) {
  await db.session.create({
    data: { id: `offline_${shop}`, shop, state: "", isOnline: false, scope: "read_orders", accessToken: "shpat_test" },
  });
  await db.shopSettings.create({
    data: {
      shop,
      pixelId: "123456789012345",
      accessTokenSealed: "v1:iv:tag:ciphertext",
      accessTokenHint: "WXYZ",
      connectionState: "connected",
    },
  });
  const rows: [string, string][] = [
    [BIG_ORDER, "pending"],
    [SMALL_ORDER, "sent"],
    [UNLISTED_ORDER, "failed"],
  ];
  for (const [orderId, status] of rows) {
    await db.delivery.create({
      data: {
        shop,
        pixelId: "123456789012345",
        eventName: "Purchase",
        eventId: `shopify_order_${orderId}`,
        orderId,
        status,
        eventTime: new Date(),
        customerKey: orderId === UNLISTED_ORDER ? null : CUSTOMER_KEY,
        // The raw number must survive redaction digit for digit. The unsent rows hold a raw IP: the pending
        // one apart from its payload, as rows are stored now, the failed one inline, as rows stored before
        // the rawIdentifiers column were (app/lib/capi/scrub.ts); both must lose it.
        ...(orderId === BIG_ORDER
          ? {
              payload: `{"event_name":"Purchase","event_id":"shopify_order_${orderId}","user_data":{"em":"abc","client_ip_address":"${REMOVED_VALUE}"},"custom_data":{"value":12.50,"order_id":${orderId}}}`,
              rawIdentifiers: '{"client_ip_address":"203.0.113.9"}',
            }
          : {
              payload: `{"event_name":"Purchase","event_id":"shopify_order_${orderId}","user_data":{"em":"abc","client_ip_address":"203.0.113.9"},"custom_data":{"value":12.50,"order_id":${orderId}}}`,
            }),
      },
    });
  }
}

async function send(topic: string, body: string | object, options: { shop?: string; secret?: string; route?: string } = {}) {
  const request = signedWebhookRequest({ topic, shop: options.shop ?? SHOP, body, secret: options.secret });
  const action = actions[options.route ?? topic];
  // authenticate.* rejects by throwing a Response; either way the route's answer is a Response.
  const result = await action({ request, params: {}, context: {} }).catch((e: unknown) => e);
  if (!(result instanceof Response)) throw result;
  return result;
}

async function snapshot() {
  const [sessions, settings, deliveries, browserEvents, dataRequests] = await Promise.all([
    db.session.findMany({ orderBy: { id: "asc" } }),
    db.shopSettings.findMany({ orderBy: { shop: "asc" } }),
    db.delivery.findMany({ orderBy: { id: "asc" } }),
    db.browserEvent.findMany({ orderBy: { id: "asc" } }),
    db.customerDataRequest.findMany({ orderBy: { id: "asc" } }),
  ]);
  return { sessions, settings, deliveries, browserEvents, dataRequests };
}

const userDataOf = (payload: string) => JSON.parse(payload).user_data as Record<string, unknown>;

describe("authentication shared by the lifecycle routes", () => {
  it.each(["app/uninstalled", "app/scopes_update", "customers/data_request", "customers/redact", "shop/redact", "shop/update"])(
    "%s: a forged signature gets 401 and changes nothing",
    async (topic) => {
      const before = await snapshot();
      const response = await send(topic, { shop_domain: SHOP, current: [], orders_to_redact: [BIG_ORDER] }, { secret: "wrong" });
      expect(response.status).toBe(401);
      expect(await snapshot()).toEqual(before);
    },
  );

  it("a missing Shopify header gets 400", async () => {
    const request = signedWebhookRequest({
      topic: "app/uninstalled",
      shop: SHOP,
      body: {},
      headers: { "X-Shopify-Webhook-Id": null },
    });
    const response = await actions["app/uninstalled"]({ request, params: {}, context: {} }).catch((e: unknown) => e);
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(400);
  });

  it("a correctly signed body that is not JSON gets 400, never a 500, and changes nothing", async () => {
    const before = await snapshot();
    const response = await send("app/uninstalled", "{not json");
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("Webhook body is not valid JSON");
    expect(await snapshot()).toEqual(before);
  });

  it("a delivery of another topic gets 400 naming the expected topic, and changes nothing", async () => {
    const before = await snapshot();
    const response = await send("shop/redact", { shop_domain: SHOP }, { route: "app/uninstalled" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("APP_UNINSTALLED");
    expect(await snapshot()).toEqual(before);
  });
});

describe("app/uninstalled", () => {
  it("signs the shop out and clears its token, keeping its deliveries and the other shop", async () => {
    const response = await send("app/uninstalled", { id: 1, domain: SHOP });
    expect(response.status).toBe(200);

    expect(await db.session.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({
      connectionState: "disconnected",
      accessTokenSealed: null,
      accessTokenHint: null,
      connectionError: "App uninstalled",
      pixelId: "123456789012345",
    });
    expect(await db.delivery.count({ where: { shop: SHOP } })).toBe(3);

    // Nothing more goes to Meta: the pending row is stopped for good, the failed one keeps its status but,
    // like it, loses the raw IP it no longer needs; the hashed keys stay until shop/redact.
    const rows = Object.fromEntries((await db.delivery.findMany({ where: { shop: SHOP } })).map((r) => [r.orderId, r]));
    expect(rows[BIG_ORDER]).toMatchObject({ status: "skipped", reasonCode: "uninstalled" });
    expect(rows[UNLISTED_ORDER].status).toBe("failed");
    for (const orderId of [BIG_ORDER, UNLISTED_ORDER]) {
      expect(userDataOf(rows[orderId].payload)).toEqual({ em: "abc", client_ip_address: REMOVED_VALUE });
      expect(rows[orderId].rawIdentifiers).toBeNull();
    }
    expect(await db.delivery.count({ where: { shop: OTHER, rawIdentifiers: { not: null } } })).toBe(1);
    expect(rows[SMALL_ORDER].status).toBe("sent");
    expect(await db.delivery.count({ where: { shop: OTHER, status: "pending" } })).toBe(1);

    expect(await db.session.count({ where: { shop: OTHER } })).toBe(1);
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shop: OTHER } })).toMatchObject({
      connectionState: "connected",
      accessTokenSealed: "v1:iv:tag:ciphertext",
    });
  });

  it("is idempotent: a repeat, with the session already gone, still gets 200", async () => {
    expect((await send("app/uninstalled", { id: 1, domain: SHOP })).status).toBe(200);
    const after = await snapshot();
    expect((await send("app/uninstalled", { id: 1, domain: SHOP })).status).toBe(200);
    const again = await snapshot();
    expect(again.sessions).toEqual(after.sessions);
    expect(again.deliveries).toEqual(after.deliveries);
    expect(again.settings.map(({ updatedAt: _, ...rest }) => rest)).toEqual(after.settings.map(({ updatedAt: _, ...rest }) => rest));
  });

  it("stops a row a worker holds: the worker's lease no longer owns it", async () => {
    const held = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId: BIG_ORDER } });
    await db.delivery.update({
      where: { id: held.id },
      data: { status: "sending", leaseOwner: "worker-1:claim", leaseExpiresAt: new Date(Date.now() + 60_000) },
    });
    expect((await send("app/uninstalled", { id: 1, domain: SHOP })).status).toBe(200);
    expect(await db.delivery.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({
      status: "skipped",
      leaseOwner: null,
      leaseExpiresAt: null,
    });
  });

  it("answers 200 for a shop the app never knew (CLI-triggered test delivery)", async () => {
    const response = await send("app/uninstalled", { id: 1 }, { shop: "stranger.myshopify.com" });
    expect(response.status).toBe(200);
    expect(await db.session.count()).toBe(2);
  });
});

describe("app/scopes_update", () => {
  it("stores the granted scopes on the shop's session only", async () => {
    const response = await send("app/scopes_update", { previous: ["read_orders"], current: ["read_orders", "write_pixels"] });
    expect(response.status).toBe(200);
    expect((await db.session.findUniqueOrThrow({ where: { id: `offline_${SHOP}` } })).scope).toBe("read_orders,write_pixels");
    expect((await db.session.findUniqueOrThrow({ where: { id: `offline_${OTHER}` } })).scope).toBe("read_orders");
  });
});

describe("shop/redact", () => {
  it("erases the shop's settings, deliveries and sessions, and nothing of the other shop", async () => {
    const before = await snapshot();
    const response = await send("shop/redact", { shop_id: 1, shop_domain: SHOP });
    expect(response.status).toBe(200);

    expect(await db.shopSettings.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.delivery.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.session.count({ where: { shop: SHOP } })).toBe(0);

    const after = await snapshot();
    expect(after.settings).toEqual(before.settings.filter((s) => s.shop === OTHER));
    expect(after.deliveries).toEqual(before.deliveries.filter((d) => d.shop === OTHER));
    expect(after.sessions).toEqual(before.sessions.filter((s) => s.shop === OTHER));

    expect((await send("shop/redact", { shop_id: 1, shop_domain: SHOP })).status).toBe(200);
  });

  it("also erases the shop's browser events and data-request reports", async () => {
    for (const shop of [SHOP, OTHER]) {
      await db.browserEvent.create({ data: { shop, eventName: "Purchase", eventId: `shopify_order_${BIG_ORDER}`, source: "web-pixel" } });
      await db.customerDataRequest.create({ data: { shop, requestId: "1", customerKey: CUSTOMER_KEY, report: "{}" } });
    }
    expect((await send("shop/redact", { shop_id: 1, shop_domain: SHOP })).status).toBe(200);
    expect(await db.browserEvent.findMany({ select: { shop: true } })).toEqual([{ shop: OTHER }]);
    expect(await db.customerDataRequest.findMany({ select: { shop: true } })).toEqual([{ shop: OTHER }]);
  });
});

describe("customers/redact", () => {
  // Raw JSON text: the 18-digit ID is a bare number, as Shopify writes it.
  const body = `{"shop_id":1,"shop_domain":"${SHOP}","customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"orders_to_redact":[${BIG_ORDER},${SMALL_ORDER}]}`;

  it("empties user_data for the listed orders of that shop only, and stops unsent ones", async () => {
    const before = await snapshot();
    const response = await send("customers/redact", body);
    expect(response.status).toBe(200);

    const rows = await db.delivery.findMany({ where: { shop: SHOP } });
    const byOrder = Object.fromEntries(rows.map((r) => [r.orderId, r]));

    // Pending, with an 18-digit ID that JSON.parse would have rounded to …500: found and stopped.
    expect(byOrder[BIG_ORDER]).toMatchObject({ status: "skipped", reasonCode: "customer_redacted", rawIdentifiers: null });
    expect(byOrder[BIG_ORDER].payload).toBe(
      `{"event_name":"Purchase","event_id":"shopify_order_${BIG_ORDER}","user_data":{},"custom_data":{"value":12.50,"order_id":${BIG_ORDER}}}`,
    );
    // Already sent: Meta has it, the ledger keeps saying so, but our copy loses the customer data.
    expect(byOrder[SMALL_ORDER]).toMatchObject({ status: "sent", reasonCode: null });
    expect(JSON.parse(byOrder[SMALL_ORDER].payload).user_data).toEqual({});
    // Not listed: untouched.
    expect(byOrder[UNLISTED_ORDER]).toEqual(before.deliveries.find((d) => d.shop === SHOP && d.orderId === UNLISTED_ORDER));
    // Same order IDs in another shop: untouched.
    expect(await db.delivery.findMany({ where: { shop: OTHER }, orderBy: { id: "asc" } })).toEqual(
      before.deliveries.filter((d) => d.shop === OTHER),
    );
  });

  it("is idempotent", async () => {
    await send("customers/redact", body);
    const once = await db.delivery.findMany({
      orderBy: { id: "asc" },
      select: { id: true, status: true, reasonCode: true, payload: true },
    });
    expect((await send("customers/redact", body)).status).toBe(200);
    expect(
      await db.delivery.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, reasonCode: true, payload: true } }),
    ).toEqual(once);
  });

  it("finds the customer's rows by hashed customer ID too, stops one a worker holds, and drops the related rows", async () => {
    // An order the payload does not list, filed under the customer, and in flight at a worker.
    const inFlight = await db.delivery.create({
      data: {
        shop: SHOP,
        pixelId: "123456789012345",
        eventName: "Purchase",
        eventId: "shopify_order_5500000009",
        orderId: "5500000009",
        status: "sending",
        leaseOwner: "worker-1:claim",
        leaseExpiresAt: new Date(Date.now() + 60_000),
        eventTime: new Date(),
        customerKey: CUSTOMER_KEY,
        payload: `{"event_id":"shopify_order_5500000009","event_source_url":"https://bright-socks.com/products/x?_kx=subscriber-token&email=a%40b.c#top","user_data":{"external_id":"${CUSTOMER_KEY}","client_user_agent":"Mozilla/5.0"}}`,
      },
    });
    for (const shop of [SHOP, OTHER]) {
      await db.browserEvent.create({ data: { shop, eventName: "Purchase", eventId: "shopify_order_5500000009", source: "web-pixel" } });
      await db.customerDataRequest.create({ data: { shop, requestId: "7", customerKey: CUSTOMER_KEY, report: "{}" } });
    }

    const response = await send("customers/redact", { shop_domain: SHOP, customer: { id: CUSTOMER_ID }, orders_to_redact: [] });
    expect(response.status).toBe(200);

    expect(await db.delivery.findUniqueOrThrow({ where: { id: inFlight.id } })).toMatchObject({
      status: "skipped",
      reasonCode: "customer_redacted",
      leaseOwner: null,
      customerKey: null,
      // The page URL keeps its path, not the per-subscriber query of the marketing link.
      payload: '{"event_id":"shopify_order_5500000009","event_source_url":"https://bright-socks.com/products/x","user_data":{}}',
    });
    // Found by the customer key alone (nothing was listed), and no longer filed under it.
    expect(await db.delivery.count({ where: { customerKey: CUSTOMER_KEY, shop: SHOP } })).toBe(0);
    expect(await db.delivery.count({ where: { customerKey: CUSTOMER_KEY, shop: OTHER } })).toBe(2);
    expect(await db.browserEvent.findMany({ select: { shop: true } })).toEqual([{ shop: OTHER }]);
    expect(await db.customerDataRequest.findMany({ select: { shop: true } })).toEqual([{ shop: OTHER }]);
  });

  it("answers 200 when there is nothing to redact", async () => {
    const response = await send("customers/redact", { shop_domain: SHOP, customer: { id: 1 }, orders_to_redact: [] });
    expect(response.status).toBe(200);
  });
});

describe("customers/data_request", () => {
  it("answers 200 and the report lists only that shop's rows for the requested orders", async () => {
    const body = `{"shop_id":1,"shop_domain":"${SHOP}","orders_requested":[${BIG_ORDER}],"customer":{"id":191167,"email":"john@example.com"},"data_request":{"id":9999}}`;
    const response = await send("customers/data_request", body);
    expect(response.status).toBe(200);

    const { customerDataReport } = await import("~/services/shop-lifecycle.server");
    const report = await customerDataReport(db, SHOP, [BIG_ORDER]);
    expect(report).toEqual([
      {
        orderId: BIG_ORDER,
        orderName: null,
        eventName: "Purchase",
        eventId: `shopify_order_${BIG_ORDER}`,
        status: "pending",
        statusReason: null,
        value: null,
        currency: null,
        customerData: { em: "abc", client_ip_address: "203.0.113.9" },
        createdAt: expect.any(Date),
        sentAt: null,
      },
    ]);
    expect(await customerDataReport(db, SHOP, [`gid://shopify/Order/${BIG_ORDER}`])).toHaveLength(1);
    expect(await customerDataReport(db, SHOP, [])).toEqual([]);
    // By the customer: both of their orders, not the unlisted guest order, nothing of the other shop.
    const byCustomer = await customerDataReport(db, SHOP, [], { id: String(CUSTOMER_ID) });
    expect(byCustomer.map((r) => r.orderId).sort()).toEqual([BIG_ORDER, SMALL_ORDER].sort());
  });

  it("keeps the report once per request for the merchant, with the browser events of those orders", async () => {
    await db.browserEvent.create({
      data: { shop: SHOP, eventName: "Purchase", eventId: `shopify_order_${SMALL_ORDER}`, source: "web-pixel" },
    });
    const body = `{"shop_id":1,"shop_domain":"${SHOP}","orders_requested":[],"customer":{"id":${CUSTOMER_ID}},"data_request":{"id":4242}}`;
    expect((await send("customers/data_request", body)).status).toBe(200);
    expect((await send("customers/data_request", body)).status).toBe(200);

    const stored = await db.customerDataRequest.findMany();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ shop: SHOP, requestId: "4242", customerKey: CUSTOMER_KEY });
    const report = JSON.parse(stored[0].report);
    expect(report.deliveries.map((d: { orderId: string }) => d.orderId).sort()).toEqual([BIG_ORDER, SMALL_ORDER].sort());
    expect(report.browserEvents).toEqual([
      expect.objectContaining({ eventName: "Purchase", eventId: `shopify_order_${SMALL_ORDER}`, source: "web-pixel" }),
    ]);
    expect(report.note).toMatch(/SHA-256/);
    // Nothing of the other shop, though it holds the same order IDs for the same customer.
    expect(stored[0].report).not.toContain(OTHER);
  });

  it("keeps nothing for a request that names neither a customer ID nor an order", async () => {
    const response = await send("customers/data_request", {
      shop_domain: SHOP,
      customer: { email: "x@example.com" },
      data_request: { id: 1 },
    });
    expect(response.status).toBe(200);
    expect(await db.customerDataRequest.count()).toBe(0);
  });
});

describe("home page overview", () => {
  it("reports the connection and per-status counts for the shop, never the sealed token", async () => {
    const { getShopOverview } = await import("~/services/shop-overview.server");
    const overview = await getShopOverview(db, SHOP);
    expect(overview).toEqual({
      connected: true,
      connectionState: "connected",
      pixelId: "123456789012345",
      tokenHint: "WXYZ",
      counts: { pending: 1, sending: 0, sent: 1, failed: 1, skipped: 0 },
    });
    expect(JSON.stringify(overview)).not.toContain("ciphertext");

    expect(await getShopOverview(db, "stranger.myshopify.com")).toEqual({
      connected: false,
      connectionState: "disconnected",
      pixelId: null,
      tokenHint: null,
      counts: { pending: 0, sending: 0, sent: 0, failed: 0, skipped: 0 },
    });
  });
});

describe("shop/update", () => {
  const primaryOf = async (shop: string) => (await db.shopSettings.findUniqueOrThrow({ where: { shop } })).primaryDomain;

  it("caches the shop's primary domain from Shopify's shop resource, for this shop only", async () => {
    const response = await send("shop/update", { id: 1, domain: "Bright-Socks.example.com", myshopify_domain: SHOP });
    expect(response.status).toBe(200);
    expect(await primaryOf(SHOP)).toBe("https://bright-socks.example.com");
    expect(await primaryOf(OTHER)).toBeNull();

    // Changed again: follows; repeated: idempotent.
    await send("shop/update", { id: 1, domain: "socks.example.org" });
    await send("shop/update", { id: 1, domain: "socks.example.org" });
    expect(await primaryOf(SHOP)).toBe("https://socks.example.org");
  });

  it("keeps the cached domain when the payload has none usable, and creates no settings for an unknown shop", async () => {
    await send("shop/update", { id: 1, domain: "socks.example.org" });
    for (const body of [{ id: 1 }, { id: 1, domain: null }, { id: 1, domain: "not a host" }, [1, 2]]) {
      expect((await send("shop/update", body)).status).toBe(200);
    }
    expect(await primaryOf(SHOP)).toBe("https://socks.example.org");

    expect((await send("shop/update", { id: 2, domain: "x.example.com" }, { shop: "stranger.myshopify.com" })).status).toBe(200);
    expect(await db.shopSettings.count({ where: { shop: "stranger.myshopify.com" } })).toBe(0);
  });
});

describe("GET /healthz", () => {
  it("answers 200 {status: ok} when the database answers", async () => {
    const response = await healthz();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("reports a database that fails or hangs as unavailable", async () => {
    const { checkDatabase } = await import("~/services/health.server");
    const failing = { $queryRaw: () => Promise.reject(new Error("connection refused")) } as unknown as Db;
    const hanging = { $queryRaw: () => new Promise(() => {}) } as unknown as Db;
    expect(await checkDatabase(failing)).toBe(false);
    expect(await checkDatabase(hanging, 50)).toBe(false);
  });
});
