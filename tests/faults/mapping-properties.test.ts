// Properties of the pure half of the pipeline, over inputs nobody wrote by hand (fast-check): the order
// mapping and Meta's normalisation rules never throw, always produce the shapes Meta accepts, hash every
// customer key to 64 hex digits, normalise idempotently, and leave no raw personal data in the event.
// Also the privacy helpers built on them: the customer key equals the event's external_id, and scrubbing
// stored payloads removes the raw browser signals without touching anything else.
import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customerKeyOf, customerKeyOfOrder } from "~/lib/capi/customer-key";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import {
  hashUserField,
  normalizeCity,
  normalizeCountry,
  normalizeEmail,
  normalizeExternalId,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  sha256Hex,
} from "~/lib/capi/normalize";
import { parseOrderJson } from "~/lib/capi/order-payload";
import { dropRemovedValues, RAW_IDENTIFIER_KEYS, REMOVED_VALUE, scrubRawIdentifiers } from "~/lib/capi/scrub";

const NOW = new Date("2026-11-28T12:00:00Z");
const ctx = { shopDomain: "bright-socks.myshopify.com", now: NOW };
const HEX64 = /^[0-9a-f]{64}$/;
const HASHED_KEYS = ["em", "ph", "fn", "ln", "ct", "st", "zp", "country", "external_id"];
const RAW_KEYS: readonly string[] = RAW_IDENTIFIER_KEYS;
const FB_COOKIE = /^fb\.\d\.\d+\.\S+$/;
// The seed is fixed for the whole suite in tests/setup/fast-check.ts.
const RUNS = { numRuns: 300 };

// Anything a JSON payload can put in a field, plus the odd values JavaScript callers could pass.
const anyValue = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const countryish = fc.oneof(fc.constantFrom("US", "us", "CA", "GB", "JP", "DE", "BR", "United States", "Canada", "", "XX"), anyValue);
const stateish = fc.oneof(fc.constantFrom("CA", "California", "US-NY", "ON", "Québec", "JP-13", "Bayern", ""), anyValue);
const phoneish = fc.oneof(
  fc.constantFrom("+1 (650) 555-1212", "(650)555-1212", "0044 7911 123456", "+81 3-1234-5678", "650-555-12a12", "+", "00"),
  fc.stringMatching(/^\+?[0-9 ()+-]{0,20}$/),
  anyValue,
);

describe("Meta normalisation rules, for any input", () => {
  const normalizers: [string, (v: unknown) => string | undefined][] = [
    ["email", (v) => normalizeEmail(v as string)],
    ["name", (v) => normalizeName(v as string)],
    ["city", (v) => normalizeCity(v as string)],
    ["country", (v) => normalizeCountry(v as string)],
    ["external_id", (v) => normalizeExternalId(v as string)],
  ];

  it.each(normalizers)("%s: never throws, gives a non-empty string or nothing, and is idempotent", (_, normalize) => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const once = normalize(value);
        if (once === undefined) return true;
        return typeof once === "string" && once.length > 0 && normalize(once) === once;
      }),
      RUNS,
    );
  });

  it("state and zip: never throw and are idempotent for the same country", () => {
    fc.assert(
      fc.property(stateish, anyValue, countryish, (state, zip, country) => {
        const st = normalizeState(state as string, country as string);
        const zp = normalizeZip(zip as string, country as string);
        return (
          (st === undefined || normalizeState(st, country as string) === st) &&
          (zp === undefined || normalizeZip(zp, country as string) === zp)
        );
      }),
      RUNS,
    );
  });

  it("phone: never throws, gives E.164 digits (at most 15), and reads back as itself", () => {
    fc.assert(
      fc.property(phoneish, countryish, (phone, country) => {
        const out = normalizePhone(phone as string, country as string);
        if (out === undefined) return true;
        // Stored without the +; with it, the same digits parse to the same number in any region.
        return /^[1-9]\d{6,14}$/.test(out) && normalizePhone(`+${out}`) === out && normalizePhone(`+${out}`, "JP") === out;
      }),
      RUNS,
    );
  });

  it("hashing: 64 lowercase hex digits, deterministic, and never hashes a hash twice", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (value) => {
        const hash = hashUserField(value);
        return (
          HEX64.test(hash) &&
          hash === hashUserField(value) &&
          hashUserField(hash) === hash &&
          hash === (HEX64.test(value) ? value : sha256Hex(value))
        );
      }),
      RUNS,
    );
  });
});

// Shopify-shaped orders with every field drawn at random, some sane and some not.
const address = fc.record(
  {
    first_name: fc.oneof(fc.constantFrom("Mary", "Zoë", "정"), anyValue),
    last_name: anyValue,
    phone: phoneish,
    city: fc.oneof(fc.constantFrom("New York", "Toronto"), anyValue),
    province: stateish,
    province_code: stateish,
    zip: fc.oneof(fc.constantFrom("10001", "94035-1234", "K2H 7A8"), anyValue),
    country: countryish,
    country_code: countryish,
  },
  { requiredKeys: [] },
);
const orderId = fc.oneof(
  fc.bigInt({ min: 1n, max: 10n ** 19n }).map((n) => n.toString()),
  fc.integer({ min: 1 }),
  fc.bigInt({ min: 1n, max: 10n ** 19n }).map((n) => `gid://shopify/Order/${n}`),
  anyValue,
);
const order = fc.record(
  {
    id: orderId,
    email: fc.oneof(fc.emailAddress(), anyValue),
    phone: phoneish,
    currency: fc.oneof(fc.constantFrom("USD", "eur", "JPY", "XXX", "US"), anyValue),
    total_price: fc.oneof(fc.constantFrom("10.00", "0", "1e3", "-5", "12.345", "abc"), anyValue),
    processed_at: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom("2026-11-28T10:00:00", "yesterday"),
      anyValue,
    ),
    test: anyValue,
    browser_ip: fc.oneof(fc.ipV4(), fc.ipV6(), anyValue),
    client_details: fc.record({ browser_ip: fc.oneof(fc.ipV4(), anyValue), user_agent: anyValue }, { requiredKeys: [] }),
    landing_site: fc.oneof(fc.constantFrom("/products/socks?fbclid=abc", "https://evil.example/x", "javascript:alert(1)"), anyValue),
    note_attributes: fc.array(
      fc.record({
        name: fc.constantFrom("_fbp", "_fbc", "_mc_consent", "other"),
        value: fc.oneof(
          fc.constantFrom("fb.1.1596403881668.1116446470", "fb.1.1554763741205.IwAR2F4-dbP0l7", "fb.1.", "garbage"),
          anyValue,
        ),
      }),
      { maxLength: 4 },
    ),
    customer: fc.oneof(
      fc.record({ id: orderId, email: anyValue, phone: phoneish, default_address: address }, { requiredKeys: [] }),
      anyValue,
    ),
    billing_address: fc.oneof(address, anyValue),
    shipping_address: fc.oneof(address, anyValue),
    line_items: fc.oneof(
      fc.array(
        fc.record(
          { product_id: fc.oneof(fc.integer({ min: 1, max: 10 ** 9 }), anyValue), quantity: anyValue, price: anyValue, sku: anyValue },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

describe("the orders/paid → Purchase mapping, for any order", () => {
  it("never throws, on anything at all", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), order), (input) => {
        const result = mapOrderToPurchase(input, ctx);
        return result.ok === true || (typeof result.reason === "string" && result.reason.length > 0);
      }),
      // Found by this property: String() throws on an object whose toString is not a function.
      { ...RUNS, examples: [[{ id: { toString: {} } }], [{ id: "1", customer: { id: { toString: {}, valueOf: {} } } }]] },
    );
  });

  it("produces only events Meta accepts the shape of, deterministically", () => {
    let accepted = 0;
    fc.assert(
      fc.property(order, (input) => {
        const result = mapOrderToPurchase(input, ctx);
        if (!result.ok) return result.orderId === null || /^[1-9]\d*$/.test(result.orderId);
        accepted++;
        const { event } = result;
        expect(result.orderId).toMatch(/^[1-9]\d*$/);
        expect(event.event_id).toBe(`shopify_order_${result.orderId}`);
        expect(event.event_name).toBe("Purchase");
        expect(Number.isInteger(event.event_time)).toBe(true);
        expect(event.event_time).toBeLessThanOrEqual(NOW.getTime() / 1000);
        expect(event.event_source_url).toMatch(/^https?:\/\//);
        expect(Number.isFinite(event.custom_data.value) && event.custom_data.value >= 0).toBe(true);
        expect(event.custom_data.currency).toMatch(/^[A-Z]{3}$/);
        for (const item of event.custom_data.contents ?? []) expect(Number.isInteger(item.quantity) && item.quantity > 0).toBe(true);
        const userData = event.user_data as Record<string, string>;
        for (const [key, value] of Object.entries(userData)) {
          if (HASHED_KEYS.includes(key)) expect(value).toMatch(HEX64);
          else expect(RAW_KEYS).toContain(key);
        }
        if (userData.client_ip_address) expect(isIP(userData.client_ip_address)).not.toBe(0);
        for (const key of ["fbp", "fbc"]) if (userData[key]) expect(userData[key]).toMatch(FB_COOKIE);
        // The same payload always maps to the same bytes: redeliveries land on the same ledger row.
        expect(JSON.stringify(mapOrderToPurchase(input, ctx))).toBe(JSON.stringify(result));
        // The ledger's customer key is the event's external_id, so privacy requests find the row.
        expect(customerKeyOfOrder(input)).toBe(userData.external_id ?? null);
        return true;
      }),
      { numRuns: 500 },
    );
    // Most random orders are rejected; the property must still have seen accepted ones.
    expect(accepted).toBeGreaterThan(5);
  });

  it("leaves no raw email, phone or name in the event", () => {
    const secret = fc.stringMatching(/^[a-z]{3,8}[g-z][a-z]{2,8}$/);
    fc.assert(
      fc.property(
        secret,
        secret,
        fc.stringMatching(/^[2-9]\d{2}[2-9]\d{6}$/),
        fc.bigInt({ min: 10n ** 15n, max: 10n ** 18n }),
        (local, name, phone, id) => {
          const email = `${local}@example.com`;
          const raw = JSON.stringify({
            id: String(id),
            email,
            phone: `+1${phone}`,
            currency: "USD",
            total_price: "10.00",
            billing_address: { first_name: name, last_name: `${name}son`, city: `${name}ville`, country_code: "US", phone: `+1${phone}` },
            client_details: { user_agent: "Mozilla/5.0" },
            customer: { id: 207119551, email },
          });
          const result = mapOrderToPurchase(parseOrderJson(raw), ctx);
          if (!result.ok) return false;
          const out = JSON.stringify(result.event).toLowerCase();
          return [email, local, name, phone].every((pii) => !out.includes(pii.toLowerCase()));
        },
      ),
      RUNS,
    );
  });
});

describe("privacy helpers on stored payloads", () => {
  it("the customer key is the external_id hash of any form of the same customer ID", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 19n }), (n) => {
        const key = customerKeyOf(n.toString());
        return (
          key !== null &&
          HEX64.test(key) &&
          key === customerKeyOf(`gid://shopify/Customer/${n}`) &&
          key === customerKeyOf(n) &&
          key === customerKeyOf(` ${n} `) &&
          (n > BigInt(Number.MAX_SAFE_INTEGER) || key === customerKeyOf(Number(n)))
        );
      }),
      RUNS,
    );
    fc.assert(
      fc.property(anyValue, (v) => customerKeyOf(v) === null || HEX64.test(customerKeyOf(v)!)),
      RUNS,
    );
  });

  it("scrubbing replaces exactly the raw browser signals, keeps their keys and every other byte, and is idempotent", () => {
    fc.assert(
      fc.property(order, (input) => {
        const result = mapOrderToPurchase(input, ctx);
        if (!result.ok) return true;
        const payload = JSON.stringify(result.event);
        const scrubbed = scrubRawIdentifiers(payload);
        const before = JSON.parse(payload);
        const after = JSON.parse(scrubbed);
        expect(scrubRawIdentifiers(scrubbed)).toBe(scrubbed);
        expect(Object.keys(after.user_data)).toEqual(Object.keys(before.user_data));
        for (const key of Object.keys(before.user_data)) {
          expect(after.user_data[key]).toBe(RAW_KEYS.includes(key) ? REMOVED_VALUE : before.user_data[key]);
        }
        expect({ ...after, user_data: null }).toEqual({ ...before, user_data: null });
        // And should a scrubbed row ever be sent, the placeholders are not.
        const sendable = dropRemovedValues(after) as { user_data: Record<string, unknown> };
        expect(Object.values(sendable.user_data)).not.toContain(REMOVED_VALUE);
        return true;
      }),
      { numRuns: 200 },
    );
    // Lossless: 18-digit IDs and trailing zeros survive byte for byte.
    const exact = '{"custom_data":{"value":12.50,"order_id":820982911946154508},"user_data":{"em":"x","client_ip_address":"203.0.113.9"}}';
    expect(scrubRawIdentifiers(exact)).toBe(
      `{"custom_data":{"value":12.50,"order_id":820982911946154508},"user_data":{"em":"x","client_ip_address":"${REMOVED_VALUE}"}}`,
    );
    expect(scrubRawIdentifiers("not json")).toBe("not json");
  });
});
