// The admin's read of the browser events table (browser-event.server.ts, owned by the storefront side,
// writes it): the most recent event, for the onboarding checklist.
import type { Db } from "~/db.server";

export async function findLatestBrowserEvent(
  db: Db,
  shop: string,
): Promise<{ eventName: string; eventId: string; source: string; seenAt: Date } | null> {
  return db.browserEvent.findFirst({
    where: { shop },
    orderBy: [{ seenAt: "desc" }, { id: "desc" }],
    select: { eventName: true, eventId: true, source: true, seenAt: true },
  });
}
