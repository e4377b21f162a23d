// The claim must not grow with the number of connected shops: listing them all in one `IN (...)` is
// refused by SQLite past 999 values and by PostgreSQL past 32,767. Ten times those numbers' order of
// magnitude per database, with the only due order in the last shop to connect.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWebhookJson } from "~/lib/well-formed";
import { DeliveryWorker } from "~/services/delivery/worker.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { recordOrderPaid } from "~/services/orders-paid.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { useTestDatabase } from "../helpers/use-test-database";

const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "m".repeat(60);

const shopName = (i: number) => `shop-${String(i).padStart(6, "0")}.myshopify.com`;

describe.each([
  ["sqlite", 5_000],
  ["postgresql", 40_000],
] as const)("claiming on %s with %i connected shops", (kind, shops) => {
  const database = useTestDatabase(kind);
  const db = database.db;
  let fake: FakeGraphApi;

  beforeAll(async () => {
    fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  });

  afterAll(async () => {
    await fake.close();
  });

  it("claims and delivers the pending order of the last shop", async () => {
    const started = Date.now();
    // Bulk rows, in statements small enough for each database's parameter limit (4 values a row).
    expect((await connectShop(db, TEST_ENCRYPTION_KEY, { shop: shopName(0), pixelId: PIXEL, accessToken: TOKEN })).ok).toBe(true);
    const { accessTokenSealed: sealed } = await db.shopSettings.findUniqueOrThrow({ where: { shop: shopName(0) } });
    expect(sealed).not.toBeNull();
    const perStatement = kind === "sqlite" ? 200 : 5000;
    for (let from = 1; from < shops - 1; from += perStatement) {
      const count = Math.min(perStatement, shops - 1 - from);
      await db.shopSettings.createMany({
        data: Array.from({ length: count }, (_, k) => ({
          shop: shopName(from + k),
          pixelId: PIXEL,
          accessTokenSealed: sealed,
          connectionState: "connected",
        })),
      });
    }
    const last = shopName(shops - 1);
    expect((await connectShop(db, TEST_ENCRYPTION_KEY, { shop: last, pixelId: PIXEL, accessToken: TOKEN })).ok).toBe(true);
    expect(await db.shopSettings.count({ where: { connectionState: "connected" } })).toBe(shops);

    // A due row of a shop whose connection is broken, older than the order: due first, yet never claimed.
    const broken = shopName(shops + 1);
    await db.shopSettings.create({ data: { shop: broken, pixelId: PIXEL, connectionState: "broken" } });
    const heldOrder = nextOrderId();
    const now = new Date();
    expect(
      await recordOrderPaid(db, {
        shop: broken,
        order: parseWebhookJson(paidOrderJson({ id: heldOrder, paidAt: new Date(now.getTime() - 120_000) })),
        webhookId: `wh-${heldOrder}`,
        now: new Date(now.getTime() - 60_000),
      }),
    ).toMatchObject({ ok: true, value: { status: "pending" } });

    const orderId = nextOrderId();
    const recorded = await recordOrderPaid(db, {
      shop: last,
      order: parseWebhookJson(paidOrderJson({ id: orderId, paidAt: now })),
      webhookId: `wh-${orderId}`,
      now,
    });
    expect(recorded).toMatchObject({ ok: true, value: { created: true, status: "pending" } });
    const setupMs = Date.now() - started;

    const worker = new DeliveryWorker({
      db,
      meta: createGraphClient({ baseUrl: fake.url, apiVersion: "v25.0", timeoutMs: 5000 }),
      encryptionKey: TEST_ENCRYPTION_KEY,
      workerId: "many-shops",
      batchSize: 1000,
      leaseMs: 60_000,
      requestTimeoutMs: 5000,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      pollMs: 20,
      logger: pino({ level: "silent" }),
      now: () => new Date(now.getTime() + 1000),
    });
    const cycleStarted = Date.now();
    const stats = await worker.runOnce();
    const cycleMs = Date.now() - cycleStarted;
    console.log(`[many-shops] ${kind}: ${shops} connected shops, set-up ${setupMs} ms, one claim-send cycle ${cycleMs} ms`);

    expect(stats).toMatchObject({ claimed: 1, sent: 1 });
    expect(fake.received().map((e) => [e.pixelId, e.eventId])).toEqual([[PIXEL, `shopify_order_${orderId}`]]);
    expect(await db.delivery.findFirstOrThrow({ where: { shop: last, orderId } })).toMatchObject({ status: "sent", attempts: 1 });
    expect(await db.delivery.findFirstOrThrow({ where: { shop: broken, orderId: heldOrder } })).toMatchObject({
      status: "pending",
      attempts: 0,
    });
  }, 180_000);
});
