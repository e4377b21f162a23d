// `npm start` with WEB_CONCURRENCY=2 on PostgreSQL: two HTTP processes under one supervisor (node:cluster)
// that runs the in-process delivery worker once. Signed webhooks are answered by both, every order reaches
// the strict fake Graph API once, a killed HTTP process is replaced, and SIGTERM stops them all. On SQLite
// the setting is refused with the reason.
import { afterEach, expect, it } from "vitest";
import { openDb } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi } from "../../dev/fake-meta/graph-api";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { appEnv, startApp, waitFor, type AppProcess } from "../helpers/app-process";
import { createTestDatabase } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

const SHOP = "bright-socks.myshopify.com";
const PIXEL = "123456789012345";
const TOKEN = "EAAB" + "w".repeat(60);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function postWebhook(app: AppProcess, orderId: string, webhookId: string): Promise<number> {
  const body = paidOrderJson({ id: orderId });
  const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP, body, webhookId });
  // A new connection per request, so the cluster's round robin spreads them over the processes.
  const response = await fetch(`${app.url}/webhooks/orders/paid`, {
    method: "POST",
    headers: { ...Object.fromEntries(signed.headers), connection: "close" },
    body,
  });
  return response.status;
}

/** The pid of every log record with this message, in order. */
function pidsLogged(app: AppProcess, message: string, filter: (record: Record<string, unknown>) => boolean = () => true): number[] {
  return app
    .output()
    .split("\n")
    .flatMap((line) => {
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        return record.msg === message && filter(record) ? [record.pid as number] : [];
      } catch {
        return [];
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it("WEB_CONCURRENCY=2 on PostgreSQL: both processes answer, each order reaches Meta once, a dead one is replaced, SIGTERM stops all", async () => {
  const database = await createTestDatabase("postgresql");
  cleanups.push(() => database.cleanup());
  const fake = await startFakeGraphApi({ tokens: { [PIXEL]: TOKEN } });
  cleanups.push(() => fake.close());
  const db = openDb(database.url);
  cleanups.push(() => db.$disconnect());
  await connectShop(db, TEST_ENCRYPTION_KEY, { shop: SHOP, pixelId: PIXEL, accessToken: TOKEN });

  // No WORKER_MODE: the default, the worker in the supervising process. debug: each answer logs its pid.
  const server = await startApp(
    "server",
    appEnv({
      DATABASE_URL: database.url,
      META_GRAPH_API_URL: fake.url,
      WEB_CONCURRENCY: "2",
      LOG_LEVEL: "debug",
      DELIVERY_BATCH_SIZE: "7",
    }),
    { readyTimeoutMs: 40_000 },
  );
  cleanups.push(() => server.stop("SIGKILL"));
  expect(server.output()).toContain('"processes":2');
  expect(server.output()).toContain('"worker":"in-process"');
  const httpPids = pidsLogged(server, "HTTP process listening");
  expect(new Set(httpPids).size).toBe(2);
  expect(httpPids).not.toContain(server.child.pid);

  // Each order twice (Shopify redelivers), all at once.
  const orders = Array.from({ length: 40 }, () => nextOrderId());
  const statuses = await Promise.all(orders.flatMap((id) => [postWebhook(server, id, `wh-${id}`), postWebhook(server, id, `wh-${id}`)]));
  expect(statuses.every((s) => s === 200)).toBe(true);
  // Log lines come through a pipe that may be read after the last answer arrived (see below).
  const answeredBy = () => new Set(pidsLogged(server, "answered", (r) => r.path === "/webhooks/orders/paid" && r.status === 200));
  await waitFor(() => answeredBy().size === 2, 10_000, "both HTTP processes answering");
  expect(answeredBy()).toEqual(new Set(httpPids));

  await waitFor(
    async () => (await db.delivery.count({ where: { shop: SHOP, status: "sent" } })) === orders.length,
    30_000,
    "every order sent",
  );
  // Every request the worker started has been answered. A late repeat would still be caught at the end,
  // after the later orders prove the worker kept claiming.
  await fake.idle();
  const sentIds = fake.received().map((e) => e.eventId);
  expect(sentIds).toHaveLength(orders.length);
  expect(new Set(sentIds)).toEqual(new Set(orders.map((id) => `shopify_order_${id}`)));

  // A dead HTTP process is replaced, and the new one serves.
  process.kill(httpPids[0], "SIGKILL");
  const replacement = await waitFor(
    () => pidsLogged(server, "HTTP process listening").find((pid) => !httpPids.includes(pid)),
    20_000,
    "a replacement HTTP process",
  );
  expect(server.output()).toContain("HTTP process exited; starting another");
  const more = Array.from({ length: 10 }, () => nextOrderId());
  expect(await Promise.all(more.map((id) => postWebhook(server, id, `wh-${id}`)))).toEqual(more.map(() => 200));
  // The supervisor hands each new connection to the next free process, so the replacement takes one of the
  // first two. Its "answered" line reaches us through a pipe, which on a loaded machine can be read after its
  // answer arrived over the socket: wait for the line rather than reading the output at once.
  await waitFor(
    () => pidsLogged(server, "answered", (r) => r.path === "/webhooks/orders/paid").includes(replacement),
    10_000,
    "the replacement answering a webhook",
  );
  await waitFor(
    async () => (await db.delivery.count({ where: { shop: SHOP, status: "sent" } })) === orders.length + more.length,
    30_000,
    "the later orders sent",
  );

  expect(await server.stop("SIGTERM")).toBe(0);
  for (const pid of [httpPids[1], replacement]) expect(alive(pid)).toBe(false);
  expect(await db.delivery.count({ where: { status: { in: ["pending", "sending"] } } })).toBe(0);
  expect(
    fake
      .received()
      .map((e) => e.eventId)
      .sort(),
  ).toEqual([...orders, ...more].map((id) => `shopify_order_${id}`).sort());
  expect(server.output()).not.toContain(TOKEN);
}, 120_000);

it("WEB_CONCURRENCY=2 on SQLite is refused with the reason", async () => {
  const database = await createTestDatabase("sqlite");
  cleanups.push(() => database.cleanup());
  const start = startApp("server", appEnv({ DATABASE_URL: database.url, WEB_CONCURRENCY: "2" }));
  await expect(start).rejects.toThrow(/server exited early:\s*WEB_CONCURRENCY=2 needs PostgreSQL\. SQLite takes one writer at a time/);
});
