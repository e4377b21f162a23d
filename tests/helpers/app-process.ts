// Real app processes for end-to-end tests. The process machinery lives in scripts/lib/app-process.ts,
// shared with the demo and the benchmark; this file adds the test app's environment.
import { API_KEY, API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { TEST_ENCRYPTION_KEY_HEX } from "./app-env";

export { freePort, peakRss, startApp, startProcess, waitFor, type AppProcess } from "../../scripts/lib/app-process";

export function appEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    SHOPIFY_API_KEY: API_KEY,
    SHOPIFY_API_SECRET: API_SECRET_KEY,
    SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
    SCOPES: "read_orders",
    TOKEN_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY_HEX,
    DELIVERY_POLL_MS: "50",
    DELIVERY_RETRY_BASE_MS: "100",
    LOG_LEVEL: "info",
    ...overrides,
  };
}
