// The deliveries table and the order page through the real authenticate.admin, on a real SQLite ledger.
import { AppProvider } from "@shopify/polaris";
import polarisEnglish from "@shopify/polaris/locales/en.json";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDelivery, nextAdminOrderId } from "../factories/delivery";
import { APP_URL } from "@shopify/shopify-api/test-helpers";
import { adminRequest, callRoute, embeddedUrl, OTHER_SHOP, SHOP, startAdminTestApp, type AdminTestApp } from "../helpers/admin-app";

let app: AdminTestApp;
let list: typeof import("~/routes/app.deliveries._index");
let order: typeof import("~/routes/app.deliveries.$orderId");

const DAY = 24 * 60 * 60 * 1000;
const now = Date.now();
const ago = (days: number, minutes = 0) => new Date(now - days * DAY - minutes * 60_000);

beforeAll(async () => {
  app = await startAdminTestApp();
  list = await import("~/routes/app.deliveries._index");
  order = await import("~/routes/app.deliveries.$orderId");
});

afterAll(async () => {
  await app.close();
});

beforeEach(async () => {
  await app.db.delivery.deleteMany({});
  await app.db.browserEvent.deleteMany({});
  await app.db.shopSettings.deleteMany({});
  await app.db.shopSettings.create({
    data: { shop: SHOP, pixelId: "123456789012345", accessTokenSealed: "v1:x:y:z", accessTokenHint: "WXYZ", connectionState: "connected" },
  });
});

type ListData = {
  rows: Array<{
    orderId: string;
    orderName: string;
    status: string;
    attempts: number;
    answer: string;
    amount: string;
    eventId: string;
    createdAt: string;
  }>;
  total: number;
  pageCount: number;
  problems: string[];
  query: { page: number; status: string | null; pageSize: number };
};

async function getList(search = "", shop = SHOP) {
  const result = await callRoute(list.loader as never, await adminRequest(`/app/deliveries${search}`, { shop }));
  return { ...result, data: result.data as ListData };
}

async function getOrder(orderId: string, shop = SHOP) {
  return callRoute(order.loader as never, await adminRequest(`/app/deliveries/${orderId}`, { shop }), { orderId });
}

async function retry(orderId: string, shop = SHOP, form: Record<string, string> = { intent: "retry" }) {
  return callRoute(order.action as never, await adminRequest(`/app/deliveries/${orderId}`, { shop, form }), { orderId });
}

/**
 * The order page's component rendered on the server with the loader's real answer, as the document
 * request renders it, so a test can read what the merchant sees (which buttons, which words).
 */
async function renderOrderPage(data: unknown, orderId: string): Promise<string> {
  const handler = createStaticHandler([
    { id: "order", path: "/app/deliveries/:orderId", Component: order.default, loader: () => data as Record<string, unknown> },
  ]);
  const context = await handler.query(new Request(`${APP_URL}/app/deliveries/${orderId}`));
  if (context instanceof Response) throw new Error(`unexpected response ${context.status}`);
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(
    createElement(AppProvider, { i18n: polarisEnglish }, createElement(StaticRouterProvider, { router, context, hydrate: false })),
  );
}

/** 30 rows for SHOP, one per 6 hours, newest first: statuses cycle so every filter has members. */
async function seedMany() {
  const cycle = ["sent", "sent", "failed", "pending", "skipped", "retrying"] as const;
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const kind = cycle[i % cycle.length];
    const created = await createDelivery(app.db, {
      shop: SHOP,
      status: kind === "retrying" ? "pending" : kind,
      attempts: kind === "retrying" ? 2 : kind === "pending" ? 0 : 1,
      createdAt: new Date(now - i * 6 * 60 * 60 * 1000),
      ...(kind === "failed" ? { errorCode: 190, errorSubcode: 463, lastError: "Session has expired", fbtraceId: "AFailTrace" } : {}),
      ...(kind === "retrying"
        ? { errorCode: 2, lastError: "Service temporarily unavailable", reasonCode: "meta_unavailable", failureKind: "transient" }
        : {}),
      ...(kind === "skipped" ? { reasonCode: "test_order" } : {}),
    });
    ids.push(created.orderId);
  }
  return ids;
}

describe("deliveries table", () => {
  it("lists the shop's orders newest first, 25 per page, counted in the database", async () => {
    const ids = await seedMany();
    await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed", createdAt: new Date(now + 60_000) });

    const first = await getList();
    expect(first.status).toBe(200);
    expect(first.data.total).toBe(30);
    expect(first.data.pageCount).toBe(2);
    expect(first.data.rows).toHaveLength(25);
    expect(first.data.rows.map((r) => r.orderId)).toEqual(ids.slice(0, 25));
    expect(first.data.rows[0]).toMatchObject({ status: "sent", amount: "€59.90", answer: "Received by Meta · fbtrace_id AbCdEfTrace1" });
    expect(first.data.rows[2]).toMatchObject({ status: "failed", answer: "Meta no longer accepts your access token" });
    expect(first.data.rows[5]).toMatchObject({ status: "retrying", attempts: 2, answer: "Meta was unavailable; retrying" });

    const second = await getList("?page=2");
    expect(second.data.rows.map((r) => r.orderId)).toEqual(ids.slice(25));
    expect(second.data.problems).toEqual([]);
  });

  it.each([
    ["sent", 10],
    ["failed", 5],
    ["pending", 5],
    ["retrying", 5],
    ["skipped", 5],
  ])("filters by status %s", async (status, count) => {
    await seedMany();
    const { data } = await getList(`?status=${status}`);
    expect(data.total).toBe(count);
    expect(data.rows.every((r) => r.status === status)).toBe(true);
  });

  it("filters by UTC day, both ends inclusive", async () => {
    const inside = await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: new Date("2026-03-10T23:59:00Z") });
    await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: new Date("2026-03-08T12:00:00Z") });
    await createDelivery(app.db, { shop: SHOP, status: "sent", createdAt: new Date("2026-03-11T00:00:00Z") });
    const earliest = await createDelivery(app.db, { shop: SHOP, status: "failed", createdAt: new Date("2026-03-09T00:00:00Z") });

    const { data } = await getList("?from=2026-03-09&to=2026-03-10");
    expect(data.rows.map((r) => r.orderId)).toEqual([inside.orderId, earliest.orderId]);
    expect((await getList("?from=2026-03-09&to=2026-03-10&status=failed")).data.rows.map((r) => r.orderId)).toEqual([earliest.orderId]);
  });

  it("says so when the page number is out of range instead of showing an empty table silently", async () => {
    await seedMany();
    const { status, data } = await getList("?page=9");
    expect(status).toBe(200);
    expect(data.rows).toEqual([]);
    expect(data.problems).toEqual(["There is no page 9: these filters give 2 pages."]);

    const empty = await getList("?status=failed&from=2020-01-01&to=2020-01-02&page=2");
    expect(empty.data.problems).toEqual(["There is no page 2: nothing matches these filters."]);
  });

  it("explains each bad parameter and falls back to its default", async () => {
    await seedMany();
    const { status, data } = await getList("?status=lost&page=-3&from=2026-02-30&size=1000");
    expect(status).toBe(200);
    expect(data.problems).toEqual([
      '"lost" is not a delivery status; showing all statuses.',
      'The start date "2026-02-30" is not a date (use YYYY-MM-DD); it was ignored.',
      '"-3" is not a page number; showing page 1.',
      "Rows per page must be 25, 50, 100; showing 25.",
    ]);
    expect(data.query).toMatchObject({ status: null, page: 1, pageSize: 25 });
    expect(data.rows).toHaveLength(25);
  });

  it("answers the document request the admin's iframe makes, and refuses a tampered session token", async () => {
    const { orderId } = await createDelivery(app.db, { shop: SHOP, status: "sent" });
    const url = await embeddedUrl(APP_URL, "/app/deliveries");
    const page = await callRoute(list.loader as never, new Request(url));
    expect(page.status).toBe(200);
    expect((page.data as ListData).rows.map((r) => r.orderId)).toEqual([orderId]);

    const tampered = new URL(url);
    tampered.searchParams.set("id_token", `${tampered.searchParams.get("id_token")}x`);
    const refused = await callRoute(list.loader as never, new Request(tampered));
    expect(refused.status).not.toBe(200);
    expect(refused.text).not.toContain(orderId);
  });

  it("never shows another shop's rows", async () => {
    const foreign = await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed" });
    const mine = await createDelivery(app.db, { shop: SHOP, status: "sent" });
    const { data } = await getList();
    expect(data.rows.map((r) => r.orderId)).toEqual([mine.orderId]);
    expect((await getList("", OTHER_SHOP)).data.rows.map((r) => r.orderId)).toEqual([foreign.orderId]);
  });
});

describe("order page", () => {
  it("shows the failure in plain words, the timeline, match keys, the browser event and the payload as sent", async () => {
    const orderId = nextAdminOrderId();
    const { eventId } = await createDelivery(app.db, {
      shop: SHOP,
      orderId,
      orderName: "#1042",
      status: "failed",
      attempts: 1,
      errorCode: 100,
      errorSubcode: 2804050,
      lastError: "Insufficient Customer Information: add more parameters",
      fbtraceId: "ATraceFailed",
      keys: ["ct", "country", "client_user_agent"],
      createdAt: ago(0, 30),
    });
    await app.db.browserEvent.create({ data: { shop: SHOP, eventName: "Purchase", eventId, source: "web-pixel", seenAt: ago(0, 29) } });

    const { status, data, text } = await getOrder(orderId);
    expect(status).toBe(200);
    expect(data).toMatchObject({
      orderId,
      orderName: "#1042",
      amount: "€59.90",
      adminUrl: `shopify:admin/orders/${orderId}`,
      canRetry: true,
    });
    const delivery = (data as { deliveries: Array<Record<string, any>> }).deliveries[0];
    expect(delivery.explanation).toMatchObject({
      title: "Too little customer information to match",
      fix: expect.stringMatching(/Nothing to fix for this order/),
    });
    expect(delivery.timeline.map((e: { label: string }) => e.label)).toEqual([
      "Recorded from Shopify's paid-order notification",
      "Meta rejected it (1 attempt)",
    ]);
    expect(delivery.timeline[1].detail).toBe(
      "error 100/2804050 · Insufficient Customer Information: add more parameters · fbtrace_id ATraceFailed",
    );
    const present = delivery.matchKeys.filter((k: { present: boolean }) => k.present).map((k: { key: string }) => k.key);
    expect(present).toEqual(["ct", "country", "client_user_agent"]);
    expect(delivery.matchKeys.find((k: { key: string }) => k.key === "fbc").hint).toMatch(/Meta ad/);
    expect(delivery.browserSeen).toMatchObject({ source: "web-pixel" });
    expect(delivery.payload).toContain('\n  "user_data": {');
    expect(JSON.parse(delivery.payload).user_data.ct).toMatch(/^[0-9a-f]{64}$/);
    expect(text).not.toContain("newyork");
  });

  it("says when the browser purchase was not seen, and what a sent delivery got back", async () => {
    const { orderId } = await createDelivery(app.db, { shop: SHOP, status: "sent", fbtraceId: "AOkTrace", eventsReceived: 1 });
    const { data } = await getOrder(orderId);
    const delivery = (data as { deliveries: Array<Record<string, any>> }).deliveries[0];
    expect(delivery.browserSeen).toBeNull();
    expect(delivery.explanation.title).toBe("Received by Meta");
    expect(delivery.timeline.at(-1)).toMatchObject({ label: "Meta accepted it", detail: "events_received 1 · fbtrace_id AOkTrace" });
    expect((data as { canRetry: boolean }).canRetry).toBe(false);
  });

  it("answers 404 for another shop's order and for an order ID that is not one", async () => {
    const { orderId } = await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed", errorCode: 190 });
    const foreign = await getOrder(orderId);
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain(orderId);
    expect(foreign.text).not.toContain("190");
    expect((await getOrder(orderId, OTHER_SHOP)).status).toBe(200);
    expect((await getOrder("not-an-order")).status).toBe(404);
    expect((await getOrder("123")).status).toBe(404);
  });
});

describe("retry now", () => {
  it("puts only the failed row back in the queue, due now", async () => {
    const { orderId, id } = await createDelivery(app.db, { shop: SHOP, status: "failed", errorCode: 190, createdAt: ago(1) });
    const before = Date.now();
    const result = await retry(orderId);
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ ok: true, message: expect.stringMatching(/Queued for another attempt/) });
    const row = await app.db.delivery.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "pending", reasonCode: "retry_requested" });
    expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const page = await getOrder(orderId);
    const delivery = (page.data as { deliveries: Array<Record<string, any>> }).deliveries[0];
    expect(delivery.status).toBe("retrying");
  });

  it("refuses to retry an order that has nothing failed, with the reason", async () => {
    const { orderId, id } = await createDelivery(app.db, { shop: SHOP, status: "sent" });
    const result = await retry(orderId);
    expect(result.status).toBe(409);
    expect(result.data).toEqual({
      ok: false,
      message: "Nothing to retry: only failed deliveries can be retried, and this order's are sent.",
    });
    expect((await app.db.delivery.findUniqueOrThrow({ where: { id } })).status).toBe("sent");
  });

  it("warns that a retry waits while the Meta connection is broken", async () => {
    await app.db.shopSettings.update({
      where: { shop: SHOP },
      data: { connectionState: "broken", connectionError: "Session has expired" },
    });
    const { orderId } = await createDelivery(app.db, { shop: SHOP, status: "failed", errorCode: 190 });
    const result = await retry(orderId);
    expect(result.data).toMatchObject({ ok: true, message: expect.stringMatching(/wait until you reconnect in Settings/) });
  });

  it("cannot touch another shop's order", async () => {
    const { orderId, id } = await createDelivery(app.db, { shop: OTHER_SHOP, status: "failed" });
    const result = await retry(orderId);
    expect(result.status).toBe(404);
    expect((await app.db.delivery.findUniqueOrThrow({ where: { id } })).status).toBe("failed");
  });

  it("is not offered for an order that could not be mapped: the page says why, and the action refuses", async () => {
    // What the webhook path stores for an order it could not turn into a Purchase: failed, payload "{}".
    const { orderId, id } = await createDelivery(app.db, {
      shop: SHOP,
      status: "failed",
      attempts: 0,
      payload: "{}",
      reasonCode: "mapping_failed",
      reasonDetail: "total_price is not a number",
    });

    const page = await getOrder(orderId);
    expect(page.status).toBe(200);
    const view = page.data as { canRetry: boolean; retryUnavailable: string | null; deliveries: Array<Record<string, any>> };
    expect(view.canRetry).toBe(false);
    expect(view.retryUnavailable).toMatch(/^This order could not be mapped to a Meta event, so there is nothing to send/);
    expect(view.deliveries[0]).toMatchObject({ canRetry: false, payload: null, matchKeys: null });
    expect(view.deliveries[0].explanation).toMatchObject({
      title: "Could not be mapped to a Meta event",
      cause: "The order could not be turned into a Purchase: total_price is not a number",
      fix: expect.stringMatching(/Retry is not offered/),
    });

    const html = await renderOrderPage(page.data, orderId);
    expect(html).toContain("Retry is not available for this order");
    expect(html).toContain("This order could not be mapped to a Meta event, so there is nothing to send");
    expect(html).toContain("total_price is not a number");
    expect(html).not.toMatch(/<button[^>]*>(?:(?!<\/button>)[\s\S])*Retry now/);
    expect(html).not.toContain('name="intent"');

    // A hand-made post (an old tab, a script) is refused with the same reason, and the row stays as it was.
    const result = await retry(orderId);
    expect(result.status).toBe(409);
    expect(result.data).toEqual({ ok: false, message: view.retryUnavailable });
    expect(await app.db.delivery.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "failed",
      payload: "{}",
      reasonCode: "mapping_failed",
      reasonDetail: "total_price is not a number",
    });
  });

  it("shows the Retry now button for a failed order that holds its event", async () => {
    const { orderId } = await createDelivery(app.db, { shop: SHOP, status: "failed", errorCode: 190, lastError: "Session has expired" });
    const page = await getOrder(orderId);
    expect((page.data as { retryUnavailable: string | null }).retryUnavailable).toBeNull();
    const html = await renderOrderPage(page.data, orderId);
    expect(html).toMatch(/<button[^>]*type="submit"[^>]*>(?:(?!<\/button>)[\s\S])*Retry now/);
    expect(html).toContain('name="intent" value="retry"');
    expect(html).not.toContain("Retry is not available");
  });

  it("answers a malformed retry post with 400 and changes nothing", async () => {
    const { orderId, id } = await createDelivery(app.db, { shop: SHOP, status: "failed" });
    const result = await retry(orderId, SHOP, { intent: "delete" });
    expect(result.status).toBe(400);
    expect(result.data).toMatchObject({ ok: false, message: expect.stringMatching(/incomplete/) });
    expect((await app.db.delivery.findUniqueOrThrow({ where: { id } })).status).toBe("failed");
  });
});
