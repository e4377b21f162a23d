// "Meta's verdict" on the home page through the real authenticate.admin, against the stand-in's Dataset Quality
// API over real HTTP: the figures, a token without the permission, and a slow or malformed answer, none of which
// may cost the merchant the page.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { purchasePayload } from "../factories/delivery";
import { adminRequest, callRoute, SHOP, startAdminTestApp, type AdminTestApp } from "../helpers/admin-app";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { answerMainTheme } from "../helpers/shopify-admin-api";

const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "k".repeat(60);

type Quality = {
  status: string;
  report: { events: Array<{ eventName: string; emq: number | null; matchKeys: Record<string, number | null> }> } | null;
  weakPoints: Array<{ kind: string; explanation: string; fix: string }>;
  updatedMinutesAgo: number | null;
};

let fake: FakeGraphApi;
let app: AdminTestApp;
let home: typeof import("~/routes/app._index");

beforeAll(async () => {
  fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  app = await startAdminTestApp({ META_GRAPH_API_URL: fake.url });
  home = await import("~/routes/app._index");
});
afterAll(async () => {
  await app.close();
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  app.api.reset();
  answerMainTheme(app.api, { embed: "on" });
  await app.db.datasetQualitySnapshot.deleteMany({});
  await app.db.shopSettings.deleteMany({});
  expect((await connectShop(app.db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN })).ok).toBe(true);
  // One purchase without Meta's browser IDs: the stand-in reports fbp and fbc as missing from it.
  const events = [JSON.parse(purchasePayload("3001", ["em", "ph", "client_ip_address", "client_user_agent"]))];
  const res = await fetch(`${fake.url}/v25.0/${PIXEL}/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ data: events, access_token: TOKEN }),
  });
  expect(res.status).toBe(200);
});

async function getHome() {
  const result = await callRoute(home.loader as never, await adminRequest("/app"));
  expect(result.status).toBe(200);
  return result.data as { quality: Quality; dashboard: unknown; checklist: unknown[] };
}

const refresh = async (intent = "refresh-quality") => callRoute(home.action as never, await adminRequest("/app", { form: { intent } }));
const qualityCalls = () => fake.requests().filter((r) => r.url.includes("/dataset_quality")).length;

describe("Meta's verdict on the home page", () => {
  it("shows Meta's figures per event with the weak points, and reads the cache on the next load", async () => {
    const { quality } = await getHome();
    expect(quality.status).toBe("ok");
    expect(quality.updatedMinutesAgo).toBe(0);
    expect(quality.report?.events[0]).toMatchObject({ eventName: "Purchase", matchKeys: { email: 100, phone: 100 } });
    expect(quality.report?.events[0].emq).toBeGreaterThan(0);
    await getHome();
    expect(qualityCalls()).toBe(1);
  });

  it("a token without the permission: a clear status, and the rest of the page", async () => {
    fake.failQuality(1, { kind: "graph-error", status: 403, code: 200, message: "(#200) Requires ads_read permission" });
    const data = await getHome();
    expect(data.quality).toMatchObject({ status: "forbidden", report: null });
    expect(data.checklist.length).toBe(5);
  });

  it("a malformed answer is 'unavailable', not an error page", async () => {
    fake.failQuality(1, { kind: "http", status: 200, body: "<html>oops</html>" });
    expect((await getHome()).quality).toMatchObject({ status: "unavailable", report: null });
  });

  it("a slow answer does not hold the page past the short timeout", async () => {
    fake.failQuality(1, { kind: "delay", ms: 6000 });
    const began = Date.now();
    const data = await getHome();
    expect(Date.now() - began).toBeLessThan(5000);
    expect(data.quality.status).toBe("unavailable");
    expect(data.dashboard).toBeTruthy();
  }, 15_000);

  it("Refresh asks Meta again, at most once a minute; anything else is a 400", async () => {
    await getHome();
    const tooSoon = await refresh();
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.data).toMatchObject({ refreshed: false, message: expect.stringMatching(/less than a minute ago/) });
    expect(qualityCalls()).toBe(1);

    await app.db.datasetQualitySnapshot.updateMany({ data: { checkedAt: new Date(Date.now() - 2 * 60_000) } });
    expect(await refresh()).toMatchObject({ status: 200, data: { refreshed: true } });
    expect(qualityCalls()).toBe(2);

    expect((await refresh("drop-tables")).status).toBe(400);
  });
});
