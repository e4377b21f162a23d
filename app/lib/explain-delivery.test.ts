import { describe, expect, it } from "vitest";
import { displayStatus, explainDelivery, explainMetaError, type DeliveryFacts } from "./explain-delivery";

const row = (overrides: Partial<DeliveryFacts>): DeliveryFacts => ({
  status: "failed",
  reasonCode: "meta_rejected",
  reasonDetail: null,
  failureKind: "invalid_payload",
  attempts: 1,
  errorCode: null,
  errorSubcode: null,
  lastError: null,
  ...overrides,
});

describe("displayStatus", () => {
  it.each([
    [{ status: "pending", attempts: 0 }, "pending"],
    [{ status: "pending", attempts: 1 }, "retrying"],
    [{ status: "sending", attempts: 1 }, "pending"],
    [{ status: "sending", attempts: 3 }, "retrying"],
    [{ status: "sent", attempts: 4 }, "sent"],
    [{ status: "failed", attempts: 1 }, "failed"],
    [{ status: "skipped", attempts: 0 }, "skipped"],
  ])("%o is %s", (input, expected) => {
    expect(displayStatus(input)).toBe(expected);
  });
});

describe("explainMetaError", () => {
  it.each([
    [190, null, "Meta no longer accepts your access token", /paste it in Settings/],
    [190, 463, "Meta no longer accepts your access token", /Held events are sent/],
    [100, 2804016, "A customer field reached Meta unhashed", /contact support/],
    [100, 2804001, "The ad click ID (fbc) was malformed", /_fbc cookie/],
    [100, 2804003, "Too old for Meta", /Nothing can be done/],
    [100, 2804050, "Too little customer information to match", /Nothing to fix/],
    [100, 33, "Meta cannot find this pixel for your token", /System users/],
    [2635, null, "The app is using a Meta API version Meta has retired", /META_GRAPH_API_VERSION/],
    [200, null, "Your token lacks permission to send events for this pixel", /Conversions API settings/],
    [4, null, "Meta was unavailable", /we retry automatically/],
    [80004, null, "Meta was unavailable", /we retry automatically/],
    [100, null, "Meta rejected the event as invalid", /Retrying will not help/],
    [9999, 1, "Meta refused the event (error 9999/1)", /support/],
  ])("code %s/%s: %s", (code, subcode, title, fix) => {
    const explained = explainMetaError({ code, subcode, message: null });
    expect(explained.title).toBe(title);
    expect(explained.fix).toMatch(fix);
  });

  it("treats a network failure (no code) as Meta being unavailable", () => {
    expect(explainMetaError({ code: null, subcode: null, message: "Meta did not answer before the request timed out" })).toMatchObject({
      title: "Meta was unavailable",
      cause: expect.stringMatching(/Meta said: "Meta did not answer/),
      tone: "attention",
    });
  });

  it("quotes Meta's own words in the cause", () => {
    expect(explainMetaError({ code: 190, subcode: 463, message: "Session has expired" }).cause).toMatch(
      /Meta said: "Session has expired"$/,
    );
  });
});

describe("explainDelivery", () => {
  it("explains a sent row with Meta's count", () => {
    expect(explainDelivery(row({ status: "sent", reasonCode: null, failureKind: null, eventsReceived: 1 }))).toMatchObject({
      title: "Received by Meta",
      cause: expect.stringMatching(/events received: 1/),
      fix: null,
      tone: "success",
    });
  });

  it("explains a failed row by Meta's code", () => {
    expect(explainDelivery(row({ errorCode: 100, errorSubcode: 2804003 })).title).toBe("Too old for Meta");
  });

  it("explains a row that failed before reaching Meta by its own reason", () => {
    expect(
      explainDelivery(row({ reasonCode: "mapping_failed", reasonDetail: "no currency", failureKind: null, attempts: 0 })),
    ).toMatchObject({ title: "Could not be prepared for Meta", cause: "The order could not be turned into a Purchase: no currency" });
  });

  it("says a retrying row is retried automatically", () => {
    expect(
      explainDelivery(row({ status: "pending", attempts: 2, errorCode: 2, reasonCode: "meta_unavailable", failureKind: "transient" })),
    ).toMatchObject({
      title: "Meta was unavailable; retrying",
      fix: "Nothing to do: we retry automatically with increasing pauses.",
    });
  });

  it("explains a held row by the connection problem and how to release it", () => {
    const held = explainDelivery(
      row({ status: "pending", attempts: 1, errorCode: 190, reasonCode: "held_meta_refused", failureKind: "auth" }),
    );
    expect(held.title).toBe("On hold until your Meta connection works again");
    expect(held.fix).toMatch(/new token/);

    const heldWithoutAnswer = explainDelivery(row({ status: "pending", attempts: 0, reasonCode: "held_not_connected", failureKind: null }));
    expect(heldWithoutAnswer).toMatchObject({
      title: "On hold until your Meta connection works again",
      cause: "The shop's Meta connection is not active.",
      fix: expect.stringMatching(/Reconnect in Settings/),
    });
  });

  it.each([
    ["shop_not_connected", "The shop has not connected a Meta pixel", /Connect your pixel in Settings/],
    ["no_pixel", "No Meta pixel is connected", /Connect your pixel in Settings/],
    ["event_disabled", "The Purchase event is switched off in settings", /Switch the Purchase event on/],
    ["test_order", "Test order: not sent to Meta", null],
    ["too_old", "Older than 7 days: Meta no longer accepts it", null],
    ["consent_declined", "The shopper declined marketing tracking", null],
  ] as const)("explains a skip: %s", (reasonCode, cause, fix) => {
    const explained = explainDelivery(row({ status: "skipped", reasonCode, failureKind: null, attempts: 0 }));
    expect(explained.cause).toBe(cause);
    if (fix) expect(explained.fix).toMatch(fix);
    else expect(explained.fix).toBeNull();
  });

  it("reports a fresh row as waiting", () => {
    expect(explainDelivery(row({ status: "pending", attempts: 0, reasonCode: null, failureKind: null })).title).toBe("Waiting to be sent");
  });

  it("reports a retried row as requested, with Meta's last answer, not as an outage", () => {
    expect(
      explainDelivery(row({ status: "pending", attempts: 1, reasonCode: "retry_requested", errorCode: 190, failureKind: "auth" })),
    ).toEqual({
      title: "Retry requested: waiting to be sent",
      cause: "You asked for another attempt. Meta's last answer was: Meta no longer accepts your access token.",
      fix: null,
      tone: "info",
    });
    expect(explainDelivery(row({ status: "pending", attempts: 0, reasonCode: "retry_requested", failureKind: null })).cause).toBe(
      "You asked for another attempt.",
    );
  });
});
