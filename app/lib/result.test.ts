import { describe, expect, it } from "vitest";
import { z } from "zod";
import { err, ok, parseJson, parseJsonOr, parseWith } from "./result";

describe("parseJson", () => {
  it("returns the parsed value", () => {
    expect(parseJson('{"a":[1,"x",null]}')).toEqual(ok({ a: [1, "x", null] }));
    expect(parseJson("null")).toEqual(ok(null));
  });

  it("returns an error for text that is not JSON, without echoing the text", () => {
    for (const text of ["", "{", "{'a':1}", "secret-token-EAAB"]) {
      const parsed = parseJson(text);
      expect(parsed).toEqual(err({ kind: "invalid-json" }));
      expect(JSON.stringify(parsed)).not.toContain("secret");
    }
  });
});

describe("parseJsonOr", () => {
  it("falls back only when the text does not parse", () => {
    expect(parseJsonOr("[1]", null)).toEqual([1]);
    expect(parseJsonOr("null", "fallback")).toBeNull();
    expect(parseJsonOr("nope", null)).toBeNull();
  });
});

describe("parseWith", () => {
  const schema = z.object({ n: z.number().int() });

  it("returns the checked value", () => {
    expect(parseWith(schema, '{"n":3,"extra":true}')).toEqual(ok({ n: 3 }));
  });

  it("tells bad JSON from a bad shape", () => {
    expect(parseWith(schema, "{").ok).toBe(false);
    const badJson = parseWith(schema, "{");
    expect(!badJson.ok && badJson.error.kind).toBe("invalid-json");
    const badShape = parseWith(schema, '{"n":"3"}');
    expect(!badShape.ok && badShape.error.kind).toBe("invalid-shape");
    expect(!badShape.ok && badShape.error.kind === "invalid-shape" && badShape.error.issues[0].path).toEqual(["n"]);
  });
});

describe("ok and err", () => {
  it("build the two sides of a Result", () => {
    expect(ok(1)).toEqual({ ok: true, value: 1 });
    expect(err("no")).toEqual({ ok: false, error: "no" });
  });
});
