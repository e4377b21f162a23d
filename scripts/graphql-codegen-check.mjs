#!/usr/bin/env node
// CI's check that the committed Admin API types are current: regenerates them into a temp dir (codegen
// also validates every `#graphql` operation against the committed schema, failing on an unknown field)
// and compares them with app/types. Fix a failure with `npm run graphql-codegen` and commit the result.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GENERATED = ["admin.types.d.ts", "admin.generated.d.ts"];
const out = mkdtempSync(join(tmpdir(), "graphql-codegen-"));
try {
  const run = spawnSync("node_modules/.bin/graphql-codegen", ["--silent"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, GRAPHQL_CODEGEN_OUT: out },
  });
  if (run.status !== 0) {
    console.error("graphql-codegen failed: an Admin API operation does not match the schema (see above)");
    process.exit(1);
  }
  const stale = GENERATED.filter((file) => readFileSync(join(out, file), "utf8") !== readFileSync(join("app/types", file), "utf8"));
  if (stale.length > 0) {
    console.error(`Out of date: ${stale.map((f) => `app/types/${f}`).join(", ")}. Run \`npm run graphql-codegen\` and commit.`);
    process.exit(1);
  }
  console.log(`Admin API types are current (${GENERATED.join(", ")})`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
