// The browser tests and the demo drive Debian's Chromium (Playwright cannot download its own browser
// here). A fresh machine does not have it: install it when we can (root with apt-get), otherwise say how.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export function ensureChromium(log = (line) => console.log(line)) {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (process.env.CHROMIUM_PATH || !isRoot || !existsSync("/usr/bin/apt-get")) {
    throw new Error(`No Chromium at ${path}: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  log("Chromium is missing: installing Debian's chromium package (once)…");
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", "chromium"],
  ]) {
    const result = spawnSync("apt-get", args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed; install chromium by hand or set CHROMIUM_PATH`);
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium, but ${path} is still missing`);
  return path;
}
