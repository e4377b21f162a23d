import { describe, expect, it } from "vitest";
import { MATCH_KEYS, matchKeyShares, matchKeysOf } from "./match-keys";

const payload = (userData: Record<string, unknown>) => JSON.stringify({ event_name: "Purchase", user_data: userData });
const hash = "a".repeat(64);

describe("matchKeysOf", () => {
  it("lists all thirteen keys Meta matches on, present or missing with a reason", () => {
    const keys = matchKeysOf(payload({ em: hash, ph: [hash], client_user_agent: "Mozilla/5.0", fbp: "fb.1.1.2", fbc: "" }))!;
    expect(keys.map((k) => k.key)).toEqual(MATCH_KEYS.map((k) => k.key));
    expect(keys.filter((k) => k.present).map((k) => k.key)).toEqual(["em", "ph", "client_user_agent", "fbp"]);
    expect(keys.find((k) => k.key === "fbc")).toMatchObject({ present: false, hint: expect.stringMatching(/Meta ad/) });
    expect(keys.find((k) => k.key === "em")).toMatchObject({ present: true, hint: null });
  });

  it("treats an array of empty values as missing", () => {
    expect(matchKeysOf(payload({ em: ["", null] }))!.find((k) => k.key === "em")!.present).toBe(false);
  });

  it.each([["{}"], ["not json"], [""], [null], [JSON.stringify({ user_data: [] })], [JSON.stringify([1, 2])]])(
    "returns null when there is no user_data (%s)",
    (value) => {
      expect(matchKeysOf(value)).toBeNull();
    },
  );
});

describe("matchKeyShares", () => {
  it("reports the share of payloads carrying each key, leaving out payloads without customer data", () => {
    const result = matchKeyShares([
      payload({ em: hash, fbc: "fb.1.1.x" }),
      payload({ em: hash }),
      payload({ ph: hash }),
      payload({ em: hash, ph: hash }),
      "{}",
    ]);
    expect(result.sample).toBe(4);
    const byKey = Object.fromEntries(result.shares.map((s) => [s.key, s]));
    expect(byKey.em).toMatchObject({ count: 3, share: 0.75 });
    expect(byKey.ph).toMatchObject({ count: 2, share: 0.5 });
    expect(byKey.fbc).toMatchObject({ count: 1, share: 0.25 });
    expect(byKey.zp).toMatchObject({ count: 0, share: 0 });
  });

  it("gives zeros, not NaN, for an empty sample", () => {
    const result = matchKeyShares([]);
    expect(result.sample).toBe(0);
    expect(result.shares.every((s) => s.share === 0)).toBe(true);
  });
});
