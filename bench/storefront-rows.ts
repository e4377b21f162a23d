// What server copies of storefront events cost in storage: average bytes per StorefrontEvent row (table and
// indexes) on SQLite and PostgreSQL, pending (payload held) and sent (payload emptied), for the README's
// "1 million page views a day" figures. Rows are made by the real mapping and the real group-committed insert.
//
//   npx tsx bench/storefront-rows.ts [rows]      (TEST_POSTGRES_URL for the PostgreSQL server)
import { openDb, type Db } from "~/db.server";
import { mapStorefrontEvent } from "~/lib/capi/map-storefront-event";
import { recordStorefrontEvent } from "~/models/storefront-event.server";
import { createScratchDatabase, DEFAULT_POSTGRES_ADMIN_URL, type DatabaseKind } from "../scripts/lib/scratch-db";

const ROWS = Number(process.argv[2] ?? 20_000);
const SHOP = "bench-shop.myshopify.com";
const UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

async function tableBytes(db: Db, kind: DatabaseKind): Promise<number> {
  if (kind === "postgresql") {
    const [row] = await db.$queryRawUnsafe<{ bytes: bigint; heap: bigint; idx: bigint }[]>(
      `SELECT pg_total_relation_size('"StorefrontEvent"') AS bytes, pg_relation_size('"StorefrontEvent"') AS heap, pg_indexes_size('"StorefrontEvent"') AS idx`,
    );
    if (process.env.DEBUG_ROWS) console.log(row);
    return Number(row.bytes);
  }
  const [row] = await db.$queryRawUnsafe<{ bytes: bigint | number }[]>(
    `SELECT sum(pgsize) AS bytes FROM dbstat WHERE name = 'StorefrontEvent' OR name LIKE 'StorefrontEvent_%' OR name LIKE 'sqlite_autoindex_StorefrontEvent%'`,
  );
  return Number(row.bytes);
}

async function measure(kind: DatabaseKind) {
  const database = await createScratchDatabase(kind, {
    adminUrl: process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_ADMIN_URL,
    prefix: kind === "postgresql" ? "capi_bench_rows" : "capi-bench-rows",
    adminUrlHint: "TEST_POSTGRES_URL",
  });
  const db = openDb(database.url);
  try {
    const now = new Date();
    const empty = await tableBytes(db, kind);
    let payloadBytes = 0;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < ROWS; i++) {
      // A storefront's mix: mostly page views, a third product views, a few carts; one shopper in ten signed in.
      const name = i % 20 === 0 ? "AddToCart" : i % 3 === 0 ? "ViewContent" : "PageView";
      const mapped = mapStorefrontEvent(
        {
          event_name: name,
          event_id: `sf_${i.toString(16).padStart(32, "0")}`,
          event_time: Math.floor(now.getTime() / 1000),
          event_source_url: `https://bench-shop.example/products/merino-wool-socks-${i % 500}?variant=4${i % 9000}`,
          fbp: `fb.1.1732800000000.${1_000_000_000 + i}`,
          ...(i % 4 === 0 ? { fbc: `fb.1.1732800000000.IwAR2xYz${i}abcdefghijklmnopqrstuvwxyz` } : {}),
          ...(name === "PageView"
            ? {}
            : { custom_data: { value: 24.5, currency: "USD", content_ids: [`81234567${i % 1000}`], content_type: "product" } }),
        },
        {
          now,
          enabledEvents: ["PageView", "ViewContent", "AddToCart"],
          customEvents: [],
          limitedDataUse: false,
          clientIp: `203.0.${(i >> 8) & 255}.${i & 255}`,
          userAgent: UA,
          loggedInCustomerId: i % 10 === 0 ? String(7_000_000_000_000 + i) : null,
        },
      );
      if (!mapped.ok) throw new Error(`bench event does not map: ${mapped.reason}`);
      const payload = JSON.stringify(mapped.event);
      payloadBytes += payload.length;
      writes.push(
        recordStorefrontEvent(db, {
          shop: SHOP,
          pixelId: "123456789012345",
          eventName: name,
          eventId: mapped.event.event_id,
          eventTime: mapped.eventTime,
          payload,
          customerKey: mapped.customerKey,
        }),
      );
      if (writes.length >= 2000) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    if (kind === "postgresql") await db.$executeRawUnsafe(`VACUUM ANALYZE "StorefrontEvent"`);
    const pending = (await tableBytes(db, kind)) - empty;
    await db.storefrontEvent.updateMany({ where: { shop: SHOP }, data: { status: "sent", payload: "" } });
    if (kind === "postgresql") await db.$executeRawUnsafe(`VACUUM FULL "StorefrontEvent"`);
    else await db.$executeRawUnsafe(`VACUUM`);
    const sent = (await tableBytes(db, kind)) - empty;
    return {
      kind,
      rows: ROWS,
      payloadAvg: Math.round(payloadBytes / ROWS),
      pendingPerRow: Math.round(pending / ROWS),
      sentPerRow: Math.round(sent / ROWS),
    };
  } finally {
    await db.$disconnect();
    await database.cleanup();
  }
}

for (const kind of ["sqlite", "postgresql"] as const) {
  const r = await measure(kind);
  console.log(
    `${r.kind}: ${r.rows} rows; payload ${r.payloadAvg} B on average; table + indexes ${r.pendingPerRow} B a row pending, ${r.sentPerRow} B a row once sent (payload emptied, compacted)`,
  );
}
