// Ingest first for a worker that does not answer requests (ingest-gate.server.ts): it counts the rows the web
// processes wrote to both queues, on real databases, and holds delivery off while they arrive fast.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { countQueuedBetween } from "~/models/delivery-counts.server";
import { ledgerIngestGate } from "~/services/delivery/ingest-gate.server";
import { INGEST_WINDOW_MS } from "~/services/delivery/ingest-first";
import { useTestDatabase } from "../helpers/use-test-database";

const silent = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let serial = 0;

function deliveryRows(count: number, createdAt: Date) {
  return Array.from({ length: count }, () => ({
    shop: "bright-socks.myshopify.com",
    pixelId: "123456789012345",
    eventName: "Purchase",
    eventId: `gate-${++serial}`,
    status: "pending",
    eventTime: createdAt,
    payload: "{}",
    createdAt,
  }));
}

function storefrontRows(count: number, createdAt: Date) {
  return Array.from({ length: count }, () => ({
    shop: "bright-socks.myshopify.com",
    pixelId: "123456789012345",
    eventName: "PageView",
    eventId: `gate-sf-${++serial}`,
    eventTime: createdAt,
    payload: "{}",
    createdAt,
  }));
}

describe.each(["sqlite", "postgresql"] as const)("the ledger's ingest gate on %s", (kind) => {
  const database = useTestDatabase(kind, { clear: ["delivery", "storefrontEvent"] });
  const db = database.db;

  it("counts the rows of both queues written inside the interval, and none outside it", async () => {
    const from = new Date(Date.now() - 10_000);
    const to = new Date(from.getTime() + 5_000);
    await db.delivery.createMany({ data: deliveryRows(1, from) }); // at `from`: before the interval
    await db.delivery.createMany({ data: deliveryRows(2, new Date(from.getTime() + 1)) });
    await db.storefrontEvent.createMany({ data: storefrontRows(3, to) }); // at `to`: inside
    await db.delivery.createMany({ data: deliveryRows(4, new Date(to.getTime() + 1)) }); // after
    expect(await countQueuedBetween(db, from, to)).toBe(5);
  });

  it("holds delivery off while rows arrive fast and lets it go once a window passes quietly", async () => {
    const gate = ledgerIngestGate(db, { maxDeferMs: 60_000, logger: silent });
    expect(await gate()).toBe(false);
    await sleep(INGEST_WINDOW_MS + 20);
    // Two thousand rows inside one window: thousands a second, far above the busy rate on any machine.
    await db.delivery.createMany({ data: deliveryRows(1_500, new Date()) });
    await db.storefrontEvent.createMany({ data: storefrontRows(500, new Date()) });
    expect(await gate()).toBe(true);
    // Rows written before the gate last looked are not counted again.
    await sleep(INGEST_WINDOW_MS + 20);
    expect(await gate()).toBe(false);
  });

  it("counts once per window however many loops ask at once", async () => {
    let counts = 0;
    const counting = new Proxy(db, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "delivery") return value;
        return new Proxy(value as object, {
          get(inner, key, innerReceiver) {
            const method = Reflect.get(inner, key, innerReceiver);
            if (key !== "count") return method;
            return (...args: unknown[]) => {
              counts++;
              return (method as (...a: unknown[]) => unknown).apply(inner, args);
            };
          },
        });
      },
    });
    const gate = ledgerIngestGate(counting, { maxDeferMs: 60_000, logger: silent });
    await sleep(INGEST_WINDOW_MS + 20);
    await Promise.all(Array.from({ length: 4 }, () => gate()));
    expect(counts).toBe(1);
  });

  it("never holds off, and never counts, with DELIVERY_DEFER_MS 0", async () => {
    const gate = ledgerIngestGate(db, { maxDeferMs: 0, logger: silent });
    await sleep(INGEST_WINDOW_MS + 20);
    await db.delivery.createMany({ data: deliveryRows(1_000, new Date()) });
    expect(await gate()).toBe(false);
  });
});
