// Mandatory privacy webhooks for a customer with 10,000 orders, through the real routes with real HMACs,
// on both databases: one `in:` list of that size is past SQLite's 999 bound values (and 10x past the
// ~1,000 where it used to fail), so every list of IDs must be matched slice by slice.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "~/db.server";
import { customerKeyOf } from "~/lib/capi/customer-key";
import { setAppEnv } from "../helpers/app-env";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

type Action = (args: { request: Request; params: object; context: object }) => Promise<Response>;

const SHOP = "bright-socks.myshopify.com";
const OTHER = "other-shop.myshopify.com";
const PIXEL = "123456789012345";
const CUSTOMER_ID = 7_700_001;
const CUSTOMER_KEY = customerKeyOf(CUSTOMER_ID)!;
const ORDERS = 10_000;
const orderIds = Array.from({ length: ORDERS }, (_, i) => String(6_600_000_000 + i));
const STATUSES = ["pending", "sending", "failed", "sent", "skipped"] as const;

describe.each(["sqlite", "postgresql"] as const)("privacy webhooks for a customer with 10,000 orders on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  let closeDb: () => Promise<void>;
  const actions: Record<string, Action> = {};

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // A fresh module graph per database: env() and the app's Prisma client are read once per graph.
    vi.resetModules();
    setAppEnv({ DATABASE_URL: database.url, SCOPES: "read_orders" });
    const dbModule = await import("~/db.server");
    db = dbModule.getDb();
    closeDb = dbModule.closeDb;
    actions["customers/redact"] = (await import("~/routes/webhooks.customers.redact")).action as Action;
    actions["customers/data_request"] = (await import("~/routes/webhooks.customers.data_request")).action as Action;

    const started = Date.now();
    // Statements small enough for each database's bound-value limit; one transaction per 1,000 rows.
    const perStatement = kind === "sqlite" ? 50 : 500;
    for (const shop of [SHOP, OTHER]) {
      await db.shopSettings.create({ data: { shop, pixelId: PIXEL, connectionState: "connected" } });
      for (let block = 0; block < ORDERS; block += 1000) {
        const statements = [];
        for (let from = block; from < block + 1000; from += perStatement) {
          const slice = orderIds.slice(from, from + perStatement);
          statements.push(
            db.delivery.createMany({
              data: slice.map((orderId, k) => ({
                shop,
                pixelId: PIXEL,
                eventName: "Purchase",
                eventId: `shopify_order_${orderId}`,
                orderId,
                status: STATUSES[(from + k) % STATUSES.length],
                leaseOwner: STATUSES[(from + k) % STATUSES.length] === "sending" ? "some-worker:1" : null,
                eventTime: new Date(),
                // Half are filed under the customer's key, half only findable through the listed order IDs.
                customerKey: (from + k) % 2 === 0 ? CUSTOMER_KEY : null,
                payload: `{"event_name":"Purchase","event_id":"shopify_order_${orderId}","event_source_url":"https://${shop}/checkouts/c/1?token=secret","user_data":{"em":"abc","client_ip_address":"203.0.113.9"},"custom_data":{"value":12.50,"order_id":${orderId}}}`,
                // Rows stored now hold the raw browser signals apart from the payload (app/lib/capi/scrub.ts).
                rawIdentifiers: '{"client_user_agent":"Mozilla/5.0"}',
              })),
            }),
            db.browserEvent.createMany({
              data: slice.map((orderId) => ({ shop, eventName: "Purchase", eventId: `shopify_order_${orderId}`, source: "web-pixel" })),
            }),
          );
        }
        await db.$transaction(statements);
      }
    }
    console.log(`[privacy-10k] ${kind}: seeded ${2 * ORDERS} ledger rows and ${2 * ORDERS} browser events in ${Date.now() - started} ms`);
  }, 300_000);

  afterAll(async () => {
    await closeDb?.();
    await database?.cleanup();
  });

  async function send(topic: string, body: object): Promise<Response> {
    const request = signedWebhookRequest({ topic, shop: SHOP, body });
    const result = await actions[topic]({ request, params: {}, context: {} }).catch((e: unknown) => e);
    if (!(result instanceof Response)) throw result;
    return result;
  }

  it("customers/data_request with 10,000 order IDs answers 200 and reports every one of them", async () => {
    const started = Date.now();
    const response = await send("customers/data_request", {
      shop_domain: SHOP,
      customer: { id: CUSTOMER_ID },
      orders_requested: orderIds.map(Number),
      data_request: { id: 424242 },
    });
    console.log(`[privacy-10k] ${kind}: data_request answered ${response.status} in ${Date.now() - started} ms`);
    expect(response.status).toBe(200);

    const stored = await db.customerDataRequest.findMany({ where: { shop: SHOP } });
    expect(stored).toHaveLength(1);
    const report = JSON.parse(stored[0].report) as {
      deliveries: { orderId: string; customerData: Record<string, unknown> }[];
      browserEvents: { eventId: string }[];
    };
    expect(report.deliveries.map((d) => d.orderId).sort()).toEqual([...orderIds].sort());
    expect(report.deliveries.every((d) => d.customerData.em === "abc")).toBe(true);
    // What is held apart from the payload is reported too.
    expect(report.deliveries.every((d) => d.customerData.client_user_agent === "Mozilla/5.0")).toBe(true);
    expect(new Set(report.browserEvents.map((e) => e.eventId)).size).toBe(ORDERS);
    expect(await db.customerDataRequest.count({ where: { shop: OTHER } })).toBe(0);
  }, 120_000);

  it("customers/redact with 10,000 order IDs answers 200 and redacts them all, and again idempotently", async () => {
    const body = { shop_domain: SHOP, customer: { id: CUSTOMER_ID }, orders_to_redact: orderIds.map(Number) };
    const started = Date.now();
    const response = await send("customers/redact", body);
    console.log(`[privacy-10k] ${kind}: redact answered ${response.status} in ${Date.now() - started} ms`);
    expect(response.status).toBe(200);

    const rows = await db.delivery.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(ORDERS);
    for (const row of rows) {
      expect(row.customerKey).toBeNull();
      expect(row.rawIdentifiers).toBeNull();
      const payload = JSON.parse(row.payload) as { user_data: object; event_source_url: string };
      expect(payload.user_data).toEqual({});
      expect(payload.event_source_url).toBe(`https://${SHOP}/checkouts/c/1`);
      expect(row.payload).toContain(`"order_id":${row.orderId}`);
    }
    const byStatus = Object.fromEntries(
      (await db.delivery.groupBy({ by: ["status"], where: { shop: SHOP }, _count: { _all: true } })).map((g) => [g.status, g._count._all]),
    );
    // Everything not yet sent is stopped for good; sent rows keep saying they were sent.
    expect(byStatus).toEqual({ sent: ORDERS / 5, skipped: (ORDERS * 4) / 5 });
    expect(await db.delivery.count({ where: { shop: SHOP, leaseOwner: { not: null } } })).toBe(0);
    expect(await db.browserEvent.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.customerDataRequest.count({ where: { shop: SHOP } })).toBe(0);

    // The other shop's rows with the same order IDs are untouched.
    expect(await db.delivery.count({ where: { shop: OTHER, customerKey: CUSTOMER_KEY } })).toBe(ORDERS / 2);
    expect(await db.delivery.count({ where: { shop: OTHER, payload: { contains: "203.0.113.9" } } })).toBe(ORDERS);
    expect(await db.delivery.count({ where: { shop: OTHER, rawIdentifiers: { not: null } } })).toBe(ORDERS);
    expect(await db.browserEvent.count({ where: { shop: OTHER } })).toBe(ORDERS);

    // Shopify retries: the same request again is answered 200 and changes nothing.
    const before = await db.delivery.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } });
    expect((await send("customers/redact", body)).status).toBe(200);
    const after = await db.delivery.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } });
    expect(after.map(({ updatedAt: _u, ...r }) => r)).toEqual(before.map(({ updatedAt: _u, ...r }) => r));
  }, 180_000);
});
