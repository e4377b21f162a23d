import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { getDb } from "./db.server";
import { env } from "./env.server";

const config = env();

export const apiVersion = ApiVersion.October25;

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion,
  scopes: config.SCOPES,
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  sessionStorage: new PrismaSessionStorage(getDb()),
  distribution: AppDistribution.AppStore,
  future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate: typeof shopify.authenticate = {
  ...shopify.authenticate,
  admin: async (request) => {
    refuseOutsideShopify(request);
    return shopify.authenticate.admin(request);
  },
};
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;

// Someone opened the admin's URL directly (a browser, curl), not through the Shopify admin: Shopify's
// flow would answer a bare 410 or a redirect to a login form, which tells them nothing. Only requests
// with none of what Shopify sends are answered here; anything carrying a shop, host, session token or
// the embedded flag goes through authenticate.admin untouched (bounce pages, redirects, 401 + retry header).
const SHOPIFY_PARAMS = ["shop", "host", "id_token", "embedded", "session", "hmac"];

function refuseOutsideShopify(request: Request): void {
  const url = new URL(request.url);
  if (!url.pathname.startsWith("/app")) return;
  if (request.headers.has("authorization")) return;
  if (SHOPIFY_PARAMS.some((name) => url.searchParams.has(name))) return;
  throw new Response(OPEN_FROM_SHOPIFY_HTML, {
    status: 400,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

// A fragment: Shopify's error boundary (app/routes/app.tsx) renders a thrown response's body as HTML.
export const OPEN_FROM_SHOPIFY_HTML = `<main style="max-width:40rem;margin:4rem auto;padding:0 1rem;font:16px/1.5 Inter,-apple-system,system-ui,sans-serif;color:#303030">
<h1 style="font-size:1.5rem">Open this app from the Shopify admin</h1>
<p>This is the admin of the Meta Pixel &amp; Conversions API app. It runs inside the Shopify admin, which signs you in:
opening its address directly does not work.</p>
<ul>
<li><b>Merchants:</b> in your Shopify admin, go to <b>Apps</b> and open the app.</li>
<li><b>Developers:</b> run <code>shopify app dev</code> and open the preview link it prints.</li>
<li><b>Just looking:</b> run <code>npm run demo -- --keep-running</code> in a clone of the repository; it prints a local
link that opens these pages on the demo's data, with no Shopify store.</li>
</ul>
</main>`;
