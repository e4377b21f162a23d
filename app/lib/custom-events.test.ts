import { describe, expect, it } from "vitest";
import { mapStorefrontEvent } from "./capi/map-storefront-event";
import { checkCustomEventName, customEventListError, customEventListProblems, MAX_CUSTOM_EVENTS } from "./custom-events";

const list = (...names: string[]) => names.map((name) => ({ name, enabled: true }));

describe("customEventListProblems", () => {
  it("accepts up to the bound of valid, distinct names", () => {
    expect(customEventListProblems([])).toBeNull();
    expect(customEventListProblems(list(...Array.from({ length: MAX_CUSTOM_EVENTS }, (_, i) => `E${i}`)))).toBeNull();
    expect(customEventListProblems(list("A".repeat(50), "Booked_Trial2"))).toBeNull();
  });

  it("refuses a list over the bound without looking at its names, at ten times the bound", () => {
    const huge = list(...Array.from({ length: MAX_CUSTOM_EVENTS * 10 }, () => "Purchase"));
    expect(customEventListProblems(huge)).toEqual({ list: expect.stringMatching(/At most 20 custom events: remove 180/), entries: {} });
  });

  it("names the row of each problem, a duplicate after its first use in any case", () => {
    const problems = customEventListProblems(list("Booked", "BOOKED", "ViewContent", "x".repeat(51), "9lives", "Ok"));
    expect(Object.keys(problems!.entries)).toEqual(["1", "2", "3", "4"]);
    expect(problems!.entries[1]).toMatch(/already used by "Booked"/);
    expect(problems!.entries[2]).toMatch(/standard event "ViewContent"/);
  });

  it("is the rule the proxy applies: a name refused here is never accepted as a custom event there", () => {
    const ctx = { now: new Date(), enabledEvents: [], limitedDataUse: false, clientIp: "203.0.113.7", userAgent: "UA" };
    for (const name of ["subscribe", "a".repeat(51), "has-dash"]) {
      expect(checkCustomEventName(name).ok).toBe(false);
      const mapped = mapStorefrontEvent(
        { event_name: name, event_id: "sf_1", event_time: Math.floor(Date.now() / 1000), event_source_url: "https://shop.test/" },
        { ...ctx, customEvents: [{ name, enabled: true }] },
      );
      expect(mapped.ok).toBe(false);
    }
  });

  it("says the first problem as a sentence for the model's saveCustomEvents", () => {
    expect(customEventListError(list("Fine"))).toBeNull();
    expect(customEventListError(list("Fine", "fine"))).toBe(`"fine" is already used by "Fine" above (names are compared ignoring case)`);
  });
});
