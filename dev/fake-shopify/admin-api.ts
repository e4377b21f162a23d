// A stand-in for the Shopify Admin GraphQL API at the fetch boundary: requests to
// https://<shop>.myshopify.com/admin/api/<version>/graphql.json are answered from handlers keyed by
// operation name; everything else passes through to the real fetch. The admin route tests and browser
// tests use it, and so does the local demo's admin (scripts/lib/demo/admin-server.ts), which has no store.
//
// Install it BEFORE importing ~/shopify.server (or the production build): Shopify's node adapter captures
// globalThis.fetch once, at import time. Handlers and the call log are reset with reset().
import type * as Admin from "../../app/types/admin.generated";

/** What the app's Admin operations return, by operation name (app/types/admin.generated.d.ts). */
export interface AdminAnswers {
  metaCapiAppInstallation: Admin.MetaCapiAppInstallationQuery;
  metaCapiSetStorefrontMetafields: Admin.MetaCapiSetStorefrontMetafieldsMutation;
  metaCapiCreateWebPixel: Admin.MetaCapiCreateWebPixelMutation;
  metaCapiUpdateWebPixel: Admin.MetaCapiUpdateWebPixelMutation;
  metaCapiWebPixel: Admin.MetaCapiWebPixelQuery;
  MetaCapiMainThemeSettings: Admin.MetaCapiMainThemeSettingsQuery;
}

// A canned answer for one of the app's operations must have the shape Shopify's schema gives it, so a
// fake that drifts from the schema (or from the query) fails typecheck instead of passing tests.
type Answer<Name extends string> = Name extends keyof AdminAnswers
  ? AdminAnswers[Name] | ((call: AdminCall) => AdminAnswers[Name])
  : AdminHandler | Record<string, unknown>;

export interface AdminCall {
  shop: string;
  operationName: string | null;
  variables: Record<string, unknown> | undefined;
  accessToken: string | null;
}

export type AdminHandler = (call: AdminCall) => unknown;

export interface AdminApiMock {
  /** Answers `operationName` with `data` (an object is sent as `{data}`; a function is called per request). */
  on<Name extends string>(operationName: Name, answer: Answer<Name>): void;
  /** Answers `operationName` with a top-level GraphQL `errors` array. */
  failWith(operationName: string, message: string): void;
  calls(operationName?: string): AdminCall[];
  /** Requests to a *.myshopify.com host that no handler answered (each one is a test bug or an app bug). */
  unexpected(): string[];
  reset(): void;
  restore(): void;
}

const GRAPHQL_PATH = /^\/admin\/api\/[^/]+\/graphql\.json$/;

function operationNameOf(query: string): string | null {
  return /\b(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(query)?.[1] ?? null;
}

export function interceptAdminApi(): AdminApiMock {
  const realFetch = globalThis.fetch;
  const handlers = new Map<string, AdminHandler>();
  let log: AdminCall[] = [];
  let strays: string[] = [];

  const fetchWrapper: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!url.hostname.endsWith(".myshopify.com")) return realFetch(input, init);

    if (request.method !== "POST" || !GRAPHQL_PATH.test(url.pathname)) {
      strays.push(`${request.method} ${url.href}`);
      return new Response(JSON.stringify({ errors: "Not answered by the fake Admin API" }), { status: 500 });
    }
    const body = (await request.json()) as { query?: string; variables?: Record<string, unknown> };
    const call: AdminCall = {
      shop: url.hostname,
      operationName: operationNameOf(body.query ?? ""),
      variables: body.variables,
      accessToken: request.headers.get("x-shopify-access-token"),
    };
    log.push(call);
    const handler = call.operationName ? handlers.get(call.operationName) : undefined;
    if (!handler) {
      strays.push(`GraphQL ${call.operationName ?? "(anonymous)"} on ${url.hostname}`);
      return Response.json({ errors: [{ message: `No handler for ${call.operationName}` }] }, { status: 200 });
    }
    const answer = handler(call);
    if (answer instanceof Response) return answer;
    return Response.json(answer, { status: 200 });
  };
  globalThis.fetch = fetchWrapper;

  return {
    on(operationName, answer) {
      handlers.set(
        operationName,
        typeof answer === "function" ? (call) => ({ data: (answer as AdminHandler)(call) }) : () => ({ data: answer }),
      );
    },
    failWith(operationName, message) {
      handlers.set(operationName, () => ({ errors: [{ message }] }));
    },
    calls: (operationName) => log.filter((c) => operationName === undefined || c.operationName === operationName),
    unexpected: () => [...strays],
    reset() {
      handlers.clear();
      log = [];
      strays = [];
    },
    restore() {
      if (globalThis.fetch === fetchWrapper) globalThis.fetch = realFetch;
    },
  };
}

// ---- Canned answers for the operations the admin makes -------------------------------------------------

export const WEB_PIXEL_ID = "gid://shopify/WebPixel/424242";

/** Shopify's side of storefront-sync.server.ts: the installation, its metafields and the web pixel. */
export function answerStorefrontSync(api: AdminApiMock, opts: { webPixelId?: string; primaryDomainUrl?: string } = {}): void {
  const id = opts.webPixelId ?? WEB_PIXEL_ID;
  api.on("metaCapiAppInstallation", (call) => ({
    currentAppInstallation: { id: "gid://shopify/AppInstallation/777" },
    // Shopify's default when the merchant has no domain of their own is the myshopify.com host.
    shop: { primaryDomain: { url: opts.primaryDomainUrl ?? `https://${call.shop}` } },
  }));
  api.on("metaCapiSetStorefrontMetafields", (call) => ({
    metafieldsSet: {
      metafields: ((call.variables?.metafields as Array<{ key: string }>) ?? []).map((m) => ({ key: m.key })),
      userErrors: [],
    },
  }));
  api.on("metaCapiCreateWebPixel", (call) => ({
    webPixelCreate: { webPixel: { id, settings: (call.variables?.webPixel as { settings: string }).settings }, userErrors: [] },
  }));
  api.on("metaCapiUpdateWebPixel", (call) => ({
    webPixelUpdate: {
      webPixel: { id: String(call.variables?.id), settings: (call.variables?.webPixel as { settings: string }).settings },
      userErrors: [],
    },
  }));
  api.on("metaCapiWebPixel", { webPixel: { id } });
}

/** The live theme's settings_data.json, with Shopify's leading comment, and our embed on or off. */
export function settingsDataJson(opts: { embed: "on" | "off" | "absent"; apiKey?: string }): string {
  const blocks: Record<string, unknown> = {
    "1234567890": { type: "shopify://apps/reviews/blocks/stars/aaaa", disabled: false, settings: {} },
  };
  if (opts.embed !== "absent") {
    blocks["17349238473491650000"] = {
      type: `shopify://apps/meta-capi/blocks/meta-pixel/${opts.apiKey ?? "0b5e1c9a-4f5e-4f1a-9c1e-6d8e2f3a1b2c"}`,
      disabled: opts.embed === "off",
      settings: {},
    };
  }
  return `/*
 * ------------------------------------------------------------
 * IMPORTANT: The contents of this file are auto-generated.
 * ------------------------------------------------------------
 */
${JSON.stringify({ current: { colors_accent_1: "#121212", blocks }, presets: { Default: {} } }, null, 2)}`;
}

export function answerMainTheme(api: AdminApiMock, opts: { embed: "on" | "off" | "absent"; themeName?: string }): void {
  api.on("MetaCapiMainThemeSettings", {
    themes: {
      nodes: [
        {
          id: "gid://shopify/OnlineStoreTheme/1",
          name: opts.themeName ?? "Dawn",
          files: { nodes: [{ filename: "config/settings_data.json", body: { content: settingsDataJson(opts) } }] },
        },
      ],
    },
  });
}
