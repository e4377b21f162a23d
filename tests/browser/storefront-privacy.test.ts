// The theme app embed's first-party identifiers, consent handling and bad-input behaviour in real headless
// Chromium (see storefront-events.test.ts for the set-up): what reaches the cart, what never leaves the
// browser, and a storefront that keeps working whatever is misconfigured or blocked.
import { describe, expect, it } from "vitest";
import { STOREFRONT_EVENT_ID } from "~/lib/browser-event-id";
import { eventually } from "../helpers/browser";
import { expectQuiet, FBCLID, META_SCRIPT, useStorefrontSessions } from "../helpers/storefront-suite";
import { PRODUCT, addToCartByFetch, cookieValue, decideConsent, settle } from "../helpers/storefront";

const { shop } = useStorefrontSessions();

describe("_fbc, _fbp and the cart attributes", () => {
  it("sets _fbc from the landing fbclid, case kept, and never rebuilds it for the same click", async () => {
    const s = await shop();
    const before = Date.now();
    await s.page.goto(`${s.store.url}?utm_source=fb&fbclid=${FBCLID}`);
    await s.store.waitForEvents(["PageView"]);
    const first = await cookieValue(s.context, "_fbc");
    const match = /^fb\.1\.(\d+)\.(.+)$/.exec(first ?? "");
    expect(match?.[2]).toBe(FBCLID);
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(before);
    expect(Number(match?.[1])).toBeLessThanOrEqual(Date.now());

    // The same ad link opened again later, in another tab of the same shopper: same click, same cookie.
    await s.page.waitForTimeout(20);
    const tab = await s.context.newPage();
    await tab.goto(`${s.store.indexUrl}?fbclid=${FBCLID}`);
    await settle(tab);
    expect(await cookieValue(s.context, "_fbc")).toBe(first);

    // A new click replaces it.
    await tab.goto(`${s.store.indexUrl}?fbclid=NewClick_42`);
    await settle(tab);
    expect(await cookieValue(s.context, "_fbc")).toMatch(/^fb\.1\.\d+\.NewClick_42$/);
  });

  it("ignores an fbclid that could not be a click ID", async () => {
    const s = await shop();
    await s.page.goto(`${s.store.url}?fbclid=${encodeURIComponent("x; path=/; domain=evil")}`);
    await s.store.waitForEvents(["PageView"]);
    expect(await cookieValue(s.context, "_fbc")).toBeUndefined();
  });

  it("writes _fbp, _fbc and consent into the cart once there is a cart, and only when they change", async () => {
    const s = await shop();
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await s.store.waitForEvents(["PageView"]);
    await settle(s.page);
    // No cart yet: nothing to write to (and no cart created for a visitor who only looks).
    expect(s.store.cartAttributeWrites).toEqual([]);

    await addToCartByFetch(s.page);
    await eventually(() => s.store.cart.attributes._fbp, "the cart attributes");
    const fbp = await cookieValue(s.context, "_fbp");
    const fbc = await cookieValue(s.context, "_fbc");
    expect(fbp).toMatch(/^fb\.1\.\d+\.\d+$/);
    expect(s.store.cart.attributes).toEqual({ _fbp: fbp, _fbc: fbc, _mc_consent: "granted" });
    // fbevents.js had loaded before the add, so one write carries all three.
    expect(s.store.cartAttributeWrites).toEqual([{ _mc_consent: "granted", _fbp: fbp, _fbc: fbc }]);
    const writes = 1;

    // Later pages of the same shopper: the cart already holds these values, so nothing is written.
    await s.page.goto(s.store.cartUrl);
    await settle(s.page);
    await s.page.goto(s.store.productUrl);
    await s.store.waitForEvents(["PageView"]);
    await settle(s.page);
    expect(s.store.cartAttributeWrites).toHaveLength(writes);

    // A new ad click changes _fbc only, and only _fbc is written.
    await s.page.goto(`${s.store.indexUrl}?fbclid=Second_Click`);
    await eventually(() => s.store.cartAttributeWrites.length > writes, "the changed _fbc");
    await settle(s.page);
    expect(s.store.cartAttributeWrites.slice(writes)).toEqual([{ _fbc: await cookieValue(s.context, "_fbc") }]);
    expect(s.store.cart.attributes._fbc).toMatch(/\.Second_Click$/);
  });
});

describe("consent", () => {
  it("a shopper who declined is never tracked, and the cart says so for the server", async () => {
    const s = await shop({ consent: "declined" });
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await settle(s.page);
    expect(await s.page.evaluate(() => (window as { __consentReads?: number }).__consentReads)).toBeGreaterThan(0);
    await addToCartByFetch(s.page);
    await eventually(() => s.store.cartAttributeWrites.length > 0, "the consent attribute");
    await settle(s.page);
    expect(await s.page.evaluate(() => typeof (window as { fbq?: unknown }).fbq)).toBe("undefined");
    // Leaving the page flushes whatever the embed queued for the app proxy: there must be nothing.
    await s.page.goto(s.store.indexUrl);
    await settle(s.page);

    expect(s.store.external).toEqual([]);
    expect(s.store.fbqCalls()).toEqual([]);
    expect(s.store.proxyRequests).toEqual([]);
    expect(await cookieValue(s.context, "_fbc")).toBeUndefined();
    expect(s.store.cartAttributeWrites).toEqual([{ _mc_consent: "denied" }]);
    expectQuiet(s);
  });

  it("waits for the visitor's decision where consent is required, then starts", async () => {
    const s = await shop({ consent: "pending" });
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await settle(s.page);
    expect(s.store.external).toEqual([]);
    expect(await cookieValue(s.context, "_fbc")).toBeUndefined();
    expect(s.store.proxyRequests).toEqual([]);

    await decideConsent(s.page, "yes");
    await s.store.waitForEvents(["PageView", "ViewContent"]);
    await s.store.waitForProxyEvents(["PageView", "ViewContent"]);
    // The click ID of the landing page, remembered in memory only until consent, with its first-seen time.
    expect(await cookieValue(s.context, "_fbc")).toMatch(new RegExp(`^fb\\.1\\.\\d+\\.${FBCLID}$`));
  });

  it("stays silent when the visitor declines in the banner", async () => {
    const s = await shop({ consent: "pending" });
    await s.page.goto(s.store.url);
    await settle(s.page);
    await decideConsent(s.page, "no");
    await addToCartByFetch(s.page);
    await eventually(() => s.store.cartAttributeWrites.length > 0, "the consent attribute");
    await settle(s.page);
    expect(s.store.external).toEqual([]);
    expect(s.store.cartAttributeWrites).toEqual([{ _mc_consent: "denied" }]);
  });

  it("stops at once when a consenting shopper withdraws, and clears the identifiers from the cart", async () => {
    const s = await shop({ consent: "granted" });
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await s.store.waitForEvents(["PageView"]);
    await addToCartByFetch(s.page);
    await eventually(() => s.store.cart.attributes._fbp, "the identifiers in the cart");

    await s.store.waitForProxyEvents(["AddToCart"]);

    await decideConsent(s.page, "no");
    await eventually(() => s.store.cart.attributes._mc_consent === "denied", "the withdrawal in the cart");
    await addToCartByFetch(s.page);
    await settle(s.page);
    await s.page.goto(s.store.indexUrl);
    await settle(s.page);
    expect(s.store.fbqCalls().map((c) => c.args)).toContainEqual(["consent", "revoke"]);
    expect(s.store.events().filter((e) => e.name === "AddToCart")).toHaveLength(1);
    expect(s.store.proxyEvents().filter((e) => e.event_name === "AddToCart")).toHaveLength(1);
    expect(s.store.proxyEvents().filter((e) => e.event_name === "PageView")).toHaveLength(1);
    expect(s.store.cart.attributes).toEqual({ _mc_consent: "denied" });
  });

  it("tracks without a decision where no consent is required, in the default mode", async () => {
    const s = await shop({ consent: "not-required" });
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView", "ViewContent"]);
  });

  it("strict mode waits for an explicit yes even where no consent is required", async () => {
    const s = await shop({ consent: "not-required", metafields: { consent_mode: "strict" } });
    await s.page.goto(s.store.url);
    await settle(s.page);
    expect(s.store.external).toEqual([]);
    await decideConsent(s.page, "yes");
    await s.store.waitForEvents(["PageView"]);
  });

  it.each([["unavailable"], ["api-error"]] as const)("tracks nothing when the Customer Privacy API is %s", async (consent) => {
    const s = await shop({ consent });
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await addToCartByFetch(s.page);
    await settle(s.page);
    expect(s.store.external).toEqual([]);
    expect(s.store.fbqCalls()).toEqual([]);
    expect(s.store.cartAttributeWrites).toEqual([]);
    expect(s.store.proxyRequests).toEqual([]);
    expectQuiet(s);
  });

  it("renders and runs nothing in the theme editor", async () => {
    const s = await shop({ designMode: true });
    await s.page.goto(s.store.url);
    await settle(s.page);
    expect(await s.page.$("#meta-capi-pixel-config")).toBeNull();
    expect(s.store.external).toEqual([]);
    expect(await s.page.evaluate(() => (window as { __consentReads?: number }).__consentReads)).toBe(0);
  });
});

describe("bad input: the storefront keeps working and nothing is sent with a bad ID", () => {
  it.each([
    ["a pixel ID with letters", { pixel_id: "12345abc6789" }],
    ["a pixel ID that is a number, not text", { pixel_id: 123456789012345 }],
    ["an empty pixel ID", { pixel_id: "" }],
    ["a missing pixel ID metafield", { pixel_id: undefined }],
  ])("%s: nothing fires, nothing loads, nothing is logged", async (_label, metafields) => {
    const s = await shop({ metafields });
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await addToCartByFetch(s.page);
    await settle(s.page);
    expect(s.store.external).toEqual([]);
    expect(s.store.fbqCalls()).toEqual([]);
    expect(s.store.cartAttributeWrites).toEqual([]);
    expect(s.store.proxyRequests).toEqual([]);
    expect(await cookieValue(s.context, "_fbc")).toBeUndefined();
    expect(s.store.cart.lines).toHaveLength(1);
    expectQuiet(s);
  });

  it("no app metafields at all: the block renders nothing", async () => {
    const s = await shop({ metafields: null });
    await s.page.goto(s.store.url);
    await settle(s.page);
    expect(await s.page.$("#meta-capi-pixel-config")).toBeNull();
    expect(s.store.external).toEqual([]);
    expectQuiet(s);
  });

  it("Meta's script blocked (ad blocker): the theme still adds to cart and the cart still gets the click ID", async () => {
    const s = await shop({}, "blocked");
    await s.page.goto(`${s.store.url}?fbclid=${FBCLID}`);
    await settle(s.page);
    expect(s.store.external.some((u) => u.startsWith(META_SCRIPT))).toBe(true);
    const answer = await addToCartByFetch(s.page);
    expect(answer).toMatchObject({ items: [{ product_id: PRODUCT.id }] });
    await eventually(() => s.store.cart.attributes._fbc, "the click ID in the cart");
    expect(s.store.cart.attributes).toMatchObject({ _mc_consent: "granted", _fbc: expect.stringContaining(FBCLID) });
    // Calls wait in the stub's queue; none of them ever had an empty or invented ID.
    const queued = await s.page.evaluate(() =>
      ((window as unknown as { fbq: { queue: ArrayLike<unknown>[] } }).fbq.queue ?? []).map((a) =>
        JSON.parse(JSON.stringify(Array.from(a))),
      ),
    );
    const ids = (queued as unknown[][]).filter((a) => a[0] === "trackSingle").map((a) => (a[4] as { eventID: string }).eventID);
    expect(ids.length).toBe(3);
    for (const id of ids) expect(id).toMatch(STOREFRONT_EVENT_ID);
    // The shopper Meta's script cannot see still reaches Meta: the server copies carry the same IDs.
    await s.store.waitForProxyEvents(["PageView", "ViewContent", "AddToCart"]);
    expect(
      s.store
        .proxyEvents()
        .map((e) => e.event_id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(await s.page.textContent("#theme-ready")).toBe("ok");
    expectQuiet(s, [META_SCRIPT]);
  });

  it("a failing cart API: no AddToCart, no errors from our script", async () => {
    const s = await shop({ cartApi: "broken" });
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    await addToCartByFetch(s.page).catch(() => undefined);
    await settle(s.page);
    expect(s.store.events().map((e) => e.name)).not.toContain("AddToCart");
    expectQuiet(s, [s.store.origin]);
  });
});
