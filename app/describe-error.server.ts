// What a log line says about an unexpected error: its kind and a short message, not its stack. A stack
// names server paths and library internals, and Prisma's messages quote the code around the failing call;
// none of that helps an operator at the default level. LOG_LEVEL=debug adds the stack when a bug needs it.
import { logger } from "~/logger.server";

export interface ErrorSummary {
  name: string;
  code?: string;
  message: string;
  stack?: string;
}

const MAX_MESSAGE_CHARS = 300;

export function describeError(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error).slice(0, MAX_MESSAGE_CHARS) };
  const code = (error as { code?: unknown }).code;
  // Prisma puts the cause on the last line, after a code frame of the call site.
  const lines = error.message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const summary: ErrorSummary = {
    name: error.name,
    message: (lines[lines.length - 1] ?? "").slice(0, MAX_MESSAGE_CHARS),
  };
  if (typeof code === "string" || typeof code === "number") summary.code = String(code);
  if (logger.isLevelEnabled("debug") && error.stack) summary.stack = error.stack;
  return summary;
}
