// Why a ledger row is where it is, as codes: the webhook, the worker, the queue and the privacy handlers
// store a code (Delivery.reasonCode) and, for Meta's answers, the failure kind (Delivery.failureKind); the
// admin, the CLI and the privacy report render words from them here. Stored text is only ever shown, so
// rewording a sentence cannot change what the admin understands about a row.

export const REASON_CODES = [
  // Written by the orders/paid webhook (app/services/orders-paid.server.ts).
  "mapping_failed",
  "shop_not_connected",
  "no_pixel",
  "consent_declined",
  "event_disabled",
  "test_order",
  "too_old",
  "website_no_user_agent",
  "pos_disabled",
  "not_online_order",
  // Written by the worker (app/services/delivery/worker.server.ts) and the queue.
  "meta_unavailable",
  "meta_rejected",
  "no_event",
  "held_not_connected",
  "held_token_unreadable",
  "held_meta_refused",
  "token_replaced",
  "retry_requested",
  // Written by the privacy and lifecycle webhooks (app/models/privacy.server.ts).
  "uninstalled",
  "customer_redacted",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * What kind of failure Meta's last answer was (app/lib/meta-errors.ts decides):
 * transient: retry with back-off. invalid_payload: code 100, the event itself is at fault.
 * auth: the token is invalid or expired. permission: the token lacks a permission.
 * config: our side is misconfigured (retired API version, unknown pixel, an answer we do not know).
 */
export const FAILURE_KINDS = ["transient", "invalid_payload", "auth", "permission", "config"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export type Tone = "success" | "info" | "attention" | "warning" | "critical";

export interface Explanation {
  /** One short sentence for a table cell or a banner title. */
  title: string;
  /** What happened, in the merchant's words. */
  cause: string;
  /** What to do; null when nothing needs doing. */
  fix: string | null;
  tone: Tone;
}

const isOneOf = <T extends string>(list: readonly T[], value: unknown): value is T =>
  typeof value === "string" && (list as readonly string[]).includes(value);

// A code this version does not know (written by a newer one, then rolled back) reads as no code: the row
// still shows its status and Meta's answer, it just gets no reason sentence.
export function parseReasonCode(value: string | null | undefined): ReasonCode | null {
  return isOneOf(REASON_CODES, value) ? value : null;
}

// The types already allow only known codes; this keeps an untyped caller (a script, a cast) from storing a
// code no reader knows.
export function checkedCode(code: ReasonCode): ReasonCode {
  if (parseReasonCode(code) === null) throw new TypeError(`Unknown delivery reason code: ${JSON.stringify(code)}`);
  return code;
}

/** The columns a reason is written to. A new reason replaces the old one whole: no detail outlives its code. */
export function reason(code: ReasonCode, detail: string | null = null): { reasonCode: ReasonCode; reasonDetail: string | null } {
  return { reasonCode: checkedCode(code), reasonDetail: detail };
}

export function parseFailureKind(value: string | null | undefined): FailureKind | null {
  return isOneOf(FAILURE_KINDS, value) ? value : null;
}

export const SETTINGS_PAGE = "Settings";

interface ReasonWords {
  /** The sentence shown wherever the reason is shown; a stored detail is appended after a colon. */
  sentence: string;
  /** What the merchant can do about it; null when nothing can or needs to be done. */
  fix: string | null;
}

const CONNECT_FIX = `Connect your pixel in ${SETTINGS_PAGE}. Orders paid while it was not connected are not sent.`;

// Record<ReasonCode, ...>: a new code does not compile until it has its words.
export const REASON_WORDS: Record<ReasonCode, ReasonWords> = {
  mapping_failed: { sentence: "The order could not be turned into a Purchase", fix: null },
  shop_not_connected: { sentence: "The shop has not connected a Meta pixel", fix: CONNECT_FIX },
  no_pixel: { sentence: "No Meta pixel is connected", fix: CONNECT_FIX },
  consent_declined: { sentence: "The shopper declined marketing tracking", fix: null },
  event_disabled: {
    sentence: "The Purchase event is switched off in settings",
    fix: `Switch the Purchase event on in ${SETTINGS_PAGE} to send future orders.`,
  },
  test_order: { sentence: "Test order: not sent to Meta", fix: null },
  too_old: { sentence: "Older than 7 days: Meta no longer accepts it", fix: null },
  website_no_user_agent: {
    sentence: "Online order without the shopper's browser details: Meta refuses a website event without a user agent",
    fix: null,
  },
  pos_disabled: {
    sentence: "Point-of-sale order: in-store sales are not sent",
    fix: `Switch on "Send point-of-sale orders" in ${SETTINGS_PAGE} to send future in-store sales.`,
  },
  not_online_order: {
    sentence: "Created in the admin or by an app, not in a shopper's browser: not a website purchase",
    fix: null,
  },
  meta_unavailable: { sentence: "Meta was unavailable; retrying", fix: null },
  meta_rejected: { sentence: "Meta rejected the event", fix: null },
  no_event: { sentence: "The stored payload holds no event to send", fix: null },
  held_not_connected: { sentence: "The shop's Meta connection is not active", fix: null },
  held_token_unreadable: { sentence: "The stored access token could not be decrypted with TOKEN_ENCRYPTION_KEY", fix: null },
  held_meta_refused: { sentence: "Meta refused the shop's connection", fix: null },
  token_replaced: { sentence: "Meta refused a replaced access token; retrying with the current one", fix: null },
  retry_requested: { sentence: "Retry requested", fix: null },
  uninstalled: { sentence: "App uninstalled: not sent to Meta", fix: null },
  customer_redacted: { sentence: "Customer data redacted", fix: null },
};

/** Rows with these codes wait, unsent and unfailed, until the shop's connection works again. */
export const HELD_REASONS: ReadonlySet<ReasonCode> = new Set(["held_not_connected", "held_token_unreadable", "held_meta_refused"]);

export const isHeld = (code: ReasonCode | null): boolean => code !== null && HELD_REASONS.has(code);

/** The reason as one sentence, or null when the row has none. */
export function describeReason(row: { reasonCode: ReasonCode | null; reasonDetail: string | null }): string | null {
  if (row.reasonCode === null) return row.reasonDetail;
  const { sentence } = REASON_WORDS[row.reasonCode];
  return row.reasonDetail ? `${sentence}: ${row.reasonDetail}` : sentence;
}

/** A row as read from the database, its reason and failure kind checked against the closed lists. */
export type Checked<T> = Omit<T, "reasonCode" | "failureKind"> &
  (T extends { reasonCode: unknown } ? { reasonCode: ReasonCode | null } : unknown) &
  (T extends { failureKind: unknown } ? { failureKind: FailureKind | null } : unknown);

export function checkReasons<T extends { reasonCode?: string | null; failureKind?: string | null }>(row: T): Checked<T> {
  const checked: Record<string, unknown> = { ...row };
  if ("reasonCode" in row) checked.reasonCode = parseReasonCode(row.reasonCode);
  if ("failureKind" in row) checked.failureKind = parseFailureKind(row.failureKind);
  return checked as Checked<T>;
}
