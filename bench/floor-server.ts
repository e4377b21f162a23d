// The floor: the least any server must do for the app's two ingest paths, with no framework, so the
// benchmark can print how far the app is from it in the same run on the same machine. Not the app.
//
//   POST /webhooks/orders/paid  Shopify HMAC (timingSafeEqual), JSON.parse, one insert-or-ignore of a ledger
//                               row (the same table and row shape, the pixel read from the shop's settings in
//                               the same statement)
//   POST /proxy/events?…        the app proxy's query signature (timingSafeEqual), JSON.parse, one insert-or-ignore
//                               of a browser-event row per event in the body
//
// It skips what the app adds on purpose (Meta's mapping and hashing, validation, privacy fields, logging), so
// the gap between the two is the price of the app's work plus its framework. SQLite through better-sqlite3
// with the app's settings (WAL, 10 s busy timeout); PostgreSQL through pg with the pool size the app's
// adapter gets by default (10 per process).
//
//   PORT=… DATABASE_URL=… SHOPIFY_API_SECRET=… [FLOOR_PROCESSES=2] npx tsx bench/floor-server.ts
import cluster from "node:cluster";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import Database from "better-sqlite3";
import pg from "pg";

const port = Number(process.env.PORT ?? 3200);
const databaseUrl = process.env.DATABASE_URL ?? "";
const secret = process.env.SHOPIFY_API_SECRET ?? "";
const processes = Math.max(1, Number(process.env.FLOOR_PROCESSES ?? 1));
if (!databaseUrl || !secret) {
  console.error("DATABASE_URL and SHOPIFY_API_SECRET are required");
  process.exit(1);
}

// The same caps as the app, so neither buffers more than the other.
const MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;
// The app proxy's cap (app/services/storefront-events.server.ts: 20 events of at most 4 KB).
const MAX_BEACON_BYTES = 20 * 4096 + 1024;

if (cluster.isPrimary && processes > 1) {
  let listening = 0;
  for (let i = 0; i < processes; i++) cluster.fork();
  cluster.on("listening", () => {
    if (++listening === processes) console.log(`floor server listening on ${port} (${processes} processes)`);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
      setTimeout(() => process.exit(0), 500).unref();
    });
  }
} else {
  serve();
}

interface Store {
  insertDelivery(row: DeliveryRow): Promise<void>;
  insertBrowserEvent(row: { shop: string; eventName: string; eventId: string; source: string }): Promise<void>;
  close(): Promise<void>;
}

interface DeliveryRow {
  shop: string;
  eventId: string;
  orderId: string;
  orderName: string | null;
  value: string | null;
  currency: string | null;
  eventTime: string;
  payload: string;
  webhookId: string | null;
  now: string;
}

function openStore(): Store {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return postgresStore();
  return sqliteStore();
}

function sqliteStore(): Store {
  const db = new Database(databaseUrl.replace(/^file:/, ""), { timeout: 10_000 });
  db.pragma("journal_mode = WAL");
  const delivery = db.prepare(
    `INSERT INTO "Delivery" ("shop","pixelId","eventName","eventId","orderId","orderName","value","currency","status","nextAttemptAt","eventTime","payload","webhookId","createdAt","updatedAt")
     VALUES (@shop, COALESCE((SELECT "pixelId" FROM "ShopSettings" WHERE "shop" = @shop), ''), 'Purchase', @eventId, @orderId, @orderName, @value, @currency, 'pending', @now, @eventTime, @payload, @webhookId, @now, @now)
     ON CONFLICT ("shop","pixelId","eventName","eventId") DO NOTHING`,
  );
  const browser = db.prepare(
    `INSERT INTO "BrowserEvent" ("shop","eventName","eventId","source","seenAt")
     SELECT @shop, @eventName, @eventId, @source, @now WHERE EXISTS (SELECT 1 FROM "ShopSettings" WHERE "shop" = @shop)
     ON CONFLICT ("shop","eventName","eventId") DO NOTHING`,
  );
  return {
    async insertDelivery(row) {
      delivery.run(row);
    },
    async insertBrowserEvent(row) {
      browser.run({ ...row, now: new Date().toISOString() });
    },
    async close() {
      db.close();
    },
  };
}

function postgresStore(): Store {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  return {
    async insertDelivery(r) {
      await pool.query({
        name: "floor-delivery",
        text: `INSERT INTO "Delivery" ("shop","pixelId","eventName","eventId","orderId","orderName","value","currency","status","nextAttemptAt","eventTime","payload","webhookId","createdAt","updatedAt")
               VALUES ($1, COALESCE((SELECT "pixelId" FROM "ShopSettings" WHERE "shop" = $1), ''), 'Purchase', $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $7, $7)
               ON CONFLICT ("shop","pixelId","eventName","eventId") DO NOTHING`,
        values: [r.shop, r.eventId, r.orderId, r.orderName, r.value, r.currency, r.now, r.eventTime, r.payload, r.webhookId],
      });
    },
    async insertBrowserEvent(r) {
      await pool.query({
        name: "floor-browser-event",
        text: `INSERT INTO "BrowserEvent" ("shop","eventName","eventId","source","seenAt")
               SELECT $1, $2, $3, $4, now() WHERE EXISTS (SELECT 1 FROM "ShopSettings" WHERE "shop" = $1)
               ON CONFLICT ("shop","eventName","eventId") DO NOTHING`,
        values: [r.shop, r.eventName, r.eventId, r.source],
      });
    },
    close: () => pool.end(),
  };
}

function serve(): void {
  const store = openStore();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://floor.invalid");
    const proxy = url.pathname === "/proxy/events";
    if (req.method !== "POST" || (url.pathname !== "/webhooks/orders/paid" && !proxy)) return answer(res, 404);
    const limit = proxy ? MAX_BEACON_BYTES : MAX_WEBHOOK_BYTES;
    readBody(req, limit).then(
      (raw) => (raw === null ? answer(res, 413) : proxy ? beacon(url.searchParams, raw, res) : webhook(req, raw, res)),
      () => answer(res, 400),
    );
  });

  async function webhook(req: IncomingMessage, raw: Buffer, res: ServerResponse) {
    const expected = createHmac("sha256", secret).update(raw).digest();
    const given = Buffer.from(String(req.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(res, 401);
    const text = raw.toString("utf8");
    let order: Record<string, unknown>;
    try {
      order = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return answer(res, 400);
    }
    // Shopify's order IDs pass Number.MAX_SAFE_INTEGER, so JSON.parse rounds them; the key is read from
    // the text instead (the order's own `id` is the body's first key, as Shopify writes it).
    const orderId = /^\s*\{\s*"id"\s*:\s*(\d+)/.exec(text)?.[1];
    if (!orderId) return answer(res, 400);
    const now = new Date().toISOString();
    const eventId = `shopify_order_${orderId}`;
    const clientDetails = (order.client_details ?? {}) as Record<string, unknown>;
    // An unhashed stand-in for the event the app stores, of about its size.
    const payload = JSON.stringify({
      event_name: "Purchase",
      event_time: Math.floor(Date.parse(String(order.processed_at ?? now)) / 1000),
      event_id: eventId,
      action_source: "website",
      user_data: {
        client_ip_address: order.browser_ip ?? null,
        client_user_agent: clientDetails.user_agent ?? null,
        em: order.email ?? null,
      },
      custom_data: { currency: order.currency ?? null, value: order.total_price ?? null, order_id: orderId },
    });
    try {
      await store.insertDelivery({
        shop: String(req.headers["x-shopify-shop-domain"] ?? ""),
        eventId,
        orderId,
        orderName: typeof order.name === "string" ? order.name : null,
        value: typeof order.total_price === "string" ? order.total_price : null,
        currency: typeof order.currency === "string" ? order.currency : null,
        eventTime: new Date(String(order.processed_at ?? now)).toISOString(),
        payload,
        webhookId: req.headers["x-shopify-webhook-id"] ? String(req.headers["x-shopify-webhook-id"]) : null,
        now,
      });
      answer(res, 200);
    } catch {
      answer(res, 503);
    }
  }

  async function beacon(query: URLSearchParams, raw: Buffer, res: ServerResponse) {
    const message = [...query.entries()]
      .filter(([key]) => key !== "signature")
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join("");
    const expected = createHmac("sha256", secret).update(message).digest();
    const given = Buffer.from(query.get("signature") ?? "", "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(res, 401);
    const shop = query.get("shop") ?? "";
    let events: unknown;
    try {
      events = (JSON.parse(raw.toString("utf8")) as { events?: unknown }).events;
    } catch {
      return answer(res, 400);
    }
    if (!Array.isArray(events) || events.length === 0 || events.length > 20) return answer(res, 400);
    try {
      for (const event of events as { event_name?: unknown; event_id?: unknown }[]) {
        if (typeof event?.event_name !== "string" || typeof event.event_id !== "string") continue;
        await store.insertBrowserEvent({ shop, eventName: event.event_name, eventId: event.event_id, source: "proxy" });
      }
      answer(res, 202);
    } catch {
      answer(res, 503);
    }
  }

  server.listen(port, "127.0.0.1", () => {
    if (cluster.isPrimary) console.log(`floor server listening on ${port}`);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      server.close(() => void store.close().finally(() => process.exit(0)));
      server.closeIdleConnections();
    });
  }
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status, { "content-length": "0" }).end();
}

/** The body, or null past `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
