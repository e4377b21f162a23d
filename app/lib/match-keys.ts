// Which customer-information keys an event carried to Meta, read from the payload as it was sent.
// Meta's Event Match Quality grows with these (meta-capi-reference.md §8); counting them locally is an
// estimate a merchant can see per order and per period, without waiting for Events Manager.
import { parseJsonOr } from "~/lib/result";

export const MATCH_KEYS = [
  { key: "em", label: "Email", missing: "The order had no email address." },
  { key: "ph", label: "Phone", missing: "No phone number on the order or its addresses." },
  { key: "fn", label: "First name", missing: "No first name on the order." },
  { key: "ln", label: "Last name", missing: "No last name on the order." },
  { key: "ct", label: "City", missing: "No city in the billing or shipping address." },
  { key: "st", label: "State / region", missing: "No state or region in the address." },
  { key: "zp", label: "Postal code", missing: "No postal code in the address." },
  { key: "country", label: "Country", missing: "No country in the address." },
  { key: "external_id", label: "Customer ID", missing: "Guest checkout: no Shopify customer ID." },
  { key: "client_ip_address", label: "IP address", missing: "Shopify did not report the shopper's IP address." },
  { key: "client_user_agent", label: "Browser (user agent)", missing: "Shopify did not report the shopper's browser." },
  {
    key: "fbp",
    label: "Browser ID (fbp)",
    missing: "No _fbp cookie reached the order: the app embed was off, or the shopper declined tracking.",
  },
  {
    key: "fbc",
    label: "Ad click ID (fbc)",
    missing: "No Meta ad click was captured: the shopper did not arrive from a Meta ad (or declined tracking).",
  },
] as const;

export type MatchKey = (typeof MATCH_KEYS)[number]["key"];

export interface MatchKeyPresence {
  key: MatchKey;
  label: string;
  present: boolean;
  /** Why it is missing, when it is. */
  hint: string | null;
}

function userDataOf(payload: string | null | undefined): Record<string, unknown> | null {
  if (!payload) return null;
  const parsed = parseJsonOr(payload, null);
  if (typeof parsed !== "object" || parsed === null) return null;
  const userData = (parsed as { user_data?: unknown }).user_data;
  return typeof userData === "object" && userData !== null && !Array.isArray(userData) ? (userData as Record<string, unknown>) : null;
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  return !(Array.isArray(value) && value.every((v) => v === "" || v === null));
}

/** Null when the payload has no user_data at all (never prepared, or redacted). */
export function matchKeysOf(payload: string | null | undefined): MatchKeyPresence[] | null {
  const userData = userDataOf(payload);
  if (!userData) return null;
  return MATCH_KEYS.map(({ key, label, missing }) => {
    const present = isPresent(userData[key]);
    return { key, label, present, hint: present ? null : missing };
  });
}

export interface MatchKeyShare {
  key: MatchKey;
  label: string;
  /** 0..1 of the payloads that carried the key. */
  share: number;
  count: number;
}

/** The share of payloads carrying each key; payloads without user_data are left out of the sample. */
export function matchKeyShares(payloads: readonly string[]): { sample: number; shares: MatchKeyShare[] } {
  const counts = new Map<MatchKey, number>(MATCH_KEYS.map(({ key }) => [key, 0]));
  let sample = 0;
  for (const payload of payloads) {
    const keys = matchKeysOf(payload);
    if (!keys) continue;
    sample++;
    for (const k of keys) if (k.present) counts.set(k.key, (counts.get(k.key) ?? 0) + 1);
  }
  return {
    sample,
    shares: MATCH_KEYS.map(({ key, label }) => {
      const count = counts.get(key) ?? 0;
      return { key, label, count, share: sample === 0 ? 0 : count / sample };
    }),
  };
}
