import type { IncomingMessage } from "node:http";

// The largest request body the app reads. Shopify's order payloads are well under 1 MB (a large order with
// hundreds of line items is a few hundred KB), so 2 MB leaves room without letting a caller make the
// server buffer arbitrary amounts.
export const MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024;

// A client still uploading when we answer 413 sees a connection reset instead of the answer if we stop
// reading, so the rest of an oversized body is read and dropped, up to this much; past it, we hang up.
export const MAX_DRAIN_BYTES = 4 * MAX_REQUEST_BODY_BYTES;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** True when the request declares a body larger than `limit` (it may also declare none: read with the limit). */
export function declaresTooLarge(contentLength: string | null | undefined, limit = MAX_REQUEST_BODY_BYTES): boolean {
  if (!contentLength) return false;
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Reads the body as UTF-8 text, keeping at most `limit` bytes whatever Content-Length said; past the limit
 * the rest is dropped (up to MAX_DRAIN_BYTES) and BodyTooLargeError thrown, so the caller can answer 413.
 */
export async function readBodyWithLimit(request: Request, limit = MAX_REQUEST_BODY_BYTES): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_DRAIN_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(limit);
    }
    if (size <= limit) chunks.push(value);
  }
  if (size > limit) throw new BodyTooLargeError(limit);
  return decodeBody(chunks);
}

/**
 * readBodyWithLimit for a Node request stream (the server's webhook fast path): the same cap, the same
 * draining past it, the same text.
 */
export function readNodeBodyWithLimit(stream: NodeJS.ReadableStream, limit = MAX_REQUEST_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        stream.removeListener("data", onData);
        stream.pause();
        reject(new BodyTooLargeError(limit));
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    };
    stream.on("data", onData);
    stream.once("error", reject);
    stream.once("end", () => (size > limit ? reject(new BodyTooLargeError(limit)) : resolve(decodeBody(chunks))));
  });
}

const decoder = new TextDecoder();

// TextDecoder, as Request.text() decodes (a leading BOM dropped, bad bytes replaced): the HMAC check and
// the lossless parse must see the same text whichever HTTP layer read the body.
function decodeBody(chunks: Uint8Array[]): string {
  return decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

/**
 * The request bytes the whole process may hold at once. A body is counted from the moment its request
 * arrives until its response ends, at its declared Content-Length (or, streamed without one, at the most
 * the app will read of it), so the count is known before any of it is read.
 */
export class BodyBudget {
  private inFlight = 0;

  constructor(readonly capacity: number) {}

  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Takes `bytes` from the budget, or returns false (taking nothing) when they do not fit. */
  tryReserve(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.inFlight + bytes > this.capacity) return false;
    this.inFlight += bytes;
    return true;
  }

  release(bytes: number): void {
    if (bytes > 0) this.inFlight = Math.max(0, this.inFlight - bytes);
  }
}

/** How much of the budget a request needs: its declared size, the read limit when streamed without one, else 0. */
export function bodyBytesToReserve(headers: { "content-length"?: string; "transfer-encoding"?: string }): number {
  const declared = headers["content-length"];
  if (declared !== undefined && /^\d+$/.test(declared.trim())) return Math.min(Number(declared), MAX_REQUEST_BODY_BYTES);
  return headers["transfer-encoding"] ? MAX_REQUEST_BODY_BYTES : 0;
}

/**
 * For a request answered before its body was read: what the client is still sending is read and dropped, so
 * it sees the answer rather than a reset, up to MAX_DRAIN_BYTES, past which the connection is cut.
 */
export function discardUnreadBody(req: IncomingMessage): void {
  let dropped = 0;
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DRAIN_BYTES) req.socket.destroy();
  });
  req.on("error", () => req.socket.destroy());
  req.resume();
}
