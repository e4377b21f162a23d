import { describe, expect, it } from "vitest";
import { dayBuckets, foldStatuses, formatPercent, parseRange, summarize, windowStart } from "./dashboard-stats";

describe("dayBuckets", () => {
  it("ends with today (UTC) and covers whole days", () => {
    const buckets = dayBuckets(7, new Date("2026-11-28T23:59:59.999Z"));
    expect(buckets.map((b) => b.day)).toEqual([
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
      "2026-11-28",
    ]);
    expect(buckets[0].start.toISOString()).toBe("2026-11-22T00:00:00.000Z");
    expect(buckets[6].end.toISOString()).toBe("2026-11-29T00:00:00.000Z");
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].start).toEqual(buckets[i - 1].end);
  });

  it("crosses month and year ends", () => {
    expect(dayBuckets(3, new Date("2027-01-01T05:00:00Z")).map((b) => b.day)).toEqual(["2026-12-30", "2026-12-31", "2027-01-01"]);
    expect(windowStart(30, new Date("2026-03-01T12:00:00Z")).toISOString()).toBe("2026-01-31T00:00:00.000Z");
  });
});

describe("parseRange", () => {
  it.each([
    ["30", 30],
    ["7", 7],
    [null, 7],
    ["365", 7],
    ["30abc", 7],
  ])("%s -> %s", (value, expected) => {
    expect(parseRange(value)).toBe(expected);
  });
});

describe("foldStatuses", () => {
  it("counts sending rows as pending and ignores nothing", () => {
    expect(
      foldStatuses([
        { status: "sent", count: 5 },
        { status: "sending", count: 2 },
        { status: "pending", count: 1 },
        { status: "failed", count: 3 },
        { status: "skipped", count: 4 },
      ]),
    ).toEqual({ sent: 5, pending: 3, failed: 3, skipped: 4 });
  });
});

describe("summarize", () => {
  it("computes the success rate over attempted purchases and the failure rate over everything not skipped", () => {
    const summary = summarize({ sent: 18, failed: 1, pending: 1, skipped: 30 });
    expect(summary.total).toBe(50);
    expect(summary.successRate).toBeCloseTo(18 / 19);
    expect(summary.failureRate).toBeCloseTo(1 / 20);
    // Exactly 5% is not above the threshold.
    expect(summary.failureAlert).toBe(false);
    expect(summarize({ sent: 18, failed: 2, pending: 0, skipped: 0 }).failureAlert).toBe(true);
  });

  it("has no rates, and no alert, when nothing was attempted", () => {
    expect(summarize({ sent: 0, failed: 0, pending: 0, skipped: 3 })).toMatchObject({
      successRate: null,
      failureRate: null,
      failureAlert: false,
    });
  });
});

describe("formatPercent", () => {
  it.each([
    [null, "–"],
    [0, "0%"],
    [1, "100%"],
    [0.5, "50%"],
    [0.9996, "99.9%"],
    [0.0004, "<0.1%"],
    [0.004, "0.4%"],
    [0.955, "96%"],
  ])("%s -> %s", (rate, text) => {
    expect(formatPercent(rate)).toBe(text);
  });
});
