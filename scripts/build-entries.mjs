// The second half of `npm run build`: the server's and the worker's entries compiled to plain JavaScript
// (build/app-server.mjs, build/app-worker.mjs), which `npm start` and `npm run worker` run, and the server's
// orders/paid thread (build/app-order-rows.mjs). Started under
// tsx instead, each process compiled our TypeScript as it loaded and kept the loader and its source maps:
// about 30 MB more at rest per process, measured (docs/scaling.md), and every process pays it.
// Our own modules are bundled; packages stay imports of node_modules, as they are at run time.
// The bundles sit one level under the root, as server/ and worker/ do, so the paths the entries resolve
// from import.meta.url (../build/server/index.js, ../build/client) are the same.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// Every bare import is a package, except our `~/` alias (tsconfig paths), which esbuild resolves into the bundle.
const packagesExternal = {
  name: "packages-external",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("~/") ? undefined : { path: args.path, external: true }));
  },
};

// Arguments `name=path` compile other entries the same way (the bench's floor and naive servers, so they are
// measured as the app is run); without any, the app's two.
const args = process.argv.slice(2);
const entryPoints = args.length
  ? Object.fromEntries(args.map((arg) => arg.split("=", 2)))
  : { "app-server": "server/index.ts", "app-worker": "worker/index.ts", "app-order-rows": "server/order-row-thread.ts" };

await build({
  absWorkingDir: root,
  entryPoints,
  outdir: "build",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  plugins: [packagesExternal],
  platform: "node",
  format: "esm",
  target: "node20",
  tsconfig: "tsconfig.json",
  logLevel: "warning",
});
