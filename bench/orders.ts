// Distinct, correctly signed orders/paid webhooks, fast enough to generate inside the load loop: the
// recorded fixture is serialised once with a placeholder ID, then each request swaps in its own ID and is
// signed, so every request is a different order as Shopify would send it.
import { mapOrderToPurchase } from "~/lib/capi/map-order";
import { paidOrderJson } from "../tests/factories/order";
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

/** The ledger rows the webhook would have written for `count` orders: pending, due now, payload as it is sent. */
export function pendingRows(opts: { shop: string; pixelId: string; count: number; firstId: bigint; now: Date }) {
  const mapped = mapOrderToPurchase(paidOrderJson({ id: PLACEHOLDER, paidAt: opts.now }), { shopDomain: opts.shop, now: opts.now });
  if (!mapped.ok) throw new Error(`The fixture order does not map: ${mapped.reason}`);
  const payload = JSON.stringify(mapped.event);
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
    };
  });
}
