// The embed's server copies in real headless Chromium: every event given to fbq also reaches the app proxy
// (POST /apps/meta-capi/events on the shop's own origin, recorded by the test storefront) with the same
// event ID, batched per page; and the custom events API (window.metaCapi.track, data-meta-event).
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { STOREFRONT_EVENT_ID } from "~/lib/browser-event-id";
import { eventually } from "../helpers/browser";
import { expectQuiet, FBCLID, useStorefrontSessions } from "../helpers/storefront-suite";
import {
  PIXEL_ID,
  PRODUCT,
  addToCartByFetch,
  cookieValue,
  decideConsent,
  settle,
  type ProxyEvent,
  type TrackedEvent,
} from "../helpers/storefront";

const PRODUCT_ID = String(PRODUCT.id);
const CUSTOM = "BookedTrialClass";

const { shop } = useStorefrontSessions();

/** `window.metaCapi.track(...)` in the page; resolves with what it returned (the event ID, or ""). */
function track(page: Page, name: unknown, data?: unknown): Promise<string> {
  return page.evaluate(([n, d]) => (window as unknown as { metaCapi: { track(a: unknown, b: unknown): string } }).metaCapi.track(n, d), [
    name,
    data,
  ] as const);
}

function byId(events: ProxyEvent[], id: unknown): ProxyEvent | undefined {
  return events.find((e) => e.event_id === id);
}

function expectSameEvent(fbq: TrackedEvent, proxied: ProxyEvent | undefined, pageUrl: string): void {
  expect(proxied, `${fbq.name} ${String(fbq.eventID)} at the proxy`).toBeDefined();
  expect(proxied!.event_name).toBe(fbq.name);
  expect(proxied!.custom_data).toEqual(fbq.params);
  expect(proxied!.event_source_url).toBe(pageUrl);
}

describe("the server copy of each storefront event", () => {
  it("PageView, ViewContent and AddToCart reach fbq and the proxy with the same ID, data, page and cookies", async () => {
    const s = await shop({ template: "product" });
    const before = Math.floor(Date.now() / 1000);
    const landing = `${s.store.url}?fbclid=${FBCLID}`;
    await s.page.goto(landing);
    await s.store.waitForProxyEvents(["PageView", "ViewContent"]);
    await addToCartByFetch(s.page, PRODUCT.variants[1].id, 1);
    const proxied = await s.store.waitForProxyEvents(["PageView", "ViewContent", "AddToCart"]);

    const fbq = s.store.events();
    expect(fbq.map((e) => e.name)).toEqual(["PageView", "ViewContent", "AddToCart"]);
    expect(proxied).toHaveLength(3);
    for (const e of fbq) {
      expect(e.eventID).toMatch(STOREFRONT_EVENT_ID);
      expectSameEvent(e, byId(proxied, e.eventID), landing);
    }
    expect(byId(proxied, fbq[2].eventID)!.custom_data).toMatchObject({ content_ids: [PRODUCT_ID], value: 109.99, currency: "USD" });

    const fbc = await cookieValue(s.context, "_fbc");
    const fbp = await cookieValue(s.context, "_fbp");
    expect(fbc).toMatch(new RegExp(`\\.${FBCLID}$`));
    expect(fbp).toMatch(/^fb\.1\.\d+\.\d+$/);
    for (const e of proxied) {
      // The proxy strips cookies: the body carries them. fbevents.js may set _fbp after the first flush.
      expect(e.fbc).toBe(fbc);
      if (e.event_name === "AddToCart" || e.fbp !== undefined) expect(e.fbp).toBe(fbp);
      expect(e.event_time).toBeGreaterThanOrEqual(before);
      expect(e.event_time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    }
    // A simple request on the shop's own origin (no CORS preflight), never an extra copy.
    for (const r of s.store.proxyRequests) {
      expect(r.path).toBe("/apps/meta-capi/events");
      expect(r.contentType).toMatch(/^text\/plain/);
    }
    expect(s.store.requests.filter((r) => r.startsWith("OPTIONS"))).toEqual([]);
    expectQuiet(s);
  });

  it("batches per page: the page-load events go in one request", async () => {
    const s = await shop({ template: "product" });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView", "ViewContent"]);
    expect(s.store.proxyRequests).toHaveLength(1);
    expect(s.store.proxyRequests[0].body.events.map((e) => e.event_name)).toEqual(["PageView", "ViewContent"]);
  });

  it("never more than 20 events in a request: a burst of 25 goes as 20, then 5", async () => {
    const s = await shop({ template: "index", metafields: { custom_events: [CUSTOM] } });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    const ids = await s.page.evaluate((name) => {
      const api = (window as unknown as { metaCapi: { track(a: string, b: object): string } }).metaCapi;
      return Array.from({ length: 25 }, (_, i) => api.track(name, { seat: i }));
    }, CUSTOM);
    await eventually(() => s.store.proxyEvents().length === 26, "26 events at the proxy");
    expect(s.store.proxyRequests.map((r) => r.body.events.length)).toEqual([1, 20, 5]);
    expect(
      s.store
        .proxyEvents()
        .slice(1)
        .map((e) => e.event_id),
    ).toEqual(ids);
    await eventually(() => s.store.events().length === 26, "26 fbq events");
    const fbqIds = s.store
      .events()
      .filter((e) => e.name === CUSTOM)
      .map((e) => String(e.eventID));
    expect(fbqIds.sort()).toEqual([...ids].sort());
  });

  it("a form post that leaves the page still delivers its AddToCart (flushed on pagehide)", async () => {
    const s = await shop();
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView", "ViewContent"]);
    await Promise.all([s.page.waitForURL(s.store.cartUrl), s.page.click("#add-to-cart")]);
    await s.store.waitForProxyEvents(["AddToCart"]);
    const [add] = s.store.events().filter((e) => e.name === "AddToCart");
    expect(byId(s.store.proxyEvents(), add.eventID)?.event_name).toBe("AddToCart");
    expect(s.store.proxyEvents().filter((e) => e.event_name === "AddToCart")).toHaveLength(1);
  });

  it("an event switched off goes to neither", async () => {
    const s = await shop({ template: "product", metafields: { enabled_events: ["PageView"], custom_events: [CUSTOM] } });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    await addToCartByFetch(s.page);
    await eventually(() => s.store.cartAttributeWrites.length > 0, "the cart write after the add");
    // A later event: had ViewContent or AddToCart been queued, they would arrive no later than this one.
    const signal = await track(s.page, CUSTOM);
    await eventually(() => byId(s.store.proxyEvents(), signal), "the signal event");
    expect(s.store.proxyEvents().map((e) => e.event_name)).toEqual(["PageView", CUSTOM]);
    expect(s.store.events().map((e) => e.name)).toEqual(["PageView", CUSTOM]);
  });

  it("the app proxy refusing (429) is not retried", async () => {
    const s = await shop({ template: "product", proxyStatus: 429 });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView", "ViewContent"]);
    await s.page.goto(s.store.indexUrl);
    await eventually(() => s.store.proxyEvents().length === 3, "the second page's PageView");
    await settle(s.page, 500);
    expect(s.store.proxyRequests.map((r) => r.body.events.length)).toEqual([2, 1]);
    expect(new Set(s.store.proxyEvents().map((e) => e.event_id)).size).toBe(3);
    expectQuiet(s, [s.store.origin]);
  });

  it("uses the proxy path set in the theme editor when the merchant renamed the subpath", async () => {
    const s = await shop({ blockSettings: { proxy_path: "/apps/ads-events/" } });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    expect(s.store.proxyRequests.map((r) => r.path)).toEqual(["/apps/ads-events/events"]);
  });
});

describe("custom events", () => {
  const STUB = `<script>window.metaCapi = window.metaCapi || { q: [], track: function () { this.q.push(arguments); } };
metaCapi.track(${JSON.stringify(CUSTOM)}, { value: "19.90", plan: "monthly" });</script>`;

  it("window.metaCapi.track sends trackSingleCustom and the proxy copy with one ID", async () => {
    const s = await shop({ template: "index", metafields: { custom_events: [CUSTOM] } });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    const id = await track(s.page, CUSTOM, { value: 25, currency: "eur", plan: "yearly", trial: true });
    expect(id).toMatch(STOREFRONT_EVENT_ID);
    await s.store.waitForProxyEvents([CUSTOM]);
    const call = s.store.fbqCalls().find((c) => c.args[0] === "trackSingleCustom");
    const data = { value: 25, currency: "EUR", plan: "yearly", trial: true };
    expect(call?.args).toEqual(["trackSingleCustom", PIXEL_ID, CUSTOM, data, { eventID: id }]);
    expect(byId(s.store.proxyEvents(), id)).toMatchObject({ event_name: CUSTOM, custom_data: data, event_source_url: s.store.url });
    expectQuiet(s);
  });

  it("calls made before the script loaded (the stub's queue) are sent once consent allows, in the shop's currency", async () => {
    const s = await shop({ template: "index", consent: "pending", metafields: { custom_events: [CUSTOM] }, headHtml: STUB });
    await s.page.goto(s.store.url);
    await settle(s.page);
    expect(s.store.fbqCalls()).toEqual([]);
    expect(s.store.proxyRequests).toEqual([]);
    await decideConsent(s.page, "yes");
    const [event] = (await s.store.waitForProxyEvents([CUSTOM])).filter((e) => e.event_name === CUSTOM);
    expect(event.custom_data).toEqual({ value: 19.9, plan: "monthly", currency: "USD" });
    const fbq = s.store.events().find((e) => e.name === CUSTOM);
    expect(fbq).toMatchObject({ method: "trackSingleCustom", eventID: event.event_id, params: event.custom_data });
  });

  it("a click on a data-meta-event element (or inside one, even when a handler stops propagation) sends it once", async () => {
    const bodyHtml = `<button id="book" data-meta-event="${CUSTOM}" data-meta-value="30" data-meta-currency="CAD">Book a class</button>
<a id="card" href="#booked" data-meta-event="${CUSTOM}"><span id="inner">Or here</span></a>
<script>document.getElementById("inner").addEventListener("click", function (e) { e.stopPropagation(); });</script>`;
    const s = await shop({ template: "index", metafields: { custom_events: [CUSTOM] }, bodyHtml });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    await s.page.click("#book");
    await s.page.click("#inner");
    await eventually(() => s.store.proxyEvents().filter((e) => e.event_name === CUSTOM).length === 2, "two clicks at the proxy");
    await eventually(() => s.store.events().filter((e) => e.name === CUSTOM).length === 2, "two clicks at fbq");
    const fbq = s.store.events().filter((e) => e.name === CUSTOM);
    expect(fbq.map((e) => e.params)).toEqual([{ value: 30, currency: "CAD" }, {}]);
    for (const e of fbq) expectSameEvent(e, byId(s.store.proxyEvents(), e.eventID), s.store.url);
    expect(fbq.every((e) => e.method === "trackSingleCustom")).toBe(true);
  });

  it("sends nothing, to either, for a name not switched on, a standard name, or bad data", async () => {
    const long = "L".repeat(51);
    const bodyHtml = `<button id="off" data-meta-event="NotSwitchedOn">x</button><button id="bad" data-meta-event="${CUSTOM}" data-meta-value="ten">y</button>`;
    const s = await shop({ template: "index", metafields: { custom_events: [CUSTOM, "Purchase", "pageview", long] }, bodyHtml });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    const refused = [
      await track(s.page, "NotSwitchedOn"),
      await track(s.page, "Purchase"),
      await track(s.page, "pageview"),
      await track(s.page, long),
      await track(s.page, 42),
      await track(s.page, CUSTOM, { value: "abc" }),
      await track(s.page, CUSTOM, { value: -5 }),
      await track(s.page, CUSTOM, { value: 5, currency: "EURO" }),
      await track(s.page, CUSTOM, { contents: [{ id: "1" }] }),
      await track(s.page, CUSTOM, { note: "x".repeat(501) }),
    ];
    expect(refused).toEqual(Array(refused.length).fill(""));
    await s.page.click("#off");
    await s.page.click("#bad");
    const signal = await track(s.page, CUSTOM, { value: 0 });
    await eventually(() => byId(s.store.proxyEvents(), signal), "the signal event");
    expect(s.store.proxyEvents().map((e) => e.event_name)).toEqual(["PageView", CUSTOM]);
    expect(s.store.events().map((e) => [e.name, e.eventID])).toEqual([
      ["PageView", s.store.proxyEvents()[0].event_id],
      [CUSTOM, signal],
    ]);
    expectQuiet(s);
  });

  it('a shopper who declined: track answers "" and nothing goes anywhere', async () => {
    const s = await shop({ template: "index", consent: "declined", metafields: { custom_events: [CUSTOM] }, headHtml: STUB });
    await s.page.goto(s.store.url);
    await settle(s.page);
    expect(await track(s.page, CUSTOM, { value: 1 })).toBe("");
    await s.page.goto(s.store.cartUrl);
    await settle(s.page);
    expect(s.store.fbqCalls()).toEqual([]);
    expect(s.store.proxyRequests).toEqual([]);
    expect(s.store.external).toEqual([]);
  });
});

describe("a second copy of the shop's pixel on the page", () => {
  // Meta's base code as merchants paste it into theme.liquid (or another app injects it), with its own init.
  const pastedBaseCode = (pixelId: string) => `<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;
s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '${pixelId}');
fbq('track', 'PageView');
</script>`;
  const diagnostics = (s: { store: { proxyRequests: Array<{ body: { diagnostics?: unknown } }> } }) =>
    s.store.proxyRequests.map((r) => r.body.diagnostics).filter((d) => d !== undefined);

  it("pasted into the theme: the next proxy batch carries the report, once per browser session", async () => {
    const s = await shop({ template: "index", headHtml: pastedBaseCode(PIXEL_ID) });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    await eventually(() => diagnostics(s).length > 0 || undefined, "the duplicate-pixel report");
    expect(diagnostics(s)).toEqual([{ duplicatePixel: true }]);
    const withReport = s.store.proxyRequests.find((r) => r.body.diagnostics);
    expect(withReport!.body.events.map((e) => e.event_name)).toEqual(["PageView"]);

    // Same tab, next page: still two copies, but the app was told already.
    await s.page.goto(`${s.store.url}?again=1`);
    await eventually(
      () => s.store.proxyEvents().filter((e) => e.event_name === "PageView").length === 2 || undefined,
      "the second PageView",
    );
    await settle(s.page);
    expect(diagnostics(s)).toEqual([{ duplicatePixel: true }]);
  });

  it("init'ed again after ours (a script that loads later): reported with the next event", async () => {
    const s = await shop({ template: "index" });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    await settle(s.page);
    expect(diagnostics(s)).toEqual([]);
    await s.page.evaluate((id) => (window as unknown as { fbq(...a: unknown[]): void }).fbq("init", id), PIXEL_ID);
    await addToCartByFetch(s.page);
    await s.store.waitForProxyEvents(["AddToCart"]);
    const batch = await eventually(() => s.store.proxyRequests.find((r) => r.body.diagnostics), "the duplicate-pixel report");
    expect(batch.body).toMatchObject({ diagnostics: { duplicatePixel: true }, events: [{ event_name: "AddToCart" }] });
  });

  it("reports nothing for our pixel alone, or next to a different pixel", async () => {
    const s = await shop({ template: "product", headHtml: pastedBaseCode("999999999999999") });
    await s.page.goto(s.store.url);
    await s.store.waitForProxyEvents(["PageView"]);
    await addToCartByFetch(s.page);
    await s.store.waitForProxyEvents(["AddToCart"]);
    await settle(s.page);
    expect(s.store.proxyRequests.length).toBeGreaterThan(0);
    expect(diagnostics(s)).toEqual([]);
  });
});
