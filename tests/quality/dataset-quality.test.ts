// Meta's verdict on both databases against the stand-in's Dataset Quality API over real HTTP: cached for an
// hour, refreshed at most once a minute, one call for concurrent loads, and a 403, a malformed answer or a slow
// one become a view ("forbidden" / "unavailable"), never a throw.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimQualityCheck } from "~/models/dataset-quality.server";
import { eraseShop } from "~/models/privacy.server";
import { disconnectUninstalledShop } from "~/models/shop-lifecycle.server";
import { getDatasetQuality, QUALITY_TTL_MS, refreshDatasetQuality, type QualityDeps } from "~/services/dataset-quality.server";
import { createGraphClient } from "~/services/meta/graph-client.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";
import { purchasePayload } from "../factories/delivery";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { useTestDatabase } from "../helpers/use-test-database";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "q".repeat(60);
const start = new Date("2026-11-29T12:00:00.000Z");

describe.each(["sqlite", "postgresql"] as const)("Meta's verdict on %s", (kind) => {
  const database = useTestDatabase(kind);
  const db = database.db;
  let meta: FakeGraphApi;
  let clock: Date;
  let deps: QualityDeps;
  const qualityCalls = () => meta.requests().filter((r) => r.url.includes("/dataset_quality")).length;

  beforeAll(async () => {
    meta = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  });
  afterAll(async () => {
    await meta.close();
  });
  beforeEach(async () => {
    meta.reset();
    await db.datasetQualitySnapshot.deleteMany({});
    await db.shopSettings.deleteMany({});
    const connected = await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
    expect(connected.ok).toBe(true);
    clock = start;
    const client = createGraphClient({ baseUrl: meta.url, apiVersion: "v25.0", timeoutMs: 2000 });
    deps = { db, meta: client, decryptionKeys: [TEST_ENCRYPTION_KEY], now: () => clock };
    // Two purchases reach Meta, one with email and the browser IDs only: the stand-in derives its figures from them.
    const sent = await client.sendEvents({
      pixelId: PIXEL,
      accessToken: TOKEN,
      events: [JSON.parse(purchasePayload("1001")), JSON.parse(purchasePayload("1002", ["em", "client_ip_address", "client_user_agent"]))],
    });
    expect(sent.ok).toBe(true);
  });

  it("shows Meta's figures, and asks Meta once an hour however often the page loads", async () => {
    const view = await getDatasetQuality(deps, { shop: SHOP });
    expect(view.status).toBe("ok");
    const purchase = view.report?.events.find((e) => e.eventName === "Purchase");
    expect(purchase?.emq).toBeGreaterThan(5);
    expect(purchase?.matchKeys).toMatchObject({ email: 100, phone: 50, fbp: 50, ip_address: 100 });
    expect(purchase?.dedupRate).toBeGreaterThan(0);
    expect(purchase?.freshness).toBe("real_time");
    expect(view.fetchedAt).toBe(start.toISOString());
    // The token never travels in the URL.
    expect(meta.requests().every((r) => !r.url.includes(TOKEN))).toBe(true);

    clock = new Date(start.getTime() + 59 * 60 * 1000);
    expect((await getDatasetQuality(deps, { shop: SHOP })).report).toEqual(view.report);
    expect(qualityCalls()).toBe(1);

    clock = new Date(start.getTime() + 61 * 60 * 1000);
    await getDatasetQuality(deps, { shop: SHOP });
    expect(qualityCalls()).toBe(2);
  });

  it("concurrent page loads share one call", async () => {
    meta.failQuality(1, { kind: "delay", ms: 200 });
    const views = await Promise.all(Array.from({ length: 5 }, () => getDatasetQuality(deps, { shop: SHOP })));
    expect(views.map((v) => v.status)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    expect(qualityCalls()).toBe(1);
  });

  it("Refresh asks again, but not twice within a minute", async () => {
    await getDatasetQuality(deps, { shop: SHOP });
    const tooSoon = await refreshDatasetQuality(deps, { shop: SHOP });
    expect(tooSoon).toEqual({ ok: false, error: { kind: "too-soon", retryAt: new Date(start.getTime() + 60_000).toISOString() } });
    expect(qualityCalls()).toBe(1);

    clock = new Date(start.getTime() + 61_000);
    const refreshed = await refreshDatasetQuality(deps, { shop: SHOP });
    expect(refreshed.ok && refreshed.value.fetchedAt).toBe(clock.toISOString());
    expect(qualityCalls()).toBe(2);
  });

  it("a token without the permission is 'forbidden', and the next load within the hour does not ask again", async () => {
    meta.failQuality(1, { kind: "graph-error", status: 403, code: 200, message: "(#200) Requires ads_read permission" });
    const view = await getDatasetQuality(deps, { shop: SHOP });
    expect(view).toMatchObject({ status: "forbidden", report: null });
    expect((await getDatasetQuality(deps, { shop: SHOP })).status).toBe("forbidden");
    expect(qualityCalls()).toBe(1);
  });

  it("a merchant who pastes a new token gets a fresh answer at once, not the old one for the rest of the hour", async () => {
    meta.failQuality(1, { kind: "graph-error", status: 403, code: 200, message: "(#200) Requires ads_read permission" });
    expect((await getDatasetQuality(deps, { shop: SHOP })).status).toBe("forbidden");
    const fixed = "EAAB" + "n".repeat(60);
    meta.setToken(PIXEL, fixed);
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: fixed });
    expect((await getDatasetQuality(deps, { shop: SHOP })).status).toBe("ok");
    expect(qualityCalls()).toBe(2);
  });

  it("another pixel never shows the previous pixel's report", async () => {
    expect((await getDatasetQuality(deps, { shop: SHOP })).report?.events).toHaveLength(1);
    const otherPixel = "999999999999999";
    meta.setToken(otherPixel, TOKEN);
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: otherPixel, accessToken: TOKEN });
    meta.failQuality(1, { kind: "http", status: 503 });
    expect(await getDatasetQuality(deps, { shop: SHOP })).toMatchObject({ status: "unavailable", report: null });
  });

  it("an expired token (190) is 'forbidden' too", async () => {
    meta.expireToken(PIXEL);
    expect((await getDatasetQuality(deps, { shop: SHOP })).status).toBe("forbidden");
  });

  it.each([
    ["not JSON", '{"web": [ {'],
    ["the wrong shape", JSON.stringify({ web: [{ event_name: "Purchase", event_match_quality: { composite_score: "high" } }] })],
    ["no web array", JSON.stringify({ data: [] })],
  ])("an answer that is %s is 'unavailable'", async (_label, body) => {
    meta.failQuality(1, { kind: "http", status: 200, body, headers: { "content-type": "application/json" } });
    expect(await getDatasetQuality(deps, { shop: SHOP })).toMatchObject({ status: "unavailable", report: null });
  });

  it("a slow answer past the page's timeout is 'unavailable', and the last good report stays on show", async () => {
    const first = await getDatasetQuality(deps, { shop: SHOP });
    clock = new Date(start.getTime() + 2 * 60 * 60 * 1000);
    meta.failQuality(1, { kind: "delay", ms: 1500 });
    const began = Date.now();
    const view = await getDatasetQuality(deps, { shop: SHOP, timeoutMs: 200 });
    expect(Date.now() - began).toBeLessThan(1200);
    expect(view.status).toBe("unavailable");
    expect(view.report).toEqual(first.report);
    expect(view.fetchedAt).toBe(start.toISOString());
    await meta.idle();
  });

  it("a shop without a token is 'not-connected' and Meta is not asked", async () => {
    await db.shopSettings.deleteMany({});
    expect((await getDatasetQuality(deps, { shop: SHOP })).status).toBe("not-connected");
    expect(qualityCalls()).toBe(0);
  });

  it("across processes, one claim per window wins, first call or not", async () => {
    const claim = (at: Date) =>
      claimQualityCheck(db, { shop: SHOP, now: at, notSince: new Date(at.getTime() - QUALITY_TTL_MS), credentialKey: "k1" });
    expect((await Promise.all(Array.from({ length: 6 }, () => claim(start)))).filter(Boolean)).toHaveLength(1);
    expect(await claim(new Date(start.getTime() + 30 * 60_000))).toBe(false);
    const later = new Date(start.getTime() + 61 * 60_000);
    expect((await Promise.all(Array.from({ length: 6 }, () => claim(later)))).filter(Boolean)).toHaveLength(1);
  });

  it("uninstall and shop/redact delete the snapshot", async () => {
    await getDatasetQuality(deps, { shop: SHOP });
    await disconnectUninstalledShop(db, SHOP);
    expect(await db.datasetQualitySnapshot.count()).toBe(0);
    await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });
    clock = new Date(start.getTime() + 2 * 60 * 60 * 1000);
    await getDatasetQuality(deps, { shop: SHOP });
    await eraseShop(db, SHOP);
    expect(await db.datasetQualitySnapshot.count()).toBe(0);
  });
});
