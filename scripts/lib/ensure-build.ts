// The demo and the benchmark run the production server, so a fresh clone needs what `npm run setup` and
// `npm run build` make: the generated Prisma clients and build/. Made here when missing, once.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./app-process";

export function ensureBuild(log: (line: string) => void): void {
  if (clientsStale()) {
    log("The Prisma clients are missing or older than prisma/schema.prisma: running `npm run prisma -- generate`…");
    run(process.execPath, ["scripts/prisma.mjs", "generate"], "`npm run prisma -- generate`");
  }
  if (BUILD_OUTPUTS.some((path) => !existsSync(join(ROOT, path)))) {
    log("No production build yet: running `npm run build` (once; about a minute)…");
    run("npm", ["run", "build"], "`npm run build`");
  }
}

const BUILD_OUTPUTS = ["build/server/index.js", "build/app-server.mjs", "build/app-worker.mjs", "build/app-order-rows.mjs"];

// Generation copies the schema next to each client; a copy that differs in more than layout is stale.
function clientsStale(): boolean {
  const squash = (path: string) =>
    readFileSync(path, "utf8")
      .replace(/\/\/.*$/gm, "")
      .replace(/\s+/g, "");
  const pairs = [
    ["prisma/schema.prisma", "node_modules/.prisma/client/schema.prisma"],
    ["prisma/postgres/schema.prisma", "node_modules/.prisma/client-pg/schema.prisma"],
  ].map(([source, generated]) => [join(ROOT, source), join(ROOT, generated)]);
  return pairs.some(([source, generated]) => !existsSync(generated) || (existsSync(source) && squash(source) !== squash(generated)));
}

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${what} failed; see its output above`);
}
