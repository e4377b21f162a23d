// Runs the real web pixel (extensions/web-pixel/src/index.ts, through the real `register` of
// @shopify/web-pixels-extension) against a fake of Shopify's strict-sandbox API: an event bus, the async
// cookie and storage proxies, the consent bus, and a recording `fetch`. Nothing is mocked by module path.
//
//   const storage = new Map<string, string>();               // survives "reloads" when shared
//   const pixel = await loadWebPixel({ settings, storage, cookies: { _fbp: "fb.1.…" } });
//   await pixel.publish(checkoutCompleted({ orderId }));
//   pixel.trRequests()   // URLs sent to https://www.facebook.com/tr
//   pixel.proxyEvents()  // events posted to the app proxy (/apps/meta-capi/events on the page's origin)
//   pixel.dispose();
import type { ExtensionApi, RegisterInit } from "@shopify/web-pixels-extension";

export type Extend = (api: ExtensionApi) => void;

export interface PixelHarnessOptions {
  /** `api.settings`, exactly as webPixelCreate stored them (string values). */
  settings: Record<string, unknown>;
  cookies?: Record<string, string>;
  /** The top frame's localStorage; pass the same Map to simulate a reload or a later visit. */
  storage?: Map<string, string>;
  marketingAllowed?: boolean;
  /** False: the visitor opted out of the sale of their data (defaults to marketingAllowed). */
  saleOfDataAllowed?: boolean;
  shop?: string;
  /** Make localStorage calls reject, as in a browser that blocks storage. */
  storageFails?: boolean;
  /** Make `fetch` reject, as when an ad blocker stops the request. */
  fetchFails?: boolean;
  /** Drive this registered callback instead of src/index.ts (e.g. one captured from the built bundle). */
  extend?: Extend;
}

export interface ProxyEvent {
  event_name: string;
  event_id: string;
  event_time: number;
  event_source_url?: string;
  custom_data: Record<string, unknown>;
  fbp?: string;
  fbc?: string;
}

export interface RecordedFetch {
  url: string;
  init: RequestInit | undefined;
}

export interface PixelHarness {
  /** Delivers an event to the pixel's subscribers and waits for what they started. */
  publish(event: { name: string }): Promise<void>;
  /** Publishes `visitorConsentCollected` on the consent bus. */
  collectConsent(marketingAllowed: boolean, saleOfDataAllowed?: boolean): void;
  subscribedEvents(): string[];
  fetches: RecordedFetch[];
  trRequests(): URL[];
  /** Every request that is not Meta's, parsed as the app proxy's JSON body. */
  proxyRequests(): Array<{ url: string; init: RequestInit | undefined; body: { events: ProxyEvent[] } }>;
  /** The events of those requests, flattened. */
  proxyEvents(): ProxyEvent[];
  storage: Map<string, string>;
  dispose(): void;
}

let extend: Extend | undefined;

async function loadExtend(): Promise<Extend> {
  if (extend) return extend;
  const global = globalThis as unknown as { shopify?: { extend: (point: string, fn: Extend) => void } };
  const previous = global.shopify;
  // What the pixel manager provides inside the sandbox; the package's `register` calls it.
  global.shopify = {
    extend: (point, fn) => {
      if (point !== "WebPixel::Render") throw new Error(`unexpected extension point ${point}`);
      extend = fn;
    },
  };
  try {
    await import("../../extensions/web-pixel/src/index");
  } finally {
    global.shopify = previous;
  }
  if (!extend) throw new Error("extensions/web-pixel/src/index.ts did not call register()");
  return extend;
}

export async function loadWebPixel(options: PixelHarnessOptions): Promise<PixelHarness> {
  const run = options.extend ?? (await loadExtend());
  const subscribers = new Map<string, Array<(event: unknown) => unknown>>();
  const consentSubscribers: Array<(event: unknown) => unknown> = [];
  const storage = options.storage ?? new Map<string, string>();
  const cookies = new Map(Object.entries(options.cookies ?? {}));
  const fetches: RecordedFetch[] = [];
  const pending: Array<Promise<unknown>> = [];

  const originalFetch = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    fetches.push({ url: String(input instanceof Request ? input.url : input), init });
    if (options.fetchFails) throw new TypeError("Failed to fetch");
    return new Response(null, { status: 200 });
  }) as typeof fetch;

  const reject = () => Promise.reject(new Error("SecurityError: storage is blocked"));
  const storageApi = {
    getItem: async (key: string) => (options.storageFails ? reject() : (storage.get(key) ?? null)),
    setItem: async (key: string, value: string) => {
      if (options.storageFails) return reject();
      storage.set(key, String(value));
    },
    removeItem: async (key: string) => {
      storage.delete(key);
    },
    clear: async () => storage.clear(),
    key: async (index: number) => [...storage.keys()][index] ?? null,
    length: async () => storage.size,
  };

  const marketingAllowed = options.marketingAllowed ?? true;
  const saleOfDataAllowed = options.saleOfDataAllowed ?? marketingAllowed;
  const init: RegisterInit = {
    context: (await import("../../dev/fake-shopify/checkout-events")).pixelContext(),
    data: {
      customer: null,
      cart: null,
      shop: {
        countryCode: "US",
        myshopifyDomain: options.shop ?? "jsmith.myshopify.com",
        name: "Jsmith",
        paymentSettings: { currencyCode: "USD" },
        storefrontUrl: "https://jsmith.myshopify.com",
      },
      purchasingCompany: null,
    },
    customerPrivacy: {
      analyticsProcessingAllowed: marketingAllowed,
      marketingAllowed,
      preferencesProcessingAllowed: marketingAllowed,
      saleOfDataAllowed,
    },
  };

  const api = {
    settings: options.settings,
    analytics: {
      subscribe: (name: string, callback: (event: unknown) => unknown) => {
        const list = subscribers.get(name) ?? [];
        list.push(callback);
        subscribers.set(name, list);
        return () => true;
      },
    },
    browser: {
      cookie: {
        get: async (name?: string) => (name ? (cookies.get(name) ?? "") : [...cookies].map(([k, v]) => `${k}=${v}`).join("; ")),
        set: async (name: string, value?: string) => {
          cookies.set(name, value ?? "");
          return value ?? "";
        },
      },
      localStorage: storageApi,
      sessionStorage: storageApi,
      sendBeacon: async () => true,
    },
    init,
    _pixelInfo: {},
    customerPrivacy: {
      subscribe: (name: string, callback: (event: unknown) => unknown) => {
        if (name === "visitorConsentCollected") consentSubscribers.push(callback);
        return () => true;
      },
    },
  } as unknown as ExtensionApi;

  run(api);

  function proxyRequests() {
    return fetches
      .filter((f) => !f.url.startsWith("https://www.facebook.com/"))
      .map((f) => ({ url: f.url, init: f.init, body: JSON.parse(String(f.init?.body)) as { events: ProxyEvent[] } }));
  }

  return {
    async publish(event) {
      for (const callback of subscribers.get(event.name) ?? []) pending.push(Promise.resolve(callback(event)));
      await Promise.all(pending.splice(0));
    },
    collectConsent(allowed, saleOfData = allowed) {
      for (const callback of consentSubscribers) {
        callback({
          customerPrivacy: {
            analyticsProcessingAllowed: allowed,
            marketingAllowed: allowed,
            preferencesProcessingAllowed: allowed,
            saleOfDataAllowed: saleOfData,
          },
        });
      }
    },
    subscribedEvents: () => [...subscribers.keys()].sort(),
    fetches,
    trRequests: () => fetches.filter((f) => f.url.startsWith("https://www.facebook.com/tr?")).map((f) => new URL(f.url)),
    proxyRequests,
    proxyEvents: () => proxyRequests().flatMap((r) => r.body.events),
    storage,
    dispose() {
      globalThis.fetch = originalFetch;
    },
  };
}
