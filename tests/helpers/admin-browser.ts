// The embedded admin as a merchant's browser sees it: the production Remix build (`remix vite:build`,
// same vite.config.ts) served like server/index.ts serves it, opened in headless Chromium the way the
// Shopify admin opens it (?embedded=1&shop=…&host=…&id_token=…), with App Bridge's CDN script replaced
// by a stub that does what the real one does for us: adds the session token to the app's fetches and
// shows toasts.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, stat, symlink } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { BrowserContext, Page } from "playwright-core";
import { appBridgeStub, MERCHANT_USER_AGENT } from "../../dev/fake-shopify/app-bridge";
import { offline, type OfflineLog } from "./browser";

export { MERCHANT_USER_AGENT };

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The production build of the current sources. Built from a private copy of the project, so this suite
 * never rewrites the build/ directory that other suites (and `npm start`) serve while it runs: same
 * sources, same vite.config.ts, same dependencies (node_modules is linked, not copied). The output lands
 * under test-results/ (inside the project, gitignored), keyed by a hash of everything the build reads,
 * so an unchanged tree is built once: Vitest only loads modules from within the project, and from there
 * the bundle's bare imports resolve to the project's node_modules as the real build/ does.
 */
export async function buildAdminApp(): Promise<{ dir: string; reused: boolean }> {
  const key = await sourceHash();
  const dir = join(ROOT, "test-results", `admin-build-${key}`);
  if (existsSync(join(dir, "build/server/index.js"))) return { dir, reused: true };

  const source = await mkdtemp(join(tmpdir(), "capi-admin-build-"));
  try {
    for (const entry of BUILD_INPUTS) {
      // public/ may be absent: git keeps no empty folders, so a clean clone has none.
      if (existsSync(join(ROOT, entry))) await cp(join(ROOT, entry), join(source, entry), { recursive: true });
    }
    await symlink(join(ROOT, "node_modules"), join(source, "node_modules"), "dir");
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build", "--logLevel", "warn"],
        { cwd: source, env: { ...process.env, NODE_ENV: "production" }, maxBuffer: 20 * 1024 * 1024 },
        (error, stdout, stderr) => (error ? reject(new Error(`remix vite:build failed:\n${stdout}\n${stderr}`)) : resolve()),
      );
    });
    // Older builds of this suite are stale now; keep only the one for the current sources.
    for (const old of await readdir(join(ROOT, "test-results")).catch(() => [])) {
      if (old.startsWith("admin-build-")) await rm(join(ROOT, "test-results", old), { recursive: true, force: true });
    }
    await cp(join(source, "build"), join(dir, "build"), { recursive: true });
  } finally {
    await rm(source, { recursive: true, force: true });
  }
  return { dir, reused: false };
}

const BUILD_INPUTS = ["app", "public", "vite.config.ts", "package.json", "tsconfig.json", "env.d.ts"];

async function sourceHash(): Promise<string> {
  const hash = createHash("sha256");
  const files: string[] = [];
  for (const entry of [...BUILD_INPUTS, "package-lock.json"]) {
    const path = join(ROOT, entry);
    if (!existsSync(path)) continue;
    if ((await stat(path)).isDirectory()) {
      for (const file of await readdir(path, { recursive: true })) files.push(join(entry, file));
    } else {
      files.push(entry);
    }
  }
  for (const file of files.sort()) {
    const path = join(ROOT, file);
    if (!(await stat(path)).isFile()) continue;
    hash
      .update(file)
      .update("\0")
      .update(await readFile(path))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

export interface AdminServer {
  origin: string;
  close(): Promise<void>;
}

export async function serveAdminBuild(dir: string): Promise<AdminServer> {
  const build = (await import(/* @vite-ignore */ join(dir, "build/server/index.js"))) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  app.use("/assets", express.static(join(dir, "build/client/assets"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(join(dir, "build/client"), { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: "production" }));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Routes the context offline: only the app's origin is reachable; App Bridge and the font CSS are stubbed. */
export async function embedInFakeAdmin(context: BrowserContext, opts: { origin: string; sessionToken: string }): Promise<OfflineLog> {
  return offline(context, {
    allow: [opts.origin],
    handle: async (route, url) => {
      if (url.href.startsWith("https://cdn.shopify.com/shopifycloud/app-bridge.js")) {
        await route.fulfill({ contentType: "text/javascript", body: appBridgeStub({ sessionToken: opts.sessionToken }) });
        return true;
      }
      if (url.hostname === "cdn.shopify.com" && url.pathname.endsWith(".css")) {
        await route.fulfill({ contentType: "text/css", body: "" });
        return true;
      }
      return false;
    },
  });
}

/** Messages the app showed through App Bridge's toast API. */
export async function toasts(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __toasts: string[] }).__toasts ?? []);
}
