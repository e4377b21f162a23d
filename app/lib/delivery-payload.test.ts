import { describe, expect, it } from "vitest";
import { hasEventToSend } from "./delivery-payload";

describe("hasEventToSend", () => {
  it("is true only for a stored event", () => {
    expect(hasEventToSend(JSON.stringify({ event_name: "Purchase", event_id: "shopify_order_1", user_data: {} }))).toBe(true);
    // What the webhook path stores when the order could not be mapped, and what a redaction leaves of it.
    expect(hasEventToSend("{}")).toBe(false);
    expect(hasEventToSend(JSON.stringify({ user_data: {} }))).toBe(false);
    expect(hasEventToSend("")).toBe(false);
    expect(hasEventToSend("not json")).toBe(false);
    expect(hasEventToSend("[]")).toBe(false);
    expect(hasEventToSend("null")).toBe(false);
    expect(hasEventToSend(JSON.stringify({ event_name: "" }))).toBe(false);
  });
});
