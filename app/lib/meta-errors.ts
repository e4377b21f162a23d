// Turns whatever came back from the Graph API (or failed to) into one decision the delivery worker can act on:
// retry later, split the batch, mark the shop disconnected, or stop and show the merchant what to fix.
// This is the one table of Meta's error codes: the kind the worker acts on and stores, the problem the admin
// names, and the words for it. Pure: no I/O, so every rule below is pinned by a unit test.
// Sources: meta-capi-reference.md §1 and §7.
import { SETTINGS_PAGE, type Explanation, type FailureKind } from "~/lib/delivery-reasons";
import { parseJsonOr } from "~/lib/result";

export type GraphFailureKind = FailureKind;

export type GraphFailure = {
  /**
   * transient: retry with back-off (network, timeout, 5xx, 429, throttling, Meta said is_transient).
   * invalid_payload: code 100; Meta rejected the whole batch because of (at least) one event. Do not retry as is.
   * auth: the access token is invalid or expired (190); the merchant must reconnect.
   * permission: the token lacks a permission (3, 10, 200-299).
   * config: our side is misconfigured (deprecated API version, unknown pixel, unexpected answer); needs a human.
   */
  kind: GraphFailureKind;
  httpStatus: number | null;
  code: number | null;
  subcode: number | null;
  /** Short, human, safe to store and show: never contains an access token. */
  message: string;
  fbtraceId: string | null;
  /** Meta's own `is_transient` hint when the body carried one. */
  isTransient: boolean | null;
  /** How long Meta asked us to wait; only set for transient failures, the only ones worth retrying. */
  retryAfterMs: number | null;
};

export interface ClassifyGraphErrorInput {
  httpStatus?: number;
  /** Parsed JSON, or the raw response text (parsed here if it is JSON). */
  body?: unknown;
  networkError?: string;
  timedOut?: boolean;
  retryAfterHeader?: string | null;
  bucUsageHeader?: string | null;
  /** The `x-fb-trace-id` response header, used when the body has no fbtrace_id. */
  fbTraceIdHeader?: string | null;
  /** Secrets known to the caller (the token it just sent); scrubbed from the message verbatim. */
  secrets?: readonly string[];
  /** Clock for an HTTP-date `Retry-After`; defaults to Date.now(). */
  now?: number;
}

// Throttling and "temporary downtime" codes (§7 table). 368 is a temporary policy block: Meta says wait and retry.
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 368, 613]);
const isBucThrottle = (code: number) => code >= 80000 && code <= 80014;
// 102 (API session) and 104 (access token required) are Graph's other token errors besides 190; none heals by waiting.
const AUTH_CODES = new Set([102, 104, 190]);
const isPermissionCode = (code: number) => code === 3 || code === 10 || (code >= 200 && code <= 299);
const DEPRECATED_VERSION = 2635;
const INVALID_PARAMETER = 100;
const OBJECT_NOT_FOUND_SUBCODE = 33;

const MAX_MESSAGE_LENGTH = 500;

export function classifyGraphError(input: ClassifyGraphErrorInput): GraphFailure {
  const httpStatus = typeof input.httpStatus === "number" ? input.httpStatus : null;
  const graph = readGraphError(input.body);
  const secrets = input.secrets ?? [];

  const base = {
    httpStatus,
    code: graph?.code ?? null,
    subcode: graph?.subcode ?? null,
    fbtraceId: graph?.fbtraceId ?? nonEmpty(input.fbTraceIdHeader) ?? null,
    isTransient: graph?.isTransient ?? null,
    retryAfterMs: null,
  };
  const make = (kind: GraphFailureKind, message: string): GraphFailure => ({
    ...base,
    kind,
    message: redactSecrets(message, secrets),
    retryAfterMs: kind === "transient" ? retryAfterMs(input) : null,
  });

  if (input.timedOut) return make("transient", "Meta did not answer before the request timed out");
  if (input.networkError !== undefined) {
    return make("transient", `Network error talking to Meta: ${input.networkError || "connection failed"}`);
  }

  if (graph && graph.code !== null) {
    const message = graph.message ?? `Meta returned error code ${graph.code}`;
    return make(classifyMetaCode(graph.code, graph.subcode, { isTransient: graph.isTransient, httpStatus }).kind, message);
  }

  const detail = graph?.message ? `: ${graph.message}` : "";
  if (graph?.isTransient === true) return make("transient", `Meta reported a temporary error${detail}`);
  if (httpStatus === null) return make("transient", `Meta gave no usable answer${detail}`);
  if (httpStatus >= 500) return make("transient", `Meta answered HTTP ${httpStatus}${detail}`);
  if (httpStatus === 429) return make("transient", `Meta answered HTTP 429 (too many requests)${detail}`);
  // A 4xx without a Graph error code did not come from the Graph API as we know it (a proxy, a wrong base URL,
  // an unknown path). Retrying will not change the answer and the events are not at fault, so: config.
  if (httpStatus >= 400) return make("config", `Meta answered HTTP ${httpStatus} without a Graph API error${detail}`);
  // A redirect means META_GRAPH_API_URL points somewhere that is not the API (fetch is told not to follow it,
  // since following a POST would resend the token to wherever it points).
  if (httpStatus >= 300) return make("config", `Meta answered with a redirect (HTTP ${httpStatus}); check the Graph API URL`);
  return make("transient", `Meta answered HTTP ${httpStatus} without a usable body${detail}`);
}

/** What Meta's answer means to a merchant; each has its words in META_WORDS. */
export type MetaProblem =
  | "token_invalid"
  | "pixel_not_found"
  | "api_version_retired"
  | "permission_missing"
  | "unhashed_field"
  | "malformed_fbc"
  | "event_too_old"
  | "too_little_customer_info"
  | "unavailable"
  | "invalid_event"
  | "unknown_error";

const INVALID_EVENT_SUBCODES = new Map<number, MetaProblem>([
  [2804016, "unhashed_field"],
  [2804001, "malformed_fbc"],
  [2804003, "event_too_old"],
  [2804050, "too_little_customer_info"],
]);

/** Meta's error code (with its subcode and hints) as what the worker does about it and what it means. */
export function classifyMetaCode(
  code: number,
  subcode: number | null,
  hints: { isTransient: boolean | null; httpStatus: number | null },
): { kind: FailureKind; problem: MetaProblem } {
  if (TRANSIENT_CODES.has(code) || isBucThrottle(code)) return { kind: "transient", problem: "unavailable" };
  if (AUTH_CODES.has(code)) return { kind: "auth", problem: "token_invalid" };
  if (code === DEPRECATED_VERSION) return { kind: "config", problem: "api_version_retired" };
  if (code === INVALID_PARAMETER && subcode === OBJECT_NOT_FOUND_SUBCODE) return { kind: "config", problem: "pixel_not_found" };
  // Meta's own hint outranks the rest of the table: it knows whether this particular failure is temporary.
  if (hints.isTransient === true) return { kind: "transient", problem: "unavailable" };
  if (code === INVALID_PARAMETER) {
    return { kind: "invalid_payload", problem: (subcode !== null && INVALID_EVENT_SUBCODES.get(subcode)) || "invalid_event" };
  }
  if (isPermissionCode(code)) return { kind: "permission", problem: "permission_missing" };
  if (hints.httpStatus !== null && (hints.httpStatus >= 500 || hints.httpStatus === 429))
    return { kind: "transient", problem: "unavailable" };
  // An error code we do not know: terminal, because guessing "retry" could hammer Meta forever and guessing
  // "invalid_payload" would make the worker bisect a batch for a problem no single event causes.
  return { kind: "config", problem: "unknown_error" };
}

/**
 * The problem behind a stored answer (a ledger row's errorCode, errorSubcode and failureKind) or a fresh one.
 * No code means Meta never answered with one (a timeout, an outage): it was unavailable.
 */
export function metaProblemOf(answer: { code: number | null; subcode: number | null; kind?: FailureKind | null }): MetaProblem {
  if (answer.code === null) return "unavailable";
  return classifyMetaCode(answer.code, answer.subcode, { isTransient: answer.kind === "transient" ? true : null, httpStatus: null })
    .problem;
}

export const META_WORDS: Record<MetaProblem, Explanation> = {
  token_invalid: {
    title: "Meta no longer accepts your access token",
    cause: "The Conversions API access token expired, was revoked, or was pasted incompletely.",
    fix: `Generate a new token in Meta Events Manager (your dataset → Settings → Conversions API) and paste it in ${SETTINGS_PAGE}. Held events are sent as soon as the new token works.`,
    tone: "critical",
  },
  pixel_not_found: {
    title: "Meta cannot find this pixel for your token",
    cause: "Either the pixel (dataset) ID is wrong, or the system user that owns the token has not been given access to this pixel.",
    fix: `Check the pixel ID in ${SETTINGS_PAGE}. In Meta Business Settings → System users, assign the pixel to the system user that created the token, then send a test event.`,
    tone: "critical",
  },
  api_version_retired: {
    title: "The app is using a Meta API version Meta has retired",
    cause: "Meta stopped accepting the Graph API version this app calls.",
    fix: "Update the app (or set META_GRAPH_API_VERSION to a current version, e.g. v25.0) and retry the failed orders.",
    tone: "critical",
  },
  permission_missing: {
    title: "Your token lacks permission to send events for this pixel",
    cause: "Meta refused the request for missing permissions.",
    fix: `Create the token from the pixel's own Conversions API settings in Events Manager (it gets the right permissions) and paste it in ${SETTINGS_PAGE}.`,
    tone: "critical",
  },
  unhashed_field: {
    title: "A customer field reached Meta unhashed",
    cause: "Meta requires customer details (email, phone, name, address) to be SHA-256 hashed, and one was not.",
    fix: "This is a fault in the app, not in your store: contact support with the fbtrace ID below. Retrying will fail the same way until the app is fixed.",
    tone: "critical",
  },
  malformed_fbc: {
    title: "The ad click ID (fbc) was malformed",
    cause:
      "The _fbc cookie captured for this order did not have Meta's fb.1.<time>.<click id> shape, often because another script rewrote it.",
    fix: "Check for other Meta pixel apps or custom scripts that set the _fbc cookie. This order cannot be fixed by retrying.",
    tone: "critical",
  },
  event_too_old: {
    title: "Too old for Meta",
    cause: "Meta only accepts events from the last 7 days, and this purchase is older.",
    fix: "Nothing can be done for this order. Keep the app connected so new orders are sent within minutes.",
    tone: "warning",
  },
  too_little_customer_info: {
    title: "Too little customer information to match",
    cause: "The order carried too few customer details (no email, phone or browser ID) for Meta to accept it.",
    fix: "Nothing to fix for this order. Keep the app embed and web pixel switched on so browser IDs (fbp/fbc) reach future orders.",
    tone: "warning",
  },
  unavailable: {
    title: "Meta was unavailable",
    cause: "Meta did not accept the request this time (an outage, a timeout or rate limiting).",
    fix: "Nothing to do: we retry automatically with increasing pauses.",
    tone: "attention",
  },
  invalid_event: {
    title: "Meta rejected the event as invalid",
    cause: "Meta found a field it does not accept.",
    fix: "Retrying will not help until the cause is fixed. Contact support with the fbtrace ID below.",
    tone: "critical",
  },
  unknown_error: {
    title: "Meta refused the event",
    cause: "Meta answered with an error this app does not know.",
    fix: "Contact support with the fbtrace ID below.",
    tone: "critical",
  },
};

/** Meta's answer explained, for a delivery row or for the admin's test event; Meta's own message is quoted. */
export function explainMetaError(answer: {
  code: number | null;
  subcode: number | null;
  message: string | null;
  kind?: FailureKind | null;
}): Explanation {
  const problem = metaProblemOf(answer);
  const words = META_WORDS[problem];
  const said = answer.message ? ` Meta said: "${answer.message}"` : "";
  const title =
    problem === "unknown_error" ? `${words.title} (error ${answer.code}${answer.subcode ? `/${answer.subcode}` : ""})` : words.title;
  return { ...words, title, cause: `${words.cause}${said}` };
}

interface ParsedGraphError {
  code: number | null;
  subcode: number | null;
  isTransient: boolean | null;
  message: string | null;
  fbtraceId: string | null;
}

function readGraphError(body: unknown): ParsedGraphError | null {
  const value = typeof body === "string" ? parseJsonOr(body, null) : body;
  if (!isRecord(value) || !isRecord(value.error)) return null;
  const error = value.error;
  return {
    code: toInteger(error.code),
    subcode: toInteger(error.error_subcode),
    isTransient: typeof error.is_transient === "boolean" ? error.is_transient : null,
    message: describe(error),
    fbtraceId: nonEmpty(error.fbtrace_id) ?? nonEmpty(value.fbtrace_id),
  };
}

// error_user_title/error_user_msg are written for people (and localized); `message` is the developer text
// ("(#100) Invalid parameter"), used only when the friendly pair is missing.
function describe(error: Record<string, unknown>): string | null {
  const title = nonEmpty(error.error_user_title);
  const userMsg = nonEmpty(error.error_user_msg);
  const text = title && userMsg ? `${title}: ${userMsg}` : (userMsg ?? title ?? nonEmpty(error.message));
  if (!text) return null;
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE_LENGTH ? `${oneLine.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : oneLine;
}

function retryAfterMs(input: ClassifyGraphErrorInput): number | null {
  const candidates: number[] = [];
  const fromHeader = parseRetryAfter(input.retryAfterHeader, input.now ?? Date.now());
  if (fromHeader !== null) candidates.push(fromHeader);
  const fromBuc = parseBucUsage(input.bucUsageHeader);
  if (fromBuc !== null) candidates.push(fromBuc);
  return candidates.length ? Math.max(...candidates) : null;
}

/** `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * `X-Business-Use-Case-Usage` is JSON: `{ "<business id>": [{ "type": "ads_management", "call_count": 95,
 * "estimated_time_to_regain_access": 3, ... }] }`, the wait in minutes. The longest wait among the entries wins,
 * because any one exhausted use case is enough to get the next call throttled again.
 */
export function parseBucUsage(header: string | null | undefined): number | null {
  if (!header) return null;
  const parsed = parseJsonOr(header, null);
  if (!isRecord(parsed)) return null;
  let maxMinutes: number | null = null;
  for (const entries of Object.values(parsed)) {
    for (const entry of Array.isArray(entries) ? entries : [entries]) {
      if (!isRecord(entry)) continue;
      const minutes = Number(entry.estimated_time_to_regain_access);
      if (!Number.isFinite(minutes) || minutes <= 0) continue;
      maxMinutes = Math.max(maxMinutes ?? 0, minutes);
    }
  }
  return maxMinutes === null ? null : Math.round(maxMinutes * 60_000);
}

const REDACTED = "[redacted]";
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // access_token=..., "access_token":"...", access_token: ... (query strings, JSON, form bodies, prose)
  [/\b(access_token|appsecret_proof|client_secret)(["']?\s*[:=]\s*["']?)[^\s&"',;}]+/gi, `$1$2${REDACTED}`],
  // Authorization header values quoted back in an error.
  [/\b(Bearer|OAuth)\s+[A-Za-z0-9._~+/=-]{16,}/g, `$1 ${REDACTED}`],
  // User, page and system-user tokens all start with EAA.
  [/\bEAA[A-Za-z0-9_-]{10,}/g, REDACTED],
  // App access tokens: "<app id>|<app secret or signature>".
  [/\b\d{5,}\|[A-Za-z0-9_-]{16,}/g, REDACTED],
];
// Shorter "secrets" are not real tokens and replacing them would shred ordinary words in the message.
const MIN_KNOWN_SECRET_LENGTH = 8;

/** Removes anything that looks like a Graph API credential, plus the given known secrets verbatim. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_KNOWN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toInteger(value: unknown): number | null {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value);
  return null;
}

function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}
