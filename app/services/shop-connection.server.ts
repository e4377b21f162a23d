import { z } from "zod";
import type { Db } from "~/db.server";
import { sealToken, tokenHint } from "~/lib/token-crypto.server";
import { accessTokenSchema, describeIssues, pixelIdSchema, shopDomainSchema, testEventCodeSchema } from "~/lib/validation";
import { saveConnection } from "~/models/shop-settings.server";

const connectSchema = z.object({
  shop: shopDomainSchema,
  pixelId: pixelIdSchema,
  accessToken: accessTokenSchema,
  testEventCode: testEventCodeSchema.nullish(),
});

export type ConnectResult =
  | { ok: true; shop: string; pixelId: string; tokenHint: string; testEventCode: string | null }
  | { ok: false; errors: string[] };

/**
 * Stores the shop's Meta connection (token sealed) and marks it connected, which also releases any
 * events held while the connection was broken.
 */
export async function connectShop(db: Db, encryptionKey: Buffer, input: unknown): Promise<ConnectResult> {
  const parsed = connectSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: describeIssues(parsed.error, {
        shop: "Shop",
        pixelId: "Pixel ID",
        accessToken: "Access token",
        testEventCode: "Test event code",
      }),
    };
  }
  const { shop, pixelId, accessToken, testEventCode } = parsed.data;
  const saved = await saveConnection(db, shop, {
    pixelId,
    accessTokenSealed: sealToken(accessToken, encryptionKey),
    accessTokenHint: tokenHint(accessToken),
    testEventCode: testEventCode ?? null,
  });
  return { ok: true, shop, pixelId, tokenHint: saved.accessTokenHint ?? "", testEventCode: saved.testEventCode };
}
