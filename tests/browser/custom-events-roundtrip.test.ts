// Issue 10's proof, end to end with real parts: a custom event switched on in the app reaches Meta from
// both sides. The local storefront renders the embed's real Liquid and script and plays Shopify's app
// proxy (signed, forwarded to the real app's /proxy/events); the app is `npm start` with its in-process
// worker on a fresh SQLite ledger; Meta is the stand-in (dev/fake-meta): its fbevents.js and /tr for the
// browser copy, its Conversions API for the server copy. Chromium fires the event both ways the embed
// offers: window.metaCapi.track and a click on a data-meta-event element.
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDb, type Db } from "~/db.server";
import { saveCustomEvents } from "~/models/shop-settings.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeMeta, type FakeMeta } from "../../dev/fake-meta";
import { API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { appEnv, startApp, waitFor, type AppProcess } from "../helpers/app-process";
import { eventually, launchChromium, offline, type ChromiumHandle } from "../helpers/browser";
import { killHard } from "../helpers/process-tree";
import { startStorefront, type Storefront } from "../helpers/storefront";
import { createTestDatabase, type TestDatabase } from "../helpers/test-db";

const SHOP = "trial-yoga.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "c".repeat(60);
const CUSTOM = "BookedTrialClass";

let database: TestDatabase;
let db: Db;
let meta: FakeMeta;
let server: AppProcess;
let chromium: ChromiumHandle;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  database = await createTestDatabase("sqlite");
  cleanups.push(() => database.cleanup());
  db = openDb(database.url);
  cleanups.push(() => db.$disconnect());
  meta = await startFakeMeta({ latencyMs: [0, 20], tokens: { [PIXEL]: TOKEN } });
  cleanups.push(() => meta.close());

  const connected = await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
  if (!connected.ok) throw new Error(connected.error.join("; "));
  expect(await saveCustomEvents(db, SHOP, [{ name: CUSTOM, enabled: true }])).toEqual({ ok: true });
  // The offline session installing the app stores: the app proxy takes events only for installed shops.
  await db.session.create({
    data: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, scope: "read_orders", accessToken: "shpat_test" },
  });

  server = await startApp("server", appEnv({ DATABASE_URL: database.url, META_GRAPH_API_URL: meta.graphUrl }));
  cleanups.push(() => killHard(server));
  chromium = await launchChromium();
  cleanups.push(() => chromium.close());
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

it("a custom event round-trips from the storefront API to Meta from both sides, counted once each", async () => {
  const store: Storefront = await startStorefront({
    template: "index",
    consent: "granted",
    shop: SHOP,
    // What the app's storefront sync writes (storefront-sync.server.ts) for a shop with the event switched on.
    metafields: { pixel_id: PIXEL, custom_events: [CUSTOM] },
    bodyHtml: `<button id="book" data-meta-event="${CUSTOM}" data-meta-value="35" data-meta-currency="USD">Book a trial class</button>`,
    appProxy: { appUrl: server.url, secret: API_SECRET_KEY },
  });
  cleanups.push(() => store.close());
  const context = await chromium.newContext();
  cleanups.push(() => context.close());
  // The shopper's browser reaches the shop (and through its proxy, the app) and the stand-in Meta only.
  const metaScript = `${meta.pixelUrl}/en_US/fbevents.js`;
  await offline(context, {
    allow: [store.origin, meta.pixelUrl],
    handle: async (route, url) => {
      if (url.hostname !== "connect.facebook.net" || !url.pathname.endsWith("/fbevents.js")) return false;
      await route.fulfill({ status: 200, contentType: "application/javascript", body: await (await fetch(metaScript)).text() });
      return true;
    },
  });
  const page = await context.newPage();
  await page.goto(store.url);
  await store.waitForProxyEvents(["PageView"]);

  const tracked = await page.evaluate(
    (name) =>
      (window as unknown as { metaCapi: { track(a: string, b: object): string } }).metaCapi.track(name, { value: 20, currency: "USD" }),
    CUSTOM,
  );
  expect(tracked).not.toBe("");
  await page.click("#book");
  const proxied = await eventually(() => {
    const mine = store.proxyEvents().filter((e) => e.event_name === CUSTOM);
    return mine.length === 2 ? mine : null;
  }, "both custom events at the app proxy");
  const clicked = proxied.find((e) => e.event_id !== tracked)!.event_id;
  expect(proxied.map((e) => e.event_id)).toEqual([tracked, clicked]);
  // The app accepted them: the proxy answered the app's own 202, never a refusal.
  const ids = [tracked, clicked];

  // Browser side: the stand-in's /tr got each once, under the custom name, with its data and event ID.
  const browser = await eventually(() => {
    const mine = meta.browserEvents().filter((e) => e.eventName === CUSTOM);
    return mine.length >= 2 ? mine : null;
  }, "both custom events at the pixel endpoint");
  // Server side: the worker sent the copies the app proxy recorded to the Conversions API.
  await waitFor(
    () => meta.graph.received().filter((e) => e.eventName === CUSTOM).length >= 2,
    20_000,
    "both server copies at the Graph API",
  );
  await meta.graph.idle();
  // A positive signal that anything still queued has gone: the storefront ledger has nothing left to send.
  await waitFor(
    async () => (await db.storefrontEvent.count({ where: { shop: SHOP, status: { not: "sent" } } })) === 0,
    20_000,
    "the storefront ledger drained",
  );
  await meta.graph.idle();

  expect(browser.map((e) => [e.pixelId, e.eventId]).sort()).toEqual(ids.map((id) => [PIXEL, id]).sort());
  const byId = (id: string) => browser.find((e) => e.eventId === id)!;
  expect(byId(tracked).customData).toEqual({ value: "20", currency: "USD" });
  expect(byId(clicked).customData).toEqual({ value: "35", currency: "USD" });
  expect(meta.browserEvents().filter((e) => e.eventName === CUSTOM)).toHaveLength(2);

  const server_ = meta.graph.received().filter((e) => e.eventName === CUSTOM);
  expect(server_.map((e) => [e.pixelId, e.eventId]).sort()).toEqual(ids.map((id) => [PIXEL, id]).sort());
  for (const e of server_) {
    expect(e.event).toMatchObject({ event_name: CUSTOM, action_source: "website", event_source_url: store.url });
    expect(e.event.custom_data).toEqual(e.eventId === tracked ? { value: 20, currency: "USD" } : { value: 35, currency: "USD" });
  }

  // Meta's deduplication on pixel + event name + event ID: each action counted exactly once.
  const counted = meta.counted().filter((e) => e.eventName === CUSTOM);
  expect(counted.map((e) => e.eventId).sort()).toEqual([...ids].sort());
  expect(store.proxyRequests.every((r) => r.path === "/apps/meta-capi/events")).toBe(true);
}, 90_000);
