// A local stand-in for Meta's browser pixel endpoint (https://www.facebook.com/tr): records what the
// storefront's pixel and the checkout web pixel report, so the demo can show both halves of a purchase.
//
// The pixel talks to /tr in several shapes (meta-capi-reference.md §5: the image pixel's query string, POSTed
// form fields, a sendBeacon body), so every one of them is read into the same record. It validates nothing:
// Meta's browser endpoint answers 200 to almost anything, and what matters here is what arrived.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJson } from "../../app/lib/result";

export interface BrowserPixelEvent {
  pixelId: string | null;
  eventName: string | null;
  /** `eid`: the ID Meta deduplicates the browser copy against the server copy with. */
  eventId: string | null;
  fbp: string | null;
  fbc: string | null;
  /** The `cd[...]` parameters (custom data), e.g. value, currency, order_id. */
  customData: Record<string, string>;
  /** `dl`: the page the event was fired on. */
  url: string | null;
  method: string;
  userAgent: string | null;
  receivedAt: Date;
  /** Every parameter as received, for anything the fields above do not cover. */
  params: Record<string, string>;
}

// A transparent 1×1 GIF: what an <img> beacon expects back.
const PIXEL_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
const MAX_BODY_BYTES = 1024 * 1024;

export interface PixelRecorder {
  /** Handles /tr and /tr/ and returns true; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  events(): BrowserPixelEvent[];
  reset(): void;
}

export function createPixelRecorder(opts: { now?: () => Date } = {}): PixelRecorder {
  const now = opts.now ?? (() => new Date());
  let events: BrowserPixelEvent[] = [];

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://pixel.invalid");
    if (url.pathname !== "/tr" && url.pathname !== "/tr/") return false;
    const method = req.method ?? "GET";
    const cors = corsHeaders(req);
    if (method === "OPTIONS") {
      res.writeHead(204, cors).end();
      return true;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      Object.assign(params, bodyParams(req.headers["content-type"], Buffer.concat(chunks).toString("utf8")));
      const customData: Record<string, string> = {};
      for (const [key, value] of Object.entries(params)) {
        const match = /^cd\[(.+)\]$/.exec(key);
        if (match) customData[match[1]] = value;
      }
      events.push({
        pixelId: params.id ?? null,
        eventName: params.ev ?? null,
        eventId: params.eid || null,
        fbp: params.fbp || null,
        fbc: params.fbc || null,
        customData,
        url: params.dl || null,
        method,
        userAgent: typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : null,
        receivedAt: now(),
        params,
      });
      if (method === "GET") res.writeHead(200, { ...cors, "content-type": "image/gif", "cache-control": "no-store" }).end(PIXEL_GIF);
      else res.writeHead(200, { ...cors, "content-type": "text/plain" }).end("");
    });
    return true;
  }

  return {
    handle,
    events: () =>
      events.map((e) => ({ ...e, receivedAt: new Date(e.receivedAt), customData: { ...e.customData }, params: { ...e.params } })),
    reset() {
      events = [];
    },
  };
}

// A fetch with credentials from the storefront's origin needs the origin echoed, not "*".
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = typeof req.headers.origin === "string" ? req.headers.origin : null;
  return origin
    ? {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": String(req.headers["access-control-request-headers"] ?? "content-type"),
        vary: "Origin",
      }
    : { "access-control-allow-origin": "*" };
}

function bodyParams(contentType: string | undefined, body: string): Record<string, string> {
  if (body.trim() === "") return {};
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data") {
    const fields: Record<string, string> = {};
    for (const match of body.matchAll(/name="([^"]+)"\r?\n\r?\n([\s\S]*?)\r?\n--/g)) fields[match[1]] = match[2];
    return fields;
  }
  const trimmed = body.trim();
  if (type === "application/json" || trimmed.startsWith("{")) {
    const parsed = parseJson(trimmed);
    return parsed.ok ? flatten(parsed.value) : {};
  }
  // Form fields, also when sendBeacon sent them as text/plain.
  return Object.fromEntries(new URLSearchParams(trimmed));
}

// A JSON beacon ({"id":…, "ev":…, "cd":{"value":…}}) reads like the query-string form (cd[value]=…).
function flatten(value: unknown, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== "object") {
    if (prefix) out[prefix] = String(value);
    return out;
  }
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) Object.assign(out, flatten(inner, name));
    else out[name] = Array.isArray(inner) ? JSON.stringify(inner) : String(inner);
  }
  return out;
}
