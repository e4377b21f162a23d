import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hasMinimumMatchData, mapOrderToPurchase, type MapResult } from "./map-order";
import { parseOrderJson } from "./order-payload";

const PAID_RAW = readFileSync(new URL("../../../dev/fake-shopify/orders-paid.json", import.meta.url), "utf8");
const SAMPLE_RAW = readFileSync(new URL("../../../tests/fixtures/webhooks/orders-paid.sample.json", import.meta.url), "utf8");

const SHOP = "jsmith.myshopify.com";
const NOW = new Date("2025-03-14T14:20:00Z");
const ctx = { shopDomain: SHOP, now: NOW };

// Expected hashes are literals (sha256sum of the normalised strings), not computed by the code under test.
const H = {
  em_john_smith: "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f",
  ph_16505551212: "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176",
  ph_447911123456: "40b5c38342a9c584ec707e8679b003f8c779c6aaa138c976ef94e049cc05208f",
  fn_mary: "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec",
  ln_smith: "6627835f988e2c5e50533d491163072d3f4f41f5c8b04630150debb3722ca2dd",
  ct_newyork: "350c754ba4d38897693aa077ef43072a859d23f613443133fecbbd90a3512ca5",
  st_ny: "1b06e2003f8420d6fa42badd8f77ec0f706b976b7a48b13c567dc5a559681683",
  zp_10001: "e443169117a184f91186b401133b20be670c7c0896f9886075e5d9b81e9d076b",
  country_us: "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621",
  external_id_207119551123456789: "51e02183a5e330bb309a70f96ca8233e8cd615bc7dbbeb313f61dbb453f926d1",
  // Shopify's sample order (#9999)
  em_jon: "32023064c99bdd80005be565f7bcd3282c55e4981c5a5a63f1d2d84be7af258d",
  fn_steve: "f148389d080cfe85952998a8a367e2f7eaf35f2d72d2599a5b0412fe4094d65c",
  ln_shipper: "8be2e28a473f0bf8203d10896b2f14b5d499369e3f5aa1882c098628b58f41ac",
  ct_shippington: "61a576dd4e16b6e74e9f475e4983676aaa0c1177ab9bf8792f6a851497fc8181",
  st_ky: "2076584e3f0868e790b7c97905f0d75a1af62da4f2ee3fba3db40504a686307c",
  zp_40003: "81e97dada7651b5524c6976058450b4e2db09d67f0be50240694aecfc6869c11",
  external_id_115310627314723954: "97f7d699f92ab5eaef87d27ad4c0f97dddd4b116c48b8abdb7a2c48c34900739",
  st_on: "b8d31e852725afb1e26d53bab6095b2bff1749c9275be13ed1c05a56ed31ec09",
  zp_k2h7a8: "556663c57c7cd0ac27bb9557cb0100513f71f06f32cf267fa36c603f8baf38bf",
  country_ca: "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126",
};

const FBC = "fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk";
const FBP = "fb.1.1596403881668.1116446470";
const CHROME_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

type Json = Record<string, unknown>;

function paidOrder(): Json {
  return parseOrderJson(PAID_RAW) as Json;
}

/** Sets (or, with undefined, deletes) a dotted path such as "billing_address.phone" or "line_items.0.quantity". */
function set(obj: Json, path: string, value: unknown): Json {
  const keys = path.split(".");
  let node = obj as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return obj;
}

function withChanges(changes: Record<string, unknown>, base: Json = paidOrder()): Json {
  for (const [path, value] of Object.entries(changes)) set(base, path, value);
  return base;
}

function expectOk(result: MapResult): Extract<MapResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result;
}

function expectFail(result: MapResult): Extract<MapResult, { ok: false }> {
  if (result.ok) throw new Error("expected a failure");
  return result;
}

describe("mapOrderToPurchase on a realistic paid order", () => {
  it("produces the exact Purchase event", () => {
    const result = expectOk(mapOrderToPurchase(paidOrder(), ctx));
    expect(result).toEqual({
      ok: true,
      orderId: "987654321098765432",
      orderName: "#1001",
      value: "404.95",
      currency: "USD",
      eventTime: new Date("2025-03-14T14:15:30Z"),
      isTest: false,
      consentDenied: false,
      channel: { send: true, channel: "web", actionSource: "website" },
      channelSkip: null,
      event: {
        event_name: "Purchase",
        event_time: 1741961730,
        event_id: "shopify_order_987654321098765432",
        action_source: "website",
        event_source_url:
          "https://jsmith.myshopify.com/products/shirt?fbclid=IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk",
        user_data: {
          em: H.em_john_smith,
          ph: H.ph_16505551212,
          fn: H.fn_mary,
          ln: H.ln_smith,
          ct: H.ct_newyork,
          st: H.st_ny,
          zp: H.zp_10001,
          country: H.country_us,
          external_id: H.external_id_207119551123456789,
          client_ip_address: "203.0.113.7",
          client_user_agent: CHROME_UA,
          fbp: FBP,
          fbc: FBC,
        },
        custom_data: {
          value: 404.95,
          currency: "USD",
          // The two custom items (no product, only a SKU) are no catalog item: left out.
          content_ids: ["788032119674292922"],
          contents: [
            { id: "788032119674292922", quantity: 1, item_price: 89.99 },
            { id: "788032119674292922", quantity: 1, item_price: 159.99 },
            { id: "788032119674292922", quantity: 1, item_price: 119.99 },
          ],
          content_type: "product_group",
          order_id: "987654321098765432",
        },
      },
    });
  });

  it("is deterministic and JSON-serialisable", () => {
    const a = mapOrderToPurchase(paidOrder(), ctx);
    const b = mapOrderToPurchase(PAID_RAW, { shopDomain: SHOP, now: new Date(NOW) });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const event = expectOk(a).event;
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });

  it("never emits empty user_data values", () => {
    const { user_data } = expectOk(mapOrderToPurchase(paidOrder(), ctx)).event;
    for (const value of Object.values(user_data)) expect(value).toMatch(/\S/);
  });
});

describe("ID precision", () => {
  it("keeps 18-digit IDs exact through parseOrderJson", () => {
    const sample = parseOrderJson(SAMPLE_RAW) as Json;
    expect(sample.id).toBe("820982911946154508");
    expect((sample.line_items as Json[])[0].product_id).toBe("788032119674292922");
    expect((sample.customer as Json).id).toBe("115310627314723954");
    // Safe numbers stay numbers; decimals stay decimals.
    expect(sample.total_weight).toBe(0);
    expect(sample.number).toBe(234);
    expect((paidOrder().billing_address as Json).latitude).toBe(40.7484405);
    // What JSON.parse would have done:
    expect((JSON.parse(SAMPLE_RAW) as Json).id).toBe(820982911946154500);
  });

  it("parses a body without 16-digit numbers the same on its fast path as the lossless parser would", async () => {
    const { parse } = await import("lossless-json");
    // Today's Shopify IDs are 13–14 digits: the common case takes the native parser.
    const raw = SAMPLE_RAW.replace(/\d{18}/g, (digits) => digits.slice(0, 13));
    expect(raw).not.toMatch(/\d{16}/);
    const lossless = JSON.parse(JSON.stringify(parse(raw, undefined, (v: string) => Number(v))));
    expect(parseOrderJson(raw)).toEqual(lossless);
    expect((parseOrderJson(raw) as Json).id).toBe(8209829119461);
  });

  it("maps the sample order to its exact 18-digit event_id", () => {
    const result = expectOk(mapOrderToPurchase(parseOrderJson(SAMPLE_RAW), { shopDomain: SHOP, now: NOW }));
    expect(result.orderId).toBe("820982911946154508");
    expect(result.event.event_id).toBe("shopify_order_820982911946154508");
    expect(result.event.custom_data.order_id).toBe("820982911946154508");
  });

  it("recovers the order ID from admin_graphql_api_id when JSON.parse rounded `id`", () => {
    const rounded = JSON.parse(PAID_RAW) as Json;
    expect(String(rounded.id)).not.toBe("987654321098765432");
    const result = expectOk(mapOrderToPurchase(rounded, ctx));
    expect(result.event.event_id).toBe("shopify_order_987654321098765432");
    // The rounded customer ID is dropped, not hashed wrong.
    expect(result.event.user_data.external_id).toBeUndefined();
  });

  it("refuses a rounded `id` with no GID to fall back on", () => {
    const rounded = set(JSON.parse(PAID_RAW) as Json, "admin_graphql_api_id", undefined);
    const result = expectFail(mapOrderToPurchase(rounded, ctx));
    expect(result.orderId).toBeNull();
    expect(result.reason).toMatch(/lost precision.*parseOrderJson/);
  });

  it("accepts the order ID as a string or a GID alone", () => {
    const asString = withChanges({ id: "987654321098765432" });
    expect(expectOk(mapOrderToPurchase(asString, ctx)).orderId).toBe("987654321098765432");
    const gidOnly = withChanges({ id: undefined });
    expect(expectOk(mapOrderToPurchase(gidOnly, ctx)).orderId).toBe("987654321098765432");
  });
});

describe("bad input", () => {
  it("rejects non-JSON text", () => {
    expect(() => parseOrderJson("not json")).toThrow(SyntaxError);
    expect(() => parseOrderJson("")).toThrow();
    expect(mapOrderToPurchase('{"id": 1,', ctx)).toEqual({ ok: false, orderId: null, reason: "payload is not valid JSON" });
  });

  it.each([[null], [[]], [42], [undefined], ["[1,2]"]])("rejects a non-object payload %j", (payload) => {
    expect(mapOrderToPurchase(payload, ctx)).toEqual({ ok: false, orderId: null, reason: "payload is not a JSON object" });
  });

  it("rejects an order without an ID", () => {
    const order = withChanges({ id: undefined, admin_graphql_api_id: undefined });
    expect(mapOrderToPurchase(order, ctx)).toEqual({ ok: false, orderId: null, reason: "order has no id" });
  });

  it("rejects an ID that is not an order ID", () => {
    const result = expectFail(mapOrderToPurchase(withChanges({ id: "#1001", admin_graphql_api_id: null }), ctx));
    expect(result.orderId).toBeNull();
    expect(result.reason).toMatch(/not a Shopify order id/);
  });

  it("rejects an ID that contradicts the GID", () => {
    const result = expectFail(mapOrderToPurchase(withChanges({ id: "123" }), ctx));
    expect(result.orderId).toBeNull();
    expect(result.reason).toMatch(/does not match admin_graphql_api_id/);
  });

  it("rejects a bad currency, keeping the order ID for the ledger", () => {
    const order = withChanges({ total_price_set: undefined, currency: "US Dollars" });
    const result = expectFail(mapOrderToPurchase(order, ctx));
    expect(result.orderId).toBe("987654321098765432");
    expect(result.reason).toMatch(/currency "US DOLLARS" is not an ISO 4217 code/);

    const noCurrency = withChanges({ total_price_set: undefined, currency: null });
    expect(expectFail(mapOrderToPurchase(noCurrency, ctx)).reason).toMatch(/currency null/);
  });

  it.each([["-5.00"], ["abc"], ["1e3"], [""]])("rejects the total %j", (total) => {
    const order = withChanges({ total_price_set: undefined, total_price: total, current_total_price: undefined });
    const result = expectFail(mapOrderToPurchase(order, ctx));
    expect(result.orderId).toBe("987654321098765432");
    expect(result.reason).toMatch(/total price/);
  });

  it("rejects a bad shop domain or clock", () => {
    expect(expectFail(mapOrderToPurchase(paidOrder(), { shopDomain: "", now: NOW })).reason).toMatch(/shop domain/);
    expect(expectFail(mapOrderToPurchase(paidOrder(), { shopDomain: "a b", now: NOW })).reason).toMatch(/shop domain/);
    expect(expectFail(mapOrderToPurchase(paidOrder(), { shopDomain: SHOP, now: new Date("x") })).reason).toMatch(/ctx.now/);
  });

  it("rejects an order Meta would refuse for too little customer information", () => {
    const order = withChanges({
      email: null,
      contact_email: null,
      browser_ip: null,
      note_attributes: [],
      customer: null,
      "billing_address.phone": null,
      "billing_address.first_name": null,
      "billing_address.last_name": null,
      shipping_address: null,
      "client_details.browser_ip": null,
    });
    const result = expectFail(mapOrderToPurchase(order, ctx));
    expect(result.orderId).toBe("987654321098765432");
    expect(result.reason).toMatch(/too little customer information/);
  });
});

describe("hasMinimumMatchData", () => {
  it.each([
    [{}, false],
    [{ ct: "x", country: "x", st: "x", zp: "x", client_user_agent: "ua" }, false],
    [{ fn: "x" }, false],
    [{ ln: "x" }, false],
    [{ fn: "x", ln: "y" }, true],
    [{ em: "x" }, true],
    [{ client_ip_address: "203.0.113.7", client_user_agent: "ua" }, true],
    [{ fbc: FBC }, true],
  ])("%j → %s", (userData, expected) => expect(hasMinimumMatchData(userData)).toBe(expected));
});

describe("event_time", () => {
  it("uses processed_at, not created_at", () => {
    const result = expectOk(mapOrderToPurchase(withChanges({ created_at: "2025-03-14T09:00:00-04:00" }), ctx));
    expect(result.event.event_time).toBe(1741961730);
  });

  it("clamps a future processed_at to now", () => {
    const order = withChanges({ processed_at: "2025-03-14T16:00:00Z" });
    const result = expectOk(mapOrderToPurchase(order, ctx));
    expect(result.event.event_time).toBe(1741962000);
    expect(result.eventTime).toEqual(new Date("2025-03-14T14:20:00Z"));
  });

  it("keeps event_time in whole seconds even when now has milliseconds", () => {
    const now = new Date("2025-03-14T14:20:00.999Z");
    const result = expectOk(mapOrderToPurchase(withChanges({ processed_at: "2030-01-01T00:00:00Z" }), { shopDomain: SHOP, now }));
    expect(result.event.event_time).toBe(1741962000);
    expect(Number.isInteger(result.event.event_time)).toBe(true);
  });

  it("falls back to created_at, then to now", () => {
    const created = withChanges({ processed_at: null, created_at: "2025-03-14T10:00:00-04:00" });
    expect(expectOk(mapOrderToPurchase(created, ctx)).event.event_time).toBe(1741960800);
    const garbage = withChanges({ processed_at: "yesterday", created_at: "2025-03-14T10:00:00-04:00" });
    expect(expectOk(mapOrderToPurchase(garbage, ctx)).event.event_time).toBe(1741960800);
    const none = withChanges({ processed_at: undefined, created_at: undefined });
    expect(expectOk(mapOrderToPurchase(none, ctx)).event.event_time).toBe(1741962000);
  });

  it("reads a time without offset as UTC, whatever the host zone", () => {
    const order = withChanges({ processed_at: "2025-03-14T14:15:30" });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.event_time).toBe(1741961730);
  });
});

describe("fbp / fbc", () => {
  it("passes fbc byte-identical, case preserved, only trimmed", () => {
    const order = withChanges({
      note_attributes: [
        { name: "_fbc", value: `  ${FBC}\n` },
        { name: "_fbp", value: FBP },
      ],
    });
    const { user_data } = expectOk(mapOrderToPurchase(order, ctx)).event;
    expect(user_data.fbc).toBe(FBC);
    expect(user_data.fbc).toContain("IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk");
    expect(user_data.fbp).toBe(FBP);
  });

  it("keeps Parameter Builder values with an appendix", () => {
    const withAppendix = `${FBC}.AQ`;
    const order = withChanges({ note_attributes: [{ name: "_fbc", value: withAppendix }] });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.user_data.fbc).toBe(withAppendix);
  });

  it.each([
    ["fb.1.1554763741205"],
    ["fb.1.1554763741205."],
    ["fb.1..IwAR2F4"],
    ["fb.12.1554763741205.IwAR2F4"],
    ["FB.1.1554763741205.IwAR2F4"],
    ["fb.1.1554763741205.IwAR 2F4"],
    ["IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB"],
    [""],
  ])("drops a malformed fbc %j and never rebuilds one from landing_site", (bad) => {
    const order = withChanges({
      note_attributes: [
        { name: "_fbc", value: bad },
        { name: "_fbp", value: FBP },
      ],
    });
    const { user_data, event_source_url } = expectOk(mapOrderToPurchase(order, ctx)).event;
    expect(event_source_url).toContain("fbclid=");
    expect("fbc" in user_data).toBe(false);
    expect(user_data.fbp).toBe(FBP);
  });

  it("drops a malformed fbp but keeps a good fbc", () => {
    const order = withChanges({
      note_attributes: [
        { name: "_fbp", value: "fb.1.abc.123" },
        { name: "_fbc", value: FBC },
      ],
    });
    const { user_data } = expectOk(mapOrderToPurchase(order, ctx)).event;
    expect("fbp" in user_data).toBe(false);
    expect(user_data.fbc).toBe(FBC);
  });

  it("ignores other attributes and odd shapes", () => {
    const order = withChanges({
      note_attributes: [{ name: "fbc", value: FBC }, { name: "_fbc" }, "junk", null, { name: "_fbp", value: 12 }],
    });
    const { user_data } = expectOk(mapOrderToPurchase(order, ctx)).event;
    expect("fbc" in user_data).toBe(false);
    expect("fbp" in user_data).toBe(false);
  });
});

describe("user_data sources and omission", () => {
  it("omits every key it has no data for (Shopify's sample order)", () => {
    const result = expectOk(mapOrderToPurchase(parseOrderJson(SAMPLE_RAW), ctx));
    expect(result.isTest).toBe(true);
    // Sample: null browser fields, no cart attributes, phone "555-555-SHIP" (unusable).
    expect(result.event.user_data).toEqual({
      em: H.em_jon,
      fn: H.fn_steve,
      ln: H.ln_shipper,
      ct: H.ct_shippington,
      st: H.st_ky,
      zp: H.zp_40003,
      country: H.country_us,
      external_id: H.external_id_115310627314723954,
    });
    expect(result.event.event_source_url).toBe("https://jsmith.myshopify.com/");
  });

  it("keeps just the email when that is all there is", () => {
    const order = { id: 5923768213, email: "John_Smith@gmail.com", currency: "usd", total_price: "10.00" };
    const result = expectOk(mapOrderToPurchase(order, ctx));
    expect(result.event.user_data).toEqual({ em: H.em_john_smith });
    // No line items: no content keys at all (Meta reads [] as a bad value).
    expect(result.event.custom_data).toEqual({ value: 10, currency: "USD", order_id: "5923768213" });
  });

  it("falls back email → contact_email → customer.email, skipping unusable ones", () => {
    const a = withChanges({ email: "not-an-email", contact_email: null, "customer.email": "John_Smith@gmail.com" });
    expect(expectOk(mapOrderToPurchase(a, ctx)).event.user_data.em).toBe(H.em_john_smith);
  });

  it("reads each phone with its own address country", () => {
    const order = withChanges({
      "billing_address.phone": null,
      "shipping_address.phone": "07911 123456",
      "shipping_address.country_code": "GB",
    });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.user_data.ph).toBe(H.ph_447911123456);
  });

  it("prefers the order phone and keeps an explicit international prefix", () => {
    const order = withChanges({ phone: "+44 7911 123456" });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.user_data.ph).toBe(H.ph_447911123456);
  });

  it("drops a phone whose country cannot be known", () => {
    const order = withChanges({
      "billing_address.country_code": null,
      "billing_address.country": null,
      "shipping_address.country_code": null,
      "shipping_address.country": null,
      "customer.default_address": null,
    });
    expect("ph" in expectOk(mapOrderToPurchase(order, ctx)).event.user_data).toBe(false);
  });

  it("takes fn and ln together from the first source that has a name", () => {
    const order = withChanges({
      "billing_address.first_name": null,
      "billing_address.last_name": " ",
      "shipping_address.first_name": "Valéry",
      "shipping_address.last_name": null,
    });
    const { user_data } = expectOk(mapOrderToPurchase(order, ctx)).event;
    expect(user_data.fn).toBe("08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c");
    expect("ln" in user_data).toBe(false);
  });

  it("takes city, state, zip and country from one address", () => {
    const order = withChanges({
      billing_address: { first_name: "Mary", last_name: "Smith", phone: "(650)555-1212" },
      shipping_address: null,
    });
    const { user_data } = expectOk(mapOrderToPurchase(order, ctx)).event;
    // From customer.default_address (New York in the fixture) since billing has no location at all.
    expect(user_data.ct).toBe(H.ct_newyork);
    expect(user_data.country).toBe(H.country_us);

    const canadian = withChanges({ billing_address: null, shipping_address: null }, parseOrderJson(SAMPLE_RAW) as Json);
    const fromHome = expectOk(mapOrderToPurchase(canadian, ctx)).event.user_data;
    expect(fromHome.st).toBe(H.st_on);
    expect(fromHome.zp).toBe(H.zp_k2h7a8);
    expect(fromHome.country).toBe(H.country_ca);
  });

  it("prefers province_code and falls back to the province name", () => {
    const order = withChanges({ "billing_address.province_code": null, "billing_address.province": "New York" });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.user_data.st).toBe(H.st_ny);
  });

  it("hashes the customer ID digits as external_id, also from a Customer GID", () => {
    const gid = withChanges({ "customer.id": "gid://shopify/Customer/207119551123456789" });
    expect(expectOk(mapOrderToPurchase(gid, ctx)).event.user_data.external_id).toBe(H.external_id_207119551123456789);
    const none = withChanges({ customer: null });
    expect("external_id" in expectOk(mapOrderToPurchase(none, ctx)).event.user_data).toBe(false);
  });

  it("takes a valid IP from browser_ip, else client_details, and accepts IPv6", () => {
    const bad = withChanges({ browser_ip: "unknown", "client_details.browser_ip": "2001:db8::1" });
    expect(expectOk(mapOrderToPurchase(bad, ctx)).event.user_data.client_ip_address).toBe("2001:db8::1");
    const none = withChanges({ browser_ip: null, client_details: null });
    const { user_data } = expectOk(mapOrderToPurchase(none, ctx)).event;
    expect("client_ip_address" in user_data).toBe(false);
    expect("client_user_agent" in user_data).toBe(false);
  });

  it("does not hash the browser signals", () => {
    const { user_data } = expectOk(mapOrderToPurchase(paidOrder(), ctx)).event;
    expect(user_data.client_ip_address).toBe("203.0.113.7");
    expect(user_data.client_user_agent).toBe(CHROME_UA);
    for (const key of ["em", "ph", "fn", "ln", "ct", "st", "zp", "country", "external_id"] as const) {
      expect(user_data[key]).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe("custom_data", () => {
  it("uses the presentment amount and currency, with presentment item prices", () => {
    const order = withChanges({
      currency: "USD",
      total_price: "404.95",
      total_price_set: {
        shop_money: { amount: "404.95", currency_code: "USD" },
        presentment_money: { amount: "372.55", currency_code: "eur" },
      },
      "line_items.0.price_set.presentment_money": { amount: "82.79", currency_code: "EUR" },
    });
    const result = expectOk(mapOrderToPurchase(order, ctx));
    expect(result.value).toBe("372.55");
    expect(result.currency).toBe("EUR");
    expect(result.event.custom_data.value).toBe(372.55);
    expect(result.event.custom_data.currency).toBe("EUR");
    expect(result.event.custom_data.contents?.[0]).toEqual({ id: "788032119674292922", quantity: 1, item_price: 82.79 });
  });

  it("omits item_price when the presentment price is unknown and the currencies differ", () => {
    const order = withChanges({
      total_price_set: { presentment_money: { amount: "372.55", currency_code: "EUR" } },
      "line_items.3.price_set": null,
    });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.custom_data.contents?.[1]).toEqual({ id: "788032119674292922", quantity: 1 });
  });

  it("falls back to total_price / currency, then current_total_price", () => {
    const shop = withChanges({ total_price_set: undefined, total_price: "12.50", currency: "cad" });
    const a = expectOk(mapOrderToPurchase(shop, ctx));
    expect([a.value, a.currency, a.event.custom_data.value]).toEqual(["12.50", "CAD", 12.5]);

    const current = withChanges({ total_price_set: null, total_price: undefined, current_total_price: "7.00" });
    expect(expectOk(mapOrderToPurchase(current, ctx)).event.custom_data.value).toBe(7);

    const halfPresentment = withChanges({ total_price_set: { presentment_money: { amount: "1.00", currency_code: "" } } });
    expect(expectOk(mapOrderToPurchase(halfPresentment, ctx)).currency).toBe("USD");
  });

  it("accepts a zero total", () => {
    const order = withChanges({ total_price_set: undefined, total_price: "0.00" });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.custom_data.value).toBe(0);
  });

  it("dedupes content_ids and leaves out lines without the catalog's ID (custom items, SKU only) or a whole quantity", () => {
    const order = withChanges({
      line_items: [
        { id: 1, product_id: "632910392", variant_id: "808950810", sku: "IPOD-1", quantity: 2, price: "199.00" },
        { id: 2, product_id: null, variant_id: 457924702, sku: "IPOD-2", quantity: 3, price: "10.5" },
        { id: 3, product_id: null, variant_id: null, sku: " GIFT ", quantity: 1, price: "5.00" },
        { id: 4, product_id: "632910392", variant_id: "49148385", quantity: 1, price: "1.00" },
        { id: 5, product_id: null, variant_id: null, sku: "", quantity: 1, price: "1.00" },
        { id: 6, product_id: "111", quantity: 0, price: "1.00" },
        { id: 7, product_id: "222", quantity: 1.5, price: "1.00" },
        { id: 8, product_id: "333", quantity: 1, price: "free" },
        "junk",
      ],
      total_price_set: undefined,
    });
    const { custom_data } = expectOk(mapOrderToPurchase(order, ctx)).event;
    expect(custom_data.content_ids).toEqual(["632910392", "333"]);
    expect(custom_data.contents).toEqual([
      { id: "632910392", quantity: 2, item_price: 199 },
      { id: "632910392", quantity: 1, item_price: 1 },
      { id: "333", quantity: 1 },
    ]);
    expect(custom_data).not.toHaveProperty("num_items");
    expect(custom_data.content_type).toBe("product_group");

    const variants = expectOk(mapOrderToPurchase(order, { ...ctx, catalogIds: { form: "variant", country: null } })).event.custom_data;
    expect(variants.content_ids).toEqual(["808950810", "457924702", "49148385"]);
    expect(variants.content_type).toBe("product");
    const channel = expectOk(mapOrderToPurchase(order, { ...ctx, catalogIds: { form: "shopify_catalog", country: "DE" } })).event
      .custom_data;
    expect(channel.content_ids).toEqual(["shopify_DE_632910392_808950810", "shopify_DE_632910392_49148385"]);
    expect(channel.contents).toEqual([
      { id: "shopify_DE_632910392_808950810", quantity: 2, item_price: 199 },
      { id: "shopify_DE_632910392_49148385", quantity: 1, item_price: 1 },
    ]);
    expect(channel.content_type).toBe("product");
  });

  it("sends an order of custom items only without any content key, never an empty list", () => {
    const order = withChanges({
      line_items: [
        { id: 1, product_id: null, variant_id: null, sku: "GIFT-CARD", quantity: 1, price: "25.00" },
        { id: 2, title: "Custom engraving", quantity: 1, price: "5.00" },
      ],
    });
    for (const form of ["product_group", "variant", "shopify_catalog"] as const) {
      const { custom_data } = expectOk(mapOrderToPurchase(order, { ...ctx, catalogIds: { form, country: "US" } })).event;
      expect(custom_data).not.toHaveProperty("content_ids");
      expect(custom_data).not.toHaveProperty("contents");
      expect(custom_data).not.toHaveProperty("content_type");
    }
  });
});

describe("event_source_url", () => {
  it.each([
    ["/", "https://jsmith.myshopify.com/"],
    ["products/x", "https://jsmith.myshopify.com/products/x"],
    ["https://www.example.com/collections/all?fbclid=AbC", "https://www.example.com/collections/all?fbclid=AbC"],
    ["http://www.example.com/", "http://www.example.com/"],
    ["javascript:alert(1)", "https://jsmith.myshopify.com/"],
    ["ftp://example.com/x", "https://jsmith.myshopify.com/"],
    [null, "https://jsmith.myshopify.com/"],
    ["   ", "https://jsmith.myshopify.com/"],
  ])("landing_site %j → %s", (landing, expected) => {
    const order = withChanges({ landing_site: landing });
    expect(expectOk(mapOrderToPurchase(order, ctx)).event.event_source_url).toBe(expected);
  });

  it("tolerates a shop domain given as a URL", () => {
    const order = withChanges({ landing_site: null });
    const result = expectOk(mapOrderToPurchase(order, { shopDomain: "https://JSmith.myshopify.com/", now: NOW }));
    expect(result.event.event_source_url).toBe("https://jsmith.myshopify.com/");
  });
});

describe("test orders", () => {
  it("flags test orders and leaves skipping to the caller", () => {
    expect(expectOk(mapOrderToPurchase(withChanges({ test: true }), ctx)).isTest).toBe(true);
    expect(expectOk(mapOrderToPurchase(withChanges({ test: "true" }), ctx)).isTest).toBe(false);
  });
});

describe("storefront consent (cart attribute _mc_consent)", () => {
  const withConsent = (value: string | null) =>
    withChanges({
      note_attributes: [{ name: "_fbp", value: FBP }, ...(value === null ? [] : [{ name: "_mc_consent", value }])],
    });

  it("flags an order whose shopper declined, and only that", () => {
    expect(expectOk(mapOrderToPurchase(withConsent("denied"), ctx)).consentDenied).toBe(true);
    expect(expectOk(mapOrderToPurchase(withConsent(" Denied "), ctx)).consentDenied).toBe(true);
    expect(expectOk(mapOrderToPurchase(withConsent("granted"), ctx)).consentDenied).toBe(false);
    expect(expectOk(mapOrderToPurchase(withConsent(""), ctx)).consentDenied).toBe(false);
    expect(expectOk(mapOrderToPurchase(withConsent(null), ctx)).consentDenied).toBe(false);
  });

  it("does not let the consent attribute leak into the event", () => {
    const event = expectOk(mapOrderToPurchase(withConsent("denied"), ctx)).event;
    expect(JSON.stringify(event)).not.toMatch(/_mc_consent|denied/);
  });
});

describe("Limited Data Use", () => {
  it("adds Meta's LDU options with geolocation (0, 0) when the shop has it on", () => {
    const event = expectOk(mapOrderToPurchase(paidOrder(), { ...ctx, limitedDataUse: true })).event;
    expect(event.data_processing_options).toEqual(["LDU"]);
    expect(event.data_processing_options_country).toBe(0);
    expect(event.data_processing_options_state).toBe(0);
  });

  it("leaves the keys out entirely when off or unset", () => {
    for (const options of [ctx, { ...ctx, limitedDataUse: false }]) {
      const event = expectOk(mapOrderToPurchase(paidOrder(), options)).event;
      expect(Object.keys(event)).not.toContain("data_processing_options");
      expect(Object.keys(event)).not.toContain("data_processing_options_country");
      expect(Object.keys(event)).not.toContain("data_processing_options_state");
    }
  });
});
