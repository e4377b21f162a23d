// Rotating TOKEN_ENCRYPTION_KEY, exactly as the README's procedure has the operator do it: deploy the new
// key with the old one as TOKEN_ENCRYPTION_KEY_PREVIOUS (everything keeps working), run
// `npm run cli -- tokens:reseal`, then drop the previous key. Nothing along the way prints a token.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnvironment, tokenKeys } from "~/env.server";
import { openToken, openTokenWith, sealToken, TokenDecryptError } from "~/lib/token-crypto.server";
import { parseWebhookJson } from "~/lib/well-formed";
import { recordOrderPaid } from "~/services/orders-paid.server";
import { runCli } from "../../cli/run";
import { createRig, SHOP_A, SHOP_B, statusCounts, trackCleanups } from "../faults/harness";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { TEST_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY_HEX } from "../helpers/app-env";
import { waitFor } from "../helpers/app-process";

const cleanups = trackCleanups();
const run = promisify(execFile);

const OLD = TEST_ENCRYPTION_KEY;
const NEW_HEX = "c3".repeat(32);
const NEW = Buffer.from(NEW_HEX, "hex");
const STRAY = Buffer.from("d4".repeat(32), "hex");
const TOKEN = "EAAB" + "r".repeat(60);

describe("opening a token during a key rotation", () => {
  it("tries the current key, then the previous one, and says which opened it", () => {
    const sealedOld = sealToken(TOKEN, OLD);
    expect(openToken(sealedOld, [NEW, OLD])).toBe(TOKEN);
    expect(openTokenWith(sealedOld, [NEW, OLD]).keyIndex).toBe(1);
    expect(openTokenWith(sealToken(TOKEN, NEW), [NEW, OLD]).keyIndex).toBe(0);
    expect(openToken(sealedOld, OLD)).toBe(TOKEN);
    const error = (() => {
      try {
        openToken(sealedOld, [NEW, STRAY]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TokenDecryptError);
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it("validates TOKEN_ENCRYPTION_KEY_PREVIOUS like the key itself, and orders the keys current first", () => {
    const base = { SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://a.example", SCOPES: "read_orders" };
    const config = parseEnvironment({ ...base, TOKEN_ENCRYPTION_KEY: NEW_HEX, TOKEN_ENCRYPTION_KEY_PREVIOUS: TEST_ENCRYPTION_KEY_HEX });
    expect(tokenKeys(config)).toEqual([NEW, OLD]);
    expect(tokenKeys(parseEnvironment({ ...base, TOKEN_ENCRYPTION_KEY: NEW_HEX }))).toEqual([NEW]);
    const error = (() => {
      try {
        parseEnvironment({ ...base, TOKEN_ENCRYPTION_KEY: NEW_HEX, TOKEN_ENCRYPTION_KEY_PREVIOUS: "short" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).problems.join("\n")).toMatch(/^TOKEN_ENCRYPTION_KEY_PREVIOUS /m);
  });
});

describe("npm run cli -- tokens:reseal", () => {
  it("re-seals tokens under the current key, reports counts only, names shops it cannot open, and is idempotent", async () => {
    const rig = await createRig(cleanups, { shops: [SHOP_A, SHOP_B] });
    // SHOP_A and SHOP_B were connected under OLD; a third shop's token was sealed under a key nobody has.
    await rig.db.shopSettings.create({
      data: { shop: "lost-key.myshopify.com", accessTokenSealed: sealToken(TOKEN, STRAY), connectionState: "connected" },
    });
    const cli = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await runCli(argv, {
        db: rig.db,
        encryptionKey: NEW,
        previousEncryptionKey: OLD,
        out: (l) => lines.push(l),
        err: (l) => lines.push(l),
      });
      return { code, text: lines.join("\n") };
    };

    const first = await cli("tokens:reseal");
    expect(first.code).toBe(1);
    expect(first.text).toContain("3 stored tokens: 2 re-sealed under the current key, 0 already under it, 1 unreadable.");
    expect(first.text).toContain("lost-key.myshopify.com");
    for (const s of [SHOP_A, SHOP_B]) {
      expect(first.text).not.toContain(s.token);
      const sealed = (await rig.db.shopSettings.findUniqueOrThrow({ where: { shop: s.shop } })).accessTokenSealed!;
      expect(first.text).not.toContain(sealed);
      expect(openToken(sealed, NEW)).toBe(s.token);
      expect(() => openToken(sealed, OLD)).toThrow(TokenDecryptError);
    }

    await rig.db.shopSettings.delete({ where: { shop: "lost-key.myshopify.com" } });
    const again = await cli("tokens:reseal");
    expect(again).toEqual({ code: 0, text: "2 stored tokens: 0 re-sealed under the current key, 2 already under it, 0 unreadable." });
    expect((await cli("tokens:reseal", "--force")).code).toBe(2);
  });
});

describe("the rotation procedure, with the real worker and CLI processes", () => {
  it("keeps delivering with the old key as previous, re-seals, and keeps delivering without it", async () => {
    const rig = await createRig(cleanups);
    const order = async () => {
      const id = nextOrderId();
      await recordOrderPaid(rig.db, { shop: SHOP_A.shop, order: parseWebhookJson(paidOrderJson({ id })), webhookId: id, now: new Date() });
    };
    const rotating = { TOKEN_ENCRYPTION_KEY: NEW_HEX, TOKEN_ENCRYPTION_KEY_PREVIOUS: TEST_ENCRYPTION_KEY_HEX };

    // Step 1: deploy the new key with the old one as previous. The stored token (sealed under OLD) still opens.
    await order();
    const during = await rig.start("worker", rotating);
    await waitFor(async () => (await statusCounts(rig.db)).sent === 1, 20_000, "a delivery during the rotation");
    await during.stop("SIGTERM");

    // Step 2: re-seal every stored token under the new key.
    const resealed = await run(process.execPath, ["--import", "tsx", "cli/index.ts", "tokens:reseal"], {
      env: rig.env(rotating) as NodeJS.ProcessEnv,
    });
    expect(resealed.stdout).toContain("1 stored token: 1 re-sealed under the current key");

    // Step 3: drop the previous key. Deliveries go on.
    await order();
    const after = await rig.start("worker", { TOKEN_ENCRYPTION_KEY: NEW_HEX });
    await waitFor(async () => (await statusCounts(rig.db)).sent === 2, 20_000, "a delivery after the rotation");
    expect((await rig.db.shopSettings.findUniqueOrThrow({ where: { shop: SHOP_A.shop } })).connectionState).toBe("connected");
    expect(rig.fake.counted(SHOP_A.pixel)).toHaveLength(2);

    for (const output of [during.output(), after.output(), resealed.stdout, resealed.stderr]) {
      expect(output).not.toContain(SHOP_A.token);
    }
  }, 60_000);
});
