// JSON may spell a lone UTF-16 surrogate (`"\ud800"`): JavaScript accepts it, but it is not Unicode text,
// and Prisma's query engine refuses any string carrying one ("unexpected end of hex escape"), on SQLite
// and PostgreSQL alike. A signed webhook with one would answer 500 on every retry and be lost, so webhook
// bodies are made well-formed once, right after parsing, before anything maps or stores them.
import { parseOrderJson } from "~/lib/capi/order-payload";

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The string with every lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does. */
export function wellFormedString(value: string): string {
  return value.replace(LONE_SURROGATE, "\ufffd");
}

/**
 * Replaces lone surrogates in every string (values and keys) of a parsed JSON value, in place, and returns
 * it. Iterative, so a deeply nested body cannot exhaust the stack here.
 */
export function wellFormed<T>(value: T): T {
  if (typeof value === "string") return wellFormedString(value) as T;
  if (typeof value !== "object" || value === null) return value;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item = node[i];
        if (typeof item === "string") node[i] = wellFormedString(item);
        else if (typeof item === "object" && item !== null) stack.push(item);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const fixedKey = wellFormedString(key);
      const fixedItem = typeof item === "string" ? wellFormedString(item) : item;
      if (fixedKey !== key) {
        delete record[key];
        record[fixedKey] = fixedItem;
      } else if (fixedItem !== item) {
        record[key] = fixedItem;
      }
      if (typeof item === "object" && item !== null) stack.push(item);
    }
  }
  return value;
}

/**
 * A signed webhook body as the routes read it: parsed losslessly (18-digit IDs stay exact) and made
 * well-formed. Throws SyntaxError on bad JSON, or RangeError on nesting too deep to parse.
 */
export function parseWebhookJson(rawBody: string): unknown {
  const parsed = parseOrderJson(rawBody);
  // Only a `\u` escape in the D800-DFFF range can produce a surrogate: text decoded from UTF-8 has none.
  return /\\u[dD][89a-fA-F]/.test(rawBody) ? wellFormed(parsed) : parsed;
}
