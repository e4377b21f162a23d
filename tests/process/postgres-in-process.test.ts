// `npm start` on PostgreSQL with its default in-process worker: the production server and the Remix build
// each load their own copy of app/db.server.ts, and the worker must still write PostgreSQL's SQL on the
// client the build opened. One signed order in, one event at Meta, and the row recorded as sent.
import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { openDb } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { appEnv, startApp, waitFor } from "../helpers/app-process";
import { createTestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "q".repeat(60);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

it("npm start on a fresh PostgreSQL database: the in-process worker marks the order sent, and Meta gets it once", async () => {
  const database = await createTestDatabase("postgresql");
  cleanups.push(() => database.cleanup());
  const fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  cleanups.push(() => fake.close());
  const db = openDb(database.url);
  cleanups.push(() => db.$disconnect());
  const keyHex = randomBytes(32).toString("hex");
  await connectShop(db, Buffer.from(keyHex, "hex"), { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });

  // No WORKER_MODE: the default, the worker inside the server process.
  const server = await startApp(
    "server",
    appEnv({ NODE_ENV: "production", DATABASE_URL: database.url, META_GRAPH_API_URL: fake.url, TOKEN_ENCRYPTION_KEY: keyHex }),
  );
  cleanups.push(() => server.stop("SIGKILL"));
  expect(server.output()).toContain('"worker":"in-process"');

  const orderId = nextOrderId();
  const body = paidOrderJson({ id: orderId });
  const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, webhookId: `wh-${orderId}` });
  const response = await fetch(`${server.url}/webhooks/orders/paid`, { method: "POST", headers: signed.headers, body });
  expect(response.status).toBe(200);

  const started = Date.now();
  const row = await waitFor(
    async () => {
      const r = await db.delivery.findFirst({ where: { shop: SHOP, orderId } });
      return r?.status === "sent" ? r : undefined;
    },
    20_000,
    "the row to be recorded as sent",
  );
  console.log(`[pg-in-process] row sent ${Date.now() - started} ms after the webhook was answered`);
  expect(row).toMatchObject({ attempts: 1, leaseOwner: null, eventsReceived: 1 });
  // The outcome write included the payload rewrite: raw identifiers are gone from the stored row.
  expect(row.payload).not.toContain("203.0.113");

  // Nothing is sent again: a second order reaching Meta proves the worker claimed again after the first
  // was recorded (a clock would pass on a machine too slow to have run another cycle).
  const nextId = nextOrderId();
  const nextBody = paidOrderJson({ id: nextId });
  const nextSigned = signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body: nextBody, webhookId: `wh-${nextId}` });
  expect((await fetch(`${server.url}/webhooks/orders/paid`, { method: "POST", headers: nextSigned.headers, body: nextBody })).status).toBe(
    200,
  );
  await waitFor(
    async () => (await db.delivery.findFirst({ where: { shop: SHOP, orderId: nextId } }))?.status === "sent",
    20_000,
    "the second order sent",
  );
  await fake.idle();
  expect(fake.received().map((e) => e.eventId)).toEqual([`shopify_order_${orderId}`, `shopify_order_${nextId}`]);
  expect(server.output()).not.toMatch(/42601|cycle failed|syntax error/);

  expect(await server.stop("SIGTERM")).toBe(0);
  expect(server.output()).not.toContain(TOKEN);
  expect(server.output()).not.toContain(keyHex);
}, 90_000);
