// A webhook answered straight from node:http, without the Remix request pipeline (which turns every request
// into a Web Request with a ReadableStream body, matches routes and turns the Response back: about a sixth
// of the CPU a webhook cost under load). The checks, the in-flight bound and the handler are the very ones
// the Remix route runs (webhook-auth.server.ts), so the statuses and stored rows are the same.
import type { IncomingMessage, ServerResponse } from "node:http";
import { discardUnreadBody, readNodeBodyWithLimit } from "~/services/body-limit.server";
import { answerProxyEvents } from "~/services/proxy-events-answer.server";
import {
  BUSY,
  releaseWebhookSlot,
  tryTakeWebhookSlot,
  verifyWebhook,
  WebhookRefusal,
  type AuthenticatedWebhook,
  type WebhookOptions,
  type WebhookReply,
} from "~/services/webhook-auth.server";

/**
 * A request handler for one topic. Resolves once answered; rejects with what the handler threw unexpectedly
 * (nothing answered yet), for the server's error handler.
 */
export function fastWebhook(
  expectedTopic: string,
  options: WebhookOptions,
  handle: (webhook: AuthenticatedWebhook) => Promise<WebhookReply>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (!tryTakeWebhookSlot()) {
      send(req, res, BUSY);
      return;
    }
    let reply: WebhookReply;
    try {
      const webhook = await verifyWebhook(
        { method: req.method ?? "", header: (name) => headerOf(req, name), readBody: () => readNodeBodyWithLimit(req) },
        expectedTopic,
        options,
      );
      reply = await handle(webhook);
    } catch (error) {
      if (!(error instanceof WebhookRefusal)) throw error;
      reply = error.reply;
    } finally {
      releaseWebhookSlot();
    }
    send(req, res, reply);
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

function send(req: IncomingMessage, res: ServerResponse, reply: WebhookReply): void {
  // Answered before the body was read (busy) or with some of it unread (past the drain cap).
  if (!req.complete) discardUnreadBody(req);
  res.statusCode = reply.status;
  if (reply.statusText) res.statusMessage = reply.statusText;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.body === undefined) {
    res.setHeader("Content-Length", "0");
    res.end();
    return;
  }
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(reply.body);
}

/**
 * POST /proxy/events answered straight from node:http: the Remix route's answer (proxy-events-answer.server.ts),
 * the same checks, statuses and rows. Resolves once answered.
 */
export async function fastProxyEvents(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = await answerProxyEvents({
    method: req.method ?? "",
    url: new URL(req.url ?? "/", "http://proxy.invalid"),
    http: { header: (name) => headerOf(req, name), readBody: (limit) => readNodeBodyWithLimit(req, limit) },
  });
  // Refused before the body was read (signature, rate limit) or with some of it unread (past the cap).
  if (!req.complete) discardUnreadBody(req);
  const body = JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

/**
 * The requests served ahead of Express and Remix: returns the handler for `method` and `path` (without the
 * query), or null for everything else.
 */
export function hotPath(
  routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>,
): (method: string | undefined, path: string) => ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null {
  // A Map: a path such as "/__proto__" must not find anything.
  const byPath = new Map(Object.entries(routes));
  return (method, path) => (method === "POST" ? (byPath.get(path) ?? null) : null);
}
