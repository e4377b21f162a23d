// "Meta's verdict": what Meta's Dataset Quality API says about the shop's pixel, with one fix per weak point.
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, InlineStack, Text } from "@shopify/polaris";
import { freshnessLabel, keyLabel, type QualityEvent, type QualityReport, type WeakPoint } from "~/lib/dataset-quality";

export interface QualityCardData {
  status: "not-connected" | "ok" | "forbidden" | "unavailable";
  report: QualityReport | null;
  weakPoints: WeakPoint[];
  updatedMinutesAgo: number | null;
}

type RefreshAnswer = { refreshed: true } | { refreshed: false; message: string };

export function DatasetQualityCard({ quality }: { quality: QualityCardData }) {
  const fetcher = useFetcher<RefreshAnswer>();
  const refreshing = fetcher.state !== "idle";
  const refused = fetcher.data && !fetcher.data.refreshed ? fetcher.data.message : null;

  return (
    <Card>
      <div data-testid="meta-verdict" data-status={quality.status}>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Meta&apos;s verdict
            </Text>
            {quality.status !== "not-connected" ? (
              <fetcher.Form method="post">
                <input type="hidden" name="intent" value="refresh-quality" />
                <Button submit loading={refreshing} variant="plain">
                  Refresh
                </Button>
              </fetcher.Form>
            ) : null}
          </InlineStack>
          <Text as="p" tone="subdued">
            {quality.updatedMinutesAgo === null
              ? "Meta's own Event Match Quality and related checks for your pixel, from Meta's Dataset Quality API."
              : `Meta's own Event Match Quality for your pixel. Updated ${ago(quality.updatedMinutesAgo)}.`}
          </Text>
          {refused ? (
            <Text as="p" tone="subdued">
              {refused}
            </Text>
          ) : null}
          <StatusMessage quality={quality} />
          {quality.report && quality.report.events.length === 0 ? (
            <Text as="p">Meta has no figures for your pixel yet: they appear once it has received events for a day or two.</Text>
          ) : null}
          {quality.report?.events.map((event) => (
            <EventFigures key={event.eventName} event={event} />
          ))}
          {quality.weakPoints.length > 0 ? (
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                What to improve
              </Text>
              {quality.weakPoints.map((point) => (
                <Box
                  key={`${point.eventName}-${point.kind}-${point.explanation}`}
                  padding="200"
                  background="bg-surface-secondary"
                  borderRadius="200"
                >
                  <BlockStack gap="100">
                    <Text as="p">{point.explanation}</Text>
                    <Text as="p" fontWeight="semibold">
                      Fix: {point.fix}
                    </Text>
                  </BlockStack>
                </Box>
              ))}
            </BlockStack>
          ) : null}
        </BlockStack>
      </div>
    </Card>
  );
}

function StatusMessage({ quality }: { quality: QualityCardData }) {
  if (quality.status === "not-connected") {
    return <Text as="p">Save your pixel ID and access token in Settings to see what Meta thinks of your events.</Text>;
  }
  if (quality.status === "forbidden") {
    return (
      <Banner
        tone="warning"
        title="Meta did not let the app read your pixel's quality report"
        action={{ content: "Open Settings", url: "/app/settings" }}
      >
        <p>
          The access token needs the ads_read permission and &quot;Use events dataset&quot; access to this pixel. A token generated in
          Events Manager (your pixel → Settings → Conversions API → Generate access token) has both: paste it in Settings. Purchases are
          still being sent.
        </p>
      </Banner>
    );
  }
  if (quality.status === "unavailable") {
    return (
      <Text as="p" tone="subdued">
        {quality.report
          ? "Meta did not answer the last time we asked; these are the last figures it gave."
          : "Meta's verdict is not available right now. Try Refresh in a minute; your events are not affected."}
      </Text>
    );
  }
  return null;
}

function EventFigures({ event }: { event: QualityEvent }) {
  const pct = (n: number | null) => (n === null ? "not reported" : `${n}%`);
  const keys = Object.entries(event.matchKeys);
  return (
    <Box padding="300" borderColor="border" borderWidth="025" borderRadius="200">
      <BlockStack gap="100">
        <InlineStack align="space-between">
          <Text as="h3" variant="headingSm">
            {event.eventName}
          </Text>
          <Text as="span" variant="headingSm" tone={event.emq !== null && event.emq < 6 ? "critical" : undefined}>
            {event.emq === null ? "No match quality yet" : `Match quality ${event.emq}/10`}
          </Text>
        </InlineStack>
        <Text as="p" tone="subdued">
          Coverage {pct(event.coverage)} · Deduplicated {pct(event.dedupRate)} · Freshness {freshnessLabel(event.freshness)}
          {event.acr !== null ? ` · ${event.acr}% more conversions reported thanks to the Conversions API` : ""}
        </Text>
        {keys.length > 0 ? (
          <Text as="p" tone="subdued" variant="bodySm">
            Sent with: {keys.map(([key, share]) => `${keyLabel(key)} ${pct(share)}`).join(", ")}
          </Text>
        ) : null}
      </BlockStack>
    </Box>
  );
}

function ago(minutes: number): string {
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.floor(minutes / 60);
  return `${hours} hour${hours === 1 ? "" : "s"} ago`;
}
