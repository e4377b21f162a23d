// The app as operators run it: `npm start` (server with the in-process worker) on SQLite, and the
// scale-out mode on PostgreSQL (server without a worker, plus two `npm run worker` processes), with
// signed webhooks over real HTTP and the strict fake Graph API standing in for Meta.
import { afterEach, describe, expect, it } from "vitest";
import { openDb } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { appEnv, startApp, waitFor, type AppProcess } from "../helpers/app-process";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { createTestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "p".repeat(60);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function postWebhook(app: AppProcess, body: string, webhookId: string): Promise<number> {
  const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, webhookId });
  const response = await fetch(`${app.url}/webhooks/orders/paid`, { method: "POST", headers: signed.headers, body });
  return response.status;
}

async function setup(kind: "sqlite" | "postgresql") {
  const database = await createTestDatabase(kind);
  cleanups.push(() => database.cleanup());
  const fake: FakeGraphApi = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  cleanups.push(() => fake.close());
  const db = openDb(database.url);
  cleanups.push(() => db.$disconnect());
  await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
  return { database, fake, db };
}

describe("app processes", () => {
  it("npm start on SQLite: healthz, webhooks in, one Purchase out, clean stop on SIGTERM", async () => {
    const { database, fake, db } = await setup("sqlite");
    const server = await startApp("server", appEnv({ DATABASE_URL: database.url, META_GRAPH_API_URL: fake.url }));
    cleanups.push(() => server.stop("SIGKILL"));

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // The warm-up (WARM_UP_ITERATIONS, on by default) ran before the server listened, here and on the order
    // row thread, and stored and sent nothing.
    expect(server.output()).toContain('"msg":"hot paths warmed up"');
    expect(await db.delivery.count()).toBe(0);
    expect(await db.storefrontEvent.count()).toBe(0);
    expect(fake.received()).toEqual([]);
    const orderId = nextOrderId();
    const body = paidOrderJson({ id: orderId });
    for (const webhookId of ["a", "a", "b"]) expect(await postWebhook(server, body, webhookId)).toBe(200);

    await waitFor(() => fake.received().length >= 1, 15_000, "the Purchase to reach the fake Graph API");
    const row = await waitFor(async () => {
      const r = await db.delivery.findFirst({ where: { shop: SHOP, orderId } });
      return r?.status === "sent" ? r : undefined;
    });
    expect(row.attempts).toBe(1);
    expect(await db.delivery.count({ where: { shop: SHOP, orderId } })).toBe(1);
    // Proof the worker has claimed again since: a later order delivered. Any copy still due would have
    // gone out in that claim or before it.
    const later = nextOrderId();
    expect(await postWebhook(server, paidOrderJson({ id: later }), "c")).toBe(200);
    await waitFor(async () => (await db.delivery.findFirst({ where: { shop: SHOP, orderId: later } }))?.status === "sent");
    expect(fake.received().map((e) => e.eventId)).toEqual([`shopify_order_${orderId}`, `shopify_order_${later}`]);
    expect(await db.delivery.findFirst({ where: { shop: SHOP, orderId }, select: { status: true, attempts: true } })).toEqual({
      status: "sent",
      attempts: 1,
    });

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output()).not.toContain(TOKEN);
  }, 60_000);

  it("scale-out on PostgreSQL: two worker processes deliver every order exactly once", async () => {
    const { database, fake, db } = await setup("postgresql");
    const env = appEnv({ DATABASE_URL: database.url, META_GRAPH_API_URL: fake.url, DELIVERY_BATCH_SIZE: "5" });
    const server = await startApp("server", { ...env, WORKER_MODE: "external" });
    cleanups.push(() => server.stop("SIGKILL"));

    const orders = Array.from({ length: 60 }, () => nextOrderId());
    await Promise.all(orders.map((id) => postWebhook(server, paidOrderJson({ id }), `wh-${id}`).then((s) => expect(s).toBe(200))));
    expect(await db.delivery.count({ where: { status: "pending" } })).toBe(60);

    // Meta is slow, so both workers have batches in flight at the same time.
    fake.setHandler(() => ({ kind: "delay", ms: 40 }));
    const workers = await Promise.all([startApp("worker", env), startApp("worker", env)]);
    for (const w of workers) cleanups.push(() => w.stop("SIGKILL"));

    await waitFor(async () => (await db.delivery.count({ where: { status: "sent" } })) === 60, 30_000, "all rows sent");
    const ids = fake.received().map((e) => e.eventId);
    expect(ids).toHaveLength(60);
    expect(new Set(ids)).toEqual(new Set(orders.map((id) => `shopify_order_${id}`)));
    for (const w of workers) expect(await w.stop("SIGTERM")).toBe(0);
  }, 90_000);
});
