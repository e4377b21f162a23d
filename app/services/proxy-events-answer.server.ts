// POST /proxy/events's answer, shared by the Remix route (app/routes/proxy.events.tsx, what `shopify app
// dev` serves) and the production server's fast path (webhook-fast-path.server.ts), so both take the same
// checks and answer the same statuses and bodies.
import { getDb } from "~/db.server";
import { env } from "~/env.server";
import { logger } from "~/logger.server";
import { verifyAppProxyRequest } from "~/services/app-proxy-auth.server";
import { proxyIngest, type ProxyHttpInput, type ProxyRefusal } from "~/services/storefront-events.server";

export interface ProxyReply {
  status: number;
  /** Sent as JSON, with Cache-Control: no-store. */
  body: unknown;
}

// The statuses and bodies the proxy answered before the service returned outcomes: tests and the bench
// read them, and Shopify's proxy passes them to the storefront as they are.
function refusal(error: ProxyRefusal): ProxyReply {
  switch (error.kind) {
    case "rate-limited":
      return { status: 429, body: { error: "Too many requests" } };
    case "too-large":
      return { status: 413, body: { error: `Body larger than ${error.limitBytes} bytes` } };
    case "unreadable-body":
      return { status: 400, body: { error: "Body could not be read" } };
    case "bad-envelope":
      return { status: 400, body: { error: error.message } };
    case "unknown-shop":
      return { status: 404, body: { error: "This shop does not use the app" } };
  }
}

export const METHOD_NOT_ALLOWED: ProxyReply = { status: 405, body: { error: "Use POST" } };

/** `url`: the request's URL; its query carries Shopify's signature. */
export async function answerProxyEvents(input: { method: string; url: URL; http: ProxyHttpInput }): Promise<ProxyReply> {
  if (input.method !== "POST") return METHOD_NOT_ALLOWED;
  const now = new Date();
  const auth = verifyAppProxyRequest(input.url, env().SHOPIFY_API_SECRET, now);
  if (!auth.ok) return { status: 401, body: { error: auth.error } };
  try {
    const outcome = await proxyIngest().receive(getDb(), {
      shop: auth.shop,
      loggedInCustomerId: auth.loggedInCustomerId,
      request: input.http,
      now,
    });
    return outcome.ok ? { status: 202, body: outcome.value } : refusal(outcome.error);
  } catch (error) {
    logger.error({ shop: auth.shop, err: error instanceof Error ? error.name : "Error" }, "app proxy request failed");
    // Sent by sendBeacon, whose caller never reads the answer: a database hiccup is a 503, not a 500 to log.
    return { status: 503, body: { error: "Temporarily unavailable" } };
  }
}
