// Shared rig for the fault scenarios: a fresh migrated database, the strict fake Graph API, connected
// shops, the real server and worker processes (tests/helpers/app-process.ts), signed webhooks over real
// HTTP, and a one-line figure per scenario. Not a test file itself.
import { afterEach } from "vitest";
import { openDb, type Db } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { startFakeGraphApi, type FakeGraphApi, type FakeGraphApiOptions } from "../fake-graph-api/server";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { appEnv, startApp, type AppProcess } from "../helpers/app-process";
import { killHard, startDirectProcess } from "../helpers/process-tree";
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from "../helpers/test-db";
import { signedWebhookRequest } from "../helpers/webhook-request";

export interface ShopFixture {
  shop: string;
  pixel: string;
  token: string;
}

export const SHOP_A: ShopFixture = { shop: "bright-socks.myshopify.com", pixel: "123456789012345", token: "EAAB" + "a".repeat(60) };
export const SHOP_B: ShopFixture = { shop: "calm-hats.myshopify.com", pixel: "543210987654321", token: "EAAB" + "b".repeat(60) };

/** Registers the file's cleanup hook; returns the list to push cleanups on (run newest first). */
export function trackCleanups(): (() => Promise<unknown>)[] {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  return cleanups;
}

export interface Rig {
  kind: TestDatabaseKind;
  database: TestDatabase;
  db: Db;
  fake: FakeGraphApi;
  shops: ShopFixture[];
  /** The app's environment for this rig, with `overrides`. */
  env(overrides?: Record<string, string>): Record<string, string>;
  start(entry: "server" | "worker", overrides?: Record<string, string>): Promise<AppProcess>;
  /** The same entry as one node process (`node --import tsx`), without the tsx launcher in front. */
  startDirect(entry: "server" | "worker", overrides?: Record<string, string>): Promise<AppProcess>;
}

export async function createRig(
  cleanups: (() => Promise<unknown>)[],
  opts: { kind?: TestDatabaseKind; shops?: ShopFixture[]; fake?: FakeGraphApiOptions } = {},
): Promise<Rig> {
  const kind = opts.kind ?? "sqlite";
  const shops = opts.shops ?? [SHOP_A];
  const database = await createTestDatabase(kind);
  cleanups.push(() => database.cleanup());
  const fake = await startFakeGraphApi({ tokens: Object.fromEntries(shops.map((s) => [s.pixel, s.token])), ...opts.fake });
  cleanups.push(() => fake.close());
  const db = openDb(database.url);
  cleanups.push(() => db.$disconnect());
  for (const s of shops) {
    const connected = await connectShop(db, TEST_ENCRYPTION_KEY, { shop: s.shop, pixelId: s.pixel, accessToken: s.token });
    if (!connected.ok) throw new Error(connected.errors.join("; "));
  }
  const env = (overrides: Record<string, string> = {}) =>
    appEnv({ DATABASE_URL: database.url, META_GRAPH_API_URL: fake.url, ...overrides });
  return {
    kind,
    database,
    db,
    fake,
    shops,
    env,
    async start(entry, overrides = {}) {
      const app = await startApp(entry, env(overrides));
      cleanups.push(() => killHard(app));
      return app;
    },
    async startDirect(entry, overrides = {}) {
      const app = await startDirectProcess(entry, env(overrides));
      cleanups.push(() => killHard(app));
      return app;
    },
  };
}

/**
 * Holds (or releases) the shop's events, as a broken Meta connection does: webhooks are still recorded,
 * the worker claims nothing of the shop. Lets a scenario queue a known backlog before delivery starts,
 * whatever the machine's speed.
 */
export async function holdDeliveries(rig: Rig, shop: string, hold: boolean): Promise<void> {
  await rig.db.shopSettings.update({ where: { shop }, data: { connectionState: hold ? "broken" : "connected" } });
}

/** POSTs a signed webhook over real HTTP; the status, or "error" when the connection failed. */
export async function postWebhook(
  baseUrl: string,
  input: { topic?: string; shop: string; body: string; webhookId?: string; secret?: string },
): Promise<number | "error"> {
  const topic = input.topic ?? "orders/paid";
  const signed = signedWebhookRequest({ topic, shop: input.shop, body: input.body, webhookId: input.webhookId, secret: input.secret });
  try {
    const response = await fetch(`${baseUrl}/webhooks/${topic}`, { method: "POST", headers: signed.headers, body: input.body });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return "error";
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time; results in input order. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  });
  await Promise.all(workers);
  return results;
}

export async function statusCounts(db: Db, shop?: string): Promise<Record<string, number>> {
  const rows = await db.delivery.groupBy({ by: ["status"], where: shop ? { shop } : {}, _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
}

/** How many events Meta received more than once (per pixel and event ID), and the worst repeat. */
export function duplicatesAt(fake: FakeGraphApi): { duplicates: number; ids: Map<string, number> } {
  const ids = new Map<string, number>();
  for (const e of fake.received()) {
    const key = `${e.pixelId}/${e.eventId}`;
    ids.set(key, (ids.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const count of ids.values()) duplicates += count - 1;
  return { duplicates, ids };
}

/** The scenario's one-line figure, printed (never asserted: speeds depend on the machine). */
export function figure(name: string, text: string): void {
  console.log(`[fault] ${name}: ${text}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { killHard };
