// Meta down for a stretch (5xx, timeouts, throttling with Retry-After and estimated_time_to_regain_access)
// while hundreds of orders arrive: `npm start` on SQLite keeps answering Shopify, every event reaches Meta
// after the recovery, none is counted twice, and no retry comes sooner than the backoff allows.
import { describe, expect, it } from "vitest";
import type { Fault, FakeRequest } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { waitFor } from "../helpers/app-process";
import { createRig, duplicatesAt, figure, pool, postWebhook, SHOP_A, statusCounts, trackCleanups } from "./harness";

const cleanups = trackCleanups();

const BASE_MS = 200;
const MAX_MS = 1600;
const TIMEOUT_MS = 400;
// estimated_time_to_regain_access is in minutes; Meta sends whole ones, a fraction keeps the test short.
const REGAIN_MINUTES = 0.02;

type Outage = "503" | "graph-5xx" | "timeout" | "throttle-buc" | "throttle-429";
const OUTAGES: Outage[] = ["503", "timeout", "throttle-buc", "graph-5xx", "throttle-429"];

function faultFor(kind: Outage): Fault {
  switch (kind) {
    case "503":
      return { kind: "http", status: 503, body: "Service Unavailable" };
    case "graph-5xx":
      return { kind: "graph-error", code: 2, isTransient: true, status: 500 };
    case "timeout":
      // Meta still processes the request after we stopped waiting: the source of any duplicate.
      return { kind: "delay", ms: TIMEOUT_MS * 2 };
    case "throttle-buc":
      return {
        kind: "graph-error",
        code: 80004,
        status: 400,
        headers: {
          "x-business-use-case-usage": JSON.stringify({
            "1": [{ type: "ads_management", estimated_time_to_regain_access: REGAIN_MINUTES }],
          }),
        },
      };
    case "throttle-429":
      return { kind: "http", status: 429, headers: { "retry-after": "1" }, body: { error: { message: "Too many calls", code: 4 } } };
  }
}

const eventIdsOf = (request: FakeRequest): string[] =>
  Array.isArray(request.params?.data) ? (request.params.data as { event_id?: unknown }[]).map((e) => String(e.event_id)) : [];

describe("Meta down", () => {
  it("hundreds of orders during an outage: all delivered after recovery, none twice, backoff respected", async () => {
    const rig = await createRig(cleanups);
    const server = await rig.start("server", {
      DELIVERY_RETRY_BASE_MS: String(BASE_MS),
      DELIVERY_RETRY_MAX_MS: String(MAX_MS),
      DELIVERY_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      DELIVERY_BATCH_SIZE: "50",
    });

    let down = true;
    let outageRequests = 0;
    // Per event: when each attempt reached Meta, and the least wait Meta or our backoff demanded before the next.
    const attempts = new Map<string, { at: number; minWaitAfter: number }[]>();
    const timedOut = new Map<string, number>();
    rig.fake.setHandler((request) => {
      const now = Date.now();
      const ids = eventIdsOf(request);
      const kind = down ? OUTAGES[outageRequests++ % OUTAGES.length] : null;
      for (const id of ids) {
        const list = attempts.get(id) ?? [];
        // Equal jitter: the delay after the n-th attempt is at least half of min(max, base * 2^(n-1)).
        const backoff = Math.min(MAX_MS, BASE_MS * 2 ** list.length) / 2;
        const demanded = kind === "throttle-buc" ? REGAIN_MINUTES * 60_000 : kind === "throttle-429" ? 1000 : 0;
        list.push({ at: now, minWaitAfter: Math.max(backoff, demanded) });
        attempts.set(id, list);
        if (kind === "timeout") timedOut.set(id, (timedOut.get(id) ?? 0) + 1);
      }
      return kind ? faultFor(kind) : null;
    });

    const orders = Array.from({ length: 200 }, () => nextOrderId());
    const started = Date.now();
    const statuses = await pool(orders, 8, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Keep Meta down until every outage kind has been served a few times and every order has been refused
    // at least once, so each one's delivery goes through a retry.
    const eventIds = orders.map((id) => `shopify_order_${id}`);
    await waitFor(
      () => outageRequests >= OUTAGES.length * 3 && eventIds.every((id) => attempts.has(id)),
      30_000,
      "every order to be refused during the outage",
    );
    const outageMs = Date.now() - started;
    down = false;
    const requestsDuringOutage = outageRequests;

    await waitFor(async () => (await statusCounts(rig.db)).sent === orders.length, 60_000, "every order sent after recovery");
    await rig.fake.idle();

    // Delivered, and counted once each by Meta.
    const counted = rig.fake.counted(SHOP_A.pixel).map((e) => e.eventId);
    expect(counted.sort()).toEqual(orders.map((id) => `shopify_order_${id}`).sort());
    // A copy Meta received twice can only come from a request we gave up on (timeout) that Meta processed.
    const { duplicates, ids } = duplicatesAt(rig.fake);
    for (const [key, count] of ids) {
      const eventId = key.split("/")[1];
      expect(count - 1).toBeLessThanOrEqual(timedOut.get(eventId) ?? 0);
    }
    // No attempt came sooner than the backoff (or Meta's own estimate) allowed: lower bounds only.
    let tightest = Infinity;
    for (const list of attempts.values()) {
      for (let i = 1; i < list.length; i++) {
        const gap = list[i].at - list[i - 1].at;
        expect(gap).toBeGreaterThanOrEqual(list[i - 1].minWaitAfter);
        tightest = Math.min(tightest, gap / list[i - 1].minWaitAfter);
      }
    }
    const rows = await rig.db.delivery.findMany({ where: { shop: SHOP_A.shop }, select: { attempts: true, status: true } });
    const maxAttempts = Math.max(...rows.map((r) => r.attempts));
    // Each was refused at least once before it was sent.
    expect(Math.min(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(2);
    expect(server.output()).not.toContain(SHOP_A.token);

    figure(
      "meta-down",
      `${orders.length} orders, ${rows.filter((r) => r.status === "sent").length} delivered, ${counted.length} counted by Meta, ` +
        `${duplicates} duplicates (from ${[...timedOut.values()].reduce((a, b) => a + b, 0)} event copies in timed-out requests), ` +
        `max attempts ${maxAttempts}, ${requestsDuringOutage} requests refused over ${outageMs} ms, ` +
        `tightest retry ${tightest.toFixed(2)}x its minimum wait`,
    );
  }, 120_000);
});
