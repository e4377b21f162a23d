// getDatasetQuality over real HTTP against the stand-in: Meta's documented request, and every failure sorted
// into "forbidden" (the merchant must change the token) or "unavailable" (try later), never thrown.
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DATASET_QUALITY_FIELDS } from "~/lib/dataset-quality";
import { startFakeGraphApi, type FakeGraphApi } from "../../../dev/fake-meta/graph-api";
import { createGraphClient } from "./graph-client.server";

const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "k".repeat(80);

let fake: FakeGraphApi;
beforeAll(async () => {
  fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const client = (baseUrl = fake.url) => createGraphClient({ baseUrl, apiVersion: "v25.0", timeoutMs: 2000 });
const ask = (overrides: { datasetId?: string; accessToken?: string; timeoutMs?: number } = {}, baseUrl?: string) =>
  client(baseUrl).getDatasetQuality({ datasetId: PIXEL, accessToken: TOKEN, ...overrides });

describe("getDatasetQuality", () => {
  it("GETs /{version}/dataset_quality with the dataset and Meta's field names, the token in a header only", async () => {
    const result = await ask();
    expect(result).toEqual({ ok: true, value: { events: [] } });
    const [request] = fake.requests();
    expect(request.method).toBe("GET");
    const url = new URL(request.url, "http://x");
    expect(url.pathname).toBe("/v25.0/dataset_quality");
    expect(url.searchParams.get("dataset_id")).toBe(PIXEL);
    expect(url.searchParams.get("fields")).toBe(DATASET_QUALITY_FIELDS);
    expect(request.url).not.toContain(TOKEN);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("ignores fields Meta adds later", async () => {
    fake.failQuality(1, {
      kind: "http",
      status: 200,
      body: { web: [{ event_name: "Lead", event_match_quality: { composite_score: 7.25, new_thing: 1 }, event_spend: {} }] },
    });
    const result = await ask();
    expect(result.ok && result.value.events[0]).toMatchObject({ eventName: "Lead", emq: 7.3 });
  });

  it.each([
    ["a permission error (10)", { kind: "graph-error", status: 403, code: 10 }, "forbidden"],
    ["a permission error (200)", { kind: "graph-error", status: 403, code: 200 }, "forbidden"],
    ["an invalid token (190)", { kind: "graph-error", status: 400, code: 190 }, "forbidden"],
    ["a dataset the token cannot see (100/33)", { kind: "graph-error", status: 400, code: 100, subcode: 33 }, "forbidden"],
    ["a bare HTTP 403", { kind: "http", status: 403 }, "forbidden"],
    ["a throttle (4)", { kind: "graph-error", status: 400, code: 4, isTransient: true }, "unavailable"],
    ["an outage (HTTP 503)", { kind: "http", status: 503, body: "Service Unavailable" }, "unavailable"],
    ["a 200 that is not JSON", { kind: "http", status: 200, body: "<html>" }, "unavailable"],
    ["a 200 without web", { kind: "http", status: 200, body: { data: [] } }, "unavailable"],
    ["a dropped connection", { kind: "reset" }, "unavailable"],
  ] as const)("%s is %s", async (_label, fault, kind) => {
    fake.failQuality(1, fault as never);
    const result = await ask();
    expect(result).toMatchObject({ ok: false, error: { kind } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("gives up at the timeout", async () => {
    fake.failQuality(1, { kind: "delay", ms: 1000 });
    expect(await ask({ timeoutMs: 100 })).toMatchObject({
      ok: false,
      error: { kind: "unavailable", message: "Meta did not answer in time" },
    });
    await fake.idle();
  });

  it("a closed port is unavailable; a non-numeric dataset is refused before any request", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    expect(await ask({}, `http://127.0.0.1:${port}`)).toMatchObject({ ok: false, error: { kind: "unavailable" } });
    expect(await ask({ datasetId: "1/../me" })).toMatchObject({ ok: false, error: { kind: "unavailable" } });
    expect(fake.requests()).toHaveLength(0);
  });

  it("the stand-in refuses a field name Meta does not know, as Meta does", async () => {
    const res = await fetch(`${fake.url}/v25.0/dataset_quality?dataset_id=${PIXEL}&fields=web{event_name,dedup_key_feedback}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("nonexisting field (dedup_key_feedback)");
  });
});

describe("the stand-in's figures", () => {
  it("pairs browser copies with server events by event ID for deduplication and coverage", async () => {
    const browser = ["shopify_order_1", "shopify_order_2", "sf_other", null].map((eventId) => ({ eventName: "Purchase", eventId }));
    const paired = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN }, browserEvents: (id) => (id === PIXEL ? browser : []) });
    try {
      const events = ["1", "2"].map((n) => ({
        event_name: "Purchase",
        event_time: Math.floor(Date.now() / 1000) - 30,
        event_id: `shopify_order_${n}`,
        action_source: "website",
        event_source_url: "https://shop.example/thank-you",
        user_data: { em: ["a".repeat(64)], client_user_agent: "Mozilla/5.0", client_ip_address: "203.0.113.7" },
        custom_data: { value: "19.99", currency: "USD" },
      }));
      const sent = await client(paired.url).sendEvents({ pixelId: PIXEL, accessToken: TOKEN, events });
      expect(sent.ok).toBe(true);
      const result = await ask({}, paired.url);
      expect(result.ok && result.value.events).toEqual([
        expect.objectContaining({
          eventName: "Purchase",
          dedupRate: 50,
          coverage: 50,
          matchKeys: { email: 100, ip_address: 100, user_agent: 100 },
        }),
      ]);
    } finally {
      await paired.close();
    }
  });
});
