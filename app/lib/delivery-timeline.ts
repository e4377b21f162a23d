// The story of one ledger row, oldest first. The ledger keeps only Meta's latest answer per row (it is
// a queue, not an audit log), so the timeline is rebuilt from its timestamps and that answer: it never
// invents attempts it cannot date.
import { describeReason, isHeld, type ReasonCode } from "./delivery-reasons";
import { displayStatus, type Tone } from "./explain-delivery";

export interface TimelineRow {
  status: string;
  reasonCode: ReasonCode | null;
  reasonDetail: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  nextAttemptAt: Date;
  sentAt: Date | null;
  eventsReceived: number | null;
  fbtraceId: string | null;
  errorCode: number | null;
  errorSubcode: number | null;
  lastError: string | null;
}

export interface TimelineEntry {
  /** ISO time, or null when the ledger cannot date the step. */
  at: string | null;
  label: string;
  detail: string | null;
  tone: Tone;
}

function metaAnswer(row: TimelineRow): string | null {
  const parts: string[] = [];
  if (row.errorCode !== null) parts.push(`error ${row.errorCode}${row.errorSubcode !== null ? `/${row.errorSubcode}` : ""}`);
  if (row.lastError) parts.push(row.lastError);
  if (row.fbtraceId) parts.push(`fbtrace_id ${row.fbtraceId}`);
  return parts.length ? parts.join(" · ") : null;
}

export function buildTimeline(row: TimelineRow): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    { at: row.createdAt.toISOString(), label: "Recorded from Shopify's paid-order notification", detail: null, tone: "info" },
  ];
  const status = displayStatus(row);
  const reason = describeReason(row);
  const retryRequested = row.reasonCode === "retry_requested";
  const held = isHeld(row.reasonCode);
  const attempts = row.attempts === 1 ? "1 attempt" : `${row.attempts} attempts`;

  switch (status) {
    case "sent": {
      const detail = [
        row.eventsReceived !== null ? `events_received ${row.eventsReceived}` : null,
        row.fbtraceId ? `fbtrace_id ${row.fbtraceId}` : null,
        row.attempts > 1 ? `after ${attempts}` : null,
      ]
        .filter(Boolean)
        .join(" · ");
      entries.push({ at: (row.sentAt ?? row.updatedAt).toISOString(), label: "Meta accepted it", detail: detail || null, tone: "success" });
      break;
    }
    case "failed":
      entries.push({
        at: row.updatedAt.toISOString(),
        label: row.attempts > 0 ? `Meta rejected it (${attempts})` : "Could not be sent",
        detail: metaAnswer(row) ?? reason,
        tone: "critical",
      });
      break;
    case "skipped":
      entries.push({ at: row.updatedAt.toISOString(), label: "Skipped", detail: reason, tone: "info" });
      break;
    case "retrying":
      if (retryRequested) {
        entries.push({
          at: row.updatedAt.toISOString(),
          label: `Retry requested (after ${attempts})`,
          detail: metaAnswer(row),
          tone: "info",
        });
        entries.push({ at: row.nextAttemptAt.toISOString(), label: "Queued to send", detail: null, tone: "info" });
        break;
      }
      entries.push({
        at: row.updatedAt.toISOString(),
        label: held ? `On hold (${attempts} so far)` : `Last attempt did not go through (${attempts} so far)`,
        detail: metaAnswer(row) ?? reason,
        tone: "attention",
      });
      if (row.status === "pending") {
        entries.push({ at: row.nextAttemptAt.toISOString(), label: "Next attempt", detail: null, tone: "info" });
      }
      break;
    case "pending":
      if (retryRequested) {
        entries.push({ at: row.updatedAt.toISOString(), label: "Retry requested", detail: metaAnswer(row), tone: "info" });
      }
      entries.push({
        at: row.status === "sending" ? row.updatedAt.toISOString() : row.nextAttemptAt.toISOString(),
        label: row.status === "sending" ? "Being sent now" : "Queued to send",
        detail: held ? reason : null,
        tone: "info",
      });
      break;
  }
  return entries;
}
