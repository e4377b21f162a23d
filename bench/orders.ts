// Distinct, correctly signed orders/paid webhooks, fast enough to generate inside the load loop: the
// recorded fixture is serialised once with a placeholder ID, then each request swaps in its own ID and is
// signed, so every request is a different order as Shopify would send it.
import { providerOf, type Db } from "~/db.server";
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { separateRawIdentifiers } from "~/lib/capi/scrub";
import { signProxyUrl } from "../dev/fake-shopify/app-proxy";
import { paidOrderJson } from "../dev/fake-shopify/orders";
import { shopifyWebhookHeaders } from "../scripts/lib/shopify-webhook";

const PLACEHOLDER = "777777777777777777";

export function orderSource(opts: { shop: string; secret: string; firstId?: bigint }) {
  const template = paidOrderJson({ id: PLACEHOLDER });
  // 18 digits, like Shopify's, and past Number.MAX_SAFE_INTEGER so the lossless path is what gets measured.
  let next = opts.firstId ?? 820982911946154508n;
  return {
    next(): { id: string; body: string; headers: Record<string, string> } {
      const id = String(next++);
      const body = template.replaceAll(PLACEHOLDER, id);
      const headers = shopifyWebhookHeaders({ topic: "orders/paid", shop: opts.shop, body, secret: opts.secret, webhookId: `bench-${id}` });
      return { id, body, headers };
    },
  };
}

/**
 * Writes `rows` 500 at a time, then has PostgreSQL gather the table's statistics, as autovacuum would have
 * on a ledger in use: a table filled a moment ago has none, and the planner then picks plans for an
 * empty table that no running shop would see (the claim reading every due row, say).
 */
export async function insertPendingRows(db: Db, rows: ReturnType<typeof pendingRows>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.delivery.createMany({ data: rows.slice(i, i + 500) });
  if (providerOf(db) === "postgresql") await db.$executeRawUnsafe('ANALYZE "Delivery"');
}

/** The ledger rows the webhook would have written for `count` orders: pending, due now, payload as it is stored. */
export function pendingRows(opts: { shop: string; pixelId: string; count: number; firstId: bigint; now: Date }) {
  const mapped = mapOrderToPurchase(paidOrderJson({ id: PLACEHOLDER, paidAt: opts.now }), { shopDomain: opts.shop, now: opts.now });
  if (!mapped.ok) throw new Error(`The fixture order does not map: ${mapped.reason}`);
  const { payload, rawIdentifiers } = separateRawIdentifiers(mapped.event);
  return Array.from({ length: opts.count }, (_, i) => {
    const id = String(opts.firstId + BigInt(i));
    return {
      shop: opts.shop,
      pixelId: opts.pixelId,
      eventName: "Purchase",
      eventId: `shopify_order_${id}`,
      orderId: id,
      orderName: mapped.orderName,
      value: mapped.value,
      currency: mapped.currency,
      status: "pending",
      eventTime: mapped.eventTime,
      nextAttemptAt: opts.now,
      payload: payload.replaceAll(PLACEHOLDER, id),
      rawIdentifiers,
    };
  });
}

/**
 * Storefront events as the theme embed sends them through Shopify's app proxy: a page's batch (PageView
 * and ViewContent, fresh `sf_` IDs) posted by sendBeacon (text/plain), with the query Shopify signs and
 * the shopper's address in X-Forwarded-For, spread over many shoppers as a real storefront's are.
 */
export function beaconSource(opts: { shop: string; secret: string; first?: number }) {
  let next = opts.first ?? 1;
  const id = () => `sf_${(next++).toString(16).padStart(32, "0")}`;
  return {
    next(): { body: string; headers: Record<string, string>; query: string } {
      const time = Math.floor(Date.now() / 1000);
      const event = (name: string) => ({
        event_name: name,
        event_id: id(),
        event_time: time,
        event_source_url: `https://${opts.shop}/products/wool-socks`,
        fbp: "fb.1.1732800000000.1234567890",
        ...(name === "ViewContent"
          ? { custom_data: { value: 24.5, currency: "USD", content_ids: ["8123456789"], content_type: "product" } }
          : {}),
      });
      const body = JSON.stringify({ events: [event("PageView"), event("ViewContent")] });
      const signed = new URL(signProxyUrl("http://app.invalid/proxy/events", { shop: opts.shop, secret: opts.secret, timestamp: time }));
      const headers = {
        "Content-Type": "text/plain;charset=UTF-8",
        "User-Agent": "Mozilla/5.0 (bench)",
        "X-Forwarded-For": `10.${(next >> 16) & 255}.${(next >> 8) & 255}.${next & 255}`,
      };
      return { body, headers, query: signed.search };
    },
  };
}
