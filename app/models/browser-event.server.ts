import type { Db } from "~/db.server";

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

export async function findBrowserEvents(
  db: Db,
  input: { shop: string; eventIds: string[] },
): Promise<Array<{ eventName: string; eventId: string; source: string; seenAt: Date }>> {
  return db.browserEvent.findMany({
    where: { shop: input.shop, eventId: { in: input.eventIds } },
    select: { eventName: true, eventId: true, source: true, seenAt: true },
    orderBy: { seenAt: "asc" },
  });
}
