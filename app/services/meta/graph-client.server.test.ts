// Real HTTP against the fake Graph API: the client's timeout, body handling and error parsing run for real.
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeGraphApi, type FakeGraphApi } from "../../../dev/fake-meta/graph-api";
import { createGraphClient, type SendEventsInput, type SendEventsResult } from "./graph-client.server";

const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "k".repeat(80);
const sha = (value: string) => createHash("sha256").update(value).digest("hex");

let fake: FakeGraphApi;

beforeAll(async () => {
  fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const client = (timeoutMs = 2000, baseUrl = fake.url) => createGraphClient({ baseUrl, apiVersion: "v25.0", timeoutMs });

function purchase(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: "Purchase",
    event_time: Math.floor(Date.now() / 1000) - 30,
    event_id: "shopify_order_1001",
    action_source: "website",
    event_source_url: "https://shop.example/thank-you",
    user_data: { em: [sha("test@example.com")], client_user_agent: "Mozilla/5.0", client_ip_address: "203.0.113.7" },
    custom_data: { value: "19.99", currency: "USD" },
    ...overrides,
  };
}

const input = (overrides: Partial<SendEventsInput> = {}): SendEventsInput => ({
  pixelId: PIXEL,
  accessToken: TOKEN,
  events: [purchase()],
  ...overrides,
});

function expectFailure(result: SendEventsResult): Extract<SendEventsResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

function expectNoTokenAnywhere(result: SendEventsResult) {
  expect(JSON.stringify(result)).not.toContain(TOKEN);
}

describe("sendEvents: success", () => {
  it("posts the events and returns Meta's answer", async () => {
    const result = await client().sendEvents(input({ events: [purchase(), purchase({ event_id: "shopify_order_1002" })] }));
    expect(result).toEqual({
      ok: true,
      httpStatus: 200,
      eventsReceived: 2,
      fbtraceId: expect.any(String),
      messages: [],
    });
    expect(fake.received().map((e) => e.eventId)).toEqual(["shopify_order_1001", "shopify_order_1002"]);
  });

  it("sends a JSON body with the token, test_event_code and partner_agent, and keeps the token out of the URL", async () => {
    let params: Record<string, unknown> | null = null;
    fake.setHandler((req) => {
      params = req.params;
      return undefined;
    });
    await client().sendEvents(input({ testEventCode: "TEST4242", partnerAgent: "our-app" }));

    expect(params).toMatchObject({ access_token: TOKEN, test_event_code: "TEST4242", partner_agent: "our-app" });
    const [request] = fake.requests();
    expect(request.url).toBe(`/v25.0/${PIXEL}/events`);
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.stringify(request.headers)).not.toContain(TOKEN);
    expect(fake.received()[0]).toMatchObject({ testEventCode: "TEST4242", partnerAgent: "our-app" });
  });

  it("leaves out test_event_code and partner_agent when not set", async () => {
    let params: Record<string, unknown> | null = null;
    fake.setHandler((req) => {
      params = req.params;
      return undefined;
    });
    await client().sendEvents(input({ testEventCode: null, partnerAgent: "" }));
    expect(Object.keys(params ?? {}).sort()).toEqual(["access_token", "data"]);
  });

  it("accepts a base URL with a trailing slash", async () => {
    const result = await client(2000, `${fake.url}/`).sendEvents(input());
    expect(result.ok).toBe(true);
    expect(fake.requests()[0].url).toBe(`/v25.0/${PIXEL}/events`);
  });

  it("uses an injected fetch", async () => {
    const urls: string[] = [];
    const counting: typeof fetch = (url, init) => {
      urls.push(String(url));
      return fetch(url, init);
    };
    const result = await createGraphClient({
      baseUrl: fake.url,
      apiVersion: "v26.0",
      timeoutMs: 2000,
      fetch: counting,
    }).sendEvents(input());
    expect(result.ok).toBe(true);
    expect(urls).toEqual([`${fake.url}/v26.0/${PIXEL}/events`]);
  });

  it("scrubs the token from Meta's informational messages too", async () => {
    fake.fail(1, {
      kind: "http",
      status: 200,
      body: { events_received: 1, messages: [`echo ${TOKEN}`, 7], fbtrace_id: "T" },
    });
    const result = await client().sendEvents(input());
    expect(result).toEqual({
      ok: true,
      httpStatus: 200,
      eventsReceived: 1,
      fbtraceId: "T",
      messages: ["echo [redacted]"],
    });
  });
});

describe("sendEvents: transient failures", () => {
  it("classifies a 5xx as transient", async () => {
    fake.fail(1, { kind: "http", status: 503, body: "<html>Service Unavailable</html>" });
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure).toMatchObject({ kind: "transient", httpStatus: 503, code: null });
  });

  it("classifies Meta's transient error code as transient", async () => {
    fake.fail(1, { kind: "graph-error", code: 2, isTransient: true, status: 500 });
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure).toMatchObject({
      kind: "transient",
      httpStatus: 500,
      code: 2,
      isTransient: true,
      fbtraceId: expect.any(String),
    });
  });

  it("gives up after timeoutMs when Meta is slow", async () => {
    fake.fail(1, { kind: "delay", ms: 400 });
    const started = Date.now();
    const failure = expectFailure(await client(100).sendEvents(input()));
    expect(Date.now() - started).toBeLessThan(350);
    expect(failure).toMatchObject({
      kind: "transient",
      httpStatus: null,
      message: "Meta did not answer before the request timed out",
    });
    // Meta may still have taken the events: retrying is safe only because Meta dedups on event_id.
    await fake.idle();
    expect(fake.received()).toHaveLength(1);
  });

  it("classifies a reset connection as a transient network error", async () => {
    fake.fail(1, { kind: "reset" });
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure.kind).toBe("transient");
    expect(failure.message).toMatch(/^Network error talking to Meta: fetch failed/);
  });

  it("classifies a refused connection as transient", async () => {
    const port = await freePort();
    const failure = expectFailure(await client(2000, `http://127.0.0.1:${port}`).sendEvents(input()));
    expect(failure).toMatchObject({ kind: "transient", httpStatus: null });
    expect(failure.message).toMatch(/ECONNREFUSED/);
  });

  it("takes the wait from a throttling answer's X-Business-Use-Case-Usage header", async () => {
    const usage = { [PIXEL]: [{ type: "ads_management", call_count: 100, estimated_time_to_regain_access: 4 }] };
    fake.fail(1, {
      kind: "graph-error",
      code: 80004,
      subcode: 2446079,
      message: "There have been too many calls to this ad-account.",
      headers: { "x-business-use-case-usage": JSON.stringify(usage) },
    });
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure).toMatchObject({ kind: "transient", code: 80004, subcode: 2446079, retryAfterMs: 4 * 60_000 });
  });

  it("takes the wait from Retry-After on a 429", async () => {
    fake.fail(1, { kind: "http", status: 429, headers: { "retry-after": "12" } });
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure).toMatchObject({ kind: "transient", httpStatus: 429, retryAfterMs: 12_000 });
  });

  it("treats a 2xx without events_received as transient, not as delivered", async () => {
    fake.fail(1, { kind: "http", status: 200, body: { success: true } });
    fake.fail(1, { kind: "http", status: 200, body: "OK" });
    for (let i = 0; i < 2; i++) {
      const failure = expectFailure(await client().sendEvents(input()));
      expect(failure).toMatchObject({
        kind: "transient",
        httpStatus: 200,
        message: "Meta answered HTTP 200 without events_received",
      });
    }
  });
});

describe("sendEvents: terminal failures", () => {
  it("returns Meta's code-100 rejection as invalid_payload", async () => {
    const unhashed = purchase({ user_data: { em: "test@example.com", client_user_agent: "Mozilla/5.0" } });
    const failure = expectFailure(await client().sendEvents(input({ events: [purchase(), unhashed] })));
    expect(failure).toMatchObject({
      kind: "invalid_payload",
      httpStatus: 400,
      code: 100,
      subcode: 2804016,
      isTransient: false,
    });
    expect(failure.message).toMatch(/^User Parameter Not Hashed: The em parameter isn't hashed/);
    expect(fake.received()).toEqual([]);
  });

  it("returns a wrong token as auth (190)", async () => {
    const failure = expectFailure(await client().sendEvents(input({ accessToken: "EAAB" + "w".repeat(60) })));
    expect(failure).toMatchObject({ kind: "auth", code: 190, subcode: null });
    expectNoTokenAnywhere(failure);
  });

  it("returns an expired token as auth (190/463)", async () => {
    fake.expireToken(PIXEL);
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure).toMatchObject({ kind: "auth", code: 190, subcode: 463 });
  });

  it("returns a pixel the token cannot reach as config (100/33)", async () => {
    const failure = expectFailure(await client().sendEvents(input({ pixelId: "5550001" })));
    expect(failure).toMatchObject({ kind: "config", code: 100, subcode: 33 });
  });

  it("returns a deprecated version as config", async () => {
    fake.fail(1, { kind: "graph-error", code: 2635 });
    expect(expectFailure(await client().sendEvents(input()))).toMatchObject({ kind: "config", code: 2635 });
  });

  it("returns a permission error as permission", async () => {
    fake.fail(1, { kind: "graph-error", code: 200, status: 403 });
    expect(expectFailure(await client().sendEvents(input()))).toMatchObject({ kind: "permission", httpStatus: 403 });
  });

  it("does not follow a redirect (it would resend the token) and calls it config", async () => {
    fake.fail(1, { kind: "http", status: 307, headers: { location: `${fake.url}/v25.0/${PIXEL}/events` } });
    const failure = expectFailure(await client().sendEvents(input()));
    expect(failure).toMatchObject({ kind: "config", httpStatus: 307 });
    expect(fake.requests()).toHaveLength(1);
    expect(fake.received()).toEqual([]);
  });

  it("calls a non-Graph 404 config", async () => {
    const failure = expectFailure(await client(2000, `${fake.url}/not-graph`).sendEvents(input()));
    expect(failure).toMatchObject({ kind: "config", httpStatus: 404 });
  });
});

describe("sendEvents: the token never leaks into a failure", () => {
  it.each([
    ["a Graph error message", { kind: "graph-error", code: 190, message: `Invalid token ${TOKEN}` }],
    [
      "a Graph user message",
      {
        kind: "http",
        status: 400,
        body: { error: { code: 100, error_user_title: "Bad", error_user_msg: `access_token=${TOKEN}` } },
      },
    ],
    ["a 5xx text body", { kind: "http", status: 500, body: `upstream said ${TOKEN}` }],
  ] as const)("scrubs it from %s", async (_case, fault) => {
    fake.fail(1, fault);
    const failure = expectFailure(await client().sendEvents(input()));
    expectNoTokenAnywhere(failure);
  });

  it("scrubs a token that does not look like one", async () => {
    const odd = "plain-sandbox-token-123";
    fake.setToken(PIXEL, odd);
    fake.fail(1, { kind: "graph-error", code: 190, message: `Token ${odd} was revoked` });
    const failure = expectFailure(await client().sendEvents(input({ accessToken: odd })));
    expect(failure.message).toBe("Token [redacted] was revoked");
  });

  it("never puts the token in any URL, whatever the outcome", async () => {
    fake.fail(1, { kind: "http", status: 500 });
    fake.fail(1, { kind: "reset" });
    await client().sendEvents(input());
    await client().sendEvents(input());
    await client().sendEvents(input());
    await client().sendEvents(input({ accessToken: "EAAB" + "w".repeat(60) }));
    expect(fake.requests()).toHaveLength(4);
    for (const request of fake.requests()) {
      expect(request.url).not.toMatch(/access_token|EAAB/);
    }
  });
});

describe("sendEvents: refused before any request", () => {
  it.each(["", "12a45", "../123", "123/events?x=", " 123"])("refuses pixel id %j as config", async (pixelId) => {
    const failure = expectFailure(await client().sendEvents(input({ pixelId })));
    expect(failure).toMatchObject({
      kind: "config",
      httpStatus: null,
      message: "The pixel ID must contain digits only",
    });
    expect(fake.requests()).toEqual([]);
  });

  it("refuses a malformed API version as config", async () => {
    const bad = createGraphClient({ baseUrl: fake.url, apiVersion: "25.0", timeoutMs: 1000 });
    expect(expectFailure(await bad.sendEvents(input())).kind).toBe("config");
    expect(fake.requests()).toEqual([]);
  });

  it("refuses a missing token as auth", async () => {
    expect(expectFailure(await client().sendEvents(input({ accessToken: "" }))).kind).toBe("auth");
    expect(fake.requests()).toEqual([]);
  });

  it("refuses an empty batch and one over 1000 events as invalid_payload", async () => {
    expect(expectFailure(await client().sendEvents(input({ events: [] }))).kind).toBe("invalid_payload");
    const tooMany = Array.from({ length: 1001 }, (_, i) => purchase({ event_id: `e${i}` }));
    expect(expectFailure(await client().sendEvents(input({ events: tooMany }))).kind).toBe("invalid_payload");
    expect(fake.requests()).toEqual([]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
