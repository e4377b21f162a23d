import { describe, expect, it } from "vitest";
import {
  catalogContentId,
  catalogContents,
  catalogIdSetting,
  catalogIdSettingText,
  catalogIdTemplate,
  parseCatalogIdSettingText,
  MAX_CATALOG_CONTENTS,
  type CatalogIdSetting,
  type CatalogLine,
} from "./catalog-ids";

const GROUP: CatalogIdSetting = { form: "product_group", country: null };
const VARIANT: CatalogIdSetting = { form: "variant", country: null };
const CHANNEL: CatalogIdSetting = { form: "shopify_catalog", country: "US" };

const LINES: CatalogLine[] = [
  { productId: "7956823048226", variantId: "43794354536482", quantity: 2, price: 30 },
  { productId: "gid://shopify/Product/7956823048226", variantId: "gid://shopify/ProductVariant/43794354536483", quantity: 1, price: 35 },
  { productId: 7956827504674, variantId: 43794350309410, quantity: 1 },
];

describe("catalogContents", () => {
  it("product groups: product IDs, once each, as content_type product_group", () => {
    expect(catalogContents(GROUP, LINES)).toEqual({
      content_ids: ["7956823048226", "7956827504674"],
      content_type: "product_group",
      contents: [
        { id: "7956823048226", quantity: 2, item_price: 30 },
        { id: "7956823048226", quantity: 1, item_price: 35 },
        { id: "7956827504674", quantity: 1 },
      ],
    });
  });

  it("variants: variant IDs as content_type product", () => {
    expect(catalogContents(VARIANT, LINES)).toEqual({
      content_ids: ["43794354536482", "43794354536483", "43794350309410"],
      content_type: "product",
      contents: [
        { id: "43794354536482", quantity: 2, item_price: 30 },
        { id: "43794354536483", quantity: 1, item_price: 35 },
        { id: "43794350309410", quantity: 1 },
      ],
    });
  });

  it("Shopify channel IDs: shopify_<country>_<product>_<variant> as content_type product", () => {
    const result = catalogContents(CHANNEL, LINES);
    expect(result?.content_ids).toEqual([
      "shopify_US_7956823048226_43794354536482",
      "shopify_US_7956823048226_43794354536483",
      "shopify_US_7956827504674_43794350309410",
    ]);
    expect(result?.content_type).toBe("product");
    expect(result?.contents.map((c) => c.id)).toEqual(result?.content_ids);
  });

  it("leaves out each line without the ID its form needs, and keeps contents consistent with content_ids", () => {
    const lines: Array<CatalogLine | null> = [
      { productId: null, variantId: null, quantity: 1, price: 5 }, // custom item
      { productId: "111", variantId: null, quantity: 1 }, // a variant no longer known
      { productId: null, variantId: "222", quantity: 1 },
      { productId: "SKU-1", variantId: "gid://shopify/ProductVariant/x", quantity: 1 },
      { productId: "333", variantId: "444", quantity: 0 },
      { productId: "333", variantId: "444", quantity: 1.5 },
      { productId: "333", variantId: "444", quantity: 1, price: -1 },
      { productId: -5, variantId: 1.5, quantity: 1 },
      null,
    ];
    expect(catalogContents(GROUP, lines)).toEqual({
      content_ids: ["111", "333"],
      content_type: "product_group",
      contents: [
        { id: "111", quantity: 1 },
        { id: "333", quantity: 1 },
      ],
    });
    expect(catalogContents(VARIANT, lines)?.content_ids).toEqual(["222", "444"]);
    expect(catalogContents(CHANNEL, lines)?.content_ids).toEqual(["shopify_US_333_444"]);
    for (const setting of [GROUP, VARIANT, CHANNEL]) {
      const result = catalogContents(setting, lines)!;
      expect(new Set(result.contents.map((c) => c.id))).toEqual(new Set(result.content_ids));
    }
  });

  it("answers null, not empty lists, when no line is left (no line items, custom items only)", () => {
    for (const setting of [GROUP, VARIANT, CHANNEL]) {
      expect(catalogContents(setting, [])).toBeNull();
      expect(catalogContents(setting, [{ productId: null, variantId: null, quantity: 1, price: 25 }])).toBeNull();
    }
    // Shopify channel IDs cannot be made without the country.
    expect(catalogContents({ form: "shopify_catalog", country: null }, LINES)).toBeNull();
    expect(catalogContents({ form: "shopify_catalog", country: "usa" }, LINES)).toBeNull();
  });

  it("keeps the first 50 lines of a cart ten times that size, in every form", () => {
    const lines = Array.from({ length: MAX_CATALOG_CONTENTS * 10 }, (_, i) => ({
      productId: String(1000 + (i % 7)),
      variantId: String(5000 + i),
      quantity: 1,
      price: 1,
    }));
    for (const setting of [GROUP, VARIANT, CHANNEL]) {
      const result = catalogContents(setting, lines)!;
      expect(result.contents).toHaveLength(MAX_CATALOG_CONTENTS);
      expect(result.content_ids.length).toBeLessThanOrEqual(MAX_CATALOG_CONTENTS);
      expect(result.contents[49].id).toBe(catalogContentId(setting, lines[49].productId, lines[49].variantId));
    }
    expect(catalogContents(GROUP, lines)!.content_ids).toHaveLength(7);
  });
});

describe("catalogIdSettingText (the web pixel's setting)", () => {
  it("round-trips every setting as one never-empty string, and reads anything else as the default", () => {
    expect([GROUP, VARIANT, CHANNEL].map(catalogIdSettingText)).toEqual(["product_group", "variant", "shopify_catalog:US"]);
    for (const setting of [GROUP, VARIANT, CHANNEL]) expect(parseCatalogIdSettingText(catalogIdSettingText(setting))).toEqual(setting);
    expect(parseCatalogIdSettingText(undefined)).toEqual(GROUP);
    expect(parseCatalogIdSettingText("shopify_catalog")).toEqual({ form: "shopify_catalog", country: null });
    expect(parseCatalogIdSettingText(42)).toEqual(GROUP);
  });
});

describe("catalogIdSetting", () => {
  it("reads stored or posted strings, falling back to product groups and dropping a malformed country", () => {
    expect(catalogIdSetting("variant", null)).toEqual({ form: "variant", country: null });
    expect(catalogIdSetting("shopify_catalog", " gb ")).toEqual({ form: "shopify_catalog", country: "GB" });
    expect(catalogIdSetting("sku", "USA")).toEqual({ form: "product_group", country: null });
    expect(catalogIdSetting(undefined, undefined)).toEqual({ form: "product_group", country: null });
  });
});

// The embed's script evaluates the template this way (extensions/theme-app-embed/assets/meta-pixel.js, cid()).
function embedId(template: string, p: unknown, v: unknown): string {
  const s = template.replace("{p}", String(p)).replace("{v}", String(v));
  return /^(shopify_[A-Z]{2}_)?\d+(_\d+)?$/.test(s) ? s : "";
}

describe("catalogIdTemplate", () => {
  it("makes, in the embed's script, the IDs catalogContentId makes, and drops the same items", () => {
    const cases: Array<[unknown, unknown]> = [
      ["7956823048226", "43794354536482"],
      [7956827504674, 43794350309410],
      ["111", undefined],
      [undefined, "222"],
      [null, null],
      ["", ""],
    ];
    for (const setting of [GROUP, VARIANT, CHANNEL, { form: "shopify_catalog", country: null } as CatalogIdSetting]) {
      const { t, ct } = catalogIdTemplate(setting);
      expect(ct).toBe(setting.form === "product_group" ? "product_group" : "product");
      for (const [p, v] of cases) {
        const expected = catalogContentId(setting, p as string, v as string) ?? "";
        expect(embedId(t, p, v)).toBe(expected);
      }
    }
  });
});
