import type { Db } from "~/db.server";

/** One round trip that touches no table: resolves when the database answers, rejects when it cannot. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
