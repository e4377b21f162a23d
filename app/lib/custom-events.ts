// The one rule for a merchant's custom event names, used by the settings form, the model that stores
// them and the app proxy that accepts them (map-storefront-event.ts). Pure, so the settings page's
// browser bundle can check a name as it is typed with the same rule the server applies.

export const MAX_CUSTOM_EVENT_NAME_LENGTH = 50;
/**
 * Custom events per shop. Every proxy request looks its events up in this list and the theme embed
 * carries it in a metafield on every page, so it stays small; 20 covers the funnels merchants describe.
 */
export const MAX_CUSTOM_EVENTS = 20;

// Meta's standard events: a custom event may not take one of these names (in any case), or Meta would
// count it as the standard event.
export const META_STANDARD_EVENTS = [
  "AddPaymentInfo",
  "AddToCart",
  "AddToWishlist",
  "CompleteRegistration",
  "Contact",
  "CustomizeProduct",
  "Donate",
  "FindLocation",
  "InitiateCheckout",
  "Lead",
  "PageView",
  "Purchase",
  "Schedule",
  "Search",
  "StartTrial",
  "SubmitApplication",
  "Subscribe",
  "ViewContent",
] as const;

export interface CustomEventSetting {
  name: string;
  enabled: boolean;
}

export type CustomEventNameProblem = "custom_name_too_long" | "custom_name_invalid" | "custom_name_is_standard";
export type CustomEventNameCheck = { ok: true } | { ok: false; reason: CustomEventNameProblem };

// Letters, digits and underscores, starting with a letter: what Meta's custom event names and the
// embed's `data-meta-event` attribute both carry without escaping.
const CUSTOM_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const STANDARD_BY_LOWER = new Map(META_STANDARD_EVENTS.map((name) => [name.toLowerCase(), name]));

/** A custom event's name: at most 50 characters, letters, digits and underscores, no standard event's name. */
export function checkCustomEventName(name: string): CustomEventNameCheck {
  if (name.length > MAX_CUSTOM_EVENT_NAME_LENGTH) return { ok: false, reason: "custom_name_too_long" };
  if (!CUSTOM_NAME.test(name)) return { ok: false, reason: "custom_name_invalid" };
  if (STANDARD_BY_LOWER.has(name.toLowerCase())) return { ok: false, reason: "custom_name_is_standard" };
  return { ok: true };
}

/**
 * The stored custom events setting (JSON text, or null). Anything that is not a valid entry is left out,
 * and a name repeated (in any case) counts once, the first time: the setting never makes an invalid name valid.
 */
export function parseCustomEvents(stored: string | null | undefined): CustomEventSetting[] {
  if (!stored) return [];
  let list: unknown;
  try {
    list = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const kept: CustomEventSetting[] = [];
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null) continue;
    const { name, enabled } = entry as { name?: unknown; enabled?: unknown };
    if (typeof name !== "string" || !checkCustomEventName(name).ok || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    kept.push({ name, enabled: enabled === true });
  }
  return kept;
}

/** Why a list cannot be saved: one message for the list, and one per entry (by position) that is wrong. */
export interface CustomEventListProblems {
  list: string | null;
  entries: Record<number, string>;
}

/**
 * Checks a list the merchant saves: at most MAX_CUSTOM_EVENTS entries, every name valid and unique per
 * shop in any case (the proxy matches names exactly, but Meta's reports and a merchant's eyes do not tell
 * "Booked" from "booked"). Null when it can be saved. Messages complete "Custom event name …".
 */
export function customEventListProblems(list: readonly CustomEventSetting[]): CustomEventListProblems | null {
  // Refused before any name is looked at: the bound is what keeps the work per save small.
  if (list.length > MAX_CUSTOM_EVENTS) {
    return { list: `At most ${MAX_CUSTOM_EVENTS} custom events: remove ${list.length - MAX_CUSTOM_EVENTS} to save.`, entries: {} };
  }
  const entries: Record<number, string> = {};
  const firstByLower = new Map<string, string>();
  list.forEach(({ name }, index) => {
    const problem = customEventNameProblem(name);
    if (problem) {
      entries[index] = problem;
      return;
    }
    const earlier = firstByLower.get(name.toLowerCase());
    if (earlier !== undefined) entries[index] = `is already used by "${earlier}" above (names are compared ignoring case)`;
    else firstByLower.set(name.toLowerCase(), name);
  });
  return Object.keys(entries).length > 0 ? { list: null, entries } : null;
}

/** The merchant's words for what is wrong with one name, or null. */
export function customEventNameProblem(name: string): string | null {
  if (name === "") return "is required (or remove the row)";
  const check = checkCustomEventName(name);
  if (check.ok) return null;
  if (check.reason === "custom_name_too_long")
    return `is ${name.length} characters long; Meta takes at most ${MAX_CUSTOM_EVENT_NAME_LENGTH}`;
  if (check.reason === "custom_name_is_standard") {
    return `is Meta's standard event "${STANDARD_BY_LOWER.get(name.toLowerCase())}": switch that on under Events instead, or pick another name`;
  }
  return "must start with a letter and hold only letters, digits and underscores (no spaces)";
}

/** A list the merchant saves, as one sentence, or null when it is fine. */
export function customEventListError(list: readonly CustomEventSetting[]): string | null {
  const problems = customEventListProblems(list);
  if (!problems) return null;
  if (problems.list) return problems.list;
  const [index, message] = Object.entries(problems.entries)[0]!;
  return `"${list[Number(index)]!.name.slice(0, 60)}" ${message}`;
}
