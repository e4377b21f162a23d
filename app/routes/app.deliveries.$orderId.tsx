import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, isRouteErrorResponse, useActionData, useLoaderData, useNavigation, useRouteError } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Collapsible, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useEffect, useState } from "react";
import { z } from "zod";
import { bannerTone, StatusBadge } from "~/components/status-badge";
import type { TimelineEntry } from "~/lib/delivery-timeline";
import { formatDateTime } from "~/lib/format";
import { orderIdSchema } from "~/lib/validation";
import { adminDeps } from "~/services/admin-deps.server";
import { getOrderDeliveries, retryOrder, type OrderDelivery } from "~/services/deliveries.server";
import { authenticate } from "~/shopify.server";

function notFound(): Response {
  return new Response("This order has no deliveries in this store.", { status: 404, statusText: "Not Found" });
}

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const orderId = orderIdSchema.safeParse(params.orderId);
  if (!orderId.success) throw notFound();
  const view = await getOrderDeliveries(adminDeps().db, { shop: session.shop, orderId: orderId.data });
  // Another shop's order looks exactly like one that does not exist.
  if (!view) throw notFound();
  return view;
};

const retrySchema = z.object({ intent: z.literal("retry") });

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const orderId = orderIdSchema.safeParse(params.orderId);
  if (!orderId.success) throw notFound();
  const form = await request.formData().catch(() => null);
  if (!form || !retrySchema.safeParse(Object.fromEntries(form)).success) {
    return json({ ok: false as const, message: "The request was incomplete. Reload the page and try again." }, { status: 400 });
  }
  const deps = adminDeps();
  const result = await retryOrder(deps.db, { shop: session.shop, orderId: orderId.data, now: deps.now() });
  if (result.ok) return json({ ok: true as const, message: result.value.message });
  if (result.error.kind === "no-deliveries") throw notFound();
  return json({ ok: false as const, message: result.error.message }, { status: 409 });
};

export default function OrderDeliveries() {
  const order = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const shopify = useAppBridge();

  useEffect(() => {
    if (actionData?.ok) shopify.toast.show("Queued for another attempt");
  }, [actionData, shopify]);

  const title = order.orderName ? `Order ${order.orderName}` : `Order ${order.orderId}`;
  // A Polaris page header rather than App Bridge's title bar: it carries the way back and the link to
  // the order, and the admin's bar then shows the app's name instead of repeating the title.
  return (
    <Page
      backAction={{ content: "Deliveries", url: "/app/deliveries" }}
      title={title}
      subtitle={order.amount ?? undefined}
      secondaryActions={[{ content: "Open order in Shopify", url: order.adminUrl, target: "_top" }]}
    >
      <BlockStack gap="400">
        {actionData ? <Banner tone={actionData.ok ? "success" : "warning"} title={actionData.message} /> : null}
        {order.canRetry ? (
          <Card>
            <InlineStack align="space-between" blockAlign="center" gap="300">
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  Retry now
                </Text>
                <Text as="p" tone="subdued">
                  Sends the failed event again. Fix the cause first: Meta gives the same answer to the same problem.
                </Text>
              </BlockStack>
              <Form method="post">
                <input type="hidden" name="intent" value="retry" />
                <Button submit variant="primary" loading={navigation.state === "submitting"}>
                  Retry now
                </Button>
              </Form>
            </InlineStack>
          </Card>
        ) : order.retryUnavailable ? (
          <Banner tone="warning" title="Retry is not available for this order">
            <p data-testid="retry-unavailable">{order.retryUnavailable}</p>
          </Banner>
        ) : null}
        {order.deliveries.map((delivery) => (
          <DeliveryCard key={delivery.id} delivery={delivery} />
        ))}
      </BlockStack>
      <Box paddingBlockEnd="800" />
    </Page>
  );
}

function DeliveryCard({ delivery }: { delivery: OrderDelivery }) {
  const [showPayload, setShowPayload] = useState(false);
  const { explanation } = delivery;
  return (
    <Layout>
      <Layout.Section>
        <BlockStack gap="400">
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  {delivery.eventName} from our server
                </Text>
                <StatusBadge status={delivery.status} />
              </InlineStack>
              <Text as="p" variant="bodySm" tone="subdued">
                Event ID <code>{delivery.eventId}</code> · pixel {delivery.pixelId || "none"} · {delivery.attempts}{" "}
                {delivery.attempts === 1 ? "attempt" : "attempts"}
              </Text>
              <Banner tone={bannerTone(explanation.tone)} title={explanation.title}>
                <BlockStack gap="100">
                  <p>{explanation.cause}</p>
                  {explanation.fix ? (
                    <p>
                      <Text as="span" fontWeight="semibold">
                        What to do:{" "}
                      </Text>
                      {explanation.fix}
                    </p>
                  ) : null}
                  {delivery.fbtraceId ? (
                    <Text as="p" variant="bodySm" tone="subdued">
                      fbtrace_id {delivery.fbtraceId}
                      {delivery.errorCode !== null
                        ? ` · Meta error ${delivery.errorCode}${delivery.errorSubcode !== null ? `/${delivery.errorSubcode}` : ""}`
                        : ""}
                    </Text>
                  ) : null}
                </BlockStack>
              </Banner>
            </BlockStack>
          </Card>

          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Timeline
              </Text>
              <Timeline entries={delivery.timeline} />
            </BlockStack>
          </Card>

          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Payload as sent to Meta
                </Text>
                {delivery.payload ? (
                  <Button
                    variant="plain"
                    onClick={() => setShowPayload((v) => !v)}
                    ariaExpanded={showPayload}
                    ariaControls={`payload-${delivery.id}`}
                  >
                    {showPayload ? "Hide" : "Show"}
                  </Button>
                ) : null}
              </InlineStack>
              {delivery.payload ? (
                <>
                  <Text as="p" tone="subdued">
                    Customer details are SHA-256 hashed before they leave the app, as Meta requires.
                  </Text>
                  <Collapsible id={`payload-${delivery.id}`} open={showPayload}>
                    <Box background="bg-surface-secondary" padding="300" borderRadius="200" overflowX="scroll">
                      <pre style={{ margin: 0, fontSize: 12, lineHeight: 1.5 }} data-testid="payload">
                        {delivery.payload}
                      </pre>
                    </Box>
                  </Collapsible>
                </>
              ) : (
                <Text as="p" tone="subdued">
                  No payload is stored: the order could not be prepared, or its customer data was erased on request.
                </Text>
              )}
            </BlockStack>
          </Card>
        </BlockStack>
      </Layout.Section>

      <Layout.Section variant="oneThird">
        <BlockStack gap="400">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Browser {delivery.eventName}
              </Text>
              {delivery.browserSeen ? (
                <>
                  <InlineStack gap="200">
                    <Badge tone="success">Seen</Badge>
                  </InlineStack>
                  <Text as="p">
                    The shopper&apos;s browser reported it on {formatDateTime(delivery.browserSeen.seenAt)} (
                    {delivery.browserSeen.source === "web-pixel" ? "checkout web pixel" : "theme embed"}), with the same event ID, so Meta
                    counts this purchase once.
                  </Text>
                </>
              ) : (
                <>
                  <InlineStack gap="200">
                    <Badge>Not seen</Badge>
                  </InlineStack>
                  <Text as="p">
                    The browser did not report this event: an ad blocker, declined cookies, or a closed tab. The server event covers it.
                  </Text>
                </>
              )}
            </BlockStack>
          </Card>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Customer information sent
              </Text>
              {delivery.matchKeys ? (
                <>
                  <Text as="p" tone="subdued">
                    {delivery.matchKeys.filter((k) => k.present).length} of {delivery.matchKeys.length} match keys. More keys help Meta
                    match the purchase to an ad.
                  </Text>
                  <BlockStack gap="150">
                    {delivery.matchKeys.map((key) => (
                      <InlineGrid key={key.key} columns="auto 1fr" gap="200" alignItems="start">
                        <Badge tone={key.present ? "success" : undefined} size="small">
                          {key.present ? "Sent" : "Missing"}
                        </Badge>
                        <BlockStack>
                          <Text as="span">
                            {key.label}{" "}
                            <Text as="span" tone="subdued" variant="bodySm">
                              ({key.key})
                            </Text>
                          </Text>
                          {key.hint ? (
                            <Text as="span" variant="bodySm" tone="subdued">
                              {key.hint}
                            </Text>
                          ) : null}
                        </BlockStack>
                      </InlineGrid>
                    ))}
                  </BlockStack>
                </>
              ) : (
                <Text as="p" tone="subdued">
                  No customer information is stored for this event.
                </Text>
              )}
            </BlockStack>
          </Card>
        </BlockStack>
      </Layout.Section>
    </Layout>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol style={{ listStyle: "none", margin: 0, padding: 0 }} data-testid="timeline">
      {entries.map((entry, index) => (
        <li key={`${entry.label}-${index}`} style={{ display: "flex", gap: 12, paddingBottom: 12 }}>
          <span
            aria-hidden="true"
            style={{
              flex: "none",
              width: 10,
              height: 10,
              marginTop: 5,
              borderRadius: "50%",
              background:
                entry.tone === "success"
                  ? "var(--p-color-bg-fill-success)"
                  : entry.tone === "critical"
                    ? "var(--p-color-bg-fill-critical)"
                    : entry.tone === "attention" || entry.tone === "warning"
                      ? "var(--p-color-bg-fill-caution)"
                      : "var(--p-color-bg-fill-info)",
            }}
          />
          <BlockStack gap="050">
            <Text as="span" fontWeight="semibold">
              {entry.label}
            </Text>
            <Text as="span" variant="bodySm" tone="subdued">
              {entry.at ? formatDateTime(entry.at) : "time not recorded"}
            </Text>
            {entry.detail ? (
              <Text as="span" variant="bodySm" breakWord>
                {entry.detail}
              </Text>
            ) : null}
          </BlockStack>
        </li>
      ))}
    </ol>
  );
}

// A missing or foreign order gets a page that says so; Shopify's own thrown responses (re-auth,
// bounce) still go through boundary.error, which must see them to keep their headers.
export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Page backAction={{ content: "Deliveries", url: "/app/deliveries" }} title="Order not found">
        <Card>
          <BlockStack gap="200">
            <Text as="p">
              This order has no deliveries in this store. It may belong to another store, or it was paid before the app was installed.
            </Text>
            <InlineStack>
              <Button url="/app/deliveries">Back to deliveries</Button>
            </InlineStack>
          </BlockStack>
        </Card>
      </Page>
    );
  }
  return boundary.error(error);
}
