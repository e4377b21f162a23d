// The one rule for the Purchase event ID. The web pixel (browser) and the orders/paid webhook (server) both
// import this module, so Meta can deduplicate the two copies of a purchase by (event_name, event_id).
// It also runs inside Shopify's strict web pixel sandbox: no imports, no Node APIs.

export type OrderIdInput = string | number | bigint;

// Only order surfaces: a checkout or customer GID would yield digits that silently never deduplicate.
const ORDER_GID = /^gid:\/\/shopify\/(?:Order|OrderIdentity)\/(\d+)(?:[?#].*)?$/;

/** The decimal digits of a Shopify order ID given as digits, an Order/OrderIdentity GID, a bigint or a safe integer. */
export function orderIdDigits(orderId: OrderIdInput): string {
  let digits: string | undefined;
  if (typeof orderId === "bigint") {
    digits = orderId >= 0n ? orderId.toString() : undefined;
  } else if (typeof orderId === "number") {
    // An 18-digit ID parsed by JSON.parse is already rounded; refusing it beats keying dedup on the wrong order.
    if (!Number.isSafeInteger(orderId)) {
      throw new Error(`Order ID ${String(orderId)} is not a safe integer; pass it as a string or bigint to keep every digit`);
    }
    digits = orderId >= 0 ? String(orderId) : undefined;
  } else if (typeof orderId === "string") {
    const trimmed = orderId.trim();
    digits = /^\d+$/.test(trimmed) ? trimmed : ORDER_GID.exec(trimmed)?.[1];
  }
  // Leading zeros are dropped so "0123", 123 and 123n give the same event ID.
  const canonical = digits?.replace(/^0+/, "");
  if (!canonical) {
    const shown =
      typeof orderId === "string"
        ? JSON.stringify(orderId)
        : typeof orderId === "number" || typeof orderId === "bigint"
          ? String(orderId)
          : typeof orderId;
    throw new Error(`Not a Shopify order ID: ${shown}`);
  }
  return canonical;
}

/** `shopify_order_<digits>`: the Purchase event ID of this order, identical in the browser and on the server. */
export function purchaseEventId(orderId: OrderIdInput): string {
  return `shopify_order_${orderIdDigits(orderId)}`;
}
