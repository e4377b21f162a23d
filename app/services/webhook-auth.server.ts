// The one way webhook routes authenticate. Shopify's own `authenticate.webhook` also loads the shop's
// offline session from the database on every delivery (and may refresh its token), which none of our
// webhooks but app/scopes_update uses: a third of the queries on the hot orders/paid path. So the check is
// done here, the way the library does it (`api.webhooks.validate`: same headers, same order of checks,
// same answers), with Node's synchronous HMAC instead of the library's Web Crypto round trip.
// Added to what the library answers: a signed body that is not JSON is the sender's fault (400, where the
// library's JSON.parse would surface as a 500 that Shopify retries for hours); a delivery whose topic does
// not match its route is refused; the shop must be a myshopify.com domain; and past the in-flight bound
// new deliveries get 503 + Retry-After before their body is read (Shopify retries them).
import { createHmac, timingSafeEqual } from "node:crypto";
import { ShopifyEventsHeader, ShopifyHeader, type Session } from "@shopify/shopify-api";
import { BodyTooLargeError, readBodyWithLimit } from "~/services/body-limit.server";
import { parseWebhookJson, wellFormed } from "~/lib/well-formed";
import { env } from "~/env.server";
import { sessionStorage } from "~/shopify.server";

export interface AuthenticatedWebhook {
  shop: string;
  /** Library form: "orders/paid" arrives as "ORDERS_PAID". */
  topic: string;
  /** Same for every retry of one delivery: the idempotency key for "this delivery again". */
  webhookId: string;
  /** Shared by the deliveries one merchant action produces across subscriptions. */
  eventId: string | undefined;
  triggeredAt: string | undefined;
  apiVersion: string;
  /** The exact signed bytes as text. */
  rawBody: string;
  /**
   * The body, parsed once: losslessly (18-digit IDs exact, app/lib/well-formed.ts) with `lossless`, else
   * with JSON.parse. Lone surrogates are replaced either way.
   */
  payload: unknown;
  /** Only with `loadSession`: undefined once the shop has uninstalled, or for CLI-triggered test deliveries. */
  session: Session | undefined;
}

export interface WebhookOptions {
  /** Parse with the lossless parser (for routes that read Shopify IDs). */
  lossless?: boolean;
  /** Load the shop's offline session (only app/scopes_update writes to it). */
  loadSession?: boolean;
}

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

// Shopify sends the classic X-Shopify-* headers, or the shopify-* set for "events" subscriptions; which
// one is told by the HMAC header present, as in the library's detectWebhookType.
const HEADER_SETS = [
  {
    hmac: ShopifyEventsHeader.Hmac,
    topic: ShopifyEventsHeader.Topic,
    domain: ShopifyEventsHeader.Domain,
    apiVersion: ShopifyEventsHeader.ApiVersion,
    webhookId: ShopifyEventsHeader.WebhookId,
    eventId: ShopifyEventsHeader.EventId,
    eventIdRequired: true,
    triggeredAt: ShopifyEventsHeader.TriggeredAt,
  },
  {
    hmac: ShopifyHeader.Hmac,
    topic: ShopifyHeader.Topic,
    domain: ShopifyHeader.Domain,
    apiVersion: ShopifyHeader.ApiVersion,
    webhookId: ShopifyHeader.WebhookId,
    eventId: ShopifyHeader.EventId,
    eventIdRequired: false,
    triggeredAt: ShopifyHeader.TriggeredAt,
  },
] as const;

/**
 * Deliveries being handled in this process (from arrival to their route's answer). Bounded so that a flood
 * past what the database can take waits in Shopify's retry queue instead of in our memory, with latency
 * growing without limit: past `WEBHOOK_MAX_IN_FLIGHT`, new ones get 503 + Retry-After at once.
 */
const inFlight = Symbol.for("meta-capi.webhooks-in-flight");
type Counter = { [inFlight]?: number };
const counter = globalThis as unknown as Counter;

export function webhooksInFlight(): number {
  return counter[inFlight] ?? 0;
}

/**
 * Runs a webhook route's work under the in-flight bound. Thrown Responses (4xx) propagate as Remix
 * expects. The slot is given back when `handle` settles.
 */
async function withWebhookSlot(handle: () => Promise<Response>): Promise<Response> {
  const limit = env().WEBHOOK_MAX_IN_FLIGHT;
  if (webhooksInFlight() >= limit) {
    // Nothing was read or stored: Shopify delivers it again later, so nothing is lost.
    throw new Response("Server busy: too many webhooks in flight; retry shortly", {
      status: 503,
      headers: { "Retry-After": "5", "Content-Type": "text/plain" },
    });
  }
  counter[inFlight] = webhooksInFlight() + 1;
  try {
    return await handle();
  } finally {
    counter[inFlight] = webhooksInFlight() - 1;
  }
}

/**
 * Verifies the HMAC and headers as the library does: 405 not POST, 400 empty body or missing HMAC header,
 * 401 bad HMAC, 400 missing headers. Then: 400 for a shop that is not a myshopify.com domain, a topic other
 * than `expectedTopic` (library form, e.g. "APP_UNINSTALLED") or a body that does not parse; 413 for a body
 * over 2 MB. Errors are thrown as Responses.
 */
export async function authenticateWebhook(
  request: Request,
  expectedTopic: string,
  options: WebhookOptions = {},
): Promise<AuthenticatedWebhook> {
  if (request.method !== "POST") throw new Response(undefined, { status: 405, statusText: "Method not allowed" });
  let rawBody: string;
  try {
    // Read once, with a cap (a body without Content-Length could otherwise be any size).
    rawBody = await readBodyWithLimit(request);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new Response(error.message, { status: 413 });
    throw error;
  }

  const headers = request.headers;
  const names = headers.get(HEADER_SETS[0].hmac) ? HEADER_SETS[0] : HEADER_SETS[1];
  const hmac = headers.get(names.hmac);
  if (!rawBody.length || !hmac) throw badRequest();
  if (!signatureMatches(rawBody, hmac, env().SHOPIFY_API_SECRET)) {
    throw new Response(undefined, { status: 401, statusText: "Unauthorized" });
  }

  const topicHeader = headers.get(names.topic);
  const domain = headers.get(names.domain);
  const apiVersion = headers.get(names.apiVersion);
  const webhookId = headers.get(names.webhookId);
  const eventId = headers.get(names.eventId) || undefined;
  if (!topicHeader || !domain || !apiVersion || !webhookId || (names.eventIdRequired && !eventId)) throw badRequest();
  // Shopify only ever names a shop by its myshopify.com domain; anything else is not a delivery we can file.
  const shop = domain.toLowerCase();
  if (!SHOP_DOMAIN.test(shop)) throw badRequest();

  // As the library's topicForStorage: "orders/paid" → "ORDERS_PAID".
  const topic = topicHeader.toUpperCase().replace(/\/|\./g, "_");
  if (topic !== expectedTopic) {
    throw new Response(`This endpoint only accepts ${expectedTopic} webhooks`, { status: 400 });
  }

  let payload: unknown;
  try {
    // JSON.parse keeps lone surrogates, which the database refuses (well-formed.ts); the lossless parser
    // fixes them itself. A RangeError is nesting too deep for it: the sender's payload, not our failure.
    payload = options.lossless ? parseWebhookJson(rawBody) : wellFormed(JSON.parse(rawBody));
  } catch {
    throw new Response("Webhook body is not valid JSON", { status: 400 });
  }

  let session: Session | undefined;
  if (options.loadSession) {
    // The library's storage and the library's offline session ID (`offline_<shop>`).
    session = await sessionStorage.loadSession(`offline_${shop}`);
  }

  return {
    shop,
    topic,
    webhookId,
    eventId,
    triggeredAt: headers.get(names.triggeredAt) || undefined,
    apiVersion,
    rawBody,
    payload,
    session,
  };
}

// Compared as the library's safeCompare does (the header as sent against our base64), in constant time.
function signatureMatches(rawBody: string, hmac: string, secret: string): boolean {
  const expected = Buffer.from(createHmac("sha256", secret).update(rawBody, "utf8").digest("base64"));
  const given = Buffer.from(hmac);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function badRequest(): Response {
  return new Response(undefined, { status: 400, statusText: "Bad Request" });
}

/**
 * A webhook route's action: the in-flight bound, then authentication, then `handle`. The one way routes
 * take webhooks, so none can skip the bound or the checks.
 */
export function webhookAction(
  expectedTopic: string,
  options: WebhookOptions,
  handle: (webhook: AuthenticatedWebhook) => Promise<Response>,
) {
  return ({ request }: { request: Request }) =>
    withWebhookSlot(async () => handle(await authenticateWebhook(request, expectedTopic, options)));
}

/**
 * The loader of every webhook route: Shopify only POSTs. Without it Remix answers a GET with an error
 * it logs as a server error; this is a plain 405.
 */
export function postOnly(): Response {
  return new Response("Webhooks are POSTed by Shopify", { status: 405, headers: { Allow: "POST" } });
}
