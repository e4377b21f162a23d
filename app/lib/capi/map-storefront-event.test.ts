import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MAX_EVENTS_PER_REQUEST,
  checkCustomEventName,
  customEventListError,
  mapStorefrontEvent,
  parseCustomEvents,
  parseEnvelope,
  type StorefrontMapContext,
} from "./map-storefront-event";

const NOW = new Date("2026-11-29T12:00:00Z");
const NOW_S = NOW.getTime() / 1000;

const ctx = (overrides: Partial<StorefrontMapContext> = {}): StorefrontMapContext => ({
  now: NOW,
  enabledEvents: ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Purchase"],
  customEvents: [],
  limitedDataUse: false,
  clientIp: "2001:db8::1",
  userAgent: "Mozilla/5.0",
  ...overrides,
});

const input = (overrides: Record<string, unknown> = {}) => ({
  event_name: "ViewContent",
  event_id: "sf_0123456789abcdef0123456789abcdef",
  event_time: NOW_S - 10,
  event_source_url: "https://shop.example/products/a?variant=1",
  fbp: "fb.1.1732800000000.987654321",
  ...overrides,
});

const reasonOf = (raw: unknown, c = ctx()) => {
  const result = mapStorefrontEvent(raw, c);
  return result.ok ? "ok" : result.reason;
};

describe("parseEnvelope's diagnostics", () => {
  it("reads the embed's duplicate-pixel report, and ignores a malformed one without losing the events", () => {
    const body = (diagnostics: unknown) => JSON.stringify({ events: [{}], diagnostics });
    expect(parseEnvelope(body({ duplicatePixel: true }))).toEqual({ ok: true, events: [{}], diagnostics: { duplicatePixel: true } });
    for (const bad of [{ duplicatePixel: false }, { duplicatePixel: "yes" }, { duplicatePixel: true, extra: 1 }, [], "x", null]) {
      expect(parseEnvelope(body(bad))).toEqual({ ok: true, events: [{}], diagnostics: { duplicatePixel: false } });
    }
  });
});

describe("parseEnvelope", () => {
  it("takes {events: [...]} of 1 to 20 events and refuses anything else as a whole", () => {
    expect(parseEnvelope('{"events":[{}]}')).toEqual({ ok: true, events: [{}], diagnostics: { duplicatePixel: false } });
    for (const bad of ["", "[]", "null", '{"events":{}}', '{"events":[]}', "{", '"events"']) {
      expect(parseEnvelope(bad).ok).toBe(false);
    }
    expect(parseEnvelope(JSON.stringify({ events: Array(MAX_EVENTS_PER_REQUEST).fill({}) })).ok).toBe(true);
    expect(parseEnvelope(JSON.stringify({ events: Array(MAX_EVENTS_PER_REQUEST + 1).fill({}) })).ok).toBe(false);
  });
});

describe("mapStorefrontEvent", () => {
  it("maps to a website server event with the browser's ID, the proxy's IP and user agent, and the hashed customer", () => {
    const result = mapStorefrontEvent(
      input({
        custom_data: { value: 19.9, currency: "usd", content_ids: ["1", 2], content_type: "product", junk: "x" },
        fbc: "fb.1.1732800000000.IwAR_x-Y",
      }),
      ctx({ loggedInCustomerId: "7012345678901" }),
    );
    expect(result).toEqual({
      ok: true,
      serverCopy: true,
      eventTime: new Date((NOW_S - 10) * 1000),
      customerKey: createHash("sha256").update("7012345678901").digest("hex"),
      event: {
        event_name: "ViewContent",
        event_id: "sf_0123456789abcdef0123456789abcdef",
        event_time: NOW_S - 10,
        action_source: "website",
        event_source_url: "https://shop.example/products/a?variant=1",
        user_data: {
          external_id: createHash("sha256").update("7012345678901").digest("hex"),
          client_ip_address: "2001:db8::1",
          client_user_agent: "Mozilla/5.0",
          fbp: "fb.1.1732800000000.987654321",
          fbc: "fb.1.1732800000000.IwAR_x-Y",
        },
        custom_data: { value: 19.9, currency: "USD", content_ids: ["1", "2"], content_type: "product" },
      },
    });
  });

  it("marks Limited Data Use as the Purchase does, and never sends a Purchase copy", () => {
    const ldu = mapStorefrontEvent(input(), ctx({ limitedDataUse: true }));
    expect(ldu.ok && ldu.event).toMatchObject({
      data_processing_options: ["LDU"],
      data_processing_options_country: 0,
      data_processing_options_state: 0,
    });
    const purchase = mapStorefrontEvent(input({ event_name: "Purchase", event_id: "shopify_order_1" }), ctx());
    expect(purchase.ok && purchase.serverCopy).toBe(false);
  });

  it("leaves out malformed browser IDs rather than dropping the event", () => {
    const result = mapStorefrontEvent(input({ fbp: "fb.1.abc.1", fbc: "IwAR123" }), ctx());
    expect(result.ok && result.event.user_data).toEqual({ client_ip_address: "2001:db8::1", client_user_agent: "Mozilla/5.0" });
  });

  it("drops an event with a reason for each kind of bad input", () => {
    expect(reasonOf("x")).toBe("not_an_object");
    expect(reasonOf(input({ event_name: "NotDefinedHere" }))).toBe("unknown_event_name");
    expect(reasonOf(input({ event_name: "Lead" }))).toBe("custom_name_is_standard");
    expect(reasonOf(input({ event_name: 7 }))).toBe("unknown_event_name");
    expect(reasonOf(input({ event_name: "AddToCart" }), ctx({ enabledEvents: ["PageView"] }))).toBe("event_disabled");
    // AddPaymentInfo has its own switch: InitiateCheckout being on does not let it through.
    expect(reasonOf(input({ event_name: "AddPaymentInfo" }), ctx({ enabledEvents: ["PageView", "InitiateCheckout"] }))).toBe(
      "event_disabled",
    );
    expect(reasonOf(input({ event_name: "AddPaymentInfo" }), ctx({ enabledEvents: ["AddPaymentInfo"] }))).toBe("ok");
    expect(reasonOf(input({ event_name: "A".repeat(51) }))).toBe("custom_name_too_long");
    expect(reasonOf(input({ event_name: "viewcontent" }))).toBe("custom_name_is_standard");
    expect(reasonOf(input({ event_name: "Has space" }))).toBe("custom_name_invalid");
    expect(reasonOf(input({ event_id: "" }))).toBe("missing_event_id");
    expect(reasonOf(input({ event_id: undefined }))).toBe("missing_event_id");
    expect(reasonOf(input({ event_id: "a b" }))).toBe("invalid_event_id");
    expect(reasonOf(input({ event_time: "1732800000" }))).toBe("invalid_event_time");
    expect(reasonOf(input({ event_time: NOW_S + 301 }))).toBe("event_time_in_future");
    expect(reasonOf(input({ event_time: NOW_S + 299 }))).toBe("ok");
    expect(reasonOf(input({ event_time: NOW_S * 1000 }))).toBe("event_time_in_future");
    expect(reasonOf(input({ event_time: NOW_S - 7 * 86400 - 1 }))).toBe("event_time_too_old");
    expect(reasonOf(input({ event_source_url: "ftp://shop.example/" }))).toBe("invalid_event_source_url");
    expect(reasonOf(input({ event_source_url: undefined }))).toBe("invalid_event_source_url");
    expect(reasonOf(input({ custom_data: [] }))).toBe("invalid_custom_data");
    expect(reasonOf(input({ custom_data: { value: "12,50" } }))).toBe("invalid_value");
    expect(reasonOf(input({ custom_data: { value: Number.NaN } }))).toBe("invalid_value");
    expect(reasonOf(input({ custom_data: { currency: "EURO" } }))).toBe("invalid_currency");
    expect(reasonOf(input({ custom_data: { currency: "ABC" } }))).toBe("invalid_currency");
    expect(reasonOf(input({ custom_data: { content_ids: [{}] } }))).toBe("invalid_custom_data");
    expect(reasonOf(input({ custom_data: { content_ids: Array(51).fill("1") } }))).toBe("invalid_custom_data");
    expect(reasonOf(input({ custom_data: { content_name: "x".repeat(201) } }))).toBe("invalid_custom_data");
    expect(reasonOf(input(), ctx({ clientIp: undefined, userAgent: "Mozilla/5.0" }))).toBe("ok");
    expect(reasonOf(input({ fbp: undefined }), ctx({ clientIp: undefined }))).toBe("insufficient_customer_information");
  });

  it("bounds the stored payload at 4 KB", () => {
    const contents = Array.from({ length: 50 }, (_, i) => ({ id: `${"9".repeat(90)}${i}`, quantity: 1 }));
    expect(reasonOf(input({ custom_data: { contents } }))).toBe("payload_too_large");
  });

  it("accepts a custom event only when the shop has it defined and switched on", () => {
    const shop = ctx({
      customEvents: [
        { name: "BookedTrialClass", enabled: true },
        { name: "Paused", enabled: false },
      ],
    });
    expect(reasonOf(input({ event_name: "BookedTrialClass" }), shop)).toBe("ok");
    expect(reasonOf(input({ event_name: "Paused" }), shop)).toBe("event_disabled");
    expect(reasonOf(input({ event_name: "bookedtrialclass" }), shop)).toBe("unknown_event_name");
  });
});

describe("custom event settings", () => {
  it("checks names: at most 50 characters, a letter first, never a standard event's name in any case", () => {
    expect(checkCustomEventName("A".repeat(50))).toEqual({ ok: true });
    expect(checkCustomEventName("A".repeat(51))).toEqual({ ok: false, reason: "custom_name_too_long" });
    expect(checkCustomEventName("1st")).toEqual({ ok: false, reason: "custom_name_invalid" });
    expect(checkCustomEventName("SUBSCRIBE")).toEqual({ ok: false, reason: "custom_name_is_standard" });
  });

  it("parses the stored list leniently and validates a list to save strictly", () => {
    expect(parseCustomEvents(null)).toEqual([]);
    expect(parseCustomEvents("{")).toEqual([]);
    expect(
      parseCustomEvents(JSON.stringify([{ name: "A", enabled: true }, { name: "a", enabled: true }, { name: "Lead" }, 3, { name: "B" }])),
    ).toEqual([
      { name: "A", enabled: true },
      { name: "B", enabled: false },
    ]);
    expect(customEventListError([{ name: "A", enabled: true }])).toBeNull();
    expect(
      customEventListError([
        { name: "A", enabled: true },
        { name: "a", enabled: false },
      ]),
    ).toMatch(/already used/);
    expect(customEventListError([{ name: "Purchase", enabled: true }])).toMatch(/standard/);
  });
});

describe("Meta's per-event rules (issue 11)", () => {
  it("drops an event without the shopper's user agent: never a website event without client_user_agent", () => {
    expect(reasonOf(input(), ctx({ userAgent: undefined }))).toBe("missing_user_agent");
    expect(reasonOf(input(), ctx({ userAgent: "" }))).toBe("missing_user_agent");
  });

  it("keeps num_items on InitiateCheckout only", () => {
    const custom_data = { value: 10, currency: "USD", num_items: 3 };
    const checkout = mapStorefrontEvent(input({ event_name: "InitiateCheckout", custom_data }), ctx());
    const cart = mapStorefrontEvent(input({ event_name: "AddToCart", custom_data }), ctx());
    if (!checkout.ok || !cart.ok) throw new Error("expected both to map");
    expect(checkout.event.custom_data).toMatchObject({ num_items: 3 });
    expect(cart.event.custom_data).not.toHaveProperty("num_items");
  });

  it("carries the browser's content_ids and content_type in every catalog form, unchanged", () => {
    const forms = [
      { content_ids: ["7956823048226"], content_type: "product_group" },
      { content_ids: ["43794354536482"], content_type: "product" },
      { content_ids: ["shopify_US_7956823048226_43794354536482"], content_type: "product" },
    ];
    for (const ids of forms) {
      const contents = ids.content_ids.map((id) => ({ id, quantity: 2 }));
      const mapped = mapStorefrontEvent(input({ event_name: "AddToCart", custom_data: { ...ids, contents } }), ctx());
      if (!mapped.ok) throw new Error(mapped.reason);
      expect(mapped.event.custom_data).toEqual({ ...ids, contents });
    }
  });
});
