import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appEmbedState, parseThemeJson, themeEditorUrl } from "./theme-embed";

const HEADER = `/*
 * ------------------------------------------------------------
 * IMPORTANT: The contents of this file are auto-generated.
 * ------------------------------------------------------------
 */
`;

const settings = (blocks: Record<string, unknown>) =>
  HEADER + JSON.stringify({ current: { logo_width: 90, blocks }, presets: { Default: {} } });
const embed = (disabled: boolean | undefined) => ({
  type: "shopify://apps/meta-pixel-capi/blocks/meta-pixel/0b5e1c9a-4f5e-4f1a-9c1e-6d8e2f3a1b2c",
  ...(disabled === undefined ? {} : { disabled }),
  settings: {},
});

describe("appEmbedState", () => {
  it("finds our embed switched on behind Shopify's comment header", () => {
    expect(appEmbedState(settings({ "1": embed(false) }))).toBe("on");
  });

  it("reports it switched off", () => {
    expect(appEmbedState(settings({ "1": embed(true) }))).toBe("off");
  });

  it("treats a block without a disabled flag as on", () => {
    expect(appEmbedState(settings({ "1": embed(undefined) }))).toBe("on");
  });

  it("ignores other apps' embeds and blocks whose handle only resembles ours", () => {
    expect(
      appEmbedState(
        settings({
          a: { type: "shopify://apps/other/blocks/reviews/1", disabled: false },
          b: { type: "shopify://apps/other/blocks/meta-pixel-lite/1", disabled: false },
        }),
      ),
    ).toBe("missing");
  });

  it("is on when any copy of the embed is enabled", () => {
    expect(appEmbedState(settings({ a: embed(true), b: embed(false) }))).toBe("on");
  });

  it("follows `current` when it names a preset", () => {
    const text = JSON.stringify({ current: "Default", presets: { Default: { blocks: { x: embed(false) } } } });
    expect(appEmbedState(text)).toBe("on");
  });

  it.each([
    ["a theme without blocks", JSON.stringify({ current: { colors: {} } })],
    ["no current settings", JSON.stringify({ presets: {} })],
  ])("reports missing for %s", (_name, text) => {
    expect(appEmbedState(text)).toBe("missing");
  });

  it("reports unreadable for text that is not JSON", () => {
    expect(appEmbedState("<html>")).toBe("unreadable");
  });
});

describe("parseThemeJson", () => {
  it("keeps comment-like text inside strings", () => {
    expect(parseThemeJson('// top\n{"url": "https://x.test/*not-a-comment*/", "a": "//b" /* gone */}')).toEqual({
      url: "https://x.test/*not-a-comment*/",
      a: "//b",
    });
  });

  it("parses any JSON value back unchanged, with or without a header comment", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, withHeader) => {
        const text = (withHeader ? HEADER : "") + JSON.stringify(value);
        expect(parseThemeJson(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe("themeEditorUrl", () => {
  it("opens the live theme's App embeds with our embed selected", () => {
    expect(themeEditorUrl("bright-socks.myshopify.com", "abc123")).toBe(
      "https://bright-socks.myshopify.com/admin/themes/current/editor?context=apps&template=index&activateAppId=abc123/meta-pixel",
    );
  });
});
