import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkout } from "../../../dev/fake-shopify/checkout-events";
import {
  addPaymentInfoFromCheckout,
  buildTrUrl,
  initiateCheckoutFromCheckout,
  isFbCookie,
  parseSettings,
  proxyBody,
  proxyEventsUrl,
  purchaseFromCheckout,
  storefrontConsent,
  type MetaBrowserEvent,
} from "./meta-request";

const FBP = "fb.1.1596403881668.1116446470";
const FBC = "fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk";

describe("parseSettings", () => {
  it("reads the settings syncStorefront writes", () => {
    expect(
      parseSettings({
        pixelId: " 123456789012345 ",
        enabledEvents: "PageView,Purchase,AddPaymentInfo,InitiateCheckout,BookedTrialClass",
        consentMode: "strict",
        limitedDataUse: "true",
      }),
    ).toEqual({
      pixelId: "123456789012345",
      enabledEvents: ["InitiateCheckout", "AddPaymentInfo", "Purchase"],
      consentMode: "strict",
      limitedDataUse: true,
      catalogIds: { form: "product_group", country: null },
    });
    expect(parseSettings({ pixelId: "123456789012345", catalogIds: "shopify_catalog:de" })).toMatchObject({
      catalogIds: { form: "shopify_catalog", country: "DE" },
    });
  });

  it("falls back to the safe reading of each optional field", () => {
    expect(parseSettings({ pixelId: "123456789012345" })).toEqual({
      pixelId: "123456789012345",
      enabledEvents: [],
      consentMode: "customer-privacy",
      limitedDataUse: false,
      // Settings written before the catalog setting existed: the server's stored default.
      catalogIds: { form: "product_group", country: null },
    });
    expect(parseSettings({ pixelId: "123456789012345", limitedDataUse: "yes" })).toMatchObject({ limitedDataUse: false });
    expect(parseSettings({ pixelId: "123456789012345", catalogIds: "sku:USA" })).toMatchObject({
      catalogIds: { form: "product_group", country: null },
    });
  });

  it.each([[{}], [{ pixelId: "" }], [{ pixelId: "12345abc" }], [{ pixelId: 123456789012345 }], [{ pixelId: "1234" }], [null], ["x"]])(
    "refuses %j: no pixel ID, no pixel",
    (raw) => expect(parseSettings(raw)).toBeNull(),
  );
});

describe("purchaseFromCheckout", () => {
  it("keys the Purchase on the order and mirrors the server's custom data", () => {
    const event = purchaseFromCheckout(checkout({ orderId: "987654321098765432" }));
    expect(event).toEqual({
      eventName: "Purchase",
      eventId: "shopify_order_987654321098765432",
      customData: {
        value: 404.95,
        currency: "USD",
        content_ids: ["788032119674292922"],
        contents: [
          { id: "788032119674292922", quantity: 1, item_price: 89.99 },
          { id: "788032119674292922", quantity: 1, item_price: 159.99 },
          { id: "788032119674292922", quantity: 1, item_price: 119.99 },
        ],
        content_type: "product_group",
        // No num_items: an InitiateCheckout parameter only.
        order_id: "987654321098765432",
      },
    });
  });

  it.each([["gid://shopify/OrderIdentity/987654321098765432"], ["gid://shopify/Order/987654321098765432"], ["0987654321098765432"]])(
    "reads the order ID %s the same way",
    (orderId) => expect(purchaseFromCheckout(checkout({ orderId }))?.eventId).toBe("shopify_order_987654321098765432"),
  );

  it.each([[null], [""], ["gid://shopify/Checkout/123"], ["#1001"]])("sends nothing for order ID %j rather than invent one", (orderId) => {
    expect(purchaseFromCheckout(checkout({ orderId }))).toBeNull();
  });

  it("sends nothing without a checkout", () => {
    expect(purchaseFromCheckout(null)).toBeNull();
    expect(purchaseFromCheckout(undefined)).toBeNull();
  });

  it("leaves value and currency out together when either is unusable", () => {
    for (const broken of [checkout({ orderId: "1", currency: "dollars" }), { ...checkout({ orderId: "1" }), totalPrice: null }]) {
      const data = purchaseFromCheckout(broken)!.customData;
      expect(data).not.toHaveProperty("value");
      expect(data).not.toHaveProperty("currency");
    }
  });

  it("reads product and variant GIDs as digits and skips lines without the catalog's ID", () => {
    const base = checkout({ orderId: "1" });
    const first = base.lineItems[0];
    const lines = [
      { ...first, variant: { ...first.variant!, product: { ...first.variant!.product, id: "gid://shopify/Product/42" } } },
      { ...first, variant: { ...first.variant!, product: { ...first.variant!.product, id: null }, id: "gid://shopify/ProductVariant/7" } },
      { ...first, variant: null },
      { ...first, quantity: 0 },
    ];
    const data = purchaseFromCheckout({ ...base, lineItems: lines })!.customData;
    expect(data.content_ids).toEqual(["42"]);
    expect(data).not.toHaveProperty("num_items");
    const variants = purchaseFromCheckout({ ...base, lineItems: lines }, { form: "variant", country: null })!.customData;
    expect(variants.content_ids).toEqual(["7"]);
    expect(variants.content_type).toBe("product");
  });
});

describe("initiateCheckoutFromCheckout", () => {
  it("keys InitiateCheckout on the checkout token, so a reload is the same event", () => {
    const event = initiateCheckoutFromCheckout(checkout());
    expect(event?.eventId).toBe("shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b");
    expect(event?.eventName).toBe("InitiateCheckout");
    expect(event?.customData).not.toHaveProperty("order_id");
    // The quantity of the lines it names (the two custom items are no catalog item).
    expect(event?.customData.num_items).toBe(3);
  });

  it("falls back to a fresh random ID when the token is missing or odd", () => {
    const a = initiateCheckoutFromCheckout(checkout({ token: null }))!.eventId;
    const b = initiateCheckoutFromCheckout(checkout({ token: "bad token;" }))!.eventId;
    expect(a).toMatch(/^wp_[0-9a-f]{32}$/);
    expect(b).toMatch(/^wp_[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});

describe("addPaymentInfoFromCheckout", () => {
  it("carries the checkout's items and total under a fresh ID each time", () => {
    const a = addPaymentInfoFromCheckout(checkout())!;
    const b = addPaymentInfoFromCheckout(checkout())!;
    expect(a.eventName).toBe("AddPaymentInfo");
    expect(a.eventId).toMatch(/^wp_[0-9a-f]{32}$/);
    expect(b.eventId).not.toBe(a.eventId);
    const { num_items, ...withoutCount } = initiateCheckoutFromCheckout(checkout())!.customData;
    expect(num_items).toBe(3);
    expect(a.customData).toEqual(withoutCount);
    expect(a.customData).not.toHaveProperty("num_items");
    expect(addPaymentInfoFromCheckout(null)).toBeNull();
  });
});

describe("storefrontConsent", () => {
  it.each([
    [[{ key: "_mc_consent", value: "granted" }], "granted"],
    [[{ key: "_mc_consent", value: " DENIED " }], "denied"],
    [[{ key: "_mc_consent", value: "maybe" }], null],
    [[{ key: "other", value: "denied" }], null],
    [[], null],
  ])("%j → %s", (attributes, expected) => expect(storefrontConsent({ attributes })).toBe(expected));
});

describe("buildTrUrl", () => {
  const purchase: MetaBrowserEvent = {
    eventName: "Purchase",
    eventId: "shopify_order_987654321098765432",
    customData: {
      value: 404.95,
      currency: "USD",
      content_ids: ["788032119674292922", "LENS-PROTECT-2YR"],
      contents: [
        { id: "788032119674292922", quantity: 1, item_price: 89.99 },
        { id: "LENS-PROTECT-2YR", quantity: 2 },
      ],
      content_type: "product",
      num_items: 3,
      order_id: "987654321098765432",
    },
  };

  it("builds fbevents' image-pixel request, parameter for parameter", () => {
    const url = buildTrUrl({
      pixelId: "123456789012345",
      event: purchase,
      pageUrl: "https://jsmith.myshopify.com/checkouts/cn/x/thank-you",
      referrer: "https://jsmith.myshopify.com/cart",
      timestampMs: 1741961731123,
      fbp: FBP,
      fbc: FBC,
      limitedDataUse: false,
    });
    expect(url).toBe(
      "https://www.facebook.com/tr?id=123456789012345&ev=Purchase&eid=shopify_order_987654321098765432" +
        "&dl=https%3A%2F%2Fjsmith.myshopify.com%2Fcheckouts%2Fcn%2Fx%2Fthank-you&rl=https%3A%2F%2Fjsmith.myshopify.com%2Fcart" +
        "&ts=1741961731123&cd%5Bvalue%5D=404.95&cd%5Bcurrency%5D=USD" +
        "&cd%5Bcontent_ids%5D=%5B%22788032119674292922%22%2C%22LENS-PROTECT-2YR%22%5D" +
        "&cd%5Bcontents%5D=%5B%7B%22id%22%3A%22788032119674292922%22%2C%22quantity%22%3A1%2C%22item_price%22%3A89.99%7D%2C%7B%22id%22%3A%22LENS-PROTECT-2YR%22%2C%22quantity%22%3A2%7D%5D" +
        "&cd%5Bcontent_type%5D=product&cd%5Bnum_items%5D=3&cd%5Border_id%5D=987654321098765432" +
        `&fbp=${FBP}&fbc=${FBC}`,
    );
    const params = new URL(url).searchParams;
    expect(JSON.parse(params.get("cd[contents]")!)).toEqual(purchase.customData.contents);
    expect(params.get("fbc")).toBe(FBC);
  });

  it("adds Limited Data Use with Meta geolocating the shopper", () => {
    const params = new URL(buildTrUrl({ pixelId: "1234567", event: purchase, timestampMs: 1, limitedDataUse: true })).searchParams;
    expect([params.get("dpo"), params.get("dpoco"), params.get("dpost")]).toEqual(["LDU", "0", "0"]);
  });

  it("omits what it does not have and drops malformed cookies instead of sending them", () => {
    const url = buildTrUrl({
      pixelId: "1234567",
      event: { ...purchase, customData: { content_ids: [], contents: [], content_type: "product", num_items: 0 } },
      pageUrl: null,
      timestampMs: 1741961731123.9,
      fbp: "fb.1.abc",
      fbc: "fb.1.1554763741205.has space",
      limitedDataUse: false,
    });
    const params = new URL(url).searchParams;
    expect([...params.keys()]).toEqual(["id", "ev", "eid", "ts", "cd[content_ids]", "cd[contents]", "cd[content_type]", "cd[num_items]"]);
    expect(params.get("ts")).toBe("1741961731123");
  });
});

describe("isFbCookie", () => {
  it.each([
    [FBP, true],
    [FBC, true],
    ["fb.1.1596403881668.1116446470.AQ", true],
    ["", false],
    ["fb.1.", false],
    ["fb.1.123.x;y", false],
    [undefined, false],
  ])("%j → %s", (value, expected) => expect(isFbCookie(value)).toBe(expected));
});

describe("proxyEventsUrl", () => {
  it.each([
    ["https://jsmith.myshopify.com", "https://jsmith.myshopify.com/apps/meta-capi/events"],
    ["https://shop.example.co.uk", "https://shop.example.co.uk/apps/meta-capi/events"],
    ["http://127.0.0.1:4000", "http://127.0.0.1:4000/apps/meta-capi/events"],
    ["null", null],
    ["https://jsmith.myshopify.com/checkouts", null],
    ["javascript:alert(1)", null],
    ["", null],
    [undefined, null],
  ])("%j → %s", (origin, expected) => expect(proxyEventsUrl(origin)).toBe(expected));
});

describe("proxyBody", () => {
  const event: MetaBrowserEvent = {
    eventName: "InitiateCheckout",
    eventId: "shopify_checkout_abcdefgh",
    customData: {
      value: 12.5,
      currency: "EUR",
      content_ids: ["1"],
      contents: [{ id: "1", quantity: 1 }],
      content_type: "product",
      num_items: 1,
    },
  };

  it("is one event in Meta's field names, event_time in seconds", () => {
    expect(
      JSON.parse(proxyBody({ event, pageUrl: "https://s.example/checkouts/cn/x", timestampMs: 1741961402999, fbp: FBP, fbc: FBC })),
    ).toEqual({
      events: [
        {
          event_name: "InitiateCheckout",
          event_id: "shopify_checkout_abcdefgh",
          event_time: 1741961402,
          event_source_url: "https://s.example/checkouts/cn/x",
          custom_data: event.customData,
          fbp: FBP,
          fbc: FBC,
        },
      ],
    });
  });

  it("leaves out what it does not have and cookies Meta would reject", () => {
    const [sent] = (
      JSON.parse(proxyBody({ event, pageUrl: null, timestampMs: 1741961402000, fbp: "garbage", fbc: null })) as { events: object[] }
    ).events;
    expect(Object.keys(sent).sort()).toEqual(["custom_data", "event_id", "event_name", "event_time"]);
  });
});

// The Shopify CLI bundles src/ for a sandbox without Node: only the pixel package and our pure modules.
describe("the pixel's sources", () => {
  it("import nothing but the extension package and the app's pure ID modules", () => {
    for (const file of ["index.ts", "pixel.ts", "meta-request.ts"]) {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), "utf8");
      const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
      for (const specifier of imports) {
        expect(specifier).toMatch(
          /^(@shopify\/web-pixels-extension|\.\/(pixel|meta-request)|\.\.\/\.\.\/\.\.\/app\/lib\/(event-id|browser-event-id|capi\/catalog-ids))$/,
        );
      }
    }
  });
});
