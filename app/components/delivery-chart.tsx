// Purchases per day as stacked bars, drawn as inline SVG with Polaris colour tokens: a chart library
// (Polaris Viz) would cost more than the whole page for one small picture.
import { BlockStack, InlineStack, Text } from "@shopify/polaris";

export interface ChartDay {
  day: string;
  sent: number;
  failed: number;
  pending: number;
  skipped: number;
}

const SERIES = [
  { key: "sent", label: "Sent", color: "var(--p-color-bg-fill-success)" },
  { key: "pending", label: "Pending", color: "var(--p-color-bg-fill-caution)" },
  { key: "failed", label: "Failed", color: "var(--p-color-bg-fill-critical)" },
  { key: "skipped", label: "Skipped", color: "var(--p-color-bg-fill-tertiary-active)" },
] as const;

const WIDTH = 640;
const HEIGHT = 180;
const LEFT = 32;
const BOTTOM = 22;
const TOP = 8;

/** A round axis maximum (1, 2, 5, 10, 20, 50, …) at or above the busiest day. */
export function niceMax(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function shortDay(day: string): string {
  const [, month, date] = day.split("-");
  return `${Number(month)}/${Number(date)}`;
}

export function DeliveryChart({ days }: { days: ChartDay[] }) {
  const totals = days.map((d) => d.sent + d.failed + d.pending + d.skipped);
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(days.length, 1);
  const barWidth = Math.max(2, Math.min(28, slot * 0.6));
  // Label at most ~8 days so 30 labels never overlap.
  const labelEvery = Math.ceil(days.length / 8);
  const total = totals.reduce((a, b) => a + b, 0);
  const summary = `Purchases per day from ${days[0]?.day ?? ""} to ${days.at(-1)?.day ?? ""}: ${total} in total.`;

  return (
    <BlockStack gap="200">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={summary}
        style={{ display: "block", maxHeight: 220 }}
        data-testid="delivery-chart"
      >
        {[0, 0.5, 1].map((fraction) => {
          const y = TOP + plotHeight * (1 - fraction);
          return (
            <g key={fraction}>
              <line x1={LEFT} x2={WIDTH} y1={y} y2={y} stroke="var(--p-color-border-secondary)" strokeWidth={1} />
              <text x={LEFT - 6} y={y + 4} textAnchor="end" fontSize={11} fill="var(--p-color-text-secondary)">
                {Math.round(max * fraction)}
              </text>
            </g>
          );
        })}
        {days.map((day, index) => {
          const x = LEFT + slot * index + (slot - barWidth) / 2;
          let y = TOP + plotHeight;
          return (
            <g key={day.day}>
              <title>{`${day.day}: ${day.sent} sent, ${day.pending} pending, ${day.failed} failed, ${day.skipped} skipped`}</title>
              {SERIES.map((series) => {
                const count = day[series.key];
                if (count === 0) return null;
                const height = (count / max) * plotHeight;
                y -= height;
                return <rect key={series.key} x={x} y={y} width={barWidth} height={height} rx={2} fill={series.color} />;
              })}
              {index % labelEvery === 0 || index === days.length - 1 ? (
                <text x={x + barWidth / 2} y={HEIGHT - 6} textAnchor="middle" fontSize={11} fill="var(--p-color-text-secondary)">
                  {shortDay(day.day)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <InlineStack gap="400">
        {SERIES.map((series) => (
          <InlineStack key={series.key} gap="100" blockAlign="center">
            <span style={{ display: "inline-block", width: 10, height: 10, borderRadius: 2, background: series.color }} />
            <Text as="span" variant="bodySm" tone="subdued">
              {series.label}
            </Text>
          </InlineStack>
        ))}
      </InlineStack>
    </BlockStack>
  );
}
