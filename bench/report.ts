// The benchmark's one table, as Markdown: readable in a terminal and committed as bench/RESULTS.md.

export interface Row {
  /** A section heading row when only this is set. */
  measure: string;
  ours?: string;
  /** The floor's figure (bench/floor-server.ts), measured in the same run. */
  floor?: string;
  /** This app divided by the floor. */
  ratio?: string;
  baseline?: string;
  target?: string;
  /** true: met, false: missed, undefined: no target. */
  pass?: boolean;
  verdict?: string;
}

export function renderTable(rows: Row[]): string {
  const header = ["Measure", "This app", "Floor (same run)", "App ÷ floor", "Baseline", "Target (this machine)", "Result"];
  const lines = [header, header.map(() => "---")];
  for (const row of rows) {
    if (row.ours === undefined && row.baseline === undefined && row.target === undefined) {
      lines.push([`**${row.measure}**`, ...header.slice(1).map(() => "")]);
      continue;
    }
    const mark = row.pass === undefined ? "" : row.pass ? "✅ pass" : "❌ FAIL";
    lines.push([
      row.measure,
      row.ours ?? "",
      row.floor ?? "",
      row.ratio ?? "",
      row.baseline ?? "",
      row.target ?? "",
      [mark, row.verdict].filter(Boolean).join(" "),
    ]);
  }
  return lines.map((cells) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`).join("\n");
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 10_000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(1)} s`;
}

export function perSecond(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "n/a";
  const text = value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(1);
  return `${text} ${unit}/s`;
}

/** A ratio such as 0.42× or 3.1×. */
export function ratio(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 10 ? Math.round(value) : value.toFixed(2)}×`;
}

export function bytes(value: number): string {
  return `${value.toLocaleString("en-US")} B`;
}

export function megabytes(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : `${(value / (1024 * 1024)).toFixed(0)} MB`;
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return "n/a";
  return `${Math.round((100 * part) / whole)}% (${part}/${whole})`;
}
