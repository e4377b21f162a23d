// A web process's warm-up before it listens: the pure parts of the two hot requests (an orders/paid body's
// parse, mapping and hashing; an app proxy request's signature, envelope and mapping) run on sample
// input a given number of times, and the results are dropped. V8 compiles a function to optimised code
// only after it has run often enough, on a helper thread that shares the cores with the requests, so a
// fresh process (a deploy, a restart, a new instance behind the balancer) answered its first seconds at
// full rate several times slower than later ones: the bench's cold-start rows, and the first second of its
// app proxy phase. No I/O and no shared state: nothing is read, written, counted or rate-limited here.
import { catalogIdSetting } from "~/lib/capi/catalog-ids";
import { mapStorefrontEvent, parseEnvelope } from "~/lib/capi/map-storefront-event";
import { META_EVENTS } from "~/lib/settings-values";
import { appProxySignature, verifyAppProxyRequest } from "~/services/app-proxy-auth.server";
import { orderPaidRowFromBody, type IngestSettings } from "~/services/order-paid-row.server";
// The recorded orders/paid body the dev tools and tests send, bundled into the server's entry by esbuild.
// JSON's numbers round its 18-digit IDs, but they stay 18-digit integers, so the lossless parse quotes
// them as it does Shopify's; the order's own ID is set exactly below, as the mapping checks it.
import sampleOrder from "../../dev/fake-shopify/orders-paid.json";

const SHOP = "warm-up.myshopify.com";
// A connected shop with the defaults a new install gets and every standard event on.
const SETTINGS = {
  pixelId: "100000000000001",
  primaryDomain: null,
  limitedDataUse: false,
  sendPosOrders: false,
  catalogIds: catalogIdSetting(undefined, undefined),
  enabledEvents: [...META_EVENTS],
} satisfies NonNullable<IngestSettings>;
const ORDER_ID = "__warm_up_order_id__";

/** Maps `iterations` distinct sample orders as a webhook's row is built; returns how many mapped to a row. */
export function warmOrderRows(iterations: number): number {
  const paidAt = new Date().toISOString();
  const template = JSON.stringify({
    ...sampleOrder,
    id: ORDER_ID,
    admin_graphql_api_id: `gid://shopify/Order/${ORDER_ID}`,
    processed_at: paidAt,
    created_at: paidAt,
    updated_at: paidAt,
  });
  let built = 0;
  for (let i = 0; i < iterations; i++) {
    const id = String(820982911946154508n + BigInt(i));
    // A bare number where Shopify writes one, and the same digits inside the GraphQL ID.
    const body = template.replace(`"${ORDER_ID}"`, id).replace(ORDER_ID, id);
    const row = orderPaidRowFromBody(body, { shop: SHOP, webhookId: `warm-up-${i}`, now: new Date() }, SETTINGS);
    if (row.ok && row.value.status === "pending") built++;
  }
  return built;
}

/** Checks and maps `iterations` sample app proxy requests of a page's events; returns how many events mapped. */
export function warmProxyEvents(iterations: number): number {
  // A key of its own: the app's secret is not needed to exercise the check, and is kept out of this.
  const secret = "warm-up";
  let mapped = 0;
  for (let i = 0; i < iterations; i++) {
    const now = new Date();
    const time = Math.floor(now.getTime() / 1000);
    const query = new URLSearchParams({ shop: SHOP, logged_in_customer_id: "", path_prefix: "/apps/meta-capi", timestamp: String(time) });
    query.set("signature", appProxySignature(query, secret));
    if (!verifyAppProxyRequest(new URL(`http://warm-up.invalid/proxy/events?${query}`), secret, now).ok) continue;
    const envelope = parseEnvelope(JSON.stringify({ events: samplePage(i, time) }));
    if (!envelope.ok) continue;
    for (const raw of envelope.events) {
      const event = mapStorefrontEvent(raw, {
        now,
        enabledEvents: SETTINGS.enabledEvents,
        customEvents: [],
        limitedDataUse: false,
        clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
        userAgent: "Mozilla/5.0 (warm-up)",
        loggedInCustomerId: null,
      });
      // Serialised as the row's payload is.
      if (event.ok && JSON.stringify(event.event).length > 0) mapped++;
    }
  }
  return mapped;
}

// A product page's batch as the theme embed sends it (assets/meta-pixel.js): the page view and the product view.
function samplePage(i: number, time: number): unknown[] {
  const id = (n: number) => `sf_${(i * 2 + n).toString(16).padStart(32, "0")}`;
  const common = { event_time: time, event_source_url: `https://${SHOP}/products/wool-socks`, fbp: "fb.1.1732800000000.1234567890" };
  return [
    { event_name: "PageView", event_id: id(0), ...common },
    {
      event_name: "ViewContent",
      event_id: id(1),
      ...common,
      custom_data: { value: 24.5, currency: "USD", content_ids: ["8123456789"], content_type: "product" },
    },
  ];
}
