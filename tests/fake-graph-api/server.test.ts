import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, startFakeGraphApi, type FakeGraphApi } from "../../dev/fake-meta/graph-api";

const PIXEL = "123456789012345";
const OTHER_PIXEL = "998877665544332";
const TOKEN = "EAAB" + "t".repeat(60);
const OTHER_TOKEN = "EAAB" + "o".repeat(60);
const START = new Date("2026-11-28T12:00:00Z");
const NOW_SECONDS = Math.floor(START.getTime() / 1000);
const HOUR = 60 * 60;
const DAY = 24 * HOUR;

const sha = (value: string) => createHash("sha256").update(value).digest("hex");

let clock = START;
let api: FakeGraphApi;

beforeAll(async () => {
  api = await startFakeGraphApi({ now: () => clock, tokens: { [PIXEL]: TOKEN, [OTHER_PIXEL]: OTHER_TOKEN } });
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  clock = START;
  api.reset();
});

type Event = Record<string, unknown>;

function purchase(overrides: Event = {}, userData: Event = {}): Event {
  return {
    event_name: "Purchase",
    event_time: NOW_SECONDS - 60,
    event_id: "shopify_order_1",
    action_source: "website",
    event_source_url: "https://shop.example/checkouts/thank-you",
    user_data: {
      em: [sha("test@example.com")],
      client_user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
      client_ip_address: "203.0.113.7",
      fbp: "fb.1.1596403881668.1116446470",
      ...userData,
    },
    custom_data: { value: 12.5, currency: "USD" },
    ...overrides,
  };
}

interface PostOptions {
  pixel?: string;
  version?: string;
  query?: string;
  headers?: Record<string, string>;
  method?: string;
  raw?: string;
}

async function post(body: Event | null, opts: PostOptions = {}) {
  const path = `/${opts.version ?? "v25.0"}/${opts.pixel ?? PIXEL}/events${opts.query ?? ""}`;
  const res = await fetch(api.url + path, {
    method: opts.method ?? "POST",
    headers: { "content-type": "application/json", ...opts.headers },
    body: opts.method === "GET" ? undefined : (opts.raw ?? JSON.stringify(body)),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const send = (events: unknown[], extra: Event = {}, opts: PostOptions = {}) => post({ data: events, access_token: TOKEN, ...extra }, opts);

function expectGraphError(
  res: Awaited<ReturnType<typeof post>>,
  expected: { status?: number; code: number; subcode?: number; title?: string },
) {
  expect(res.status).toBe(expected.status ?? 400);
  expect(res.json.error).toMatchObject({ type: expect.any(String), code: expected.code, is_transient: false });
  expect(res.json.error.fbtrace_id).toEqual(expect.any(String));
  if (expected.subcode !== undefined) expect(res.json.error.error_subcode).toBe(expected.subcode);
  if (expected.title !== undefined) expect(res.json.error.error_user_title).toBe(expected.title);
}

describe("accepting events", () => {
  it("answers like Meta and records each event", async () => {
    const res = await send([purchase(), purchase({ event_name: "AddToCart", event_id: "atc_1", custom_data: {} })], {
      test_event_code: "TEST123",
      partner_agent: "our-app",
    });

    expect(res.status).toBe(200);
    expect(res.json).toEqual({ events_received: 2, messages: [], fbtrace_id: expect.any(String) });
    expect(res.headers.get("x-fb-trace-id")).toBe(res.json.fbtrace_id);
    const received = api.received();
    expect(received).toHaveLength(2);
    expect(received[0]).toEqual({
      pixelId: PIXEL,
      eventName: "Purchase",
      eventId: "shopify_order_1",
      testEventCode: "TEST123",
      partnerAgent: "our-app",
      receivedAt: START,
      event: purchase(),
    });
    expect(received[1].eventName).toBe("AddToCart");
  });

  it("accepts form-encoded bodies with data as a JSON string", async () => {
    const form = new URLSearchParams({ data: JSON.stringify([purchase()]), access_token: TOKEN });
    const res = await post(null, {
      raw: form.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.json).toMatchObject({ events_received: 1 });
    expect(api.received()).toHaveLength(1);
  });

  it("accepts a token in the query string or an Authorization header, as Meta does, and logs the URL as sent", async () => {
    expect((await post({ data: [purchase()] }, { query: `?access_token=${TOKEN}` })).status).toBe(200);
    expect((await post({ data: [purchase()] }, { headers: { authorization: `OAuth ${TOKEN}` } })).status).toBe(200);
    expect(api.requests()[0].url).toContain(TOKEN);
  });

  it("logs every request", async () => {
    await send([purchase(), purchase()]);
    await post({ data: [purchase()] });
    const [ok, denied] = api.requests();
    expect(ok).toMatchObject({
      method: "POST",
      url: `/v25.0/${PIXEL}/events`,
      pixelId: PIXEL,
      eventCount: 2,
      status: 200,
      receivedAt: START,
    });
    expect(ok.bodyBytes).toBe(Buffer.byteLength(JSON.stringify({ data: [purchase(), purchase()], access_token: TOKEN })));
    expect(ok.headers["content-type"]).toBe("application/json");
    expect(denied).toMatchObject({ status: 400, eventCount: 1 });
  });

  it("works without a token map: any token, any pixel", async () => {
    const open = await startFakeGraphApi({ now: () => clock });
    try {
      const res = await fetch(`${open.url}/v26.0/42/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: [purchase()], access_token: "anything" }),
      });
      expect(res.status).toBe(200);
      expect(open.received()[0].pixelId).toBe("42");
    } finally {
      await open.close();
    }
  });
});

describe("access token and pixel", () => {
  it("rejects a missing token with 190", async () => {
    const res = await post({ data: [purchase()] });
    expectGraphError(res, { code: 190 });
    expect(res.headers.get("www-authenticate")).toMatch(/^OAuth "Facebook Platform" "invalid_token"/);
  });

  it("rejects an unknown token with 190 and no subcode", async () => {
    const res = await post({ data: [purchase()], access_token: "EAABnotreal" });
    expectGraphError(res, { code: 190 });
    expect(res.json.error.error_subcode).toBeUndefined();
    expect(res.json.error.message).toBe("Invalid OAuth access token - Cannot parse access token");
  });

  it("answers 190/463 for an expired token until a new one is set", async () => {
    api.expireToken(PIXEL);
    const expired = await send([purchase()]);
    expectGraphError(expired, { code: 190, subcode: 463 });
    expect(expired.json.error.message).toMatch(/Session has expired/);
    expect((await post({ data: [purchase()], access_token: OTHER_TOKEN }, { pixel: OTHER_PIXEL })).status).toBe(200);

    const renewed = "EAAB" + "n".repeat(60);
    api.setToken(PIXEL, renewed);
    expectGraphError(await send([purchase()]), { code: 190 });
    expect((await post({ data: [purchase()], access_token: renewed })).status).toBe(200);
  });

  it("answers 100/33 for a pixel the token cannot reach", async () => {
    const res = await post({ data: [purchase()], access_token: OTHER_TOKEN });
    expectGraphError(res, { code: 100, subcode: 33 });
    expect(res.json.error.type).toBe("GraphMethodException");
  });

  it.each(["555", "not-a-pixel"])("answers 100/33 for unknown pixel %s", async (pixel) => {
    expectGraphError(await send([purchase()], {}, { pixel }), { code: 100, subcode: 33 });
  });
});

describe("the data array", () => {
  it.each([
    ["missing", { access_token: TOKEN }],
    ["not an array", { access_token: TOKEN, data: { event_name: "Purchase" } }],
    ["empty", { access_token: TOKEN, data: [] }],
    ["a non-JSON string", { access_token: TOKEN, data: "[oops" }],
    ["holding a non-object", { access_token: TOKEN, data: ["Purchase"] }],
  ])("rejects data %s with 100", async (_case, body) => {
    expectGraphError(await post(body), { code: 100 });
  });

  it("takes 1000 events and refuses 1001", async () => {
    const events = Array.from({ length: 1001 }, (_, i) => purchase({ event_id: `e${i}` }));
    expectGraphError(await send(events), { code: 100 });
    expect((await send(events.slice(0, 1000))).json.events_received).toBe(1000);
  });

  it.each([
    ["test_event_code", 123],
    ["partner_agent", { name: "x" }],
  ])("rejects a non-string %s", async (field, value) => {
    expectGraphError(await send([purchase()], { [field]: value }), { code: 100 });
  });

  it("rejects the whole batch for one bad event and records nothing", async () => {
    const res = await send([purchase(), purchase({ event_time: NOW_SECONDS - 8 * DAY }), purchase()]);
    expectGraphError(res, { code: 100, subcode: 2804003, title: "Event Timestamp Too Old" });
    expect(res.json.error.error_user_msg).toMatch(/\(data\[1\]\)$/);
    expect(api.received()).toEqual([]);
  });
});

describe("event fields", () => {
  it.each([
    ["event_name missing", { event_name: undefined }],
    ["event_name empty", { event_name: "  " }],
    ["event_id not a string", { event_id: 42 }],
    ["action_source missing", { action_source: undefined }],
    ["action_source unknown", { action_source: "web" }],
    ["event_source_url not http(s)", { event_source_url: "ftp://shop.example" }],
    ["event_source_url not a URL", { event_source_url: "thank-you" }],
    ["website event without event_source_url", { event_source_url: undefined }],
    ["user_data missing", { user_data: undefined }],
    ["user_data not an object", { user_data: ["em"] }],
    ["custom_data not an object", { event_name: "AddToCart", custom_data: "x" }],
    ["opt_out not a boolean", { opt_out: "yes" }],
    ["data_processing_options other than LDU", { data_processing_options: ["GDPR"] }],
    ["LDU without a country", { data_processing_options: ["LDU"] }],
  ])("rejects %s with 100", async (_case, overrides) => {
    expectGraphError(await send([purchase(overrides)]), { code: 100 });
  });

  it("accepts LDU with a country and state, and an explicit empty list", async () => {
    const ldu = purchase({
      data_processing_options: ["LDU"],
      data_processing_options_country: 1,
      data_processing_options_state: 1000,
    });
    expect((await send([ldu, purchase({ data_processing_options: [] })])).status).toBe(200);
  });

  it("requires client_user_agent on website events only", async () => {
    expectGraphError(await send([purchase({}, { client_user_agent: undefined })]), { code: 100 });
    const offline = purchase({ action_source: "system_generated", event_source_url: undefined }, { client_user_agent: undefined });
    expect((await send([offline])).status).toBe(200);
  });
});

describe("event_time", () => {
  it.each([
    ["a float", NOW_SECONDS - 0.5],
    ["a string", String(NOW_SECONDS)],
    ["milliseconds", NOW_SECONDS * 1000],
    ["zero", 0],
  ])("rejects %s with 100", async (_case, event_time) => {
    const res = await send([purchase({ event_time })]);
    expectGraphError(res, { code: 100 });
    expect(res.json.error.error_subcode).toBeUndefined();
  });

  it("accepts exactly 7 days old and refuses one second more with 2804003", async () => {
    expect((await send([purchase({ event_time: NOW_SECONDS - 7 * DAY })])).status).toBe(200);
    expectGraphError(await send([purchase({ event_time: NOW_SECONDS - 7 * DAY - 1 })]), {
      code: 100,
      subcode: 2804003,
    });
  });

  it("gives physical_store events 62 days", async () => {
    const store = (age: number) =>
      purchase({ action_source: "physical_store", event_source_url: undefined, event_time: NOW_SECONDS - age });
    expect((await send([store(30 * DAY)])).status).toBe(200);
    expectGraphError(await send([store(63 * DAY)]), { code: 100, subcode: 2804003 });
  });

  it("allows 60 s of clock skew into the future, no more", async () => {
    expect((await send([purchase({ event_time: NOW_SECONDS + 60 })])).status).toBe(200);
    expectGraphError(await send([purchase({ event_time: NOW_SECONDS + 61 })]), { code: 100 });
  });

  it("judges age by the injected clock", async () => {
    const event = purchase({ event_time: NOW_SECONDS });
    clock = new Date(START.getTime() + 8 * DAY * 1000);
    expectGraphError(await send([event]), { code: 100, subcode: 2804003 });
  });
});

describe("user_data", () => {
  const HASHED_KEYS = ["em", "ph", "fn", "ln", "ct", "st", "zp", "country", "external_id", "db", "ge"];

  it.each(HASHED_KEYS)("rejects an unhashed %s with 2804016 naming the key", async (key) => {
    const res = await send([purchase({}, { [key]: "plain value" })]);
    expectGraphError(res, { code: 100, subcode: 2804016, title: "User Parameter Not Hashed" });
    expect(res.json.error.error_user_msg).toMatch(new RegExp(`^The ${key} parameter isn't hashed`));
  });

  it.each([
    ["uppercase hex", sha("x").toUpperCase()],
    ["a 63-character hash", sha("x").slice(1)],
    ["an MD5", "2a6a84e9e44441afbd75cc19ce28be37"],
    ["a list with one raw value", [sha("a"), "raw@example.com"]],
    ["a number", 16505551212],
  ])("rejects %s as not hashed", async (_case, value) => {
    expectGraphError(await send([purchase({}, { ph: value })]), { code: 100, subcode: 2804016 });
  });

  it("accepts lists, single strings and the Parameter Builder appendix", async () => {
    const res = await send([purchase({}, { em: `${sha("test@example.com")}.AQQCAQMC`, ph: [sha("16505551212"), sha("14251234567")] })]);
    expect(res.status).toBe(200);
  });

  it("ignores empty values instead of treating them as unhashed", async () => {
    expect((await send([purchase({}, { fn: "", ln: null, ph: [] })])).status).toBe(200);
  });

  it.each(["fb.1.1554763741205", "IwAR2F4-dbP0l7Mn1Iaw", "fb.1.abc.IwAR2", "fb.1.155 4763.x"])(
    "rejects fbc %j with 2804001",
    async (fbc) => {
      expectGraphError(await send([purchase({}, { fbc })]), {
        code: 100,
        subcode: 2804001,
        title: "Click ID Incorrectly Formatted",
      });
    },
  );

  it("accepts a well-formed fbc, with or without an appendix", async () => {
    const fbc = "fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk";
    expect((await send([purchase({}, { fbc }), purchase({}, { fbc: `${fbc}.BA` })])).status).toBe(200);
  });

  it("rejects a malformed fbp with 100", async () => {
    expectGraphError(await send([purchase({}, { fbp: "1116446470" })]), { code: 100 });
  });

  it.each(["203.0.113", "not an ip", "2001:db8::1 "])("rejects client_ip_address %j", async (ip) => {
    expectGraphError(await send([purchase({}, { client_ip_address: ip })]), { code: 100 });
  });

  it("accepts an IPv6 client_ip_address", async () => {
    expect((await send([purchase({}, { client_ip_address: "2001:db8::1" })])).status).toBe(200);
  });

  describe("minimum matching data (2804050)", () => {
    const only = (userData: Event, overrides: Event = {}) => purchase(overrides, userData);
    const website = { em: undefined, client_ip_address: undefined, fbp: undefined };

    it.each([
      ["only client_user_agent", { ...website }],
      ["db + client_user_agent", { ...website, db: sha("19970216") }],
      [
        "ct + country + st + zp + ge + client_user_agent",
        {
          ...website,
          ct: sha("newyork"),
          country: sha("us"),
          st: sha("ny"),
          zp: sha("10001"),
          ge: sha("f"),
        },
      ],
    ])("rejects %s", async (_case, userData) => {
      const res = await send([only(userData)]);
      expectGraphError(res, { code: 100, subcode: 2804050 });
    });

    it.each([
      ["fn + ge", { fn: sha("mary"), ge: sha("f") }],
      ["ln + ge", { ln: sha("smith"), ge: sha("m") }],
      ["ln alone", { ln: sha("smith") }],
      ["nothing", {}],
    ])("rejects %s on a non-website event", async (_case, userData) => {
      const event = {
        ...purchase({ action_source: "system_generated", event_source_url: undefined }),
        user_data: userData,
      };
      expectGraphError(await send([event]), { code: 100, subcode: 2804050 });
    });

    it.each([
      ["em + client_user_agent", { ...website, em: sha("test@example.com") }],
      ["fn + ln + ge + client_user_agent", { ...website, fn: sha("mary"), ln: sha("smith"), ge: sha("f") }],
      ["fbp + client_user_agent", { ...website, fbp: "fb.1.1596403881668.1116446470" }],
      ["client_ip_address + client_user_agent", { ...website, client_ip_address: "203.0.113.7" }],
    ])("accepts %s", async (_case, userData) => {
      expect((await send([only(userData)])).status).toBe(200);
    });
  });
});

describe("Purchase custom_data", () => {
  it.each([
    ["missing custom_data", { custom_data: undefined }],
    ["missing value", { custom_data: { currency: "USD" } }],
    ["non-numeric value", { custom_data: { value: "12,50", currency: "USD" } }],
    ["NaN-like value", { custom_data: { value: "abc", currency: "USD" } }],
    ["missing currency", { custom_data: { value: 10 } }],
    ["two-letter currency", { custom_data: { value: 10, currency: "US" } }],
    ["unknown currency", { custom_data: { value: 10, currency: "XYZ" } }],
  ])("rejects %s with 100", async (_case, overrides) => {
    expectGraphError(await send([purchase(overrides)]), { code: 100 });
  });

  it.each([
    ["a numeric string value", { value: "142.52", currency: "USD" }],
    ["a lowercase currency", { value: 0, currency: "usd" }],
    ["an integer value", { value: 100, currency: "EUR" }],
  ])("accepts %s", async (_case, customData) => {
    expect((await send([purchase({ custom_data: customData })])).status).toBe(200);
  });

  it("does not require value or currency on other events", async () => {
    expect((await send([purchase({ event_name: "ViewContent", custom_data: undefined })])).status).toBe(200);
  });
});

describe("dedup view", () => {
  it("counts one event when the same (pixel, name, id) arrives twice within 48 h", async () => {
    await send([purchase()]);
    clock = new Date(START.getTime() + 47 * HOUR * 1000);
    await send([purchase({ event_time: NOW_SECONDS + 47 * HOUR - 60 })]);
    expect(api.received()).toHaveLength(2);
    expect(api.counted()).toHaveLength(1);
    expect(api.counted(PIXEL)[0].receivedAt).toEqual(START);
  });

  it("counts a repeat again once 48 h have passed since the first", async () => {
    await send([purchase()]);
    clock = new Date(START.getTime() + 48 * HOUR * 1000);
    await send([purchase({ event_time: NOW_SECONDS + 48 * HOUR - 60 })]);
    expect(api.counted()).toHaveLength(2);
  });

  it("keeps events that differ in name, pixel or have no event_id", async () => {
    await send([
      purchase(),
      purchase({ event_name: "InitiateCheckout" }),
      purchase({ event_id: undefined }),
      purchase({ event_id: undefined }),
    ]);
    await post({ data: [purchase()], access_token: OTHER_TOKEN }, { pixel: OTHER_PIXEL });
    expect(api.counted()).toHaveLength(5);
    expect(api.counted(PIXEL)).toHaveLength(4);
    expect(api.counted(OTHER_PIXEL)).toHaveLength(1);
  });

  it("returns copies that tests cannot use to change the record", async () => {
    await send([purchase()]);
    api.received()[0].event.event_name = "Changed";
    expect(api.received()[0].event.event_name).toBe("Purchase");
  });
});

describe("faults", () => {
  it("answers the next N requests with an http fault, then normally", async () => {
    api.fail(2, { kind: "http", status: 503, body: { oops: true }, headers: { "retry-after": "7" } });
    const first = await send([purchase()]);
    expect(first.status).toBe(503);
    expect(first.json).toEqual({ oops: true });
    expect(first.headers.get("retry-after")).toBe("7");
    expect((await send([purchase()])).status).toBe(503);
    expect((await send([purchase()])).status).toBe(200);
    expect(api.received()).toHaveLength(1);
    expect(api.requests().map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("sends string bodies as text and no body when none is given", async () => {
    api.fail(1, { kind: "http", status: 502, body: "<html>Bad Gateway</html>" });
    api.fail(1, { kind: "http", status: 500 });
    const html = await send([purchase()]);
    expect(html.text).toBe("<html>Bad Gateway</html>");
    expect(html.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await send([purchase()])).text).toBe("");
  });

  it("queues faults in order", async () => {
    api.fail(1, { kind: "http", status: 500 });
    api.fail(1, { kind: "graph-error", code: 17, isTransient: true });
    expect((await send([purchase()])).status).toBe(500);
    const throttled = await send([purchase()]);
    expect(throttled.status).toBe(400);
    expect(throttled.json.error).toMatchObject({
      code: 17,
      is_transient: true,
      message: "(#17) User request limit reached",
    });
    expect((await send([purchase()])).status).toBe(200);
  });

  it("builds graph-error envelopes with subcode, status, message and headers", async () => {
    const buc = JSON.stringify({ "1": [{ type: "ads_management", estimated_time_to_regain_access: 3 }] });
    api.fail(1, {
      kind: "graph-error",
      code: 80004,
      subcode: 2446079,
      status: 403,
      message: "Too many calls",
      headers: { "x-business-use-case-usage": buc },
    });
    const res = await send([purchase()]);
    expect(res.status).toBe(403);
    expect(res.headers.get("x-business-use-case-usage")).toBe(buc);
    expect(res.json.error).toEqual({
      message: "Too many calls",
      type: "OAuthException",
      code: 80004,
      error_subcode: 2446079,
      is_transient: false,
      fbtrace_id: expect.any(String),
    });
    expect(api.received()).toEqual([]);
  });

  it("delays, then answers normally", async () => {
    api.fail(1, { kind: "delay", ms: 150 });
    const started = Date.now();
    const res = await send([purchase()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    expect(api.received()).toHaveLength(1);
  });

  it("still records a delayed request whose client gave up, like Meta would", async () => {
    api.fail(1, { kind: "delay", ms: 200 });
    const aborted = fetch(`${api.url}/v25.0/${PIXEL}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: [purchase()], access_token: TOKEN }),
      signal: AbortSignal.timeout(50),
    });
    await expect(aborted).rejects.toThrow();
    expect(api.received()).toHaveLength(0);
    await api.idle();
    expect(api.received()).toHaveLength(1);
  });

  it("resets the connection without answering or recording", async () => {
    api.fail(1, { kind: "reset" });
    await expect(send([purchase()])).rejects.toThrow(/fetch failed/);
    expect(api.received()).toEqual([]);
    expect(api.requests()[0].status).toBeNull();
    expect((await send([purchase()])).status).toBe(200);
  });

  it("ignores requests outside the events edge when consuming faults", async () => {
    api.fail(1, { kind: "http", status: 500 });
    expect((await fetch(`${api.url}/favicon.ico`)).status).toBe(404);
    expect((await send([purchase()])).status).toBe(500);
  });
});

describe("custom handler", () => {
  it("sees the parsed request and can answer with a fault", async () => {
    const seen: unknown[] = [];
    api.setHandler((req) => {
      seen.push({ pixelId: req.pixelId, version: req.version, events: (req.params?.data as unknown[]).length });
      return { kind: "graph-error", code: 2635 };
    });
    const res = await send([purchase()]);
    expectGraphError(res, { code: 2635 });
    expect(seen).toEqual([{ pixelId: PIXEL, version: "v25.0", events: 1 }]);
  });

  it("falls through when it returns nothing, and can be removed", async () => {
    let calls = 0;
    api.setHandler(async () => {
      calls++;
      return calls === 1 ? undefined : { kind: "http", status: 418 };
    });
    expect((await send([purchase()])).status).toBe(200);
    expect((await send([purchase()])).status).toBe(418);
    api.setHandler(null);
    expect((await send([purchase()])).status).toBe(200);
  });

  it("comes after queued faults", async () => {
    api.setHandler(() => ({ kind: "http", status: 418 }));
    api.fail(1, { kind: "http", status: 500 });
    expect((await send([purchase()])).status).toBe(500);
    expect((await send([purchase()])).status).toBe(418);
  });
});

describe("reset", () => {
  it("forgets events, requests, faults, handler, expiries and added tokens", async () => {
    await send([purchase()]);
    api.fail(5, { kind: "http", status: 500 });
    api.setHandler(() => ({ kind: "http", status: 418 }));
    api.expireToken(PIXEL);
    api.setToken("111", "EAAB" + "1".repeat(60));
    api.reset();
    expect(api.received()).toEqual([]);
    expect(api.requests()).toEqual([]);
    expect((await send([purchase()])).status).toBe(200);
    expectGraphError(await post({ data: [purchase()], access_token: "EAAB" + "1".repeat(60) }, { pixel: "111" }), {
      code: 190,
    });
  });
});

describe("hostile input", () => {
  it("rejects a body that is not JSON", async () => {
    expectGraphError(await post(null, { raw: "{not json" }), { code: 100 });
  });

  it("rejects a JSON body that is not an object", async () => {
    expectGraphError(await post(null, { raw: "[1,2,3]" }), { code: 100 });
  });

  it("rejects an unsupported content type", async () => {
    expectGraphError(await post(null, { raw: "data", headers: { "content-type": "text/plain" } }), { code: 100 });
  });

  it("answers 413 to a body over 10 MB", async () => {
    const raw = JSON.stringify({ access_token: TOKEN, data: [purchase({ padding: "x".repeat(MAX_BODY_BYTES) })] });
    const res = await post(null, { raw });
    expectGraphError(res, { status: 413, code: 100 });
    expect(api.requests()[0]).toMatchObject({ status: 413, bodyBytes: Buffer.byteLength(raw), eventCount: null });
  });

  it("answers 405 to other methods on the events edge", async () => {
    const res = await post(null, { method: "GET" });
    expectGraphError(res, { status: 405, code: 100 });
    expect(res.headers.get("allow")).toBe("POST");
  });

  it.each(["/v25.0/123/other", "/", "/v25/123/events", "/latest/123/events", "/v25.0/123/events/extra"])(
    "answers 404 with a Graph error for %s",
    async (path) => {
      const res = await fetch(api.url + path, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(404);
      expect((await res.json()).error).toMatchObject({ code: 2500, type: "OAuthException" });
    },
  );

  it("keeps serving after all of the above", async () => {
    await post(null, { raw: "\u0000\u0001garbage" });
    await fetch(api.url + "/%E0%A4%A", { method: "POST" });
    expect((await send([purchase()])).status).toBe(200);
  });
});

describe("lifecycle", () => {
  it("listens on 127.0.0.1 on a free port by default", () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("closes promptly even with a delayed request in flight", async () => {
    const fake = await startFakeGraphApi();
    fake.fail(1, { kind: "delay", ms: 60_000 });
    const pending = fetch(`${fake.url}/v25.0/1/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: [purchase()], access_token: "t" }),
    }).catch((error: unknown) => error);
    while (fake.requests().length === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(fake.received()).toEqual([]);
  });
});
