// The SQL dialect is read from the client itself. In `npm start` the Remix build and the server entry each
// hold a copy of app/db.server.ts; a client opened by one copy must be recognised by the other, and a
// client nobody recognises must be refused rather than guessed (a wrong guess fails every outcome write).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";

describe.each(["sqlite", "postgresql"] as const)("providerOf on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.cleanup();
  });

  it("recognises a client opened by another copy of the module, and writes through it", async () => {
    const opener = await import("~/db.server");
    vi.resetModules();
    const other = await import("~/db.server");
    expect(other).not.toBe(opener);

    const db = opener.openDb(database.url);
    try {
      expect(other.providerOf(db)).toBe(kind);
      // The statement that used to be built in the wrong dialect: a payload rewrite after a claim.
      const { markSent } = await import("~/models/delivery-queue.server");
      const row = await db.delivery.create({
        data: {
          shop: "bright-socks.myshopify.com",
          pixelId: "123456789012345",
          eventName: "Purchase",
          eventId: "shopify_order_1",
          status: "sending",
          leaseOwner: "w:1",
          eventTime: new Date(),
          payload: '{"user_data":{"client_ip_address":"203.0.113.9"}}',
        },
      });
      const sent = await markSent(db, [row.id], "w:1", { eventsReceived: 1, fbtraceId: "t", sentAt: new Date() }, [
        { id: row.id, payload: '{"user_data":{"client_ip_address":"[removed]"}}' },
      ]);
      expect(sent).toBe(1);
      expect(await db.delivery.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
        status: "sent",
        payload: '{"user_data":{"client_ip_address":"[removed]"}}',
      });
    } finally {
      await db.$disconnect();
    }
  });
});

it("refuses a client whose database it cannot tell, instead of defaulting to SQLite", async () => {
  const { providerOf } = await import("~/db.server");
  expect(() => providerOf({} as never)).toThrow(/provider is unknown/);
  expect(() => providerOf({ _activeProvider: "mysql" } as never)).toThrow(/provider is unknown/);
});
