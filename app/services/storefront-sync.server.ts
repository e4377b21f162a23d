// Pushes the shop's settings to where the storefront reads them: app-data metafields on the app
// installation (read by the theme app embed's Liquid) and the web pixel's settings (checkout).
// Interface agreed between the browser side and the admin; implementation: see issue 3.
import type { ConsentMode, MetaEventName } from "~/models/shop-settings.server";

/** The `admin.graphql` function that `authenticate.admin` / `unauthenticated.admin` return. */
export type AdminGraphql = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

export interface StorefrontSettings {
  shop: string;
  pixelId: string;
  enabledEvents: MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  /** The app's public URL, for the browser's "event seen" beacon. */
  appUrl: string;
  /** Known web pixel ID (gid://shopify/WebPixel/…), if the app created one before. */
  webPixelId: string | null;
}

export type StorefrontSyncResult = { ok: true; webPixelId: string } | { ok: false; errors: string[] };

export async function syncStorefront(_admin: AdminGraphql, _settings: StorefrontSettings): Promise<StorefrontSyncResult> {
  return { ok: false, errors: ["Storefront sync is not implemented yet"] };
}
