import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { getDb } from "~/db.server";
import { authenticate } from "~/shopify.server";
import { getShopOverview, type ShopOverview } from "~/services/shop-overview.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return getShopOverview(getDb(), session.shop);
};

const stateBadge: Record<string, { tone: "success" | "critical" | undefined; label: string }> = {
  connected: { tone: "success", label: "Connected" },
  broken: { tone: "critical", label: "Meta refused the token" },
  disconnected: { tone: undefined, label: "Not connected" },
};

// Declared here, not imported from the service: a value import from a .server module would pull it into
// the browser bundle. The key order is the display order.
const statusLabels: Record<keyof ShopOverview["counts"], string> = {
  pending: "Waiting to send",
  sending: "Sending",
  sent: "Sent to Meta",
  failed: "Failed",
  skipped: "Skipped",
};

export default function Index() {
  const overview = useLoaderData<typeof loader>();
  const badge = stateBadge[overview.connectionState] ?? stateBadge.disconnected;

  return (
    <Page>
      <TitleBar title="Meta Pixel & Conversions API" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="500">
            <Card>
              <BlockStack gap="300">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Meta connection
                  </Text>
                  <Badge tone={badge.tone}>{badge.label}</Badge>
                </InlineStack>
                <Text as="p">Pixel ID: {overview.pixelId ?? "not set"}</Text>
                <Text as="p">
                  Access token: {overview.tokenHint ? `set, ending in …${overview.tokenHint}` : "not set"}
                </Text>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Server events
                </Text>
                {(Object.keys(statusLabels) as (keyof ShopOverview["counts"])[]).map((status) => (
                  <InlineStack key={status} align="space-between">
                    <Text as="span">{statusLabels[status]}</Text>
                    <Text as="span" fontWeight="semibold">
                      {overview.counts[status]}
                    </Text>
                  </InlineStack>
                ))}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
