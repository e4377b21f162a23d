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
  /**
   * Leave the body unparsed (`payload` undefined): the caller parses `rawBody` itself, elsewhere (the
   * production server's orders/paid rows, built on a thread: order-row-threads.server.ts).
   */
  deferParse?: boolean;
}

/** The answer to a signed body that is not JSON (400), wherever it is parsed. */
export const BAD_JSON = "Webhook body is not valid JSON";

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
 * Deliveries being handled in this process (from arrival to their answer). Bounded so that a flood past
 * what the database can take waits in Shopify's retry queue instead of in our memory, with latency growing
 * without limit: past `WEBHOOK_MAX_IN_FLIGHT`, new ones get 503 + Retry-After at once. On globalThis: the
 * Remix build and the server's fast path (webhook-fast-path.server.ts) are two copies of this module.
 */
const inFlight = Symbol.for("meta-capi.webhooks-in-flight");
type Counter = { [inFlight]?: number };
const counter = globalThis as unknown as Counter;

export function webhooksInFlight(): number {
  return counter[inFlight] ?? 0;
}

/** Takes one of the `WEBHOOK_MAX_IN_FLIGHT` slots, or returns false (taking nothing) when all are held. */
export function tryTakeWebhookSlot(): boolean {
  if (webhooksInFlight() >= env().WEBHOOK_MAX_IN_FLIGHT) return false;
  counter[inFlight] = webhooksInFlight() + 1;
  return true;
}

export function releaseWebhookSlot(): void {
  counter[inFlight] = webhooksInFlight() - 1;
}

/** What a delivery turned away before its handler gets: nothing was read or stored, Shopify delivers it again. */
export const BUSY: WebhookReply = {
  status: 503,
  body: "Server busy: too many webhooks in flight; retry shortly",
  headers: { "Retry-After": "5" },
};

/** An answer to a webhook, independent of the HTTP layer that sends it (Remix, or the fast path). */
export interface WebhookReply {
  status: number;
  /** Sent as text/plain; none: an empty body. */
  body?: string;
  statusText?: string;
  headers?: Record<string, string>;
}

/** A delivery refused by the checks: thrown by verifyWebhook, answered as is. */
export class WebhookRefusal extends Error {
  constructor(readonly reply: WebhookReply) {
    super(reply.body ?? reply.statusText ?? String(reply.status));
    this.name = "WebhookRefusal";
  }
}

export function replyResponse(reply: WebhookReply): Response {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body !== undefined) headers["Content-Type"] = "text/plain; charset=utf-8";
  return new Response(reply.body ?? null, { status: reply.status, statusText: reply.statusText, headers });
}

/**
 * Runs a webhook route's work under the in-flight bound. Thrown Responses (4xx) propagate as Remix
 * expects. The slot is given back when `handle` settles.
 */
async function withWebhookSlot(handle: () => Promise<Response>): Promise<Response> {
  if (!tryTakeWebhookSlot()) throw replyResponse(BUSY);
  try {
    return await handle();
  } finally {
    releaseWebhookSlot();
  }
}

/** A delivery as any HTTP layer hands it over: header names are matched case-insensitively by `header`. */
export interface WebhookInput {
  method: string;
  header(name: string): string | null | undefined;
  /** The body as UTF-8 text, read with the 2 MB cap (throws BodyTooLargeError past it). */
  readBody(): Promise<string>;
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
  try {
    return await verifyWebhook(
      { method: request.method, header: (name) => request.headers.get(name), readBody: () => readBodyWithLimit(request) },
      expectedTopic,
      options,
    );
  } catch (error) {
    if (error instanceof WebhookRefusal) throw replyResponse(error.reply);
    throw error;
  }
}

/** authenticateWebhook's checks, for any HTTP layer; refusals are thrown as WebhookRefusal. */
export async function verifyWebhook(
  input: WebhookInput,
  expectedTopic: string,
  options: WebhookOptions = {},
): Promise<AuthenticatedWebhook> {
  if (input.method !== "POST") throw new WebhookRefusal({ status: 405, statusText: "Method not allowed" });
  let rawBody: string;
  try {
    // Read once, with a cap (a body without Content-Length could otherwise be any size).
    rawBody = await input.readBody();
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new WebhookRefusal({ status: 413, body: error.message });
    throw error;
  }

  const names = input.header(HEADER_SETS[0].hmac) ? HEADER_SETS[0] : HEADER_SETS[1];
  const hmac = input.header(names.hmac);
  if (!rawBody.length || !hmac) throw badRequest();
  if (!signatureMatches(rawBody, hmac, env().SHOPIFY_API_SECRET)) {
    throw new WebhookRefusal({ status: 401, statusText: "Unauthorized" });
  }

  const topicHeader = input.header(names.topic);
  const domain = input.header(names.domain);
  const apiVersion = input.header(names.apiVersion);
  const webhookId = input.header(names.webhookId);
  const eventId = input.header(names.eventId) || undefined;
  if (!topicHeader || !domain || !apiVersion || !webhookId || (names.eventIdRequired && !eventId)) throw badRequest();
  // Shopify only ever names a shop by its myshopify.com domain; anything else is not a delivery we can file.
  const shop = domain.toLowerCase();
  if (!SHOP_DOMAIN.test(shop)) throw badRequest();

  // As the library's topicForStorage: "orders/paid" → "ORDERS_PAID".
  const topic = topicHeader.toUpperCase().replace(/\/|\./g, "_");
  if (topic !== expectedTopic) {
    throw new WebhookRefusal({ status: 400, body: `This endpoint only accepts ${expectedTopic} webhooks` });
  }

  let payload: unknown;
  try {
    // JSON.parse keeps lone surrogates, which the database refuses (well-formed.ts); the lossless parser
    // fixes them itself. A RangeError is nesting too deep for it: the sender's payload, not our failure.
    if (!options.deferParse) payload = options.lossless ? parseWebhookJson(rawBody) : wellFormed(JSON.parse(rawBody));
  } catch {
    throw new WebhookRefusal({ status: 400, body: BAD_JSON });
  }

  let session: Session | undefined;
  if (options.loadSession) {
    // The library's storage and the library's offline session ID (`offline_<shop>`). Imported here, not at
    // the top: the server's fast path loads this module and has no use for a second Shopify app instance.
    const { sessionStorage } = await import("~/shopify.server");
    session = await sessionStorage.loadSession(`offline_${shop}`);
  }

  return {
    shop,
    topic,
    webhookId,
    eventId,
    triggeredAt: input.header(names.triggeredAt) || undefined,
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

function badRequest(): WebhookRefusal {
  return new WebhookRefusal({ status: 400, statusText: "Bad Request" });
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
