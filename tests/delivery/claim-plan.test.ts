// The worker's claim on PostgreSQL reads its batch and stops. Thousands of due rows often share one time
// (a backlog written together, a failed batch retried after one delay, held rows released when a shop
// reconnects). With the queue index on (status, nextAttemptAt) alone, the claim's ORDER BY nextAttemptAt,
// id made PostgreSQL read and sort every due row on each claim (45 ms for 25,000 rows on this machine,
// against 5 ms); with id in the index the plan walks it in order under the LIMIT.
import { describe, expect, it } from "vitest";
import { postgresClaimSql, type Due, type LeaseTable } from "~/models/lease-claim.server";
import { purchasePayload } from "../factories/delivery";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "backlog-shop.myshopify.com";
const DUE_ROWS = 5_000;
const BATCH = 1000;
const at = new Date("2026-11-20T12:00:00.000Z");

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

function expectOrderedIndexWalk(plan: PlanNode[], table: string) {
  // The claim's choice of rows is the subtree under its LIMIT; how the outer UPDATE then finds those
  // rows again is the planner's call by table size.
  const limit = plan.find((n) => n["Node Type"] === "Limit");
  expect(limit).toBeDefined();
  const choice = nodes(limit!);
  const scans = choice.filter((n) => n["Relation Name"] === table);
  expect(scans.map((n) => [n["Node Type"], n["Index Name"]])).toEqual([["Index Scan", `${table}_status_nextAttemptAt_id_idx`]]);
  // No Sort: the order comes from the index (a sort here is the sort of every due row).
  expect(choice.map((n) => n["Node Type"])).not.toContain("Sort");
}

function dueRows(count: number, status = "pending") {
  return Array.from({ length: count }, (_, i) => ({
    shop: SHOP,
    pixelId: "123456789012345",
    eventName: "Purchase",
    eventId: `shopify_order_${i}`,
    status,
    eventTime: at,
    nextAttemptAt: at,
    payload: purchasePayload(String(i)),
  }));
}

describe("the claim's plan on postgresql", () => {
  const database = useTestDatabase("postgresql", { clear: ["delivery", "storefrontEvent", "shopSettings"] });
  const db = database.db;

  const explain = async (table: LeaseTable, due: Due): Promise<PlanNode[]> => {
    const [row] = (await db.$queryRawUnsafe(`EXPLAIN (FORMAT JSON) ${postgresClaimSql(table, due)}`, "token", at, at, BATCH)) as {
      "QUERY PLAN": { Plan: PlanNode }[];
    }[];
    return nodes(row["QUERY PLAN"][0].Plan);
  };

  it.each(["pending", "expired"] as const)("walks the ledger's queue index in order for %s rows, sharing one time", async (due) => {
    await db.shopSettings.create({ data: { shop: SHOP, connectionState: "connected" } });
    const rows = dueRows(DUE_ROWS, due === "pending" ? "pending" : "sending").map((row) => ({
      ...row,
      ...(due === "expired" ? { leaseOwner: "gone", leaseExpiresAt: new Date(at.getTime() - 1000) } : {}),
    }));
    for (let i = 0; i < rows.length; i += 2000) await db.delivery.createMany({ data: rows.slice(i, i + 2000) });
    // As autovacuum would have: a live ledger has statistics.
    await db.$executeRawUnsafe('ANALYZE "Delivery", "ShopSettings"');
    expectOrderedIndexWalk(await explain({ table: `"Delivery"`, extraColumns: ["orderId"], touchesUpdatedAt: true }, due), "Delivery");
  });

  it("walks the storefront queue's index in order too", async () => {
    await db.shopSettings.create({ data: { shop: SHOP, connectionState: "connected" } });
    const rows = Array.from({ length: DUE_ROWS }, (_, i) => ({
      shop: SHOP,
      pixelId: "123456789012345",
      eventName: "PageView",
      eventId: `sf_${i}`,
      eventTime: at,
      nextAttemptAt: at,
      // A storefront event's size, so the table is as large for the planner as a real one.
      payload: JSON.stringify({ event_name: "PageView", event_id: `sf_${i}`, user_data: { client_user_agent: "Mozilla/5.0 ".repeat(40) } }),
    }));
    for (let i = 0; i < rows.length; i += 2000) await db.storefrontEvent.createMany({ data: rows.slice(i, i + 2000) });
    await db.$executeRawUnsafe('ANALYZE "StorefrontEvent", "ShopSettings"');
    expectOrderedIndexWalk(
      await explain({ table: `"StorefrontEvent"`, extraColumns: [], touchesUpdatedAt: false }, "pending"),
      "StorefrontEvent",
    );
  });
});

// A new install: autovacuum analyses a table only once 50 of its rows have changed, so a ShopSettings
// table of a few shops may never have statistics. As a semi-join, the shop check then made the planner
// expect 200 of 30,000 due rows to pass, and scan and sort all of them on each claim.
describe("the claim's plan on postgresql, before ShopSettings has statistics", () => {
  const database = useTestDatabase("postgresql", { clear: ["delivery", "shopSettings"] });
  const db = database.db;

  it("still walks the ledger's queue index in order", async () => {
    await db.shopSettings.create({ data: { shop: SHOP, connectionState: "connected" } });
    const rows = dueRows(DUE_ROWS);
    for (let i = 0; i < rows.length; i += 2000) await db.delivery.createMany({ data: rows.slice(i, i + 2000) });
    await db.$executeRawUnsafe('ANALYZE "Delivery"');
    const stats = (await db.$queryRawUnsafe(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'ShopSettings'`)) as { n: number }[];
    expect(stats[0].n).toBe(0);
    const [row] = (await db.$queryRawUnsafe(
      `EXPLAIN (FORMAT JSON) ${postgresClaimSql({ table: `"Delivery"`, extraColumns: ["orderId"], touchesUpdatedAt: true }, "pending")}`,
      "token",
      at,
      at,
      BATCH,
    )) as { "QUERY PLAN": { Plan: PlanNode }[] }[];
    expectOrderedIndexWalk(nodes(row["QUERY PLAN"][0].Plan), "Delivery");
  });
});
