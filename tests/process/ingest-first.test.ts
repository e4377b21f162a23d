// A lone `npm start` on SQLite: while webhooks pour in, its in-process worker holds delivery off (ingest
// first, app/services/delivery/ingest-first.ts), and once they stop it delivers everything, each order
// once, long before DELIVERY_DEFER_MS would have let it go anyway. The rule's arithmetic is unit-tested in
// tests/delivery/ingest-first.test.ts; this checks the server wires it to the requests it receives.
import { expect, it } from "vitest";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { waitFor } from "../helpers/app-process";
import { createRig, duplicatesAt, pool, postWebhook, SHOP_A, statusCounts, trackCleanups } from "../faults/harness";

const cleanups = trackCleanups();
const DEFER_MS = 120_000;

it("holds delivery off during a burst of webhooks and delivers every order once the burst ends", async () => {
  const rig = await createRig(cleanups, { kind: "sqlite" });
  const server = await rig.start("server", { DELIVERY_DEFER_MS: String(DEFER_MS) });

  // Far above 200 a second even on a loaded machine: each answer takes a few milliseconds, 16 at a time.
  const orders = Array.from({ length: 600 }, () => nextOrderId());
  const statuses = await pool(orders, 16, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  const endedAt = Date.now();
  expect(server.output()).toContain("delivery waiting while requests arrive fast (ingest first)");

  // The quiet that follows, not the cap, lets delivery go.
  await waitFor(async () => (await statusCounts(rig.db)).sent === orders.length, 30_000, "every order sent after the burst");
  expect(Date.now() - endedAt).toBeLessThan(DEFER_MS / 2);
  expect(server.output()).toContain('"msg":"delivery resuming"');
  await rig.fake.idle();
  expect(duplicatesAt(rig.fake).duplicates).toBe(0);
  expect(
    rig.fake
      .counted(SHOP_A.pixel)
      .map((e) => e.eventId)
      .sort(),
  ).toEqual(orders.map((id) => `shopify_order_${id}`).sort());
}, 90_000);
