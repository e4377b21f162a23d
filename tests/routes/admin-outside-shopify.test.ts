// Someone opens the admin's URL directly, outside the Shopify admin: they get a page that says what to do
// (open it from Shopify, or run the demo), not Shopify's bare 410 "Handling response" or a login redirect.
// Everything Shopify itself sends still goes through authenticate.admin unchanged.
import { APP_URL } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRequest, callRoute, embeddedUrl, hostParam, SHOP, startAdminTestApp, type AdminTestApp } from "../helpers/admin-app";
import { MERCHANT_USER_AGENT } from "../helpers/admin-browser";

let app: AdminTestApp;
let appRoute: typeof import("~/routes/app");
let deliveries: typeof import("~/routes/app.deliveries._index");

beforeAll(async () => {
  app = await startAdminTestApp();
  appRoute = await import("~/routes/app");
  deliveries = await import("~/routes/app.deliveries._index");
});

afterAll(async () => {
  await app.close();
});

const get = (path: string, headers: Record<string, string> = {}) => new Request(new URL(path, APP_URL), { headers });

describe("the admin opened outside Shopify", () => {
  it.each([
    ["curl", "curl/8.5.0"],
    ["a browser", MERCHANT_USER_AGENT],
  ])("from %s: a 400 page that says how to open the app or run the demo", async (_who, userAgent) => {
    for (const [loader, path] of [
      [appRoute.loader, "/app"],
      [deliveries.loader, "/app/deliveries?status=failed"],
    ] as const) {
      const result = await callRoute(loader as never, get(path, { "User-Agent": userAgent }));
      expect(result.status).toBe(400);
      expect(result.text).toContain("Open this app from the Shopify admin");
      expect(result.text).toContain("npm run demo -- --keep-running");
      expect(result.text).not.toContain("Handling response");
      expect(result.text).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    expect(app.api.calls()).toEqual([]);
  });
});

describe("what Shopify sends is untouched", () => {
  it("a self-declared bot with a shop parameter still gets Shopify's 410", async () => {
    const result = await callRoute(appRoute.loader as never, get(`/app?shop=${SHOP}`, { "User-Agent": "curl/8.5.0" }));
    expect(result.status).toBe(410);
  });

  it("the admin's first load without a session token goes to Shopify's bounce page", async () => {
    const result = await callRoute(
      appRoute.loader as never,
      get(`/app?embedded=1&shop=${SHOP}&host=${hostParam()}`, { "User-Agent": MERCHANT_USER_AGENT }),
    );
    expect(result.status).toBe(302);
    expect(result.text).not.toContain("Open this app from the Shopify admin");
  });

  it("a fetch with a bad session token gets 401 with Shopify's retry header", async () => {
    let thrown: unknown;
    try {
      await appRoute.loader({
        request: get("/app", { Authorization: "Bearer not-a-jwt", "User-Agent": MERCHANT_USER_AGENT }),
        params: {},
        context: {},
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(401);
    expect((thrown as Response).headers.get("X-Shopify-Retry-Invalid-Session-Request")).toBe("1");
  });

  it("a signed-in request (header or id_token) loads the page", async () => {
    expect((await callRoute(appRoute.loader as never, await adminRequest("/app"))).status).toBe(200);
    const url = await embeddedUrl(APP_URL, "/app");
    const result = await callRoute(appRoute.loader as never, get(url, { "User-Agent": MERCHANT_USER_AGENT }));
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ apiKey: expect.any(String) });
  });
});
