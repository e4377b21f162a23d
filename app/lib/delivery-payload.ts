// Whether a ledger row holds an event Meta could receive. An order the webhook path could not map is stored
// as `failed` with the payload "{}" (there was no event to build), so re-queueing it would send Meta an empty
// event. Decided from the stored payload, never from the wording of the row's reason.
import { parseJsonOr } from "~/lib/result";

/** True when the payload is a JSON object carrying an event name, i.e. the order was mapped to an event. */
export function hasEventToSend(payload: string): boolean {
  return isEventToSend(parseJsonOr(payload, null));
}

/** hasEventToSend for a payload already parsed. */
export function isEventToSend(parsed: unknown): boolean {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
  const name = (parsed as { event_name?: unknown }).event_name;
  return typeof name === "string" && name !== "";
}
