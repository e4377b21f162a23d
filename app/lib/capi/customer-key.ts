// The key a ledger row is filed under for privacy requests: the Shopify customer ID hashed exactly as the
// Purchase's external_id is (normalizeExternalId, then SHA-256), so the ledger holds no new identifier and a
// customers/redact or customers/data_request payload (customer.id) finds the same rows.
import { hashUserField, normalizeExternalId } from "./normalize";

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d+)$/;

/** Null when the value is not a Shopify customer ID (digits, a Customer GID, a bigint or a safe integer). */
export function customerKeyOf(customerId: unknown): string | null {
  let raw: string | undefined;
  if (typeof customerId === "string" || typeof customerId === "bigint") raw = normalizeExternalId(customerId);
  else if (typeof customerId === "number") raw = normalizeExternalId(customerId);
  if (raw === undefined) return null;
  const digits = /^\d+$/.test(raw) ? raw : CUSTOMER_GID.exec(raw)?.[1];
  return digits ? (hashUserField(digits) ?? null) : null;
}

/** The key of the customer on an order payload as parsed by `parseOrderJson`; null for a guest. */
export function customerKeyOfOrder(order: unknown): string | null {
  if (typeof order !== "object" || order === null) return null;
  const customer = (order as { customer?: unknown }).customer;
  if (typeof customer !== "object" || customer === null) return null;
  return customerKeyOf((customer as { id?: unknown }).id);
}
