// `npm run demo`'s scenario, small, so the demo cannot rot: the real server and worker, the stand-in Meta,
// the embed's storefront in headless Chromium and the real web pixel, with two shoppers, one of whom has
// the Meta pixel blocked. The assertions are the facts the demo's table shows.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchaseEventId } from "~/lib/event-id";
import { blockedShoppers, runDemo, type DemoOrder, type DemoRun } from "../../scripts/lib/demo/scenario";

const sqliteFile = join(tmpdir(), `capi-demo-test-${process.pid}-${randomBytes(6).toString("hex")}.sqlite`);
let run: DemoRun | undefined;
let seen: DemoOrder;
let blocked: DemoOrder;

beforeAll(async () => {
  // Meta answers quickly here: the test is about what is counted, not about Meta's latency.
  run = await runDemo({ shoppers: 2, blocked: 1, sqliteFile, metaLatencyMs: [5, 20] });
  seen = run.orders.find((o) => !o.blocked)!;
  blocked = run.orders.find((o) => o.blocked)!;
}, 180_000);

afterAll(async () => {
  await run?.stop();
  await Promise.all(["", "-wal", "-shm", "-journal"].map((suffix) => rm(sqliteFile + suffix, { force: true })));
});

describe("the demo scenario", () => {
  it("spreads the blocked shoppers among the others", () => {
    expect([...blockedShoppers(2, 1)]).toEqual([1]);
    expect([...blockedShoppers(5, 2)].sort()).toEqual([1, 3]);
    expect(blockedShoppers(3, 0).size).toBe(0);
    expect(run!.orders.map((o) => o.blocked)).toEqual([false, true]);
  });

  it("a shopper whose pixel ran: browser and server Purchase carry the same ID, and Meta counts one", () => {
    expect(seen.browserPurchaseId).toBe(purchaseEventId(seen.orderId));
    expect(seen.serverPurchaseId).toBe(seen.browserPurchaseId);
    expect(seen.idsMatch).toBe(true);
    expect(seen.received).toEqual({ browser: 1, server: 1 });
    expect(seen.counted).toBe(1);
    // The storefront half fired too, from the real embed in the browser.
    expect(new Set(seen.storefrontEvents)).toEqual(new Set(["PageView", "ViewContent", "AddToCart"]));
  });

  it("a shopper with the pixel blocked: no browser Purchase, and the server's copy is still counted once", () => {
    expect(blocked.browserPurchaseId).toBeNull();
    expect(blocked.storefrontEvents).toEqual([]);
    expect(blocked.serverPurchaseId).toBe(purchaseEventId(blocked.orderId));
    expect(blocked.received).toEqual({ browser: 0, server: 1 });
    expect(blocked.counted).toBe(1);
    expect(blocked.countedFrom).toEqual(["server"]);
  });

  it("each order's webhook, delivered twice, is one ledger row sent once", () => {
    for (const order of run!.orders) {
      expect(order.webhookDeliveries).toEqual([200, 200]);
      expect(order.ledgerRows).toBe(1);
      expect(order.delivery).toEqual({ status: "sent", attempts: 1 });
    }
    expect(run!.meta.graph.received().filter((e) => e.eventName === "Purchase")).toHaveLength(2);
  });
});
