// Storefront events as the proxy stores them and the worker leaves them, for admin tests.
import type { Db } from "~/db.server";

let counter = 0;

export async function createStorefrontEvent(
  db: Db,
  f: { shop: string; eventName: string; status: "pending" | "sending" | "sent" | "failed" | "skipped"; createdAt?: Date; eventId?: string },
): Promise<{ eventId: string }> {
  counter += 1;
  const createdAt = f.createdAt ?? new Date();
  const eventId = f.eventId ?? `sf_${createdAt.getTime().toString(16)}${String(counter).padStart(6, "0")}`;
  await db.storefrontEvent.create({
    data: {
      shop: f.shop,
      pixelId: "123456789012345",
      eventName: f.eventName,
      eventId,
      eventTime: createdAt,
      // Final rows keep no payload (storefront-event.server.ts).
      payload: f.status === "pending" || f.status === "sending" ? "{}" : "",
      status: f.status,
      attempts: f.status === "pending" ? 0 : 1,
      createdAt,
    },
  });
  return { eventId };
}
