// Display formatting shared by the server (loaders) and the pages. Fixed locale and time zone, so the
// server-rendered text and the hydrated text are identical.

export function formatAmount(value: string | null, currency: string | null): string | null {
  if (value === null) return null;
  const number = Number(value);
  if (!Number.isFinite(number)) return currency ? `${value} ${currency}` : value;
  if (!currency) return number.toFixed(2);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(number);
  } catch {
    // Not an ISO 4217 code Intl knows: show it as it came.
    return `${number.toFixed(2)} ${currency}`;
  }
}

/** "2026-11-28 14:05 UTC" */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
