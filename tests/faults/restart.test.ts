// Restart safety: `npm start` stopped with SIGTERM while a webhook is half uploaded, more are arriving, and
// the worker's request to Meta is on the wire. The server must finish what it accepted (the webhook gets its
// 200 and its row; the worker records Meta's answer or gives its rows back), refuse nothing it answered 200,
// exit 0, and after a restart deliver everything, with no duplicate, since nothing died mid-request.
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { waitFor } from "../helpers/app-process";
import { signedWebhookRequest } from "../helpers/webhook-request";
import { createRig, duplicatesAt, figure, holdDeliveries, pool, postWebhook, SHOP_A, statusCounts, trackCleanups } from "./harness";

const cleanups = trackCleanups();

/**
 * Starts a webhook upload and, once the server has taken the request on (its 100 Continue), sends half the
 * body; returns a function that sends the rest and reads the answer.
 */
function halfUploadedWebhook(baseUrl: string, body: string): Promise<() => Promise<number | "error">> {
  const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP_A.shop, body });
  const headers = Object.fromEntries(signed.headers.entries());
  return new Promise((resolveStarted, rejectStarted) => {
    let answered: (status: number | "error") => void;
    const answer = new Promise<number | "error">((resolve) => (answered = resolve));
    // Chunked, without Content-Length: the server cannot know the size until the end.
    const req = httpRequest(
      `${baseUrl}/webhooks/orders/paid`,
      { method: "POST", headers: { ...headers, expect: "100-continue" } },
      (res) => {
        res.resume();
        res.on("end", () => answered(res.statusCode ?? "error"));
      },
    );
    req.on("error", (error) => {
      answered("error");
      rejectStarted(error);
    });
    const half = Math.floor(body.length / 2);
    req.on("continue", () => {
      req.write(body.slice(0, half), () => {
        resolveStarted(async () => {
          req.end(body.slice(half));
          return answer;
        });
      });
    });
    req.flushHeaders();
  });
}

describe("restart safety", () => {
  it("SIGTERM with a webhook half uploaded, more arriving and a batch on the wire loses nothing", async () => {
    const rig = await createRig(cleanups);
    const env = { DELIVERY_BATCH_SIZE: "10", DELIVERY_REQUEST_TIMEOUT_MS: "3000" };
    // As one node process: the tsx launcher in front of `npm start` SIGKILLs a server that does not
    // acknowledge SIGTERM within 30 ms, which defeats any drain (see startDirect in the harness).
    const server = await rig.startDirect("server", env);
    // Meta is slow, so the worker has a request on the wire when the signal lands.
    rig.fake.setHandler(() => ({ kind: "delay", ms: 600 }));

    const first = Array.from({ length: 60 }, () => nextOrderId());
    // Queued before delivery starts, so batches are still going out when the signal lands.
    await holdDeliveries(rig, SHOP_A.shop, true);
    const statuses = await pool(first, 8, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await holdDeliveries(rig, SHOP_A.shop, false);

    const slowOrder = nextOrderId();
    const finishUpload = await halfUploadedWebhook(server.url, paidOrderJson({ id: slowOrder }));
    await waitFor(() => rig.fake.requests().some((r) => r.status === null), 20_000, "a request to Meta on the wire");

    server.child.kill("SIGTERM");
    // Webhooks that arrive as the server stops: each is either answered (and then stored) or refused
    // (and then Shopify retries it).
    const burst = Array.from({ length: 20 }, () => nextOrderId());
    const burstStatuses = pool(burst, 10, (id) => postWebhook(server.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    // The upload is finished only once the server is draining and every webhook of the burst has its answer.
    await waitFor(() => server.output().includes('"signal":"SIGTERM"'), 20_000, "the server to start draining");
    const burstResults = await burstStatuses;
    expect(server.child.exitCode).toBeNull();
    const slowStatus = await finishUpload();
    const exitCode = await server.exited;

    expect(slowStatus).toBe(200);
    expect(exitCode).toBe(0);
    expect(burstResults.filter((s) => s !== 200 && s !== "error")).toEqual([]);
    const answered = [...first, slowOrder, ...burst.filter((_, i) => burstResults[i] === 200)];
    const stored = await rig.db.delivery.findMany({ select: { orderId: true, status: true, attempts: true } });
    expect(stored.map((r) => r.orderId).sort()).toEqual(answered.sort());
    // The batch on the wire was recorded, the rest given back uncounted: nothing is left claimed.
    const atExit = await statusCounts(rig.db);
    expect(atExit.sending).toBeUndefined();
    expect(stored.filter((r) => r.status === "pending").every((r) => r.attempts === 0)).toBe(true);
    const sentBeforeExit = atExit.sent ?? 0;
    expect(rig.fake.received()).toHaveLength(sentBeforeExit);

    // Restart; Shopify retries the refused deliveries.
    const restarted = await rig.startDirect("server", env);
    rig.fake.setHandler(null);
    const refused = burst.filter((_, i) => burstResults[i] !== 200);
    const retried = await pool(refused, 8, (id) => postWebhook(restarted.url, { shop: SHOP_A.shop, body: paidOrderJson({ id }) }));
    expect(retried.filter((s) => s !== 200)).toEqual([]);
    const all = [...first, slowOrder, ...burst];
    await waitFor(async () => (await statusCounts(rig.db)).sent === all.length, 30_000, "everything sent after the restart");
    await rig.fake.idle();
    expect(
      rig.fake
        .counted(SHOP_A.pixel)
        .map((e) => e.eventId)
        .sort(),
    ).toEqual(all.map((id) => `shopify_order_${id}`).sort());
    const { duplicates } = duplicatesAt(rig.fake);
    expect(duplicates).toBe(0);

    figure(
      "restart",
      `SIGTERM with 1 webhook half uploaded (answered ${slowStatus}), ${burst.length} arriving ` +
        `(${burst.length - refused.length} answered and stored, ${refused.length} refused and retried), ` +
        `${sentBeforeExit} events recorded before exit code ${exitCode}; ${all.length} delivered after restart, ${duplicates} duplicates`,
    );
  }, 90_000);
});
