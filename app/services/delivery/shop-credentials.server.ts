// What the worker needs to send a shop's events, shared by both of its queues (the ledger and storefront
// events): the shop's settings, its connection checked and its token opened, or the code a group is held
// with. A token no key opens marks the connection broken, so the merchant sees it and reconnects.
import type { Db } from "~/db.server";
import { err, ok, type Result } from "~/lib/result";
import { openToken, TokenDecryptError } from "~/lib/token-crypto.server";
import type { Logger } from "~/logger.server";
import { findShopSettings, markConnectionBroken } from "~/models/shop-settings.server";

export interface ShopCredentials {
  shop: string;
  accessToken: string;
  /** The sealed token as read: a refusal breaks the connection only while it is still the stored one. */
  accessTokenSealed: string;
  testEventCode: string | null;
}

export type HoldCode = "held_not_connected" | "held_token_unreadable";

export interface TokenKeys {
  encryptionKey: Buffer;
  /** The key TOKEN_ENCRYPTION_KEY replaced: tokens not yet re-sealed still open during a rotation. */
  previousEncryptionKey?: Buffer | null;
}

export async function openShopCredentials(
  db: Db,
  shop: string,
  keys: TokenKeys,
  logger: Logger,
): Promise<Result<ShopCredentials, HoldCode>> {
  const settings = await findShopSettings(db, shop);
  if (!settings || settings.connectionState !== "connected" || !settings.accessTokenSealed) return err("held_not_connected");
  try {
    const accessToken = openToken(settings.accessTokenSealed, [
      keys.encryptionKey,
      ...(keys.previousEncryptionKey ? [keys.previousEncryptionKey] : []),
    ]);
    return ok({ shop, accessToken, accessTokenSealed: settings.accessTokenSealed, testEventCode: settings.testEventCode });
  } catch (error) {
    if (!(error instanceof TokenDecryptError)) throw error;
    await markConnectionBroken(db, shop, { accessTokenSealed: settings.accessTokenSealed, reason: error.message });
    logger.error({ shop }, "stored access token cannot be decrypted; shop marked broken");
    return err("held_token_unreadable");
  }
}
