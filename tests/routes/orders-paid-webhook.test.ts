// The foundation's promise end to end: real signed orders/paid webhooks through the real route, the
// ledger on a real SQLite file, the worker over real HTTP to the strict fake Graph API.
import { readFileSync } from "node:fs";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { TEST_ENCRYPTION_KEY, setAppEnv } from "../helpers/app-env";
import { createTestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "z".repeat(60);

// Meta's published vectors (meta-capi-reference.md §3) for the fixture's customer.
const META_VECTORS = {
  em: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f", // John_Smith@gmail.com
  ph: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176", // US (650)555-1212
  fn: "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec", // Mary
  ct: "350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5", // newyork
};

let database: { url: string; cleanup(): Promise<void> };
let db: Db;
let fake: FakeGraphApi;
let action: (args: { request: Request; params: object; context: object }) => Promise<Response>;
let worker: import("~/services/delivery/worker.server").DeliveryWorker;

beforeAll(async () => {
  database = await createTestDatabase("sqlite");
  fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  setAppEnv({ DATABASE_URL: database.url, META_GRAPH_API_URL: fake.url });
  const dbModule = await import("~/db.server");
  db = dbModule.getDb();
  action = (await import("~/routes/webhooks.orders.paid")).action as never;
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
  await db.delivery.deleteMany({});
  await db.shopSettings.deleteMany({});
  const { connectShop } = await import("~/services/shop-connection.server");
  await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
});

const post = (request: Request) => action({ request, params: {}, context: {} }).catch((thrown) => thrown as Response);

describe("orders/paid webhook", () => {
  it("delivered four times produces exactly one Purchase at Meta, with Meta's hashes", async () => {
    const orderId = nextOrderId();
    const body = paidOrderJson({ id: orderId });
    // Shopify's retries reuse the webhook ID; a second subscription or a replay brings a new one.
    for (const webhookId of ["wh-1", "wh-1", "wh-2", "wh-3"]) {
      const response = await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, webhookId }));
      expect(response.status).toBe(200);
    }
    expect(await db.delivery.count()).toBe(1);

    await worker.drain();
    await worker.drain();
    const received = fake.received();
    expect(received).toHaveLength(1);
    const event = received[0].event as Record<string, any>;
    expect(event.event_name).toBe("Purchase");
    expect(event.event_id).toBe(`shopify_order_${orderId}`);
    expect(event.custom_data.order_id).toBe(orderId);
    expect(event.user_data).toMatchObject(META_VECTORS);
    expect(event.user_data.fbc).toBe("fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk");
    expect(fake.counted(PIXEL)).toHaveLength(1);

    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(row).toMatchObject({ orderId, status: "sent", webhookId: "wh-1" });
  });

  it("answers a forged signature with 401 and stores nothing", async () => {
    const body = paidOrderJson({ id: nextOrderId() });
    const response = await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, secret: "not-the-secret" }));
    expect(response.status).toBe(401);
    expect(await db.delivery.count()).toBe(0);
  });

  it("answers an unsigned request with 400 and stores nothing", async () => {
    const request = new Request("https://my-test-app.myshopify.io/webhooks/orders/paid", {
      method: "POST",
      body: paidOrderJson({ id: nextOrderId() }),
      headers: { "Content-Type": "application/json" },
    });
    const response = await post(request);
    // Shopify's library: 400 for missing webhook headers, 401 only for a signature that does not match.
    expect(response.status).toBe(400);
    expect(await db.delivery.count()).toBe(0);
  });

  it("rejects a signed body that is not JSON with 400, never a 500", async () => {
    const response = await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: "{not json" }));
    expect(response.status).toBe(400);
    expect(await db.delivery.count()).toBe(0);
  });

  it("rejects a signed order without an ID with a clear 400 and stores nothing", async () => {
    const response = await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: JSON.stringify({ name: "#1001" }) }));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/order/i);
    expect(await db.delivery.count()).toBe(0);
  });

  it("keeps an unknown shop's order as skipped, with the reason, instead of dropping it", async () => {
    const orderId = nextOrderId();
    const response = await post(
      signedWebhookRequest({ topic: "orders/paid", shop: "stranger.myshopify.com", body: paidOrderJson({ id: orderId }) }),
    );
    expect(response.status).toBe(200);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: "stranger.myshopify.com" } });
    expect(row.status).toBe("skipped");
    expect(row.reasonCode).toBe("shop_not_connected");
    await worker.drain();
    expect(fake.requests()).toHaveLength(0);
  });

  it("records a test order as skipped and never sends it", async () => {
    const response = await post(
      signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: paidOrderJson({ id: nextOrderId(), test: true }) }),
    );
    expect(response.status).toBe(200);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(row).toMatchObject({ status: "skipped" });
    expect(row.reasonCode).toBe("test_order");
  });

  it("records a Purchase switched off in settings as skipped", async () => {
    await db.shopSettings.update({ where: { shop: SHOP }, data: { enabledEvents: "PageView,AddToCart" } });
    await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: paidOrderJson({ id: nextOrderId() }) }));
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(row.status).toBe("skipped");
    expect(row.reasonCode).toBe("event_disabled");
  });

  it("refuses a webhook of another topic on this route", async () => {
    const response = await post(signedWebhookRequest({ topic: "orders/create", shop: SHOP, body: paidOrderJson({ id: nextOrderId() }) }));
    expect(response.status).toBe(400);
    expect(await db.delivery.count()).toBe(0);
  });
});

// Per sales channel, fixtures shaped like Shopify's (tests/fixtures/webhooks/orders-paid.<channel>.json), made
// live (not a test order, paid a minute ago) and sent through the route, the worker and the strict fake.
describe("orders/paid per sales channel", () => {
  const channelOrder = (name: string) =>
    readFileSync(new URL(`../fixtures/webhooks/orders-paid.${name}.json`, import.meta.url), "utf8")
      .replace(/"test": true/, '"test": false')
      .replace(/"processed_at": "[^"]*"/, `"processed_at": "${new Date(Date.now() - 60_000).toISOString()}"`);
  const orderIdOf = (raw: string) => /"id": (\d+)/.exec(raw)![1];

  async function deliver(name: string) {
    const raw = channelOrder(name);
    const response = await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: raw }));
    expect(response.status).toBe(200);
    await worker.drain();
    return db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId: orderIdOf(raw) } });
  }

  it("sends web, skips what Meta would refuse or what is not a website sale, and follows the POS setting", async () => {
    await db.shopSettings.update({ where: { shop: SHOP }, data: { primaryDomain: "https://bright-socks.example.com" } });
    expect(await deliver("web")).toMatchObject({ status: "sent" });
    expect(await deliver("sample")).toMatchObject({ status: "skipped", reasonCode: "website_no_user_agent" });
    expect(await deliver("pos")).toMatchObject({ status: "skipped", reasonCode: "pos_disabled" });
    expect(await deliver("draft")).toMatchObject({ status: "skipped", reasonCode: "not_online_order" });
    expect(await deliver("api")).toMatchObject({ status: "skipped", reasonCode: "not_online_order" });
    expect(await deliver("subscription")).toMatchObject({ status: "sent" });

    const sent = fake.received().map((r) => r.event as Record<string, any>);
    expect(sent.map((e) => e.action_source)).toEqual(["website", "system_generated"]);
    expect(sent[0].event_source_url).toBe("https://bright-socks.example.com/products/ipod-nano?utm_source=facebook");
    expect(sent[0].user_data.client_user_agent).toMatch(/^Mozilla/);
    expect(sent[1]).not.toHaveProperty("event_source_url");
  });

  it("sends a POS order as physical_store once the shop switches it on", async () => {
    await db.shopSettings.update({ where: { shop: SHOP }, data: { sendPosOrders: true } });
    expect(await deliver("pos")).toMatchObject({ status: "sent", reasonCode: null });
    const [event] = fake.received().map((r) => r.event as Record<string, any>);
    expect(event.action_source).toBe("physical_store");
    expect(event).not.toHaveProperty("event_source_url");
  });

  // Each bad order ends sent, skipped with a code or failed with the mapping's reason: never a 500, never an
  // event the strict fake refuses (meta_rejected), never a website event without its required fields.
  it.each([
    [
      "no line items",
      (o: any) => {
        o.line_items = [];
      },
    ],
    [
      "no customer",
      (o: any) => {
        o.customer = null;
      },
    ],
    [
      "no address",
      (o: any) => {
        o.billing_address = null;
        o.shipping_address = null;
      },
    ],
    [
      "no customer, no address, no email",
      (o: any) => {
        o.customer = null;
        o.billing_address = null;
        o.shipping_address = null;
        o.email = null;
        o.contact_email = null;
        o.phone = null;
      },
    ],
    [
      "a gift card only",
      (o: any) => {
        o.line_items = [{ ...o.line_items[0], gift_card: true, product_id: null, variant_id: null, sku: "" }];
      },
    ],
    [
      "a currency Meta does not know",
      (o: any) => {
        o.currency = "ZZZ";
        o.total_price_set.presentment_money.currency_code = "ZZZ";
      },
    ],
    [
      "a zero total",
      (o: any) => {
        o.total_price = "0.00";
        o.total_price_set.shop_money.amount = "0.00";
        o.total_price_set.presentment_money.amount = "0.00";
      },
    ],
  ])("bad input: %s", async (_name, change) => {
    const { parseOrderJson } = await import("~/lib/capi/order-payload");
    const order = parseOrderJson(channelOrder("web")) as any;
    change(order);
    const response = await post(signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: JSON.stringify(order) }));
    expect(response.status).toBe(200);
    await worker.drain();
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(["sent", "skipped", "failed"]).toContain(row.status);
    if (row.status !== "sent") expect(row.reasonCode).not.toBeNull();
    expect(row.reasonCode).not.toBe("meta_rejected");
    for (const { event } of fake.received()) {
      const e = event as Record<string, any>;
      if (e.action_source === "website") {
        expect(e.user_data.client_user_agent).toBeTruthy();
        expect(e.event_source_url).toMatch(/^https:/);
      }
    }
  });
});
