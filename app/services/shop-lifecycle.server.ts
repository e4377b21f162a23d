// What the app does when a shop leaves or a privacy request arrives. Shopify delivers every one of
// these at least once and possibly after the data is already gone, so each function is idempotent:
// running it twice leaves the same state as running it once.
import { parse, stringify } from "lossless-json";
import type { Db } from "~/db.server";
import { orderIdDigits } from "~/lib/event-id";

export const CUSTOMER_REDACTED_REASON = "Customer data redacted";

/**
 * Signs the shop out and clears its Meta credentials, so the worker sends nothing more for it.
 * Deliveries stay as the record of what was sent; shop/redact, sent 48 hours later, erases them.
 */
export async function handleAppUninstalled(db: Db, shop: string): Promise<void> {
  await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    db.shopSettings.updateMany({
      where: { shop },
      data: {
        connectionState: "disconnected",
        accessTokenSealed: null,
        accessTokenHint: null,
        connectionError: "App uninstalled",
      },
    }),
  ]);
}

/** Keeps the stored session's scope in step with what the merchant granted. */
export async function handleScopesUpdate(
  db: Db,
  shop: string,
  sessionId: string | undefined,
  currentScopes: string[],
): Promise<void> {
  // No session: the shop uninstalled, or the delivery came from `shopify app webhook trigger`.
  if (!sessionId) return;
  await db.session.updateMany({ where: { id: sessionId, shop }, data: { scope: currentScopes.toString() } });
}

/** Erases everything the app holds for the shop (sent 48 hours after uninstall). */
export async function redactShop(
  db: Db,
  shop: string,
): Promise<{ settings: number; deliveries: number; sessions: number }> {
  const [settings, deliveries, sessions] = await db.$transaction([
    db.shopSettings.deleteMany({ where: { shop } }),
    db.delivery.deleteMany({ where: { shop } }),
    db.session.deleteMany({ where: { shop } }),
  ]);
  return { settings: settings.count, deliveries: deliveries.count, sessions: sessions.count };
}

/**
 * Empties `user_data` (hashed identifiers, IP, user agent, fbp/fbc) in every delivery of the listed
 * orders, and stops unsent ones from being sent. Rows already sent keep their status: Meta has them,
 * and the ledger should still say so.
 */
export async function redactCustomer(db: Db, shop: string, orderIds: string[]): Promise<{ redacted: number }> {
  const ids = matchableOrderIds(orderIds);
  if (ids.length === 0) return { redacted: 0 };

  return db.$transaction(async (tx) => {
    const rows = await tx.delivery.findMany({
      where: { shop, orderId: { in: ids } },
      select: { id: true, status: true, payload: true },
    });
    for (const row of rows) {
      const unsent = row.status === "pending" || row.status === "failed";
      await tx.delivery.updateMany({
        where: { id: row.id, shop },
        data: {
          payload: withoutUserData(row.payload),
          ...(unsent ? { status: "skipped", statusReason: CUSTOMER_REDACTED_REASON } : {}),
        },
      });
    }
    return { redacted: rows.length };
  });
}

export interface CustomerDataReportRow {
  orderId: string | null;
  eventName: string;
  eventId: string;
  status: string;
  createdAt: Date;
}

/** What the app holds about the listed orders, for the merchant to pass on when a customer asks. */
export async function customerDataReport(db: Db, shop: string, orderIds: string[]): Promise<CustomerDataReportRow[]> {
  const ids = matchableOrderIds(orderIds);
  if (ids.length === 0) return [];
  return db.delivery.findMany({
    where: { shop, orderId: { in: ids } },
    select: { orderId: true, eventName: true, eventId: true, status: true, createdAt: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
}

// Privacy payloads carry numeric order IDs; the ledger stores canonical digits. Both forms are matched so
// a differently written ID (GID, leading zeros) still finds its rows.
function matchableOrderIds(orderIds: string[]): string[] {
  const ids = new Set<string>();
  for (const raw of orderIds) {
    const trimmed = raw.trim();
    if (trimmed) ids.add(trimmed);
    try {
      ids.add(orderIdDigits(trimmed));
    } catch {
      // Not an order ID: nothing of ours can match it.
    }
  }
  return [...ids];
}

// lossless-json keeps every number exactly as stored (values, 18-digit IDs) while user_data goes.
function withoutUserData(payload: string): string {
  try {
    const event = parse(payload);
    if (event !== null && typeof event === "object" && !Array.isArray(event)) {
      const redacted = stringify({ ...event, user_data: {} });
      if (redacted !== undefined) return redacted;
    }
  } catch {
    // Unreadable payload: nothing in it can be kept safely.
  }
  return JSON.stringify({ user_data: {} });
}
