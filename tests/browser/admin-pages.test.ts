// The embedded admin in real headless Chromium: the production build, opened as the Shopify admin opens
// it, authenticated by a real session token, talking to the strict fake Meta over HTTP and to canned
// Admin API answers. Asserts what a merchant reads; saves screenshots (test-results/admin, and the main
// screens to docs/screenshots for the README).
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { createDelivery, purchasePayload } from "../factories/delivery";
import { createStorefrontEvent } from "../factories/storefront-event";
import { embeddedUrl, OTHER_SHOP, SHOP, sessionToken, startAdminTestApp, type AdminTestApp } from "../helpers/admin-app";
import { buildAdminApp, embedInFakeAdmin, MERCHANT_USER_AGENT, serveAdminBuild, toasts, type AdminServer } from "../helpers/admin-browser";
import { launchChromium, watchPage, type ChromiumHandle, type PageProblems } from "../helpers/browser";
import { answerMainTheme, answerStorefrontSync } from "../helpers/shopify-admin-api";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ARTIFACTS = join(ROOT, "test-results/admin");
const README_SHOTS = join(ROOT, "docs/screenshots");
// The README's pictures are refreshed on request only, so a test run never dirties the work tree:
// UPDATE_README_SCREENSHOTS=1 npx vitest run tests/browser/admin-pages.test.ts
const UPDATE_README = process.env.UPDATE_README_SCREENSHOTS === "1";

const PIXEL = "123456789012345";
const TOKEN = "EAABsbCS1iHgBAKZC" + "q7Lm".repeat(12) + "WXYZ";

let fake: FakeGraphApi;
let app: AdminTestApp;
let build: { dir: string };
let server: AdminServer;
let chromium: ChromiumHandle;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;
/** Every body our server sent to the browser, to prove the token never left. */
let served: string[];

beforeAll(async () => {
  fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  app = await startAdminTestApp({ META_GRAPH_API_URL: fake.url });
  [build, chromium] = await Promise.all([buildAdminApp(), launchChromium()]);
  server = await serveAdminBuild(build.dir);
  await mkdir(ARTIFACTS, { recursive: true });
  if (UPDATE_README) await mkdir(README_SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await fake?.close();
  await app?.close();
});

beforeEach(async () => {
  fake.reset();
  app.api.reset();
  answerStorefrontSync(app.api);
  answerMainTheme(app.api, { embed: "off", themeName: "Dawn" });
  await app.db.delivery.deleteMany({});
  await app.db.browserEvent.deleteMany({});
  await app.db.storefrontEvent.deleteMany({});
  await app.db.shopSettings.deleteMany({});
  await app.db.datasetQualitySnapshot.deleteMany({});

  context = await chromium.newContext({ userAgent: MERCHANT_USER_AGENT, viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await embedInFakeAdmin(context, { origin: server.origin, sessionToken: await sessionToken(SHOP) });
  // Fail within the test's budget, not after Playwright's 30 s default.
  context.setDefaultTimeout(5_000);
  page = await context.newPage();
  problems = watchPage(page);
  served = [];
  page.on("response", async (response) => {
    if (!response.url().startsWith(server.origin)) return;
    served.push(await response.text().catch(() => ""));
  });
});

afterEach(async () => {
  await context.close();
  // The browser logs every 4xx the app answers on purpose (422 for a refused form, 404 for a foreign
  // order); apart from those, the pages must run without console errors or exceptions.
  expect(problems.except([server.origin])).toEqual([]);
});

async function open(path: string, shop = SHOP) {
  await page.goto(await embeddedUrl(server.origin, path, shop));
  await page.waitForLoadState("networkidle");
}

async function screenshot(name: string, opts: { readme?: boolean } = {}) {
  // Toasts are transient chrome of the admin, not page content: keep them out of the pictures.
  await page.evaluate(() => {
    document.querySelectorAll("[data-fake-admin-toast]").forEach((el) => el.remove());
    // The title bar is fixed to the viewport, as the admin's is: scrolled to the top it heads the picture.
    window.scrollTo(0, 0);
  });
  await page.mouse.move(0, 0);
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (opts.readme && UPDATE_README) await copyFile(file, join(README_SHOTS, `${name}.png`));
}

async function seedConnectedShop(extra: Record<string, unknown> = {}) {
  const { sealToken } = await import("~/lib/token-crypto.server");
  await app.db.shopSettings.create({
    data: {
      shop: SHOP,
      pixelId: PIXEL,
      accessTokenSealed: sealToken(TOKEN, TEST_ENCRYPTION_KEY),
      accessTokenHint: "WXYZ",
      testEventCode: "TEST12345",
      connectionState: "connected",
      connectionVerifiedAt: new Date(Date.now() - 2 * 24 * 60 * 60 * 1000),
      webPixelId: "gid://shopify/WebPixel/424242",
      ...extra,
    },
  });
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 60 * 60 * 1000);

describe("home", () => {
  it("walks a new merchant through the five setup steps", async () => {
    await open("/app");
    await expect.poll(() => page.getByText("0 of 5 done").isVisible()).toBe(true);
    const pixelStep = page.getByTestId("checklist-pixel");
    await expect.poll(() => pixelStep.textContent()).toMatch(/Paste your pixel \(dataset\) ID and a Conversions API access token/);
    expect(await page.getByTestId("checklist-embed").textContent()).toMatch(/switched off in your live theme \("Dawn"\)/);
    const editorLink = page.getByTestId("checklist-embed").getByRole("link", { name: "Open the theme editor" });
    expect(await editorLink.getAttribute("href")).toBe(
      "https://test-shop.myshopify.com/admin/themes/current/editor?context=apps&template=index&activateAppId=testApiKey/meta-pixel",
    );
    expect(await page.getByTestId("checklist-serverPurchase").textContent()).toMatch(/Place a real order/);
    expect(await page.getByText("No purchases were sent in this period yet.").isVisible()).toBe(true);
  });

  it("shows progress, the week's purchases, the failure alert and the chart once orders flow", async () => {
    await seedConnectedShop();
    await app.db.browserEvent.create({ data: { shop: SHOP, eventName: "PageView", eventId: "ev-home-1", source: "theme-embed" } });
    for (let i = 0; i < 36; i++) {
      await createDelivery(app.db, {
        shop: SHOP,
        status: "sent",
        // Spread over the last 5.7 days: inside the 7-day window (today and the 6 UTC days before) at any hour.
        createdAt: hoursAgo(1 + i * 3.9),
        keys: i % 3 === 0 ? ["em", "ph", "client_user_agent", "client_ip_address", "external_id"] : undefined,
      });
    }
    for (const h of [20, 50, 90])
      await createDelivery(app.db, { shop: SHOP, status: "failed", errorCode: 100, errorSubcode: 2804050, createdAt: hoursAgo(h) });
    await createDelivery(app.db, { shop: SHOP, status: "pending", createdAt: hoursAgo(0.1) });
    await createDelivery(app.db, { shop: SHOP, status: "skipped", reasonCode: "test_order", createdAt: hoursAgo(30) });

    await open("/app");
    await expect.poll(() => page.getByText("4 of 5 done").isVisible()).toBe(true);
    expect(await page.getByTestId("checklist-pixel").getAttribute("data-done")).toBe("true");
    expect(await page.getByTestId("checklist-embed").getAttribute("data-done")).toBe("false");
    expect(await page.getByText("8% of purchases failed in the last 7 days").isVisible()).toBe(true);
    const stats = await page.locator("main, body").first().textContent();
    expect(stats).toMatch(/Sent\s*36/);
    expect(stats).toMatch(/Failed\s*3/);
    expect(stats).toMatch(/Success rate\s*92%/);
    expect(await page.getByTestId("delivery-chart").locator("rect").count()).toBeGreaterThanOrEqual(7);
    expect(await page.getByText("Share of the last 36 purchases sent").isVisible()).toBe(true);
    await screenshot("home", { readme: true });

    // The 30-day view is a link in the page, answered by the loader with the session token App Bridge adds.
    await page.getByRole("link", { name: "30 days" }).click();
    await expect.poll(() => page.url()).toMatch(/range=30/);
    await expect.poll(() => page.getByTestId("delivery-chart").locator("title").count()).toBe(30);
    expect(await page.getByText("8% of purchases failed in the last 30 days").isVisible()).toBe(true);
  });

  it("shows both reporters per event, in words that say what the app can see", async () => {
    await seedConnectedShop({
      enabledEvents: "PageView,Purchase",
      customEvents: JSON.stringify([{ name: "BookedTrialClass", enabled: true }]),
    });
    for (const status of ["sent", "sent", "pending"] as const)
      await createStorefrontEvent(app.db, { shop: SHOP, eventName: "PageView", status, createdAt: hoursAgo(2) });
    await createStorefrontEvent(app.db, { shop: SHOP, eventName: "BookedTrialClass", status: "sent", createdAt: hoursAgo(3) });
    const paired = await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: hoursAgo(1) });
    await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: hoursAgo(4) });
    await app.db.browserEvent.create({ data: { shop: SHOP, eventName: "Purchase", eventId: paired.eventId, source: "web-pixel" } });

    await open("/app");
    const table = page.getByTestId("reporters-table");
    await expect.poll(() => table.isVisible()).toBe(true);
    const rows = await table
      .locator("tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("th, td")].map((cell) => cell.textContent?.trim())));
    expect(rows).toEqual([
      ["PageView", "3", "2", "2 (67%)"],
      ["Purchase", "1", "2", "1 (100%)"],
      ["BookedTrialClass (custom)", "1", "1", "1 (100%)"],
    ]);
    expect(await page.getByText("Browser (seen by the app)").first().isVisible()).toBe(true);
    expect(await page.getByText(/an ad blocker can stop that copy and still let the report to the app through/).isVisible()).toBe(true);
    await page.getByTestId("reporters-table").scrollIntoViewIfNeeded();
    await screenshot("home-reporters");

    await page.getByRole("link", { name: "30 days" }).click();
    await expect.poll(() => page.getByText("Browser and server, per event (last 30 days)").isVisible()).toBe(true);
    expect(await page.getByText(/Events other than Purchase are kept 7 days/).isVisible()).toBe(true);
  });

  it("puts a broken connection first, in plain words", async () => {
    await seedConnectedShop({
      connectionState: "broken",
      connectionError: "Error validating access token: Session has expired on Saturday",
    });
    await open("/app");
    const banner = page.getByText("Meta is refusing your connection: purchases are on hold");
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(
      await page
        .getByText(/Meta said: "Error validating access token: Session has expired on Saturday"/)
        .first()
        .isVisible(),
    ).toBe(true);
  });
});

describe("Meta's verdict", () => {
  it("shows Meta's figures beside our estimate with a fix per weak point, and what to do about a token without access", async () => {
    await seedConnectedShop();
    // Two of three purchases without Meta's browser IDs: a weak point whose fix is the theme embed.
    const events = ["5001", "5002", "5003"].map((id, i) =>
      JSON.parse(purchasePayload(id, i === 0 ? undefined : ["em", "ph", "client_ip_address", "client_user_agent"])),
    );
    const sent = await fetch(`${fake.url}/v25.0/${PIXEL}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: events, access_token: TOKEN }),
    });
    expect(sent.status).toBe(200);

    await open("/app");
    const card = page.getByTestId("meta-verdict");
    await expect.poll(() => card.getAttribute("data-status")).toBe("ok");
    const text = await card.textContent();
    expect(text).toMatch(/Updated just now/);
    expect(text).toMatch(/Purchase\s*Match quality \d+(\.\d)?\/10/);
    expect(text).toMatch(/Coverage 88.4% · Deduplicated 92.5% · Freshness real time/);
    expect(text).toMatch(/Fix: Check that the app embed is switched on/);
    await screenshot("home-meta-verdict");

    // Asked a moment ago: Refresh says so instead of calling Meta again.
    await card.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => card.textContent()).toMatch(/less than a minute ago/);
    expect(fake.requests().filter((r) => r.url.includes("/dataset_quality"))).toHaveLength(1);

    await app.db.datasetQualitySnapshot.deleteMany({});
    fake.failQuality(1, { kind: "graph-error", status: 403, code: 200, message: "(#200) Requires ads_read permission" });
    await open("/app");
    await expect.poll(() => card.getAttribute("data-status")).toBe("forbidden");
    expect(await card.textContent()).toMatch(/needs the ads_read permission/);
    expect(await card.getByRole("link", { name: "Open Settings" }).getAttribute("href")).toContain("/app/settings");
    expect(served.some((body) => body.includes(TOKEN))).toBe(false);
  });
});

describe("settings", () => {
  it("shows field errors for bad input, saves good input, proves it with Meta, and never sends the token back", async () => {
    await open("/app/settings");
    await page.getByLabel("Pixel (dataset) ID").fill("12345abc");
    await page.getByLabel("Conversions API access token").fill(TOKEN);
    await page.getByLabel("Test event code (optional)").fill("TEST 123");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByText("Nothing was saved. Fix the fields marked below.").isVisible()).toBe(true);
    expect(await page.getByText("Pixel ID must contain digits only").isVisible()).toBe(true);
    expect(await page.getByText(/Test event code must be the code from Meta's Test Events tab/).isVisible()).toBe(true);
    expect(await app.db.shopSettings.count()).toBe(0);
    await screenshot("settings-errors");

    await page.getByLabel("Pixel (dataset) ID").fill(PIXEL);
    await page.getByLabel("Test event code (optional)").fill("TEST12345");
    await page.getByLabel("Initiate checkout").uncheck();
    await page.getByLabel("Limited Data Use (US state privacy laws)").check();
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByText("Settings saved").first().isVisible()).toBe(true);
    expect(await page.getByText(/Meta accepted a test event with these settings \(events received: 1, fbtrace_id A/).isVisible()).toBe(
      true,
    );
    expect(await page.getByText("Your storefront (theme embed and checkout pixel) was updated.").isVisible()).toBe(true);
    expect(await toasts(page)).toContain("Settings saved");
    expect(await page.getByLabel("Conversions API access token").inputValue()).toBe("");
    await expect.poll(() => page.getByText(/A token is set, ending in …WXYZ/).isVisible()).toBe(true);

    const row = await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    // A new shop starts with the whole funnel ticked, AddPaymentInfo included.
    expect(row).toMatchObject({
      pixelId: PIXEL,
      enabledEvents: "PageView,ViewContent,AddToCart,AddPaymentInfo,Purchase",
      limitedDataUse: true,
      webPixelId: expect.any(String),
    });
    expect(fake.received()).toHaveLength(1);

    await page.getByRole("button", { name: "Send a test event" }).click();
    await expect.poll(() => page.getByText("Meta received the test event").first().isVisible()).toBe(true);
    expect(await page.getByText(/events_received: 1 · fbtrace_id: A/).isVisible()).toBe(true);
    expect(fake.received().map((e) => e.testEventCode)).toEqual(["TEST12345", "TEST12345"]);
    await screenshot("settings", { readme: true });

    fake.expireToken(PIXEL);
    await page.getByRole("button", { name: "Send a test event" }).click();
    await expect.poll(() => page.getByText("Meta no longer accepts your access token").first().isVisible()).toBe(true);
    expect(
      await page
        .getByText(/Generate a new token in Meta Events Manager/)
        .first()
        .isVisible(),
    ).toBe(true);
    expect(await page.getByText(/Meta error 190\/463 · fbtrace_id/).isVisible()).toBe(true);
    await screenshot("settings-meta-refused");

    const everything = served.join("\n") + (await page.content());
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(row.accessTokenSealed!);
  });
});

describe("settings save bar", () => {
  it("shows the save bar for a change, discards it without saving, then saves the next change", async () => {
    await seedConnectedShop();
    const posts: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST") posts.push(request.url());
    });
    await open("/app/settings");
    const pixelField = page.getByLabel("Pixel (dataset) ID");
    const bar = page.getByText("Unsaved changes");
    await expect.poll(() => pixelField.inputValue()).toBe(PIXEL);
    expect(await bar.count()).toBe(0);

    await pixelField.fill("999999999999999");
    await page.getByLabel("Limited Data Use (US state privacy laws)").check();
    await expect.poll(() => bar.isVisible()).toBe(true);
    await screenshot("settings-save-bar");

    await page.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => bar.count()).toBe(0);
    expect(await pixelField.inputValue()).toBe(PIXEL);
    expect(await page.getByLabel("Limited Data Use (US state privacy laws)").isChecked()).toBe(false);
    expect(posts).toEqual([]);
    expect(app.api.calls()).toEqual([]);
    expect(await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({ pixelId: PIXEL, limitedDataUse: false });

    // Back to the saved value by hand: nothing left to save, so no bar.
    await pixelField.fill("999999999999999");
    await expect.poll(() => bar.isVisible()).toBe(true);
    await pixelField.fill(PIXEL);
    await expect.poll(() => bar.count()).toBe(0);

    await page.getByLabel("Initiate checkout").uncheck();
    await expect.poll(() => bar.isVisible()).toBe(true);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => toasts(page)).toContain("Settings saved");
    await expect.poll(() => bar.count()).toBe(0);
    expect(await page.getByLabel("Initiate checkout").isChecked()).toBe(false);
    expect(posts).toHaveLength(1);
    const row = await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(row).toMatchObject({ pixelId: PIXEL, enabledEvents: "PageView,ViewContent,AddToCart,Purchase", limitedDataUse: false });
    expect(app.api.calls("metaCapiUpdateWebPixel")).toHaveLength(1);
  });

  it("picks the catalog ID form: Shopify channel IDs ask for the country, refuse to save without it, then save it", async () => {
    await seedConnectedShop();
    await open("/app/settings");
    const select = page.getByLabel("Product IDs in events");
    await expect.poll(() => select.inputValue()).toBe("product_group");
    expect(await page.getByLabel("Catalog country").count()).toBe(0);

    await select.selectOption("shopify_catalog");
    await expect.poll(() => page.getByText("Unsaved changes").isVisible()).toBe(true);
    expect(
      await page.getByText(/If Meta's Facebook & Instagram app on Shopify made the catalog, choose Shopify channel IDs/).isVisible(),
    ).toBe(true);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByText(/Catalog country is required for Shopify catalog IDs/).isVisible()).toBe(true);
    expect(await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({ catalogIdForm: "product_group" });

    await page.getByLabel("Catalog country").fill("us");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => toasts(page)).toContain("Settings saved");
    expect(await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({
      catalogIdForm: "shopify_catalog",
      catalogCountry: "US",
    });
    await expect.poll(() => page.getByLabel("Catalog country").inputValue()).toBe("US");
  });

  it("adds a custom event under the save bar: discard drops it, a bad name is refused on its row, a good one is saved", async () => {
    await seedConnectedShop();
    await open("/app/settings");
    const bar = page.getByText("Unsaved changes");
    await expect.poll(() => page.getByText("No custom events yet.").isVisible()).toBe(true);

    await page.getByRole("button", { name: "Add custom event" }).click();
    await expect.poll(() => bar.isVisible()).toBe(true);
    await page.getByLabel("Custom event 1 name").fill("BookedTrialClass");
    await page.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => bar.count()).toBe(0);
    expect(await page.getByLabel("Custom event 1 name").count()).toBe(0);

    await page.getByRole("button", { name: "Add custom event" }).click();
    const name = page.getByLabel("Custom event 1 name");
    // The server's rule, shown while typing; the server refuses it too.
    await name.fill("purchase");
    await expect.poll(() => page.getByText(/is Meta's standard event "Purchase"/).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByText("Nothing was saved. Fix the fields marked below.").isVisible()).toBe(true);
    expect((await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).customEvents).toBeNull();

    await name.fill("BookedTrialClass");
    await expect.poll(() => page.getByText(/is Meta's standard event/).count()).toBe(0);
    expect(await page.getByText('window.metaCapi.track("BookedTrialClass", {value: 20, currency: "USD"})').isVisible()).toBe(true);
    await screenshot("settings-custom-events");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => toasts(page)).toContain("Settings saved");
    await expect.poll(() => bar.count()).toBe(0);
    expect(await name.inputValue()).toBe("BookedTrialClass");
    const row = await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(JSON.parse(row.customEvents!)).toEqual([{ name: "BookedTrialClass", enabled: true }]);
    const metafields = app.api.calls("metaCapiSetStorefrontMetafields").at(-1)!.variables!.metafields as Array<{
      key: string;
      value: string;
    }>;
    expect(JSON.parse(metafields.find((m) => m.key === "custom_events")!.value)).toEqual(["BookedTrialClass"]);

    // Switching it off is a change to save, like a standard event's switch.
    await page.getByRole("checkbox", { name: "On (custom event 1)", exact: true }).uncheck();
    await expect.poll(() => bar.isVisible()).toBe(true);
    await page.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => bar.count()).toBe(0);
    expect(await page.getByRole("checkbox", { name: "On (custom event 1)", exact: true }).isChecked()).toBe(true);
  });

  it("keeps a refused edit and its field error under the bar until it is discarded", async () => {
    await seedConnectedShop();
    await open("/app/settings");
    const pixelField = page.getByLabel("Pixel (dataset) ID");
    await expect.poll(() => pixelField.inputValue()).toBe(PIXEL);
    await pixelField.fill("12345abc");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByText("Pixel ID must contain digits only").isVisible()).toBe(true);
    expect(await pixelField.inputValue()).toBe("12345abc");
    expect(await page.getByText("Unsaved changes").isVisible()).toBe(true);

    await page.getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => page.getByText("Unsaved changes").count()).toBe(0);
    expect(await pixelField.inputValue()).toBe(PIXEL);
    expect(await page.getByText("Pixel ID must contain digits only").count()).toBe(0);
    expect(await page.getByText("Nothing was saved. Fix the fields marked below.").count()).toBe(0);
    expect((await app.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP } })).pixelId).toBe(PIXEL);
  });
});

describe("deliveries", () => {
  it("lists orders with their status and Meta's answer, filters by status, and explains a page out of range", async () => {
    await seedConnectedShop();
    await createDelivery(app.db, { shop: SHOP, status: "sent", orderName: "#1048", value: "129.00", createdAt: hoursAgo(0.5) });
    await createDelivery(app.db, {
      shop: SHOP,
      status: "pending",
      attempts: 2,
      orderName: "#1047",
      errorCode: 2,
      lastError: "Service temporarily unavailable",
      reasonCode: "meta_unavailable",
      failureKind: "transient",
      createdAt: hoursAgo(1),
    });
    await createDelivery(app.db, {
      shop: SHOP,
      status: "failed",
      orderName: "#1046",
      errorCode: 100,
      errorSubcode: 2804050,
      lastError: "Insufficient Customer Information",
      fbtraceId: "AInsufficient",
      keys: ["ct", "country", "client_user_agent"],
      createdAt: hoursAgo(2),
    });
    await createDelivery(app.db, { shop: SHOP, status: "skipped", orderName: "#1045", reasonCode: "test_order", createdAt: hoursAgo(3) });
    await createDelivery(app.db, { shop: SHOP, status: "pending", attempts: 0, orderName: "#1044", createdAt: hoursAgo(0.1) });
    for (let i = 0; i < 8; i++)
      await createDelivery(app.db, { shop: SHOP, status: "sent", orderName: `#10${30 + i}`, createdAt: hoursAgo(5 + i) });
    await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed", orderName: "#9999", createdAt: hoursAgo(0.2) });

    await open("/app/deliveries");
    const table = page.locator("table");
    await expect.poll(() => table.locator("tbody tr").count()).toBe(13);
    const text = (await table.textContent())!;
    expect(text).toMatch(/#1046.*Failed.*Too little customer information to match/);
    expect(text).toMatch(/#1047.*Retrying.*2.*Meta was unavailable; retrying/);
    expect(text).toMatch(/#1048.*€129\.00.*Sent.*Received by Meta · fbtrace_id AbCdEfTrace1/);
    expect(text).toMatch(/#1045.*Skipped.*Test order: not sent to Meta/);
    expect(text).not.toContain("#9999");
    expect((await page.locator("tbody tr").first().textContent())!).toContain("#1044");
    await screenshot("deliveries", { readme: true });

    // Polaris renders a hidden copy of the tabs to measure them; the merchant clicks the visible one.
    await page.getByRole("tab", { name: "Failed" }).filter({ visible: true }).click();
    await expect.poll(() => page.url()).toMatch(/status=failed/);
    await expect.poll(() => table.locator("tbody tr").count()).toBe(1);
    expect(await table.textContent()).toContain("#1046");

    await open("/app/deliveries?page=9");
    await expect.poll(() => page.getByText("There is no page 9: these filters give 1 page.").isVisible()).toBe(true);
    await page.getByRole("link", { name: "Go to page 1" }).click();
    await expect.poll(() => page.locator("table tbody tr").count()).toBe(13);
  });

  it("explains a failed order and retries it, and shows another shop's order as not found", async () => {
    await seedConnectedShop();
    const failed = await createDelivery(app.db, {
      shop: SHOP,
      status: "failed",
      orderName: "#1046",
      errorCode: 190,
      errorSubcode: 463,
      lastError: "Error validating access token: Session has expired",
      fbtraceId: "AExpiredTrace",
      keys: ["em", "ph", "fn", "ln", "ct", "country", "client_ip_address", "client_user_agent", "fbp"],
      createdAt: hoursAgo(3),
    });
    await app.db.browserEvent.create({
      data: { shop: SHOP, eventName: "Purchase", eventId: failed.eventId, source: "web-pixel", seenAt: hoursAgo(3) },
    });
    const foreign = await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed", orderName: "#7777", errorCode: 190 });

    await open("/app/deliveries");
    await page.getByRole("link", { name: "#1046" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Timeline" }).isVisible()).toBe(true);
    expect(await page.getByText("Meta no longer accepts your access token").first().isVisible()).toBe(true);
    expect(
      await page
        .getByText(/What to do:/)
        .first()
        .isVisible(),
    ).toBe(true);
    expect(await page.getByText(/fbtrace_id AExpiredTrace · Meta error 190\/463/).isVisible()).toBe(true);
    const timeline = (await page.getByTestId("timeline").textContent())!;
    expect(timeline).toMatch(/Recorded from Shopify's paid-order notification.*Meta rejected it \(1 attempt\)/);
    expect(await page.getByText(/with the same event ID, so Meta counts this purchase once/).isVisible()).toBe(true);
    expect(await page.getByText("9 of 13 match keys", { exact: false }).isVisible()).toBe(true);
    expect(await page.getByText(/No Meta ad click was captured/).isVisible()).toBe(true);
    const orderLink = page.getByRole("link", { name: "Open order in Shopify" });
    expect(await orderLink.getAttribute("href")).toBe(`shopify:admin/orders/${failed.orderId}`);

    await page.getByRole("button", { name: "Show" }).click();
    await expect.poll(() => page.getByTestId("payload").textContent()).toMatch(/"user_data": \{\s+"em": "[0-9a-f]{64}"/);
    await screenshot("order", { readme: true });

    await page.getByRole("button", { name: "Retry now" }).click();
    await expect.poll(() => page.getByText(/Queued for another attempt; it is usually sent within a minute/).isVisible()).toBe(true);
    expect(await toasts(page)).toContain("Queued for another attempt");
    // Remix reloads the order after the action: the row is no longer failed, so the button goes.
    await expect.poll(() => page.getByRole("button", { name: "Retry now" }).count()).toBe(0);
    await expect.poll(() => page.getByText("Retry requested: waiting to be sent").first().isVisible()).toBe(true);
    expect((await app.db.delivery.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("pending");

    await open(`/app/deliveries/${foreign.orderId}`);
    await expect.poll(() => page.getByText("Order not found").first().isVisible()).toBe(true);
    expect(await page.content()).not.toContain("#7777");
  });
});
