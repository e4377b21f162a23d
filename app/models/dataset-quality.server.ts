// The cached Dataset Quality answer per shop (DatasetQualitySnapshot).
import type { Db } from "~/db.server";

export type QualityStatus = "ok" | "forbidden" | "unavailable";

export interface QualitySnapshotRecord {
  shop: string;
  status: string;
  payload: string | null;
  fetchedAt: Date | null;
  checkedAt: Date;
  credentialKey: string;
}

export async function findQualitySnapshot(db: Db, input: { shop: string }): Promise<QualitySnapshotRecord | null> {
  return db.datasetQualitySnapshot.findUnique({ where: { shop: input.shop } });
}

/**
 * Takes the right to ask Meta now: true when nobody asked since `notSince` with these credentials (so across
 * processes and instances only one caller per window wins). A first call creates the row as "unavailable" until
 * it is answered.
 */
export async function claimQualityCheck(
  db: Db,
  input: { shop: string; now: Date; notSince: Date; credentialKey: string },
): Promise<boolean> {
  // New credentials (another pixel, perhaps): the old report is not this one's, so it goes.
  const replaced = await db.datasetQualitySnapshot.updateMany({
    where: { shop: input.shop, credentialKey: { not: input.credentialKey } },
    data: { checkedAt: input.now, credentialKey: input.credentialKey, status: "unavailable", payload: null, fetchedAt: null },
  });
  if (replaced.count === 1) return true;
  const { count } = await db.datasetQualitySnapshot.updateMany({
    where: { shop: input.shop, checkedAt: { lt: input.notSince } },
    data: { checkedAt: input.now },
  });
  if (count === 1) return true;
  try {
    await db.datasetQualitySnapshot.create({
      data: { shop: input.shop, status: "unavailable", checkedAt: input.now, credentialKey: input.credentialKey },
    });
    return true;
  } catch (error) {
    // Someone else's row: either checked recently, or created by a concurrent first caller.
    if ((error as { code?: unknown }).code === "P2002") return false;
    throw error;
  }
}

/** Records Meta's answer; a failed call keeps the last good report and when it was fetched. */
export async function saveQualityOutcome(
  db: Db,
  input: { shop: string; status: QualityStatus; payload?: string; fetchedAt?: Date },
): Promise<void> {
  await db.datasetQualitySnapshot.updateMany({
    where: { shop: input.shop },
    data: input.status === "ok" ? { status: "ok", payload: input.payload, fetchedAt: input.fetchedAt } : { status: input.status },
  });
}
