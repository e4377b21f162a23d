// Real app processes for end-to-end tests: the server (`npm start`'s entry) and the standalone worker
// (`npm run worker`'s entry), started with tsx exactly as the npm scripts do.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { TEST_ENCRYPTION_KEY_HEX } from "./app-env";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface AppProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function appEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    SHOPIFY_API_KEY: API_KEY,
    SHOPIFY_API_SECRET: API_SECRET_KEY,
    SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
    SCOPES: "read_orders",
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY_HEX,
    DELIVERY_POLL_MS: "50",
    DELIVERY_RETRY_BASE_MS: "100",
    LOG_LEVEL: "info",
    ...overrides,
  };
}

export async function startApp(
  entry: "server" | "worker",
  env: Record<string, string>,
  opts: { readyTimeoutMs?: number } = {},
): Promise<AppProcess> {
  if (entry === "server" && !existsSync(`${ROOT}/build/server/index.js`)) {
    throw new Error("No production build: run `npm run build` (npm test does it first)");
  }
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, [TSX, `${entry}/index.ts`], {
    cwd: ROOT,
    env: { NODE_ENV: "production", ...env, PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const readyText = entry === "server" ? "server listening" : "delivery worker started";
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  while (!output.includes(readyText)) {
    if (child.exitCode !== null) throw new Error(`${entry} exited early:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    child,
    exited,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
