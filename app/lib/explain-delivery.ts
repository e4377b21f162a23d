// Turns a ledger row into what a store owner needs: a status they recognise, the cause in plain words, and
// the one thing to do about it. Pure, so the admin, the CLI and the tests share one wording. Rendered from
// the row's codes only (app/lib/delivery-reasons.ts); Meta's codes are explained by the one table in
// app/lib/meta-errors.ts.
import {
  describeReason,
  isHeld,
  REASON_WORDS,
  SETTINGS_PAGE,
  type Explanation,
  type FailureKind,
  type ReasonCode,
  type Tone,
} from "./delivery-reasons";
import { explainMetaError } from "./meta-errors";

export { explainMetaError };
export type { Explanation, Tone };

export const DISPLAY_STATUSES = ["sent", "pending", "retrying", "failed", "skipped"] as const;
export type DisplayStatus = (typeof DISPLAY_STATUSES)[number];

export interface DeliveryFacts {
  status: string;
  reasonCode: ReasonCode | null;
  reasonDetail: string | null;
  failureKind: FailureKind | null;
  attempts: number;
  errorCode: number | null;
  errorSubcode: number | null;
  lastError: string | null;
  eventsReceived?: number | null;
  /** False when the stored payload holds no event (the order could not be mapped); unknown when not read. */
  hasEvent?: boolean;
}

/**
 * The worker counts an attempt when it claims a row, so a row being sent for the first time is
 * "sending" with one attempt; more than that, or a pending row that already has attempts, is a retry.
 */
export function displayStatus(row: { status: string; attempts: number }): DisplayStatus {
  switch (row.status) {
    case "sent":
      return "sent";
    case "failed":
      return "failed";
    case "skipped":
      return "skipped";
    case "sending":
      return row.attempts > 1 ? "retrying" : "pending";
    default:
      return row.attempts > 0 ? "retrying" : "pending";
  }
}

export const STATUS_LABELS: Record<DisplayStatus, string> = {
  sent: "Sent",
  pending: "Pending",
  retrying: "Retrying",
  failed: "Failed",
  skipped: "Skipped",
};

export const STATUS_TONES: Record<DisplayStatus, Tone | undefined> = {
  sent: "success",
  pending: "info",
  retrying: "attention",
  failed: "critical",
  skipped: undefined,
};

const UNMAPPED_FIX =
  "Contact support with the order number. Retry is not offered: there is no event to send, and the app does not fetch the order from Shopify again.";

/**
 * Why "Retry now" (and `deliveries:retry`) refuses a row whose order could not be mapped: re-queueing it would
 * send Meta an empty event. One sentence for the admin page, the action's answer and the CLI.
 */
export const UNMAPPED_RETRY_REASON =
  "This order could not be mapped to a Meta event, so there is nothing to send; retrying would only send Meta an empty event. " +
  "Contact support with the order number.";

export function explainDelivery(row: DeliveryFacts): Explanation {
  const status = displayStatus(row);
  const answer = { code: row.errorCode, subcode: row.errorSubcode, message: row.lastError, kind: row.failureKind };
  const reason = describeReason(row);

  if (status === "sent") {
    const received = row.eventsReceived ?? null;
    return {
      title: "Received by Meta",
      cause:
        received === null
          ? "Meta accepted the request that carried this event."
          : `Meta accepted the request that carried this event (events received: ${received}).`,
      fix: null,
      tone: "success",
    };
  }

  if (status === "skipped") {
    return {
      title: "Not sent",
      cause: reason ?? "Not sent to Meta",
      fix: row.reasonCode ? REASON_WORDS[row.reasonCode].fix : null,
      tone: "info",
    };
  }

  if (status === "failed") {
    if (row.hasEvent === false) {
      return {
        title: "Could not be mapped to a Meta event",
        cause: reason ?? "The order could not be turned into a Meta event.",
        fix: UNMAPPED_FIX,
        tone: "critical",
      };
    }
    if (row.reasonCode === "mapping_failed" || row.reasonCode === "no_event") {
      return {
        title: "Could not be prepared for Meta",
        cause: reason!,
        fix: "Contact support with the order number; retrying will fail the same way.",
        tone: "critical",
      };
    }
    return explainMetaError(answer);
  }

  // pending or retrying
  if (row.reasonCode === "retry_requested") {
    const last = row.errorCode !== null ? explainMetaError(answer).title : null;
    return {
      title: "Retry requested: waiting to be sent",
      cause: last ? `You asked for another attempt. Meta's last answer was: ${last}.` : "You asked for another attempt.",
      fix: null,
      tone: "info",
    };
  }
  if (isHeld(row.reasonCode)) {
    const meta = row.errorCode !== null ? explainMetaError(answer) : null;
    return {
      title: "On hold until your Meta connection works again",
      cause: meta ? meta.cause : `${reason}.`,
      fix: meta?.fix ?? `Reconnect in ${SETTINGS_PAGE}. Held events are sent as soon as the connection works; nothing is lost.`,
      tone: "warning",
    };
  }
  if (row.reasonCode === "token_replaced") {
    return { title: "Retrying with your new access token", cause: `${reason}.`, fix: null, tone: "info" };
  }
  if (status === "retrying") {
    const meta = explainMetaError({ ...answer, kind: row.failureKind ?? "transient" });
    return { ...meta, title: "Meta was unavailable; retrying", tone: "attention" };
  }
  return { title: "Waiting to be sent", cause: "Queued; usually sent within seconds.", fix: null, tone: "info" };
}
