// Prisma CLI configuration. Migrations run through the WebAssembly schema engine and a driver adapter,
// so nothing is downloaded (see ../shared/docs/stack.md). The database is chosen by DATABASE_URL:
// a file: URL is SQLite (the embedded default), a postgres:// URL is PostgreSQL (the scale-out mode).
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const url = process.env.DATABASE_URL ?? "file:./prisma/dev.sqlite";
const isPostgres = /^postgres(ql)?:\/\//.test(url);

// The schema engine reads pg_catalog columns of type `name` (OID 19), which @prisma/adapter-pg cannot
// describe (prisma/orm#27403); reporting them as text lets migrations run. Only the CLI needs this.
class NameAsTextPool extends pg.Pool {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async query(...args: any[]): Promise<any> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result: any = await (super.query as any)(...args);
    for (const field of result?.fields ?? []) if (field.dataTypeID === 19) field.dataTypeID = 25;
    return result;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: isPostgres ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  adapter: async () => (isPostgres ? new PrismaPg(new NameAsTextPool({ connectionString: url })) : new PrismaBetterSQLite3({ url })),
});
