// Turns a ledger row (or one answer from Meta) into what a store owner needs: a status they recognise,
// the cause in plain words, and the one thing to do about it. Pure, so the admin, the CLI and the tests
// share one wording. Codes: meta-capi-reference.md §1 and §7.

export const DISPLAY_STATUSES = ["sent", "pending", "retrying", "failed", "skipped"] as const;
export type DisplayStatus = (typeof DISPLAY_STATUSES)[number];

export type Tone = "success" | "info" | "attention" | "warning" | "critical";

export interface DeliveryFacts {
  status: string;
  statusReason: string | null;
  attempts: number;
  errorCode: number | null;
  errorSubcode: number | null;
  lastError: string | null;
  eventsReceived?: number | null;
  /** False when the stored payload holds no event (the order could not be mapped); unknown when not read. */
  hasEvent?: boolean;
}

export interface Explanation {
  /** One short sentence for a table cell or a banner title. */
  title: string;
  /** What happened, in the merchant's words. */
  cause: string;
  /** What to do; null when nothing needs doing. */
  fix: string | null;
  tone: Tone;
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

const RECONNECT = "Settings";

// Throttling and "temporary downtime" codes: waiting is the fix (same table as classify-error.ts).
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 368, 613]);
const isThrottle = (code: number) => TRANSIENT_CODES.has(code) || (code >= 80000 && code <= 80014);

/** Meta's answer explained, for a delivery row or for the admin's test event. */
export function explainMetaError(answer: {
  code: number | null;
  subcode: number | null;
  message: string | null;
  transient?: boolean;
}): Explanation {
  const { code, subcode } = answer;
  const said = answer.message ? ` Meta said: "${answer.message}"` : "";

  if (code === 190 || code === 102 || code === 104) {
    return {
      title: "Meta no longer accepts your access token",
      cause: `The Conversions API access token expired, was revoked, or was pasted incompletely.${said}`,
      fix: `Generate a new token in Meta Events Manager (your dataset → Settings → Conversions API) and paste it in ${RECONNECT}. Held events are sent as soon as the new token works.`,
      tone: "critical",
    };
  }
  if (code === 100 && subcode === 33) {
    return {
      title: "Meta cannot find this pixel for your token",
      cause: `Either the pixel (dataset) ID is wrong, or the system user that owns the token has not been given access to this pixel.${said}`,
      fix: `Check the pixel ID in ${RECONNECT}. In Meta Business Settings → System users, assign the pixel to the system user that created the token, then send a test event.`,
      tone: "critical",
    };
  }
  if (code === 2635) {
    return {
      title: "The app is using a Meta API version Meta has retired",
      cause: `Meta stopped accepting the Graph API version this app calls.${said}`,
      fix: "Update the app (or set META_GRAPH_API_VERSION to a current version, e.g. v25.0) and retry the failed orders.",
      tone: "critical",
    };
  }
  if (code === 3 || code === 10 || (code !== null && code >= 200 && code <= 299)) {
    return {
      title: "Your token lacks permission to send events for this pixel",
      cause: `Meta refused the request for missing permissions.${said}`,
      fix: `Create the token from the pixel's own Conversions API settings in Events Manager (it gets the right permissions) and paste it in ${RECONNECT}.`,
      tone: "critical",
    };
  }
  if (code === 100 && subcode === 2804016) {
    return {
      title: "A customer field reached Meta unhashed",
      cause: `Meta requires customer details (email, phone, name, address) to be SHA-256 hashed, and one was not.${said}`,
      fix: "This is a fault in the app, not in your store: contact support with the fbtrace ID below. Retrying will fail the same way until the app is fixed.",
      tone: "critical",
    };
  }
  if (code === 100 && subcode === 2804001) {
    return {
      title: "The ad click ID (fbc) was malformed",
      cause: `The _fbc cookie captured for this order did not have Meta's fb.1.<time>.<click id> shape, often because another script rewrote it.${said}`,
      fix: "Check for other Meta pixel apps or custom scripts that set the _fbc cookie. This order cannot be fixed by retrying.",
      tone: "critical",
    };
  }
  if (code === 100 && subcode === 2804003) {
    return {
      title: "Too old for Meta",
      cause: `Meta only accepts events from the last 7 days, and this purchase is older.${said}`,
      fix: "Nothing can be done for this order. Keep the app connected so new orders are sent within minutes.",
      tone: "warning",
    };
  }
  if (code === 100 && subcode === 2804050) {
    return {
      title: "Too little customer information to match",
      cause: `The order carried too few customer details (no email, phone or browser ID) for Meta to accept it.${said}`,
      fix: "Nothing to fix for this order. Keep the app embed and web pixel switched on so browser IDs (fbp/fbc) reach future orders.",
      tone: "warning",
    };
  }
  if (answer.transient || (code !== null && isThrottle(code)) || code === null) {
    return {
      title: "Meta was unavailable",
      cause: `Meta did not accept the request this time (an outage, a timeout or rate limiting).${said}`,
      fix: "Nothing to do: we retry automatically with increasing pauses.",
      tone: "attention",
    };
  }
  if (code === 100) {
    return {
      title: "Meta rejected the event as invalid",
      cause: `Meta found a field it does not accept.${said}`,
      fix: "Retrying will not help until the cause is fixed. Contact support with the fbtrace ID below.",
      tone: "critical",
    };
  }
  return {
    title: `Meta refused the event (error ${code}${subcode ? `/${subcode}` : ""})`,
    cause: `Meta answered with an error this app does not know.${said}`,
    fix: "Contact support with the fbtrace ID below.",
    tone: "critical",
  };
}

// The worker's own reasons (orders-paid.server.ts, worker.server.ts) mapped to the action that clears them.
const SKIP_FIXES: Array<[RegExp, string | null]> = [
  [/not connected a meta pixel|no meta pixel is connected/i, `Connect your pixel in ${RECONNECT}. Orders paid while it was not connected are not sent.`],
  [/switched off in settings/i, `Switch the Purchase event on in ${RECONNECT} to send future orders.`],
  [/test order/i, null],
  [/more than 7 days|7 days/i, null],
  [/customer data redacted/i, null],
];

const UNMAPPED_FIX = "Contact support with the order number. Retry is not offered: there is no event to send, and the app does not fetch the order from Shopify again.";

/**
 * Why "Retry now" (and `deliveries:retry`) refuses a row whose order could not be mapped: re-queueing it would
 * send Meta an empty event. One sentence for the admin page, the action's answer and the CLI.
 */
export const UNMAPPED_RETRY_REASON =
  "This order could not be mapped to a Meta event, so there is nothing to send; retrying would only send Meta an empty event. " +
  "Contact support with the order number.";

export function explainDelivery(row: DeliveryFacts): Explanation {
  const status = displayStatus(row);
  const answer = { code: row.errorCode, subcode: row.errorSubcode, message: row.lastError };

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
    const reason = row.statusReason ?? "Not sent to Meta";
    const rule = SKIP_FIXES.find(([pattern]) => pattern.test(reason));
    return { title: "Not sent", cause: reason, fix: rule ? rule[1] : null, tone: "info" };
  }

  if (status === "failed") {
    if (row.hasEvent === false) {
      return {
        title: "Could not be mapped to a Meta event",
        cause: row.statusReason ?? "The order could not be turned into a Meta event.",
        fix: UNMAPPED_FIX,
        tone: "critical",
      };
    }
    if (row.errorCode === null && row.statusReason && !/meta rejected/i.test(row.statusReason)) {
      // Failed before reaching Meta (e.g. an order that could not be turned into a Purchase).
      return {
        title: "Could not be prepared for Meta",
        cause: row.statusReason,
        fix: "Contact support with the order number; retrying will fail the same way.",
        tone: "critical",
      };
    }
    return explainMetaError(answer);
  }

  // pending or retrying
  if (row.statusReason === "Retry requested") {
    const last = row.errorCode !== null ? explainMetaError(answer).title : null;
    return {
      title: "Retry requested: waiting to be sent",
      cause: last ? `You asked for another attempt. Meta's last answer was: ${last}.` : "You asked for another attempt.",
      fix: null,
      tone: "info",
    };
  }
  if (row.statusReason?.startsWith("Held")) {
    const meta = row.errorCode !== null ? explainMetaError(answer) : null;
    return {
      title: "On hold until your Meta connection works again",
      cause: meta ? meta.cause : row.statusReason.replace(/^Held:\s*/, ""),
      fix: meta?.fix ?? `Reconnect in ${RECONNECT}. Held events are sent as soon as the connection works; nothing is lost.`,
      tone: "warning",
    };
  }
  if (status === "retrying") {
    const meta = explainMetaError({ ...answer, transient: true });
    return { ...meta, title: "Meta was unavailable; retrying", tone: "attention" };
  }
  return { title: "Waiting to be sent", cause: "Queued; usually sent within seconds.", fix: null, tone: "info" };
}
