// "Browser event seen": the storefront's beacon that lets the admin show whether the browser half of a
// deduplicated pair fired. Public and unauthenticated, so it accepts only what our own browser code
// sends (shapes, not trust) and stores one row per event at most.
import type { Db } from "~/db.server";
import { isBrowserEventId } from "~/lib/browser-event-id";
import { err, ok, type Result } from "~/lib/result";
import { recordBrowserEventSeen, type BrowserEventSource, type NewBrowserEvent } from "~/models/browser-event.server";
import { findShopSettings, META_EVENTS } from "~/models/shop-settings.server";

// Each source reports only the events it fires: the embed never fires checkout events, the pixel never storefront ones.
const EVENTS_BY_SOURCE: Record<BrowserEventSource, readonly string[]> = {
  "theme-embed": ["PageView", "ViewContent", "AddToCart"],
  "web-pixel": ["InitiateCheckout", "Purchase"],
};

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$/;

export type ParsedBrowserEvent = Result<NewBrowserEvent, string>;

/** Validates a beacon body. Pure; messages say what is wrong without echoing the input back. */
export function parseBrowserEvent(input: unknown): ParsedBrowserEvent {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return err("Body must be a JSON object {shop, eventName, eventId, source}");
  }
  const { shop, eventName, eventId, source } = input as Record<string, unknown>;
  if (typeof shop !== "string" || !SHOP_DOMAIN.test(shop)) {
    return err("shop must be the shop's myshopify.com domain");
  }
  if (typeof eventName !== "string" || !(META_EVENTS as readonly string[]).includes(eventName)) {
    return err(`eventName must be one of ${META_EVENTS.join(", ")}`);
  }
  if (source !== "web-pixel" && source !== "theme-embed") {
    return err("source must be web-pixel or theme-embed");
  }
  if (!EVENTS_BY_SOURCE[source].includes(eventName)) {
    return err(`${source} does not send ${eventName} events`);
  }
  if (typeof eventId !== "string" || !isBrowserEventId(eventName, eventId)) {
    return err(`eventId is not an event ID this app generates for ${eventName}`);
  }
  return ok({ shop, eventName, eventId, source });
}

export type BrowserEventRefusal = { kind: "invalid"; message: string } | { kind: "unknown-shop" };

export type BrowserEventOutcome = Result<{ created: boolean }, BrowserEventRefusal>;

export async function recordBrowserEvent(db: Db, input: unknown): Promise<BrowserEventOutcome> {
  const parsed = parseBrowserEvent(input);
  if (!parsed.ok) return err({ kind: "invalid", message: parsed.error });
  // Only shops that installed the app get rows; anyone can post, so an unknown shop stores nothing.
  if (!(await findShopSettings(db, parsed.value.shop))) return err({ kind: "unknown-shop" });
  const { created } = await recordBrowserEventSeen(db, parsed.value);
  return ok({ created });
}
