import { Badge } from "@shopify/polaris";
import { STATUS_LABELS, STATUS_TONES, type DisplayStatus, type Tone } from "~/lib/explain-delivery";

export function StatusBadge({ status }: { status: DisplayStatus }) {
  return <Badge tone={STATUS_TONES[status]}>{STATUS_LABELS[status]}</Badge>;
}

/** Banners have no "attention" tone; a retry in progress reads as a warning there. */
export function bannerTone(tone: Tone): "success" | "info" | "warning" | "critical" {
  return tone === "attention" ? "warning" : tone;
}
