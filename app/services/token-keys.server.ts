// Rotating TOKEN_ENCRYPTION_KEY (README, "Rotating the encryption key"): while the old key is set as
// TOKEN_ENCRYPTION_KEY_PREVIOUS everything keeps working, and this re-seals each stored token under the
// new key so the old one can then be dropped. Counts only: no token, sealed or not, leaves this module.
import type { Db } from "~/db.server";
import { openTokenWith, sealToken, TokenDecryptError } from "~/lib/token-crypto.server";
import { listSealedTokens, replaceSealedToken } from "~/models/sealed-tokens.server";

export interface ResealReport {
  total: number;
  /** Opened with the previous key and now sealed under the current one. */
  resealed: number;
  /** Already under the current key. */
  current: number;
  /** Changed by a reconnect while this ran: sealed under the current key by that reconnect. */
  changedMeanwhile: number;
  /** Shops whose token neither key opens: they must reconnect. */
  unreadable: string[];
}

export async function resealTokens(db: Db, keys: { current: Buffer; previous: Buffer | null }): Promise<ResealReport> {
  const report: ResealReport = { total: 0, resealed: 0, current: 0, changedMeanwhile: 0, unreadable: [] };
  const candidates = [keys.current, ...(keys.previous ? [keys.previous] : [])];
  for (const { shop, sealed } of await listSealedTokens(db)) {
    report.total++;
    let opened: { token: string; keyIndex: number };
    try {
      opened = openTokenWith(sealed, candidates);
    } catch (error) {
      if (!(error instanceof TokenDecryptError)) throw error;
      report.unreadable.push(shop);
      continue;
    }
    if (opened.keyIndex === 0) {
      report.current++;
      continue;
    }
    const replaced = await replaceSealedToken(db, { shop, from: sealed, to: sealToken(opened.token, keys.current) });
    if (replaced === 1) report.resealed++;
    else report.changedMeanwhile++;
  }
  return report;
}
