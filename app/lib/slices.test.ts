import { describe, expect, it } from "vitest";
import { concatOverSlices, ID_SLICE, slices, sumOverSlices } from "./slices";

describe("slices", () => {
  it("cuts any list into slices of at most ID_SLICE, in order, losing nothing", () => {
    const items = Array.from({ length: 10 * ID_SLICE + 7 }, (_, i) => i);
    const cut = slices(items);
    expect(cut.every((s) => s.length > 0 && s.length <= ID_SLICE)).toBe(true);
    expect(cut.flat()).toEqual(items);
    expect(slices([])).toEqual([]);
    expect(slices([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
  });

  it("runs one call per slice and combines the answers", async () => {
    const sizes: number[] = [];
    const items = Array.from({ length: 1001 }, (_, i) => i);
    expect(await sumOverSlices(items, async (s) => (sizes.push(s.length), s.length))).toBe(1001);
    expect(sizes).toEqual([400, 400, 201]);
    expect(await concatOverSlices(items, async (s) => s.map((n) => n * 2))).toEqual(items.map((n) => n * 2));
  });
});
