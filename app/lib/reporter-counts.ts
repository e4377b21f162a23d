// The home page's "both reporters" table: per event name, how many events reached the app from the
// shopper's browser, how many the server sent to Meta, and how many were on both sides with one event ID
// (the pairs Meta deduplicates). Pure: the counts come from three grouped queries, shaped here.
import { META_EVENTS } from "./settings-values";

/** Events whose server copy is the delivery ledger (orders/paid), not the proxy's StorefrontEvent rows. */
export const LEDGER_EVENTS: readonly string[] = ["Purchase"];

export interface ReporterRow {
  eventName: string;
  custom: boolean;
  /** Reached the app from the browser (through the app proxy). */
  browser: number;
  /** Accepted by Meta from the server (Conversions API). */
  server: number;
  /** Present on both sides with the same event name and ID. */
  both: number;
}

export interface ReporterCountsInput {
  /** StorefrontEvent rows per name: `received` all of them, `sent` those Meta accepted. */
  storefront: ReadonlyArray<{ eventName: string; received: number; sent: number }>;
  /** Delivery rows sent per name (distinct event IDs), and those with a browser report. */
  ledger: ReadonlyArray<{ eventName: string; sent: number; both: number }>;
  /** BrowserEvent rows per ledger event name. */
  browserSeen: ReadonlyArray<{ eventName: string; seen: number }>;
  /** Switched on in Settings: shown even with nothing counted, so a silent event stands out. */
  enabledEvents: readonly string[];
  enabledCustomEvents: readonly string[];
}

/**
 * One row per event name that is switched on or was counted: standard events in Settings' order, then
 * custom ones alphabetically. For a proxy event every stored row was reported by the browser and its
 * server copy carries the same ID, so `both` is the rows sent; for Purchase the two sides are the
 * browser's report (BrowserEvent) and the ledger's sent row, matched on event ID.
 */
export function reporterRows(input: ReporterCountsInput): ReporterRow[] {
  const rows = new Map<string, ReporterRow>();
  const row = (eventName: string) => {
    let found = rows.get(eventName);
    if (!found) {
      found = { eventName, custom: !(META_EVENTS as readonly string[]).includes(eventName), browser: 0, server: 0, both: 0 };
      rows.set(eventName, found);
    }
    return found;
  };
  for (const name of [...input.enabledEvents, ...input.enabledCustomEvents]) row(name);
  for (const s of input.storefront) {
    if (LEDGER_EVENTS.includes(s.eventName)) continue;
    const r = row(s.eventName);
    r.browser += s.received;
    r.server += s.sent;
    r.both += s.sent;
  }
  for (const l of input.ledger) {
    const r = row(l.eventName);
    r.server += l.sent;
    r.both += l.both;
  }
  for (const b of input.browserSeen) {
    if (LEDGER_EVENTS.includes(b.eventName)) row(b.eventName).browser += b.seen;
  }
  const order = (name: string) => {
    const index = (META_EVENTS as readonly string[]).indexOf(name);
    return index === -1 ? META_EVENTS.length : index;
  };
  return [...rows.values()].sort((a, b) => order(a.eventName) - order(b.eventName) || a.eventName.localeCompare(b.eventName));
}

/** The share of browser events whose server copy also reached Meta; null with no browser events. */
export function pairedShare(row: Pick<ReporterRow, "browser" | "both">): number | null {
  return row.browser > 0 ? Math.min(1, row.both / row.browser) : null;
}
