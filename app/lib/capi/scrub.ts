// The raw browser signals of a server event. Every other customer key is a SHA-256 hash before it is
// stored; these four cannot be (Meta wants them as they are), and Meta needs them only at the moment the
// event is sent. A ledger row stores its payload with a placeholder in place of each value and the values
// apart (Delivery.rawIdentifiers), so that once the row can no longer be sent (sent, skipped, redacted,
// uninstalled) forgetting them is setting one column to NULL: no payload is parsed, rewritten or written
// back. The key stays in the payload, so the admin can still say which match keys the event carried.
// Rows stored before that column held the values inline; scrubRawIdentifiers replaces them there.
import { parse, stringify } from "lossless-json";
import { parseJsonOr } from "~/lib/result";

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
  // Our payloads are JSON.stringify's text, which writes every key as it is: a key not in the text is not
  // in the payload, and most payloads a worker sends now hold none (their values are held apart).
  if (!RAW_IDENTIFIER_KEYS.some((key) => payload.includes(`"${key}"`))) return payload;
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

/** The placeholder as it stands in a payload's text, as the value of `key`. */
function placeholderText(key: string): string {
  return `"${key}":${JSON.stringify(REMOVED_VALUE)}`;
}

function isRawKey(key: string): key is (typeof RAW_IDENTIFIER_KEYS)[number] {
  return (RAW_IDENTIFIER_KEYS as readonly string[]).includes(key);
}

/**
 * The stored form of an event: its payload with a placeholder for each raw identifier, and their values
 * as a JSON object (null when it carries none). Each placeholder must occur exactly once in the text, so
 * the send can put its value back without parsing; an event where one would not (it cannot happen with
 * the mappers' events) is stored in the older, inline form, which is scrubbed as its row changes status.
 */
export function separateRawIdentifiers(event: unknown): { payload: string; rawIdentifiers: string | null } {
  const inline = () => ({ payload: JSON.stringify(event), rawIdentifiers: null });
  if (!isRecord(event) || !isRecord(event.user_data)) return inline();
  const userData = event.user_data;
  const held: Record<string, string> = {};
  for (const key of RAW_IDENTIFIER_KEYS) {
    const value = userData[key];
    if (typeof value === "string" && value !== REMOVED_VALUE) held[key] = value;
    else if (value !== undefined) return inline();
  }
  const keys = Object.keys(held);
  if (keys.length === 0) return inline();
  const placeheld: Record<string, unknown> = { ...userData };
  for (const key of keys) placeheld[key] = REMOVED_VALUE;
  const payload = JSON.stringify({ ...event, user_data: placeheld });
  if (!keys.every((key) => occurrences(payload, placeholderText(key)) === 1)) return inline();
  return { payload, rawIdentifiers: JSON.stringify(held) };
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) count++;
  return count;
}

/** The held values, or null when the column holds nothing usable. */
function heldValues(rawIdentifiers: string | null | undefined): [string, string][] | null {
  if (!rawIdentifiers) return null;
  const held = parseJsonOr(rawIdentifiers, null);
  if (!isRecord(held)) return null;
  const entries = Object.entries(held);
  if (!entries.every((entry): entry is [string, string] => isRawKey(entry[0]) && typeof entry[1] === "string")) return null;
  return entries;
}

/**
 * The text to send: the stored payload with each held value in its placeholder's place, by text (the
 * values are JSON-escaped; a placeholder cannot occur inside an escaped string). Null when that cannot be
 * done exactly (a placeholder missing, repeated or left without a value, the column unreadable): the
 * caller then merges the parsed event with withRawIdentifiers instead.
 */
export function restoreRawIdentifiers(payload: string, rawIdentifiers: string): string | null {
  const held = heldValues(rawIdentifiers);
  if (!held) return null;
  const heldKeys = new Set(held.map(([key]) => key));
  if (RAW_IDENTIFIER_KEYS.some((key) => !heldKeys.has(key) && payload.includes(placeholderText(key)))) return null;
  const spots: { at: number; end: number; text: string }[] = [];
  for (const [key, value] of held) {
    const marker = placeholderText(key);
    const at = payload.indexOf(marker);
    if (at < 0 || payload.indexOf(marker, at + 1) >= 0) return null;
    spots.push({ at, end: at + marker.length, text: `"${key}":${JSON.stringify(value)}` });
  }
  spots.sort((a, b) => a.at - b.at);
  let text = "";
  let from = 0;
  for (const spot of spots) {
    text += payload.slice(from, spot.at) + spot.text;
    from = spot.end;
  }
  return text + payload.slice(from);
}

/** The parsed event with the held values in its user_data: for reports, the admin, and the send's fallback. */
export function withRawIdentifiers<T>(event: T, rawIdentifiers: string | null | undefined): T {
  const held = heldValues(rawIdentifiers);
  if (!held || !isRecord(event) || !isRecord(event.user_data)) return event;
  return { ...event, user_data: { ...event.user_data, ...Object.fromEntries(held) } };
}
