// Group commit (app/models/group-commit.server.ts): concurrent recordDelivery calls share multi-row
// INSERT ... ON CONFLICT DO NOTHING statements. At ten times the rows one statement takes (so the bound of
// 999 values per SQLite statement would be crossed if the batches were not capped), with the same event
// asked for several times in one batch, each caller gets its own row and exactly one caller per event is
// told it created it; and one bad row in a batch fails alone, its neighbours are stored.
import { describe, expect, it, vi } from "vitest";
import { INSERT_BATCH_ROWS, recordDelivery, type NewDelivery } from "~/models/delivery-queue.server";
import { findInstalledShopSettings, findShopSettings, findShopSettingsForIngest } from "~/models/shop-settings.server";
import { recordStorefrontEvent } from "~/models/storefront-event.server";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "group-commit.myshopify.com";

function row(eventId: string, extra: Partial<NewDelivery> = {}): NewDelivery {
  const now = new Date();
  return {
    shop: SHOP,
    pixelId: "123456789012345",
    eventName: "Purchase",
    eventId,
    orderId: eventId,
    orderName: `#${eventId}`,
    value: "12.50",
    currency: "EUR",
    status: "pending",
    reasonCode: null,
    eventTime: now,
    nextAttemptAt: now,
    payload: JSON.stringify({ event_id: eventId }),
    webhookId: `wh-${eventId}`,
    customerKey: null,
    ...extra,
  };
}

describe.each(["sqlite", "postgresql"] as const)("group commit on %s", (kind) => {
  const database = useTestDatabase(kind, { clear: ["delivery"] });
  const db = database.db;

  it("10x a statement's rows at once, each event asked for three times: one row each, one creator each", async () => {
    const events = Array.from({ length: INSERT_BATCH_ROWS * 10 }, (_, i) => `shopify_order_${9_000_000_000_000_000_00n + BigInt(i)}`);
    // A row already there before the burst: every caller of it is told it exists, with its ID.
    const before = await recordDelivery(db, row(events[0]));
    expect(before.created).toBe(true);

    const asks = events.flatMap((id) => [id, id, id]).sort(() => Math.random() - 0.5);
    const results = await Promise.all(asks.map((eventId) => recordDelivery(db, row(eventId)).then((r) => ({ eventId, ...r }))));

    const rows = await db.delivery.findMany({
      where: { shop: SHOP },
      select: { id: true, eventId: true, createdAt: true, updatedAt: true, attempts: true },
    });
    expect(rows).toHaveLength(events.length);
    const idOf = new Map(rows.map((r) => [r.eventId, r.id]));
    for (const result of results) expect(result.id).toBe(idOf.get(result.eventId));
    for (const eventId of events) {
      const creators = results.filter((r) => r.eventId === eventId && r.created);
      expect(creators).toHaveLength(eventId === events[0] ? 0 : 1);
    }
    // Stored as Prisma stores them: dates readable, defaults applied.
    for (const r of rows) {
      expect(r.createdAt).toBeInstanceOf(Date);
      expect(Number.isNaN(r.createdAt.getTime())).toBe(false);
      expect(r.updatedAt.getTime()).toBe(r.createdAt.getTime());
      expect(r.attempts).toBe(0);
    }
  });

  it("a bad row fails on its own; the rest of its batch is stored", async () => {
    const good = Array.from({ length: 30 }, (_, i) => `good_${i}`);
    // NOT NULL refused by the database: the whole multi-row statement fails, then each row is tried alone.
    const bad = recordDelivery(db, row("bad", { status: null as never }));
    const goods = good.map((id) => recordDelivery(db, row(id)));
    await expect(bad).rejects.toThrow();
    const results = await Promise.all(goods);
    expect(results.every((r) => r.created)).toBe(true);
    expect(await db.delivery.count({ where: { shop: SHOP } })).toBe(good.length);
  });

  it("settings reads asked for at once share a query, and each caller gets its own shop's", async () => {
    const shops = Array.from({ length: 450 }, (_, i) => `shop-${i}.myshopify.com`);
    await db.shopSettings.deleteMany({});
    await db.shopSettings.createMany({ data: shops.filter((_, i) => i % 2 === 0).map((shop) => ({ shop, pixelId: shop.slice(5, 8) })) });
    const found = await Promise.all(shops.map((shop) => findShopSettingsForIngest(db, shop)));
    shops.forEach((shop, i) => {
      if (i % 2 === 0) expect(found[i]).toMatchObject({ shop, pixelId: shop.slice(5, 8) });
      else expect(found[i]).toBeNull();
    });
  });

  // The hot statements go to the driver under Prisma (db.server.ts's rawQuery): what they write and read
  // must be what Prisma writes and reads, types included.
  it("the driver path reads settings as Prisma does: booleans, dates and lists", async () => {
    const shop = "driver-read.myshopify.com";
    await db.shopSettings.deleteMany({});
    await db.shopSettings.create({
      data: {
        shop,
        pixelId: "123456789012345",
        limitedDataUse: true,
        sendPosOrders: true,
        storefrontSyncedAt: new Date("2026-01-02T03:04:05.678Z"),
        customEvents: JSON.stringify([{ name: "Quiz", enabled: true }]),
        enabledEvents: "Purchase,PageView",
        connectionState: "connected",
        primaryDomain: "https://shop.example",
        // Not the defaults, so a column the driver path forgets to read shows as a difference.
        catalogIdForm: "shopify_catalog",
        catalogCountry: "GB",
      },
    });
    await db.shopSettings.create({ data: { shop: "defaults.myshopify.com" } });
    for (const name of [shop, "defaults.myshopify.com"]) {
      const viaDriver = await findShopSettingsForIngest(db, name);
      expect(viaDriver).toEqual(await findShopSettings(db, name));
    }
    expect(await findShopSettingsForIngest(db, shop)).toMatchObject({
      limitedDataUse: true,
      sendPosOrders: true,
      catalogIds: { form: "shopify_catalog", country: "GB" },
    });
    expect(await findShopSettingsForIngest(db, "defaults.myshopify.com")).toMatchObject({ limitedDataUse: false, sendPosOrders: false });
  });

  it("rows inserted through the driver read back through Prisma with the same instants", async () => {
    const eventTime = new Date("2026-03-04T05:06:07.890Z");
    await recordDelivery(db, row("instant", { eventTime, nextAttemptAt: eventTime }));
    const delivery = await db.delivery.findFirstOrThrow({ where: { shop: SHOP, eventId: "instant" } });
    expect(delivery.eventTime.toISOString()).toBe(eventTime.toISOString());
    expect(delivery.nextAttemptAt.toISOString()).toBe(eventTime.toISOString());

    await db.storefrontEvent.deleteMany({});
    await recordStorefrontEvent(db, {
      shop: SHOP,
      pixelId: "123456789012345",
      eventName: "PageView",
      eventId: "sf-instant",
      eventTime,
      payload: "{}",
      customerKey: null,
    });
    const event = await db.storefrontEvent.findFirstOrThrow({ where: { shop: SHOP, eventId: "sf-instant" } });
    expect(event.eventTime.toISOString()).toBe(eventTime.toISOString());
    expect(event.status).toBe("pending");
  });

  it("the proxy's read: settings only for a shop with an offline session, never for an online session alone", async () => {
    await db.session.deleteMany({});
    await db.shopSettings.deleteMany({});
    const shops = ["online", "offline", "none", "session-only"].map((name) => `${name}.myshopify.com`);
    await db.shopSettings.createMany({ data: shops.slice(0, 3).map((shop) => ({ shop, pixelId: "123456789012345" })) });
    await db.session.create({ data: { id: "online-1", shop: shops[0], state: "", isOnline: true, accessToken: "x" } });
    for (const shop of [shops[1], shops[3]]) {
      await db.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: "x" } });
    }
    const found = await Promise.all(shops.map((shop) => findInstalledShopSettings(db, shop)));
    expect(found.map((settings) => settings?.shop ?? null)).toEqual([null, shops[1], null, null]);
    // The same record the webhooks' read gives, through the same conversion.
    expect(found[1]).toEqual(await findShopSettingsForIngest(db, shops[1]));
  });

  it("the proxy's reads asked for at once share a query at 10x its bound, each caller its own shop's", async () => {
    const shops = Array.from({ length: 2_000 }, (_, i) => `proxy-${i}.myshopify.com`);
    await db.session.deleteMany({});
    await db.shopSettings.deleteMany({});
    await db.shopSettings.createMany({ data: shops.map((shop) => ({ shop, pixelId: "123456789012345" })) });
    const installed = shops.filter((_, i) => i % 3 === 0);
    await db.session.createMany({
      data: installed.map((shop) => ({ id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: "x" })),
    });
    const found = await Promise.all(shops.map((shop) => findInstalledShopSettings(db, shop)));
    expect(found.map((settings) => settings?.shop ?? null)).toEqual(shops.map((shop, i) => (i % 3 === 0 ? shop : null)));
  });

  it("connected, the hot statements skip the Prisma client; after a disconnect they go through it, which reconnects", async () => {
    // On the client itself: `db` stands for it (use-test-database.ts) and reads the spied method through.
    const viaPrisma = vi.spyOn(database.client, "$queryRawUnsafe");
    try {
      await db.delivery.count(); // connected
      expect((await recordDelivery(db, row("connected"))).created).toBe(true);
      expect(viaPrisma).not.toHaveBeenCalled();

      await db.$disconnect();
      expect((await recordDelivery(db, row("after-disconnect"))).created).toBe(true);
      expect(viaPrisma).toHaveBeenCalled();
      expect(await db.delivery.count({ where: { shop: SHOP, eventId: { in: ["connected", "after-disconnect"] } } })).toBe(2);

      // Prisma's reconnect gave the driver path a connection again.
      viaPrisma.mockClear();
      expect((await recordDelivery(db, row("reconnected"))).created).toBe(true);
      expect(viaPrisma).not.toHaveBeenCalled();
    } finally {
      viaPrisma.mockRestore();
    }
  });

  it("dates read through the driver are the instants Prisma reads, whatever the process's time zone", async () => {
    const shop = "time-zone.myshopify.com";
    const at = new Date("2026-06-01T12:00:00.000Z");
    await db.shopSettings.deleteMany({ where: { shop } });
    await db.shopSettings.create({ data: { shop, storefrontSyncedAt: at } });
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(new Date(2026, 5, 1, 12).getTime()).not.toBe(at.getTime()); // the zone took effect
      expect((await findShopSettingsForIngest(db, shop))?.storefrontSyncedAt?.toISOString()).toBe(at.toISOString());
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
