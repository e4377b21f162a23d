// Realistic paid orders for tests, the demo and the bench, built from a recorded orders/paid body so field
// shapes stay Shopify's.
import { readFileSync } from "node:fs";
import { LosslessNumber, parse, stringify } from "lossless-json";

// lossless-json keeps the 18-digit customer and product IDs exact, as Shopify sent them.
const base = parse(readFileSync(new URL("./orders-paid.json", import.meta.url), "utf8")) as Record<string, unknown>;

/** The orders/paid body as Shopify would send it, as raw JSON text (IDs may be 18-digit numbers). */
export function paidOrderJson(overrides: {
  id: string;
  paidAt?: Date;
  email?: string;
  test?: boolean;
  noteAttributes?: { name: string; value: string }[];
}): string {
  const paidAt = (overrides.paidAt ?? new Date()).toISOString();
  const order = {
    ...base,
    id: new LosslessNumber(overrides.id),
    admin_graphql_api_id: `gid://shopify/Order/${overrides.id}`,
    name: `#${overrides.id.slice(-4)}`,
    processed_at: paidAt,
    created_at: paidAt,
    updated_at: paidAt,
    ...(overrides.email ? { email: overrides.email, contact_email: overrides.email } : {}),
    ...(overrides.test !== undefined ? { test: overrides.test } : {}),
    ...(overrides.noteAttributes ? { note_attributes: overrides.noteAttributes } : {}),
  };
  // A bare JSON number, exactly as Shopify writes it, so precision handling is exercised.
  return stringify(order)!;
}

let counter = 0;
/** A unique 18-digit order ID (beyond Number.MAX_SAFE_INTEGER on purpose). */
export function nextOrderId(): string {
  counter += 1;
  return `8209829119${String(Date.now() % 1e5).padStart(5, "0")}${String(counter).padStart(3, "0")}`;
}
