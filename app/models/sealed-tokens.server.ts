// The stored access tokens as sealed text, for re-sealing them under a new TOKEN_ENCRYPTION_KEY. Key
// rotation covers every shop at once, so listing is the one read here that is not scoped to a shop;
// each write is, and only replaces the exact value it read.
import type { Db } from "~/db.server";

export async function listSealedTokens(db: Db): Promise<{ shop: string; sealed: string }[]> {
  const rows = await db.shopSettings.findMany({
    where: { accessTokenSealed: { not: null } },
    orderBy: { shop: "asc" },
    select: { shop: true, accessTokenSealed: true },
  });
  return rows.map((r) => ({ shop: r.shop, sealed: r.accessTokenSealed! }));
}

/** 0 when the shop's token changed meanwhile (the merchant reconnected): theirs is already current. */
export async function replaceSealedToken(db: Db, input: { shop: string; from: string; to: string }): Promise<number> {
  const { count } = await db.shopSettings.updateMany({
    where: { shop: input.shop, accessTokenSealed: input.from },
    data: { accessTokenSealed: input.to },
  });
  return count;
}
