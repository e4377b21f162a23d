// Text the CLI did not write itself (Meta's error messages, reasons and IDs stored from webhooks) reaches an
// operator's terminal, and a terminal obeys what is in it: colours, cursor moves that rewrite earlier lines,
// window titles, OSC 52 clipboard writes. So such text is reduced to printable characters before printing.

// ESC-introduced sequences, whole: CSI (ESC [ … final), OSC / DCS / SOS / PM / APC strings up to their
// terminator (BEL or ESC \), and two-character escapes. Removing only the ESC would leave "[31m" behind.
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -/]*[0-~]?)/g;
// C1's 8-bit CSI and OSC introducers, with what they introduce.
// eslint-disable-next-line no-control-regex
const C1_SEQUENCE = /\u009b[0-?]*[ -/]*[@-~]?|[\u009d\u0090\u0098\u009e\u009f][^\u0007\u009c\u001b]*(?:\u0007|\u009c)?/g;
// Line breaks and tabs would break a table row apart; they become one space.
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// Every other C0/C1 control and DEL, plus the bidirectional overrides that reorder what a line appears to say.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(C1_SEQUENCE, "").replace(BREAKS, " ").replace(CONTROLS, "");
}

/** terminalSafe on every string inside a JSON-like value (for --json output). */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === "string") return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map((v) => terminalSafeDeep(v)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [terminalSafe(k), terminalSafeDeep(v)])) as T;
  }
  return value;
}
