// A suite's database in one line instead of a dozen: a fresh, fully migrated database of the kind (SQLite
// file or PostgreSQL, helpers/test-db.ts) made before the suite's tests, a client on it, both removed after
// them, and the listed tables emptied before each test, in the order given.
//
//   describe.each(["sqlite", "postgresql"] as const)("… on %s", (kind) => {
//     const database = useTestDatabase(kind, { clear: ["delivery", "shopSettings"] });
//     const db = database.db;   // usable in hooks and tests, not while the suite is being collected
import { afterAll, beforeAll, beforeEach } from "vitest";
import { openDb, type Db } from "~/db.server";
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from "./test-db";

/** The client's models that can be emptied (db.delivery, db.shopSettings, …). */
export type TableName = {
  [K in keyof Db]: Db[K] extends { deleteMany: (...args: never[]) => unknown } ? K : never;
}[keyof Db];

export interface SuiteDatabase {
  /** Stands for the suite's client: every property reads through to the client made before the suite. */
  readonly db: Db;
  /** The database's URL, for a process or a second client; read in hooks and tests. */
  readonly url: string;
  /** The client itself, for what needs the real object rather than its stand-in (vi.spyOn). */
  readonly client: Db;
}

export function useTestDatabase(kind: TestDatabaseKind, opts: { clear?: TableName[] } = {}): SuiteDatabase {
  let database: TestDatabase | undefined;
  let client: Db | undefined;
  const current = (): Db => {
    if (!client) throw new Error("useTestDatabase: the database exists only in the suite's hooks and tests");
    return client;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    client = openDb(database.url);
  });
  afterAll(async () => {
    await client?.$disconnect();
    await database?.cleanup();
  });
  const clear = opts.clear ?? [];
  if (clear.length > 0) {
    beforeEach(async () => {
      for (const table of clear) await (current()[table] as unknown as { deleteMany(args: object): Promise<unknown> }).deleteMany({});
    });
  }

  // Methods are bound to the real client: Prisma's own fields must see it, not the stand-in.
  const db = new Proxy({} as Db, {
    get: (_target, property) => {
      const target = current();
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    has: (_target, property) => Reflect.has(current(), property),
  });
  return {
    db,
    get client() {
      return current();
    },
    get url() {
      if (!database) throw new Error("useTestDatabase: the database exists only in the suite's hooks and tests");
      return database.url;
    },
  };
}
