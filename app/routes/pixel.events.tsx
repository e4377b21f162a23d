// POST /pixel/events: the storefront's "browser event seen" beacon (theme embed and web pixel). Public and
// cross-origin: sendBeacon posts text/plain from the shop's domain, the web pixel from Shopify's sandbox.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import { parseJson } from "~/lib/result";
import { BodyTooLargeError, readBodyWithLimit } from "~/services/body-limit.server";
import { recordBrowserEvent } from "~/services/browser-events.server";

// A real beacon is about 120 bytes; the cap keeps an anonymous caller from making us buffer much.
const MAX_BODY_BYTES = 4096;

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "86400",
};

function reply(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { ...CORS, "Cache-Control": "no-store", ...(body === null ? {} : { "Content-Type": "application/json" }) },
  });
}

// Remix hands OPTIONS (the CORS preflight) to the loader, not the action: it is not a mutation method.
export const loader = ({ request }: LoaderFunctionArgs) =>
  request.method === "OPTIONS" ? reply(204, null) : reply(405, { error: "Use POST" });

export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return reply(405, { error: "Use POST" });

  let text: string;
  try {
    text = await readBodyWithLimit(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return reply(413, { error: `Body larger than ${MAX_BODY_BYTES} bytes` });
    return reply(400, { error: "Body could not be read" });
  }
  const input = parseJson(text);
  if (!input.ok) return reply(400, { error: "Body must be JSON" });

  try {
    const outcome = await recordBrowserEvent(getDb(), input.value);
    if (outcome.ok) return reply(outcome.value.created ? 201 : 200, { ok: true });
    return outcome.error.kind === "invalid" ? reply(400, { error: outcome.error.message }) : reply(404, { error: "Unknown shop" });
  } catch {
    // The beacon is best effort and the caller never reads the answer; a database hiccup is not a 500 to log.
    return reply(503, { error: "Temporarily unavailable" });
  }
};
