import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  Divider,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { DatasetQualityCard } from "~/components/dataset-quality-card";
import { DeliveryChart } from "~/components/delivery-chart";
import { DuplicatePixelBanner } from "~/components/duplicate-pixel-banner";
import { ReportersCard } from "~/components/reporters-card";
import { formatPercent, parseRange } from "~/lib/dashboard-stats";
import type { ChecklistItem } from "~/lib/onboarding";
import { adminDeps } from "~/services/admin-deps.server";
import { PAGE_TIMEOUT_MS, refreshDatasetQuality } from "~/services/dataset-quality.server";
import { getHomeOverview } from "~/services/shop-overview.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const rangeDays = parseRange(new URL(request.url).searchParams.get("range"));
  return getHomeOverview(adminDeps(), { shop: session.shop, graphql: admin.graphql, rangeDays });
};

// Refresh of Meta's verdict; the page's loader runs again afterwards and shows the new figures.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData().catch(() => null);
  if (form?.get("intent") !== "refresh-quality") return json({ refreshed: false, message: "Unknown action." }, { status: 400 });
  const result = await refreshDatasetQuality(adminDeps(), { shop: session.shop, timeoutMs: PAGE_TIMEOUT_MS });
  if (result.ok) return json({ refreshed: true });
  return json({ refreshed: false, message: "Meta was asked less than a minute ago; these are its latest figures." }, { status: 429 });
};

export default function Home() {
  const home = useLoaderData<typeof loader>();
  const { dashboard, checklist } = home;
  const done = checklist.filter((item) => item.done).length;
  const summary = dashboard.summary;

  return (
    <Page>
      <TitleBar title="Meta Pixel & Conversions API" />
      <Layout>
        {home.connectionState === "broken" ? (
          <Layout.Section>
            <Banner
              tone="critical"
              title="Meta is refusing your connection: purchases are on hold"
              action={{ content: "Reconnect in Settings", url: "/app/settings" }}
            >
              <p>
                {home.connectionError ? `Meta said: "${home.connectionError}". ` : ""}
                Paste a new access token in Settings. Held purchases are sent as soon as it works; nothing is lost.
              </p>
            </Banner>
          </Layout.Section>
        ) : null}
        {home.duplicatePixelSeenAt ? (
          <Layout.Section>
            <DuplicatePixelBanner seenAt={home.duplicatePixelSeenAt} />
          </Layout.Section>
        ) : null}
        {summary.failureAlert ? (
          <Layout.Section>
            <Banner
              tone="warning"
              title={`${formatPercent(summary.failureRate)} of purchases failed in the last ${dashboard.rangeDays} days`}
              action={{ content: "See failed deliveries", url: "/app/deliveries?status=failed" }}
            >
              <p>Each failed order explains what went wrong and what to do. Fix the cause, then retry the order.</p>
            </Banner>
          </Layout.Section>
        ) : null}

        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  {done === checklist.length ? "Tracking is set up" : "Set up tracking"}
                </Text>
                <Text as="span" tone="subdued">
                  {done} of {checklist.length} done
                </Text>
              </InlineStack>
              <ProgressBar progress={(done / checklist.length) * 100} tone="success" size="small" />
              <BlockStack gap="300">
                {checklist.map((item, index) => (
                  <BlockStack key={item.id} gap="300">
                    {index > 0 ? <Divider /> : null}
                    <ChecklistRow item={item} />
                  </BlockStack>
                ))}
              </BlockStack>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Purchases sent to Meta from our server
                </Text>
                <ButtonGroup variant="segmented">
                  <Button url="?range=7" pressed={dashboard.rangeDays === 7}>
                    7 days
                  </Button>
                  <Button url="?range=30" pressed={dashboard.rangeDays === 30}>
                    30 days
                  </Button>
                </ButtonGroup>
              </InlineStack>
              <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
                <Stat label="Sent" value={String(summary.sent)} />
                <Stat label="Failed" value={String(summary.failed)} tone={summary.failed > 0 ? "critical" : undefined} />
                <Stat label="Pending" value={String(summary.pending)} />
                <Stat label="Skipped" value={String(summary.skipped)} />
                <Stat label="Success rate" value={formatPercent(summary.successRate)} />
              </InlineGrid>
              <DeliveryChart days={dashboard.daily} />
              <Text as="p" variant="bodySm" tone="subdued">
                Days are UTC. Success rate is sent ÷ (sent + failed); skipped orders (test orders, events switched off) are left out.
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400" alignItems="start">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Customer information sent with purchases
                </Text>
                <Text as="p" tone="subdued">
                  {dashboard.matchKeys.sample === 0
                    ? "No purchases were sent in this period yet."
                    : `Share of the last ${dashboard.matchKeys.sample} purchases sent in this period that carried each detail. The more details Meta receives, the more purchases it can match to ads (a local estimate of Event Match Quality).`}
                </Text>
                {dashboard.matchKeys.sample > 0 ? (
                  <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
                    {dashboard.matchKeys.shares.map((share) => (
                      <BlockStack key={share.key} gap="100">
                        <InlineStack align="space-between">
                          <Text as="span">{share.label}</Text>
                          <Text as="span" fontWeight="semibold">
                            {formatPercent(share.share)}
                          </Text>
                        </InlineStack>
                        <ProgressBar progress={share.share * 100} size="small" tone="highlight" />
                      </BlockStack>
                    ))}
                  </InlineGrid>
                ) : null}
              </BlockStack>
            </Card>
            <DatasetQualityCard quality={home.quality} />
          </InlineGrid>
        </Layout.Section>

        <Layout.Section>
          <ReportersCard {...home.reporters} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: "critical" }) {
  return (
    <Box padding="300" background="bg-surface-secondary" borderRadius="200">
      <BlockStack gap="100">
        <Text as="span" tone="subdued" variant="bodySm">
          {label}
        </Text>
        <Text as="span" variant="headingLg" tone={tone}>
          {value}
        </Text>
      </BlockStack>
    </Box>
  );
}

function CheckMark({ done }: { done: boolean }) {
  return (
    <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" style={{ flex: "none", marginTop: 2 }}>
      <circle
        cx="10"
        cy="10"
        r="9"
        fill={done ? "var(--p-color-bg-fill-success)" : "none"}
        stroke={done ? "var(--p-color-bg-fill-success)" : "var(--p-color-border-secondary)"}
        strokeWidth="2"
        strokeDasharray={done ? undefined : "3 2"}
      />
      {done ? <path d="M6 10.5l2.5 2.5L14 7.5" fill="none" stroke="white" strokeWidth="2" strokeLinecap="round" /> : null}
    </svg>
  );
}

function ChecklistRow({ item }: { item: ChecklistItem }) {
  return (
    <div data-testid={`checklist-${item.id}`} data-done={item.done ? "true" : "false"}>
      <InlineStack gap="300" wrap={false} blockAlign="start">
        <CheckMark done={item.done} />
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm">
            {item.title}
            <Text as="span" visuallyHidden>
              {item.done ? " (done)" : " (to do)"}
            </Text>
          </Text>
          <Text as="p" tone={item.done ? "subdued" : undefined}>
            {item.detail}
          </Text>
          {item.action ? (
            <InlineStack>
              <Button url={item.action.url} target={item.action.external ? "_top" : undefined} variant={item.done ? "plain" : undefined}>
                {item.action.label}
              </Button>
            </InlineStack>
          ) : null}
        </BlockStack>
      </InlineStack>
    </div>
  );
}
