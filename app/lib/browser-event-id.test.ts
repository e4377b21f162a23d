import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkoutEventId, isBrowserEventId, randomEventId, STOREFRONT_EVENT_ID, WEB_PIXEL_EVENT_ID } from "./browser-event-id";
import { purchaseEventId } from "./event-id";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("checkoutEventId", () => {
  it("keys InitiateCheckout on the checkout token", () => {
    expect(checkoutEventId("bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b")).toBe("shopify_checkout_bd6b6a3a4d8a1f3c0e2b7c9d8e4f1a2b");
    expect(checkoutEventId(" Z2NwLXVzLWVhc3Qx_01J8XS4Q7E ")).toBe("shopify_checkout_Z2NwLXVzLWVhc3Qx_01J8XS4Q7E");
  });

  it.each([[null], [undefined], [""], ["short"], ["has space inside"], ["semi;colon-token"], ["x".repeat(129)]])("refuses %j", (token) => {
    expect(checkoutEventId(token)).toBeNull();
  });
});

describe("randomEventId", () => {
  it("gives 128 random bits in the prefix's shape, different every time", () => {
    const ids = new Set(Array.from({ length: 200 }, () => randomEventId("sf")));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(STOREFRONT_EVENT_ID);
    expect(randomEventId("wp")).toMatch(WEB_PIXEL_EVENT_ID);
  });

  it("gives nothing rather than a guessable ID when there is no crypto source", () => {
    vi.stubGlobal("crypto", undefined);
    expect(randomEventId("sf")).toBeNull();
  });
});

describe("isBrowserEventId", () => {
  it.each([
    ["PageView", "sf_0123456789abcdef0123456789abcdef", true],
    ["AddToCart", "sf_0123456789abcdef0123456789abcdef", true],
    ["PageView", "sf_0123456789ABCDEF0123456789abcdef", false],
    ["PageView", "sf_0123", false],
    ["PageView", "wp_0123456789abcdef0123456789abcdef", false],
    ["InitiateCheckout", "wp_0123456789abcdef0123456789abcdef", true],
    ["InitiateCheckout", "shopify_checkout_bd6b6a3a4d8a1f3c", true],
    ["InitiateCheckout", "sf_0123456789abcdef0123456789abcdef", false],
    ["Purchase", purchaseEventId("820982911946154508"), true],
    ["Purchase", "shopify_order_0820982911946154508", false],
    ["Purchase", "shopify_order_", false],
    ["Purchase", "shopify_checkout_bd6b6a3a4d8a1f3c", false],
    ["Lead", "sf_0123456789abcdef0123456789abcdef", false],
    ["PageView", "", false],
  ])("%s %j → %s", (name, id, expected) => expect(isBrowserEventId(name, id)).toBe(expected));
});

// The web pixel bundle runs in Shopify's strict sandbox, where no Node module resolves.
it("imports nothing", () => {
  const source = readFileSync(new URL("./browser-event-id.ts", import.meta.url), "utf8");
  expect(source).not.toMatch(/^\s*import\s/m);
  expect(source).not.toMatch(/\brequire\(/);
});
