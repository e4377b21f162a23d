// The production server builds orders/paid rows on a thread (app/services/order-row-threads.server.ts, the
// compiled build/app-order-rows.mjs). A row built there must equal the one built inline, field for field and
// Date for Date; a thread that dies or throws must lose no row and answer no wrong one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { catalogIdSetting } from "~/lib/capi/catalog-ids";
import { orderPaidRowFromBody, type IngestSettings, type OrderPaidRowInput } from "~/services/order-paid-row.server";
import { OrderRowThreads } from "~/services/order-row-threads.server";
import { ROOT } from "../../scripts/lib/app-process";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";

const silent = pino({ level: "silent" });
const COMPILED = pathToFileURL(join(ROOT, "build/app-order-rows.mjs"));
const scratch = mkdtempSync(join(tmpdir(), "order-row-threads-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const input: OrderPaidRowInput = { shop: "threads.myshopify.com", webhookId: "wh-1", now: new Date("2026-11-29T12:00:00.000Z") };
const connected: IngestSettings = {
  pixelId: "123456789012345",
  primaryDomain: "https://shop.example.com",
  limitedDataUse: false,
  sendPosOrders: false,
  catalogIds: catalogIdSetting("shopify_channel", "US"),
  enabledEvents: ["Purchase"],
};

// Every outcome the row builder has: sent, skipped (not connected, test order), failed mapping's cousin
// (no ID: rejected), and a body that is not JSON.
const cases: [string, string, IngestSettings][] = [
  ["a paid order, 18-digit ID", paidOrderJson({ id: "820982911946154508", paidAt: input.now }), connected],
  ["a shop not connected", paidOrderJson({ id: nextOrderId(), paidAt: input.now }), null],
  ["a test order", paidOrderJson({ id: nextOrderId(), paidAt: input.now, test: true }), connected],
  ["an order without an ID", JSON.stringify({ name: "#1001" }), connected],
  ["a body that is not JSON", '{"id": 820982911946154508', connected],
];

describe("rows built on a thread", () => {
  it.each(cases)("%s: the same result as inline", async (_what, body, settings) => {
    const threads = new OrderRowThreads(COMPILED, 1, silent);
    try {
      const onThread = await threads.build(body, input, settings);
      expect(onThread).toEqual(orderPaidRowFromBody(body, input, settings));
      if (onThread.ok) expect(onThread.value.eventTime).toBeInstanceOf(Date);
    } finally {
      await threads.close();
    }
  });

  it("starts and warms every thread up front, then builds rows as inline (the warm-up's signal is no row)", async () => {
    const threads = new OrderRowThreads(COMPILED, 2, silent, { warmUpIterations: 20 });
    try {
      await threads.startAll();
      const results = await Promise.all(cases.map(([, body, settings]) => threads.build(body, input, settings)));
      expect(results).toEqual(cases.map(([, body, settings]) => orderPaidRowFromBody(body, input, settings)));
    } finally {
      await threads.close();
    }
  });

  it("spreads many rows over its threads and answers each with its own", async () => {
    const threads = new OrderRowThreads(COMPILED, 2, silent);
    try {
      const ids = Array.from({ length: 200 }, () => nextOrderId());
      const rows = await Promise.all(ids.map((id) => threads.build(paidOrderJson({ id, paidAt: input.now }), input, connected)));
      expect(rows.map((r) => (r.ok ? r.value.orderId : null))).toEqual(ids);
    } finally {
      await threads.close();
    }
  });

  it("builds inline what a dying thread held, and what comes after, without starting a thread per row", async () => {
    const started = join(scratch, "started.log");
    const dies = join(scratch, "dies.mjs");
    writeFileSync(
      dies,
      `import { appendFileSync } from "node:fs";\nimport { parentPort } from "node:worker_threads";\n` +
        `appendFileSync(${JSON.stringify(started)}, "started\\n");\nparentPort.on("message", () => process.exit(3));\n`,
    );
    const threads = new OrderRowThreads(pathToFileURL(dies), 1, silent);
    try {
      const bodies = Array.from({ length: 5 }, () => paidOrderJson({ id: nextOrderId(), paidAt: input.now }));
      for (const body of bodies) {
        expect(await threads.build(body, input, connected)).toEqual(orderPaidRowFromBody(body, input, connected));
      }
      // One thread started and lost; the rows after it were built inline within RESTART_DELAY_MS.
      expect(readFileSync(started, "utf8")).toBe("started\n");
    } finally {
      await threads.close();
    }
  });

  it("rejects, rather than inventing a row, when the thread reports a failure", async () => {
    const throws = join(scratch, "throws.mjs");
    writeFileSync(
      throws,
      `import { parentPort } from "node:worker_threads";\nparentPort.on("message", ({ id }) => parentPort.postMessage({ id, thrown: "boom" }));\n`,
    );
    const threads = new OrderRowThreads(pathToFileURL(throws), 1, silent);
    try {
      await expect(threads.build(cases[0][1], input, connected)).rejects.toThrow(/boom/);
    } finally {
      await threads.close();
    }
  });

  it("with no threads, or once closed, builds inline", async () => {
    const none = new OrderRowThreads(COMPILED, 0, silent);
    expect(await none.build(cases[0][1], input, connected)).toEqual(orderPaidRowFromBody(cases[0][1], input, connected));
    const closed = new OrderRowThreads(COMPILED, 1, silent);
    await closed.close();
    expect(await closed.build(cases[0][1], input, connected)).toEqual(orderPaidRowFromBody(cases[0][1], input, connected));
  });
});
