// The environment the app modules read, set before they are imported.
import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";

export const TEST_ENCRYPTION_KEY_HEX = "a1".repeat(32);
export const TEST_ENCRYPTION_KEY = Buffer.from(TEST_ENCRYPTION_KEY_HEX, "hex");

export function setAppEnv(overrides: Record<string, string> = {}): void {
  Object.assign(process.env, {
    NODE_ENV: "test",
    SHOPIFY_API_KEY: API_KEY,
    SHOPIFY_API_SECRET: API_SECRET_KEY,
    SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
    SCOPES: "read_orders,write_pixels,read_customer_events",
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY_HEX,
    META_GRAPH_API_VERSION: "v25.0",
    LOG_LEVEL: "silent",
    ...overrides,
  });
}
