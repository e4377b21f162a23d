// Retention: rows older than DELIVERY_RETENTION_DAYS are deleted. One age applies to every shop, so these
// are the few queries that are not scoped to one (as shop/redact's erasure is scoped to one by definition).
// Each call deletes one small batch, oldest first through the createdAt/seenAt indexes, so a large table
// is never locked for long and the caller decides how many batches fit in its time.
import type { Db } from "~/db.server";
import { sumOverSlices } from "~/lib/slices";

export async function deleteExpiredDeliveries(db: Db, opts: { before: Date; now: Date; limit: number }): Promise<number> {
  const rows = await db.delivery.findMany({
    where: {
      createdAt: { lt: opts.before },
      // A row a live worker holds is left to it; it is purged on a later pass.
      OR: [{ status: { not: "sending" } }, { leaseExpiresAt: { lt: opts.now } }],
    },
    orderBy: { createdAt: "asc" },
    take: opts.limit,
    select: { id: true },
  });
  if (rows.length === 0) return 0;
  // The batch size is the caller's: sliced, so a large one still fits in a statement.
  return sumOverSlices(
    rows.map((r) => r.id),
    async (slice) => {
      const { count } = await db.delivery.deleteMany({ where: { id: { in: slice }, createdAt: { lt: opts.before } } });
      return count;
    },
  );
}

export async function deleteExpiredBrowserEvents(db: Db, opts: { before: Date; limit: number }): Promise<number> {
  const rows = await db.browserEvent.findMany({
    where: { seenAt: { lt: opts.before } },
    orderBy: { seenAt: "asc" },
    take: opts.limit,
    select: { id: true },
  });
  if (rows.length === 0) return 0;
  return sumOverSlices(
    rows.map((r) => r.id),
    async (slice) => {
      const { count } = await db.browserEvent.deleteMany({ where: { id: { in: slice } } });
      return count;
    },
  );
}

export async function deleteExpiredDataRequests(db: Db, opts: { before: Date; limit: number }): Promise<number> {
  const rows = await db.customerDataRequest.findMany({
    where: { createdAt: { lt: opts.before } },
    orderBy: { createdAt: "asc" },
    take: opts.limit,
    select: { id: true },
  });
  if (rows.length === 0) return 0;
  return sumOverSlices(
    rows.map((r) => r.id),
    async (slice) => {
      const { count } = await db.customerDataRequest.deleteMany({ where: { id: { in: slice } } });
      return count;
    },
  );
}
