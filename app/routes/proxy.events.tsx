// POST /proxy/events: Shopify's app proxy forwards the storefront's /apps/meta-capi/events here, signed
// (shopify.app.toml [app_proxy]). Same origin as the shop for the browser, so no CORS; the shop is the
// one Shopify signed for, never one the body names. The production server answers it ahead of Remix
// (app/services/webhook-fast-path.server.ts) with the same answer (proxy-events-answer.server.ts).
import type { ActionFunctionArgs } from "@remix-run/node";
import { readBodyWithLimit } from "~/services/body-limit.server";
import { answerProxyEvents, METHOD_NOT_ALLOWED, type ProxyReply } from "~/services/proxy-events-answer.server";

function reply({ status, body }: ProxyReply): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

export const loader = () => reply(METHOD_NOT_ALLOWED);

export const action = async ({ request }: ActionFunctionArgs) =>
  reply(
    await answerProxyEvents({
      method: request.method,
      url: new URL(request.url),
      http: { header: (name) => request.headers.get(name), readBody: (limit) => readBodyWithLimit(request, limit) },
    }),
  );
