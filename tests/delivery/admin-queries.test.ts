// The admin's ledger reads on both databases: filters, pagination and shop scoping happen in SQL, and on
// SQLite the deliveries table's query is answered from the (shop, status, createdAt) index.
import { beforeEach, describe, expect, it } from "vitest";
import { countDeliveriesByStatus, findDeliveriesForOrder, listDeliveryPage, recentSentPayloads } from "~/models/delivery-reads.server";
import { createDelivery } from "../factories/delivery";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "bright-socks.myshopify.com";
const OTHER = "other-shop.myshopify.com";
const base = new Date("2026-11-20T12:00:00.000Z");
const at = (hours: number) => new Date(base.getTime() + hours * 60 * 60 * 1000);

describe.each(["sqlite", "postgresql"] as const)("admin ledger queries on %s", (kind) => {
  const database = useTestDatabase(kind);
  const db = database.db;

  beforeEach(async () => {
    await db.delivery.deleteMany({});
    // 12 rows an hour apart: sent, failed, pending (new), pending (retrying), sending (first try), skipped, twice.
    const kinds = [
      { status: "sent" },
      { status: "failed" },
      { status: "pending", attempts: 0 },
      { status: "pending", attempts: 3 },
      { status: "sending", attempts: 1 },
      { status: "skipped" },
    ] as const;
    for (let i = 0; i < 12; i++) await createDelivery(db, { shop: SHOP, ...kinds[i % kinds.length], createdAt: at(i) });
    await createDelivery(db, { shop: OTHER, status: "failed", createdAt: at(100) });
  });

  const page = (opts: Partial<Parameters<typeof listDeliveryPage>[1]>) =>
    listDeliveryPage(db, { shop: SHOP, status: null, createdAt: {}, skip: 0, take: 25, ...opts });

  it("pages newest first with a total, never reaching into another shop", async () => {
    const first = await page({ take: 5 });
    expect(first.total).toBe(12);
    expect(first.rows.map((r) => r.createdAt.getTime())).toEqual([11, 10, 9, 8, 7].map((h) => at(h).getTime()));
    const third = await page({ take: 5, skip: 10 });
    expect(third.rows.map((r) => r.createdAt.getTime())).toEqual([at(1).getTime(), at(0).getTime()]);
    expect((await page({ skip: 50 })).rows).toEqual([]);
  });

  it.each([
    ["sent", 2],
    ["failed", 2],
    ["skipped", 2],
    ["pending", 4],
    ["retrying", 2],
  ] as const)("filters %s", async (status, count) => {
    const result = await page({ status });
    expect(result.total).toBe(count);
    expect(result.rows).toHaveLength(count);
  });

  it("filters by a half-open time range", async () => {
    const result = await page({ createdAt: { gte: at(3), lt: at(6) } });
    expect(result.rows.map((r) => r.createdAt.getTime())).toEqual([at(5), at(4), at(3)].map((d) => d.getTime()));
  });

  it("counts per status in a window and samples sent payloads, per shop", async () => {
    const counts = await countDeliveriesByStatus(db, { shop: SHOP, eventName: "Purchase", since: at(0), until: at(6) });
    expect(Object.fromEntries(counts.map((c) => [c.status, c.count]))).toEqual({ sent: 1, failed: 1, pending: 2, sending: 1, skipped: 1 });
    expect(await countDeliveriesByStatus(db, { shop: OTHER, eventName: "Purchase", since: at(0) })).toEqual([
      { status: "failed", count: 1 },
    ]);
    expect(await recentSentPayloads(db, { shop: SHOP, eventName: "Purchase", since: at(0), limit: 1 })).toHaveLength(1);
  });

  it("finds an order's rows only within the shop", async () => {
    const { orderId } = await createDelivery(db, { shop: OTHER, status: "sent" });
    expect(await findDeliveriesForOrder(db, { shop: SHOP, orderId })).toEqual([]);
    expect(await findDeliveriesForOrder(db, { shop: OTHER, orderId })).toHaveLength(1);
  });

  if (kind === "sqlite") {
    it("answers the table's filtered, newest-first query from the (shop, status, createdAt) index", async () => {
      const plan = (await db.$queryRawUnsafe(
        `EXPLAIN QUERY PLAN SELECT "id" FROM "Delivery" WHERE "shop" = ? AND "status" = ? ORDER BY "createdAt" DESC LIMIT 25`,
        SHOP,
        "failed",
      )) as Array<{ detail: string }>;
      const details = plan.map((p) => p.detail).join("\n");
      expect(details).toContain("Delivery_shop_status_createdAt_idx");
      expect(details).not.toContain("TEMP B-TREE");
    });
  }
});
