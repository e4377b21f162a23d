import { PassThrough } from "node:stream";
import { renderToPipeableStream } from "react-dom/server";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { createReadableStreamFromReadable, type EntryContext, type HandleErrorFunction } from "@remix-run/node";
import { isbot } from "isbot";
import { describeError } from "~/describe-error.server";
import { logger } from "~/logger.server";
import { addDocumentResponseHeaders } from "./shopify.server";

export const streamTimeout = 5000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  // Sets the CSP frame-ancestors that lets the Shopify admin embed the app.
  addDocumentResponseHeaders(request, responseHeaders);
  // Crawlers get the fully rendered page; people get the shell as soon as it is ready.
  const callbackName = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";

  return new Promise<Response>((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} />, {
      [callbackName]: () => {
        const body = new PassThrough();
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        responseStatusCode = 500;
        logUnexpected(error, request);
      },
    });

    // Abort a second after streamTimeout so React can still flush the rejected boundaries' content.
    setTimeout(abort, streamTimeout + 1000);
  });
}

/**
 * Remix calls this for every error it catches. A refused request (no route: 404, wrong method: 405, a
 * bad request) is the caller's doing and gets one info line; anything else is ours and gets one error
 * line. Neither carries a stack (describe-error.server.ts); the caller sees only a generic message.
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  // A client that went away mid-request is not an error of ours.
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status < 500) {
    logger.info({ status: error.status, method: request.method, path: new URL(request.url).pathname }, "request refused");
    return;
  }
  logUnexpected(error, request);
};

function logUnexpected(error: unknown, request: Request): void {
  // A route error response wraps the thrown error; describe that one.
  const cause = isRouteErrorResponse(error) && (error as { error?: unknown }).error ? (error as { error?: unknown }).error : error;
  logger.error(
    { method: request.method, path: new URL(request.url).pathname, error: describeError(cause) },
    "unexpected error while handling a request",
  );
}
