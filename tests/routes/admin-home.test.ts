// The home page: the onboarding checklist (live state from the database and the Admin API) and the
// dashboard and the duplicate-pixel warning, through the real authenticate.admin.
import { AppProvider } from "@shopify/polaris";
import polarisEnglish from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DuplicatePixelBanner } from "~/components/duplicate-pixel-banner";
import { recordDuplicatePixelSeen } from "~/models/duplicate-pixel.server";
import { createDelivery } from "../factories/delivery";
import { createStorefrontEvent } from "../factories/storefront-event";
import { adminRequest, callRoute, OTHER_SHOP, SHOP, startAdminTestApp, type AdminTestApp } from "../helpers/admin-app";
import { answerMainTheme } from "../helpers/shopify-admin-api";

let app: AdminTestApp;
let home: typeof import("~/routes/app._index");

type Item = { id: string; title: string; done: boolean; detail: string; action: { label: string; url: string; external?: boolean } | null };
type HomeData = {
  connectionState: string;
  connectionError: string | null;
  checklist: Item[];
  dashboard: {
    rangeDays: number;
    summary: {
      sent: number;
      failed: number;
      pending: number;
      skipped: number;
      successRate: number | null;
      failureRate: number | null;
      failureAlert: boolean;
    };
    daily: Array<{ day: string; sent: number; failed: number; pending: number; skipped: number }>;
    matchKeys: { sample: number; shares: Array<{ key: string; share: number }> };
  };
  reporters: {
    rangeDays: number;
    storefrontRetentionDays: number;
    rows: Array<{ eventName: string; custom: boolean; browser: number; server: number; both: number }>;
  };
};

beforeAll(async () => {
  app = await startAdminTestApp();
  home = await import("~/routes/app._index");
});

afterAll(async () => {
  await app.close();
});

beforeEach(async () => {
  app.api.reset();
  await app.db.delivery.deleteMany({});
  await app.db.browserEvent.deleteMany({});
  await app.db.storefrontEvent.deleteMany({});
  await app.db.shopSettings.deleteMany({});
});

async function getHome(search = "", shop = SHOP) {
  const result = await callRoute(home.loader as never, await adminRequest(`/app${search}`, { shop }));
  expect(result.status).toBe(200);
  return result.data as HomeData;
}

const item = (data: HomeData, id: string) => data.checklist.find((i) => i.id === id)!;

async function connect(extra: Record<string, unknown> = {}) {
  await app.db.shopSettings.create({
    data: {
      shop: SHOP,
      pixelId: "123456789012345",
      accessTokenSealed: "v1:a:b:c",
      accessTokenHint: "WXYZ",
      connectionState: "connected",
      ...extra,
    },
  });
}

describe("onboarding checklist", () => {
  it("tells a new merchant what to do for each of the five steps", async () => {
    answerMainTheme(app.api, { embed: "absent" });
    const data = await getHome();

    expect(data.checklist.map((i) => [i.id, i.done])).toEqual([
      ["pixel", false],
      ["embed", false],
      ["webPixel", false],
      ["browserEvent", false],
      ["serverPurchase", false],
    ]);
    expect(item(data, "pixel")).toMatchObject({ detail: expect.stringMatching(/Paste your pixel/), action: { url: "/app/settings" } });
    expect(item(data, "embed").detail).toMatch(/does not load the Meta Pixel embed yet.*turn on "Meta Pixel" under App embeds/);
    expect(item(data, "embed").action).toEqual({
      label: "Open the theme editor",
      url: "https://test-shop.myshopify.com/admin/themes/current/editor?context=apps&template=index&activateAppId=testApiKey/meta-pixel",
      external: true,
    });
    expect(item(data, "browserEvent").detail).toMatch(/Open your online store/);
    expect(item(data, "serverPurchase").detail).toMatch(/test mode are recorded but never sent/);

    // The embed check is a real Admin API query for the main theme's settings_data.json.
    const [call] = app.api.calls("MetaCapiMainThemeSettings");
    expect(call).toMatchObject({ shop: SHOP, accessToken: "totally_real_token" });
    expect(app.api.unexpected()).toEqual([]);
  });

  it("checks every item once the store is set up and events flow", async () => {
    answerMainTheme(app.api, { embed: "on", themeName: "Dawn" });
    await connect({ connectionVerifiedAt: new Date("2026-11-20T10:15:00Z"), webPixelId: "gid://shopify/WebPixel/1" });
    await app.db.browserEvent.create({
      data: { shop: SHOP, eventName: "ViewContent", eventId: "ev-1", source: "theme-embed", seenAt: new Date("2026-11-21T08:00:00Z") },
    });
    await createDelivery(app.db, { shop: SHOP, status: "sent", orderName: "#1001", createdAt: new Date("2026-11-21T09:00:00Z") });

    const data = await getHome();
    expect(data.checklist.every((i) => i.done)).toBe(true);
    expect(item(data, "pixel").detail).toBe("Meta accepted a test event on 2026-11-20 10:15 UTC.");
    expect(item(data, "embed").detail).toBe('The Meta Pixel embed is on in your live theme ("Dawn").');
    expect(item(data, "browserEvent").detail).toBe("Latest: ViewContent on 2026-11-21 08:00 UTC.");
    expect(item(data, "serverPurchase").detail).toBe("Order #1001 was accepted by Meta on 2026-11-21 09:00 UTC.");
  });

  it("spots an embed that was switched off, and a theme it could not read", async () => {
    answerMainTheme(app.api, { embed: "off" });
    expect(item(await getHome(), "embed")).toMatchObject({ done: false, detail: expect.stringMatching(/switched off in your live theme/) });

    app.api.failWith("MetaCapiMainThemeSettings", "Access denied for themes field. Required access: `read_themes` access scope.");
    const data = await getHome();
    expect(item(data, "embed")).toMatchObject({ done: false, detail: expect.stringMatching(/not allowed to read your theme.*approve/) });
    expect(item(data, "embed").action?.url).toContain("activateAppId=testApiKey/meta-pixel");
  });

  it("says a broken connection is broken, with Meta's words and what to do", async () => {
    answerMainTheme(app.api, { embed: "on" });
    await connect({ connectionState: "broken", connectionError: "Error validating access token: Session has expired" });
    const data = await getHome();
    expect(data).toMatchObject({ connectionState: "broken", connectionError: "Error validating access token: Session has expired" });
    expect(item(data, "pixel")).toMatchObject({
      done: false,
      detail: expect.stringMatching(
        /Meta refused your connection: "Error validating access token: Session has expired". Paste a new access token/,
      ),
      action: { label: "Reconnect" },
    });
  });

  it("does not tick the pixel before Meta has accepted anything from it", async () => {
    answerMainTheme(app.api, { embed: "on" });
    await connect();
    expect(item(await getHome(), "pixel")).toMatchObject({
      done: false,
      detail: expect.stringMatching(/not proven yet. Add the test event code/),
    });

    await createDelivery(app.db, { shop: SHOP, status: "sent" });
    expect(item(await getHome(), "pixel")).toMatchObject({ done: true, detail: "Meta is accepting your purchases." });
  });
});

describe("dashboard", () => {
  it("counts the window's purchases per status and per day, with the success rate and the failure alert", async () => {
    answerMainTheme(app.api, { embed: "on" });
    await connect();
    const today = new Date();
    const daysAgo = (n: number) => new Date(today.getTime() - n * 24 * 60 * 60 * 1000);
    for (let i = 0; i < 4; i++) await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: daysAgo(1) });
    for (let i = 0; i < 4; i++)
      await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: daysAgo(3), keys: ["em", "client_user_agent"] });
    await createDelivery(app.db, { shop: SHOP, status: "failed", createdAt: daysAgo(2) });
    await createDelivery(app.db, { shop: SHOP, status: "pending", createdAt: today });
    await createDelivery(app.db, { shop: SHOP, status: "skipped", createdAt: daysAgo(2) });
    await createDelivery(app.db, { shop: SHOP, status: "skipped", createdAt: daysAgo(2) });
    for (let i = 0; i < 5; i++) await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: daysAgo(12) });
    for (let i = 0; i < 3; i++) await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed", createdAt: daysAgo(1) });

    const week = (await getHome()).dashboard;
    expect(week.rangeDays).toBe(7);
    expect(week.summary).toMatchObject({ sent: 8, failed: 1, pending: 1, skipped: 2, failureAlert: true });
    expect(week.summary.successRate).toBeCloseTo(8 / 9);
    expect(week.summary.failureRate).toBeCloseTo(1 / 10);
    expect(week.daily).toHaveLength(7);
    expect(week.daily.at(-1)).toMatchObject({ day: today.toISOString().slice(0, 10), pending: 1, sent: 0 });
    expect(week.daily.at(-2)).toMatchObject({ sent: 4 });
    expect(week.daily.at(-3)).toMatchObject({ failed: 1, skipped: 2 });
    expect(week.matchKeys.sample).toBe(8);
    const share = (key: string) => week.matchKeys.shares.find((s) => s.key === key)!.share;
    expect(share("em")).toBe(1);
    expect(share("fbc")).toBe(0.5);

    const month = (await getHome("?range=30")).dashboard;
    expect(month.daily).toHaveLength(30);
    expect(month.summary).toMatchObject({ sent: 13, failed: 1 });
    expect(month.summary.failureAlert).toBe(true);
    expect((await getHome("?range=365")).dashboard.rangeDays).toBe(7);
  });

  it("raises no alert when failures stay under 5%", async () => {
    answerMainTheme(app.api, { embed: "on" });
    for (let i = 0; i < 20; i++) await createDelivery(app.db, { shop: SHOP, status: "sent" });
    await createDelivery(app.db, { shop: SHOP, status: "failed" });
    const { summary } = (await getHome()).dashboard;
    expect(summary.failureRate).toBeCloseTo(1 / 21);
    expect(summary.failureAlert).toBe(false);
  });
});

describe("both reporters", () => {
  it("shows per event what the browser reported, what the server sent and the pairs, for the window and the shop", async () => {
    answerMainTheme(app.api, { embed: "on" });
    await connect({
      enabledEvents: "PageView,AddPaymentInfo,Purchase",
      customEvents: JSON.stringify([
        { name: "BookedTrialClass", enabled: true },
        { name: "Paused", enabled: false },
      ]),
    });
    const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 60 * 60 * 1000);
    for (const status of ["sent", "sent", "sent", "pending"] as const)
      await createStorefrontEvent(app.db, { shop: SHOP, eventName: "PageView", status, createdAt: daysAgo(1) });
    await createStorefrontEvent(app.db, { shop: SHOP, eventName: "BookedTrialClass", status: "failed", createdAt: daysAgo(2) });
    await createStorefrontEvent(app.db, { shop: OTHER_SHOP, eventName: "PageView", status: "sent", createdAt: daysAgo(1) });
    const paired = await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: daysAgo(1) });
    await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: daysAgo(2) });
    await app.db.browserEvent.create({ data: { shop: SHOP, eventName: "Purchase", eventId: paired.eventId, source: "web-pixel" } });

    const week = (await getHome()).reporters;
    expect(week).toMatchObject({ rangeDays: 7, storefrontRetentionDays: 7 });
    expect(week.rows).toEqual([
      { eventName: "PageView", custom: false, browser: 4, server: 3, both: 3 },
      { eventName: "AddPaymentInfo", custom: false, browser: 0, server: 0, both: 0 },
      { eventName: "Purchase", custom: false, browser: 1, server: 2, both: 1 },
      { eventName: "BookedTrialClass", custom: true, browser: 1, server: 0, both: 0 },
    ]);
    expect((await getHome("?range=30")).reporters.rangeDays).toBe(30);
  });
});

describe("duplicate pixel", () => {
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
  const seenAt = async (shop = SHOP) =>
    ((await getHome("", shop)) as HomeData & { duplicatePixelSeenAt: string | null }).duplicatePixelSeenAt;

  it("warns while the storefront saw a second copy of the pixel in the last 7 days, for that shop only, with how to fix it", async () => {
    answerMainTheme(app.api, { embed: "on" });
    await connect();
    expect(await seenAt()).toBeNull();

    const seen = daysAgo(1);
    await recordDuplicatePixelSeen(app.db, { shop: SHOP, at: seen });
    expect(await seenAt()).toBe(seen.toISOString());
    answerMainTheme(app.api, { embed: "on" });
    expect(await seenAt(OTHER_SHOP)).toBeNull();

    await recordDuplicatePixelSeen(app.db, { shop: SHOP, at: daysAgo(7.01) });
    answerMainTheme(app.api, { embed: "on" });
    expect(await seenAt()).toBeNull();
  });

  it("the banner tells the merchant both ways to remove the second copy", () => {
    const html = renderToString(
      createElement(AppProvider, { i18n: polarisEnglish }, createElement(DuplicatePixelBanner, { seenAt: "2026-11-28T10:00:00.000Z" })),
    );
    expect(html).toContain("installed twice");
    expect(html).toMatch(/Facebook &amp;(amp;)? Instagram/);
    expect(html).toContain("Data sharing");
    expect(html).toContain("theme.liquid");
    expect(html).toContain("Sat, 28 Nov 2026 10:00:00 GMT");
  });
});
