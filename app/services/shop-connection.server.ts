import { z } from "zod";
import type { Db } from "~/db.server";
import { sealToken, tokenHint } from "~/lib/token-crypto.server";
import { err, ok, type Result } from "~/lib/result";
import { accessTokenSchema, describeIssues, pixelIdSchema, shopDomainSchema, testEventCodeSchema } from "~/lib/validation";
import { saveConnection } from "~/models/shop-settings.server";

const connectSchema = z.object({
  shop: shopDomainSchema,
  pixelId: pixelIdSchema,
  accessToken: accessTokenSchema,
  testEventCode: testEventCodeSchema.nullish(),
});

export interface Connection {
  shop: string;
  pixelId: string;
  tokenHint: string;
  testEventCode: string | null;
}

/** The error is one sentence per invalid field. */
export type ConnectResult = Result<Connection, string[]>;

/**
 * Stores the shop's Meta connection (token sealed) and marks it connected, which also releases any
 * events held while the connection was broken.
 */
export async function connectShop(db: Db, encryptionKey: Buffer, input: unknown): Promise<ConnectResult> {
  const parsed = connectSchema.safeParse(input);
  if (!parsed.success) {
    return err(
      describeIssues(parsed.error, {
        shop: "Shop",
        pixelId: "Pixel ID",
        accessToken: "Access token",
        testEventCode: "Test event code",
      }),
    );
  }
  const { shop, pixelId, accessToken, testEventCode } = parsed.data;
  const saved = await saveConnection(db, shop, {
    pixelId,
    accessTokenSealed: sealToken(accessToken, encryptionKey),
    accessTokenHint: tokenHint(accessToken),
    testEventCode: testEventCode ?? null,
  });
  return ok({ shop, pixelId, tokenHint: saved.accessTokenHint ?? "", testEventCode: saved.testEventCode });
}
