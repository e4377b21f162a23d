import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) } },
  test: {
    include: [
      "app/**/*.test.{ts,tsx}",
      "tests/**/*.test.{ts,tsx}",
      "extensions/**/*.test.{ts,tsx}",
      "worker/**/*.test.ts",
      "cli/**/*.test.ts",
    ],
    environment: "node",
    setupFiles: ["tests/setup/fast-check.ts"],
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
