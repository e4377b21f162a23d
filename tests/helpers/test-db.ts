// A fresh, fully migrated database per caller (scripts/lib/scratch-db.ts, shared with the demo and the
// benchmark), created through the same `scripts/prisma.mjs deploy` that production runs.
//
//   const database = await createTestDatabase();              // SQLite file in the OS temp dir
//   const database = await createTestDatabase("postgresql");  // capi_test_<random> on TEST_POSTGRES_URL
//   ...
//   await database.cleanup();   // after every client on it is disconnected (PostgreSQL forces it anyway)
import { createScratchDatabase, DEFAULT_POSTGRES_ADMIN_URL, type DatabaseKind, type ScratchDatabase } from "../../scripts/lib/scratch-db";

export type TestDatabaseKind = DatabaseKind;
export type TestDatabase = ScratchDatabase;

/** The server to create PostgreSQL test databases on; its database is only used to run CREATE/DROP. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_ADMIN_URL;

export async function createTestDatabase(kind: TestDatabaseKind = "sqlite"): Promise<TestDatabase> {
  return createScratchDatabase(kind, {
    adminUrl: POSTGRES_ADMIN_URL,
    prefix: kind === "postgresql" ? "capi_test" : "capi-test",
    adminUrlHint: "TEST_POSTGRES_URL",
  });
}
