// The two extensions as `shopify app deploy` will see them: their tomls, the embed block's schema and
// locales, the limits Shopify enforces or suggests, and the agreements with the app (the web pixel's
// settings fields are exactly what syncStorefront sends; the embed handle is what the admin deep-links).
import { readdirSync, readFileSync, statSync } from "node:fs";
import vm from "node:vm";
import { webcrypto } from "node:crypto";
import { gzipSync } from "node:zlib";
import { Liquid } from "liquidjs";
import { build } from "vite";
import { describe, expect, it } from "vitest";
import { APP_EMBED_HANDLE } from "~/lib/theme-embed";
import { webPixelSettings } from "~/services/storefront-sync.server";
import { checkoutCompleted } from "../dev/fake-shopify/checkout-events";
import { parse as parseToml, type TomlTable } from "smol-toml";
import { loadWebPixel, type Extend } from "../tests/helpers/web-pixel-harness";

const dir = (path: string) => new URL(`./${path}`, import.meta.url);
const read = (path: string) => readFileSync(dir(path), "utf8");
const toml = (path: string) => parseToml(read(path));

// Shopify's guidance for a theme app extension's JavaScript is under 10 KB compressed per file; ours is
// the bench's target (bench/index.ts TARGET_GZIP_BYTES).
const EMBED_GZIP_BUDGET = 5_000;

describe("theme app embed (extensions/theme-app-embed)", () => {
  const blockFiles = readdirSync(dir("theme-app-embed/blocks"));
  const block = read("theme-app-embed/blocks/meta-pixel.liquid");
  const schemaText = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/.exec(block)?.[1];
  const schema = JSON.parse(schemaText ?? "null") as Record<string, unknown>;
  const schemaLocale = JSON.parse(read("theme-app-embed/locales/en.default.schema.json")) as Record<string, unknown>;

  const translate = (value: unknown): unknown => {
    if (typeof value !== "string" || !value.startsWith("t:")) return value;
    return value
      .slice(2)
      .split(".")
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], schemaLocale);
  };

  it("is a theme extension", () => {
    const config = toml("theme-app-embed/shopify.extension.toml");
    expect(config.type).toBe("theme");
    expect(config.name).toMatch(/^[a-z0-9-]+$/);
  });

  it("has one app embed block for <head>, loading its script from assets", () => {
    expect(blockFiles).toEqual(["meta-pixel.liquid"]);
    expect(schema).toMatchObject({ target: "head", javascript: "meta-pixel.js" });
    expect(
      Object.keys(schema).every((k) =>
        [
          "name",
          "target",
          "javascript",
          "stylesheet",
          "settings",
          "enabled_on",
          "disabled_on",
          "class",
          "tag",
          "default",
          "available_if",
        ].includes(k),
      ),
    ).toBe(true);
    expect(statSync(dir("theme-app-embed/assets/meta-pixel.js")).isFile()).toBe(true);
  });

  it("is the block the admin's theme-editor deep link activates", () => {
    expect(blockFiles).toContain(`${APP_EMBED_HANDLE}.liquid`);
  });

  it("has a block name under 25 characters, and every t: key resolves in the schema locale", () => {
    const name = translate(schema.name);
    expect(typeof name).toBe("string");
    expect((name as string).length).toBeGreaterThan(0);
    expect((name as string).length).toBeLessThan(25);
    const keys = [...(schemaText ?? "").matchAll(/"(t:[^"]+)"/g)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(typeof translate(key), key).toBe("string");
    for (const setting of (schema.settings as Array<Record<string, unknown>>) ?? []) {
      expect(["paragraph", "header", "checkbox", "text", "select", "range", "number"]).toContain(setting.type);
    }
  });

  it("has valid locale files within Shopify's limits", () => {
    const locales = readdirSync(dir("theme-app-embed/locales"));
    expect(locales).toEqual(expect.arrayContaining(["en.default.json", "en.default.schema.json"]));
    for (const file of locales) {
      const text = read(`theme-app-embed/locales/${file}`);
      expect(() => JSON.parse(text), file).not.toThrow();
      expect(Buffer.byteLength(text), file).toBeLessThan(15 * 1024);
    }
  });

  it("is valid Liquid, well under the 100 KB Liquid limit", () => {
    const engine = new Liquid();
    expect(() => engine.parse(block.replace(/{%-?\s*schema\s*-?%}[\s\S]*?{%-?\s*endschema\s*-?%}/, ""))).not.toThrow();
    expect(Buffer.byteLength(block)).toBeLessThan(100 * 1024);
  });

  it(`keeps its script small (gzip < ${EMBED_GZIP_BUDGET} bytes), plain script, silent`, () => {
    const script = readFileSync(dir("theme-app-embed/assets/meta-pixel.js"));
    const gzip = gzipSync(script).length;
    // The figure docs/browser-side.md quotes.
    console.log(`theme embed assets/meta-pixel.js: ${script.length} bytes raw, ${gzip} bytes gzip`);
    expect(gzip).toBeLessThan(EMBED_GZIP_BUDGET);

    const source = script.toString("utf8");
    expect(() => new vm.Script(source, { filename: "meta-pixel.js" })).not.toThrow();
    // A classic async script: no modules, and nothing newer than ES2017 that older storefront browsers lack.
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(source).not.toMatch(/\?\.[a-zA-Z_$(]|\?\?/);
    // Logs nothing to the shopper.
    expect(source).not.toMatch(/\bconsole\./);
  });

  it("quotes the current script size in docs/browser-side.md", () => {
    const script = readFileSync(dir("theme-app-embed/assets/meta-pixel.js"));
    const doc = readFileSync(new URL("../docs/browser-side.md", import.meta.url), "utf8");
    const quoted = /([\d.]+) KB gzip/.exec(doc);
    expect(quoted, "docs/browser-side.md states the gzip size as '<n> KB gzip'").not.toBeNull();
    expect(Math.abs(Number(quoted![1]) - gzipSync(script).length / 1024)).toBeLessThan(0.3);
  });
});

describe("web pixel (extensions/web-pixel)", () => {
  const config = toml("web-pixel/shopify.extension.toml");

  it("is a strict-sandbox web pixel extension", () => {
    expect(config.type).toBe("web_pixel_extension");
    expect(config.runtime_context).toBe("strict");
    expect(config.name).toMatch(/^[a-z0-9-]+$/);
  });

  it("declares its privacy needs: marketing consent, and no load for visitors who opted out of data sale", () => {
    const privacy = config.customer_privacy as TomlTable;
    expect(privacy).toEqual({ analytics: false, marketing: true, preferences: false, sale_of_data: "enabled" });
  });

  it("has settings fields that are exactly the keys syncStorefront sends", () => {
    const settings = config.settings as TomlTable;
    expect(settings.type).toBe("object");
    const fields = settings.fields as Record<string, TomlTable>;
    const sent = webPixelSettings({
      shop: "x.myshopify.com",
      pixelId: "123456789012345",
      enabledEvents: ["Purchase"],
      consentMode: "customer-privacy",
      limitedDataUse: false,
      webPixelId: null,
    });
    expect(Object.keys(fields).sort()).toEqual(Object.keys(sent).sort());
    for (const [key, field] of Object.entries(fields)) {
      expect(field.type, key).toBe("single_line_text_field");
      expect(typeof field.name, key).toBe("string");
      // Shopify validates the JSON string against these fields: every value must be a string.
      expect(typeof sent[key], key).toBe("string");
    }
  });

  it("depends on @shopify/web-pixels-extension 2.18.0, the version the app is built against", () => {
    const pkg = JSON.parse(read("web-pixel/package.json")) as { dependencies: Record<string, string> };
    const root = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).toEqual({ "@shopify/web-pixels-extension": "2.18.0" });
    expect(root.dependencies["@shopify/web-pixels-extension"]).toBe("2.18.0");
    expect(statSync(dir("web-pixel/src/index.ts")).isFile()).toBe(true);
  });

  it("is asked for by the app's scopes", () => {
    const app = parseToml(readFileSync(new URL("../shopify.app.toml", import.meta.url), "utf8"));
    const scopes = String((app.access_scopes as TomlTable).scopes).split(",");
    expect(scopes).toEqual(expect.arrayContaining(["write_pixels", "read_customer_events"]));
  });

  it("bundles into one self-contained script under Shopify's 128 KB limit that works with nothing from Node", async () => {
    const result = await build({
      configFile: false,
      logLevel: "silent",
      root: new URL("..", import.meta.url).pathname,
      build: {
        write: false,
        target: "es2017",
        minify: "esbuild",
        lib: { entry: new URL("./web-pixel/src/index.ts", import.meta.url).pathname, formats: ["es"], fileName: () => "main.js" },
      },
    });
    const outputs = (Array.isArray(result) ? result[0] : result) as { output: Array<{ fileName: string; code?: string }> };
    expect(outputs.output.map((o) => o.fileName)).toEqual(["main.js"]);
    const code = outputs.output[0].code!;
    console.log(`web pixel bundle: ${code.length} bytes, ${gzipSync(code).length} bytes gzip`);
    expect(code.length).toBeLessThan(128 * 1024);
    expect(code).not.toMatch(/^\s*import\s|require\(/m);

    // Run the bundle the way the sandbox would: its own globals, only web APIs, `shopify.extend` to register.
    let extend: Extend | undefined;
    const sandbox = vm.createContext({
      shopify: { extend: (_point: string, fn: Extend) => (extend = fn) },
      fetch: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args),
      URL,
      URLSearchParams,
      crypto: webcrypto,
    });
    new vm.Script(code, { filename: "web-pixel-bundle.js" }).runInContext(sandbox);
    expect(extend).toBeTypeOf("function");

    const pixel = await loadWebPixel({
      extend,
      settings: { pixelId: "123456789012345", enabledEvents: "Purchase", consentMode: "customer-privacy", limitedDataUse: "false" },
    });
    try {
      await pixel.publish(checkoutCompleted({ orderId: "820982911946154508" }));
      expect(pixel.trRequests().map((u) => u.searchParams.get("eid"))).toEqual(["shopify_order_820982911946154508"]);
      expect(pixel.proxyEvents().map((e) => e.event_id)).toEqual(["shopify_order_820982911946154508"]);
    } finally {
      pixel.dispose();
    }
  });
});
