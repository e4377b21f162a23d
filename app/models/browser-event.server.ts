import type { Db } from "~/db.server";
import { concatOverSlices } from "~/lib/slices";

export type BrowserEventSource = "web-pixel" | "theme-embed";

export interface NewBrowserEvent {
  shop: string;
  eventName: string;
  eventId: string;
  source: BrowserEventSource;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/** Insert-or-ignore on (shop, event name, event ID): a reload or a retried beacon reports the same event. */
export async function recordBrowserEventSeen(db: Db, input: NewBrowserEvent): Promise<{ created: boolean }> {
  try {
    await db.browserEvent.create({ data: input, select: { id: true } });
    return { created: true };
  } catch (error) {
    if (isUniqueViolation(error)) return { created: false };
    throw error;
  }
}

/** The shop's browser events with these IDs, oldest first; any number of IDs (matched slice by slice). */
export async function findBrowserEvents(
  db: Db,
  input: { shop: string; eventIds: string[] },
): Promise<Array<{ eventName: string; eventId: string; source: string; seenAt: Date }>> {
  const rows = await concatOverSlices([...new Set(input.eventIds)], (slice) =>
    db.browserEvent.findMany({
      where: { shop: input.shop, eventId: { in: slice } },
      select: { id: true, eventName: true, eventId: true, source: true, seenAt: true },
    }),
  );
  return rows.sort((a, b) => a.seenAt.getTime() - b.seenAt.getTime() || a.id - b.id).map(({ id: _id, ...event }) => event);
}
