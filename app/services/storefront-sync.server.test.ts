// syncStorefront against a stubbed Admin GraphQL client: a function returning Responses, recording each
// query's operation and variables, answering by operation name the way Shopify would.
import { describe, expect, it } from "vitest";
import { syncStorefront, type AdminGraphql, type StorefrontSettings } from "./storefront-sync.server";

const INSTALLATION = "gid://shopify/AppInstallation/909";
const PIXEL_GID = "gid://shopify/WebPixel/55";

const SETTINGS: StorefrontSettings = {
  shop: "bright-socks.myshopify.com",
  pixelId: "123456789012345",
  enabledEvents: ["Purchase", "PageView", "AddToCart"],
  // Kept once; an empty or over-long name is never written for the storefront.
  customEvents: ["BookedTrialClass", "", "BookedTrialClass", "x".repeat(51)],
  consentMode: "strict",
  limitedDataUse: true,
  catalogIds: { form: "shopify_catalog", country: "US" },
  webPixelId: null,
};

type Answer = Response | ((variables: Record<string, unknown> | undefined) => Response) | Error;

interface Call {
  operation: string;
  query: string;
  variables: Record<string, unknown> | undefined;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const ok = (data: unknown) => json({ data });

function stubAdmin(answers: Record<string, Answer | Answer[]>) {
  const calls: Call[] = [];
  const admin: AdminGraphql = async (operationText, options) => {
    const query = String(operationText);
    const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "?";
    calls.push({ operation, query, variables: options?.variables });
    const entry = answers[operation];
    const answer = Array.isArray(entry) ? entry.shift() : entry;
    if (answer === undefined) throw new Error(`unexpected operation ${operation}`);
    if (answer instanceof Error) throw answer;
    return typeof answer === "function" ? answer(options?.variables) : answer;
  };
  return { admin, calls, operations: () => calls.map((c) => c.operation) };
}

const happy = () => ({
  metaCapiAppInstallation: ok({
    currentAppInstallation: { id: INSTALLATION },
    shop: { primaryDomain: { url: "https://Shop.Example.com" } },
  }),
  metaCapiSetStorefrontMetafields: ok({ metafieldsSet: { metafields: [{ key: "pixel_id" }], userErrors: [] } }),
  metaCapiCreateWebPixel: ok({ webPixelCreate: { webPixel: { id: PIXEL_GID, settings: "{}" }, userErrors: [] } }),
  metaCapiUpdateWebPixel: (variables: Record<string, unknown> | undefined) =>
    ok({ webPixelUpdate: { webPixel: { id: variables?.id, settings: "{}" }, userErrors: [] } }),
});

describe("syncStorefront", () => {
  it("writes the embed's metafields on the app installation and creates the web pixel", async () => {
    const stub = stubAdmin(happy());
    const result = await syncStorefront(stub.admin, SETTINGS);
    expect(result).toEqual({ ok: true, value: { webPixelId: PIXEL_GID, primaryDomain: "https://shop.example.com" } });
    expect(stub.operations()).toEqual(["metaCapiAppInstallation", "metaCapiSetStorefrontMetafields", "metaCapiCreateWebPixel"]);

    expect(stub.calls[1].variables).toEqual({
      metafields: [
        { ownerId: INSTALLATION, namespace: "meta_pixel", key: "pixel_id", type: "single_line_text_field", value: "123456789012345" },
        // Canonical order, whatever order the admin passed them in.
        {
          ownerId: INSTALLATION,
          namespace: "meta_pixel",
          key: "enabled_events",
          type: "json",
          value: '["PageView","AddToCart","Purchase"]',
        },
        { ownerId: INSTALLATION, namespace: "meta_pixel", key: "custom_events", type: "json", value: '["BookedTrialClass"]' },
        { ownerId: INSTALLATION, namespace: "meta_pixel", key: "consent_mode", type: "single_line_text_field", value: "strict" },
        { ownerId: INSTALLATION, namespace: "meta_pixel", key: "limited_data_use", type: "boolean", value: "true" },
        {
          ownerId: INSTALLATION,
          namespace: "meta_pixel",
          key: "catalog_ids",
          type: "json",
          value: '{"t":"shopify_US_{p}_{v}","ct":"product"}',
        },
      ],
    });

    const webPixel = stub.calls[2].variables?.webPixel as { settings: unknown };
    expect(typeof webPixel.settings).toBe("string");
    expect(JSON.parse(webPixel.settings as string)).toEqual({
      pixelId: "123456789012345",
      enabledEvents: "PageView,AddToCart,Purchase",
      consentMode: "strict",
      limitedDataUse: "true",
      catalogIds: "shopify_catalog:US",
    });
  });

  it("updates the known web pixel instead of creating another", async () => {
    const stub = stubAdmin(happy());
    const result = await syncStorefront(stub.admin, { ...SETTINGS, webPixelId: PIXEL_GID, limitedDataUse: false });
    expect(result).toEqual({ ok: true, value: { webPixelId: PIXEL_GID, primaryDomain: "https://shop.example.com" } });
    expect(stub.operations()).toEqual(["metaCapiAppInstallation", "metaCapiSetStorefrontMetafields", "metaCapiUpdateWebPixel"]);
    expect(stub.calls[2].variables?.id).toBe(PIXEL_GID);
    expect(JSON.parse((stub.calls[2].variables?.webPixel as { settings: string }).settings).limitedDataUse).toBe("false");
  });

  it("creates a new pixel when the stored one no longer exists", async () => {
    const stub = stubAdmin({
      ...happy(),
      metaCapiUpdateWebPixel: ok({
        webPixelUpdate: { webPixel: null, userErrors: [{ field: ["id"], message: "Web pixel not found", code: "NOT_FOUND" }] },
      }),
    });
    const result = await syncStorefront(stub.admin, { ...SETTINGS, webPixelId: "gid://shopify/WebPixel/1" });
    expect(result).toEqual({ ok: true, value: { webPixelId: PIXEL_GID, primaryDomain: "https://shop.example.com" } });
    expect(stub.operations().slice(2)).toEqual(["metaCapiUpdateWebPixel", "metaCapiCreateWebPixel"]);
  });

  it("adopts the shop's existing pixel when creating says it is taken", async () => {
    const stub = stubAdmin({
      ...happy(),
      metaCapiCreateWebPixel: ok({
        webPixelCreate: { webPixel: null, userErrors: [{ field: null, message: "Web pixel is taken", code: "TAKEN" }] },
      }),
      metaCapiWebPixel: ok({ webPixel: { id: "gid://shopify/WebPixel/77" } }),
    });
    const result = await syncStorefront(stub.admin, SETTINGS);
    expect(result).toEqual({ ok: true, value: { webPixelId: "gid://shopify/WebPixel/77", primaryDomain: "https://shop.example.com" } });
    expect(stub.operations().slice(2)).toEqual(["metaCapiCreateWebPixel", "metaCapiWebPixel", "metaCapiUpdateWebPixel"]);
    expect(stub.calls[4].variables?.id).toBe("gid://shopify/WebPixel/77");
  });

  it("reports metafield userErrors in words, with the field, and stops there", async () => {
    const stub = stubAdmin({
      ...happy(),
      metaCapiSetStorefrontMetafields: ok({
        metafieldsSet: {
          metafields: [],
          userErrors: [{ field: ["metafields", "0", "value"], message: "Value can't be blank", code: "BLANK" }],
        },
      }),
    });
    const result = await syncStorefront(stub.admin, SETTINGS);
    expect(result).toEqual({ ok: false, error: ["Shopify refused the storefront settings: Value can't be blank (metafields.0.value)"] });
    expect(stub.operations()).toHaveLength(2);
  });

  it("reports web pixel userErrors (settings Shopify rejects)", async () => {
    const stub = stubAdmin({
      ...happy(),
      metaCapiCreateWebPixel: ok({
        webPixelCreate: {
          webPixel: null,
          userErrors: [{ field: ["settings"], message: "Settings are invalid", code: "INVALID_SETTINGS" }],
        },
      }),
    });
    expect(await syncStorefront(stub.admin, SETTINGS)).toEqual({
      ok: false,
      error: ["Shopify refused to create the web pixel: Settings are invalid (settings)"],
    });
  });

  it("reports top-level GraphQL errors, e.g. a missing scope", async () => {
    const stub = stubAdmin({
      ...happy(),
      metaCapiCreateWebPixel: json({ errors: [{ message: "Access denied for webPixelCreate field. Required access: `write_pixels`" }] }),
    });
    const result = await syncStorefront(stub.admin, SETTINGS);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error[0]).toMatch(/while creating the web pixel: Access denied .*write_pixels/);
  });

  it("reports what admin.graphql throws for GraphQL errors (GraphqlQueryError.body.errors)", async () => {
    const thrown = Object.assign(new Error("GraphQL Client: An error occurred"), { body: { errors: [{ message: "Throttled" }] } });
    const stub = stubAdmin({ ...happy(), metaCapiAppInstallation: thrown });
    expect(await syncStorefront(stub.admin, SETTINGS)).toEqual({
      ok: false,
      error: ["Shopify reported an error while reading the app installation: Throttled"],
    });
  });

  it("reports HTTP failures and network errors without throwing", async () => {
    const http = stubAdmin({ ...happy(), metaCapiSetStorefrontMetafields: new Response("Bad gateway", { status: 502 }) });
    expect(await syncStorefront(http.admin, SETTINGS)).toEqual({
      ok: false,
      error: ["Shopify answered HTTP 502 while saving the storefront settings; try saving again"],
    });
    const network = stubAdmin({ ...happy(), metaCapiAppInstallation: new TypeError("fetch failed") });
    expect(await syncStorefront(network.admin, SETTINGS)).toEqual({
      ok: false,
      error: ["Could not reach Shopify while reading the app installation: fetch failed"],
    });
    const garbled = stubAdmin({ ...happy(), metaCapiAppInstallation: new Response("<html>", { status: 200 }) });
    expect(await syncStorefront(garbled.admin, SETTINGS)).toMatchObject({ ok: false, error: [expect.stringMatching(/unreadable/)] });
  });

  it("lets the library's re-authentication Response through", async () => {
    const redirect = new Response(null, { status: 302, headers: { Location: "/auth/login" } });
    const stub = stubAdmin({
      metaCapiAppInstallation: () => {
        throw redirect;
      },
    });
    await expect(syncStorefront(stub.admin, SETTINGS)).rejects.toBe(redirect);
  });

  it("asks Shopify nothing when the pixel ID is unusable", async () => {
    const stub = stubAdmin(happy());
    expect(await syncStorefront(stub.admin, { ...SETTINGS, pixelId: "12345abc" })).toEqual({
      ok: false,
      error: ["Pixel ID must contain digits only (the dataset/pixel ID from Meta Events Manager)"],
    });
    expect(stub.calls).toHaveLength(0);
  });

  it("fails clearly when Shopify returns no app installation", async () => {
    const stub = stubAdmin({ ...happy(), metaCapiAppInstallation: ok({ currentAppInstallation: null }) });
    expect(await syncStorefront(stub.admin, SETTINGS)).toEqual({
      ok: false,
      error: ["Shopify did not return the app installation to store the settings on"],
    });
  });
});
