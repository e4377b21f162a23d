import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Link,
  Page,
  Select,
  Tabs,
  Text,
  TextField,
} from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { useState } from "react";
import { StatusBadge } from "~/components/status-badge";
import { deliveriesSearch, PAGE_SIZES } from "~/lib/deliveries-query";
import { DISPLAY_STATUSES, STATUS_LABELS } from "~/lib/explain-delivery";
import { formatDateTime } from "~/lib/format";
import { adminDeps } from "~/services/admin-deps.server";
import { listDeliveriesView } from "~/services/deliveries.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return listDeliveriesView(adminDeps().db, { shop: session.shop, search: new URL(request.url).searchParams });
};

const TABS = [{ id: "all", content: "All" }, ...DISPLAY_STATUSES.map((status) => ({ id: status, content: STATUS_LABELS[status] }))];

export default function Deliveries() {
  const view = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const { query } = view;
  const [from, setFrom] = useState(query.from ?? "");
  const [to, setTo] = useState(query.to ?? "");
  const [size, setSize] = useState(String(query.pageSize));
  const selectedTab = Math.max(
    0,
    TABS.findIndex((tab) => tab.id === (query.status ?? "all")),
  );
  const outOfRange = query.page > view.pageCount;
  const base = "/app/deliveries";

  const tabs = TABS.map((tab) => ({
    ...tab,
    url: `${base}${deliveriesSearch({ ...query, status: tab.id === "all" ? null : (tab.id as (typeof DISPLAY_STATUSES)[number]), page: 1 })}`,
  }));

  const rows = view.rows.map((row, index) => (
    <IndexTable.Row id={String(row.id)} key={row.id} position={index}>
      <IndexTable.Cell>
        {row.orderId ? (
          <Link url={`${base}/${row.orderId}`} removeUnderline dataPrimaryLink>
            <Text as="span" fontWeight="semibold">
              {row.orderName ?? `Order ${row.orderId}`}
            </Text>
          </Link>
        ) : (
          <Text as="span">{row.eventName}</Text>
        )}
      </IndexTable.Cell>
      <IndexTable.Cell>{formatDateTime(row.createdAt)}</IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="p" alignment="end" numeric>
          {row.amount ?? "–"}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" variant="bodySm" tone="subdued">
          <code>{row.eventId}</code>
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <StatusBadge status={row.status} />
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="p" alignment="end" numeric>
          {row.attempts}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" tone={row.answerTone === "critical" ? "critical" : undefined} breakWord>
          {row.answer}
        </Text>
      </IndexTable.Cell>
    </IndexTable.Row>
  ));

  return (
    <Page fullWidth>
      <TitleBar title="Deliveries" />
      <BlockStack gap="400">
        <Text as="p" tone="subdued">
          Every paid order, newest first: what was sent to Meta from our server and what Meta answered. Select an order for the details.
        </Text>
        {view.problems.length > 0 ? (
          <Banner
            tone="warning"
            title="Some of the filters could not be used"
            action={
              outOfRange
                ? { content: `Go to page ${view.pageCount}`, url: `${base}${deliveriesSearch({ ...query, page: view.pageCount })}` }
                : undefined
            }
          >
            <BlockStack gap="100">
              {view.problems.map((problem) => (
                <p key={problem}>{problem}</p>
              ))}
            </BlockStack>
          </Banner>
        ) : null}
        <Card padding="0">
          <Tabs tabs={tabs} selected={selectedTab} />
          <div style={{ padding: "var(--p-space-300) var(--p-space-400)" }}>
            <Form method="get" action={base}>
              {query.status ? <input type="hidden" name="status" value={query.status} /> : null}
              <InlineStack gap="300" blockAlign="end">
                <TextField label="Received from (UTC)" type="date" name="from" value={from} onChange={setFrom} autoComplete="off" />
                <TextField label="Received until (UTC)" type="date" name="to" value={to} onChange={setTo} autoComplete="off" />
                <Select
                  label="Rows per page"
                  name="size"
                  options={PAGE_SIZES.map((n) => ({ label: String(n), value: String(n) }))}
                  value={size}
                  onChange={setSize}
                />
                <Button submit loading={navigation.state === "loading" && navigation.location?.pathname === base}>
                  Apply
                </Button>
                {query.from || query.to ? (
                  <Button variant="plain" url={`${base}${deliveriesSearch({ status: query.status, pageSize: query.pageSize })}`}>
                    Clear dates
                  </Button>
                ) : null}
              </InlineStack>
            </Form>
          </div>
          <IndexTable
            resourceName={{ singular: "delivery", plural: "deliveries" }}
            itemCount={view.rows.length}
            selectable={false}
            headings={[
              { title: "Order" },
              { title: "Received" },
              { title: "Amount", alignment: "end" },
              { title: "Event ID" },
              { title: "Status" },
              { title: "Attempts", alignment: "end" },
              { title: "Meta's last answer" },
            ]}
            emptyState={
              <EmptyState heading={outOfRange ? "No rows on this page" : "No deliveries match"} image="">
                <p>
                  {view.total === 0 && !query.status && !query.from && !query.to
                    ? "Paid orders appear here within a minute of payment."
                    : "Try another status or date range."}
                </p>
              </EmptyState>
            }
            pagination={{
              hasPrevious: query.page > 1 && !outOfRange,
              hasNext: query.page < view.pageCount,
              previousURL: `${base}${deliveriesSearch({ ...query, page: query.page - 1 })}`,
              nextURL: `${base}${deliveriesSearch({ ...query, page: query.page + 1 })}`,
              label: `Page ${Math.min(query.page, view.pageCount)} of ${view.pageCount} · ${view.total} ${view.total === 1 ? "delivery" : "deliveries"}`,
            }}
          >
            {rows}
          </IndexTable>
        </Card>
      </BlockStack>
    </Page>
  );
}
