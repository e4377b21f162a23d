import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { orderIdDigits, purchaseEventId } from "./event-id";

describe("purchaseEventId", () => {
  it("gives the same ID for every spelling of one order", () => {
    const expected = "shopify_order_820982911946154508";
    expect(purchaseEventId("820982911946154508")).toBe(expected);
    expect(purchaseEventId(" 820982911946154508 ")).toBe(expected);
    expect(purchaseEventId("gid://shopify/Order/820982911946154508")).toBe(expected);
    expect(purchaseEventId("gid://shopify/OrderIdentity/820982911946154508")).toBe(expected);
    expect(purchaseEventId(820982911946154508n)).toBe(expected);
  });

  it("accepts safe integers and drops leading zeros so number and string forms agree", () => {
    expect(purchaseEventId(5923768213)).toBe("shopify_order_5923768213");
    expect(purchaseEventId("0005923768213")).toBe("shopify_order_5923768213");
    expect(purchaseEventId(Number.MAX_SAFE_INTEGER)).toBe(`shopify_order_${Number.MAX_SAFE_INTEGER}`);
  });

  it("refuses a number that JSON.parse already rounded", () => {
    const rounded = JSON.parse('{"id": 820982911946154508}').id as number;
    expect(rounded).toBe(820982911946154500);
    expect(() => purchaseEventId(rounded)).toThrow(/not a safe integer/);
    expect(() => purchaseEventId(2 ** 53)).toThrow(/not a safe integer/);
    expect(() => purchaseEventId(1.5)).toThrow(/not a safe integer/);
    expect(() => purchaseEventId(Number.NaN)).toThrow(/not a safe integer/);
  });

  it.each([
    [""],
    ["   "],
    ["#1001"],
    ["abc"],
    ["12a"],
    ["-5"],
    ["0"],
    ["gid://shopify/Order/"],
    ["gid://shopify/Customer/115310627314723954"],
    ["gid://shopify/Checkout/123"],
  ])("throws on %j", (input) => {
    expect(() => purchaseEventId(input)).toThrow(/Not a Shopify order ID/);
  });

  it("throws on negative numbers and bigints and on non-ID runtime values", () => {
    expect(() => purchaseEventId(-1)).toThrow(Error);
    expect(() => purchaseEventId(-1n)).toThrow(Error);
    expect(() => purchaseEventId(null as unknown as string)).toThrow(/Not a Shopify order ID: object/);
    expect(() => purchaseEventId(undefined as unknown as string)).toThrow(/Not a Shopify order ID: undefined/);
  });

  it("exposes the digits on their own", () => {
    expect(orderIdDigits("gid://shopify/Order/450789469")).toBe("450789469");
    expect(orderIdDigits(450789469)).toBe("450789469");
  });

  // The pixel bundle runs in Shopify's strict sandbox, where no Node module resolves.
  it("imports nothing", () => {
    const source = readFileSync(new URL("./event-id.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\brequire\(/);
  });
});
