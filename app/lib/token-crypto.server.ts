// The Conversions API access token is a bearer credential for the merchant's ad account: it is stored
// sealed with AES-256-GCM and opened only where a request to Meta is about to be made.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";

export function sealToken(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(":");
}

export class TokenDecryptError extends Error {
  constructor() {
    // Deliberately says nothing about the value: error text may reach logs.
    super("The stored access token could not be decrypted with TOKEN_ENCRYPTION_KEY");
    this.name = "TokenDecryptError";
  }
}

/**
 * Opens a sealed token with `key`, or with the first of several keys that opens it: while
 * TOKEN_ENCRYPTION_KEY is being rotated, the current key is tried first, then the previous one.
 */
export function openToken(sealed: string, key: Buffer | readonly Buffer[]): string {
  return openTokenWith(sealed, Buffer.isBuffer(key) ? [key] : key).token;
}

/** Also says which key opened it: anything but index 0 (the current key) is due for re-sealing. */
export function openTokenWith(sealed: string, keys: readonly Buffer[]): { token: string; keyIndex: number } {
  const [version, iv, tag, ciphertext] = sealed.split(":");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new TokenDecryptError();
  for (const [keyIndex, key] of keys.entries()) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      const token = Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
      return { token, keyIndex };
    } catch {
      // GCM's tag check failed: not this key (or tampered); try the next.
    }
  }
  throw new TokenDecryptError();
}

/** The last four characters, for "set, ending in …" without decrypting. */
export function tokenHint(token: string): string {
  return token.slice(-4);
}
