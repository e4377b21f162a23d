// Several batches in flight per worker (DELIVERY_CONCURRENCY): each loop claims its own batch under its own
// claim token, so with thousands of rows, Meta slow enough that requests overlap, transient failures, one
// event Meta refuses, and a stop in the middle, every row still reaches the strict fake Graph API exactly
// once and none is left `sending`. PostgreSQL runs two such workers on two connection pools, as two
// processes would; SQLite one (better-sqlite3 blocks its process while it waits for a lock, so two clients
// in one process would deadlock).
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "~/db.server";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { DeliveryWorker } from "~/services/delivery/worker.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { paidOrderJson } from "../../dev/fake-shopify/orders";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { waitFor } from "../helpers/app-process";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";

const SHOP = "many-orders.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "c".repeat(60);
const ROWS = 4_000;
const BATCH = 100;
const CONCURRENCY = 4;
const silent = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["sqlite", "postgresql"] as const)("delivery with %s, several batches in flight per worker", (kind) => {
  let database: TestDatabase;
  let fake: FakeGraphApi;
  const dbs: Db[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  });

  afterAll(async () => {
    await fake.close();
    await Promise.all(dbs.map((d) => d.$disconnect()));
    await database.cleanup();
  });

  function worker(db: Db, id: string): DeliveryWorker {
    return new DeliveryWorker({
      db,
      meta: createGraphClient({ baseUrl: fake.url, apiVersion: "v25.0", timeoutMs: 5_000 }),
      encryptionKey: TEST_ENCRYPTION_KEY,
      workerId: id,
      batchSize: BATCH,
      leaseMs: 60_000,
      requestTimeoutMs: 5_000,
      retryBaseMs: 50,
      retryMaxMs: 200,
      pollMs: 20,
      concurrency: CONCURRENCY,
      logger: silent,
    });
  }

  it(`${ROWS.toLocaleString("en-US")} rows, ${CONCURRENCY} batches in flight per worker: each sent exactly once, none left sending`, async () => {
    const db = openDb(database.url);
    dbs.push(db);
    expect((await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN })).ok).toBe(true);
    const now = new Date();
    const template = mapOrderToPurchase(paidOrderJson({ id: "777777777777777777", paidAt: now }), { shopDomain: SHOP, now });
    if (!template.ok) throw new Error(template.reason);
    const eventIds = Array.from({ length: ROWS }, (_, i) => `shopify_order_${820982911970000000n + BigInt(i)}`);
    const rows = eventIds.map((eventId, i) => {
      const event = { ...template.event, event_id: eventId };
      // One event Meta refuses (an unhashed email): the batch it is in is split until it fails alone.
      if (i === 1234) event.user_data = { ...event.user_data, em: "shopper@example.com" };
      return {
        shop: SHOP,
        pixelId: PIXEL,
        eventName: "Purchase",
        eventId,
        orderId: eventId.slice("shopify_order_".length),
        status: "pending",
        eventTime: template.eventTime,
        nextAttemptAt: now,
        payload: JSON.stringify(event),
      };
    });
    for (let i = 0; i < rows.length; i += 200) await db.delivery.createMany({ data: rows.slice(i, i + 200) });

    // Meta answers after 20-60 ms, so the loops' requests overlap; a few answers are 503s to retry.
    let inFlight = 0;
    let mostInFlight = 0;
    let requests = 0;
    fake.setHandler(async () => {
      requests++;
      if (requests % 9 === 0) return { kind: "http", status: 503 };
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await sleep(20 + Math.random() * 40);
      inFlight--;
      return null;
    });

    const clients = kind === "postgresql" ? [db, openDb(database.url)] : [db];
    if (clients.length > 1) dbs.push(clients[1]);
    let workers = clients.map((client, i) => worker(client, `worker-${i}`));
    for (const w of workers) w.start();
    // A stop in the middle gives back what the loops hold (nothing stays `sending`); new workers carry on.
    await waitFor(async () => (await db.delivery.count({ where: { status: "sent" } })) >= ROWS / 4, 60_000, "a quarter sent");
    await Promise.all(workers.map((w) => w.stop()));
    expect(await db.delivery.count({ where: { status: "sending" } })).toBe(0);
    workers = clients.map((client, i) => worker(client, `worker-${i}-again`));
    for (const w of workers) w.start();
    await waitFor(
      async () => (await db.delivery.count({ where: { status: { in: ["pending", "sending"] } } })) === 0,
      120_000,
      "every row settled",
    );
    await Promise.all(workers.map((w) => w.stop()));

    const byStatus = await db.delivery.groupBy({ by: ["status"], _count: { _all: true } });
    expect(Object.fromEntries(byStatus.map((r) => [r.status, r._count._all]))).toEqual({ sent: ROWS - 1, failed: 1 });
    const failed = await db.delivery.findFirstOrThrow({ where: { status: "failed" } });
    expect(failed).toMatchObject({ eventId: eventIds[1234], errorCode: 100, leaseOwner: null });
    const received = fake.received().map((e) => e.eventId);
    expect(received).toHaveLength(ROWS - 1);
    expect(new Set(received)).toEqual(new Set(eventIds.filter((_, i) => i !== 1234)));
    // Each worker really had several requests in flight (two workers could account for two).
    expect(mostInFlight).toBeGreaterThan(clients.length);
    expect(fake.requests().every((r) => (r.eventCount ?? 0) <= BATCH)).toBe(true);
  }, 240_000);
});
