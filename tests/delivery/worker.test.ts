// The ledger and the worker against real databases (a SQLite file and PostgreSQL) and real HTTP to the
// strict fake Graph API. The same suite runs on both, as the same code path serves both.
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "~/db.server";
import { REMOVED_VALUE, withRawIdentifiers } from "~/lib/capi/scrub";
import { parseWebhookJson } from "~/lib/well-formed";
import { claimDueDeliveries } from "~/models/delivery-queue.server";
import { getOrderDeliveries, listDeliveriesView } from "~/services/deliveries.server";
import { DeliveryWorker, type MetaSender, type WorkerOptions } from "~/services/delivery/worker.server";
import { recordOrderPaid } from "~/services/orders-paid.server";
import { handleAppUninstalled, redactCustomer } from "~/services/shop-lifecycle.server";
import { connectShop } from "~/services/shop-connection.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { waitFor } from "../helpers/app-process";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "x".repeat(60);
const silent = pino({ level: "silent" });

describe.each(["sqlite", "postgresql"] as const)("delivery worker on %s", (kind) => {
  const database = useTestDatabase(kind);
  const db = database.db;
  let fake: FakeGraphApi;
  let clock = new Date();
  const extraDbs: Db[] = [];

  beforeAll(async () => {
    fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN }, now: () => clock });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(async () => {
    fake.reset();
    clock = new Date();
    await db.delivery.deleteMany({});
    await db.shopSettings.deleteMany({});
    const connected = await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
    expect(connected.ok).toBe(true);
  });

  afterEach(async () => {
    await Promise.all(extraDbs.splice(0).map((d) => d.$disconnect()));
  });

  function workerOptions(options: Partial<{ db: Db; batchSize: number; timeoutMs: number; id: string }> = {}): WorkerOptions {
    const timeoutMs = options.timeoutMs ?? 2000;
    return {
      db: options.db ?? db,
      meta: createGraphClient({ baseUrl: fake.url, apiVersion: "v25.0", timeoutMs }),
      encryptionKey: TEST_ENCRYPTION_KEY,
      workerId: options.id ?? "worker-a",
      batchSize: options.batchSize ?? 1000,
      leaseMs: 60_000,
      requestTimeoutMs: timeoutMs,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      pollMs: 20,
      logger: silent,
      now: () => clock,
    };
  }

  function worker(options: Parameters<typeof workerOptions>[0] = {}) {
    return new DeliveryWorker(workerOptions(options));
  }

  async function paidOrders(count: number, opts: { paidAt?: Date } = {}): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = nextOrderId();
      ids.push(id);
      const outcome = await recordOrderPaid(db, {
        shop: SHOP,
        order: parseWebhookJson(paidOrderJson({ id, paidAt: opts.paidAt ?? clock })),
        webhookId: `wh-${id}`,
        now: clock,
      });
      expect(outcome).toMatchObject({ ok: true, value: { created: true, status: "pending" } });
    }
    return ids;
  }

  const statusCounts = async () => {
    const rows = await db.delivery.groupBy({ by: ["status"], where: { shop: SHOP }, _count: { _all: true } });
    return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
  };

  it("sends due rows in one batch per pixel and records Meta's answer on each row", async () => {
    const ids = await paidOrders(5);
    const stats = await worker().runOnce();
    expect(stats).toMatchObject({ claimed: 5, sent: 5 });
    expect(fake.requests()).toHaveLength(1);
    expect(
      fake
        .received()
        .map((e) => e.event.event_id)
        .sort(),
    ).toEqual(ids.map((id) => `shopify_order_${id}`).sort());
    const rows = await db.delivery.findMany({ where: { shop: SHOP } });
    for (const row of rows) {
      expect(row.status).toBe("sent");
      expect(row.attempts).toBe(1);
      expect(row.eventsReceived).toBe(5);
      expect(row.fbtraceId).toMatch(/\S/);
      expect(row.leaseOwner).toBeNull();
    }
  });

  it("claims, sends and records a full batch of 1000 rows in one request", async () => {
    // More row IDs than Prisma binds in one SQLite statement (999): the ledger must slice its statements.
    const rows = await paidOrders(1000);
    const stats = await worker({ batchSize: 1000 }).runOnce();
    expect(stats).toMatchObject({ claimed: 1000, sent: 1000 });
    expect(fake.requests().map((r) => r.eventCount)).toEqual([1000]);
    expect(await statusCounts()).toEqual({ sent: 1000 });
    expect(new Set(fake.received().map((e) => e.eventId)).size).toBe(rows.length);
  }, 120_000);

  it("reads the webhook's settings the same on both databases: Limited Data Use on and off", async () => {
    const [plain] = await paidOrders(1);
    await db.shopSettings.update({ where: { shop: SHOP }, data: { limitedDataUse: true } });
    const [ldu] = await paidOrders(1);
    const payloadOf = async (orderId: string) =>
      JSON.parse((await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId } })).payload);
    expect((await payloadOf(plain)).data_processing_options).toBeUndefined();
    expect(await payloadOf(ldu)).toMatchObject({ data_processing_options: ["LDU"], data_processing_options_country: 0 });
  });

  it("splits more rows than the batch size into several requests", async () => {
    await paidOrders(7);
    await worker({ batchSize: 3 }).drain();
    expect(fake.requests().map((r) => r.eventCount)).toEqual([3, 3, 1]);
    expect(await statusCounts()).toEqual({ sent: 7 });
  });

  it("three transient failures in a row delay but neither lose nor duplicate the event", async () => {
    const [id] = await paidOrders(1);
    fake.fail(1, { kind: "http", status: 503 });
    fake.fail(1, { kind: "graph-error", code: 2, isTransient: true, status: 500 });
    fake.fail(1, { kind: "reset" });
    const w = worker();
    let lastNext = clock.getTime();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const stats = await w.runOnce();
      expect(stats).toMatchObject({ claimed: 1, retrying: 1 });
      const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId: id } });
      expect(row.status).toBe("pending");
      expect(row.attempts).toBe(attempt);
      expect(row.nextAttemptAt.getTime()).toBeGreaterThan(clock.getTime());
      // Not due yet: nothing is claimed before the backoff has passed.
      expect((await w.runOnce()).claimed).toBe(0);
      expect(row.nextAttemptAt.getTime() - clock.getTime()).toBeGreaterThanOrEqual((2 ** (attempt - 1) * 1000) / 2);
      lastNext = row.nextAttemptAt.getTime();
      clock = new Date(lastNext + 1);
    }
    expect((await w.runOnce()).sent).toBe(1);
    expect(fake.received()).toHaveLength(1);
    expect(fake.requests()).toHaveLength(4);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId: id } });
    expect(row).toMatchObject({ status: "sent", attempts: 4, lastError: null });
  });

  it("honours Meta's throttling estimate before retrying", async () => {
    await paidOrders(1);
    fake.fail(1, {
      kind: "graph-error",
      code: 80004,
      status: 400,
      headers: { "x-business-use-case-usage": JSON.stringify({ "1": [{ estimated_time_to_regain_access: 15 }] }) },
    });
    await worker().runOnce();
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(row.status).toBe("pending");
    expect(row.errorCode).toBe(80004);
    expect(row.nextAttemptAt.getTime() - clock.getTime()).toBeGreaterThanOrEqual(15 * 60_000);
  });

  it("treats a request timeout as transient", async () => {
    await paidOrders(1);
    fake.fail(1, { kind: "delay", ms: 800 });
    const stats = await worker({ timeoutMs: 200 }).runOnce();
    expect(stats.retrying).toBe(1);
    clock = new Date(clock.getTime() + 10 * 60_000);
    expect((await worker().runOnce()).sent).toBe(1);
    // The timed-out request still reaches the fake later, as it would reach Meta; wait for it so it
    // does not land in the next test's log. (Meta deduplicates that pair by event ID.)
    await fake.idle();
    expect(fake.counted(PIXEL)).toHaveLength(1);
  });

  it("isolates one bad event in a batch: only it fails, the rest are delivered", async () => {
    await paidOrders(12);
    // A row whose stored payload Meta must refuse: an unhashed email.
    const victim = await db.delivery.findFirstOrThrow({ where: { shop: SHOP }, orderBy: { id: "asc" }, skip: 7 });
    const payload = JSON.parse(victim.payload);
    payload.user_data.em = "shopper@example.com";
    await db.delivery.update({ where: { id: victim.id }, data: { payload: JSON.stringify(payload) } });

    await worker().drain();
    expect(await statusCounts()).toEqual({ sent: 11, failed: 1 });
    const failed = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, status: "failed" } });
    expect(failed.id).toBe(victim.id);
    expect(failed.errorCode).toBe(100);
    expect(failed.errorSubcode).toBe(2804016);
    expect(failed.lastError).not.toContain(TOKEN);
    expect(fake.received()).toHaveLength(11);
  });

  it("never puts a row that holds no event on the wire, even when it is pending (re-queued by an older version)", async () => {
    await paidOrders(3);
    const victim = await db.delivery.findFirstOrThrow({ where: { shop: SHOP }, orderBy: { id: "asc" } });
    await db.delivery.update({ where: { id: victim.id }, data: { payload: "{}" } });

    await worker().drain();
    expect(await statusCounts()).toEqual({ sent: 2, failed: 1 });
    expect((await db.delivery.findUniqueOrThrow({ where: { id: victim.id } })).status).toBe("failed");
    expect(fake.received()).toHaveLength(2);
    expect(fake.received().map((e) => e.event.event_id)).not.toContain(victim.eventId);
    // One request carrying the two real events: the empty one never left, so Meta never refused it.
    expect(fake.requests().map((r) => r.eventCount)).toEqual([2]);
    expect((await db.delivery.findUniqueOrThrow({ where: { id: victim.id } })).errorCode).toBeNull();
  });

  it("on an expired token marks the shop broken, holds its rows, and resumes after reconnecting", async () => {
    await paidOrders(3);
    fake.expireToken(PIXEL);
    const w = worker();
    const first = await w.runOnce();
    expect(first.held).toBe(3);
    const settings = await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(settings.connectionState).toBe("broken");
    expect(settings.connectionError).not.toContain(TOKEN);
    expect(await statusCounts()).toEqual({ pending: 3 });

    // Held, not retried in a loop: nothing more goes to Meta while the connection is broken.
    clock = new Date(clock.getTime() + 24 * 3600_000);
    expect((await w.runOnce()).claimed).toBe(0);
    expect(fake.requests()).toHaveLength(1);

    const NEW_TOKEN = "EAAB" + "y".repeat(60);
    fake.setToken(PIXEL, NEW_TOKEN);
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: NEW_TOKEN });
    expect((await w.runOnce()).sent).toBe(3);
    expect(fake.received()).toHaveLength(3);
  });

  it("a row it holds reads as held in the admin: the worker writes a code and the admin renders from it", async () => {
    const [orderId] = await paidOrders(1);
    fake.expireToken(PIXEL);
    expect((await worker().runOnce()).held).toBe(1);
    expect(await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId } })).toMatchObject({
      status: "pending",
      reasonCode: "held_meta_refused",
      failureKind: "auth",
      errorCode: 190,
    });

    const view = await getOrderDeliveries(db, { shop: SHOP, orderId });
    expect(view!.deliveries[0].explanation).toMatchObject({ title: "On hold until your Meta connection works again", tone: "warning" });
    expect(view!.deliveries[0].explanation.fix).toMatch(/new token/);
    expect(view!.deliveries[0].timeline.map((e) => e.label)).toContain("On hold (1 attempt so far)");
    const list = await listDeliveriesView(db, { shop: SHOP, search: new URLSearchParams() });
    expect(list.rows.find((r) => r.orderId === orderId)).toMatchObject({
      answer: "On hold until your Meta connection works again",
      answerTone: "warning",
    });
  });

  it("a 190 for the old token, answered after the merchant saved a new one, does not break the new connection", async () => {
    await paidOrders(3);
    const NEW_TOKEN = "EAAB" + "z".repeat(60);
    // While the request made with the old token is at Meta, the merchant saves a new token (and Meta
    // revokes the old one): the answer that comes back is a 190 about a token no longer stored.
    fake.setHandler(async () => {
      fake.setHandler(null);
      fake.setToken(PIXEL, NEW_TOKEN);
      await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: NEW_TOKEN });
      return null;
    });
    const w = worker();
    const first = await w.runOnce();
    expect(first).toMatchObject({ claimed: 3, sent: 0 });
    expect(fake.requests()).toHaveLength(1);
    const settings = await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(settings).toMatchObject({ connectionState: "connected", connectionError: null });
    const rows = await db.delivery.findMany({ where: { shop: SHOP } });
    expect(rows.map((r) => [r.status, r.errorCode, r.leaseOwner])).toEqual(Array(3).fill(["pending", 190, null]));

    // The rows go out with the new token on the next cycle, once each.
    expect((await w.runOnce()).sent).toBe(3);
    expect(fake.received()).toHaveLength(3);
    expect(await statusCounts()).toEqual({ sent: 3 });
  });

  it("a 190 for the token still stored does break the connection (the guard is the token, not the timing)", async () => {
    await paidOrders(1);
    const OTHER_SHOP_TOKEN = "EAAB" + "w".repeat(60);
    // Another shop reconnecting meanwhile changes nothing for this one.
    fake.setHandler(async () => {
      fake.setHandler(null);
      await connectShop(db, TEST_ENCRYPTION_KEY, { shop: "other-shop.myshopify.com", pixelId: PIXEL, accessToken: OTHER_SHOP_TOKEN });
      return { kind: "graph-error", code: 190, subcode: 463, message: "Error validating access token: Session has expired" };
    });
    expect((await worker().runOnce()).held).toBe(1);
    const settings = await db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(settings.connectionState).toBe("broken");
    expect(await db.shopSettings.findUniqueOrThrow({ where: { shop: "other-shop.myshopify.com" } })).toMatchObject({
      connectionState: "connected",
    });
  });

  it("never sends an event older than 7 days: it is skipped with the reason", async () => {
    await paidOrders(2);
    clock = new Date(clock.getTime() + 7 * 24 * 3600_000 + 60_000);
    await paidOrders(1);
    const stats = await worker().runOnce();
    expect(stats).toMatchObject({ skipped: 2, sent: 1 });
    const skipped = await db.delivery.findMany({ where: { shop: SHOP, status: "skipped" } });
    expect(skipped.every((r) => r.reasonCode === "too_old")).toBe(true);
    expect(fake.received()).toHaveLength(1);
  });

  it("recovers a dead worker's rows once its lease expires, and only then", async () => {
    await paidOrders(4);
    const dead = await claimDueDeliveries(db, { workerId: "dead", now: clock, limit: 10, leaseMs: 60_000 });
    expect(dead.rows).toHaveLength(4);
    const w = worker({ id: "survivor" });
    expect((await w.runOnce()).claimed).toBe(0);
    clock = new Date(clock.getTime() + 61_000);
    expect((await w.runOnce()).sent).toBe(4);
    expect(fake.received()).toHaveLength(4);
  });

  it("a stop releases what the worker holds without counting an attempt", async () => {
    await paidOrders(2);
    const w = worker();
    // The stop arrives while the cycle's claim is in flight: the stopping worker releases instead of sending.
    const cycle = w.runOnce();
    await w.stop();
    const stats = await cycle;
    expect(stats).toMatchObject({ claimed: 2, released: 2, sent: 0 });
    const rows = await db.delivery.findMany({ where: { shop: SHOP } });
    expect(rows.every((r) => r.status === "pending" && r.attempts === 0 && r.leaseOwner === null)).toBe(true);
    expect(fake.requests()).toHaveLength(0);
  });

  it("a running worker waits while deferWhile holds it (ingest first), delivers once it lets go, and stops while waiting", async () => {
    await paidOrders(3);
    let defer = true;
    let asked = 0;
    const w = new DeliveryWorker({
      ...workerOptions(),
      deferWhile: () => {
        asked++;
        return defer;
      },
    });
    w.start();
    // Several polls while held: nothing claimed, nothing sent.
    await waitFor(() => asked >= 3);
    expect(await statusCounts()).toEqual({ pending: 3 });
    expect(fake.requests()).toHaveLength(0);
    defer = false;
    await waitFor(async () => (await statusCounts()).sent === 3);
    expect(fake.received()).toHaveLength(3);

    // A worker held off stops at once: stop() does not wait for the hold to end.
    defer = true;
    const held = new DeliveryWorker({ ...workerOptions({ id: "held" }), deferWhile: () => defer });
    held.start();
    const started = Date.now();
    await held.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    await w.stop();
  });

  it("two workers racing over the same rows: none sent twice, none left behind", async () => {
    const ids = await paidOrders(120);
    // PostgreSQL: two clients, two connection pools, as two worker processes would have. SQLite: the
    // embedded mode runs one process, and better-sqlite3 blocks the event loop while it waits for a lock,
    // so two clients in one process would deadlock; two worker loops share the process's client instead.
    const dbA = kind === "postgresql" ? openDb(database.url) : db;
    const dbB = kind === "postgresql" ? openDb(database.url) : db;
    if (kind === "postgresql") extraDbs.push(dbA, dbB);
    fake.fail(3, { kind: "delay", ms: 30 });
    const [a, b] = await Promise.all([
      worker({ db: dbA, id: "a", batchSize: 7 }).drain(),
      worker({ db: dbB, id: "b", batchSize: 7 }).drain(),
    ]);
    expect(a.sent + b.sent).toBe(120);
    const sentIds = fake.received().map((e) => e.event.event_id);
    expect(sentIds).toHaveLength(120);
    expect(new Set(sentIds).size).toBe(120);
    expect(new Set(sentIds)).toEqual(new Set(ids.map((id) => `shopify_order_${id}`)));
    expect(await statusCounts()).toEqual({ sent: 120 });
    if (kind === "postgresql") {
      // SKIP LOCKED lets both take part instead of one waiting on the other's locks.
      expect(a.sent).toBeGreaterThan(0);
      expect(b.sent).toBeGreaterThan(0);
    }
  });
  it("holds the IP, user agent and browser IDs apart until the row is sent, sends them in place, then forgets them", async () => {
    await paidOrders(2);
    const before = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(JSON.parse(before.payload).user_data.client_ip_address).toBe(REMOVED_VALUE);
    expect(JSON.parse(before.rawIdentifiers!)).toMatchObject({ client_ip_address: "203.0.113.7", fbp: expect.any(String) });
    // The admin shows the event as it will be sent, then as the ledger keeps it.
    const shown = async () => (await getOrderDeliveries(db, { shop: SHOP, orderId: before.orderId! }))!.deliveries[0].payload!;
    expect(JSON.parse(await shown()).user_data.client_ip_address).toBe("203.0.113.7");

    await worker().runOnce();
    expect(JSON.parse(await shown()).user_data.client_ip_address).toBe(REMOVED_VALUE);
    // Meta got the real values, in the event's own text with each placeholder replaced...
    const sent = fake.received().find((e) => e.event.event_id === before.eventId)!;
    expect(sent.event).toEqual(withRawIdentifiers(JSON.parse(before.payload), before.rawIdentifiers));
    expect((sent.event.user_data as Record<string, unknown>).client_ip_address).toBe("203.0.113.7");
    // ...and the ledger keeps the payload as it was, and no value.
    const after = await db.delivery.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.status).toBe("sent");
    expect(after.payload).toBe(before.payload);
    expect(after.rawIdentifiers).toBeNull();
    expect(JSON.stringify(after)).not.toContain("203.0.113.7");
    expect(JSON.stringify(after)).not.toContain("Mozilla");
  });

  it("a row stored with the raw identifiers in its payload (before the column) is sent with them and scrubbed as before", async () => {
    await paidOrders(2);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    const inline = JSON.stringify(withRawIdentifiers(JSON.parse(row.payload), row.rawIdentifiers));
    await db.delivery.update({ where: { id: row.id }, data: { payload: inline, rawIdentifiers: null } });
    const before = await db.delivery.findUniqueOrThrow({ where: { id: row.id } });
    const sentUserData = JSON.parse(before.payload).user_data;
    expect(sentUserData.client_ip_address).toBe("203.0.113.7");

    await worker().runOnce();
    // Meta got the real values...
    expect(fake.received().every((e) => (e.event.user_data as Record<string, unknown>).client_ip_address === "203.0.113.7")).toBe(true);
    expect(fake.received().find((e) => e.event.event_id === before.eventId)!.event).toEqual(JSON.parse(inline));
    // ...the ledger keeps the keys, with the values gone, and everything else as sent.
    const after = await db.delivery.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.status).toBe("sent");
    const stored = JSON.parse(after.payload);
    for (const key of ["client_ip_address", "client_user_agent", "fbp", "fbc"]) {
      expect(stored.user_data[key]).toBe(REMOVED_VALUE);
    }
    expect({ ...stored.user_data, client_ip_address: 0, client_user_agent: 0, fbp: 0, fbc: 0 }).toEqual({
      ...sentUserData,
      client_ip_address: 0,
      client_user_agent: 0,
      fbp: 0,
      fbc: 0,
    });
    expect(after.payload).not.toContain("203.0.113.7");
    expect(after.payload).not.toContain("Mozilla");
  });

  it("a row skipped as too old keeps no raw identifiers either", async () => {
    await paidOrders(1);
    clock = new Date(clock.getTime() + 8 * 24 * 3600_000);
    expect((await worker().runOnce()).skipped).toBe(1);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(JSON.parse(row.payload).user_data.client_ip_address).toBe(REMOVED_VALUE);
    expect(row.rawIdentifiers).toBeNull();
  });

  it("files each order under the hashed customer ID, the same hash as the event's external_id", async () => {
    await paidOrders(1);
    const row = await db.delivery.findFirstOrThrow({ where: { shop: SHOP } });
    expect(row.customerKey).toMatch(/^[0-9a-f]{64}$/);
    expect(row.customerKey).toBe(JSON.parse(row.payload).user_data.external_id);
  });

  it("never sends a row taken away after the claim (customer redacted, app uninstalled)", async () => {
    // Another shop's row comes first in the claim, so its request goes out before this shop's: the Meta
    // sender is where the removal lands, after the claim and before this shop's rows are sent.
    const OTHER = { shop: "calm-hats.myshopify.com", pixel: "543210987654321", token: "EAAB" + "o".repeat(60) };
    fake.setToken(OTHER.pixel, OTHER.token);
    expect((await connectShop(db, TEST_ENCRYPTION_KEY, { shop: OTHER.shop, pixelId: OTHER.pixel, accessToken: OTHER.token })).ok).toBe(
      true,
    );
    const otherOrder = async () => {
      const id = nextOrderId();
      await recordOrderPaid(db, {
        shop: OTHER.shop,
        order: parseWebhookJson(paidOrderJson({ id, paidAt: clock })),
        webhookId: `wh-${id}`,
        now: clock,
      });
    };
    const meta = createGraphClient({ baseUrl: fake.url, apiVersion: "v25.0", timeoutMs: 2000 });
    const removeDuring = (removal: () => Promise<unknown>): MetaSender => ({
      async sendEvents(input) {
        if (input.pixelId === OTHER.pixel) await removal();
        return meta.sendEvents(input);
      },
    });
    const atPixel = () => fake.received().filter((e) => e.pixelId === PIXEL);

    await otherOrder();
    const [redactedOrder] = await paidOrders(3);
    const first = await new DeliveryWorker({
      ...workerOptions(),
      meta: removeDuring(() => redactCustomer(db, SHOP, [redactedOrder])),
    }).runOnce();
    expect(first).toMatchObject({ claimed: 4, sent: 3 });
    expect(atPixel().map((e) => e.eventId)).not.toContain(`shopify_order_${redactedOrder}`);
    expect(atPixel()).toHaveLength(2);
    expect(await db.delivery.findFirstOrThrow({ where: { shop: SHOP, orderId: redactedOrder } })).toMatchObject({
      status: "skipped",
      reasonCode: "customer_redacted",
    });

    // Uninstall: the same, for every row of the shop, including rows already claimed.
    await otherOrder();
    await paidOrders(2);
    const second = await new DeliveryWorker({ ...workerOptions(), meta: removeDuring(() => handleAppUninstalled(db, SHOP)) }).runOnce();
    expect(second).toMatchObject({ claimed: 3, sent: 1 });
    expect(atPixel()).toHaveLength(2);
    expect(await statusCounts()).toEqual({ sent: 2, skipped: 3 });
  });

  it("purges rows past the retention period in batches, oldest first, at most once per interval", async () => {
    const { purgeExpired } = await import("~/services/delivery/retention.server");
    await db.browserEvent.deleteMany({});
    await db.customerDataRequest.deleteMany({});
    await paidOrders(5);
    const old = new Date(clock.getTime() - 91 * 24 * 3600_000);
    const ids = (await db.delivery.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, select: { id: true } })).map((r) => r.id);
    await db.delivery.updateMany({ where: { id: { in: ids.slice(0, 3) } }, data: { createdAt: old } });
    // One of the old rows is held by a live worker: left for a later pass.
    await db.delivery.update({
      where: { id: ids[2] },
      data: { status: "sending", leaseOwner: "live", leaseExpiresAt: new Date(clock.getTime() + 60_000) },
    });
    await db.browserEvent.createMany({
      data: [
        { shop: SHOP, eventName: "PageView", eventId: "old", source: "theme-embed", seenAt: old },
        { shop: SHOP, eventName: "PageView", eventId: "new", source: "theme-embed", seenAt: clock },
      ],
    });
    await db.customerDataRequest.create({ data: { shop: SHOP, requestId: "1", report: "{}", createdAt: old } });

    const result = await purgeExpired(db, { now: clock, retentionDays: 90, batchSize: 1 });
    expect(result).toEqual({ deliveries: 2, browserEvents: 1, dataRequests: 1, storefrontEvents: 0, complete: true });
    expect((await db.delivery.findMany({ where: { shop: SHOP }, select: { id: true } })).map((r) => r.id).sort()).toEqual(
      ids.slice(2).sort(),
    );
    expect(await db.browserEvent.findMany({ select: { eventId: true } })).toEqual([{ eventId: "new" }]);
    await db.browserEvent.deleteMany({});

    // A budget that runs out leaves the rest for the next cycle and says so.
    await db.delivery.updateMany({ where: { id: { in: ids.slice(3) } }, data: { createdAt: old } });
    let ticks = 0;
    const partial = await purgeExpired(db, { now: clock, retentionDays: 90, batchSize: 1, budgetMs: 0, clock: () => ticks++ });
    expect(partial.complete).toBe(false);

    // In the worker: due at once, then not again before the interval has passed.
    const w = new DeliveryWorker({
      ...workerOptions(),
      retention: { days: 90, intervalMs: 3600_000 },
    });
    expect(await w.purgeIfDue()).toMatchObject({ deliveries: 2, complete: true });
    expect(await w.purgeIfDue()).toBeNull();
    clock = new Date(clock.getTime() + 3600_000);
    // By now the held row's lease has expired too: nobody is working on it any more.
    expect(await w.purgeIfDue()).toMatchObject({ deliveries: 1 });
    expect(await db.delivery.count({ where: { shop: SHOP } })).toBe(0);
  });
});
