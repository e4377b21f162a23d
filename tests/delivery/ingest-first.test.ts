// Ingest first (app/services/delivery/ingest-first.ts): when the embedded worker holds delivery off, and for
// how long. A clock of our own, so each answer is exact.
import { describe, expect, it } from "vitest";
import { INGEST_BUSY_PER_SECOND, INGEST_WINDOW_MS, IngestFirst, RequestRate } from "~/services/delivery/ingest-first";

// The lone server's pairing: requests counted by RequestRate, the rule asked with its rate.
function gate(maxDeferMs = 30_000) {
  let now = 1_000_000;
  const clock = () => now;
  const rule = new IngestFirst({ maxDeferMs, now: clock });
  const requests = new RequestRate(clock);
  return {
    ingest: {
      shouldDefer: () => rule.shouldDefer(requests.perSecond()),
      rate: () => requests.perSecond(),
      noteRequest: () => requests.note(),
    },
    rule,
    advance: (ms: number) => (now += ms),
    /** `perSecond` requests per second, spread evenly over `ms`. */
    traffic(perSecond: number, ms: number) {
      const step = 1000 / perSecond;
      for (let t = 0; t < ms; t += step) {
        requests.note();
        now += step;
      }
    },
  };
}

describe("IngestFirst", () => {
  it("does not hold delivery off on a quiet server, nor below the busy rate", () => {
    const g = gate();
    expect(g.ingest.shouldDefer()).toBe(false);
    g.traffic(INGEST_BUSY_PER_SECOND / 2, 5_000);
    expect(g.ingest.shouldDefer()).toBe(false);
  });

  it("holds delivery off while requests arrive at the busy rate or above", () => {
    const g = gate();
    g.traffic(1_000, 2_000);
    expect(g.ingest.rate()).toBeGreaterThanOrEqual(990);
    expect(g.ingest.shouldDefer()).toBe(true);
    g.traffic(INGEST_BUSY_PER_SECOND, 2_000);
    expect(g.ingest.shouldDefer()).toBe(true);
  });

  it("lets delivery go within two windows of the requests stopping, asked as the worker asks (once a window)", () => {
    const g = gate();
    g.traffic(1_000, 2_000);
    expect(g.ingest.shouldDefer()).toBe(true);
    g.advance(INGEST_WINDOW_MS);
    g.ingest.shouldDefer(); // the window holding the last requests closes
    g.advance(INGEST_WINDOW_MS);
    expect(g.ingest.shouldDefer()).toBe(false);
  });

  it("holds off for at most maxDeferMs per busy spell, then delivers alongside until the spell ends", () => {
    const g = gate(10_000);
    g.traffic(1_000, 1_000);
    expect(g.ingest.shouldDefer()).toBe(true);
    g.traffic(1_000, 8_000);
    expect(g.ingest.shouldDefer()).toBe(true);
    g.traffic(1_000, 2_500);
    // Ten seconds into the spell: the backlog must not grow without bound under sustained load.
    expect(g.ingest.shouldDefer()).toBe(false);
    g.traffic(1_000, 20_000);
    expect(g.ingest.shouldDefer()).toBe(false);
    // A quiet window ends the spell; the next one is held off again, from its own start.
    g.advance(INGEST_WINDOW_MS);
    g.ingest.shouldDefer();
    g.advance(INGEST_WINDOW_MS);
    expect(g.ingest.shouldDefer()).toBe(false);
    g.traffic(1_000, 1_000);
    expect(g.ingest.shouldDefer()).toBe(true);
  });

  it("never holds off with maxDeferMs 0", () => {
    const g = gate(0);
    g.traffic(5_000, 2_000);
    expect(g.ingest.shouldDefer()).toBe(false);
  });

  it("a long quiet stretch counts as one window: the first requests after it do not read as a burst", () => {
    const g = gate();
    g.advance(60_000);
    for (let i = 0; i < 20; i++) g.ingest.noteRequest();
    g.advance(INGEST_WINDOW_MS);
    // Twenty requests in a quarter second is 80/s, below the busy rate.
    expect(g.ingest.shouldDefer()).toBe(false);
  });

  it("the rule alone: whatever measured the rate, a spell is held off from its first busy answer for maxDeferMs", () => {
    const g = gate(1_000);
    expect(g.rule.shouldDefer(INGEST_BUSY_PER_SECOND - 1)).toBe(false);
    expect(g.rule.shouldDefer(INGEST_BUSY_PER_SECOND)).toBe(true);
    g.advance(999);
    expect(g.rule.shouldDefer(5_000)).toBe(true);
    g.advance(1);
    expect(g.rule.shouldDefer(5_000)).toBe(false);
    // One quiet answer ends the spell; the next busy one starts a new one.
    expect(g.rule.shouldDefer(0)).toBe(false);
    expect(g.rule.shouldDefer(5_000)).toBe(true);
  });
});
