import { describe, expect, it } from "vitest";
import { buildTimeline, type TimelineRow } from "./delivery-timeline";

const created = new Date("2026-11-20T10:00:00.000Z");
const updated = new Date("2026-11-20T10:05:00.000Z");
const next = new Date("2026-11-20T10:35:00.000Z");

const row = (overrides: Partial<TimelineRow>): TimelineRow => ({
  status: "pending",
  reasonCode: null,
  reasonDetail: null,
  attempts: 0,
  createdAt: created,
  updatedAt: updated,
  nextAttemptAt: next,
  sentAt: null,
  eventsReceived: null,
  fbtraceId: null,
  errorCode: null,
  errorSubcode: null,
  lastError: null,
  ...overrides,
});

describe("buildTimeline", () => {
  it("starts every story with the webhook that recorded the order", () => {
    expect(buildTimeline(row({}))[0]).toEqual({
      at: created.toISOString(),
      label: "Recorded from Shopify's paid-order notification",
      detail: null,
      tone: "info",
    });
  });

  it("ends a sent row with Meta's acceptance, its count, trace and the retries it took", () => {
    const sentAt = new Date("2026-11-20T10:06:00.000Z");
    expect(buildTimeline(row({ status: "sent", attempts: 3, sentAt, eventsReceived: 1, fbtraceId: "ATrace" })).at(-1)).toEqual({
      at: sentAt.toISOString(),
      label: "Meta accepted it",
      detail: "events_received 1 · fbtrace_id ATrace · after 3 attempts",
      tone: "success",
    });
  });

  it("ends a failed row with Meta's error code, words and trace", () => {
    const entries = buildTimeline(
      row({
        status: "failed",
        attempts: 1,
        errorCode: 100,
        errorSubcode: 2804001,
        lastError: "Click ID Incorrectly Formatted",
        fbtraceId: "AFail",
      }),
    );
    expect(entries).toHaveLength(2);
    expect(entries[1]).toEqual({
      at: updated.toISOString(),
      label: "Meta rejected it (1 attempt)",
      detail: "error 100/2804001 · Click ID Incorrectly Formatted · fbtrace_id AFail",
      tone: "critical",
    });
  });

  it("shows a retrying row's last answer and its next attempt", () => {
    const entries = buildTimeline(row({ status: "pending", attempts: 2, errorCode: 2, lastError: "Service unavailable" }));
    expect(entries.map((e) => e.label)).toEqual([
      "Recorded from Shopify's paid-order notification",
      "Last attempt did not go through (2 attempts so far)",
      "Next attempt",
    ]);
    expect(entries[2].at).toBe(next.toISOString());
  });

  it("shows a held row as on hold, whichever hold it is", () => {
    for (const reasonCode of ["held_not_connected", "held_token_unreadable", "held_meta_refused"] as const) {
      expect(buildTimeline(row({ status: "pending", attempts: 1, reasonCode }))[1].label).toBe("On hold (1 attempt so far)");
    }
    expect(buildTimeline(row({ status: "pending", attempts: 0, reasonCode: "held_not_connected" }))[1]).toMatchObject({
      label: "Queued to send",
      detail: "The shop's Meta connection is not active",
    });
  });

  it("shows a requested retry before the queued attempt", () => {
    expect(
      buildTimeline(row({ status: "pending", attempts: 0, reasonCode: "retry_requested", errorCode: 190 })).map((e) => e.label),
    ).toEqual(["Recorded from Shopify's paid-order notification", "Retry requested", "Queued to send"]);
  });

  it("shows a retry requested after a failure with the answer that failed it", () => {
    const entries = buildTimeline(
      row({ status: "pending", attempts: 1, reasonCode: "retry_requested", errorCode: 190, lastError: "Session has expired" }),
    );
    expect(entries.slice(1)).toEqual([
      { at: updated.toISOString(), label: "Retry requested (after 1 attempt)", detail: "error 190 · Session has expired", tone: "info" },
      { at: next.toISOString(), label: "Queued to send", detail: null, tone: "info" },
    ]);
  });

  it("shows a row that failed before reaching Meta with its reason and the stored detail", () => {
    expect(buildTimeline(row({ status: "failed", reasonCode: "mapping_failed", reasonDetail: "no currency" }))[1]).toMatchObject({
      label: "Could not be sent",
      detail: "The order could not be turned into a Purchase: no currency",
    });
  });

  it("shows a skipped row with its reason and a row in flight as being sent", () => {
    expect(buildTimeline(row({ status: "skipped", reasonCode: "test_order" }))[1]).toMatchObject({
      label: "Skipped",
      detail: "Test order: not sent to Meta",
    });
    expect(buildTimeline(row({ status: "sending", attempts: 1 }))[1]).toMatchObject({ label: "Being sent now", at: updated.toISOString() });
  });
});
