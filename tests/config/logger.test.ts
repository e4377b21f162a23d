// LOG_LEVEL is read like every other variable: from the validated environment, `.env` included. The
// logger module is imported (by the entry points' static imports) before bootEnv() reads `.env`, so a
// level set only in `.env` must still take effect.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setAppEnv } from "../helpers/app-env";

let dir: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "capi-logger-"));
  vi.resetModules();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe("logger level", () => {
  it("takes LOG_LEVEL from a .env file read after the logger module was imported", async () => {
    setAppEnv({ NODE_ENV: "production" });
    delete process.env.LOG_LEVEL;
    // As server/index.ts does: the logger is imported first, then bootEnv() reads .env.
    const { logger } = await import("~/logger.server");
    const { loadDotEnv, env } = await import("~/env.server");
    writeFileSync(join(dir, ".env"), "LOG_LEVEL=warn\n");
    loadDotEnv(join(dir, ".env"));
    expect(env().LOG_LEVEL).toBe("warn");

    expect(logger.level).toBe("warn");
    expect(logger.isLevelEnabled("info")).toBe(false);
    expect(logger.isLevelEnabled("warn")).toBe(true);
    // Children made from it (the worker's, the admin's) carry the same level.
    expect(logger.child({ component: "worker" }).isLevelEnabled("info")).toBe(false);
  });

  it("a level from .env can also open up debug lines, and the environment wins over .env", async () => {
    setAppEnv({ NODE_ENV: "production", LOG_LEVEL: "error" });
    const { logger } = await import("~/logger.server");
    const { loadDotEnv } = await import("~/env.server");
    writeFileSync(join(dir, ".env"), "LOG_LEVEL=debug\n");
    loadDotEnv(join(dir, ".env"));
    expect(logger.level).toBe("error");

    vi.resetModules();
    delete process.env.LOG_LEVEL;
    const fresh = await import("~/logger.server");
    (await import("~/env.server")).loadDotEnv(join(dir, ".env"));
    expect(fresh.logger.level).toBe("debug");
  });
});
