// The checkout half of the browser side, for the demo. Shopify's checkout and thank-you pages cannot be
// rendered locally, so the real web pixel code (extensions/web-pixel/src/pixel.ts, the function its entry
// hands to `register`) runs here in Node with a stand-in for the strict sandbox's API: the shopper's real
// browser cookies, a localStorage, Shopify's events. Its request to https://www.facebook.com/tr goes to the
// local stand-in instead, or fails as an ad blocker makes it fail; its POST to the shop's own
// /apps/meta-capi/events goes to the demo's storefront, which plays Shopify's app proxy in front of the app
// (no DNS lookup of the shop's real domain).
import type { ExtensionApi, PixelEventsCheckoutCompleted, PixelEventsCheckoutStarted } from "@shopify/web-pixels-extension";
import { createPixel } from "../../../extensions/web-pixel/src/pixel";

const META_TR = "https://www.facebook.com/tr";

export interface WebPixelRunOptions {
  /** As the app writes them with webPixelCreate: every value a string. */
  settings: { pixelId: string; enabledEvents: string; consentMode: string; limitedDataUse: string };
  shop: string;
  /** The shopper's cookies, read from their browser (the sandbox reads _fbp/_fbc through its cookie API). */
  cookies: Record<string, string>;
  /** Where the pixel's GET to Meta really goes (the local /tr); null when the shopper's ad blocker stops it. */
  trEndpoint: string | null;
  /** Where the shop's domain really is for the app proxy's path (the local storefront's origin). */
  shopOrigin: string;
}

type CheckoutEvent = PixelEventsCheckoutStarted | PixelEventsCheckoutCompleted;

export async function runWebPixel(options: WebPixelRunOptions, events: CheckoutEvent[]): Promise<void> {
  const subscribers = new Map<string, Array<(event: unknown) => unknown>>();
  const storage = new Map<string, string>();
  const storageApi = {
    getItem: async (key: string) => storage.get(key) ?? null,
    setItem: async (key: string, value: string) => void storage.set(key, String(value)),
    removeItem: async (key: string) => void storage.delete(key),
    clear: async () => storage.clear(),
    key: async (index: number) => [...storage.keys()][index] ?? null,
    length: async () => storage.size,
  };
  const api = {
    settings: options.settings,
    analytics: {
      subscribe: (name: string, callback: (event: unknown) => unknown) => {
        subscribers.set(name, [...(subscribers.get(name) ?? []), callback]);
        return () => true;
      },
    },
    browser: {
      cookie: {
        get: async (name?: string) =>
          name
            ? (options.cookies[name] ?? "")
            : Object.entries(options.cookies)
                .map(([k, v]) => `${k}=${v}`)
                .join("; "),
        set: async (_name: string, value?: string) => value ?? "",
      },
      localStorage: storageApi,
      sessionStorage: storageApi,
      sendBeacon: async () => true,
    },
    init: {
      context: events[0]?.context,
      data: { shop: { myshopifyDomain: options.shop } },
      // The demo's shoppers accepted the consent banner on the storefront.
      customerPrivacy: {
        marketingAllowed: true,
        analyticsProcessingAllowed: true,
        preferencesProcessingAllowed: true,
        saleOfDataAllowed: true,
      },
    },
    customerPrivacy: { subscribe: () => () => true },
  } as unknown as ExtensionApi;

  // The pixel calls the global fetch, as it does in the sandbox; route it for as long as it runs here.
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(META_TR)) {
      if (options.trEndpoint === null) throw new TypeError("Failed to fetch (blocked by the shopper's ad blocker)");
      return realFetch(options.trEndpoint + url.slice(META_TR.length), { method: "GET" });
    }
    const shopUrl = `https://${options.shop}/apps/`;
    if (url.startsWith(shopUrl)) input = `${options.shopOrigin}/apps/${url.slice(shopUrl.length)}`;
    // Node's fetch has no use for the browser-only mode/keepalive flags.
    return realFetch(input, { method: init?.method, headers: init?.headers, body: init?.body });
  }) as typeof fetch;
  try {
    createPixel(api);
    for (const event of events) {
      await Promise.all((subscribers.get(event.name) ?? []).map((callback) => callback(event)));
    }
  } finally {
    globalThis.fetch = realFetch;
  }
}
