// Signed webhooks whose JSON spells a lone UTF-16 surrogate (`"\ud800"`): valid JSON that JavaScript
// parses, but not Unicode text, and Prisma's engine refuses it on both databases. Each is stored with the
// surrogate replaced by U+FFFD and answered 200, never a 500 that Shopify retries until the order is lost.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "~/db.server";
import { TEST_ENCRYPTION_KEY, setAppEnv } from "../helpers/app-env";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";

type Action = (args: { request: Request; params: object; context: object }) => Promise<Response>;

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "s".repeat(60);

/** An orders/paid body with lone surrogates spelled as JSON escapes in the name, a customer field and a key. */
function orderWithLoneSurrogates(orderId: string): string {
  const body = paidOrderJson({ id: orderId })
    .replace(/"name":"#\d+"/, String.raw`"name":"#\ud800 lone"`)
    .replace(/"first_name":"/, String.raw`"first_name":"\udc00`)
    .replace(/^\{/, String.raw`{"note\udbff":"key",`);
  // The test is only meaningful if the escapes reach the server as escapes.
  expect(body).toContain(String.raw`"name":"#\ud800 lone"`);
  expect(body).toContain(String.raw`"first_name":"\udc00`);
  return body;
}

describe.each(["sqlite", "postgresql"] as const)("lone surrogates in signed webhooks on %s", (kind) => {
  let database: TestDatabase;
  let db: Db;
  const actions: Record<string, Action> = {};
  const post = (topic: string, body: string, webhookId?: string) =>
    actions[topic]({ request: signedWebhookRequest({ topic, shop: SHOP, body, webhookId }), params: {}, context: {} }).catch(
      (thrown) => thrown as Response,
    );

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // A fresh module graph per database: getDb() and env() are per-process singletons.
    vi.resetModules();
    setAppEnv({ DATABASE_URL: database.url });
    db = (await import("~/db.server")).getDb();
    actions["orders/paid"] = (await import("~/routes/webhooks.orders.paid")).action as Action;
    actions["customers/redact"] = (await import("~/routes/webhooks.customers.redact")).action as Action;
    actions["customers/data_request"] = (await import("~/routes/webhooks.customers.data_request")).action as Action;
    actions["app/scopes_update"] = (await import("~/routes/webhooks.app.scopes_update")).action as Action;
    const { connectShop } = await import("~/services/shop-connection.server");
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
    await db.session.create({
      data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, scope: "read_orders", accessToken: "shpat_test" },
    });
  });

  afterAll(async () => {
    await (await import("~/db.server")).closeDb();
    await database.cleanup();
  });

  it("orders/paid: stored with U+FFFD in place of the surrogate, answered 200, once however often it arrives", async () => {
    const orderId = nextOrderId();
    const body = orderWithLoneSurrogates(orderId);
    for (const webhookId of ["ls-1", "ls-1", "ls-2"]) expect((await post("orders/paid", body, webhookId)).status).toBe(200);

    const rows = await db.delivery.findMany({ where: { shop: SHOP, orderId } });
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe("pending");
    expect(rows[0].orderName).toBe("#\ufffd lone");
    // What the worker will send is well-formed JSON text with the customer's data still hashed in it.
    const payload = JSON.parse(rows[0].payload) as { user_data: Record<string, unknown> };
    expect(Object.keys(payload.user_data)).toContain("fn");
    expect(rows[0].payload).not.toMatch(/\\ud[89a-f]/i);
  });

  it("orders/paid: a surrogate pair spelled as escapes stays the character it spells", async () => {
    const orderId = nextOrderId();
    const body = paidOrderJson({ id: orderId }).replace(/"name":"#\d+"/, String.raw`"name":"#\ud83d\ude00"`);
    expect((await post("orders/paid", body)).status).toBe(200);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId } });
    expect(row.orderName).toBe("#😀");
  });

  it("customers/redact: a lone surrogate in the order IDs and the customer ID answers 200 and the listed order is redacted", async () => {
    const orderId = nextOrderId();
    expect((await post("orders/paid", paidOrderJson({ id: orderId }))).status).toBe(200);
    const body = String.raw`{"shop_domain":"${SHOP}","customer":{"id":"5\udc00"},"orders_to_redact":["${orderId}","1\ud800"]}`;
    expect((await post("customers/redact", body)).status).toBe(200);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId } });
    expect(row.reasonCode).toBe("customer_redacted");
    expect(JSON.parse(row.payload).user_data ?? {}).toEqual({});
  });

  it("customers/data_request: a lone surrogate in the request and order IDs answers 200 and the report is kept", async () => {
    const body = String.raw`{"shop_domain":"${SHOP}","customer":{"id":191167},"orders_requested":["2\ud800"],"data_request":{"id":"dr-\udfff"}}`;
    expect((await post("customers/data_request", body)).status).toBe(200);
    const request = await db.customerDataRequest.findFirstOrThrow({ where: { shop: SHOP, requestId: "dr-\ufffd" } });
    expect(JSON.parse(request.report).ordersRequested).toEqual(["2\ufffd"]);
  });

  it("app/scopes_update: a lone surrogate in a scope answers 200 and the session keeps the well-formed text", async () => {
    const body = String.raw`{"id":1,"previous":["read_orders"],"current":["read_orders","write_\ud800pixels"],"updated_at":"2025-01-01T00:00:00Z"}`;
    expect((await post("app/scopes_update", body)).status).toBe(200);
    const session = await db.session.findUniqueOrThrow({ where: { id: `offline_${SHOP}` } });
    expect(session.scope).toBe("read_orders,write_\ufffdpixels");
  });
});
