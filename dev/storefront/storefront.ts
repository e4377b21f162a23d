// A small shop on a local port, rendered from the theme app embed's real Liquid (liquidjs with the Shopify
// objects and filters the block uses) and serving its real assets/meta-pixel.js, with a cart that behaves
// like Shopify's Ajax Cart API. Meta is faked in the browser: `storefront.attach(context)` routes
// connect.facebook.net to a small fbevents.js that records every fbq call (here, across navigations) and
// blocks every other external URL.
//
//   const store = await startStorefront({ template: "product", consent: "granted" });
//   const context = await chromium.newContext();
//   await store.attach(context);                         // or { meta: "blocked" }
//   const page = await context.newPage();
//   await page.goto(store.url + "?fbclid=AbC");
//   await store.waitForEvents(["PageView", "ViewContent"]);
//   store.cartAttributeWrites                            // bodies of POST /cart/update.js
//   await store.waitForProxyEvents(["PageView"])         // the server copies, POST /apps/meta-capi/events
//   await store.close();
//
// Or all of it at once: `const s = await openStorefront(chromium, { consent: "pending" })` gives
// {store, context, page, problems, close}.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Liquid } from "liquidjs";
import type { BrowserContext, Page } from "playwright-core";
import { signProxyUrl } from "../fake-shopify/app-proxy";
import { eventually, offline, watchPage, type ChromiumHandle, type OfflineLog, type PageProblems } from "../../scripts/lib/browser";

const EMBED_DIR = new URL("../../extensions/theme-app-embed/", import.meta.url);

export const PIXEL_ID = "123456789012345";
export const PRODUCT = {
  id: 7234567890123,
  handle: "aviator-sunglasses",
  title: "Aviator sunglasses",
  variants: [
    { id: 41234567890123, title: "Gold", price: 8999 },
    { id: 41234567890124, title: "Silver", price: 10999 },
  ],
};
export const OTHER_PRODUCT = {
  id: 7234567890999,
  handle: "lens-cloth",
  title: "Lens cloth",
  variants: [{ id: 41234567890999, title: "Default", price: 500 }],
};
const CATALOG = [PRODUCT, OTHER_PRODUCT];

/**
 * How the Customer Privacy API answers. granted/declined: the visitor decided (in a consent region);
 * pending: a consent region, no decision yet; not-required: a region without consent rules (marketing
 * allowed, nothing explicit); unavailable: no window.Shopify; api-error: loadFeatures fails.
 */
export type ConsentScenario = "granted" | "declined" | "pending" | "not-required" | "unavailable" | "api-error";

export interface MetafieldValues {
  pixel_id?: unknown;
  enabled_events?: unknown;
  custom_events?: unknown;
  consent_mode?: unknown;
  limited_data_use?: unknown;
  /** {"t": "<ID with {p} and {v}>", "ct": "<content_type>"} (catalogIdTemplate); missing: product groups. */
  catalog_ids?: unknown;
  /** Written by older app versions; the embed no longer reads it. */
  beacon_url?: unknown;
}

/** Where Shopify's app proxy answers on the shop's domain (shopify.app.toml [app_proxy]). */
export const PROXY_EVENTS_PATH = "/apps/meta-capi/events";

export interface StorefrontOptions {
  /** Merged over working defaults; a key set to undefined is a missing metafield; null: none at all. */
  metafields?: MetafieldValues | null;
  /** Which page `url` points at. */
  template?: "product" | "index";
  consent?: ConsentScenario;
  /** The theme editor's preview (request.design_mode). */
  designMode?: boolean;
  customer?: { id: number; email: string } | null;
  /** A theme whose product form is intercepted by its own script and posted with fetch. */
  ajaxTheme?: boolean;
  /** "broken": every /cart/*.js request answers 500, as during a Shopify incident. */
  cartApi?: "working" | "broken";
  currency?: string;
  shop?: string;
  /** The shop's name in the page header and titles. */
  shopName?: string;
  /** The embed block's theme-editor settings (`block.settings`). */
  blockSettings?: { proxy_path?: string };
  /** What the app proxy answers (default 202), e.g. 429 when rate limited. Ignored with `appProxy`. */
  proxyStatus?: number;
  /**
   * Play Shopify's app proxy for real: forward each POST to /apps/<subpath>/events to the app's
   * /proxy/events, signed for `shop` with the app's secret, with the shopper's address in X-Forwarded-For,
   * and answer with the app's own answer. Without it the storefront answers `proxyStatus` itself.
   */
  appProxy?: AppProxyTarget;
  /** Merchant markup: in <head> before the embed's script, and at the end of <body>. */
  headHtml?: string;
  bodyHtml?: string;
}

export interface AppProxyTarget {
  /** The app's base URL, e.g. http://127.0.0.1:3000. */
  appUrl: string;
  /** SHOPIFY_API_SECRET: Shopify signs proxied requests with it. */
  secret: string;
  /** The shopper's address as Shopify's proxy reports it; default a documentation address (RFC 5737). */
  clientIp?: string;
}

/** Forwards one storefront POST to the app as Shopify's app proxy does; resolves with the app's answer. */
export async function forwardToAppProxy(
  target: AppProxyTarget,
  input: { shop: string; pathPrefix: string; loggedInCustomerId?: string | null; body: Buffer; contentType?: string; userAgent?: string },
): Promise<{ status: number; contentType: string; body: Buffer }> {
  const url = signProxyUrl(`${target.appUrl}/proxy/events`, {
    shop: input.shop,
    secret: target.secret,
    pathPrefix: input.pathPrefix,
    loggedInCustomerId: input.loggedInCustomerId ?? null,
  });
  const headers: Record<string, string> = { "X-Forwarded-For": target.clientIp ?? "203.0.113.10" };
  if (input.contentType) headers["Content-Type"] = input.contentType;
  if (input.userAgent) headers["User-Agent"] = input.userAgent;
  const response = await fetch(url, { method: "POST", headers, body: new Uint8Array(input.body) });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "application/json",
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** One POST to the app proxy as the app would receive it. */
export interface ProxyRequest {
  path: string;
  contentType: string;
  body: { events: ProxyEvent[]; diagnostics?: { duplicatePixel?: boolean } };
}

export interface ProxyEvent {
  event_name: string;
  event_id: string;
  event_time: number;
  event_source_url?: string;
  custom_data: Record<string, unknown>;
  fbp?: string;
  fbc?: string;
}

export interface CartLine {
  variant_id: number;
  product_id: number;
  quantity: number;
  price: number;
}

export interface RecordedFbqCall {
  /** Random per page load; calls of one page share it. */
  page: string;
  seq: number;
  path: string;
  args: unknown[];
  disablePushState: boolean;
}

export interface TrackedEvent {
  method: string;
  pixelId: unknown;
  name: string;
  params: Record<string, unknown>;
  eventID: unknown;
  path: string;
}

export interface Storefront {
  origin: string;
  /** The page chosen by `template`. */
  url: string;
  productUrl: string;
  indexUrl: string;
  cartUrl: string;
  cart: { lines: CartLine[]; attributes: Record<string, string> };
  /** The `attributes` of every POST /cart/update.js, in order. */
  cartAttributeWrites: Array<Record<string, string>>;
  /** POSTs to the app proxy's events path (any /apps/…/events), in order. */
  proxyRequests: ProxyRequest[];
  /** Their events, flattened. */
  proxyEvents(): ProxyEvent[];
  waitForProxyEvents(names: string[], timeoutMs?: number): Promise<ProxyEvent[]>;
  /** Method and path of every request this server answered. */
  requests: string[];
  /** External URLs the browser asked for (Meta's included), once attached. */
  external: string[];
  fbqCalls(): RecordedFbqCall[];
  /** The trackSingle/track(Custom) calls, flattened. */
  events(): TrackedEvent[];
  waitForEvents(names: string[], timeoutMs?: number): Promise<TrackedEvent[]>;
  attach(context: BrowserContext, options?: { meta?: "fake" | "blocked" }): Promise<OfflineLog>;
  close(): Promise<void>;
}

// Stands in for Meta's fbevents.js: takes over the stub's queue like the real one, sets _fbp the way the
// pixel does (only when absent) and reports each call to the test server, so calls made just before a
// navigation are not lost with the page.
export const FAKE_FBEVENTS_JS = `(function () {
  var f = window.fbq;
  if (!f) return;
  var page = Math.random().toString(36).slice(2), seq = 0;
  window.__fbqCalls = window.__fbqCalls || [];
  function record(a) {
    var args = Array.prototype.slice.call(a);
    window.__fbqCalls.push(args);
    navigator.sendBeacon("/__test/fbq", JSON.stringify({ page: page, seq: seq++, path: location.pathname + location.search,
      args: args, disablePushState: f.disablePushState === true }));
  }
  if (!/(?:^|; )_fbp=/.test(document.cookie)) {
    document.cookie = "_fbp=fb.1." + Date.now() + "." + Math.floor(Math.random() * 2147483647) + "; path=/; max-age=7776000";
  }
  // fbevents.js's getState(): each init'ed pixel once, as {id}; what the embed checks for a second copy.
  var pixels = [];
  f.getState = function () { return { pixels: pixels.map(function (id) { return { id: id }; }) }; };
  function call(a) {
    if (a[0] === "init" && pixels.indexOf(String(a[1])) < 0) pixels.push(String(a[1]));
    record(a);
  }
  (f.queue || []).forEach(call);
  f.queue = [];
  f.callMethod = function () { call(arguments); };
})();`;

function consentStub(scenario: ConsentScenario): string {
  return `<script>
(function () {
  var scenario = ${JSON.stringify(scenario)};
  window.__consentReads = 0;
  window.__decideConsent = function (marketing) {
    document.cookie = "test_consent=" + marketing + "; path=/";
    var allowed = marketing === "yes";
    document.dispatchEvent(new CustomEvent("visitorConsentCollected", { detail: { marketingAllowed: allowed,
      analyticsAllowed: allowed, preferencesAllowed: allowed, saleOfDataAllowed: allowed } }));
  };
  if (scenario === "unavailable") return;
  var base = { granted: "yes", declined: "no", pending: "", "not-required": "", "api-error": "" }[scenario];
  function marketing() {
    var m = document.cookie.match(/(?:^|; )test_consent=(yes|no)/);
    return m ? m[1] : base;
  }
  var privacy = {
    marketingAllowed: function () { window.__consentReads++; var m = marketing(); return m === "yes" || (m === "" && scenario === "not-required"); },
    saleOfDataAllowed: function () { return marketing() !== "no"; },
    currentVisitorConsent: function () { window.__consentReads++; var m = marketing(); return { marketing: m, analytics: m, preferences: m, sale_of_data: m }; }
  };
  window.Shopify = window.Shopify || {};
  window.Shopify.routes = { root: "/" };
  window.Shopify.loadFeatures = function (features, callback) {
    setTimeout(function () {
      if (scenario === "api-error") return callback(new Error("consent-tracking-api failed to load"));
      window.Shopify.customerPrivacy = privacy;
      callback();
    }, 5);
  };
})();
</script>`;
}

function themeScript(ajaxTheme: boolean): string {
  return `<script>
window.theme = {
  addByFetch: function (id, quantity) {
    return fetch("/cart/add.js", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: [{ id: id, quantity: quantity }] }) }).then(function (r) { return r.json(); });
  },
  addByXhr: function (id, quantity) {
    return new Promise(function (resolve) {
      var x = new XMLHttpRequest();
      x.open("POST", "/cart/add.js");
      x.setRequestHeader("Content-Type", "application/json");
      x.onload = function () { resolve({ status: x.status, body: x.responseText }); };
      x.send(JSON.stringify({ id: id, quantity: quantity }));
    });
  }
};
${
  ajaxTheme
    ? `document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form.matches || !form.matches("form[action='/cart/add']")) return;
  e.preventDefault();
  fetch("/cart/add.js", { method: "POST", body: new FormData(form) }).then(function () { document.body.dataset.added = "1"; });
});`
    : ""
}
</script>`;
}

const GLASSES_SVG = `<svg viewBox="0 0 120 48" width="60%" aria-hidden="true"><g fill="#1f1f1f"><ellipse cx="30" cy="26" rx="24" ry="18"/><ellipse cx="90" cy="26" rx="24" ry="18"/><rect x="50" y="14" width="20" height="5" rx="2"/></g></svg>`;
const SHOP_CSS = `body{margin:0;font:16px/1.5 -apple-system,system-ui,"Segoe UI",sans-serif;color:#1f1f1f;background:#fafaf7}
header{display:flex;justify-content:space-between;align-items:center;padding:16px 32px;background:#fff;border-bottom:1px solid #e8e6e1}
header a{color:inherit;text-decoration:none}.logo{font-weight:700;font-size:20px;letter-spacing:.02em}.cart{font-weight:600}
main{max-width:880px;margin:32px auto;padding:0 24px}h1{font-size:28px;margin:0 0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:24px}
.card{display:flex;flex-direction:column;background:#fff;border:1px solid #e8e6e1;border-radius:12px;padding:16px;color:inherit;text-decoration:none}
.photo{display:flex;align-items:center;justify-content:center;height:160px;border-radius:8px;background:linear-gradient(135deg,#f3e7d3,#d9e6f2);}
.photo.big{height:320px}.name{margin-top:12px;font-weight:600}.price{color:#555}
.product{display:grid;grid-template-columns:1fr 1fr;gap:32px}
form{display:flex;gap:12px;align-items:center;margin-top:16px}input[type=number]{width:56px;padding:6px}
button{background:#1f1f1f;color:#fff;border:0;border-radius:8px;padding:12px 24px;font-size:16px;cursor:pointer}.note{color:#777;font-size:14px}`;

function liquidEngine(): Liquid {
  const engine = new Liquid({ root: [], extname: ".liquid" });
  // Shopify's json: nil is null, and <, > and & are escaped so a value cannot close the <script> it sits in.
  engine.registerFilter("json", (value: unknown) =>
    (JSON.stringify(value === undefined ? null : value) ?? "null")
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e")
      .replace(/&/g, "\\u0026"),
  );
  engine.registerFilter("asset_url", (name: unknown) => `/assets/${String(name)}`);
  // Shopify's sha256: the lowercase hex digest of the string's UTF-8 bytes.
  engine.registerFilter("sha256", (value: unknown) =>
    createHash("sha256")
      .update(String(value ?? ""))
      .digest("hex"),
  );
  engine.registerFilter("money_without_currency", (cents: unknown) => (Number(cents) / 100).toFixed(2));
  return engine;
}

// Shopify strips the block's schema before rendering; Liquid would otherwise print it.
const SCHEMA_TAG = /{%-?\s*schema\s*-?%}[\s\S]*?{%-?\s*endschema\s*-?%}/;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Shopify's cart endpoints take JSON, urlencoded or multipart bodies; undici parses the last two for us.
async function parseBody(req: IncomingMessage, raw: Buffer): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (raw.length === 0) return {};
  if (type.includes("application/json") || type.includes("text/plain")) return JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  const form = await new Response(new Uint8Array(raw), { headers: { "Content-Type": type } }).formData();
  const out: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    const attr = /^attributes\[(.+)\]$/.exec(key);
    if (attr) attributes[attr[1]] = String(value);
    else out[key] = String(value);
  }
  if (Object.keys(attributes).length > 0) out.attributes = attributes;
  return out;
}

export async function startStorefront(options: StorefrontOptions = {}): Promise<Storefront> {
  const template = options.template ?? "product";
  const consent = options.consent ?? "granted";
  const currency = options.currency ?? "USD";
  const shopDomain = options.shop ?? "jsmith.myshopify.com";
  const shopName = options.shopName ?? "Jsmith";
  const [blockSource, script] = await Promise.all([
    readFile(new URL("blocks/meta-pixel.liquid", EMBED_DIR), "utf8"),
    readFile(new URL("assets/meta-pixel.js", EMBED_DIR), "utf8"),
  ]);
  const engine = liquidEngine();
  const block = engine.parse(blockSource.replace(SCHEMA_TAG, ""));

  const cart: Storefront["cart"] = { lines: [], attributes: {} };
  const cartAttributeWrites: Storefront["cartAttributeWrites"] = [];
  const proxyRequests: ProxyRequest[] = [];
  const requests: string[] = [];
  const fbq: RecordedFbqCall[] = [];
  const external: string[] = [];
  let origin = "";

  const metafields = (): Record<string, { value: unknown }> | undefined => {
    if (options.metafields === null) return undefined;
    const values: MetafieldValues = {
      pixel_id: PIXEL_ID,
      enabled_events: ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "Purchase"],
      consent_mode: "customer-privacy",
      limited_data_use: false,
      ...options.metafields,
    };
    return Object.fromEntries(
      Object.entries(values)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [key, { value }]),
    );
  };

  const cartJson = () => ({
    token: "c1-test",
    attributes: cart.attributes,
    item_count: cart.lines.reduce((n, l) => n + l.quantity, 0),
    items: cart.lines.map((l) => ({ ...l, id: l.variant_id, line_price: l.price * l.quantity })),
    currency,
  });

  async function renderPage(pageType: "product" | "index" | "cart", product: (typeof CATALOG)[number] | null): Promise<string> {
    const head = await engine.render(block, {
      shop: { permanent_domain: shopDomain, currency, name: shopName },
      request: { page_type: pageType, design_mode: options.designMode === true, host: new URL(origin).host },
      customer: options.customer ?? null,
      cart: { item_count: cartJson().item_count, currency: { iso_code: currency }, attributes: { ...cart.attributes } },
      product: product && {
        id: product.id,
        title: product.title,
        handle: product.handle,
        selected_or_first_available_variant: product.variants[0],
        variants: product.variants,
      },
      app: { metafields: { meta_pixel: metafields() } },
      block: { settings: { ...options.blockSettings } },
    });
    const count = cartJson().item_count;
    const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;
    const card = (p: (typeof CATALOG)[number]) => `<a class="card" href="/products/${p.handle}">
  <div class="photo">${GLASSES_SVG}</div>
  <span class="name">${p.title}</span><span class="price">${money(p.variants[0].price)}</span>
</a>`;
    const title = pageType === "product" && product ? product.title : pageType === "cart" ? "Your cart" : "Home";
    const main =
      pageType === "product" && product
        ? `<div class="product"><div class="photo big">${GLASSES_SVG}</div><div>
<h1>${product.title}</h1>
<p class="price">${money(product.variants[0].price)} · ${product.variants[0].title}</p>
<p>Polarised lenses, a light metal frame and a case that fits a pocket. Free shipping over $50.</p>
<form method="post" action="/cart/add" id="product-form">
  <input type="hidden" name="id" value="${product.variants[0].id}">
  <label>Quantity <input type="number" name="quantity" value="1" min="1"></label>
  <button type="submit" id="add-to-cart">Add to cart</button>
</form></div></div>`
        : pageType === "cart"
          ? `<h1>Your cart</h1>
<p>Items in your cart: <span id="count">${count}</span></p>
${cart.lines.map((l) => `<p>${CATALOG.find((p) => p.id === l.product_id)?.title ?? "Item"} × ${l.quantity} <b>${money(l.price * l.quantity)}</b></p>`).join("\n")}
<p class="note">Checkout is Shopify's own and runs on Shopify, not in this local shop.</p>`
          : `<h1>New this season</h1><div class="grid">${card(PRODUCT)}</div>`;
    // What Shopify puts in <head>: its own scripts (consent API) first, app embeds before </head>, with the
    // block's schema "javascript" as an async script.
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} – ${shopName}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
${consentStub(consent)}
${options.headHtml ?? ""}
${head}
<script src="/assets/meta-pixel.js" async></script>
<style>${SHOP_CSS}</style>
</head><body>
<header><a class="logo" href="/">${shopName}</a><a class="cart" href="/cart">Cart (${count})</a></header>
<main>
${main}
</main>
${themeScript(options.ajaxTheme === true)}
${options.bodyHtml ?? ""}
<p id="theme-ready" hidden>ok</p>
</body></html>`;
  }

  function send(
    res: ServerResponse,
    status: number,
    body: string | object,
    type = "application/json",
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }

  function addLines(items: Array<{ id?: unknown; quantity?: unknown }>): CartLine[] | null {
    const added: CartLine[] = [];
    for (const item of items) {
      const variantId = Number(item.id);
      const product = CATALOG.find((p) => p.variants.some((v) => v.id === variantId));
      const variant = product?.variants.find((v) => v.id === variantId);
      if (!product || !variant) return null;
      const quantity = Math.max(1, Number(item.quantity) || 1);
      const line = { variant_id: variant.id, product_id: product.id, quantity, price: variant.price };
      const existing = cart.lines.find((l) => l.variant_id === variant.id);
      if (existing) existing.quantity += quantity;
      else cart.lines.push({ ...line });
      added.push(line);
    }
    return added;
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", origin);
      const path = url.pathname;
      requests.push(`${req.method} ${path}`);
      const raw = req.method === "POST" ? await readBody(req) : Buffer.alloc(0);

      if (path === "/__test/fbq" && req.method === "POST") {
        fbq.push(JSON.parse(raw.toString("utf8")) as RecordedFbqCall);
        return send(res, 204, "");
      }
      // Shopify's app proxy: same origin for the storefront, so no CORS; the app answers 202 when accepted.
      if (/^\/apps\/[\w-]+\/events$/.test(path) && req.method === "POST") {
        proxyRequests.push({
          path,
          contentType: req.headers["content-type"] ?? "",
          body: JSON.parse(raw.toString("utf8")) as ProxyRequest["body"],
        });
        if (options.appProxy) {
          const answer = await forwardToAppProxy(options.appProxy, {
            shop: shopDomain,
            pathPrefix: path.slice(0, -"/events".length),
            loggedInCustomerId: options.customer ? String(options.customer.id) : null,
            body: raw,
            contentType: req.headers["content-type"],
            userAgent: req.headers["user-agent"],
          });
          return send(res, answer.status, answer.body.toString("utf8"), answer.contentType);
        }
        const status = options.proxyStatus ?? 202;
        return send(res, status, status === 202 ? { ok: true } : { error: "refused" });
      }
      if (path === "/assets/meta-pixel.js") return send(res, 200, script, "application/javascript");

      if (path.startsWith("/cart") && path.endsWith(".js") && options.cartApi === "broken") {
        return send(res, 500, { status: 500, message: "Internal error" });
      }
      if (path === "/cart/add.js" && req.method === "POST") {
        const body = await parseBody(req, raw);
        const items = Array.isArray(body.items) ? (body.items as Array<{ id?: unknown; quantity?: unknown }>) : [body];
        const added = addLines(items);
        if (!added) return send(res, 422, { status: 422, message: "Cart Error", description: "Cannot find variant" });
        return send(res, 200, Array.isArray(body.items) ? { items: added } : added[0]);
      }
      if (path === "/cart/add" && req.method === "POST") {
        const body = await parseBody(req, raw);
        addLines([body]);
        return send(res, 302, "", "text/plain", { Location: "/cart" });
      }
      if (path === "/cart/update.js" && req.method === "POST") {
        const body = await parseBody(req, raw);
        const attributes = (body.attributes ?? {}) as Record<string, string>;
        cartAttributeWrites.push({ ...attributes });
        for (const [key, value] of Object.entries(attributes)) {
          // Shopify removes an attribute set to a blank value.
          if (value === "" || value === null) delete cart.attributes[key];
          else cart.attributes[key] = String(value);
        }
        return send(res, 200, cartJson());
      }
      if (path === "/cart.js") return send(res, 200, cartJson());

      if (req.method === "GET" && path === "/") return send(res, 200, await renderPage("index", null), "text/html");
      if (req.method === "GET" && path === "/cart") return send(res, 200, await renderPage("cart", null), "text/html");
      const product = CATALOG.find((p) => path === `/products/${p.handle}`);
      if (req.method === "GET" && product) return send(res, 200, await renderPage("product", product), "text/html");
      if (path === "/favicon.ico") return send(res, 204, "");
      return send(res, 404, "Not found", "text/plain");
    } catch (error) {
      send(res, 500, `Test storefront error: ${String(error)}`, "text/plain");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const productUrl = `${origin}/products/${PRODUCT.handle}`;
  const proxyEvents = () => proxyRequests.flatMap((r) => r.body.events);
  // Each call is its own beacon and beacons can arrive out of order: a page's calls go in their `seq` order.
  const fbqCalls = () => {
    const pages = new Map<string, number>();
    for (const c of fbq) if (!pages.has(c.page)) pages.set(c.page, pages.size);
    return [...fbq].sort((a, b) => pages.get(a.page)! - pages.get(b.page)! || a.seq - b.seq);
  };
  const events = (): TrackedEvent[] =>
    fbqCalls()
      .filter((c) => ["trackSingle", "track", "trackSingleCustom", "trackCustom"].includes(String(c.args[0])))
      .map((c) => {
        const single = String(c.args[0]).startsWith("trackSingle");
        const [name, params, options] = single ? c.args.slice(2) : c.args.slice(1);
        return {
          method: String(c.args[0]),
          pixelId: single ? c.args[1] : undefined,
          name: String(name),
          params: (params ?? {}) as Record<string, unknown>,
          eventID: (options as { eventID?: unknown } | undefined)?.eventID,
          path: c.path,
        };
      });

  return {
    origin,
    url: template === "product" ? productUrl : `${origin}/`,
    productUrl,
    indexUrl: `${origin}/`,
    cartUrl: `${origin}/cart`,
    cart,
    cartAttributeWrites,
    proxyRequests,
    proxyEvents,
    waitForProxyEvents: (names, timeoutMs) =>
      eventually(
        () => {
          const seen = proxyEvents();
          return names.every((n) => seen.some((e) => e.event_name === n)) ? seen : null;
        },
        `proxy events ${names.join(", ")} (seen: ${
          proxyEvents()
            .map((e) => e.event_name)
            .join(", ") || "none"
        })`,
        timeoutMs,
      ),
    requests,
    external,
    fbqCalls,
    events,
    waitForEvents: (names, timeoutMs) =>
      eventually(
        () => {
          const seen = events();
          return names.every((n) => seen.some((e) => e.name === n)) ? seen : null;
        },
        `fbq events ${names.join(", ")} (seen: ${
          events()
            .map((e) => e.name)
            .join(", ") || "none"
        })`,
        timeoutMs,
      ),
    async attach(context, attachOptions = {}) {
      const meta = attachOptions.meta ?? "fake";
      const log = await offline(context, {
        allow: [origin],
        handle: async (route, url) => {
          external.push(url.href);
          if (meta === "fake" && url.hostname === "connect.facebook.net" && url.pathname.endsWith("/fbevents.js")) {
            await route.fulfill({ status: 200, contentType: "application/javascript", body: FAKE_FBEVENTS_JS });
            return true;
          }
          return false;
        },
      });
      return log;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface StorefrontSession {
  store: Storefront;
  context: BrowserContext;
  page: Page;
  /** Console errors/warnings and uncaught exceptions of `page`. */
  problems: PageProblems;
  close(): Promise<void>;
}

/** A storefront, a fresh browser context attached to it (no network), and a watched page. */
export async function openStorefront(
  chromium: ChromiumHandle,
  options: StorefrontOptions & { meta?: "fake" | "blocked" } = {},
): Promise<StorefrontSession> {
  const store = await startStorefront(options);
  let context: BrowserContext | undefined;
  try {
    context = await chromium.newContext();
    await store.attach(context, { meta: options.meta });
    const page = await context.newPage();
    const opened = context;
    return {
      store,
      context,
      page,
      problems: watchPage(page),
      close: async () => {
        await opened.close().catch(() => undefined);
        await store.close();
      },
    };
  } catch (error) {
    await context?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}

/**
 * The embed's script has run (it marks the window) and had time for its async work (consent callback,
 * cart writes). For "nothing happened" assertions, which need the chance for something to happen.
 */
export async function settle(page: Page, quietMs = 200): Promise<void> {
  await page.waitForFunction(() => document.readyState === "complete" && (window as { __metaCapiPixel?: number }).__metaCapiPixel === 1);
  await page.waitForTimeout(quietMs);
}

/** Adds to cart the way most themes do: fetch to /cart/add.js. Resolves with Shopify's JSON answer. */
export function addToCartByFetch(page: Page, variantId: number = PRODUCT.variants[0].id, quantity = 1): Promise<unknown> {
  return page.evaluate(
    ([id, q]) => (window as unknown as { theme: { addByFetch(a: number, b: number): Promise<unknown> } }).theme.addByFetch(id, q),
    [variantId, quantity] as const,
  );
}

/** Adds to cart with XMLHttpRequest (older themes). Resolves with the status and raw answer. */
export function addToCartByXhr(
  page: Page,
  variantId: number = PRODUCT.variants[0].id,
  quantity = 1,
): Promise<{ status: number; body: string }> {
  return page.evaluate(
    ([id, q]) =>
      (window as unknown as { theme: { addByXhr(a: number, b: number): Promise<{ status: number; body: string }> } }).theme.addByXhr(id, q),
    [variantId, quantity] as const,
  );
}

/** The visitor answers the consent banner (the stub then announces visitorConsentCollected). */
export function decideConsent(page: Page, marketing: "yes" | "no"): Promise<void> {
  return page.evaluate((m) => (window as unknown as { __decideConsent(v: string): void }).__decideConsent(m), marketing);
}

export async function cookieValue(context: BrowserContext, name: string): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === name)?.value;
}
