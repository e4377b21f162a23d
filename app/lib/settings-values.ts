// The values a shop's settings can take: the one list, imported by the model, the settings form and the
// page's browser bundle.
export const META_EVENTS = ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase"] as const;
export type MetaEventName = (typeof META_EVENTS)[number];
export const CONSENT_MODES = ["customer-privacy", "strict"] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];
/**
 * The form of the catalog's item IDs, which content_ids must match for catalog (dynamic) ads
 * (app/lib/capi/catalog-ids.ts): product IDs as product groups, variant IDs, or the `shopify_<CC>_<product>_<variant>`
 * IDs of Shopify's channel catalog sync.
 */
export const CATALOG_ID_FORMS = ["product_group", "variant", "shopify_catalog"] as const;
export type CatalogIdForm = (typeof CATALOG_ID_FORMS)[number];
/** What every install had before the setting existed: product IDs, now declared as the product groups they are. */
export const DEFAULT_CATALOG_ID_FORM: CatalogIdForm = "product_group";
