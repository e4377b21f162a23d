// What the settings page offers. Kept apart from the form parser so the page's browser bundle does not
// carry the validation library.
import type { CatalogIdForm, ConsentMode, MetaEventName } from "./settings-values";

export const EVENT_OPTIONS = [
  { name: "PageView", label: "Page view", help: "Every page a shopper opens." },
  { name: "ViewContent", label: "View content", help: "A shopper opens a product page." },
  { name: "AddToCart", label: "Add to cart", help: "A product goes into the cart." },
  { name: "InitiateCheckout", label: "Initiate checkout", help: "A shopper starts checkout." },
  { name: "AddPaymentInfo", label: "Add payment info", help: "A shopper submits payment details at checkout." },
  { name: "Purchase", label: "Purchase", help: "An order is paid. The server copy comes from Shopify's order webhook." },
] as const satisfies readonly { name: MetaEventName; label: string; help: string }[];

export const CONSENT_OPTIONS = [
  {
    value: "customer-privacy",
    label: "Follow Shopify's customer privacy settings (recommended)",
    help: "Tracks where the shopper's region allows it, and waits for consent where the law requires it.",
  },
  {
    value: "strict",
    label: "Strict: wait for consent everywhere",
    help: "No tracking until the shopper accepts marketing cookies, in every region.",
  },
] as const satisfies readonly { value: ConsentMode; label: string; help: string }[];

export const CATALOG_ID_OPTIONS = [
  {
    value: "product_group",
    label: "Product IDs (product groups)",
    help: "For a catalog whose item group IDs are your Shopify product IDs, or if you have no catalog. What this app always sent.",
  },
  {
    value: "variant",
    label: "Variant IDs",
    help: "For a catalog whose items are your Shopify variants with their variant IDs as content IDs, as most feed apps make it.",
  },
  {
    value: "shopify_catalog",
    label: "Shopify channel IDs (shopify_US_product_variant)",
    help: "For a catalog synced by Meta's Facebook & Instagram app on Shopify, whose content IDs look like shopify_US_123_456.",
  },
] as const satisfies readonly { value: CatalogIdForm; label: string; help: string }[];

// A compile-time guard: adding an event or consent mode to settings-values.ts without offering it here fails tsc.
type Missing<All, Offered> = Exclude<All, Offered> extends never ? true : never;
const _allEventsOffered: Missing<MetaEventName, (typeof EVENT_OPTIONS)[number]["name"]> = true;
const _allConsentModesOffered: Missing<ConsentMode, (typeof CONSENT_OPTIONS)[number]["value"]> = true;
void _allEventsOffered;
void _allConsentModesOffered;
const _allCatalogFormsOffered: Missing<CatalogIdForm, (typeof CATALOG_ID_OPTIONS)[number]["value"]> = true;
void _allCatalogFormsOffered;
