// The real web pixel (index.ts → register → createPixel) against a fake sandbox API, and the real server
// mapping on the matching orders/paid payload: the browser Purchase and the server Purchase must carry one
// event ID, or Meta counts the sale twice.
import { afterEach, describe, expect, it } from "vitest";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { parseOrderJson } from "~/lib/capi/order-payload";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { checkoutCompleted, checkoutStarted, line, paymentInfoSubmitted } from "../../dev/fake-shopify/checkout-events";
import { catalogIdSettingText, type CatalogIdSetting } from "~/lib/capi/catalog-ids";
import { loadWebPixel, type PixelHarness, type PixelHarnessOptions } from "../helpers/web-pixel-harness";

const SHOP = "jsmith.myshopify.com";
const PIXEL = "123456789012345";
const FBP = "fb.1.1596403881668.1116446470";
const FBC = "fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk";
const SETTINGS = {
  pixelId: PIXEL,
  enabledEvents: "PageView,ViewContent,AddToCart,InitiateCheckout,AddPaymentInfo,Purchase",
  consentMode: "customer-privacy",
  limitedDataUse: "false",
};

const open: PixelHarness[] = [];
async function pixel(options: Partial<PixelHarnessOptions> = {}): Promise<PixelHarness> {
  const harness = await loadWebPixel({ settings: SETTINGS, cookies: { _fbp: FBP, _fbc: FBC }, shop: SHOP, ...options });
  open.push(harness);
  return harness;
}
afterEach(() => {
  for (const harness of open.splice(0)) harness.dispose();
});

function serverPurchase(orderId: string) {
  const result = mapOrderToPurchase(parseOrderJson(paidOrderJson({ id: orderId })), { shopDomain: SHOP, now: new Date() });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

// One order as both sides see it: two variants of one product, another product, and a custom item (no IDs).
const ORDER_LINES = [
  { productId: "7956823048226", variantId: "43794354536482", sku: "TEE-S", title: "Tee S", price: 30, quantity: 2 },
  { productId: "7956823048226", variantId: "43794354536483", sku: "TEE-M", title: "Tee M", price: 35, quantity: 1 },
  { productId: "7956827504674", variantId: "43794350309410", sku: "CAP", title: "Cap", price: 12.5, quantity: 1 },
  { productId: null, variantId: null, sku: "", title: "Gift wrap", price: 5, quantity: 1 },
];

function serverPurchaseOf(orderId: string, catalogIds: CatalogIdSetting) {
  const order = parseOrderJson(paidOrderJson({ id: orderId })) as Record<string, unknown>;
  order.line_items = ORDER_LINES.map((l, i) => ({
    id: i + 1,
    product_id: l.productId === null ? null : Number(l.productId),
    variant_id: l.variantId === null ? null : Number(l.variantId),
    sku: l.sku,
    title: l.title,
    quantity: l.quantity,
    price: l.price.toFixed(2),
    price_set: {
      shop_money: { amount: l.price.toFixed(2), currency_code: "USD" },
      presentment_money: { amount: l.price.toFixed(2), currency_code: "USD" },
    },
  }));
  const result = mapOrderToPurchase(order, { shopDomain: SHOP, now: new Date(), catalogIds });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe("browser and server copies in the catalog's ID form", () => {
  const settings: Array<[CatalogIdSetting, string[], string]> = [
    [{ form: "product_group", country: null }, ["7956823048226", "7956827504674"], "product_group"],
    [{ form: "variant", country: null }, ["43794354536482", "43794354536483", "43794350309410"], "product"],
    [
      { form: "shopify_catalog", country: "US" },
      ["shopify_US_7956823048226_43794354536482", "shopify_US_7956823048226_43794354536483", "shopify_US_7956827504674_43794350309410"],
      "product",
    ],
  ];

  it.each(settings)(
    "%j: the web pixel's Purchase carries the server Purchase's content_ids, content_type and contents",
    async (catalog, ids, type) => {
      const orderId = nextOrderId();
      const server = serverPurchaseOf(orderId, catalog);
      expect(server.custom_data.content_ids).toEqual(ids);
      expect(server.custom_data.content_type).toBe(type);

      const browser = await pixel({
        settings: { ...SETTINGS, catalogIds: catalogIdSettingText(catalog) },
      });
      await browser.publish(
        checkoutCompleted({
          orderId,
          lineItems: ORDER_LINES.map((l) =>
            line({
              ...l,
              productId: l.productId && `gid://shopify/Product/${l.productId}`,
              variantId: l.variantId && `gid://shopify/ProductVariant/${l.variantId}`,
            }),
          ),
        }),
      );
      const p = browser.trRequests()[0].searchParams;
      expect(p.get("eid")).toBe(server.event_id);
      expect(JSON.parse(p.get("cd[content_ids]")!)).toEqual(server.custom_data.content_ids);
      expect(p.get("cd[content_type]")).toBe(server.custom_data.content_type);
      expect(JSON.parse(p.get("cd[contents]")!)).toEqual(server.custom_data.contents);
      expect(p.has("cd[num_items]")).toBe(false);

      // InitiateCheckout for the same cart: the same IDs, and the only event with num_items (the named lines).
      await browser.publish(checkoutStarted({ lineItems: ORDER_LINES.map((l) => line(l)) }));
      const started = browser.trRequests()[1].searchParams;
      expect(started.get("ev")).toBe("InitiateCheckout");
      expect(JSON.parse(started.get("cd[content_ids]")!)).toEqual(ids);
      expect(started.get("cd[content_type]")).toBe(type);
      expect(started.get("cd[num_items]")).toBe("4");
    },
  );

  it("sends an order of custom items only with no content keys on either side", async () => {
    const orderId = nextOrderId();
    const custom = [{ productId: null, variantId: null, sku: "GIFT-CARD", title: "Gift card", price: 25, quantity: 1 }];
    const browser = await pixel({ settings: { ...SETTINGS, catalogIds: "variant" } });
    await browser.publish(checkoutCompleted({ orderId, lineItems: custom.map((l) => line(l)) }));
    const p = browser.trRequests()[0].searchParams;
    for (const key of ["cd[content_ids]", "cd[contents]", "cd[content_type]", "cd[num_items]"]) expect(p.has(key)).toBe(false);
    expect(p.get("cd[value]")).toBe("404.95");
  });
});

describe("browser Purchase and server Purchase", () => {
  it("carry the same event ID, value, currency and items for one order", async () => {
    const orderId = nextOrderId();
    const server = serverPurchase(orderId);

    const browser = await pixel();
    await browser.publish(checkoutCompleted({ orderId: `gid://shopify/OrderIdentity/${orderId}` }));
    const [tr] = browser.trRequests();
    const p = tr.searchParams;

    expect(p.get("eid")).toBe(server.event_id);
    expect(p.get("ev")).toBe(server.event_name);
    expect(p.get("id")).toBe(PIXEL);
    expect(Number(p.get("cd[value]"))).toBe(server.custom_data.value);
    expect(p.get("cd[currency]")).toBe(server.custom_data.currency);
    expect(JSON.parse(p.get("cd[content_ids]")!)).toEqual(server.custom_data.content_ids);
    expect(JSON.parse(p.get("cd[contents]")!)).toEqual(server.custom_data.contents);
    expect(p.get("cd[order_id]")).toBe(server.custom_data.order_id);
    // The server got these cookies through the cart attributes; the browser copy reads them itself.
    expect(p.get("fbp")).toBe(server.user_data.fbp);
    expect(p.get("fbc")).toBe(server.user_data.fbc);
  });

  it("differ between two orders, on both sides", async () => {
    const [a, b] = [nextOrderId(), nextOrderId()];
    const browser = await pixel();
    await browser.publish(checkoutCompleted({ orderId: a }));
    await browser.publish(checkoutCompleted({ orderId: b }));
    const ids = browser.trRequests().map((u) => u.searchParams.get("eid"));
    expect(ids).toEqual([serverPurchase(a).event_id, serverPurchase(b).event_id]);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("repeats", () => {
  it("sends one Purchase when the thank-you page is reloaded or revisited", async () => {
    const storage = new Map<string, string>();
    const orderId = nextOrderId();
    const first = await pixel({ storage });
    await first.publish(checkoutCompleted({ orderId }));
    await first.publish(checkoutCompleted({ orderId }));
    first.dispose();

    const reload = await pixel({ storage });
    await reload.publish(checkoutCompleted({ orderId }));
    expect(first.trRequests()).toHaveLength(1);
    expect(reload.trRequests()).toHaveLength(0);

    // Remembered per order: the shopper's next order still goes out.
    await reload.publish(checkoutCompleted({ orderId: nextOrderId() }));
    expect(reload.trRequests()).toHaveLength(1);
  });

  it("still sends (once per page) when storage is blocked, leaving repeats to Meta's event-ID dedup", async () => {
    const browser = await pixel({ storageFails: true });
    await browser.publish(checkoutCompleted({ orderId: nextOrderId() }));
    expect(browser.trRequests()).toHaveLength(1);
  });
});

describe("InitiateCheckout", () => {
  it("fires on checkout_started, keyed on the checkout token", async () => {
    const browser = await pixel();
    await browser.publish(checkoutStarted());
    const [tr] = browser.trRequests();
    expect(tr.searchParams.get("ev")).toBe("InitiateCheckout");
    expect(tr.searchParams.get("eid")).toBe("shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b");
    expect(tr.searchParams.get("cd[value]")).toBe("404.95");
    // The fixture's three lines with a product; its two custom items are no catalog item.
    expect(tr.searchParams.get("cd[num_items]")).toBe("3");
  });

  it("is not subscribed when switched off, and neither is Purchase", async () => {
    const browser = await pixel({ settings: { ...SETTINGS, enabledEvents: "PageView" } });
    expect(browser.subscribedEvents()).toEqual([]);
    const onlyPurchase = await pixel({ settings: { ...SETTINGS, enabledEvents: "Purchase" } });
    expect(onlyPurchase.subscribedEvents()).toEqual(["checkout_completed"]);
    const all = await pixel();
    expect(all.subscribedEvents()).toEqual(["checkout_completed", "checkout_started", "payment_info_submitted"]);
  });
});

describe("consent", () => {
  it("sends nothing while marketing is not allowed, and resumes when the visitor consents", async () => {
    const browser = await pixel({ marketingAllowed: false });
    await browser.publish(checkoutStarted());
    expect(browser.fetches).toHaveLength(0);
    browser.collectConsent(true);
    await browser.publish(checkoutCompleted({ orderId: nextOrderId() }));
    expect(browser.trRequests()).toHaveLength(1);
    browser.collectConsent(false);
    await browser.publish(checkoutCompleted({ orderId: nextOrderId() }));
    expect(browser.trRequests()).toHaveLength(1);
  });

  it("never tracks a shopper who declined on the storefront, even where the region allows it", async () => {
    const browser = await pixel();
    const declined = [{ key: "_mc_consent", value: "denied" }];
    await browser.publish(checkoutStarted({ attributes: declined }));
    await browser.publish(checkoutCompleted({ orderId: nextOrderId(), attributes: declined }));
    expect(browser.fetches).toHaveLength(0);
  });

  it("in strict mode tracks only a shopper who explicitly consented on the storefront", async () => {
    const strict = await pixel({ settings: { ...SETTINGS, consentMode: "strict" } });
    await strict.publish(checkoutCompleted({ orderId: nextOrderId(), attributes: [] }));
    expect(strict.fetches).toHaveLength(0);
    await strict.publish(checkoutCompleted({ orderId: nextOrderId(), attributes: [{ key: "_mc_consent", value: "granted" }] }));
    expect(strict.trRequests()).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("does nothing at all without a valid pixel ID", async () => {
    for (const pixelId of ["", "12345abc", undefined]) {
      const browser = await pixel({ settings: { ...SETTINGS, pixelId } });
      expect(browser.subscribedEvents()).toEqual([]);
    }
  });

  it("sends no Purchase for a checkout without an order ID", async () => {
    const browser = await pixel();
    await browser.publish(checkoutCompleted({ orderId: null }));
    await browser.publish(checkoutCompleted({ orderId: "gid://shopify/Checkout/12" }));
    expect(browser.fetches).toHaveLength(0);
  });

  it("leaves out cookies Meta would reject, and sends without them", async () => {
    const browser = await pixel({ cookies: { _fbp: "garbage", _fbc: "" } });
    await browser.publish(checkoutCompleted({ orderId: nextOrderId() }));
    const [tr] = browser.trRequests();
    expect(tr.searchParams.has("fbp")).toBe(false);
    expect(tr.searchParams.has("fbc")).toBe(false);
  });

  it("swallows a failing network: no throw, no unhandled rejection", async () => {
    const browser = await pixel({ fetchFails: true });
    await expect(browser.publish(checkoutCompleted({ orderId: nextOrderId() }))).resolves.toBeUndefined();
    expect(browser.fetches.length).toBeGreaterThan(0);
  });
});

describe("Limited Data Use", () => {
  it("flags the browser event like the server event", async () => {
    const browser = await pixel({ settings: { ...SETTINGS, limitedDataUse: "true" } });
    await browser.publish(checkoutCompleted({ orderId: nextOrderId() }));
    const p = browser.trRequests()[0].searchParams;
    expect([p.get("dpo"), p.get("dpoco"), p.get("dpost")]).toEqual(["LDU", "0", "0"]);
  });
});

describe("the server copy through the app proxy", () => {
  const PROXY = `https://${SHOP}/apps/meta-capi/events`;

  it("sends InitiateCheckout and AddPaymentInfo to /tr and to the proxy on the checkout's origin, with one ID each", async () => {
    const browser = await pixel();
    await browser.publish(checkoutStarted());
    await browser.publish(paymentInfoSubmitted());

    const tr = browser.trRequests().map((u) => [u.searchParams.get("ev"), u.searchParams.get("eid")]);
    const proxied = browser.proxyEvents().map((e) => [e.event_name, e.event_id]);
    expect(tr.map(([name]) => name)).toEqual(["InitiateCheckout", "AddPaymentInfo"]);
    expect(proxied).toEqual(tr);
    expect(tr[0][1]).toBe("shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b");
    expect(tr[1][1]).toMatch(/^wp_[0-9a-f]{32}$/);

    const requests = browser.proxyRequests();
    expect(requests.map((r) => r.url)).toEqual([PROXY, PROXY]);
    for (const r of requests) {
      expect(r.init).toMatchObject({ method: "POST", mode: "no-cors", keepalive: true, headers: { "Content-Type": "text/plain" } });
      expect(r.body.events).toHaveLength(1);
    }
    const [started, payment] = browser.proxyEvents();
    expect(started).toEqual({
      event_name: "InitiateCheckout",
      event_id: "shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b",
      event_time: Math.floor(Date.parse("2025-03-14T14:10:02.000Z") / 1000),
      event_source_url: `https://${SHOP}/checkouts/cn/bd6b6a3a4d8a1f3c`,
      custom_data: expect.objectContaining({ value: 404.95, currency: "USD", num_items: 3, content_type: "product_group" }),
      fbp: FBP,
      fbc: FBC,
    });
    // The same custom data as the browser copy: what Meta deduplicates must match.
    const trPayment = browser.trRequests()[1].searchParams;
    expect(String(payment.custom_data.value)).toBe(trPayment.get("cd[value]"));
    expect(JSON.stringify(payment.custom_data.contents)).toBe(trPayment.get("cd[contents]"));
  });

  it("posts Purchase to the proxy with the server's ID, as the mark that the browser sent it", async () => {
    const orderId = nextOrderId();
    const browser = await pixel();
    await browser.publish(checkoutCompleted({ orderId }));
    expect(browser.proxyEvents().map((e) => [e.event_name, e.event_id])).toEqual([["Purchase", serverPurchase(orderId).event_id]]);
    expect(browser.trRequests()[0].searchParams.get("eid")).toBe(serverPurchase(orderId).event_id);
  });

  it("sends nothing to either when AddPaymentInfo is switched off", async () => {
    const browser = await pixel({ settings: { ...SETTINGS, enabledEvents: "InitiateCheckout,Purchase" } });
    await browser.publish(paymentInfoSubmitted());
    expect(browser.subscribedEvents()).not.toContain("payment_info_submitted");
    expect(browser.fetches).toEqual([]);
  });

  it("leaves cookies Meta would reject out of the proxy body too", async () => {
    const browser = await pixel({ cookies: { _fbp: "garbage" } });
    await browser.publish(checkoutStarted());
    const [event] = browser.proxyEvents();
    expect(event.event_id).toBe("shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b");
    expect(event).not.toHaveProperty("fbp");
    expect(event).not.toHaveProperty("fbc");
  });

  it("honours an opt-out of the sale of data, at load and when it changes", async () => {
    const optedOut = await pixel({ saleOfDataAllowed: false });
    await optedOut.publish(checkoutStarted());
    expect(optedOut.fetches).toEqual([]);

    const browser = await pixel();
    await browser.publish(checkoutStarted());
    expect(browser.proxyEvents()).toHaveLength(1);
    browser.collectConsent(true, false);
    await browser.publish(paymentInfoSubmitted());
    await browser.publish(checkoutCompleted({ orderId: nextOrderId() }));
    expect(browser.proxyEvents()).toHaveLength(1);
    expect(browser.trRequests()).toHaveLength(1);
  });
});
