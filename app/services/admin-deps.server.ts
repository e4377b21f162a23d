// What the admin's services need from the process, assembled in one place so routes stay thin and tests
// can pass their own (a fake Graph API URL, a fixed clock).
import { getDb, type Db } from "~/db.server";
import { decodeKey, env, tokenKeys } from "~/env.server";
import { logger, type Logger } from "~/logger.server";
import { createGraphClient, type GraphClient } from "~/services/meta/graph-client.server";

export interface AdminDeps {
  db: Db;
  /** Seals tokens the merchant pastes (TOKEN_ENCRYPTION_KEY). */
  encryptionKey: Buffer;
  /** Open stored tokens: the current key first, then TOKEN_ENCRYPTION_KEY_PREVIOUS while a rotation runs. */
  decryptionKeys: Buffer[];
  meta: GraphClient;
  /** The app's public URL (the storefront's beacon target). */
  appUrl: string;
  /** The app's client ID: public, used in the theme editor link. */
  apiKey: string;
  logger: Logger;
  now: () => Date;
}

// The merchant is waiting on the page: a test event or verification should not hang for the worker's
// full request timeout.
const INTERACTIVE_TIMEOUT_MS = 8000;

export function adminDeps(): AdminDeps {
  const config = env();
  return {
    db: getDb(),
    encryptionKey: decodeKey(config.TOKEN_ENCRYPTION_KEY)!,
    decryptionKeys: tokenKeys(config),
    meta: createGraphClient({
      baseUrl: config.META_GRAPH_API_URL,
      apiVersion: config.META_GRAPH_API_VERSION,
      timeoutMs: Math.min(config.DELIVERY_REQUEST_TIMEOUT_MS, INTERACTIVE_TIMEOUT_MS),
    }),
    appUrl: config.SHOPIFY_APP_URL,
    apiKey: config.SHOPIFY_API_KEY,
    logger: logger.child({ component: "admin" }),
    now: () => new Date(),
  };
}
