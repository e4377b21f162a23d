// `npm run demo`'s scenario, small, so the demo cannot rot: the real server and worker, the stand-in Meta,
// the embed's storefront in headless Chromium and the real web pixel, with two shoppers, one of whom has
// the Meta pixel blocked. The assertions are the facts the demo's table shows, plus what
// `--keep-running` serves: the real admin pages on the demo's data and a storefront that looks like a shop.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purchaseEventId } from "~/lib/event-id";
import { MERCHANT_USER_AGENT } from "../../dev/fake-shopify/app-bridge";
import { countAfterDedup, type BrowserPixelEvent, type CountedEvent } from "../../dev/fake-meta";
import type { ReceivedEvent } from "../../dev/fake-meta/graph-api";
import {
  blockedShoppers,
  DEMO_PIXEL,
  DEMO_SHOP,
  DEMO_SHOP_NAME,
  eventTable,
  runDemo,
  type DemoOrder,
  type DemoRun,
} from "../../scripts/lib/demo/scenario";

const sqliteFile = join(tmpdir(), `capi-demo-test-${process.pid}-${randomBytes(6).toString("hex")}.sqlite`);
let run: DemoRun | undefined;
let seen: DemoOrder;
let blocked: DemoOrder;

beforeAll(async () => {
  // Meta answers quickly here: the test is about what is counted, not about Meta's latency.
  run = await runDemo({ shoppers: 2, blocked: 1, sqliteFile, metaLatencyMs: [5, 20], browsable: true, admin: true });
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

describe("the demo's event table", () => {
  it("has a row per enabled event: every browser copy shares the server copy's ID, and Meta counts each action once", () => {
    const rows = Object.fromEntries(run!.events.map((e) => [e.eventName, e]));
    expect(Object.keys(rows)).toEqual(["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Purchase"]);
    // Two shoppers: three page views each (home, product, cart), one of everything else. The blocked
    // shopper's browser reaches Meta with nothing; the server reports both shoppers' events.
    const perShopper = { PageView: 3, ViewContent: 1, AddToCart: 1, InitiateCheckout: 1, Purchase: 1 };
    for (const [name, n] of Object.entries(perShopper)) {
      expect(rows[name]).toEqual({
        eventName: name,
        actions: 2 * n,
        browser: n,
        server: 2 * n,
        shared: n,
        unmatched: 0,
        counted: 2 * n,
        ok: true,
      });
    }
  });

  it("the storefront events reached the app through the signed proxy, with the browser's event IDs", () => {
    const server = new Set(run!.meta.graph.received().map((e) => `${e.eventName} ${e.eventId}`));
    const actions = run!.orders.flatMap((o) => o.actions);
    expect(actions.length).toBe(14);
    for (const a of actions) expect(server).toContain(`${a.eventName} ${a.eventId}`);
    for (const e of run!.meta.graph.received().filter((r) => r.eventName !== "Purchase")) {
      expect(e.event.action_source).toBe("website");
      // X-Forwarded-For from the storefront playing Shopify's proxy: the shopper's address, not loopback.
      expect((e.event.user_data as { client_ip_address?: string }).client_ip_address).toBe("203.0.113.10");
    }
  });

  it("fails a row whose two copies carry different IDs (Meta counts the action twice) or that Meta never got", () => {
    const at = new Date();
    const browser = [{ pixelId: DEMO_PIXEL, eventName: "PageView", eventId: "sf_a", receivedAt: at }] as BrowserPixelEvent[];
    const server = [{ pixelId: DEMO_PIXEL, eventName: "PageView", eventId: "sf_b", receivedAt: at }] as ReceivedEvent[];
    const meta = {
      browserEvents: () => browser,
      graph: { received: () => server },
      counted: () =>
        countAfterDedup([
          ...browser.map((e): CountedEvent => ({
            source: "browser",
            pixelId: e.pixelId!,
            eventName: e.eventName!,
            eventId: e.eventId,
            receivedAt: e.receivedAt,
          })),
          ...server.map((e): CountedEvent => ({
            source: "server",
            pixelId: e.pixelId,
            eventName: e.eventName,
            eventId: e.eventId,
            receivedAt: e.receivedAt,
          })),
        ]),
    };
    const rows = eventTable(meta, [
      { eventName: "PageView", eventId: "sf_a" },
      { eventName: "ViewContent", eventId: "sf_c" },
    ]);
    expect(rows.find((r) => r.eventName === "PageView")).toMatchObject({
      actions: 1,
      browser: 1,
      server: 1,
      shared: 0,
      unmatched: 1,
      counted: 2,
      ok: false,
    });
    expect(rows.find((r) => r.eventName === "ViewContent")).toMatchObject({ actions: 1, counted: 0, ok: false });
    expect(rows.find((r) => r.eventName === "AddToCart")).toMatchObject({ actions: 0, counted: 0, ok: true });
  });
});

/** What a merchant's browser gets for a launcher link: the redirect to a freshly signed URL, followed. */
async function openAdmin(page: string): Promise<{ status: number; url: string; html: string }> {
  const response = await fetch(new URL(`/__demo/open?page=${page}`, run!.adminUrl!), { headers: { "User-Agent": MERCHANT_USER_AGENT } });
  return { status: response.status, url: response.url, html: await response.text() };
}

describe("the demo's admin (--keep-running)", () => {
  it("serves a launcher on the loopback interface", async () => {
    expect(new URL(run!.adminUrl!).hostname).toBe("127.0.0.1");
    const html = await (await fetch(run!.adminUrl!)).text();
    for (const page of ["home", "settings", "deliveries", "order"]) expect(html).toContain(`/__demo/open?page=${page}`);
  });

  it("opens the real embedded pages on the demo's data, signed in with a session token", async () => {
    const home = await openAdmin("home");
    expect(home.status).toBe(200);
    expect(new URL(home.url).searchParams.get("id_token")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(home.html).toContain("Set up tracking");
    expect(home.html).toContain("Meta pixel connected");
    // Meta's verdict, read from the stand-in's Dataset Quality API for the demo's purchases.
    expect(home.html).toMatch(/data-status="ok"/);
    expect(home.html).toMatch(/Purchase<\/h3>.*Match quality \d+(\.\d)?\/10/s);

    const settings = await openAdmin("settings");
    expect(settings.status).toBe(200);
    expect(settings.html).toContain(DEMO_PIXEL);

    // Every order the demo's shoppers placed is on the deliveries page, by its event ID.
    const deliveries = await openAdmin("deliveries");
    expect(deliveries.status).toBe(200);
    for (const order of run!.orders) expect(deliveries.html).toContain(purchaseEventId(order.orderId));

    const order = await openAdmin("order");
    expect(order.status).toBe(200);
    expect(new URL(order.url).pathname).toMatch(/^\/app\/deliveries\/\d+$/);
    const shown = run!.orders.find((o) => new URL(order.url).pathname.endsWith(o.orderId))!;
    expect(order.html).toContain(purchaseEventId(shown.orderId));
    expect(order.html).toContain("Received by Meta");
    // The real App Bridge (Shopify's CDN) is swapped for the local stand-in.
    expect(order.html).toContain("/__demo/app-bridge.js");
    expect(order.html).not.toContain("cdn.shopify.com/shopifycloud/app-bridge.js");
  });

  it("refuses a session token that the app's secret did not sign", async () => {
    const { url } = await openAdmin("deliveries");
    const forged = new URL(url);
    const [header, payload] = forged.searchParams.get("id_token")!.split(".");
    forged.searchParams.set("id_token", `${header}.${payload}.${"A".repeat(43)}`);
    const response = await fetch(forged, { headers: { "User-Agent": MERCHANT_USER_AGENT }, redirect: "manual" });
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain(purchaseEventId(run!.orders[0].orderId));
  });

  it("opened without Shopify, /app says how to open it instead of a bare 410", async () => {
    for (const userAgent of ["curl/8.5.0", MERCHANT_USER_AGENT]) {
      const response = await fetch(new URL("/app", run!.adminUrl!), { headers: { "User-Agent": userAgent }, redirect: "manual" });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain("Open this app from the Shopify admin");
      expect(html).toContain("npm run demo -- --keep-running");
      expect(html).not.toContain("Handling response");
    }
  });
});

describe("the demo's storefront", () => {
  it("looks like a small shop: its name, a product card with a price, a cart", async () => {
    const home = await (await fetch(run!.browseUrl!)).text();
    expect(home).toContain(`<title>Home – ${DEMO_SHOP_NAME}</title>`);
    expect(home).toContain(`class="logo" href="/">${DEMO_SHOP_NAME}</a>`);
    expect(home).toMatch(/class="card" href="\/products\/aviator-sunglasses"[\s\S]*Aviator sunglasses[\s\S]*\$89\.99/);
    expect(home).toContain("Cart (0)");
    expect(home).not.toMatch(/Jsmith|<p id="theme-ready">ok/);
    const product = await (await fetch(new URL("/products/aviator-sunglasses", run!.browseUrl!))).text();
    expect(product).toMatch(/<button type="submit" id="add-to-cart">Add to cart<\/button>/);
    expect(product).toContain(DEMO_SHOP);
  });

  it("plays Shopify's app proxy: a post to /apps/meta-capi/events reaches the app signed and is sent to Meta", async () => {
    const eventId = `sf_browse_${randomBytes(6).toString("hex")}`;
    const response = await fetch(new URL("/apps/meta-capi/events", run!.browseUrl!), {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({
        events: [
          {
            event_name: "PageView",
            event_id: eventId,
            event_time: Math.floor(Date.now() / 1000),
            event_source_url: `https://${DEMO_SHOP}/`,
            custom_data: {},
          },
        ],
      }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1, dropped: [] });
    await expect.poll(() => run!.meta.graph.received().some((e) => e.eventId === eventId), { timeout: 15_000 }).toBe(true);
  });
});
