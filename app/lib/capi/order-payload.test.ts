import { readFileSync } from "node:fs";
import { isInteger, isSafeNumber, parse } from "lossless-json";
import { describe, expect, it } from "vitest";
import { parseOrderJson, readShopifyOrder, shopifyOrderSchema } from "./order-payload";

const FIXTURES = ["../../../dev/fake-shopify/orders-paid.json", "../../../tests/fixtures/webhooks/orders-paid.sample.json"].map((path) =>
  parseOrderJson(readFileSync(new URL(path, import.meta.url), "utf8")),
);

// Values of every kind the lenient schema meets: right types, wrong types, edge strings and numbers.
const ODD_VALUES: unknown[] = [
  null,
  undefined,
  "",
  " ",
  "12.50",
  "abc",
  0,
  -3,
  1.5,
  1e21,
  true,
  false,
  [],
  [1, "a"],
  {},
  { amount: 3 },
  "820982911946154508",
];

/** Every variant of `value` with one field (at any depth) replaced by one of ODD_VALUES, or removed. */
function* mangled(value: unknown, seed: { n: number }): Generator<unknown> {
  if (typeof value !== "object" || value === null) return;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const odd = ODD_VALUES[seed.n++ % ODD_VALUES.length];
    const copy = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
    (copy as Record<string, unknown>)[key] = odd;
    yield copy;
    for (const deeper of mangled(child, seed)) {
      const withDeeper = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
      (withDeeper as Record<string, unknown>)[key] = deeper;
      yield withDeeper;
    }
  }
}

describe("readShopifyOrder", () => {
  it("reads each fixture order exactly as the schema does", () => {
    for (const order of FIXTURES) expect(readShopifyOrder(order)).toStrictEqual(shopifyOrderSchema.parse(order));
  });

  it("agrees with the schema on every one-field mangling of the fixtures", () => {
    let compared = 0;
    for (const order of FIXTURES) {
      for (const variant of mangled(order, { n: 0 })) {
        const expected = shopifyOrderSchema.safeParse(variant);
        expect(readShopifyOrder(variant)).toStrictEqual(expected.success ? expected.data : null);
        compared++;
      }
    }
    // The fixtures are full orders: hundreds of variants, or the generator is broken and this proves nothing.
    expect(compared).toBeGreaterThan(500);
  });

  it("refuses what is not a JSON object, as the schema does, and drops a __proto__ key as zod does", () => {
    for (const input of [null, "order", 3, [], [{ id: 1 }]]) {
      expect(readShopifyOrder(input)).toBeNull();
      expect(shopifyOrderSchema.safeParse(input).success).toBe(false);
    }
    const withProto = JSON.parse('{"id": 5, "__proto__": {"polluted": true}, "line_items": [{"__proto__": {"x": 1}, "id": 2}]}');
    const read = readShopifyOrder(withProto)!;
    expect(read).toStrictEqual(shopifyOrderSchema.parse(withProto));
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect((read as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parseOrderJson", () => {
  const lossless = (raw: string) =>
    parse(raw, undefined, (value) => (isSafeNumber(value) ? Number(value) : isInteger(value) ? value : Number(value)));

  it("keeps every integer past 2^53 exact, and parses all else as the lossless parser does", () => {
    const raws = [
      readFileSync(new URL("../../../dev/fake-shopify/orders-paid.json", import.meta.url), "utf8"),
      '{"id": 820982911946154508, "ids": [820982911946154508,-820982911946154509 ,1234567890123456], "f": 12345678901234567890.5, "e": 12345678901234567e2}',
      // Digit runs inside strings, in every position the quoting looks for, stay as written.
      '{"note": "a:12345678901234567890,", "b": "[12345678901234567890]", "c": ", 99999999999999999}", "id": 99999999999999999}',
      '{"s": "\\":12345678901234567890,", "id": 820982911946154508}',
      '[{"x": 1}, 820982911946154508 ]',
    ];
    for (const raw of raws) expect(parseOrderJson(raw)).toStrictEqual(lossless(raw));
    expect(parseOrderJson('{"id": 820982911946154508}')).toStrictEqual({ id: "820982911946154508" });
    expect(parseOrderJson('{"note": "a:12345678901234567890,"}')).toStrictEqual({ note: "a:12345678901234567890," });
  });

  it("refuses bad JSON with a SyntaxError, big integers or not", () => {
    for (const raw of [
      '{"id": 0820982911946154508}',
      '{"id": 820982911946154508',
      "{820982911946154508: 1}",
      '{"a": "x" 820982911946154508}',
      "{",
    ]) {
      expect(() => parseOrderJson(raw)).toThrow(SyntaxError);
    }
  });
});
