// The warm-up is only worth its start-up time if it runs the paths real requests take: every sample order
// must become a row to send, and every sample storefront event a server event, not an early refusal.
import { describe, expect, it } from "vitest";
import { warmOrderRows, warmProxyEvents } from "~/services/warm-up.server";

describe("warm-up of the hot paths", () => {
  it("maps each sample order to a pending Purchase row", () => {
    expect(warmOrderRows(5)).toBe(5);
  });

  it("passes each sample app proxy request's signature check and maps both of its page's events", () => {
    expect(warmProxyEvents(5)).toBe(10);
  });

  it("does nothing when asked for no iterations", () => {
    expect(warmOrderRows(0)).toBe(0);
    expect(warmProxyEvents(0)).toBe(0);
  });
});
