// The theme app embed's events in real headless Chromium: its Liquid rendered like Shopify would, its
// script served as written, Meta's fbevents.js replaced by a recorder, Shopify's cart and consent APIs
// played by the test storefront (tests/helpers/storefront.ts). Every assertion is on what the browser did.
import { describe, expect, it } from "vitest";
import { STOREFRONT_EVENT_ID } from "~/lib/browser-event-id";
import { catalogContents, catalogIdTemplate, type CatalogIdSetting } from "~/lib/capi/catalog-ids";
import { customerKeyOf } from "~/lib/capi/customer-key";
import { hashUserField, normalizeEmail } from "~/lib/capi/normalize";
import { eventually } from "../helpers/browser";
import { expectQuiet, FBCLID, META_SCRIPT, useStorefrontSessions } from "../helpers/storefront-suite";
import { PIXEL_ID, PRODUCT, addToCartByFetch, addToCartByXhr, decideConsent, settle } from "../helpers/storefront";

const PRODUCT_ID = String(PRODUCT.id);
const VARIANT = PRODUCT.variants[0];

const { shop } = useStorefrontSessions();

describe("storefront events", () => {
  it("fires PageView and ViewContent to our pixel only, with fresh IDs, autoConfig off before init", async () => {
    const s = await shop({ template: "product" });
    await s.page.goto(s.store.url);
    const events = await s.store.waitForEvents(["PageView", "ViewContent"]);

    const calls = s.store.fbqCalls().map((c) => c.args);
    expect(calls.slice(0, 2)).toEqual([
      ["set", "autoConfig", false, PIXEL_ID],
      ["init", PIXEL_ID, {}],
    ]);
    expect(events.map((e) => [e.method, e.pixelId, e.name])).toEqual([
      ["trackSingle", PIXEL_ID, "PageView"],
      ["trackSingle", PIXEL_ID, "ViewContent"],
    ]);
    expect(events[0].params).toEqual({});
    expect(events[1].params).toEqual({
      content_ids: [PRODUCT_ID],
      // No catalog setting written yet: product IDs, declared as the product groups they are.
      content_type: "product_group",
      contents: [{ id: PRODUCT_ID, quantity: 1 }],
      value: 89.99,
      currency: "USD",
    });
    for (const e of events) expect(e.eventID).toMatch(STOREFRONT_EVENT_ID);
    expect(events[0].eventID).not.toBe(events[1].eventID);
    // No automatic SPA PageViews (they would carry no event ID), and Meta's script never blocks parsing.
    expect(s.store.fbqCalls().every((c) => c.disablePushState)).toBe(true);
    expect(await s.page.$eval(`script[src^="${META_SCRIPT}"]`, (el) => (el as HTMLScriptElement).async)).toBe(true);
    expect(await s.page.$eval(`script[src$="/assets/meta-pixel.js"]`, (el) => (el as HTMLScriptElement).async)).toBe(true);
    expectQuiet(s);
  });

  it("fires only PageView on the home page, and a new ID on every page view", async () => {
    const s = await shop({ template: "index" });
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    await s.page.reload();
    await eventually(() => s.store.events().length === 2, "a second PageView");
    const events = s.store.events();
    expect(events.map((e) => e.name)).toEqual(["PageView", "PageView"]);
    expect(events[0].eventID).not.toBe(events[1].eventID);
  });

  it("flags Limited Data Use before init when the shop has it on", async () => {
    const s = await shop({ metafields: { limited_data_use: true } });
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    expect(
      s.store
        .fbqCalls()
        .map((c) => c.args)
        .slice(0, 3),
    ).toEqual([
      ["set", "autoConfig", false, PIXEL_ID],
      ["dataProcessingOptions", ["LDU"], 0, 0],
      ["init", PIXEL_ID, {}],
    ]);
  });

  it("prints no raw customer data into the page, and hands Meta the server's hashes only after consent", async () => {
    const customer = { id: 207119551, email: " John_Smith@Gmail.com " };
    const s = await shop({ customer, consent: "pending" });
    const response = await s.page.goto(s.store.url);
    // The served bytes, not the DOM: what a cache or any other script on the page could read.
    const html = (await response!.text()).toLowerCase();
    expect(html).not.toContain("john_smith");
    expect(html).not.toContain("gmail");
    expect(html).not.toContain(String(customer.id));
    await settle(s.page);
    expect(s.store.fbqCalls()).toEqual([]);

    await decideConsent(s.page, "yes");
    await s.store.waitForEvents(["PageView"]);
    const expected = { em: hashUserField(normalizeEmail(customer.email)!), external_id: customerKeyOf(customer.id) };
    expect(expected.em).toBe("62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f");
    expect(s.store.fbqCalls().map((c) => c.args)).toContainEqual(["init", PIXEL_ID, expected]);
  });

  it("fires only the events switched on, and loads nothing from Meta when none of them is", async () => {
    const some = await shop({ metafields: { enabled_events: ["ViewContent", "Purchase"] } });
    await some.page.goto(some.store.url);
    await some.store.waitForEvents(["ViewContent"]);
    await settle(some.page);
    expect(some.store.events().map((e) => e.name)).toEqual(["ViewContent"]);

    const none = await shop({ metafields: { enabled_events: ["InitiateCheckout", "Purchase"] } });
    await none.page.goto(`${none.store.url}?fbclid=${FBCLID}`);
    await settle(none.page);
    expect(none.store.external).toEqual([]);
    // The checkout pixel still needs the click ID and the consent on the order.
    await addToCartByFetch(none.page);
    const write = await eventually(() => none.store.cartAttributeWrites[0], "a cart attribute write");
    expect(write).toMatchObject({ _mc_consent: "granted", _fbc: expect.stringMatching(new RegExp(`\\.${FBCLID}$`)) });
    expectQuiet(none);
  });
});

describe("AddToCart, however the theme adds to cart", () => {
  it("fetch to /cart/add.js: once, with the product, quantity and value; the theme gets its answer untouched", async () => {
    const s = await shop();
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    const answer = await addToCartByFetch(s.page, VARIANT.id, 2);
    expect(answer).toEqual({ items: [{ variant_id: VARIANT.id, product_id: PRODUCT.id, quantity: 2, price: VARIANT.price }] });
    const [add] = (await s.store.waitForEvents(["AddToCart"])).filter((e) => e.name === "AddToCart");
    expect(add).toMatchObject({ method: "trackSingle", pixelId: PIXEL_ID });
    expect(add.params).toEqual({
      content_ids: [PRODUCT_ID],
      content_type: "product_group",
      contents: [{ id: PRODUCT_ID, quantity: 2 }],
      value: 179.98,
      currency: "USD",
    });
    expect(add.eventID).toMatch(STOREFRONT_EVENT_ID);
    await settle(s.page);
    expect(s.store.events().filter((e) => e.name === "AddToCart")).toHaveLength(1);
    expectQuiet(s);
  });

  it("XMLHttpRequest to /cart/add.js: once, and the theme's own handler still runs", async () => {
    const s = await shop();
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    const result = await addToCartByXhr(s.page);
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ product_id: PRODUCT.id, quantity: 1 });
    const adds = (await s.store.waitForEvents(["AddToCart"])).filter((e) => e.name === "AddToCart");
    expect(adds).toHaveLength(1);
    expect(adds[0].params).toMatchObject({ content_ids: [PRODUCT_ID], value: 89.99, currency: "USD" });
  });

  it("a plain form post (the page navigates to /cart): once, from the form's variant", async () => {
    const s = await shop();
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    await Promise.all([s.page.waitForURL(`${s.store.cartUrl}`), s.page.click("#add-to-cart")]);
    const adds = (await s.store.waitForEvents(["AddToCart"])).filter((e) => e.name === "AddToCart");
    expect(adds).toHaveLength(1);
    expect(adds[0].params).toMatchObject({ content_ids: [PRODUCT_ID], contents: [{ id: PRODUCT_ID, quantity: 1 }], value: 89.99 });
    expect(s.store.cart.lines).toHaveLength(1);
    await settle(s.page);
    expect(s.store.events().filter((e) => e.name === "AddToCart")).toHaveLength(1);
  });

  it("a theme that intercepts the form and posts it with fetch: once, not twice", async () => {
    const s = await shop({ ajaxTheme: true });
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    await s.page.click("#add-to-cart");
    await s.page.waitForSelector("body[data-added='1']");
    await s.store.waitForEvents(["AddToCart"]);
    await settle(s.page);
    expect(s.page.url()).toBe(s.store.url);
    expect(s.store.events().filter((e) => e.name === "AddToCart")).toHaveLength(1);
  });

  it("does not fire when Shopify refuses the add", async () => {
    const s = await shop();
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    await addToCartByFetch(s.page, 999, 1);
    await settle(s.page);
    expect(s.store.events().map((e) => e.name)).not.toContain("AddToCart");
    expect(s.store.cartAttributeWrites).toEqual([]);
    expectQuiet(s, [s.store.origin]);
  });
});

// The embed applies the shop's catalog setting (metafield catalog_ids, written by storefront-sync from
// catalogIdTemplate) and names each item exactly as the server and the web pixel do (catalogContents).
describe("content_ids in the catalog's form", () => {
  const forms: CatalogIdSetting[] = [
    { form: "shopify_catalog", country: "US" },
    { form: "variant", country: null },
  ];
  it.each(forms)("%j: ViewContent and AddToCart (fetch and form post) carry the server's IDs and content_type", async (catalog) => {
    const s = await shop({ metafields: { catalog_ids: catalogIdTemplate(catalog) } });
    await s.page.goto(s.store.url);
    const [, view] = await s.store.waitForEvents(["PageView", "ViewContent"]);
    const same = (variantId: number, quantity: number) =>
      catalogContents(catalog, [{ productId: PRODUCT.id, variantId, quantity, price: null }])!;
    const viewed = same(VARIANT.id, 1);
    expect(view.params).toEqual({ ...viewed, value: 89.99, currency: "USD" });
    if (catalog.form === "shopify_catalog") expect(viewed.content_ids).toEqual([`shopify_US_${PRODUCT.id}_${VARIANT.id}`]);

    const other = PRODUCT.variants[1];
    await addToCartByFetch(s.page, other.id, 2);
    await eventually(() => s.store.events().some((e) => e.name === "AddToCart"), "AddToCart by fetch");
    const add = s.store.events().find((e) => e.name === "AddToCart")!;
    expect(add.params).toEqual({ ...same(other.id, 2), value: 219.98, currency: "USD" });
    // The server copy through the proxy: the same event ID and the same IDs.
    await eventually(() => s.store.proxyEvents().some((e) => e.event_id === add.eventID), "the AddToCart copy at the proxy");
    const copy = s.store.proxyEvents().find((e) => e.event_id === add.eventID)!;
    expect(copy.custom_data).toMatchObject({ content_ids: add.params.content_ids, content_type: add.params.content_type });

    await Promise.all([s.page.waitForURL(`${s.store.cartUrl}`), s.page.click("#add-to-cart")]);
    await eventually(() => s.store.events().filter((e) => e.name === "AddToCart").length === 2, "AddToCart by form post");
    const posted = s.store.events().filter((e) => e.name === "AddToCart")[1];
    expect(posted.params).toMatchObject(same(VARIANT.id, 1));
  });

  it("sends a shopify_catalog setting without a country with no content keys, never an invalid ID", async () => {
    const s = await shop({ metafields: { catalog_ids: catalogIdTemplate({ form: "shopify_catalog", country: null }) } });
    await s.page.goto(s.store.url);
    await s.store.waitForEvents(["PageView"]);
    await addToCartByFetch(s.page, VARIANT.id, 1);
    await eventually(() => s.store.events().some((e) => e.name === "AddToCart"), "AddToCart");
    expect(s.store.events().map((e) => e.name)).not.toContain("ViewContent");
    expect(s.store.events().find((e) => e.name === "AddToCart")!.params).toEqual({});
  });
});
