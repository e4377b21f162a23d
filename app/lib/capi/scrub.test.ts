import { describe, expect, it } from "vitest";
import { REMOVED_VALUE, restoreRawIdentifiers, scrubRawIdentifiers, separateRawIdentifiers, withRawIdentifiers } from "./scrub";

const userData = { em: "a".repeat(64), client_ip_address: "203.0.113.7", client_user_agent: "UA", fbp: "fb.1.1.1", fbc: "fb.1.1.x" };
const scrubbedUserData = {
  em: "a".repeat(64),
  client_ip_address: REMOVED_VALUE,
  client_user_agent: REMOVED_VALUE,
  fbp: REMOVED_VALUE,
  fbc: REMOVED_VALUE,
};

describe("scrubRawIdentifiers", () => {
  it("replaces the raw identifiers' values and keeps everything else (the native JSON path)", () => {
    const payload = JSON.stringify({ event_name: "Purchase", user_data: userData, custom_data: { value: 12.5 } });
    expect(scrubRawIdentifiers(payload)).toBe(
      JSON.stringify({ event_name: "Purchase", user_data: scrubbedUserData, custom_data: { value: 12.5 } }),
    );
  });

  it("keeps numbers JSON would re-round exactly as stored (the lossless path)", () => {
    const payload = `{"event_name":"Purchase","user_data":${JSON.stringify(userData)},"custom_data":{"value":12.50,"order_id":820982911946154508,"tiny":1e-7}}`;
    expect(scrubRawIdentifiers(payload)).toBe(
      `{"event_name":"Purchase","user_data":${JSON.stringify(scrubbedUserData)},"custom_data":{"value":12.50,"order_id":820982911946154508,"tiny":1e-7}}`,
    );
  });

  it("leaves a payload with nothing to scrub, or that is not an event, unchanged", () => {
    const clean = JSON.stringify({ event_name: "Purchase", user_data: scrubbedUserData });
    expect(scrubRawIdentifiers(clean)).toBe(clean);
    for (const odd of ["{}", "[1,2]", "not json", '{"user_data":"x"}']) expect(scrubRawIdentifiers(odd)).toBe(odd);
  });
});

describe("separateRawIdentifiers and restoreRawIdentifiers", () => {
  const event = { event_name: "Purchase", event_id: "e1", user_data: userData, custom_data: { value: 12.5, currency: "EUR" } };

  it("stores placeholders in the payload and the values apart, and the send gets back the event's own text", () => {
    const stored = separateRawIdentifiers(event);
    expect(JSON.parse(stored.payload)).toEqual({ ...event, user_data: scrubbedUserData });
    expect(JSON.parse(stored.rawIdentifiers!)).toEqual({
      client_ip_address: "203.0.113.7",
      client_user_agent: "UA",
      fbp: "fb.1.1.1",
      fbc: "fb.1.1.x",
    });
    expect(restoreRawIdentifiers(stored.payload, stored.rawIdentifiers!)).toBe(JSON.stringify(event));
  });

  it("holds only the keys the event has, and nothing for an event without any", () => {
    const some = { ...event, user_data: { em: "a".repeat(64), client_user_agent: "Mozilla/5.0" } };
    const stored = separateRawIdentifiers(some);
    expect(JSON.parse(stored.rawIdentifiers!)).toEqual({ client_user_agent: "Mozilla/5.0" });
    expect(restoreRawIdentifiers(stored.payload, stored.rawIdentifiers!)).toBe(JSON.stringify(some));
    const none = { ...event, user_data: { em: "a".repeat(64) } };
    expect(separateRawIdentifiers(none)).toEqual({ payload: JSON.stringify(none), rawIdentifiers: null });
    expect(separateRawIdentifiers({ event_name: "x" })).toEqual({ payload: '{"event_name":"x"}', rawIdentifiers: null });
  });

  it("round-trips values that need escaping, or that look like a placeholder of another key", () => {
    const tricky = {
      ...event,
      user_data: { client_user_agent: 'Agent "x" \\ \u2028 ,"fbp":"[removed]"', fbp: "fb.1.2.3", client_ip_address: "::1" },
      custom_data: { content_name: '"fbc":"[removed]"' },
    };
    const stored = separateRawIdentifiers(tricky);
    expect(stored.rawIdentifiers).not.toBeNull();
    expect(restoreRawIdentifiers(stored.payload, stored.rawIdentifiers!)).toBe(JSON.stringify(tricky));
  });

  it("keeps the inline form when a placeholder's text would not be unique", () => {
    // A nested key of the same name with the placeholder as its value: the text splice could not tell them apart.
    const clash = { ...event, user_data: { fbp: "fb.1.2.3" }, custom_data: { fbp: REMOVED_VALUE } };
    expect(separateRawIdentifiers(clash)).toEqual({ payload: JSON.stringify(clash), rawIdentifiers: null });
    // A non-string value is not ours to hold apart either.
    const odd = { ...event, user_data: { client_ip_address: 7 } };
    expect(separateRawIdentifiers(odd)).toEqual({ payload: JSON.stringify(odd), rawIdentifiers: null });
  });

  it("refuses to restore by text what it cannot restore exactly", () => {
    const stored = separateRawIdentifiers(event);
    // A value held for a key whose placeholder is missing, a placeholder left without a value, an unreadable column.
    expect(restoreRawIdentifiers(JSON.stringify({ user_data: {} }), stored.rawIdentifiers!)).toBeNull();
    expect(restoreRawIdentifiers(stored.payload, JSON.stringify({ fbp: "fb.1.1.1" }))).toBeNull();
    expect(restoreRawIdentifiers(stored.payload, "not json")).toBeNull();
    expect(restoreRawIdentifiers(stored.payload, JSON.stringify({ em: "x" }))).toBeNull();
    expect(restoreRawIdentifiers(stored.payload, JSON.stringify({ fbp: 1 }))).toBeNull();
  });

  it("withRawIdentifiers merges the held values into a parsed event, and ignores what is not one", () => {
    const stored = separateRawIdentifiers(event);
    expect(withRawIdentifiers(JSON.parse(stored.payload), stored.rawIdentifiers)).toEqual(event);
    const parsed = JSON.parse(stored.payload);
    expect(withRawIdentifiers(parsed, null)).toBe(parsed);
    expect(withRawIdentifiers(parsed, '{"em":"x"}')).toBe(parsed);
    expect(withRawIdentifiers("text", stored.rawIdentifiers)).toBe("text");
  });

  it("scrubbing a stored payload changes nothing: it holds no raw value", () => {
    const stored = separateRawIdentifiers(event);
    expect(scrubRawIdentifiers(stored.payload)).toBe(stored.payload);
  });
});
