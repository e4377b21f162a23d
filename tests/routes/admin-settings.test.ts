// The settings page's loader and action through the real authenticate.admin (Shopify's test helpers),
// the real Meta client against the strict fake Graph API over HTTP, and the real storefront sync against
// canned Admin API answers at the fetch boundary.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { adminRequest, callRoute, SHOP, startAdminTestApp, type AdminTestApp } from "../helpers/admin-app";
import { answerStorefrontSync, WEB_PIXEL_ID } from "../helpers/shopify-admin-api";

const PIXEL = "123456789012345";
const TOKEN = "EAABsbCS1iHgBAKZC" + "q7Lm".repeat(12) + "WXYZ";
const OTHER_TOKEN = "EAABsbCS1iHgBAKZC" + "r8Pn".repeat(12) + "QRST";
// The key TOKEN_ENCRYPTION_KEY replaced, still accepted while stored tokens are re-sealed.
const PREVIOUS_KEY_HEX = "b2".repeat(32);

let fake: FakeGraphApi;
let app: AdminTestApp;
let route: typeof import("~/routes/app.settings");

beforeAll(async () => {
  fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  app = await startAdminTestApp({ META_GRAPH_API_URL: fake.url, TOKEN_ENCRYPTION_KEY_PREVIOUS: PREVIOUS_KEY_HEX });
  route = await import("~/routes/app.settings");
});

afterAll(async () => {
  await fake.close();
  await app.close();
});

beforeEach(async () => {
  fake.reset();
  app.api.reset();
  answerStorefrontSync(app.api);
  await app.db.shopSettings.deleteMany({});
});

const validForm = (overrides: Record<string, string | string[]> = {}) => ({
  intent: "save",
  pixelId: PIXEL,
  accessToken: TOKEN,
  testEventCode: "TEST12345",
  enabledEvents: ["PageView", "AddToCart", "Purchase"],
  consentMode: "customer-privacy",
  catalogIdForm: "product_group",
  ...overrides,
});

async function save(form: Record<string, string | string[]> | string, shop = SHOP) {
  return callRoute(
    route.action as never,
    await adminRequest("/app/settings?_data=routes/app.settings", {
      shop,
      form,
      headers: { "user-agent": "Mozilla/5.0 (Merchant browser)" },
    }),
  );
}

async function load(shop = SHOP) {
  return callRoute(route.loader as never, await adminRequest("/app/settings?_data=routes/app.settings", { shop }));
}

async function stored() {
  return app.db.shopSettings.findUnique({ where: { shop: SHOP } });
}

describe("authentication", () => {
  it("refuses a request without a session token and one signed with another secret", async () => {
    const anonymous = await callRoute(route.loader as never, new Request("https://my-test-app.myshopify.io/app/settings"));
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.text).not.toContain("connectionState");

    const { getJwt, API_KEY } = await import("@shopify/shopify-api/test-helpers");
    const { token } = await getJwt("test-shop", API_KEY, "not-the-app-secret");
    const forged = await callRoute(
      route.loader as never,
      new Request("https://my-test-app.myshopify.io/app/settings", { headers: { Authorization: `Bearer ${token}` } }),
    );
    expect(forged.status).toBe(401);
    expect(forged.text).not.toContain("connectionState");
  });
});

describe("saving settings", () => {
  it("verifies the token with a test event, stores it sealed, syncs the storefront, and never returns it", async () => {
    const result = await save(validForm({ limitedDataUse: "on", consentMode: "strict" }));

    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ intent: "save", ok: true, verification: "verified", storefront: { ok: true } });
    expect(result.data).toMatchObject({ meta: { ok: true, eventsReceived: 1 } });
    expect(result.text).not.toContain(TOKEN);

    // One PageView reached Meta with the test event code: Meta's sanctioned way to check a connection.
    const received = fake.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ pixelId: PIXEL, eventName: "PageView", testEventCode: "TEST12345" });
    expect(received[0].event).toMatchObject({
      data_processing_options: ["LDU"],
      user_data: { client_user_agent: "Mozilla/5.0 (Merchant browser)" },
    });

    const row = await stored();
    expect(row).toMatchObject({
      pixelId: PIXEL,
      accessTokenHint: "WXYZ",
      testEventCode: "TEST12345",
      enabledEvents: "PageView,AddToCart,Purchase",
      consentMode: "strict",
      limitedDataUse: true,
      connectionState: "connected",
      webPixelId: WEB_PIXEL_ID,
    });
    expect(row!.accessTokenSealed).toMatch(/^v1:/);
    expect(row!.accessTokenSealed).not.toContain(TOKEN);
    expect(row!.connectionVerifiedAt).toBeInstanceOf(Date);
    expect(row!.storefrontSyncedAt).toBeInstanceOf(Date);

    // The storefront got the same settings: metafields for the theme embed and the web pixel's settings.
    const metafields = app.api.calls("metaCapiSetStorefrontMetafields")[0].variables!.metafields as Array<{ key: string; value: string }>;
    expect(metafields.find((m) => m.key === "pixel_id")?.value).toBe(PIXEL);
    expect(metafields.find((m) => m.key === "consent_mode")?.value).toBe("strict");
    const pixelSettings = JSON.parse((app.api.calls("metaCapiCreateWebPixel")[0].variables!.webPixel as { settings: string }).settings);
    expect(pixelSettings).toMatchObject({ pixelId: PIXEL, enabledEvents: "PageView,AddToCart,Purchase", limitedDataUse: "true" });
    expect(JSON.stringify(app.api.calls())).not.toContain(TOKEN);
    expect(app.api.unexpected()).toEqual([]);

    const page = await load();
    expect(page.data).toMatchObject({ pixelId: PIXEL, tokenHint: "WXYZ", connectionState: "connected", webPixelConnected: true });
    expect(page.text).not.toContain(TOKEN);
    expect(page.text).not.toContain(row!.accessTokenSealed!);
    expect(page.text).not.toContain("accessTokenSealed");
  });

  it("keeps the stored token when the field is left blank, and replaces it when a new one is pasted", async () => {
    expect((await save(validForm({ testEventCode: "" }))).status).toBe(200);
    const first = (await stored())!;

    const blank = await save(validForm({ accessToken: "", testEventCode: "", enabledEvents: ["Purchase"] }));
    expect(blank.data).toMatchObject({ ok: true });
    const second = (await stored())!;
    expect(second.accessTokenSealed).toBe(first.accessTokenSealed);
    expect(second.enabledEvents).toBe("Purchase");

    fake.setToken(PIXEL, OTHER_TOKEN);
    const replaced = await save(validForm({ accessToken: OTHER_TOKEN }));
    expect(replaced.data).toMatchObject({ ok: true, verification: "verified" });
    const third = (await stored())!;
    expect(third.accessTokenSealed).not.toBe(first.accessTokenSealed);
    expect(third.accessTokenHint).toBe("QRST");
  });

  it("saves without calling Meta when there is no test event code, and says the token is not checked yet", async () => {
    const result = await save(validForm({ testEventCode: "" }));
    expect(result.data).toMatchObject({ ok: true, verification: "no-test-code", meta: null });
    expect(fake.requests()).toHaveLength(0);
    expect(await stored()).toMatchObject({ connectionState: "connected", connectionVerifiedAt: null, testEventCode: null });
  });

  it.each([
    ["a pixel ID with letters", { pixelId: "12345abc678" }, "pixelId", /digits only/],
    ["a token with spaces", { accessToken: "EAAB this is not a token at all, it has spaces" }, "accessToken", /pasted exactly/],
    ["a test event code with spaces", { testEventCode: "TEST 123" }, "testEventCode", /no spaces/],
    ["an empty pixel ID", { pixelId: "" }, "pixelId", /required/],
  ])("rejects %s with a field message and saves nothing", async (_name, overrides, field, message) => {
    const result = await save(validForm(overrides));
    expect(result.status).toBe(422);
    expect(result.data).toMatchObject({ ok: false, formError: expect.stringMatching(/nothing was saved/i) });
    expect((result.data as { fieldErrors: Record<string, string> }).fieldErrors[field]).toMatch(message);
    expect(result.text).not.toContain(TOKEN);
    expect(await stored()).toBeNull();
    expect(fake.requests()).toHaveLength(0);
    expect(app.api.calls()).toHaveLength(0);
  });

  it("requires a token the first time", async () => {
    const result = await save(validForm({ accessToken: "" }));
    expect(result.status).toBe(422);
    expect((result.data as { fieldErrors: Record<string, string> }).fieldErrors.accessToken).toMatch(/required/i);
    expect(await stored()).toBeNull();
  });

  // 400: no intent, so not a form this page sent; 422: the settings form, with values it never offers.
  it.each([
    ["no intent", "pixelId=123456789012345", 400],
    ["an unknown event", "intent=save&pixelId=123456789012345&consentMode=strict&enabledEvents=Lead", 422],
    ["an unknown consent mode", "intent=save&pixelId=123456789012345&consentMode=none&enabledEvents=Purchase", 422],
    ["a pixel ID sent twice", "intent=save&pixelId=1234567&pixelId=7654321&consentMode=strict", 422],
    ["a body that is not a form", "%%%&&&==", 400],
  ])("answers a malformed post (%s) with a clear message and saves nothing", async (_name, body, status) => {
    const result = await save(body);
    expect(result.status).toBe(status);
    expect((result.data as { formError: string }).formError).toMatch(/incomplete|altered|nothing was saved/i);
    expect(await stored()).toBeNull();
  });

  it("refuses a token Meta rejects, in plain words, and keeps the working settings untouched", async () => {
    expect((await save(validForm())).data).toMatchObject({ ok: true });
    const before = (await stored())!;

    const result = await save(validForm({ accessToken: OTHER_TOKEN, enabledEvents: ["Purchase"] }));
    expect(result.status).toBe(422);
    expect(result.data).toMatchObject({
      ok: false,
      formError: "Meta refused these settings, so nothing was saved.",
      fieldErrors: { accessToken: "Meta no longer accepts your access token" },
      meta: { ok: false, code: 190, fix: expect.stringMatching(/new token/i) },
    });
    expect(result.text).not.toContain(OTHER_TOKEN);
    expect(result.text).not.toContain(TOKEN);
    const after = (await stored())!;
    expect(after.accessTokenSealed).toBe(before.accessTokenSealed);
    expect(after.enabledEvents).toBe(before.enabledEvents);
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
  });

  it("points at the pixel ID when the token has no access to that pixel (100/33)", async () => {
    const result = await save(validForm({ pixelId: "999999999999" }));
    expect(result.status).toBe(422);
    expect((result.data as { fieldErrors: Record<string, string> }).fieldErrors.pixelId).toMatch(/cannot find this pixel/);
    expect(await stored()).toBeNull();
  });

  it("saves when Meta is down, and says the token could not be checked", async () => {
    fake.fail(1, { kind: "http", status: 503, body: "Service Unavailable" });
    const result = await save(validForm());
    expect(result.data).toMatchObject({ ok: true, verification: "inconclusive", meta: { ok: false, title: "Meta was unavailable" } });
    expect(await stored()).toMatchObject({ connectionState: "connected", connectionVerifiedAt: null });
  });

  it("saves the settings and reports it when Shopify refuses the storefront update", async () => {
    app.api.on("metaCapiCreateWebPixel", {
      webPixelCreate: { webPixel: null, userErrors: [{ field: ["settings"], message: "Settings are invalid", code: "INVALID_SETTINGS" }] },
    });
    const result = await save(validForm({ testEventCode: "" }));
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ ok: true, storefront: { ok: false, error: [expect.stringMatching(/Settings are invalid/)] } });
    expect(await stored()).toMatchObject({ pixelId: PIXEL, webPixelId: null, storefrontSyncedAt: null });
  });

  it("writes only to the session's shop", async () => {
    await save(validForm({ testEventCode: "" }), "other-shop.myshopify.com");
    expect(await stored()).toBeNull();
    expect(await app.db.shopSettings.findUnique({ where: { shop: "other-shop.myshopify.com" } })).toMatchObject({ pixelId: PIXEL });
    expect((await load()).data).toMatchObject({ pixelId: null, tokenHint: null });
    await app.db.shopSettings.deleteMany({});
  });

  it("never writes the token to the logs", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { logger } = await import("~/logger.server");
    vi.spyOn(logger, "child").mockReturnValue(pino({ level: "trace" }, sink));

    await save(validForm());
    await save(validForm({ accessToken: OTHER_TOKEN }));
    await save(validForm({ accessToken: "", testEventCode: "TEST 1" }));
    await callRoute(route.action as never, await adminRequest("/app/settings", { form: { intent: "test-event" } }));

    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([
      "settings saved",
      "settings not saved: Meta refused the credentials",
      "test event sent",
    ]);
    const log = lines.join("\n");
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(OTHER_TOKEN);
    expect(log).not.toMatch(/v1:[A-Za-z0-9_-]+:/);
  });
});

describe("the catalog ID setting", () => {
  it("saves it, sends the same rule to the embed and the web pixel, and the next order's Purchase uses it", async () => {
    const result = await save(validForm({ catalogIdForm: "shopify_catalog", catalogCountry: "de" }));
    expect(result.status).toBe(200);
    expect(await stored()).toMatchObject({ catalogIdForm: "shopify_catalog", catalogCountry: "DE" });

    const metafields = app.api.calls("metaCapiSetStorefrontMetafields")[0].variables!.metafields as Array<{ key: string; value: string }>;
    expect(JSON.parse(metafields.find((m) => m.key === "catalog_ids")!.value)).toEqual({ t: "shopify_DE_{p}_{v}", ct: "product" });
    const pixelSettings = JSON.parse((app.api.calls("metaCapiCreateWebPixel")[0].variables!.webPixel as { settings: string }).settings);
    expect(pixelSettings).toMatchObject({ catalogIds: "shopify_catalog:DE" });
    expect((await load()).data).toMatchObject({ catalogIds: { form: "shopify_catalog", country: "DE" } });
  });

  it("refuses a form it does not offer, or Shopify channel IDs without a country, and changes nothing", async () => {
    expect((await save(validForm({ catalogIdForm: "variant" }))).status).toBe(200);
    const before = await stored();
    const refused: Array<Record<string, string>> = [
      { catalogIdForm: "sku" },
      { catalogIdForm: "shopify_catalog", catalogCountry: "" },
      { catalogIdForm: "shopify_catalog", catalogCountry: "USA" },
    ];
    for (const overrides of refused) {
      const result = await save(validForm({ ...overrides, consentMode: "strict" }));
      expect(result.status).toBe(422);
      expect(result.data).toMatchObject({ intent: "save", ok: false });
      expect(await stored()).toEqual(before);
    }
    expect(before).toMatchObject({ catalogIdForm: "variant", catalogCountry: null, consentMode: "customer-privacy" });
  });
});

describe("custom events and AddPaymentInfo", () => {
  const withCustom = (names: string[], switches = names.map(() => "on")) =>
    validForm({ testEventCode: "", customEventName: names, customEventEnabled: switches });
  const metafield = (key: string) =>
    JSON.parse(
      (app.api.calls("metaCapiSetStorefrontMetafields").at(-1)!.variables!.metafields as Array<{ key: string; value: string }>).find(
        (m) => m.key === key,
      )!.value,
    );

  it("saves custom events with the other settings, and the storefront gets only the switched-on names", async () => {
    const result = await save(withCustom([" BookedTrialClass ", "Paused"], ["on", "off"]));
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ ok: true, storefront: { ok: true } });
    expect(JSON.parse((await stored())!.customEvents!)).toEqual([
      { name: "BookedTrialClass", enabled: true },
      { name: "Paused", enabled: false },
    ]);
    expect(metafield("custom_events")).toEqual(["BookedTrialClass"]);
    expect((await load()).data).toMatchObject({
      customEvents: [
        { name: "BookedTrialClass", enabled: true },
        { name: "Paused", enabled: false },
      ],
    });

    // Saving the form without rows removes them: the page always posts the whole list.
    await save(withCustom([]));
    expect(JSON.parse((await stored())!.customEvents!)).toEqual([]);
    expect(metafield("custom_events")).toEqual([]);
  });

  it.each([
    ["a name over 50 characters", ["B".repeat(51)], "customEvents.0", /51 characters long; Meta takes at most 50/],
    ["a standard event's name in another case", ["Booked", "addtocart"], "customEvents.1", /standard event "AddToCart"/],
    ["a name used twice ignoring case", ["Booked", "BOOKED"], "customEvents.1", /already used by "Booked"/],
    ["characters Meta does not take", ["Booked trial!"], "customEvents.0", /letters, digits and underscores/],
    ["more than 20 custom events", Array.from({ length: 21 }, (_, i) => `Event${i}`), "customEvents", /At most 20 custom events/],
    ["ten times the bound", Array.from({ length: 200 }, (_, i) => `Event${i}`), "customEvents", /At most 20 custom events: remove 180/],
  ])("refuses %s on its field and saves nothing", async (_name, names, field, message) => {
    await save(withCustom(["KeptEvent"]));
    const before = await stored();
    const result = await save(withCustom(names as string[]));
    expect(result.status).toBe(422);
    expect(result.data).toMatchObject({ intent: "save", ok: false, formError: "Nothing was saved. Fix the fields marked below." });
    expect((result.data as { fieldErrors: Record<string, string> }).fieldErrors[field]).toMatch(message);
    expect(await stored()).toMatchObject({ customEvents: before!.customEvents, updatedAt: before!.updatedAt });
  });

  it("offers AddPaymentInfo ticked to a new shop, keeps it off for a shop that saved before it existed, and saves it", async () => {
    expect((await load()).data).toMatchObject({ enabledEvents: expect.arrayContaining(["AddPaymentInfo"]) });
    await app.db.shopSettings.create({
      data: { shop: SHOP, pixelId: PIXEL, enabledEvents: "PageView,ViewContent,AddToCart,InitiateCheckout,Purchase" },
    });
    expect((await load()).data).toMatchObject({ enabledEvents: ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Purchase"] });

    await save(validForm({ testEventCode: "", enabledEvents: ["InitiateCheckout", "AddPaymentInfo", "Purchase"] }));
    expect(await stored()).toMatchObject({ enabledEvents: "InitiateCheckout,AddPaymentInfo,Purchase" });
    expect(metafield("enabled_events")).toEqual(["InitiateCheckout", "AddPaymentInfo", "Purchase"]);
    const pixelSettings = JSON.parse(
      (app.api.calls("metaCapiCreateWebPixel").at(-1)!.variables!.webPixel as { settings: string }).settings,
    );
    expect(pixelSettings.enabledEvents).toBe("InitiateCheckout,AddPaymentInfo,Purchase");
  });
});

describe("send a test event", () => {
  const sendTest = async () =>
    callRoute(
      route.action as never,
      await adminRequest("/app/settings", { form: { intent: "test-event" }, headers: { "user-agent": "Mozilla/5.0 (Merchant browser)" } }),
    );

  it("posts one event with the test event code and shows Meta's answer", async () => {
    await save(validForm({ testEventCode: "" }));
    await save(validForm({ accessToken: "", testEventCode: "TEST999" }));
    fake.reset();

    const result = await sendTest();
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({
      intent: "test-event",
      ok: true,
      testEventCode: "TEST999",
      answer: { ok: true, eventsReceived: 1 },
    });
    const fbtraceId = (result.data as { answer: { fbtraceId: string } }).answer.fbtraceId;
    expect(fbtraceId).toMatch(/^A/);
    expect(fake.received()).toEqual([expect.objectContaining({ eventName: "PageView", testEventCode: "TEST999", pixelId: PIXEL })]);
    expect(result.text).not.toContain(TOKEN);
    expect((await stored())!.connectionVerifiedAt).toBeInstanceOf(Date);
  });

  it("explains Meta's refusal in plain words and marks the connection broken", async () => {
    await save(validForm());
    fake.expireToken(PIXEL);

    const result = await sendTest();
    expect(result.data).toMatchObject({
      ok: false,
      reason: "meta",
      answer: {
        title: "Meta no longer accepts your access token",
        cause: expect.stringMatching(/expired, was revoked/),
        fix: expect.stringMatching(/paste it in Settings/),
        code: 190,
        subcode: 463,
      },
    });
    expect((result.data as { answer: { fbtraceId: string } }).answer.fbtraceId).toBeTruthy();
    expect(result.text).not.toContain(TOKEN);
    expect(await stored()).toMatchObject({ connectionState: "broken", connectionError: expect.stringMatching(/expired/) });
    expect((await load()).data).toMatchObject({ connectionState: "broken" });
  });

  it("opens a token still sealed under the previous encryption key (during a key rotation)", async () => {
    const { sealToken } = await import("~/lib/token-crypto.server");
    await app.db.shopSettings.create({
      data: {
        shop: SHOP,
        pixelId: PIXEL,
        accessTokenSealed: sealToken(TOKEN, Buffer.from(PREVIOUS_KEY_HEX, "hex")),
        accessTokenHint: "WXYZ",
        testEventCode: "TEST77",
        connectionState: "connected",
      },
    });
    expect((await sendTest()).data).toMatchObject({ ok: true, answer: { eventsReceived: 1 } });
    expect(fake.received()).toEqual([expect.objectContaining({ testEventCode: "TEST77" })]);
  });

  it("asks for a test event code before sending anything", async () => {
    await save(validForm({ testEventCode: "" }));
    fake.reset();
    const result = await sendTest();
    expect(result.status).toBe(409);
    expect(result.data).toMatchObject({ ok: false, reason: "not-set-up", message: expect.stringMatching(/test event code/) });
    expect(fake.requests()).toHaveLength(0);
  });
});
