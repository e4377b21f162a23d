// content_ids, content_type and contents in the form of the merchant's Meta catalog. Catalog (dynamic) ads
// only work when content_ids equal the catalog's item IDs, so one rule serves every copy of an event: the
// server Purchase (map-order.ts), the web pixel (extensions/web-pixel/src/meta-request.ts) and, through
// catalogIdTemplate, the theme app embed's script (same IDs, evaluated in the browser). Pure.
import { CATALOG_ID_FORMS, DEFAULT_CATALOG_ID_FORM, type CatalogIdForm } from "../settings-values";

export { CATALOG_ID_FORMS, DEFAULT_CATALOG_ID_FORM, type CatalogIdForm };

export interface CatalogIdSetting {
  form: CatalogIdForm;
  /** ISO 3166-1 alpha-2, upper case: the `<CC>` of shopify_catalog IDs; unused by the other forms. */
  country: string | null;
}

export const DEFAULT_CATALOG_ID_SETTING: CatalogIdSetting = { form: DEFAULT_CATALOG_ID_FORM, country: null };

/** The proxy's cap (map-storefront-event.ts MAX_CONTENT_IDS): a bigger cart sends its first 50 lines. */
export const MAX_CATALOG_CONTENTS = 50;

export interface CatalogLine {
  /** Digits or a Shopify GID; anything else counts as missing. */
  productId: string | number | null | undefined;
  variantId: string | number | null | undefined;
  quantity: number;
  /** In the event's currency; left out when not a finite non-negative number. */
  price?: number | null;
}

export interface CatalogContent {
  id: string;
  quantity: number;
  item_price?: number;
}

export interface CatalogContents {
  content_ids: string[];
  content_type: "product" | "product_group";
  contents: CatalogContent[];
}

const COUNTRY = /^[A-Z]{2}$/;

export function isCatalogIdForm(value: unknown): value is CatalogIdForm {
  return typeof value === "string" && (CATALOG_ID_FORMS as readonly string[]).includes(value);
}

/** A setting from stored or posted strings; an unknown form is the default, a country is kept only as two letters. */
export function catalogIdSetting(form: unknown, country: unknown): CatalogIdSetting {
  const cc = typeof country === "string" ? country.trim().toUpperCase() : "";
  return { form: isCatalogIdForm(form) ? form : DEFAULT_CATALOG_ID_FORM, country: COUNTRY.test(cc) ? cc : null };
}

export function catalogContentType(setting: CatalogIdSetting): CatalogContents["content_type"] {
  return setting.form === "product_group" ? "product_group" : "product";
}

function digits(id: CatalogLine["productId"]): string | undefined {
  if (typeof id === "number") return Number.isSafeInteger(id) && id > 0 ? String(id) : undefined;
  if (typeof id !== "string") return undefined;
  return /^(?:gid:\/\/shopify\/\w+\/)?(\d+)$/.exec(id.trim())?.[1];
}

/** The catalog's ID for one product/variant, or undefined when the form needs an ID the item lacks. */
export function catalogContentId(setting: CatalogIdSetting, productId: CatalogLine["productId"], variantId: CatalogLine["variantId"]) {
  const p = digits(productId);
  const v = digits(variantId);
  switch (setting.form) {
    case "product_group":
      return p;
    case "variant":
      return v;
    case "shopify_catalog":
      return p && v && setting.country && COUNTRY.test(setting.country) ? `shopify_${setting.country}_${p}_${v}` : undefined;
  }
}

/**
 * The lines in the catalog's form. A line without the ID its form needs (a custom item, a removed product) or
 * without a positive whole quantity is left out; at most MAX_CATALOG_CONTENTS lines are kept. Null when none
 * is left: the caller then sends no content keys at all (Meta reads [] as a bad value, not as "none").
 */
export function catalogContents(setting: CatalogIdSetting, lines: Iterable<CatalogLine | null | undefined>): CatalogContents | null {
  const contents: CatalogContent[] = [];
  const ids: string[] = [];
  for (const line of lines) {
    if (contents.length >= MAX_CATALOG_CONTENTS) break;
    const id = line ? catalogContentId(setting, line.productId, line.variantId) : undefined;
    const quantity = line?.quantity;
    if (!id || typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity <= 0) continue;
    const price = line?.price;
    contents.push(
      typeof price === "number" && Number.isFinite(price) && price >= 0 ? { id, quantity, item_price: price } : { id, quantity },
    );
    if (!ids.includes(id)) ids.push(id);
  }
  return contents.length > 0 ? { content_ids: ids, content_type: catalogContentType(setting), contents } : null;
}

/** One string for the web pixel's settings (never empty): `product_group`, `variant` or `shopify_catalog:US`. */
export function catalogIdSettingText(setting: CatalogIdSetting): string {
  return setting.form === "shopify_catalog" && setting.country ? `${setting.form}:${setting.country}` : setting.form;
}

/** The web pixel's reading of catalogIdSettingText; anything else is the default. */
export function parseCatalogIdSettingText(text: unknown): CatalogIdSetting {
  const [form, country] = typeof text === "string" ? text.split(":") : [];
  return catalogIdSetting(form, country);
}

/**
 * The rule as the theme app embed's script applies it (metafield `meta_pixel.catalog_ids`): `t` is the ID
 * with `{p}` for the product ID and `{v}` for the variant ID, `ct` the content_type. The script keeps an ID
 * only when it reads `^(shopify_[A-Z]{2}_)?\d+(_\d+)?$` after the substitution, which drops exactly the items
 * catalogContentId drops. A shopify_catalog setting without a country has the empty template: no ID is made.
 */
export function catalogIdTemplate(setting: CatalogIdSetting): { t: string; ct: CatalogContents["content_type"] } {
  const ct = catalogContentType(setting);
  switch (setting.form) {
    case "product_group":
      return { t: "{p}", ct };
    case "variant":
      return { t: "{v}", ct };
    case "shopify_catalog":
      return setting.country && COUNTRY.test(setting.country) ? { t: `shopify_${setting.country}_{p}_{v}`, ct } : { t: "", ct };
  }
}
