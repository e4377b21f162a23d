// The one way webhook routes authenticate. It adds two answers the library does not give:
// a correctly signed body that is not JSON is the sender's fault (400), not ours (the library's
// JSON.parse would surface as a 500, which Shopify retries for hours); and a delivery whose topic
// does not match the route it was sent to is refused instead of being handled as the wrong thing.
import type { Session } from "@shopify/shopify-api";
import { BodyTooLargeError, readBodyWithLimit } from "~/lib/body-limit.server";
import { wellFormed } from "~/lib/well-formed";
import { authenticate } from "~/shopify.server";

export interface AuthenticatedWebhook {
  shop: string;
  /** Library form: "orders/paid" arrives as "ORDERS_PAID". */
  topic: string;
  /** Same for every retry of one delivery: the idempotency key for "this delivery again". */
  webhookId: string;
  /** Shared by the deliveries one merchant action produces across subscriptions. */
  eventId: string | undefined;
  triggeredAt: string | undefined;
  /** The exact signed bytes as text; parse this when IDs may exceed 2^53 (payload has them rounded). */
  rawBody: string;
  payload: unknown;
  /** Undefined once the shop has uninstalled, or for CLI-triggered test deliveries. */
  session: Session | undefined;
}

/**
 * Verifies HMAC and headers via `authenticate.webhook`; its thrown Responses (401 bad HMAC, 400 missing
 * headers, 405 not POST) propagate untouched. Throws a 400 Response for a non-JSON body or a topic other
 * than `expectedTopic` (library form, e.g. "APP_UNINSTALLED"), and a 413 for a body over 2 MB.
 */
export async function authenticateWebhook(request: Request, expectedTopic: string): Promise<AuthenticatedWebhook> {
  // Read once, with a cap (a body without Content-Length could otherwise be any size); the raw text is
  // kept for lossless parsing, and the library gets a copy to verify.
  let rawBody = "";
  let verifiable = request;
  if (request.method === "POST") {
    try {
      rawBody = await readBodyWithLimit(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new Response(error.message, { status: 413 });
      throw error;
    }
    verifiable = new Request(request.url, { method: request.method, headers: request.headers, body: rawBody });
  }

  let context: Awaited<ReturnType<typeof authenticate.webhook>>;
  try {
    context = await authenticate.webhook(verifiable);
  } catch (error) {
    // Only JSON.parse throws SyntaxError here, and only after the HMAC checked out.
    if (error instanceof SyntaxError) {
      throw new Response("Webhook body is not valid JSON", { status: 400 });
    }
    throw error;
  }

  if (String(context.topic) !== expectedTopic) {
    throw new Response(`This endpoint only accepts ${expectedTopic} webhooks`, { status: 400 });
  }

  return {
    shop: context.shop,
    topic: String(context.topic),
    webhookId: context.webhookId,
    eventId: context.eventId,
    triggeredAt: context.triggeredAt,
    rawBody,
    // The library's JSON.parse keeps lone surrogates, which the database refuses (well-formed.ts).
    payload: wellFormed(context.payload),
    session: context.session,
  };
}

/**
 * The loader of every webhook route: Shopify only POSTs. Without it Remix answers a GET with an error
 * it logs as a server error; this is a plain 405.
 */
export function postOnly(): Response {
  return new Response("Webhooks are POSTed by Shopify", { status: 405, headers: { Allow: "POST" } });
}
