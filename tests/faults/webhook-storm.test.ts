// The webhook storm: Shopify redelivers (same webhook ID) and re-sends (new webhook IDs, e.g. a second
// subscription or a replay) the same orders/paid, all at once, for two shops whose orders share IDs. Each
// order must become one ledger row and one event at its own shop's pixel, sent with that shop's token.
import { describe, expect, it } from "vitest";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { waitFor } from "../helpers/app-process";
import {
  createRig,
  duplicatesAt,
  figure,
  pool,
  postWebhook,
  scenarioSeed,
  seededShuffle,
  SHOP_A,
  SHOP_B,
  statusCounts,
  trackCleanups,
} from "./harness";

const cleanups = trackCleanups();

describe.each(["sqlite", "postgresql"] as const)("webhook storm on %s", (kind) => {
  it("the same orders delivered many times, concurrently, with the same and different webhook IDs: one event each", async () => {
    const rig = await createRig(cleanups, { kind, shops: [SHOP_A, SHOP_B] });
    // SQLite: the embedded default (worker in the server). PostgreSQL: scale-out, the worker apart.
    const server = await rig.start("server", kind === "postgresql" ? { WORKER_MODE: "external" } : {});
    if (kind === "postgresql") await rig.start("worker");

    const orders = Array.from({ length: 24 }, () => nextOrderId());
    const inOrder = orders.flatMap((id) => {
      const body = paidOrderJson({ id });
      return [SHOP_A, SHOP_B].flatMap((s) => [
        // Shopify retrying one delivery: the same webhook ID, three times.
        ...Array.from({ length: 3 }, () => ({ shop: s.shop, body, webhookId: `wh-${s.shop}-${id}` })),
        // The same order through other deliveries: a new webhook ID each time.
        ...Array.from({ length: 3 }, (_, i) => ({ shop: s.shop, body, webhookId: `other-${i}-${s.shop}-${id}` })),
      ]);
    });
    // Shuffled so retries of one order land concurrently with each other, not one after another; the seed
    // is printed so a failing order of arrival can be replayed (FAST_CHECK_SEED=<seed>).
    const seed = scenarioSeed();
    console.log(`[fault] webhook-storm (${kind}): shuffle seed ${seed}`);
    const deliveries = seededShuffle(inOrder, seed);
    const started = Date.now();
    const statuses = await pool(deliveries, 32, (d) => postWebhook(server.url, d));
    const postMs = Date.now() - started;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    await waitFor(async () => (await statusCounts(rig.db)).sent === orders.length * 2, 30_000, "every order sent");
    await rig.fake.idle();
    const { duplicates } = duplicatesAt(rig.fake);
    for (const s of [SHOP_A, SHOP_B]) {
      expect(await rig.db.delivery.count({ where: { shop: s.shop } })).toBe(orders.length);
      const atPixel = rig.fake.received().filter((e) => e.pixelId === s.pixel);
      expect(atPixel.map((e) => e.eventId).sort()).toEqual(orders.map((id) => `shopify_order_${id}`).sort());
    }
    expect(duplicates).toBe(0);
    // Every request carried the right shop's token for its pixel: the strict fake refuses any other.
    expect(rig.fake.requests().every((r) => r.status === 200)).toBe(true);
    expect(server.output()).not.toContain(SHOP_A.token);

    figure(
      `webhook-storm (${kind})`,
      `${deliveries.length} deliveries of ${orders.length} orders x 2 shops in ${postMs} ms (shuffle seed ${seed}), ` +
        `${await rig.db.delivery.count()} rows, ${rig.fake.received().length} events at Meta, ${duplicates} duplicates`,
    );
  }, 90_000);
});
