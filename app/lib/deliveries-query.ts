// The deliveries table's URL: ?status=failed&from=2026-11-01&to=2026-11-28&page=2&size=25.
// Bad values never fail the page: each falls back to its default and yields a sentence the page shows.
import { DISPLAY_STATUSES, type DisplayStatus } from "./explain-delivery";

export const PAGE_SIZES = [25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;

export interface DeliveriesQuery {
  status: DisplayStatus | null;
  /** Inclusive UTC day, YYYY-MM-DD. */
  from: string | null;
  /** Inclusive UTC day, YYYY-MM-DD. */
  to: string | null;
  page: number;
  pageSize: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isRealDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function parseDeliveriesQuery(params: URLSearchParams): { query: DeliveriesQuery; problems: string[] } {
  const problems: string[] = [];
  const query: DeliveriesQuery = { status: null, from: null, to: null, page: 1, pageSize: DEFAULT_PAGE_SIZE };

  const status = params.get("status");
  if (status && status !== "all") {
    if ((DISPLAY_STATUSES as readonly string[]).includes(status)) query.status = status as DisplayStatus;
    else problems.push(`"${truncate(status)}" is not a delivery status; showing all statuses.`);
  }

  for (const key of ["from", "to"] as const) {
    const value = params.get(key);
    if (!value) continue;
    if (isRealDay(value)) query[key] = value;
    else problems.push(`The ${key === "from" ? "start" : "end"} date "${truncate(value)}" is not a date (use YYYY-MM-DD); it was ignored.`);
  }
  if (query.from && query.to && query.from > query.to) {
    problems.push("The start date is after the end date; the dates were swapped.");
    [query.from, query.to] = [query.to, query.from];
  }

  const page = params.get("page");
  if (page !== null && page !== "") {
    if (/^\d{1,9}$/.test(page) && Number(page) >= 1) query.page = Number(page);
    else problems.push(`"${truncate(page)}" is not a page number; showing page 1.`);
  }

  const size = params.get("size");
  if (size !== null && size !== "") {
    if ((PAGE_SIZES as readonly number[]).includes(Number(size)) && /^\d+$/.test(size)) query.pageSize = Number(size);
    else problems.push(`Rows per page must be ${PAGE_SIZES.join(", ")}; showing ${DEFAULT_PAGE_SIZE}.`);
  }

  return { query, problems };
}

/** The same query as URL parameters, leaving defaults out so links stay short. */
export function deliveriesSearch(query: Partial<DeliveriesQuery>): string {
  const params = new URLSearchParams();
  if (query.status) params.set("status", query.status);
  if (query.from) params.set("from", query.from);
  if (query.to) params.set("to", query.to);
  if (query.page && query.page > 1) params.set("page", String(query.page));
  if (query.pageSize && query.pageSize !== DEFAULT_PAGE_SIZE) params.set("size", String(query.pageSize));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** [start, end) instants for the inclusive UTC days. */
export function dayRange(query: Pick<DeliveriesQuery, "from" | "to">): { gte?: Date; lt?: Date } {
  const range: { gte?: Date; lt?: Date } = {};
  if (query.from) range.gte = new Date(`${query.from}T00:00:00.000Z`);
  if (query.to) range.lt = new Date(new Date(`${query.to}T00:00:00.000Z`).getTime() + 24 * 60 * 60 * 1000);
  return range;
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

// Echoed values are user input: keep them short so a crafted URL cannot fill the page.
function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
