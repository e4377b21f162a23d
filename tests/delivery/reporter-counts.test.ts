// The home page's both-reporters counts on both databases: grouped in SQL, scoped by shop, bounded by
// time, pairs matched on (event name, event ID), and on SQLite answered from the indexes named in
// app/models/reporter-counts.server.ts.
import { describe, expect, it } from "vitest";
import { providerOf } from "~/db.server";
import { recordBrowserEventSeen } from "~/models/browser-event.server";
import { countBrowserEventsSeen, countLedgerReporters, countStorefrontReporters } from "~/models/reporter-counts.server";
import { recordStorefrontEvent } from "~/models/storefront-event.server";
import { createDelivery } from "../factories/delivery";
import { createStorefrontEvent } from "../factories/storefront-event";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "bright-socks.myshopify.com";
const OTHER = "other-shop.myshopify.com";
const now = new Date();
const daysAgo = (n: number) => new Date(now.getTime() - n * 24 * 60 * 60 * 1000);

describe.each(["sqlite", "postgresql"] as const)("reporter counts on %s", (kind) => {
  const database = useTestDatabase(kind, { clear: ["storefrontEvent", "delivery", "browserEvent"] });
  const db = database.db;

  it("counts storefront rows received and sent per event name, in the window, for the shop only", async () => {
    for (const status of ["sent", "sent", "pending", "failed", "skipped"] as const)
      await createStorefrontEvent(db, { shop: SHOP, eventName: "PageView", status, createdAt: daysAgo(1) });
    await createStorefrontEvent(db, { shop: SHOP, eventName: "BookedTrialClass", status: "sent", createdAt: daysAgo(2) });
    await createStorefrontEvent(db, { shop: SHOP, eventName: "PageView", status: "sent", createdAt: daysAgo(9) });
    await createStorefrontEvent(db, { shop: OTHER, eventName: "PageView", status: "sent", createdAt: daysAgo(1) });
    // As the proxy writes it (raw, group-committed insert), not through Prisma: the same dates compare.
    await recordStorefrontEvent(db, {
      shop: SHOP,
      pixelId: "1",
      eventName: "AddToCart",
      eventId: "sf_raw",
      eventTime: now,
      payload: "{}",
      customerKey: null,
    });

    const week = await countStorefrontReporters(db, { shop: SHOP, since: daysAgo(7) });
    expect(week).toEqual([
      { eventName: "AddToCart", received: 1, sent: 0 },
      { eventName: "BookedTrialClass", received: 1, sent: 1 },
      { eventName: "PageView", received: 5, sent: 2 },
    ]);
    const month = await countStorefrontReporters(db, { shop: SHOP, since: daysAgo(30) });
    expect(month.find((r) => r.eventName === "PageView")).toEqual({ eventName: "PageView", received: 6, sent: 3 });
  });

  it("pairs sent purchases with the browser's reports on the same event ID, counting each event once", async () => {
    const paired = await createDelivery(db, { shop: SHOP, status: "sent", createdAt: daysAgo(1) });
    // The same event sent to a second pixel is still one event.
    await createDelivery(db, { shop: SHOP, status: "sent", createdAt: daysAgo(1), orderId: paired.orderId, pixelId: "999999999999999" });
    await createDelivery(db, { shop: SHOP, status: "sent", createdAt: daysAgo(2) });
    const failed = await createDelivery(db, { shop: SHOP, status: "failed", createdAt: daysAgo(1) });
    const old = await createDelivery(db, { shop: SHOP, status: "sent", createdAt: daysAgo(20) });
    await recordBrowserEventSeen(db, { shop: SHOP, eventName: "Purchase", eventId: paired.eventId, source: "web-pixel" });
    await recordBrowserEventSeen(db, { shop: SHOP, eventName: "Purchase", eventId: failed.eventId, source: "web-pixel" });
    await recordBrowserEventSeen(db, { shop: SHOP, eventName: "Purchase", eventId: old.eventId, source: "web-pixel" });
    await recordBrowserEventSeen(db, { shop: SHOP, eventName: "InitiateCheckout", eventId: "shopify_checkout_x", source: "web-pixel" });
    // Another shop's report of the same ID is not this shop's pair.
    const unpaired = await createDelivery(db, { shop: SHOP, status: "sent", createdAt: daysAgo(3) });
    await recordBrowserEventSeen(db, { shop: OTHER, eventName: "Purchase", eventId: unpaired.eventId, source: "web-pixel" });

    expect(await countLedgerReporters(db, { shop: SHOP, since: daysAgo(7) })).toEqual([{ eventName: "Purchase", sent: 3, both: 1 }]);
    expect(await countLedgerReporters(db, { shop: SHOP, since: daysAgo(30) })).toEqual([{ eventName: "Purchase", sent: 4, both: 2 }]);
    expect(await countBrowserEventsSeen(db, { shop: SHOP, since: daysAgo(7), eventNames: ["Purchase"] })).toEqual([
      { eventName: "Purchase", seen: 3 },
    ]);
    expect(await countBrowserEventsSeen(db, { shop: SHOP, since: daysAgo(7), eventNames: [] })).toEqual([]);
    expect(await countLedgerReporters(db, { shop: OTHER, since: daysAgo(7) })).toEqual([]);
  });

  it("reads StorefrontEvent from its covering (shop, createdAt, eventName, status) index on SQLite", async () => {
    if (providerOf(db) !== "sqlite") return;
    const plan = await db.$queryRawUnsafe<Array<{ detail: string }>>(
      `EXPLAIN QUERY PLAN SELECT "eventName", COUNT(*), SUM(CASE WHEN "status" = 'sent' THEN 1 ELSE 0 END) FROM "StorefrontEvent"
        WHERE "shop" = ? AND "createdAt" >= ? GROUP BY "eventName"`,
      SHOP,
      daysAgo(7),
    );
    expect(plan.map((p) => p.detail).join("\n")).toMatch(/COVERING INDEX StorefrontEvent_shop_createdAt_eventName_status_idx/);
    const ledgerPlan = await db.$queryRawUnsafe<Array<{ detail: string }>>(
      `EXPLAIN QUERY PLAN SELECT COUNT(DISTINCT d."eventId") FROM "Delivery" d WHERE d."shop" = ? AND d."status" = 'sent' AND d."createdAt" >= ?
         AND EXISTS (SELECT 1 FROM "BrowserEvent" b WHERE b."shop" = d."shop" AND b."eventName" = d."eventName" AND b."eventId" = d."eventId")`,
      SHOP,
      daysAgo(7),
    );
    const detail = ledgerPlan.map((p) => p.detail).join("\n");
    expect(detail).toMatch(/Delivery_shop_status_createdAt_idx/);
    expect(detail).toMatch(/BrowserEvent_shop_eventName_eventId_key/);
  });
});
