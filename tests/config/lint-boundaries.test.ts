// The import boundaries in eslint.config.js bite: ESLint, with the project's own config, rejects a route that
// imports a model, app/lib importing a .server or Node I/O module, and production code importing from tests/,
// and passes the same files when they keep to their side.
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

async function lint(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
}

// Each fixture uses what it imports, so the import is the only thing ESLint can object to.
const use = (name: string) => `\nexport const used = ${name};\n`;

describe("routes never import models", () => {
  it.each([
    ["app/routes/app.fixture.tsx", `import { listDeliveries } from "~/models/delivery-reads.server";`],
    ["app/routes/app.fixture.tsx", `import { listDeliveries } from "../models/delivery-reads.server";`],
    ["app/routes/auth.fixture/route.tsx", `import { listDeliveries } from "../../models/delivery-reads.server";`],
  ])("%s: %s fails", async (file, line) => {
    const messages = await lint(file, line + use("listDeliveries"));
    expect(messages).toEqual([expect.objectContaining({ rule: "no-restricted-imports", line: 1 })]);
    expect(messages[0].message).toContain("Routes never import models");
  });

  it("a type-only import of a model fails too", async () => {
    const code = `import type { ShopSettingsRecord } from "~/models/shop-settings.server";\nlet record: ShopSettingsRecord | undefined;`;
    const messages = await lint("app/routes/app.fixture.tsx", code + use("record"));
    expect(messages).toEqual([expect.objectContaining({ rule: "no-restricted-imports", line: 1 })]);
    expect(messages[0].message).toContain("Routes never import models");
  });

  it("a route that calls a service passes", async () => {
    expect(
      await lint("app/routes/app.fixture.tsx", `import { loadSettings } from "~/services/settings.server";` + use("loadSettings")),
    ).toEqual([]);
  });
});

describe("app/lib never imports .server modules or Node I/O", () => {
  it.each([
    ["app/lib/fixture.ts", `import { logger } from "~/logger.server";`, "logger", ".server module"],
    ["app/lib/fixture.ts", `import type { Db } from "~/db.server";\nlet db: Db | undefined;`, "db", ".server module"],
    ["app/lib/capi/fixture.ts", `import { sealToken } from "../token-crypto.server";`, "sealToken", ".server module"],
    ["app/lib/fixture.ts", `import { readFileSync } from "node:fs";`, "readFileSync", "no I/O"],
    ["app/lib/fixture.ts", `import { connect } from "node:net";`, "connect", "no I/O"],
  ])("%s: %s fails", async (file, line, name, reason) => {
    const messages = await lint(file, line + use(name));
    expect(messages).toEqual([expect.objectContaining({ rule: "no-restricted-imports", line: 1 })]);
    expect(messages[0].message).toContain(reason);
  });

  it("pure imports pass: a library, another lib module, hashing, node:net's isIP", async () => {
    const code = [
      `import { z } from "zod";`,
      `import { purchaseEventId } from "./event-id";`,
      `import { createHash } from "node:crypto";`,
      `import { isIP } from "node:net";`,
      `export const used = [z, purchaseEventId, createHash, isIP];`,
    ].join("\n");
    expect(await lint("app/lib/fixture.ts", code)).toEqual([]);
  });

  it("a lib test may import what it tests against", async () => {
    expect(await lint("app/lib/fixture.test.ts", `import { logger } from "~/logger.server";` + use("logger"))).toEqual([]);
  });
});

describe("nothing outside the tests imports from tests/", () => {
  it.each([
    ["app/services/fixture.server.ts", `import { setAppEnv } from "../../tests/helpers/app-env";`],
    ["app/lib/fixture.ts", `import { setAppEnv } from "../../tests/helpers/app-env";`],
    ["app/routes/app.fixture.tsx", `import { setAppEnv } from "../../tests/helpers/app-env";`],
    ["server/fixture.ts", `import { setAppEnv } from "../tests/helpers/app-env";`],
    ["dev/fake-meta/fixture.ts", `import { setAppEnv } from "../../tests/helpers/app-env";`],
    ["scripts/lib/demo/fixture.ts", `import { setAppEnv } from "../../../tests/helpers/app-env";`],
    ["extensions/web-pixel/src/fixture.ts", `import { setAppEnv } from "../../../tests/helpers/app-env";`],
    ["cli/fixture.ts", `import { setAppEnv } from "../tests/helpers/app-env";`],
  ])("%s: %s fails", async (file, line) => {
    const messages = await lint(file, line + use("setAppEnv"));
    expect(messages).toEqual([expect.objectContaining({ rule: "no-restricted-imports", line: 1 })]);
    expect(messages[0].message).toContain("Only tests import from tests/");
  });

  it("tests and test files may", async () => {
    const line = `import { setAppEnv } from "../helpers/app-env";` + use("setAppEnv");
    expect(await lint("tests/routes/fixture.test.ts", line)).toEqual([]);
    expect(
      await lint("app/services/fixture.server.test.ts", `import { setAppEnv } from "../../tests/helpers/app-env";` + use("setAppEnv")),
    ).toEqual([]);
  });
});
