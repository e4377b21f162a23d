// What every request meets before any handler, as one node:http step in front of both the hot paths
// (webhook-fast-path.server.ts) and Express/Remix (server/index.ts): a declared body over the limit, an
// unsigned webhook, the webhook in-flight bound and the body budget. One place, so the fast paths cannot
// drift from what the framework path checks.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { logger } from "~/logger.server";
import { describeError } from "~/describe-error.server";
import {
  BodyBudget,
  bodyBytesToReserve,
  declaresTooLarge,
  discardUnreadBody,
  MAX_DRAIN_BYTES,
  MAX_REQUEST_BODY_BYTES,
} from "~/services/body-limit.server";
import { BUSY, webhooksInFlight } from "~/services/webhook-auth.server";

const WEBHOOK_PATH = /^\/webhooks(\/|$)/i;

export interface IngressLimits {
  maxWebhooksInFlight: number;
  maxBodyBytesInFlight: number;
}

/**
 * Returns `admit(req, res)`: true when the request may go on to a handler, false when it has been answered
 * (413, 401 or 503) without its body being held.
 */
export function ingressGuards(limits: IngressLimits): (req: IncomingMessage, res: ServerResponse) => boolean {
  // Past this many body bytes held at once across all requests, new ones are turned away for a moment
  // (Shopify retries a 503); the budget is taken before the body is read and given back when the response ends.
  const budget = new BodyBudget(limits.maxBodyBytesInFlight);
  return (req, res) => {
    // A body declared over the limit never reaches the app; one without Content-Length is capped where it is
    // read. What the client is still sending is read and dropped first, so it gets the 413 rather than a
    // connection reset; an absurd declared size is cut off instead.
    if (declaresTooLarge(req.headers["content-length"])) {
      const refuse = () => {
        res.setHeader("Connection", "close");
        sendText(res, 413, `Request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
      };
      if (Number(req.headers["content-length"]) > MAX_DRAIN_BYTES) {
        refuse();
        res.on("finish", () => req.socket.destroy());
      } else {
        req.on("end", refuse);
        req.on("error", () => req.socket.destroy());
        req.resume();
      }
      return false;
    }
    const method = req.method ?? "GET";
    const webhook = method !== "GET" && method !== "HEAD" && WEBHOOK_PATH.test(pathOf(req));
    // Shopify signs every webhook: one without the signature header is refused before a byte of its body is
    // held, so unauthenticated posts cost no memory however large or many they are.
    if (webhook && !req.headers["x-shopify-hmac-sha256"]) {
      refuseUnread(req, res, 401, "Missing X-Shopify-Hmac-Sha256 header");
      return false;
    }
    // At the in-flight bound a delivery is turned away on arrival, before its body is read: shedding must
    // cost next to nothing, or a flood still saturates the process.
    if (webhook && method === "POST" && webhooksInFlight() >= limits.maxWebhooksInFlight) {
      res.setHeader("Retry-After", BUSY.headers!["Retry-After"]);
      refuseUnread(req, res, BUSY.status, BUSY.body!);
      return false;
    }
    const bytes = bodyBytesToReserve(req.headers);
    if (bytes === 0) return true;
    if (!budget.tryReserve(bytes)) {
      res.setHeader("Retry-After", "5");
      refuseUnread(req, res, 503, "Server busy: too many request bodies in flight; retry shortly");
      return false;
    }
    res.once("close", () => budget.release(bytes));
    return true;
  };
}

/** The path without the query, as Express's req.path has it. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** Answers at once without holding the body (body-limit.server.ts drops what is still coming). */
export function refuseUnread(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  discardUnreadBody(req);
  sendText(res, status, message);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

/**
 * Whatever a handler throws unexpectedly gets one log line and a plain answer: never a stack trace or a
 * server path. Shared by the fast paths and the Express error handler.
 */
export function answerUnexpected(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const status = httpStatusOf(error);
  const line = { status, method: req.method, path: pathOf(req), error: describeError(error) };
  if (status >= 500) logger.error(line, "unexpected error while handling a request");
  else logger.info(line, "request refused");
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  sendText(res, status, STATUS_CODES[status] ?? "Error");
}

function httpStatusOf(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}
