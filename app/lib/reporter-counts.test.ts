import { describe, expect, it } from "vitest";
import { pairedShare, reporterRows } from "./reporter-counts";

const empty = { storefront: [], ledger: [], browserSeen: [], enabledEvents: [], enabledCustomEvents: [] };

describe("reporterRows", () => {
  it("counts a proxy event's pairs as its sent rows, and Purchase's from the ledger and the browser's reports", () => {
    const rows = reporterRows({
      ...empty,
      storefront: [
        { eventName: "PageView", received: 120, sent: 100 },
        { eventName: "BookedTrialClass", received: 3, sent: 3 },
      ],
      ledger: [{ eventName: "Purchase", sent: 10, both: 7 }],
      browserSeen: [
        { eventName: "Purchase", seen: 8 },
        // The proxy also marks InitiateCheckout as seen; its count comes from the StorefrontEvent rows instead.
        { eventName: "InitiateCheckout", seen: 5 },
      ],
    });
    expect(rows).toEqual([
      { eventName: "PageView", custom: false, browser: 120, server: 100, both: 100 },
      { eventName: "Purchase", custom: false, browser: 8, server: 10, both: 7 },
      { eventName: "BookedTrialClass", custom: true, browser: 3, server: 3, both: 3 },
    ]);
  });

  it("lists switched-on events with nothing counted, standard ones in Settings' order, then custom ones by name", () => {
    const rows = reporterRows({
      ...empty,
      enabledEvents: ["Purchase", "AddPaymentInfo", "PageView"],
      enabledCustomEvents: ["Zeta", "Alpha"],
      storefront: [{ eventName: "OldCustom", received: 1, sent: 0 }],
    });
    expect(rows.map((r) => r.eventName)).toEqual(["PageView", "AddPaymentInfo", "Purchase", "Alpha", "OldCustom", "Zeta"]);
    expect(rows.find((r) => r.eventName === "AddPaymentInfo")).toEqual({
      eventName: "AddPaymentInfo",
      custom: false,
      browser: 0,
      server: 0,
      both: 0,
    });
  });

  it("never counts a Purchase from the proxy's table as a server copy (orders/paid is its server reporter)", () => {
    const rows = reporterRows({ ...empty, storefront: [{ eventName: "Purchase", received: 4, sent: 4 }] });
    expect(rows).toEqual([]);
  });
});

describe("pairedShare", () => {
  it("is both over browser, capped at 1, and null with no browser events", () => {
    expect(pairedShare({ browser: 4, both: 3 })).toBe(0.75);
    expect(pairedShare({ browser: 2, both: 5 })).toBe(1);
    expect(pairedShare({ browser: 0, both: 3 })).toBeNull();
  });
});
