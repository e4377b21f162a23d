// A worker killed with SIGKILL while its request to Meta is on the wire. After a restart every event is
// delivered; the only copies Meta may receive twice are those Meta had taken and the dead worker never
// recorded as sent (its request on the wire, or answered while the answer waited to be written): the
// at-least-once window the design allows, read from the ledger, and no wider.
// SQLite: `npm start` with its in-process worker is killed. PostgreSQL: an `npm run worker` process is.
import { describe, expect, it } from "vitest";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { waitFor } from "../helpers/app-process";
import {
  createRig,
  duplicatesAt,
  figure,
  holdDeliveries,
  killHard,
  pool,
  postWebhook,
  SHOP_A,
  statusCounts,
  trackCleanups,
} from "./harness";

const cleanups = trackCleanups();

const LEASE_MS = 3000;
const BATCH = 20;
const CONCURRENCY = 4;

describe.each(["sqlite", "postgresql"] as const)("worker killed mid-batch on %s", (kind) => {
  it("every event is delivered after a restart; duplicates only of what Meta took and the dead worker never recorded", async () => {
    const rig = await createRig(cleanups, { kind });
    // The lease must cover two request timeouts (the worker will not start a request it could not record).
    const env = {
      DELIVERY_LEASE_MS: String(LEASE_MS),
      DELIVERY_REQUEST_TIMEOUT_MS: "1000",
      DELIVERY_BATCH_SIZE: String(BATCH),
      DELIVERY_CONCURRENCY: String(CONCURRENCY),
    };
    const embedded = kind === "sqlite";
    const server = await rig.start("server", embedded ? env : { ...env, WORKER_MODE: "external" });

    // Meta is slow, so a request is in flight most of the time.
    rig.fake.setHandler(() => ({ kind: "delay", ms: 300 }));
    const orders = Array.from({ length: 160 }, () => nextOrderId());
    // The whole backlog is queued before delivery starts, so the kill always lands with work left.
    await holdDeliveries(rig, SHOP_A.shop, true);
    const statuses = await pool(orders, 8, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await holdDeliveries(rig, SHOP_A.shop, false);

    const victim = embedded ? server : await rig.start("worker", env);
    // Kill once some batches are through and the next request is on the wire.
    const inFlight = () => rig.fake.requests().filter((r) => r.status === null);
    await waitFor(
      async () => ((await statusCounts(rig.db)).sent ?? 0) >= BATCH * 2 && inFlight().length > 0,
      30_000,
      "a request in flight after a few batches",
    );
    // requests() returns copies in arrival order: a request is known by its position.
    const unanswered = () => new Map(rig.fake.requests().flatMap((r, i) => (r.status === null ? [[i, r.eventCount ?? 0] as const] : [])));
    const onTheWireAtLook = unanswered();
    await killHard(victim);
    const onTheWire = [...new Map([...onTheWireAtLook, ...unanswered()]).values()].reduce((sum, n) => sum + n, 0);
    const killedAt = Date.now();
    const atKill = await statusCounts(rig.db);
    expect(atKill.sending ?? 0).toBeGreaterThan(0);
    // The at-least-once window, read from the ledger rather than guessed from the clock: events Meta received
    // whose rows the dead worker never recorded as sent. That covers a request still on the wire and one
    // Meta had answered while the worker waited for its turn to write the answer (SQLite writes one at a
    // time, so under load that wait is real). Meta finishes what reached it before the restart is looked at.
    await rig.fake.idle();
    const unrecorded = await rig.db.delivery.findMany({ where: { status: { not: "sent" } }, select: { eventId: true } });
    const reachedMeta = new Set(rig.fake.received().map((e) => e.eventId));
    const inWindow = new Set(unrecorded.map((r) => r.eventId).filter((id) => reachedMeta.has(id)));
    // No wider than what the dead worker's loops could have had claimed at once.
    expect(inWindow.size).toBeLessThanOrEqual(BATCH * CONCURRENCY);

    // The dead worker's rows wait out their lease, then the replacement takes them over.
    const replacement = embedded ? await rig.start("server", env) : await rig.start("worker", env);
    await waitFor(async () => (await statusCounts(rig.db)).sent === orders.length, 60_000, "every order sent after the restart");
    const recoveredMs = Date.now() - killedAt;
    await rig.fake.idle();

    const counted = rig.fake.counted(SHOP_A.pixel).map((e) => e.eventId);
    expect(counted.sort()).toEqual(orders.map((id) => `shopify_order_${id}`).sort());
    const { duplicates, ids } = duplicatesAt(rig.fake);
    const repeated = [...ids].filter(([, count]) => count > 1);
    // Each repeat is an event of the window, sent once more by the replacement, never a third time.
    expect(repeated.filter(([key]) => !inWindow.has(key.slice(`${SHOP_A.pixel}/`.length)))).toEqual([]);
    expect(repeated.filter(([, count]) => count > 2)).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(inWindow.size);
    expect(await rig.db.delivery.count({ where: { status: { not: "sent" } } })).toBe(0);
    expect(replacement.output()).not.toContain(SHOP_A.token);
    expect(victim.output()).not.toContain(SHOP_A.token);

    figure(
      `worker-kill (${kind})`,
      `${orders.length} orders, killed with ${atKill.sent ?? 0} sent and ${atKill.sending} claimed (${onTheWire} on the wire, ${inWindow.size} at Meta unrecorded), ` +
        `${counted.length} delivered after restart in ${recoveredMs} ms (lease ${LEASE_MS} ms), ${duplicates} duplicates`,
    );
  }, 120_000);
});
