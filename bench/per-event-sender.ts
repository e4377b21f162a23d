// The delivery baseline at its best: "one request per event", as a sender that keeps many requests in flight
// would do it, so the batching gain is not measured against one request at a time. It reads the pending rows
// of the ledger once (cheaper than the worker's leased claims), sends each event alone through the app's own
// Meta client and records Meta's answer on its row, with `inFlight` requests open at all times.
import type { Db } from "~/db.server";
import { withRawIdentifiers } from "~/lib/capi/scrub";
import { createGraphClient } from "~/services/meta/graph-client.server";

export async function sendOnePerEvent(opts: {
  db: Db;
  graphUrl: string;
  pixelId: string;
  accessToken: string;
  shop: string;
  inFlight: number;
  windowS: number;
}): Promise<{ sent: number; seconds: number }> {
  const client = createGraphClient({ baseUrl: opts.graphUrl, apiVersion: "v25.0", timeoutMs: 10_000 });
  const rows = await opts.db.delivery.findMany({
    where: { shop: opts.shop, status: "pending" },
    select: { id: true, payload: true, rawIdentifiers: true },
    orderBy: { id: "asc" },
  });
  const started = performance.now();
  const end = started + opts.windowS * 1000;
  let next = 0;
  let sent = 0;
  const lane = async () => {
    while (performance.now() < end && next < rows.length) {
      const row = rows[next++];
      const result = await client.sendEvents({
        pixelId: opts.pixelId,
        accessToken: opts.accessToken,
        events: [withRawIdentifiers(JSON.parse(row.payload), row.rawIdentifiers)],
      });
      if (!result.ok) continue;
      await opts.db.delivery.update({
        where: { id: row.id },
        data: {
          status: "sent",
          sentAt: new Date(),
          attempts: { increment: 1 },
          eventsReceived: result.eventsReceived,
          fbtraceId: result.fbtraceId,
        },
      });
      if (performance.now() <= end) sent++;
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, lane));
  return { sent, seconds: opts.windowS };
}
