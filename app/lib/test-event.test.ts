import { describe, expect, it } from "vitest";
import { buildTestEvent } from "./test-event";

const now = new Date("2026-11-28T12:34:56.789Z");

describe("buildTestEvent", () => {
  it("is a website PageView Meta can accept: seconds, source URL, user agent and a hashed synthetic customer", () => {
    const event = buildTestEvent({
      shop: "bright-socks.myshopify.com",
      now,
      userAgent: "Mozilla/5.0 (Mac)",
      limitedDataUse: false,
      eventId: "admin_test_1",
    });
    expect(event).toEqual({
      event_name: "PageView",
      event_time: 1795869296,
      event_id: "admin_test_1",
      action_source: "website",
      event_source_url: "https://bright-socks.myshopify.com/",
      user_data: { external_id: expect.stringMatching(/^[0-9a-f]{64}$/), client_user_agent: "Mozilla/5.0 (Mac)" },
    });
  });

  it("falls back to a user agent when the admin request had none, and adds LDU when it is on", () => {
    const event = buildTestEvent({ shop: "a.myshopify.com", now, userAgent: "  ", limitedDataUse: true });
    expect(event.user_data.client_user_agent).toMatch(/^Mozilla\/5\.0/);
    expect(event).toMatchObject({ data_processing_options: ["LDU"], data_processing_options_country: 0, data_processing_options_state: 0 });
    expect(event.event_id).toMatch(/^admin_test_[0-9a-f-]{36}$/);
  });

  it("never looks like a real order's Purchase, so it cannot deduplicate against one", () => {
    const event = buildTestEvent({ shop: "a.myshopify.com", now, userAgent: null, limitedDataUse: false });
    expect(event.event_name).not.toBe("Purchase");
    expect(event.event_id).not.toMatch(/^shopify_order_/);
  });
});
