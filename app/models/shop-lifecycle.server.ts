// The shop's own sign-in and connection, as install and uninstall change them.
import type { Db } from "~/db.server";

/** Signs the shop out and forgets its Meta credentials, in one transaction so neither half is left behind. */
export async function disconnectUninstalledShop(db: Db, shop: string): Promise<void> {
  await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    // Meta's verdict was read with the token that is now forgotten.
    db.datasetQualitySnapshot.deleteMany({ where: { shop } }),
    db.shopSettings.updateMany({
      where: { shop },
      data: {
        connectionState: "disconnected",
        accessTokenSealed: null,
        accessTokenHint: null,
        connectionError: "App uninstalled",
      },
    }),
  ]);
}

/** Records the scopes the merchant granted on the shop's stored session, if it still exists. */
export async function updateSessionScope(db: Db, input: { shop: string; sessionId: string; scope: string }): Promise<void> {
  await db.session.updateMany({ where: { id: input.sessionId, shop: input.shop }, data: { scope: input.scope } });
}
