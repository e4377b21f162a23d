// The bench's and probes' `--env KEY=VALUE` flags, as one environment object; a pair without a name exits with
// a usage error rather than setting a variable named "" (or the whole text).
export function envFlags(pairs: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) {
        console.error(`--env takes KEY=VALUE, not ${pair}`);
        process.exit(2);
      }
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
