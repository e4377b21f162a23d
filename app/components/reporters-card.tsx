// The home page's table of both reporters per event: what the browser handed to the app, what the
// server sent to Meta, and the pairs Meta deduplicates. The wording says what the app can know: it sees
// the browser's report to the app, never the Meta Pixel's own request to Meta.
import { BlockStack, Card, DataTable, List, Text } from "@shopify/polaris";
import { formatPercent } from "~/lib/dashboard-stats";
import { pairedShare, type ReporterRow } from "~/lib/reporter-counts";

export interface ReportersCardProps {
  rangeDays: number;
  rows: ReporterRow[];
  storefrontRetentionDays: number;
}

export function ReportersCard({ rangeDays, rows, storefrontRetentionDays }: ReportersCardProps) {
  const count = (n: number) => n.toLocaleString("en-US");
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Browser and server, per event (last {rangeDays} days)
        </Text>
        <Text as="p" tone="subdued">
          Each switched-on event is reported twice with one event ID: by the shopper&apos;s browser and by our server. Meta keeps one of
          each pair.
        </Text>
        {rows.length === 0 ? (
          <Text as="p">No events are switched on and none arrived in this period.</Text>
        ) : (
          <div data-testid="reporters-table">
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "numeric"]}
              headings={["Event", "Browser (seen by the app)", "Sent by the server", "Both (deduplicated pairs)"]}
              rows={rows.map((row) => {
                const share = pairedShare(row);
                return [
                  row.custom ? `${row.eventName} (custom)` : row.eventName,
                  count(row.browser),
                  count(row.server),
                  share === null ? count(row.both) : `${count(row.both)} (${formatPercent(share)})`,
                ];
              })}
            />
          </div>
        )}
        <List>
          <List.Item>
            Browser (seen by the app): events the browser handed to the app through your store. The Meta Pixel sends its own copy straight
            to Meta, which the app cannot see: an ad blocker can stop that copy and still let the report to the app through.
          </List.Item>
          <List.Item>
            Sent by the server: events Meta accepted from the Conversions API. Purchases come from Shopify&apos;s paid-order notification;
            the other events from what the browser reported, so they cannot outnumber it. The difference is events waiting, failed or
            skipped.
          </List.Item>
          <List.Item>
            Both: events present on both sides with the same event ID (the percentage is of the browser column). A purchase sent only by the
            server is one whose thank-you page never reported it to the app.
          </List.Item>
          {rangeDays > storefrontRetentionDays ? (
            <List.Item>
              Events other than Purchase are kept {storefrontRetentionDays} days, so their counts cover the last {storefrontRetentionDays}{" "}
              days only.
            </List.Item>
          ) : null}
        </List>
      </BlockStack>
    </Card>
  );
}
