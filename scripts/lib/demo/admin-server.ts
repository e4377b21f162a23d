// The demo's admin: the app's REAL embedded admin (the production build of app/, its loaders, actions and
// Polaris pages) on the demo's ledger, openable in a local browser without a Shopify store. Started by
// scripts/lib/demo/scenario.ts as its own process (`node --import tsx scripts/lib/demo/admin-server.ts`);
// server/index.ts never loads it, so a production start has no such path.
//
// Shopify's part is played the way Shopify's own test helpers do it:
//   - the merchant's session token: a JWT (HS256) signed with the app's secret, claims as `getJwt` in
//     @shopify/shopify-api/test-helpers makes them, passed as ?id_token= with ?embedded=1&shop=&host=;
//   - the offline session an install would have stored (seed-session.ts), so no token exchange happens;
//   - the Admin API, answered locally (dev/fake-shopify/admin-api.ts);
//   - App Bridge, replaced in the served HTML by a stand-in (dev/fake-shopify/app-bridge.ts).
//
// Guarded so that it can only ever run as the local demo: it refuses to start unless SHOPIFY_API_KEY is the
// made-up local client ID (scripts/lib/local-app-env.ts; no real app has it, so a production environment
// is refused), DATABASE_URL is a local SQLite file and SHOPIFY_APP_URL is this loopback address; and it
// listens on 127.0.0.1 only.
//
//   GET /                      the launcher: links to Home, Settings, Deliveries and an order
//   GET /__demo/open?page=…    redirects to that page with a freshly signed session token (they last 1 minute)
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import express, { type Request as ExpressRequest, type Response as ExpressResponse } from "express";
import { answerMainTheme, answerStorefrontSync, interceptAdminApi } from "../../../dev/fake-shopify/admin-api";
import { appBridgeStub } from "../../../dev/fake-shopify/app-bridge";
import { ROOT } from "../app-process";
import { LOCAL_CLIENT_ID } from "../local-app-env";
import { seedDemoSession } from "./seed-session";

export const ADMIN_READY_TEXT = "demo admin listening on";
const APP_BRIDGE_CDN = "https://cdn.shopify.com/shopifycloud/app-bridge.js";
const TOKEN_PATH = "/__demo/session-token";
const PAGES = {
  home: { label: "Home", path: "/app", note: "setup checklist and the week's purchases" },
  settings: { label: "Settings", path: "/app/settings", note: "the pixel, the token, which events are sent" },
  deliveries: { label: "Deliveries", path: "/app/deliveries", note: "every order's Purchase and what Meta answered" },
  order: { label: "An order", path: null, note: "one order's timeline, payload and match keys" },
} as const;
export type AdminPage = keyof typeof PAGES;

function refuse(reason: string): never {
  console.error(`demo admin: refusing to start: ${reason}. It only runs inside \`npm run demo\`.`);
  process.exit(2);
}

const env = process.env;
const port = Number(env.PORT);
const origin = `http://127.0.0.1:${port}`;
const shop = env.DEMO_SHOP ?? "";
if (env.SHOPIFY_API_KEY !== LOCAL_CLIENT_ID) refuse("SHOPIFY_API_KEY is not the demo's made-up client ID");
if (!env.DATABASE_URL?.startsWith("file:")) refuse("DATABASE_URL is not a local SQLite file");
if (!Number.isInteger(port) || port <= 0 || env.SHOPIFY_APP_URL !== origin) refuse(`SHOPIFY_APP_URL must be ${origin}`);
if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)) refuse("DEMO_SHOP is not a shop domain");
const apiKey = LOCAL_CLIENT_ID;
const secret = env.SHOPIFY_API_SECRET ?? refuse("SHOPIFY_API_SECRET is missing");

// Before the build is imported: Shopify's node adapter captures globalThis.fetch when it loads.
const adminApi = interceptAdminApi();
answerMainTheme(adminApi, { embed: "on", themeName: "Dawn" });
answerStorefrontSync(adminApi);
await seedDemoSession({ databaseUrl: env.DATABASE_URL!, shop, scopes: env.SCOPES ?? "" });

const buildDir = join(ROOT, "build");
const build = (await import(pathToFileURL(join(buildDir, "server/index.js")).href)) as ServerBuild;
const handle = createRequestHandler(build, "production");
const { openDb } = await import("~/db.server");
const db = openDb(env.DATABASE_URL!);

/** A session token as App Bridge's idToken() returns it (claims as getJwt's), valid for one minute. */
export function signSessionToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: apiKey,
    sub: "1",
    exp: now + 60,
    nbf: now - 5,
    iat: now,
    jti: randomBytes(8).toString("hex"),
    sid: randomBytes(8).toString("hex"),
  };
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(payload)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

function signedUrl(path: string): string {
  const url = new URL(path, origin);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64"));
  url.searchParams.set("id_token", signSessionToken());
  return url.pathname + url.search;
}

async function latestOrderId(): Promise<string | null> {
  const row = await db.delivery.findFirst({ where: { shop, orderId: { not: null } }, orderBy: { id: "desc" }, select: { orderId: true } });
  return row?.orderId ?? null;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

function launcher(): string {
  const links = (Object.keys(PAGES) as AdminPage[])
    .map((key) => `<li><a href="/__demo/open?page=${key}">${PAGES[key].label}</a> <span>${escape(PAGES[key].note)}</span></li>`)
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo admin · ${escape(shop)}</title>
<style>body{font:15px/1.5 Inter,-apple-system,system-ui,sans-serif;color:#303030;background:#f1f1f1;margin:0}
main{max-width:640px;margin:48px auto;background:#fff;border-radius:12px;padding:24px 32px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
h1{font-size:20px;margin:0 0 4px}li{margin:8px 0}a{color:#005bd3;font-weight:600}span{color:#616161}</style></head>
<body><main><h1>The app's admin, on the demo's data</h1>
<p>These are the real embedded admin pages, as a merchant sees them inside the Shopify admin, for the demo shop
<b>${escape(shop)}</b>. Each link signs a fresh session token (they expire after a minute), as Shopify does when it opens the app.</p>
<ul>
${links}
</ul>
<p><small>Local demo only: this server listens on 127.0.0.1 and stops with the demo (Ctrl-C).</small></p></main></body></html>`;
}

const app = express();
app.disable("x-powered-by");
app.get("/", (_req, res) => {
  res.type("html").set("cache-control", "no-store").send(launcher());
});
app.get("/__demo/open", async (req, res) => {
  const page = String(req.query.page ?? "") as AdminPage;
  if (!(page in PAGES)) return res.status(404).type("text").send("Unknown page: use home, settings, deliveries or order.");
  let path: string | null = PAGES[page].path;
  if (page === "order") {
    const orderId = await latestOrderId();
    path = orderId ? `/app/deliveries/${orderId}` : "/app/deliveries";
  }
  res.set("cache-control", "no-store").redirect(302, signedUrl(path!));
});
app.get(TOKEN_PATH, (_req, res) => {
  res.type("text").set("cache-control", "no-store").send(signSessionToken());
});
app.get("/__demo/app-bridge.js", (_req, res) => {
  res
    .type("js")
    .set("cache-control", "no-store")
    .send(appBridgeStub({ tokenUrl: TOKEN_PATH, showNav: true }));
});
app.use("/assets", express.static(join(buildDir, "client/assets"), { immutable: true, maxAge: "1y" }));
app.use(express.static(join(buildDir, "client"), { maxAge: "1h" }));
app.all("*", async (req, res) => {
  try {
    const response = await handle(await toFetchRequest(req));
    await send(res, response);
  } catch (error) {
    console.error(`demo admin: ${(error as Error).message}`);
    if (!res.headersSent) res.status(500).type("text").send("The demo admin failed on this request; see the demo's output.");
  }
});

async function toFetchRequest(req: ExpressRequest): Promise<Request> {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  const chunks: Buffer[] = [];
  if (req.method !== "GET" && req.method !== "HEAD") for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Request(new URL(req.originalUrl, origin), {
    method: req.method,
    headers,
    body: chunks.length ? Buffer.concat(chunks) : undefined,
  });
}

async function send(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie" && key !== "content-length" && key !== "content-encoding") res.setHeader(key, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  const body = Buffer.from(await response.arrayBuffer());
  // The real App Bridge only runs inside the Shopify admin: pages load the stand-in instead.
  if ((response.headers.get("content-type") ?? "").startsWith("text/html")) {
    res.send(body.toString("utf8").replaceAll(APP_BRIDGE_CDN, "/__demo/app-bridge.js"));
  } else {
    res.end(body);
  }
}

const server = createServer(app);
server.listen(port, "127.0.0.1", () => console.log(`${ADMIN_READY_TEXT} ${origin}`));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => {
      void db.$disconnect().finally(() => process.exit(0));
    });
  });
}
