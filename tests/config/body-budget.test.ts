// The process-wide budget of request-body bytes (server/index.ts answers 503 past it; the process test in
// tests/faults/hostile-server.test.ts covers it over HTTP).
import { describe, expect, it } from "vitest";
import { BodyBudget, bodyBytesToReserve, MAX_REQUEST_BODY_BYTES } from "~/services/body-limit.server";

describe("body budget", () => {
  it("takes what fits, refuses what does not without taking anything, and gives back on release", () => {
    const budget = new BodyBudget(3_000_000);
    expect(budget.tryReserve(1_900_000)).toBe(true);
    expect(budget.tryReserve(1_900_000)).toBe(false);
    expect(budget.bytesInFlight).toBe(1_900_000);
    expect(budget.tryReserve(1_100_000)).toBe(true);
    expect(budget.tryReserve(1)).toBe(false);
    budget.release(1_900_000);
    expect(budget.tryReserve(1_900_000)).toBe(true);
    budget.release(1_900_000);
    budget.release(1_100_000);
    expect(budget.bytesInFlight).toBe(0);
    // Nothing to hold always fits.
    expect(new BodyBudget(0).tryReserve(0)).toBe(true);
  });

  it("holds 10x the expected concurrency of real webhooks (5 KB orders) within the default 64 MB", () => {
    const budget = new BodyBudget(64 * 1024 * 1024);
    let admitted = 0;
    while (admitted < 10_000 && budget.tryReserve(5 * 1024)) admitted++;
    expect(admitted).toBe(10_000);
  });

  it("reserves the declared size, the read limit for a body without one, nothing for no body", () => {
    expect(bodyBytesToReserve({ "content-length": "1900000" })).toBe(1_900_000);
    expect(bodyBytesToReserve({ "content-length": "0" })).toBe(0);
    expect(bodyBytesToReserve({})).toBe(0);
    expect(bodyBytesToReserve({ "transfer-encoding": "chunked" })).toBe(MAX_REQUEST_BODY_BYTES);
    expect(bodyBytesToReserve({ "content-length": "junk", "transfer-encoding": "chunked" })).toBe(MAX_REQUEST_BODY_BYTES);
    expect(bodyBytesToReserve({ "content-length": String(50 * 1024 * 1024) })).toBe(MAX_REQUEST_BODY_BYTES);
  });
});
