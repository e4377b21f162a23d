// The production server answers orders/paid and the app proxy's POST /proxy/events from node:http handlers
// ahead of Remix (app/services/webhook-fast-path.server.ts), orders/paid with its row built on a thread. Every kind of request is sent to both them and
// the Remix routes, and both must answer alike and leave the same rows.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { setAppEnv } from "../helpers/app-env";
import { createTestDatabase } from "../helpers/test-db";
import { signedWebhookRequest, type SignedWebhookOptions } from "../helpers/webhook-request";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { signProxyUrl } from "../../dev/fake-shopify/app-proxy";
import { ROOT } from "../../scripts/lib/app-process";

const SHOP = "fast-path.myshopify.com";

let database: { url: string; cleanup(): Promise<void> };
let db: Db;
let server: Server;
let baseUrl: string;
let action: (args: { request: Request; params: object; context: object }) => Promise<Response>;
let slots: typeof import("~/services/webhook-auth.server");
let proxyAction: (args: { request: Request; params: object; context: object }) => Promise<Response>;
let hotPathOf: typeof import("~/services/webhook-fast-path.server").hotPath;
let threads: import("~/services/order-row-threads.server").OrderRowThreads;

interface Answer {
  status: number;
  body: string;
  retryAfter: string | null;
}

beforeAll(async () => {
  database = await createTestDatabase("sqlite");
  setAppEnv({ DATABASE_URL: database.url, WEBHOOK_MAX_IN_FLIGHT: "4" });
  db = (await import("~/db.server")).getDb();
  action = (await import("~/routes/webhooks.orders.paid")).action as never;
  slots = await import("~/services/webhook-auth.server");
  proxyAction = (await import("~/routes/proxy.events")).action as never;
  const { fastWebhook, fastProxyEvents, hotPath } = await import("~/services/webhook-fast-path.server");
  hotPathOf = hotPath;
  const { answerOrderPaidWith, ORDERS_PAID_OPTIONS, ORDERS_PAID_TOPIC } = await import("~/services/orders-paid-webhook.server");
  // As server/index.ts wires it: the body parsed and mapped on the compiled thread.
  const { OrderRowThreads } = await import("~/services/order-row-threads.server");
  threads = new OrderRowThreads(pathToFileURL(join(ROOT, "build/app-order-rows.mjs")), 1, pino({ level: "silent" }));
  const handle = fastWebhook(ORDERS_PAID_TOPIC, ORDERS_PAID_OPTIONS, answerOrderPaidWith(threads.build));
  server = createServer((req, res) => {
    const served = req.url?.startsWith("/proxy/events") ? fastProxyEvents : handle;
    served(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await threads.close();
  await (await import("~/db.server")).closeDb();
  await database.cleanup();
});

async function viaRemix(request: Request): Promise<Answer> {
  let response: Response;
  try {
    response = await action({ request, params: {}, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    response = thrown;
  }
  return { status: response.status, body: await response.text(), retryAfter: response.headers.get("retry-after") };
}

/** Sent with node:http so the body can be streamed without Content-Length, as a chunked upload is. */
function viaFastPath(request: Request, body: string | Buffer, opts: { chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    if (!opts.chunked) headers["content-length"] = String(Buffer.byteLength(body));
    const req = httpRequest(`${baseUrl}/webhooks/orders/paid`, { method: request.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          body: Buffer.concat(chunks).toString("utf8"),
          retryAfter: (res.headers["retry-after"] as string) ?? null,
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

function delivery(overrides: Partial<SignedWebhookOptions> = {}) {
  const body = (overrides.body as string | undefined) ?? paidOrderJson({ id: nextOrderId() });
  return { body, request: () => signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, ...overrides }) };
}

const storedFor = (orderId: string) =>
  db.delivery.findMany({ where: { shop: SHOP, orderId }, select: { status: true, eventId: true, payload: true } });

describe("orders/paid fast path", () => {
  it("stores a signed order as the Remix route does, once however often it is delivered", async () => {
    for (const send of ["fast", "remix"] as const) {
      const orderId = nextOrderId();
      const { body, request } = delivery({ body: paidOrderJson({ id: orderId }), webhookId: `same-${orderId}` });
      for (let i = 0; i < 2; i++) {
        const answer = send === "fast" ? await viaFastPath(request(), body) : await viaRemix(request());
        expect(answer).toEqual({ status: 200, body: "", retryAfter: null });
      }
      const rows = await storedFor(orderId);
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe("skipped"); // no pixel connected for this shop
    }
  });

  it.each([
    ["a bad signature", { secret: "not-the-secret" }],
    ["another topic", { topic: "orders/create" }],
    ["a missing webhook ID header", { headers: { "X-Shopify-Webhook-Id": null } }],
    ["a shop that is not a myshopify.com domain", { shop: "example.com" }],
    ["a body that is not JSON", { body: '{"id": 820982911946154508' }],
    ["an order without an ID", { body: JSON.stringify({ name: "#1001" }) }],
  ])("answers %s exactly as the Remix route does, storing nothing", async (_what, overrides) => {
    const before = await db.delivery.count();
    const { body, request } = delivery(overrides as Partial<SignedWebhookOptions>);
    const fast = await viaFastPath(request(), body);
    const remix = await viaRemix(request());
    expect(fast.status).toBeGreaterThanOrEqual(400);
    expect(fast.status).toBeLessThan(500);
    expect(fast).toEqual(remix);
    expect(await db.delivery.count()).toBe(before);
  });

  it("answers 413 to a streamed body past 2 MB, and stays up for the next delivery", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x20);
    const { request } = delivery();
    const answer = await viaFastPath(request(), big, { chunked: true });
    expect(answer.status).toBe(413);
    const next = delivery();
    expect((await viaFastPath(next.request(), next.body)).status).toBe(200);
  });

  it("answers 503 with Retry-After when every slot is taken, and takes deliveries again once one is free", async () => {
    const taken: number[] = [];
    while (slots.tryTakeWebhookSlot()) taken.push(1);
    try {
      expect(taken).toHaveLength(4);
      const { body, request } = delivery();
      const answer = await viaFastPath(request(), body);
      expect(answer.status).toBe(503);
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
      expect((await viaRemix(request())).status).toBe(503);
    } finally {
      for (const _ of taken) slots.releaseWebhookSlot();
    }
    expect(slots.webhooksInFlight()).toBe(0);
    const { body, request } = delivery();
    expect((await viaFastPath(request(), body)).status).toBe(200);
  });
});

describe("app proxy fast path (POST /proxy/events)", () => {
  const PROXY_SHOP = "proxy-fast.myshopify.com";
  const PIXEL = "123456789012345";
  let ip = 0;
  let eventId = 0;

  beforeAll(async () => {
    await db.shopSettings.create({ data: { shop: PROXY_SHOP, pixelId: PIXEL, connectionState: "connected" } });
    await db.session.create({ data: { id: `offline_${PROXY_SHOP}`, shop: PROXY_SHOP, state: "", isOnline: false, accessToken: "x" } });
  });

  const events = (n = 2) =>
    JSON.stringify({
      events: Array.from({ length: n }, (_, i) => ({
        event_name: i % 2 ? "ViewContent" : "PageView",
        event_id: `fast_${++eventId}`,
        event_time: Math.floor(Date.now() / 1000),
        event_source_url: `https://${PROXY_SHOP}/products/socks`,
        ...(i % 2 ? { custom_data: { content_ids: ["1"], content_type: "product", value: 1, currency: "USD" } } : {}),
      })),
    });

  const secret = () => process.env.SHOPIFY_API_SECRET!;

  function proxyRequest(body: string | Buffer, opts: { shop?: string; secret?: string; method?: string } = {}) {
    const url = new URL(
      signProxyUrl("http://app.invalid/proxy/events", { shop: opts.shop ?? PROXY_SHOP, secret: opts.secret ?? secret() }),
    );
    const headers = {
      "content-type": "text/plain;charset=UTF-8",
      "user-agent": "Mozilla/5.0 (test)",
      "x-forwarded-for": `198.51.100.${++ip % 250}`,
    };
    return { url, headers, body, method: opts.method ?? "POST" };
  }

  async function proxyViaRemix(r: ReturnType<typeof proxyRequest>): Promise<{ status: number; body: string; cache: string | null }> {
    const request = new Request(`https://app.example${r.url.pathname}${r.url.search}`, {
      method: r.method,
      headers: r.headers,
      body: typeof r.body === "string" ? r.body : new Uint8Array(r.body),
    });
    const response = await proxyAction({ request, params: {}, context: {} });
    return { status: response.status, body: await response.text(), cache: response.headers.get("cache-control") };
  }

  function proxyViaFastPath(r: ReturnType<typeof proxyRequest>, opts: { chunked?: boolean } = {}) {
    return new Promise<{ status: number; body: string; cache: string | null }>((resolve, reject) => {
      const headers: Record<string, string> = { ...r.headers };
      if (!opts.chunked) headers["content-length"] = String(Buffer.byteLength(r.body));
      const req = httpRequest(`${baseUrl}${r.url.pathname}${r.url.search}`, { method: r.method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            body: Buffer.concat(chunks).toString("utf8"),
            cache: (res.headers["cache-control"] as string) ?? null,
          }),
        );
      });
      req.on("error", reject);
      req.end(r.body);
    });
  }

  it("stores a page's events as the Remix route does, with the same answer", async () => {
    const before = await db.storefrontEvent.count({ where: { shop: PROXY_SHOP } });
    const fast = await proxyViaFastPath(proxyRequest(events()));
    const remix = await proxyViaRemix(proxyRequest(events()));
    expect(fast).toEqual({ status: 202, body: JSON.stringify({ accepted: 2, dropped: [] }), cache: "no-store" });
    expect(fast).toEqual(remix);
    expect(await db.storefrontEvent.count({ where: { shop: PROXY_SHOP } })).toBe(before + 4);
  });

  it.each([
    ["a bad signature", () => proxyRequest(events(), { secret: "not-the-secret" })],
    ["a shop that never installed", () => proxyRequest(events(), { shop: "stranger.myshopify.com" })],
    ["a body that is not an envelope", () => proxyRequest('{"events": 3')],
    ["a body past the proxy's limit", () => proxyRequest(Buffer.alloc(200 * 1024, 0x20))],
  ])("answers %s exactly as the Remix route does, storing nothing", async (_what, make) => {
    const before = await db.storefrontEvent.count();
    const fast = await proxyViaFastPath(make());
    const remix = await proxyViaRemix(make());
    expect(fast.status).toBeGreaterThanOrEqual(400);
    expect(fast.status).toBeLessThan(500);
    expect(fast).toEqual(remix);
    expect(await db.storefrontEvent.count()).toBe(before);
  });

  it("answers 413 to a streamed body past the limit, and stays up for the next request", async () => {
    const answer = await proxyViaFastPath(proxyRequest(Buffer.alloc(300 * 1024, 0x20)), { chunked: true });
    expect(answer.status).toBe(413);
    expect((await proxyViaFastPath(proxyRequest(events()))).status).toBe(202);
  });

  it("only POSTs to the exact hot paths leave Express and Remix out; anything else goes on to them", () => {
    const noop = async () => undefined;
    const hot = hotPathOf({ "/proxy/events": noop });
    expect(hot("POST", "/proxy/events")).toBe(noop);
    expect(hot("GET", "/proxy/events")).toBeNull();
    expect(hot("POST", "/proxy/events/")).toBeNull();
    expect(hot("POST", "/__proto__")).toBeNull();
    expect(hot("POST", "/constructor")).toBeNull();
  });
});
