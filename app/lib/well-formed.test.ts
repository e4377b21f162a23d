import { describe, expect, it } from "vitest";
import { parseWebhookJson, wellFormed, wellFormedString } from "./well-formed";

describe("well-formed text", () => {
  it("replaces lone surrogates with U+FFFD and keeps real pairs", () => {
    expect(wellFormedString("a\ud800b")).toBe("a\ufffdb");
    expect(wellFormedString("\udc00")).toBe("\ufffd");
    expect(wellFormedString("\udc00\ud800")).toBe("\ufffd\ufffd");
    expect(wellFormedString("\ud800\ud800\udc00")).toBe("\ufffd\u{10000}");
    expect(wellFormedString("😀 ok")).toBe("😀 ok");
  });

  it("fixes every string and key of a parsed body, however deep", () => {
    const value = wellFormed({ "k\ud800": ["x\udfff", { y: "\ud83d" }], n: 1, ok: "fine", nil: null });
    expect(value).toEqual({ "k\ufffd": ["x\ufffd", { y: "\ufffd" }], n: 1, ok: "fine", nil: null });
    // Nesting that would exhaust a recursive walk.
    let deep: unknown = "\ud800";
    for (let i = 0; i < 200_000; i++) deep = [deep];
    let cursor = wellFormed(deep);
    while (Array.isArray(cursor)) cursor = cursor[0];
    expect(cursor).toBe("\ufffd");
  });

  it("parses a webhook body losslessly and well-formed", () => {
    const parsed = parseWebhookJson(String.raw`{"id":820982911946154508,"name":"#1\ud800","emoji":"\ud83d\ude00"}`) as Record<
      string,
      unknown
    >;
    expect(parsed).toEqual({ id: "820982911946154508", name: "#1\ufffd", emoji: "😀" });
    expect(() => parseWebhookJson("{")).toThrow(SyntaxError);
  });
});
