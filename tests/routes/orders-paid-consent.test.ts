// What the storefront's consent and the shop's Limited Data Use setting do to the server Purchase, through
// the real signed orders/paid route on a migrated SQLite file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { TEST_ENCRYPTION_KEY, setAppEnv } from "../helpers/app-env";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const FBP = "fb.1.1596403881668.1116446470";

let database: TestDatabase;
let db: Db;
let action: (args: { request: Request; params: object; context: object }) => Promise<Response>;

beforeAll(async () => {
  database = await createTestDatabase();
  setAppEnv({ DATABASE_URL: database.url });
  db = (await import("~/db.server")).getDb();
  action = (await import("~/routes/webhooks.orders.paid")).action as never;
});

afterAll(async () => {
  await (await import("~/db.server")).closeDb();
  await database.cleanup();
});

beforeEach(async () => {
  await db.delivery.deleteMany({});
  await db.shopSettings.deleteMany({});
  const { connectShop } = await import("~/services/shop-connection.server");
  await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: "EAAB" + "z".repeat(60) });
});

async function deliver(noteAttributes?: Array<{ name: string; value: string }>) {
  const orderId = nextOrderId();
  const response = await action({
    request: signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: paidOrderJson({ id: orderId, noteAttributes }) }),
    params: {},
    context: {},
  });
  expect(response.status).toBe(200);
  return db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId } });
}

describe("orders/paid and the shopper's storefront consent", () => {
  it("records a declined shopper's order as skipped, with the reason, and keeps no payload", async () => {
    const row = await deliver([
      { name: "_fbp", value: FBP },
      { name: "_mc_consent", value: "denied" },
    ]);
    expect(row.status).toBe("skipped");
    expect(row.reasonCode).toBe("consent_declined");
    expect(row.payload).toBe("{}");
  });

  it("sends a consenting shopper's order, with the cookies the storefront wrote", async () => {
    const row = await deliver([
      { name: "_fbp", value: FBP },
      { name: "_mc_consent", value: "granted" },
    ]);
    expect(row.status).toBe("pending");
    // Held apart from the payload until the row is sent (app/lib/capi/scrub.ts).
    expect(JSON.parse(row.rawIdentifiers!).fbp).toBe(FBP);
  });

  it("sends an order without a consent attribute (a cart the embed never saw), as before", async () => {
    const row = await deliver([]);
    expect(row.status).toBe("pending");
  });
});

describe("orders/paid and Limited Data Use", () => {
  it("flags the server Purchase when the shop has it on, and only then", async () => {
    const off = JSON.parse((await deliver()).payload);
    expect(off).not.toHaveProperty("data_processing_options");

    await db.shopSettings.update({ where: { shop: SHOP }, data: { limitedDataUse: true } });
    const on = JSON.parse((await deliver()).payload);
    expect(on).toMatchObject({ data_processing_options: ["LDU"], data_processing_options_country: 0, data_processing_options_state: 0 });
  });
});
