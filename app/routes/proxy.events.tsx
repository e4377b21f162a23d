// POST /proxy/events: Shopify's app proxy forwards the storefront's /apps/meta-capi/events here, signed
// (shopify.app.toml [app_proxy]). Same origin as the shop for the browser, so no CORS; the shop is the
// one Shopify signed for, never one the body names.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { env } from "~/env.server";
import { logger } from "~/logger.server";
import { verifyAppProxyRequest } from "~/services/app-proxy-auth.server";
import { proxyIngest, type ProxyRefusal } from "~/services/storefront-events.server";

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

// The statuses and bodies the proxy answered before the service returned outcomes: tests and the bench
// read them, and Shopify's proxy passes them to the storefront as they are.
function refusal(error: ProxyRefusal): Response {
  switch (error.kind) {
    case "rate-limited":
      return reply(429, { error: "Too many requests" });
    case "too-large":
      return reply(413, { error: `Body larger than ${error.limitBytes} bytes` });
    case "unreadable-body":
      return reply(400, { error: "Body could not be read" });
    case "bad-envelope":
      return reply(400, { error: error.message });
    case "unknown-shop":
      return reply(404, { error: "This shop does not use the app" });
  }
}

export const loader = () => reply(405, { error: "Use POST" });

export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return reply(405, { error: "Use POST" });
  const now = new Date();
  const auth = verifyAppProxyRequest(new URL(request.url), env().SHOPIFY_API_SECRET, now);
  if (!auth.ok) return reply(401, { error: auth.error });
  try {
    const outcome = await proxyIngest().receive(getDb(), {
      shop: auth.shop,
      loggedInCustomerId: auth.loggedInCustomerId,
      request,
      now,
    });
    return outcome.ok ? reply(202, outcome.value) : refusal(outcome.error);
  } catch (error) {
    logger.error({ shop: auth.shop, err: error instanceof Error ? error.name : "Error" }, "app proxy request failed");
    // Sent by sendBeacon, whose caller never reads the answer: a database hiccup is a 503, not a 500 to log.
    return reply(503, { error: "Temporarily unavailable" });
  }
};
