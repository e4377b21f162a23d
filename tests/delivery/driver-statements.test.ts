// The worker's heavy statements go to the driver under the Prisma client (rawQuery, app/db.server.ts): the
// claim returns its rows, stillClaimed and markSent take whole batches. At ten times a batch (10,000 rows,
// past SQLite's 999 bound values and a PostgreSQL slice), each row is claimed once, read back exactly as
// stored, checked and marked sent with its own payload; the statements still work after the client
// disconnects and reconnects; and on SQLite a driver statement waits for the client's open transaction
// rather than joining it.
import { beforeAll, describe, expect, it } from "vitest";
import { rawQuery } from "~/db.server";
import { claimDueDeliveries, markSent, stillClaimed } from "~/models/delivery-queue.server";
import { claimDueStorefrontEvents, markStorefrontSent, stillClaimedStorefront } from "~/models/storefront-event.server";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "driver-statements.myshopify.com";
const ROWS = 10_000;

describe.each(["sqlite", "postgresql"] as const)("the queue's driver statements on %s", (kind) => {
  const database = useTestDatabase(kind);
  const db = database.db;

  beforeAll(async () => {
    await db.shopSettings.create({ data: { shop: SHOP, pixelId: "123456789012345", connectionState: "connected" } });
  });

  it("claims, checks and marks sent 10x a batch, each row once, payloads as stored", async () => {
    const eventTime = new Date("2026-11-29T12:34:56.789Z");
    const past = new Date(Date.now() - 60_000);
    // An integer past 2^53 in the payload: what the driver returns must be the stored text, not a re-rounding.
    const payloadOf = (i: number) => `{"event_id":"e${i}","custom_data":{"n":${9_007_199_254_740_993n + BigInt(i)}}}`;
    for (let i = 0; i < ROWS; i += 1000) {
      await db.delivery.createMany({
        data: Array.from({ length: 1000 }, (_, j) => ({
          shop: SHOP,
          pixelId: "123456789012345",
          eventName: "Purchase",
          eventId: `e${i + j}`,
          status: "pending",
          eventTime,
          nextAttemptAt: past,
          payload: payloadOf(i + j),
        })),
      });
    }

    const claim = await claimDueDeliveries(db, { workerId: "w", now: new Date(), limit: ROWS, leaseMs: 60_000 });
    expect(claim.rows).toHaveLength(ROWS);
    expect(new Set(claim.rows.map((r) => r.id)).size).toBe(ROWS);
    const first = claim.rows[0];
    expect(first.eventTime.toISOString()).toBe(eventTime.toISOString());
    expect(first.attempts).toBe(1);
    expect(claim.rows.every((r) => r.payload === payloadOf(Number(r.eventId.slice(1))))).toBe(true);
    expect(claim.rows.map((r) => r.id)).toEqual([...claim.rows.map((r) => r.id)].sort((a, b) => a - b));

    // Nothing left to claim: the same rows are not handed out twice.
    expect((await claimDueDeliveries(db, { workerId: "w2", now: new Date(), limit: 10, leaseMs: 60_000 })).rows).toEqual([]);

    const ids = claim.rows.map((r) => r.id);
    expect((await stillClaimed(db, ids, claim.token)).size).toBe(ROWS);
    expect((await stillClaimed(db, ids, "someone-else")).size).toBe(0);

    // Disconnected meanwhile (as a test or a shutdown does): the next statements reconnect.
    await db.$disconnect();
    const rewrites = claim.rows.filter((_, i) => i % 2 === 0).map((r) => ({ id: r.id, payload: `{"scrubbed":${r.id}}` }));
    const sentAt = new Date();
    expect(await markSent(db, ids, claim.token, { eventsReceived: 1000, fbtraceId: "trace", sentAt }, rewrites)).toBe(ROWS);
    expect(await markSent(db, ids, claim.token, { eventsReceived: 1000, fbtraceId: "trace", sentAt }, rewrites)).toBe(0);

    const rows = await db.delivery.findMany({
      where: { shop: SHOP },
      select: { id: true, status: true, payload: true, leaseOwner: true, sentAt: true },
    });
    const rewritten = new Map(rewrites.map((r) => [r.id, r.payload]));
    expect(rows.filter((r) => r.status === "sent" && r.leaseOwner === null)).toHaveLength(ROWS);
    expect(rows.every((r) => r.sentAt?.getTime() === sentAt.getTime())).toBe(true);
    const claimedPayload = new Map(claim.rows.map((r) => [r.id, r.payload]));
    expect(rows.every((r) => r.payload === (rewritten.get(r.id) ?? claimedPayload.get(r.id)))).toBe(true);
  }, 120_000);

  // The storefront events' queue shares the claim (lease-claim.server.ts) and writes "sent" the same way.
  it("claims, checks and marks sent 10x a batch of storefront events, each once, payloads dropped", async () => {
    const eventTime = new Date("2026-11-29T12:34:56.789Z");
    const past = new Date(Date.now() - 60_000);
    for (let i = 0; i < ROWS; i += 1000) {
      await db.storefrontEvent.createMany({
        data: Array.from({ length: 1000 }, (_, j) => ({
          shop: SHOP,
          pixelId: "123456789012345",
          eventName: "PageView",
          eventId: `p${i + j}`,
          eventTime,
          nextAttemptAt: past,
          payload: `{"event_id":"p${i + j}"}`,
        })),
      });
    }
    const claim = await claimDueStorefrontEvents(db, { workerId: "w", now: new Date(), limit: ROWS, leaseMs: 60_000 });
    expect(claim.rows).toHaveLength(ROWS);
    expect(claim.token).toMatch(/^w:sf:/);
    expect(claim.rows[0].eventTime.toISOString()).toBe(eventTime.toISOString());
    expect(claim.rows.every((r) => r.payload === `{"event_id":"${r.eventId}"}` && r.attempts === 1)).toBe(true);
    expect((await claimDueStorefrontEvents(db, { workerId: "w2", now: new Date(), limit: 10, leaseMs: 60_000 })).rows).toEqual([]);

    const ids = claim.rows.map((r) => r.id);
    expect((await stillClaimedStorefront(db, ids, claim.token)).size).toBe(ROWS);
    expect((await stillClaimedStorefront(db, ids, "someone-else")).size).toBe(0);
    expect(await markStorefrontSent(db, ids, "someone-else")).toBe(0);
    expect(await markStorefrontSent(db, ids, claim.token)).toBe(ROWS);
    expect(await markStorefrontSent(db, ids, claim.token)).toBe(0);

    const rows = await db.storefrontEvent.findMany({ where: { shop: SHOP }, select: { status: true, payload: true, leaseOwner: true } });
    expect(rows).toHaveLength(ROWS);
    expect(rows.every((r) => r.status === "sent" && r.payload === "" && r.leaseOwner === null)).toBe(true);
  }, 120_000);
});

// better-sqlite3 has one connection: a statement run on it while an interactive transaction is open between
// two of its awaits would become part of it (sqlite-adapter.server.ts), so the driver's statements must wait too.
describe("a driver statement on sqlite", () => {
  const database = useTestDatabase("sqlite");
  const db = database.db;

  it("waits for the client's open transaction instead of joining it", async () => {
    const before = await db.shopSettings.count();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = db
      .$transaction(async (tx) => {
        await tx.shopSettings.create({ data: { shop: "rolled-back.myshopify.com", pixelId: "1", connectionState: "connected" } });
        await held;
        throw new Error("roll back");
      })
      .catch(() => "rolled back");
    await new Promise((r) => setTimeout(r, 50));
    // Issued while the transaction is open: it must see the state after the rollback, not the uncommitted row.
    const counted = rawQuery<{ n: number | string }>(db, `SELECT COUNT(*) AS n FROM "ShopSettings"`, []);
    release();
    expect(await transaction).toBe("rolled back");
    expect(Number((await counted)[0].n)).toBe(before);
  });
});
