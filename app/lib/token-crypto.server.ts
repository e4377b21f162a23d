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

export function openToken(sealed: string, key: Buffer): string {
  const [version, iv, tag, ciphertext] = sealed.split(":");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new TokenDecryptError();
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new TokenDecryptError();
  }
}

/** The last four characters, for "set, ending in …" without decrypting. */
export function tokenHint(token: string): string {
  return token.slice(-4);
}
