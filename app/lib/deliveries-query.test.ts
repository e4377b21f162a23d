import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayRange, deliveriesSearch, pageCount, parseDeliveriesQuery, PAGE_SIZES, type DeliveriesQuery } from "./deliveries-query";
import { DISPLAY_STATUSES } from "./explain-delivery";

const parse = (search: string) => parseDeliveriesQuery(new URLSearchParams(search));

describe("parseDeliveriesQuery", () => {
  it("defaults to all statuses, page 1, 25 rows", () => {
    expect(parse("")).toEqual({ query: { status: null, from: null, to: null, page: 1, pageSize: 25 }, problems: [] });
    expect(parse("status=all").query.status).toBeNull();
  });

  it("reads every filter", () => {
    expect(parse("status=retrying&from=2026-11-01&to=2026-11-28&page=3&size=50")).toEqual({
      query: { status: "retrying", from: "2026-11-01", to: "2026-11-28", page: 3, pageSize: 50 },
      problems: [],
    });
  });

  it("swaps dates given the wrong way round, and says so", () => {
    expect(parse("from=2026-11-28&to=2026-11-01")).toMatchObject({
      query: { from: "2026-11-01", to: "2026-11-28" },
      problems: ["The start date is after the end date; the dates were swapped."],
    });
  });

  it.each([
    ["page=0", '"0" is not a page number; showing page 1.'],
    ["page=1.5", '"1.5" is not a page number; showing page 1.'],
    ["page=99999999999", '"99999999999" is not a page number; showing page 1.'],
    ["size=7", "Rows per page must be 25, 50, 100; showing 25."],
    ["to=2026-02-29", 'The end date "2026-02-29" is not a date (use YYYY-MM-DD); it was ignored.'],
    ["status=" + "x".repeat(100), `"${"x".repeat(40)}…" is not a delivery status; showing all statuses.`],
  ])("explains %s", (search, problem) => {
    expect(parse(search).problems).toEqual([problem]);
  });

  it("round-trips every valid query through the URL", () => {
    const day = fc
      .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    const query = fc.record({
      status: fc.constantFrom(null, ...DISPLAY_STATUSES),
      from: fc.option(day, { nil: null }),
      to: fc.option(day, { nil: null }),
      page: fc.integer({ min: 1, max: 100_000 }),
      pageSize: fc.constantFrom(...PAGE_SIZES),
    });
    fc.assert(
      fc.property(query, (q: DeliveriesQuery) => {
        fc.pre(!(q.from && q.to && q.from > q.to));
        expect(parse(deliveriesSearch(q).slice(1))).toEqual({ query: q, problems: [] });
      }),
    );
  });
});

describe("dayRange and pageCount", () => {
  it("turns inclusive UTC days into a half-open instant range", () => {
    expect(dayRange({ from: "2026-11-01", to: "2026-11-01" })).toEqual({
      gte: new Date("2026-11-01T00:00:00.000Z"),
      lt: new Date("2026-11-02T00:00:00.000Z"),
    });
    expect(dayRange({ from: null, to: null })).toEqual({});
  });

  it("always has at least one page", () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(25, 25)).toBe(1);
    expect(pageCount(26, 25)).toBe(2);
  });
});
