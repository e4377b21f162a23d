// The environment for running the app locally with no Shopify store, no Meta account and no .env file:
// made-up Shopify credentials (webhooks are signed with the same made-up secret) and a fresh encryption
// key per run. The demo and the benchmark pass it to the real server and worker processes.
import { randomBytes } from "node:crypto";

/** A made-up client ID no real app has: the demo's admin server refuses to start with any other. */
export const LOCAL_CLIENT_ID = "local-client-id";

export interface LocalAppEnv {
  env: Record<string, string>;
  /** Sign webhooks with this: it is the app secret the server verifies HMACs against. */
  apiSecret: string;
  encryptionKey: Buffer;
}

export function localAppEnv(overrides: Record<string, string> = {}): LocalAppEnv {
  const apiSecret = `local-secret-${randomBytes(12).toString("hex")}`;
  const encryptionKey = randomBytes(32);
  return {
    apiSecret,
    encryptionKey,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "production",
      SHOPIFY_API_KEY: LOCAL_CLIENT_ID,
      SHOPIFY_API_SECRET: apiSecret,
      SHOPIFY_APP_URL: "https://capi-local.example",
      SCOPES: "read_orders,write_pixels,read_customer_events",
      TOKEN_ENCRYPTION_KEY: encryptionKey.toString("hex"),
      LOG_LEVEL: "info",
      ...overrides,
    },
  };
}
