// The raw browser signals in a stored payload. Every other customer key is a SHA-256 hash before it is
// stored; these four cannot be (Meta wants them as they are), and Meta needs them only at the moment the
// event is sent. Once a row can no longer be sent (sent, skipped, redacted, uninstalled) their values are
// replaced by a placeholder. The key stays, so the admin can still say which match keys the event carried.
import { parse, stringify } from "lossless-json";

export const RAW_IDENTIFIER_KEYS = ["client_ip_address", "client_user_agent", "fbp", "fbc"] as const;

/** What a raw identifier's value becomes once its row can no longer be sent. */
export const REMOVED_VALUE = "[removed]";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The payload with each raw identifier's value replaced by the placeholder. Everything else is kept byte
 * for byte in meaning (lossless-json: 18-digit IDs and values such as 12.50 are not re-rounded). A payload
 * that is not a JSON object is returned unchanged: it could never have been sent.
 */
export function scrubRawIdentifiers(payload: string): string {
  let event: unknown;
  let lossless = false;
  try {
    event = JSON.parse(payload);
    // The worker scrubs every row it sends, and lossless-json costs several times the native parser. A
    // payload that JSON's own round trip leaves byte for byte as it was holds no number JSON would
    // re-round, so the native result is the lossless one; anything else takes the lossless path.
    if (JSON.stringify(event) !== payload) {
      event = parse(payload);
      lossless = true;
    }
  } catch {
    return payload;
  }
  if (!isRecord(event) || !isRecord(event.user_data)) return payload;
  const userData = event.user_data;
  if (!RAW_IDENTIFIER_KEYS.some((key) => key in userData && userData[key] !== REMOVED_VALUE)) return payload;
  const scrubbed: Record<string, unknown> = { ...userData };
  for (const key of RAW_IDENTIFIER_KEYS) if (key in scrubbed) scrubbed[key] = REMOVED_VALUE;
  const result = { ...event, user_data: scrubbed };
  return (lossless ? stringify(result) : JSON.stringify(result)) ?? payload;
}

/** True when the payload still holds a raw identifier's real value. */
export function hasRawIdentifiers(payload: string): boolean {
  return scrubRawIdentifiers(payload) !== payload;
}

/**
 * A guard for the send path: a scrubbed row should never be sent again, but if one ever is, the
 * placeholder must not reach Meta as if it were an IP address or a user agent.
 */
export function dropRemovedValues<T>(event: T): T {
  if (!isRecord(event) || !isRecord(event.user_data)) return event;
  const userData = event.user_data;
  if (!RAW_IDENTIFIER_KEYS.some((key) => userData[key] === REMOVED_VALUE)) return event;
  const kept = Object.fromEntries(Object.entries(userData).filter(([, value]) => value !== REMOVED_VALUE));
  return { ...event, user_data: kept };
}
