// Shared rig for the fault scenarios: a fresh migrated database, the strict fake Graph API, connected
// shops, the real server and worker processes (tests/helpers/app-process.ts), signed webhooks over real
// HTTP, and a one-line figure per scenario. Not a test file itself.
import fc from "fast-check";
import { afterEach } from "vitest";
import { openDb, type Db } from "~/db.server";
import { connectShop } from "~/services/shop-connection.server";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { startFakeGraphApi, type FakeGraphApi, type FakeGraphApiOptions } from "../../dev/fake-meta/graph-api";
import { TEST_ENCRYPTION_KEY } from "../helpers/app-env";
import { appEnv, startApp, waitFor, type AppProcess } from "../helpers/app-process";
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
    if (!connected.ok) throw new Error(connected.error.join("; "));
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

/**
 * Positive proof that the worker kept claiming: `rounds` orders of `shop`, each posted only once the one
 * before it reached Meta. Every claim that took one of them ran after everything recorded before this
 * call, so a scenario asserting "nothing else was sent" has watched that many cycles rather than a clock.
 * Resolves with their event IDs, to tell them apart from the scenario's own.
 */
export async function deliveredRounds(rig: Rig, baseUrl: string, shop: ShopFixture, rounds: number): Promise<string[]> {
  const eventIds: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const id = nextOrderId();
    const status = await postWebhook(baseUrl, { shop: shop.shop, body: paidOrderJson({ id }) });
    if (status !== 200) throw new Error(`round ${i + 1}: webhook answered ${status}`);
    const eventId = `shopify_order_${id}`;
    await waitFor(
      () => rig.fake.received().some((e) => e.pixelId === shop.pixel && e.eventId === eventId),
      20_000,
      `round ${i + 1} delivered`,
    );
    eventIds.push(eventId);
  }
  return eventIds;
}

/**
 * The seed for a scenario's random choices: fast-check's (FAST_CHECK_SEED, fixed unless set to "random",
 * see tests/setup/fast-check.ts), so a failing order can be replayed. Print it with the figure.
 */
export function scenarioSeed(): number {
  return fc.readConfigureGlobal().seed ?? (Date.now() ^ (Math.random() * 0x100000000)) >>> 0;
}

/** A copy of `items` in a random order drawn from `seed` (Fisher-Yates over mulberry32). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The scenario's one-line figure, printed (never asserted: speeds depend on the machine). */
export function figure(name: string, text: string): void {
  console.log(`[fault] ${name}: ${text}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { killHard };
