// The one shape for "this worked, or here is why not". Expected failures (bad input, a refusal, an unknown
// shop) are values a caller must look at; only the unexpected throws.
import type { z } from "zod";

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** JSON text that did not parse. No detail: V8's message quotes the input, which may hold a secret. */
export interface JsonError {
  kind: "invalid-json";
}

/** Parses JSON text without throwing. */
export function parseJson(text: string): Result<unknown, JsonError> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err({ kind: "invalid-json" });
  }
}

/** The parsed value, or `fallback` when the text is not JSON: for stored text the app wrote itself. */
export function parseJsonOr<F>(text: string, fallback: F): unknown {
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : fallback;
}

/** Parses JSON text and checks it against a schema: for input that crosses a trust boundary. */
export function parseWith<S extends z.ZodTypeAny>(
  schema: S,
  text: string,
): Result<z.output<S>, JsonError | { kind: "invalid-shape"; issues: z.ZodIssue[] }> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const checked = schema.safeParse(parsed.value);
  return checked.success ? ok(checked.data) : err({ kind: "invalid-shape", issues: checked.error.issues });
}
