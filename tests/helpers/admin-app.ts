// The embedded admin under test with Shopify's own helpers: the app's real shopify.server on a migrated
// SQLite file, a valid offline session stored in its Prisma session storage (setUpValidSession), and
// requests carrying a session token signed like Shopify's (getJwt). Nothing in authenticate.admin is
// mocked; only the network to Shopify is answered locally (shopify-admin-api.ts).
import { API_KEY, API_SECRET_KEY, APP_URL, TEST_SHOP, getJwt, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import type { Db } from "~/db.server";
import { setAppEnv } from "./app-env";
import { interceptAdminApi, type AdminApiMock } from "./shopify-admin-api";
import { createTestDatabase, type TestDatabase } from "./test-db";

export const SHOP = TEST_SHOP;
export const OTHER_SHOP = "other-shop.myshopify.com";

export interface AdminTestApp {
  db: Db;
  api: AdminApiMock;
  close(): Promise<void>;
}

/**
 * Sets the environment, intercepts Shopify, then imports the app (in that order: the app reads both at
 * import time) and stores an offline session for SHOP and OTHER_SHOP.
 */
export async function startAdminTestApp(env: Record<string, string> = {}): Promise<AdminTestApp> {
  const database: TestDatabase = await createTestDatabase("sqlite");
  const restoreConsole = quietShopifyLibrary();
  setAppEnv({ DATABASE_URL: database.url, ...env });
  const api = interceptAdminApi();
  const { getDb, closeDb } = await import("~/db.server");
  const { sessionStorage } = await import("~/shopify.server");
  for (const shop of [SHOP, OTHER_SHOP]) {
    await sessionStorage!.storeSession(setUpValidSession({ shop }));
  }
  return {
    db: getDb(),
    api,
    async close() {
      api.restore();
      restoreConsole();
      await closeDb();
      await database.cleanup();
    },
  };
}

// The Shopify library logs every authentication at INFO through console; in tests that is noise.
function quietShopifyLibrary(): () => void {
  const methods = ["log", "info", "debug"] as const;
  const originals = methods.map((m) => console[m]);
  methods.forEach((m, i) => {
    console[m] = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].startsWith("[shopify-")) return;
      originals[i].apply(console, args);
    };
  });
  return () => methods.forEach((m, i) => (console[m] = originals[i]));
}

function shopName(shop: string): string {
  return shop.replace(/\.myshopify\.com$/, "");
}

/** A session token as App Bridge's idToken() returns it: HS256 under the app secret, aud = the API key. */
export async function sessionToken(shop = SHOP): Promise<string> {
  const { token } = await getJwt(shopName(shop), API_KEY, API_SECRET_KEY);
  return token;
}

/** The `host` parameter the Shopify admin adds: base64 of admin.shopify.com/store/<name>. */
export function hostParam(shop = SHOP): string {
  return Buffer.from(`admin.shopify.com/store/${shopName(shop)}`).toString("base64");
}

/** A fetch from the embedded UI (a loader's data request or a form post): Authorization: Bearer <token>. */
export async function adminRequest(
  path: string,
  opts: { shop?: string; method?: string; form?: Record<string, string | string[]> | string; headers?: Record<string, string> } = {},
): Promise<Request> {
  const headers = new Headers({ Authorization: `Bearer ${await sessionToken(opts.shop)}`, ...opts.headers });
  let body: BodyInit | undefined;
  if (opts.form !== undefined) {
    if (typeof opts.form === "string") {
      body = opts.form;
      if (!headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded");
    } else {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(opts.form)) {
        for (const v of Array.isArray(value) ? value : [value]) form.append(key, v);
      }
      body = form;
    }
  }
  return new Request(new URL(path, APP_URL), { method: opts.method ?? (body ? "POST" : "GET"), headers, body });
}

/** The URL the Shopify admin loads in its iframe: ?embedded=1&shop=…&host=…&id_token=<jwt>. */
export async function embeddedUrl(base: string, path: string, shop = SHOP): Promise<string> {
  const url = new URL(path, base);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", hostParam(shop));
  url.searchParams.set("id_token", await sessionToken(shop));
  return url.href;
}

type RouteFunction = (args: { request: Request; params: Record<string, string>; context: object }) => Promise<unknown>;

export interface RouteOutcome {
  status: number;
  /** The JSON the browser would receive (loaders and actions here return objects or json()). */
  data: unknown;
  /** The serialized form, for "never contains" assertions. */
  text: string;
}

/** Calls a loader or action like Remix does, turning thrown responses (404, auth) into outcomes too. */
export async function callRoute(fn: RouteFunction, request: Request, params: Record<string, string> = {}): Promise<RouteOutcome> {
  let result: unknown;
  try {
    result = await fn({ request, params, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    result = thrown;
  }
  if (result instanceof Response) {
    const text = await result.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: result.status, data, text };
  }
  const text = JSON.stringify(result);
  return { status: 200, data: JSON.parse(text), text };
}
