// The demo's scenario: the whole system on one machine, without a Shopify store or a Meta account.
// Real processes and real code throughout; only Shopify and Meta are played locally:
//
//   stand-in Meta (dev/fake-meta)   the strict fake Conversions API + the browser pixel endpoint (/tr)
//   app server                      `npm start`'s entry on a fresh SQLite ledger, worker in-process
//   storefront                      a small shop around the theme app embed's real Liquid and script (dev/storefront);
//                                   it plays Shopify's app proxy too: /apps/meta-capi/events reaches the app's
//                                   /proxy/events signed (dev/fake-shopify/app-proxy.ts), with X-Forwarded-For
//   shoppers                        headless Chromium; some with the Meta pixel blocked, as by an ad blocker
//   checkout                        Shopify's pages cannot run here: the real web pixel code runs in Node
//   Shopify                         a signed orders/paid webhook per order, delivered twice
//   admin (with `admin`)            the real embedded admin pages on the demo's ledger (./admin-server.ts)
//
// `runDemo` leaves everything running and returns what happened; `stop()` ends it. scripts/demo.ts prints it,
// tests/demo/demo.test.ts asserts it.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, relative } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { openDb, type Db } from "~/db.server";
import { startFakeMeta, type BrowserPixelEvent, type FakeMeta } from "../../../dev/fake-meta";
import { nextOrderId, paidOrderJson } from "../../../dev/fake-shopify/orders";
import { checkoutCompleted, checkoutStarted, pixelContext } from "../../../dev/fake-shopify/checkout-events";
import { launchChromium, offline, type ChromiumHandle } from "../browser";
import { PRODUCT, startStorefront, type AppProxyTarget, type Storefront } from "../../../dev/storefront/storefront";
import { freePort, ROOT, startApp, startProcess, waitFor, type AppProcess } from "../app-process";
import { localAppEnv } from "../local-app-env";
import { seedDemoSession } from "./seed-session";
import { createScratchDatabase } from "../scratch-db";
import { shopifyWebhookHeaders } from "../shopify-webhook";
import { startBrowsableStorefront } from "./browse-proxy";
import { runWebPixel } from "./web-pixel";

export const DEMO_SHOP = "demo-sunglasses.myshopify.com";
export const DEMO_SHOP_NAME = "Demo Sunglasses";
export const DEMO_PIXEL = "123456789012345";
// Any token of a plausible shape: the stand-in Meta accepts exactly this one for the demo pixel.
const DEMO_TOKEN = `EAAdemo${randomBytes(24).toString("hex")}`;
const ENABLED_EVENTS = "PageView,ViewContent,AddToCart,InitiateCheckout,Purchase";
const NAMES = ["Ana", "Ben", "Chloé", "Dev", "Eli", "Farah", "Gus", "Hana", "Ivo", "Jun"];

export interface DemoOptions {
  shoppers?: number;
  /** How many of them have the Meta pixel blocked (spread among the shoppers). */
  blocked?: number;
  /** The SQLite ledger; recreated on every run. Default prisma/demo.sqlite (gitignored). */
  sqliteFile?: string;
  /** Also serve a storefront to open in your own browser, wired to the stand-in Meta. */
  browsable?: boolean;
  /** Also serve the real embedded admin on the demo's ledger, to open locally (./admin-server.ts). */
  admin?: boolean;
  /** The stand-in Conversions API's answer delay, [min, max] ms. */
  metaLatencyMs?: [number, number];
  log?: (line: string) => void;
}

export interface DemoOrder {
  shopper: string;
  blocked: boolean;
  orderId: string;
  /** The Purchase the web pixel reported to Meta's browser endpoint, found by order ID (not by event ID). */
  browserPurchaseId: string | null;
  /** The Purchase the worker sent to the Conversions API, found by order ID. */
  serverPurchaseId: string | null;
  idsMatch: boolean;
  received: { browser: number; server: number };
  /** Purchases Meta counts for this order after its deduplication, and which copy it kept. */
  counted: number;
  countedFrom: Array<"browser" | "server">;
  webhookDeliveries: number[];
  ledgerRows: number;
  delivery: { status: string; attempts: number } | null;
  /** The storefront events this shopper's browser got to Meta. */
  storefrontEvents: string[];
  /** Every event the shopper's browser code created (embed and web pixel), as it posted them to the app proxy. */
  actions: Array<{ eventName: string; eventId: string }>;
}

/** One row of the demo's event table: one event name, both reporters, and what Meta counted. */
export interface DemoEventRow {
  eventName: string;
  /** Distinct events the shoppers' browsers created (one per page view, add to cart…): what Meta should count. */
  actions: number;
  /** What the stand-in Meta's browser endpoint (/tr) received. */
  browser: number;
  /** What its Conversions API received. */
  server: number;
  /** Browser events whose event ID the server also sent, under the same event name. */
  shared: number;
  /** Browser events the server sent under another ID, or not at all (where it reports this event). */
  unmatched: number;
  /** What Meta counted after its deduplication on event name + event ID. */
  counted: number;
  /** Counted once per action: nothing lost, nothing twice. */
  ok: boolean;
}

export interface DemoRun {
  orders: DemoOrder[];
  events: DemoEventRow[];
  serverUrl: string;
  databaseUrl: string;
  meta: FakeMeta;
  /** A storefront to open by hand (with `browsable`). */
  browseUrl: string | null;
  /** The admin's launcher page (with `admin`): links that open the embedded admin pages signed in. */
  adminUrl: string | null;
  stop(): Promise<void>;
}

/** Which shoppers (0-based) have the pixel blocked: spread out, so the table reads naturally. */
export function blockedShoppers(shoppers: number, blocked: number): Set<number> {
  const count = Math.max(0, Math.min(blocked, shoppers));
  return new Set(Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * shoppers) / count)));
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoRun> {
  const log = options.log ?? (() => undefined);
  const shoppers = options.shoppers ?? 5;
  const blocked = blockedShoppers(shoppers, options.blocked ?? 2);
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
  };

  try {
    const step = async <T>(label: string, run: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
      const started = performance.now();
      const value = await run();
      log(`▸ ${label}${detail ? `: ${detail(value)}` : ""}  ✓ ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return value;
    };

    const sqliteFile = options.sqliteFile ?? join(ROOT, "prisma/demo.sqlite");
    const database = await step(
      "ledger database",
      () => createScratchDatabase("sqlite", { sqliteFile }),
      () => `SQLite at ${relative(process.cwd(), sqliteFile)}, migrated with \`node scripts/prisma.mjs deploy\``,
    );
    const db: Db = openDb(database.url);
    stops.push(() => db.$disconnect());

    const meta = await step(
      "stand-in Meta",
      () => startFakeMeta({ latencyMs: options.metaLatencyMs ?? [150, 400], tokens: { [DEMO_PIXEL]: DEMO_TOKEN } }),
      (m) => `Conversions API ${m.graphUrl}, browser pixel ${m.pixelUrl}/tr`,
    );
    stops.push(() => meta.close());

    const local = localAppEnv({
      DATABASE_URL: database.url,
      META_GRAPH_API_URL: meta.graphUrl,
      // Snappier than production's 1 s, so the table does not wait on a sleeping worker.
      DELIVERY_POLL_MS: "200",
    });
    const server: AppProcess = await step(
      "app server (`npm start`, delivery worker in-process)",
      () => startApp("server", local.env),
      (s) => s.url,
    );
    stops.push(() => server.stop());
    // Shopify's app proxy, as the storefronts play it: signed with the app's secret, for the demo shop.
    const appProxy = { appUrl: server.url, secret: local.apiSecret };

    await step(
      `connect ${DEMO_SHOP} to pixel ${DEMO_PIXEL}`,
      () => cli(["shops:connect", "--shop", DEMO_SHOP, "--pixel-id", DEMO_PIXEL], { ...local.env, META_ACCESS_TOKEN: DEMO_TOKEN }),
      () => "npm run cli -- shops:connect …",
    );
    // The offline session installing the app stores: the app proxy takes events only for installed shops.
    await seedDemoSession({ databaseUrl: database.url, shop: DEMO_SHOP, scopes: local.env.SCOPES ?? "" });

    const chromium: ChromiumHandle = await step("headless Chromium", () => launchChromium());
    stops.push(() => chromium.close());

    const journeys: Array<
      Omit<
        DemoOrder,
        "browserPurchaseId" | "serverPurchaseId" | "idsMatch" | "received" | "counted" | "countedFrom" | "ledgerRows" | "delivery"
      >
    > = [];
    for (let i = 0; i < shoppers; i++) {
      const name = NAMES[i % NAMES.length] + (i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : "");
      const isBlocked = blocked.has(i);
      log(`▸ shopper ${i + 1}, ${name}${isBlocked ? " (ad blocker: the Meta pixel is blocked)" : ""}`);
      journeys.push(await shop({ name, blocked: isBlocked, meta, appProxy, chromium, secret: local.apiSecret, log }));
    }
    // Done with the browser. Closing it now also removes Playwright's SIGINT handler, which would otherwise
    // exit the process on Ctrl-C before `stop()` has stopped the app server (with --keep-running).
    await chromium.close();

    const started = performance.now();
    const serverCopies = journeys.flatMap((j) => j.actions).filter((a) => a.eventName !== "Purchase").length;
    await waitFor(
      async () =>
        (await db.delivery.count({ where: { shop: DEMO_SHOP, status: "sent" } })) >= journeys.length &&
        (await db.storefrontEvent.count({ where: { shop: DEMO_SHOP, status: "sent" } })) >= serverCopies,
      60_000,
      "the worker to send every Purchase and every storefront event",
    );
    await meta.graph.idle();
    log(`▸ the worker sent the server events to the stand-in Meta  ✓ ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const orders: DemoOrder[] = [];
    const counted = meta.counted();
    for (const journey of journeys) {
      const browser = meta.browserEvents().filter((e) => e.eventName === "Purchase" && e.customData.order_id === journey.orderId);
      const server = meta.graph.received().filter((e) => e.eventName === "Purchase" && orderIdOf(e.event) === journey.orderId);
      const browserPurchaseId = browser[0]?.eventId ?? null;
      const serverPurchaseId = server[0]?.eventId ?? null;
      const ids = new Set([browserPurchaseId, serverPurchaseId].filter((id): id is string => id !== null));
      const kept = counted.filter(
        (e) => e.pixelId === DEMO_PIXEL && e.eventName === "Purchase" && e.eventId !== null && ids.has(e.eventId),
      );
      const rows = await db.delivery.findMany({
        where: { shop: DEMO_SHOP, orderId: journey.orderId },
        select: { status: true, attempts: true },
      });
      orders.push({
        ...journey,
        browserPurchaseId,
        serverPurchaseId,
        idsMatch: browserPurchaseId !== null && browserPurchaseId === serverPurchaseId,
        received: { browser: browser.length, server: server.length },
        counted: kept.length,
        countedFrom: kept.map((e) => e.source),
        ledgerRows: rows.length,
        delivery: rows[0] ?? null,
      });
    }

    const events = eventTable(
      meta,
      journeys.flatMap((j) => j.actions),
    );

    let browseUrl: string | null = null;
    if (options.browsable) {
      const browse = await startBrowsableStorefront({ meta, shop: DEMO_SHOP, shopName: DEMO_SHOP_NAME, pixelId: DEMO_PIXEL, appProxy });
      stops.push(() => browse.close());
      browseUrl = browse.url;
    }

    let adminUrl: string | null = null;
    if (options.admin) {
      const admin = await step(
        "the app's admin on the demo's data",
        () => startAdmin(local.env),
        (a) => `${a.url}/`,
      );
      stops.push(() => admin.stop());
      adminUrl = `${admin.url}/`;
    }

    return { orders, events, serverUrl: server.url, databaseUrl: database.url, meta, browseUrl, adminUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface ShopperInput {
  name: string;
  blocked: boolean;
  meta: FakeMeta;
  appProxy: AppProxyTarget;
  chromium: ChromiumHandle;
  secret: string;
  log: (line: string) => void;
}

async function shop(input: ShopperInput) {
  const { meta, blocked, log } = input;
  const email = `${input.name
    .normalize("NFD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase()}@example.com`;
  const store: Storefront = await startStorefront({
    template: "index",
    consent: "granted",
    shop: DEMO_SHOP,
    shopName: DEMO_SHOP_NAME,
    metafields: { pixel_id: DEMO_PIXEL, enabled_events: ENABLED_EVENTS.split(",") },
    appProxy: input.appProxy,
  });
  let context: BrowserContext | undefined;
  const seenBefore = meta.browserEvents().length;
  const mine = () => meta.browserEvents().slice(seenBefore);
  try {
    context = await input.chromium.newContext();
    const metaScript = `${meta.pixelUrl}/en_US/fbevents.js`;
    await offline(context, {
      // A blocked shopper reaches the shop (and through its app proxy, the app), never Meta.
      allow: blocked ? [store.origin] : [store.origin, meta.pixelUrl],
      handle: async (route, url) => {
        if (blocked || url.hostname !== "connect.facebook.net" || !url.pathname.endsWith("/fbevents.js")) return false;
        await route.fulfill({ status: 200, contentType: "application/javascript", body: await (await fetch(metaScript)).text() });
        return true;
      },
    });
    const page = await context.newPage();
    const fbclid = `IwAR${randomBytes(18).toString("base64url")}`;

    await page.goto(`${store.indexUrl}?fbclid=${fbclid}`);
    // Each page's events reach the app proxy before the shopper moves on (both copies, when Meta is not blocked).
    const posted = (name: string, count = 1) => store.proxyEvents().filter((e) => e.event_name === name).length >= count;
    await settled(page, () => posted("PageView") && (blocked || mine().some((e) => e.eventName === "PageView")));
    await page.click(`a[href="/products/${PRODUCT.handle}"]`);
    await page.waitForURL(`**/products/${PRODUCT.handle}`);
    await settled(
      page,
      () => posted("ViewContent") && posted("PageView", 2) && (blocked || mine().some((e) => e.eventName === "ViewContent")),
    );
    await page.click("#add-to-cart");
    await page.waitForURL("**/cart");
    // The embed writes the shopper's _fbp/_fbc and consent into the cart: that is how they reach the order.
    await waitFor(
      () => store.cart.attributes._mc_consent === "granted" && (blocked || Boolean(store.cart.attributes._fbp)),
      10_000,
      "the cart attributes",
    );
    // The cart page's own PageView is the third.
    await settled(
      page,
      () =>
        posted("AddToCart") &&
        posted("PageView", 3) &&
        (blocked || (mine().some((e) => e.eventName === "AddToCart") && mine().filter((e) => e.eventName === "PageView").length >= 3)),
    );

    const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c.value]));
    const orderId = nextOrderId();
    const token = randomBytes(16).toString("hex");
    const attributes = Object.entries(store.cart.attributes).map(([key, value]) => ({ key, value }));
    const at = new Date().toISOString();
    const thankYou = pixelContext(`https://${DEMO_SHOP}/checkouts/cn/${token}/thank-you`);
    await runWebPixel(
      {
        settings: { pixelId: DEMO_PIXEL, enabledEvents: ENABLED_EVENTS, consentMode: "customer-privacy", limitedDataUse: "false" },
        shop: DEMO_SHOP,
        shopOrigin: store.origin,
        cookies,
        trEndpoint: blocked ? null : `${meta.pixelUrl}/tr`,
      },
      [
        { ...checkoutStarted({ token, attributes, timestamp: at }), context: pixelContext(`https://${DEMO_SHOP}/checkouts/cn/${token}`) },
        {
          ...checkoutCompleted({ orderId: `gid://shopify/OrderIdentity/${orderId}`, token, attributes, timestamp: at }),
          context: thankYou,
        },
      ],
    );

    // Shopify's orders/paid for the order, and the same delivery again, as Shopify retries when unsure.
    const body = paidOrderJson({
      id: orderId,
      email,
      noteAttributes: Object.entries(store.cart.attributes).map(([name, value]) => ({ name, value })),
    });
    const headers = shopifyWebhookHeaders({
      topic: "orders/paid",
      shop: DEMO_SHOP,
      body,
      secret: input.secret,
      webhookId: `demo-${orderId}`,
    });
    const webhookDeliveries: number[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`${input.appProxy.appUrl}/webhooks/orders/paid`, { method: "POST", headers, body });
      webhookDeliveries.push(response.status);
    }

    const sent = mine().filter((e) => e.eventName !== null);
    const storefrontEvents = sent.filter((e) => ["PageView", "ViewContent", "AddToCart"].includes(e.eventName!)).map((e) => e.eventName!);
    log(`    browsed: /?fbclid=${fbclid.slice(0, 10)}… → ${PRODUCT.title} → add to cart → checkout, order ${orderId}`);
    log(`    browser → Meta: ${sent.length ? sent.map((e) => e.eventName).join(", ") : "nothing (blocked)"}`);
    log(`    Shopify → app: orders/paid delivered twice (same webhook ID): HTTP ${webhookDeliveries.join(", ")}`);
    // One action per event ID the browser code created; a repeated post of one event is still one action.
    const actions = [
      ...new Map(
        store.proxyEvents().map((e) => [`${e.event_name}\u0000${e.event_id}`, { eventName: e.event_name, eventId: e.event_id }]),
      ).values(),
    ];
    return { shopper: input.name, blocked, orderId, webhookDeliveries, storefrontEvents, actions };
  } finally {
    await context?.close().catch(() => undefined);
    await store.close();
  }
}

// The embed's work is asynchronous (consent check, Meta's script, the cart sync); wait for what should
// arrive, or for a blocked shopper's page to have run its script, then a moment for stragglers.
async function settled(page: Page, arrived: () => boolean): Promise<void> {
  await page.waitForFunction(() => document.readyState === "complete" && (window as { __metaCapiPixel?: number }).__metaCapiPixel === 1);
  await waitFor(() => arrived(), 10_000, "the page's events to reach the stand-in Meta");
}

/**
 * Per event name: both reporters' counts, the shared event IDs, and what Meta counted after deduplication,
 * against the actions the shoppers' browsers created. Meta counts an action twice when the two copies carry
 * different IDs; an action it never got is lost.
 */
export function eventTable(
  meta: Pick<FakeMeta, "browserEvents" | "counted"> & { graph: Pick<FakeMeta["graph"], "received"> },
  actions: Array<{ eventName: string; eventId: string }>,
): DemoEventRow[] {
  const names = ENABLED_EVENTS.split(",");
  const browserAll = meta.browserEvents().filter((e) => e.pixelId === DEMO_PIXEL);
  const serverAll = meta.graph.received().filter((e) => e.pixelId === DEMO_PIXEL);
  const countedAll = meta.counted().filter((e) => e.pixelId === DEMO_PIXEL);
  return names.map((eventName) => {
    const browser = browserAll.filter((e) => e.eventName === eventName);
    const server = serverAll.filter((e) => e.eventName === eventName);
    const serverIds = new Set(server.map((e) => e.eventId));
    const shared = browser.filter((e) => e.eventId !== null && serverIds.has(e.eventId)).length;
    const expected = new Set(actions.filter((a) => a.eventName === eventName).map((a) => a.eventId)).size;
    const counted = countedAll.filter((e) => e.eventName === eventName).length;
    const unmatched = browser.length - shared;
    return {
      eventName,
      actions: expected,
      browser: browser.length,
      server: server.length,
      shared,
      unmatched,
      counted,
      ok: unmatched === 0 && counted === expected,
    };
  });
}

function orderIdOf(event: Record<string, unknown>): string | null {
  const custom = event.custom_data as { order_id?: unknown } | undefined;
  return typeof custom?.order_id === "string" ? custom.order_id : null;
}

async function startAdmin(env: Record<string, string>): Promise<AppProcess> {
  const port = String(await freePort());
  return startProcess(
    "scripts/lib/demo/admin-server.ts",
    { ...env, PORT: port, SHOPIFY_APP_URL: `http://127.0.0.1:${port}`, DEMO_SHOP },
    {
      readyText: "demo admin listening on",
      name: "the demo's admin",
    },
  );
}

function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "cli/index.ts", ...args],
      { cwd: ROOT, env: { NODE_ENV: "production", ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`npm run cli -- ${args[0]} failed:\n${stdout}${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

export type { BrowserPixelEvent };
