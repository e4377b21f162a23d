// SQLite and PostgreSQL share one data model: the PostgreSQL schema is generated, and both databases
// get a migration for every change. These checks catch a forgotten `sync-schema` or migration.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchemaText } from "../../scripts/prisma.mjs";

const root = new URL("../../", import.meta.url);

describe("database schemas", () => {
  it("the committed PostgreSQL schema is the one generated from prisma/schema.prisma", () => {
    const committed = readFileSync(new URL("prisma/postgres/schema.prisma", root), "utf8");
    expect(committed).toBe(postgresSchemaText(readFileSync(new URL("prisma/schema.prisma", root), "utf8")));
  });

  it("every migration exists for both databases", () => {
    const list = (dir: string) =>
      readdirSync(new URL(dir, root), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    const sqlite = list("prisma/migrations");
    expect(sqlite.length).toBeGreaterThan(0);
    expect(list("prisma/postgres/migrations")).toEqual(sqlite);
  });
});
