// `npm start` and `npm run worker`: run the compiled entry that `npm run build` wrote (scripts/build-entries.mjs),
// or say what to do when there is none, rather than a module-not-found trace.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const entry = process.argv[2];
if (entry !== "server" && entry !== "worker") {
  console.error("usage: node scripts/run-built.mjs server|worker");
  process.exit(2);
}
const path = fileURLToPath(new URL(`../build/app-${entry}.mjs`, import.meta.url));
if (!existsSync(path)) {
  console.error(`No build found at build/app-${entry}.mjs: run \`npm run build\` first.`);
  process.exit(1);
}
await import(pathToFileURL(path).href);
