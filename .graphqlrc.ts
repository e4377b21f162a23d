// GraphQL codegen for the Admin API operations (`#graphql` strings under app/): `npm run graphql-codegen`
// writes app/types/admin.types.d.ts and admin.generated.d.ts, whose module augmentation of
// @shopify/admin-api-client types `admin.graphql(...)` by the query text.
//
// The schema is committed (app/types/admin-<version>.schema.json) because this project's machines cannot
// reach shopify.dev, where the preset would otherwise download it from. The 2025-10 copy is Shopify's own
// introspection as shipped in the npm package @shopify/dev-mcp 1.16.0 (dist/data/admin_2025-10.json.gz),
// unwrapped from its `data` key. Bumping the API version means committing that version's schema first.
import fs from "node:fs";
import { ApiType, shopifyApiProject } from "@shopify/api-codegen-preset";
import { parse } from "smol-toml";

const outputDir = process.env.GRAPHQL_CODEGEN_OUT ?? "./app/types";
const apiVersion = webhooksApiVersion();
const schemaFile = `./app/types/admin-${apiVersion}.schema.json`;

// Without the file the preset silently falls back to downloading the schema; offline that is a hang, then
// a confusing network error.
if (!fs.existsSync(schemaFile)) {
  throw new Error(`${schemaFile} is missing: commit the Admin API schema for ${apiVersion} (see .graphqlrc.ts)`);
}

const project = shopifyApiProject({
  apiType: ApiType.Admin,
  apiVersion,
  documents: ["./app/**/*.{ts,tsx}", "!./app/types/**"],
  outputDir,
});

export default {
  schema: schemaFile,
  documents: project.documents,
  projects: { default: { ...project, schema: schemaFile, extensions: withSchema(project.extensions, schemaFile) } },
};

// The app calls the Admin API at the version its webhooks use (app/shopify.server.ts keeps the two equal).
function webhooksApiVersion(): string {
  const toml = parse(fs.readFileSync("./shopify.app.toml", "utf8")) as { webhooks?: { api_version?: string } };
  const version = toml.webhooks?.api_version;
  if (!version || !/^\d{4}-\d{2}$/.test(version)) throw new Error("shopify.app.toml has no [webhooks] api_version");
  return version;
}

// The preset looks for the schema next to its output and, not finding it (the check writes to a temp dir),
// adds a target that downloads it: drop that target and point the others at the committed file.
// Enums become string unions: a `declare enum` in a .d.ts has no runtime object, so using one would
// typecheck and then crash, and string literals (what Shopify sends) are what the code compares with.
function withSchema<T>(extensions: T, schema: string): T {
  type Target = { schema?: unknown; plugins?: unknown[]; config?: Record<string, unknown> };
  const codegen = (extensions as { codegen: { generates: Record<string, Target> } }).codegen;
  const generates = Object.fromEntries(
    Object.entries(codegen.generates)
      .filter(([, target]) => !target.plugins?.includes("introspection"))
      .map(([file, target]) => {
        const types = target.plugins?.includes("typescript") ? { config: { ...target.config, enumsAsTypes: true } } : {};
        return [file, { ...target, schema, ...types }];
      }),
  );
  return { ...extensions, codegen: { ...codegen, generates } } as T;
}
