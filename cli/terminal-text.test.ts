import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeDeep } from "./terminal-text";

describe("terminalSafe", () => {
  it.each([
    ["\u001b[31mInvalid\u001b[0m token", "Invalid token"],
    ["\u001b[2J\u001b[1;1HCleared", "Cleared"],
    ["title\u001b]0;pwned\u0007 set", "title set"],
    ["clip\u001b]52;c;ZXZpbA==\u001b\\board", "clipboard"],
    ["8-bit \u009b31mCSI", "8-bit CSI"],
    ["bell\u0007 and nul\u0000 and del\u007f", "bell and nul and del"],
    ["two\r\nlines\tand tab", "two lines and tab"],
    ["rev \u202eerse\u202c", "rev erse"],
    ["Überweisung fehlgeschlagen: ok ✓", "Überweisung fehlgeschlagen: ok ✓"],
  ])("%j → %j", (input, expected) => {
    expect(terminalSafe(input)).toBe(expected);
  });

  it("cleans every string in a JSON value and leaves other values alone", () => {
    expect(terminalSafeDeep({ a: ["x\u001b[1my"], n: 1, b: null, t: true })).toEqual({ a: ["xy"], n: 1, b: null, t: true });
  });
});
