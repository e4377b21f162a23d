// Build and dev-server config only: it must not import app/env.server.ts, because `remix vite:build`
// runs in CI and Docker without the app's variables.
import { vitePlugin as remix } from "@remix-run/dev";
import { installGlobals } from "@remix-run/node";
import { fileURLToPath } from "node:url";
import { defineConfig, type UserConfig } from "vite";

installGlobals({ nativeFetch: true });

// The Shopify CLI passes HOST, which Remix's dev server would bind to; it is the app URL, so move it
// there (same workaround as Shopify's Remix template).
if (process.env.HOST && (!process.env.SHOPIFY_APP_URL || process.env.SHOPIFY_APP_URL === process.env.HOST)) {
  process.env.SHOPIFY_APP_URL = process.env.HOST;
  delete process.env.HOST;
}

const host = new URL(process.env.SHOPIFY_APP_URL || "http://localhost").hostname;

// Behind the CLI's tunnel the browser reaches HMR over wss on 443; locally a fixed ws port avoids clashing
// with the app port.
const hmrConfig =
  host === "localhost"
    ? { protocol: "ws", host: "localhost", port: 64999, clientPort: 64999 }
    : { protocol: "wss", host, port: parseInt(process.env.FRONTEND_PORT ?? "", 10) || 8002, clientPort: 443 };

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) } },
  server: {
    allowedHosts: [host],
    cors: { preflightContinue: true },
    port: Number(process.env.PORT || 3000),
    hmr: hmrConfig,
    fs: { allow: ["app", "node_modules"] },
  },
  plugins: [
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        v3_singleFetch: false,
        v3_routeConfig: true,
      },
    }),
  ],
  build: {
    assetsInlineLimit: 0,
    rollupOptions: {
      // Resource routes (webhooks, healthz, auth) have no browser code, so their client chunks are empty
      // by design; Rollup's "Generated an empty chunk" line for each reads like an error to a newcomer.
      onwarn(warning, warn) {
        if (warning.code === "EMPTY_BUNDLE") return;
        warn(warning);
      },
    },
  },
  optimizeDeps: {
    include: ["@shopify/app-bridge-react", "@shopify/polaris"],
  },
}) satisfies UserConfig;
