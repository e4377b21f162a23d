import { describe, expect, it } from "vitest";
import { REMOVED_VALUE, scrubRawIdentifiers } from "./scrub";

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
