import { afterEach, describe, expect, it } from "vitest";
import {
  checkReasons,
  describeReason,
  FAILURE_KINDS,
  isHeld,
  parseFailureKind,
  parseReasonCode,
  reason,
  REASON_CODES,
  REASON_WORDS,
  type ReasonCode,
} from "./delivery-reasons";
import { explainDelivery, type DeliveryFacts } from "./explain-delivery";
import { buildTimeline } from "./delivery-timeline";

// The status each code is written with (the writers: orders-paid, the worker, the queue, privacy).
const WRITTEN_WITH: Record<ReasonCode, Partial<DeliveryFacts> & { status: string; attempts: number }> = {
  mapping_failed: { status: "failed", attempts: 0 },
  shop_not_connected: { status: "skipped", attempts: 0 },
  no_pixel: { status: "skipped", attempts: 0 },
  consent_declined: { status: "skipped", attempts: 0 },
  event_disabled: { status: "skipped", attempts: 0 },
  test_order: { status: "skipped", attempts: 0 },
  too_old: { status: "skipped", attempts: 1 },
  website_no_user_agent: { status: "skipped", attempts: 0 },
  pos_disabled: { status: "skipped", attempts: 0 },
  not_online_order: { status: "skipped", attempts: 0 },
  meta_unavailable: { status: "pending", attempts: 1 },
  // Only ever written with Meta's answer: the one bad event of a batch Meta refused with code 100.
  meta_rejected: { status: "failed", attempts: 1, errorCode: 100, failureKind: "invalid_payload" },
  no_event: { status: "failed", attempts: 1 },
  held_not_connected: { status: "pending", attempts: 0 },
  held_token_unreadable: { status: "pending", attempts: 0 },
  held_meta_refused: { status: "pending", attempts: 1 },
  token_replaced: { status: "pending", attempts: 1 },
  retry_requested: { status: "pending", attempts: 1 },
  uninstalled: { status: "skipped", attempts: 0 },
  customer_redacted: { status: "skipped", attempts: 0 },
};

const facts = (reasonCode: ReasonCode): DeliveryFacts => ({
  reasonCode,
  reasonDetail: null,
  failureKind: null,
  errorCode: null,
  errorSubcode: null,
  lastError: null,
  ...WRITTEN_WITH[reasonCode],
});

describe("delivery reasons", () => {
  it.each(REASON_CODES)("%s has a sentence, and a row written with it gets an explanation that names it", (code) => {
    expect(REASON_WORDS[code].sentence.trim()).not.toBe("");
    expect(describeReason({ reasonCode: code, reasonDetail: null })).toBe(REASON_WORDS[code].sentence);
    const explained = explainDelivery(facts(code));
    expect(explained.title).not.toBe("Waiting to be sent");
    expect(explained.title).not.toBe("Meta was unavailable");
    expect(
      buildTimeline({
        ...facts(code),
        createdAt: new Date(0),
        updatedAt: new Date(0),
        nextAttemptAt: new Date(0),
        sentAt: null,
        eventsReceived: null,
        fbtraceId: null,
      }).length,
    ).toBeGreaterThan(1);
  });

  it("reads only the codes it knows; anything else (free text, a newer version's code) is no code", () => {
    for (const code of REASON_CODES) expect(parseReasonCode(code)).toBe(code);
    for (const kind of FAILURE_KINDS) expect(parseFailureKind(kind)).toBe(kind);
    expect(parseReasonCode("Held: Session has expired")).toBeNull();
    expect(parseReasonCode("HELD_META_REFUSED")).toBeNull();
    expect(parseReasonCode(null)).toBeNull();
    expect(parseFailureKind("temporary")).toBeNull();
    expect(checkReasons({ id: 1, reasonCode: "on_hold", failureKind: "auth" })).toEqual({ id: 1, reasonCode: null, failureKind: "auth" });
  });

  it("refuses to write a code no reader knows", () => {
    expect(reason("mapping_failed", "no currency")).toEqual({ reasonCode: "mapping_failed", reasonDetail: "no currency" });
    expect(() => reason("On hold: Session has expired" as ReasonCode)).toThrow(/Unknown delivery reason code/);
  });

  it("appends a stored detail to the sentence and shows a detail without a code as it is", () => {
    expect(describeReason({ reasonCode: "mapping_failed", reasonDetail: "no currency" })).toBe(
      "The order could not be turned into a Purchase: no currency",
    );
    expect(describeReason({ reasonCode: null, reasonDetail: "Stopped by hand" })).toBe("Stopped by hand");
    expect(describeReason({ reasonCode: null, reasonDetail: null })).toBeNull();
  });

  it("holds rows for exactly the three hold reasons", () => {
    expect(REASON_CODES.filter(isHeld)).toEqual(["held_not_connected", "held_token_unreadable", "held_meta_refused"]);
  });
});

describe("rewording a reason", () => {
  const original = REASON_WORDS.held_not_connected.sentence;
  afterEach(() => {
    REASON_WORDS.held_not_connected.sentence = original;
  });

  it("changes what is shown, never what the admin understands", () => {
    REASON_WORDS.held_not_connected.sentence = "On hold: the connection to Meta is paused";
    const explained = explainDelivery(facts("held_not_connected"));
    expect(explained).toMatchObject({
      title: "On hold until your Meta connection works again",
      cause: "On hold: the connection to Meta is paused.",
      tone: "warning",
    });
  });
});
