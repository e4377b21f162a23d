import type { Db } from "~/db.server";
import { pingDatabase } from "~/models/health.server";

/**
 * True when the database answers `SELECT 1` within `timeoutMs`. A PostgreSQL server that accepts no
 * connections can leave a query waiting indefinitely, and a health probe that hangs is no probe.
 */
export async function checkDatabase(db: Db, timeoutMs = 3000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([pingDatabase(db).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
