// Two faults that must stay contained. One bad event among hundreds: Meta rejects the whole request for
// it, the worker splits until it is alone, and only it fails. An expired token: the shop is marked broken,
// its events are held (not retried in a loop, not failed), and sending resumes once the merchant reconnects.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { waitFor } from "../helpers/app-process";
import { createRig, deliveredRounds, figure, pool, postWebhook, SHOP_A, SHOP_B, statusCounts, trackCleanups } from "./harness";

const cleanups = trackCleanups();
const run = promisify(execFile);

describe("one bad event in a batch of hundreds", () => {
  it("only it fails; the other events of its batch are delivered", async () => {
    const rig = await createRig(cleanups);
    // Webhooks in first, with the worker apart and not yet running, so all of them share one batch.
    const server = await rig.start("server", { WORKER_MODE: "external" });
    const orders = Array.from({ length: 300 }, () => nextOrderId());
    const statuses = await pool(orders, 8, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // The mapping never produces a malformed fbc (it drops one), so the stored value is corrupted: the
    // kind of bytes a bug or a bad migration could leave behind. The row holds fbc apart from its payload
    // until it is sent (Delivery.rawIdentifiers).
    const victim = await rig.db.delivery.findFirstOrThrow({ where: { shop: SHOP_A.shop }, orderBy: { id: "asc" }, skip: 137 });
    const held = JSON.parse(victim.rawIdentifiers!);
    expect(held.fbc).toMatch(/^fb\.1\.\d+\./);
    await rig.db.delivery.update({
      where: { id: victim.id },
      data: { rawIdentifiers: JSON.stringify({ ...held, fbc: "fb.1.not-a-timestamp" }) },
    });

    // A row past the retention period: the worker's first cycle purges it (DELIVERY_RETENTION_DAYS, 90 by default).
    const expired = await rig.db.delivery.create({
      data: {
        shop: SHOP_A.shop,
        pixelId: SHOP_A.pixel,
        eventName: "Purchase",
        eventId: "shopify_order_1",
        orderId: "1",
        status: "sent",
        eventTime: new Date(),
        payload: "{}",
        createdAt: new Date(Date.now() - 91 * 24 * 3600_000),
      },
    });

    const worker = await rig.start("worker", { DELIVERY_BATCH_SIZE: "1000" });
    await waitFor(
      async () => {
        const counts = await statusCounts(rig.db);
        return counts.sent === 299 && counts.failed === 1;
      },
      30_000,
      "299 sent and 1 failed",
    );

    expect(await rig.db.delivery.findUnique({ where: { id: expired.id } })).toBeNull();
    const failed = await rig.db.delivery.findFirstOrThrow({ where: { status: "failed" } });
    expect(failed).toMatchObject({ id: victim.id, errorCode: 100, errorSubcode: 2804001, attempts: 1 });
    expect(rig.fake.received()).toHaveLength(299);
    expect(rig.fake.received().some((e) => e.eventId === victim.eventId)).toBe(false);
    const requests = rig.fake.requests();
    expect(requests[0].eventCount).toBe(300);
    expect(worker.output()).not.toContain(SHOP_A.token);

    figure(
      "bad-event",
      `${orders.length} orders in one batch, 1 malformed fbc: 299 delivered, 1 failed (100/2804001), ` +
        `${requests.length} requests to isolate it (${requests.filter((r) => r.status === 200).length} accepted)`,
    );
  }, 90_000);
});

describe("an expired token", () => {
  it("marks the shop broken, holds its events without retrying in a loop, and resumes after a reconnect", async () => {
    // SHOP_B stays connected: its deliveries show the worker cycling while SHOP_A is held.
    const rig = await createRig(cleanups, { shops: [SHOP_A, SHOP_B] });
    const server = await rig.start("server");
    rig.fake.expireToken(SHOP_A.pixel);
    const requestsOfA = () => rig.fake.requests().filter((r) => r.pixelId === SHOP_A.pixel);

    const before = Array.from({ length: 20 }, () => nextOrderId());
    await pool(before, 8, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    await waitFor(
      async () => (await rig.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP_A.shop } })).connectionState === "broken",
      20_000,
      "the shop to be marked broken",
    );
    const refusedRequests = requestsOfA().length;
    // More orders while broken: recorded, held, not sent; and nothing of SHOP_A goes to Meta meanwhile,
    // through as many worker cycles as it takes to deliver SHOP_B's orders one after another.
    const during = Array.from({ length: 10 }, () => nextOrderId());
    const duringStatuses = await pool(during, 8, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    expect(duringStatuses.filter((s) => s !== 200)).toEqual([]);
    const heldFrom = Date.now();
    const rounds = await deliveredRounds(rig, server.url, SHOP_B, 5);
    const heldMs = Date.now() - heldFrom;
    expect(requestsOfA()).toHaveLength(refusedRequests);
    expect(await statusCounts(rig.db, SHOP_A.shop)).toEqual({ pending: 30 });
    const settings = await rig.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP_A.shop } });
    expect(settings.connectionError).toMatch(/expired/i);
    expect(settings.connectionError).not.toContain(SHOP_A.token);

    // The merchant pastes a new token: here through the operator CLI, as a real process.
    const newToken = "EAAB" + "n".repeat(60);
    rig.fake.setToken(SHOP_A.pixel, newToken);
    const cli = await run(
      process.execPath,
      ["--import", "tsx", "cli/index.ts", "shops:connect", "--shop", SHOP_A.shop, "--pixel-id", SHOP_A.pixel],
      { env: rig.env({ META_ACCESS_TOKEN: newToken }) as NodeJS.ProcessEnv },
    );
    expect(cli.stdout).toContain("ending in nnnn");
    expect(cli.stdout + cli.stderr).not.toContain(newToken);

    await waitFor(async () => (await statusCounts(rig.db, SHOP_A.shop)).sent === 30, 20_000, "the held events to be sent");
    const counted = rig.fake.counted(SHOP_A.pixel).map((e) => e.eventId);
    expect(counted.sort()).toEqual([...before, ...during].map((id) => `shopify_order_${id}`).sort());
    expect(rig.fake.received().filter((e) => e.pixelId === SHOP_A.pixel)).toHaveLength(30);
    expect(
      rig.fake
        .received()
        .filter((e) => e.pixelId === SHOP_B.pixel)
        .map((e) => e.eventId),
    ).toEqual(rounds);
    expect(server.output()).not.toContain(SHOP_A.token);
    expect(server.output()).not.toContain(newToken);

    figure(
      "expired-token",
      `${before.length + during.length} orders, ${refusedRequests} request refused (190/463) then none while broken ` +
        `(${rounds.length} deliveries of another shop, ${heldMs} ms), ` +
        `${counted.length} delivered once after reconnecting`,
    );
  }, 90_000);
});
