// Ledger rows in the states the worker leaves them, for admin tests. The payload has the shape the
// webhook path stores (customer data hashed), so the pages read what production would show.
import { createHash } from "node:crypto";
import type { Db } from "~/db.server";
import type { FailureKind, ReasonCode } from "~/lib/delivery-reasons";

const sha = (value: string) => createHash("sha256").update(value).digest("hex");

const ALL_KEYS = [
  "em",
  "ph",
  "fn",
  "ln",
  "ct",
  "st",
  "zp",
  "country",
  "external_id",
  "client_ip_address",
  "client_user_agent",
  "fbp",
  "fbc",
] as const;
export type PayloadKey = (typeof ALL_KEYS)[number];

export function purchasePayload(orderId: string, keys: readonly PayloadKey[] = ALL_KEYS): string {
  const values: Record<PayloadKey, string> = {
    em: sha("john_smith@gmail.com"),
    ph: sha("16505551212"),
    fn: sha("mary"),
    ln: sha("smith"),
    ct: sha("newyork"),
    st: sha("ny"),
    zp: sha("10001"),
    country: sha("us"),
    external_id: sha("191167"),
    client_ip_address: "203.0.113.7",
    client_user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
    fbp: "fb.1.1596403881668.1116446470",
    fbc: "fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk",
  };
  const userData = Object.fromEntries(keys.map((k) => [k, values[k]]));
  return JSON.stringify({
    event_name: "Purchase",
    event_time: Math.floor(Date.now() / 1000),
    event_id: `shopify_order_${orderId}`,
    action_source: "website",
    event_source_url: "https://test-shop.myshopify.com/checkouts/c/abc/thank-you",
    user_data: userData,
    custom_data: {
      value: 59.9,
      currency: "EUR",
      order_id: orderId,
      content_type: "product",
      content_ids: ["1"],
      contents: [],
      num_items: 1,
    },
  });
}

let counter = 0;
export function nextAdminOrderId(): string {
  counter += 1;
  return `55${String(Date.now() % 1e8).padStart(8, "0")}${String(counter).padStart(4, "0")}`;
}

export interface DeliveryFixture {
  shop: string;
  orderId?: string;
  orderName?: string;
  status: "pending" | "sending" | "sent" | "failed" | "skipped";
  attempts?: number;
  reasonCode?: ReasonCode | null;
  reasonDetail?: string | null;
  failureKind?: FailureKind | null;
  errorCode?: number | null;
  errorSubcode?: number | null;
  lastError?: string | null;
  fbtraceId?: string | null;
  eventsReceived?: number | null;
  createdAt?: Date;
  keys?: readonly PayloadKey[];
  payload?: string;
  pixelId?: string;
  value?: string;
  currency?: string;
}

export async function createDelivery(db: Db, f: DeliveryFixture): Promise<{ id: number; orderId: string; eventId: string }> {
  const orderId = f.orderId ?? nextAdminOrderId();
  const createdAt = f.createdAt ?? new Date();
  const eventId = `shopify_order_${orderId}`;
  const row = await db.delivery.create({
    data: {
      shop: f.shop,
      pixelId: f.pixelId ?? "123456789012345",
      eventName: "Purchase",
      eventId,
      orderId,
      orderName: f.orderName ?? `#${orderId.slice(-4)}`,
      value: f.value ?? "59.90",
      currency: f.currency ?? "EUR",
      status: f.status,
      reasonCode: f.reasonCode ?? null,
      reasonDetail: f.reasonDetail ?? null,
      failureKind: f.failureKind ?? null,
      attempts: f.attempts ?? (f.status === "pending" ? 0 : 1),
      nextAttemptAt: createdAt,
      eventTime: createdAt,
      payload: f.payload ?? purchasePayload(orderId, f.keys),
      errorCode: f.errorCode ?? null,
      errorSubcode: f.errorSubcode ?? null,
      lastError: f.lastError ?? null,
      fbtraceId: f.fbtraceId ?? (f.status === "sent" ? "AbCdEfTrace1" : null),
      eventsReceived: f.eventsReceived ?? (f.status === "sent" ? 1 : null),
      sentAt: f.status === "sent" ? createdAt : null,
      createdAt,
    },
    select: { id: true },
  });
  return { id: row.id, orderId, eventId };
}
