// Real app processes for the demo, the benchmark and the end-to-end tests: the server (`npm start`'s
// entry), the standalone worker (`npm run worker`'s entry) or any other script, started as one node
// process as the npm scripts start them (the build's compiled entries; other scripts under tsx), so what
// runs here is what operators run.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { APP_NODE_FLAGS } from "./node-flags.mjs";
import { readProcStat } from "./proc-stat";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

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

export interface StartOptions {
  /** Printed by the process once it serves; start() resolves when it appears in stdout or stderr. */
  readyText: string;
  readyTimeoutMs?: number;
  /** Shown in errors. */
  name?: string;
  /** Command-line arguments after the entry. */
  args?: string[];
  /** Node's own flags for a compiled entry; APP_NODE_FLAGS unless given (a probe comparing heap settings). */
  nodeFlags?: string[];
}

/**
 * Runs `node <entry>` from the repository root with exactly `env` (plus a free PORT unless one is given):
 * compiled JavaScript (.mjs, the build's entries) with the heap settings `npm start` gives the app
 * (node-flags.mjs), TypeScript under tsx.
 */
export async function startProcess(entry: string, env: Record<string, string>, opts: StartOptions): Promise<AppProcess> {
  const name = opts.name ?? entry;
  const port = env.PORT ?? String(await freePort());
  const loader = entry.endsWith(".mjs") ? (opts.nodeFlags ?? APP_NODE_FLAGS) : ["--import", "tsx"];
  const child = spawn(process.execPath, [...loader, entry, ...(opts.args ?? [])], {
    cwd: ROOT,
    // Production unless the caller says otherwise: that is how `npm start` and `npm run worker` run.
    env: { NODE_ENV: "production", ...env, PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  while (!output.includes(opts.readyText)) {
    if (child.exitCode !== null) throw new Error(`${name} exited early:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    child,
    exited,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      // The app is this child itself, but anything it spawned would be orphaned by a SIGKILL: its
      // descendants go first, while they are still findable as descendants.
      if (signal === "SIGKILL" && child.pid !== undefined && existsSync("/proc/self/stat")) {
        for (const pid of descendants(child.pid).reverse()) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      }
      child.kill(signal);
      return exited;
    },
  };
}

export async function startApp(
  entry: "server" | "worker",
  env: Record<string, string>,
  opts: { readyTimeoutMs?: number; nodeFlags?: string[] } = {},
): Promise<AppProcess> {
  // What `npm start` and `npm run worker` run (scripts/run-built.mjs): the build's compiled entries.
  if (!existsSync(`${ROOT}/build/app-${entry}.mjs`) || (entry === "server" && !existsSync(`${ROOT}/build/server/index.js`))) {
    throw new Error("No production build: run `npm run build` (npm test does it first)");
  }
  return startProcess(`build/app-${entry}.mjs`, env, {
    readyText: entry === "server" ? "server listening" : "delivery worker started",
    readyTimeoutMs: opts.readyTimeoutMs,
    nodeFlags: opts.nodeFlags,
    name: entry,
  });
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Peak resident memory (VmHWM, bytes) of the app process (the spawned `node --import tsx <entry>` itself);
 * `launcherBytes` adds up its helpers (tsx's esbuild service), reported apart. Linux only (null elsewhere).
 */
export function peakRss(app: AppProcess): { appBytes: number; launcherBytes: number } | null {
  const root = app.child.pid;
  if (root === undefined || !existsSync("/proc/self/status")) return null;
  const appBytes = vmHwmBytes(root);
  if (appBytes === null) return null;
  const launcherBytes = descendants(root).reduce((sum, pid) => sum + (vmHwmBytes(pid) ?? 0), 0);
  return { appBytes, launcherBytes };
}

/** The PIDs a process forked, at any depth, from /proc (Linux). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    // Null when the process ended while we looked.
    const stat = readProcStat(name);
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A process's peak resident set (VmHWM) in bytes; null when it is gone or not on Linux. */
export function vmHwmBytes(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
