import { Banner, BlockStack, List, Text } from "@shopify/polaris";

/**
 * Another script on the storefront inits the shop's pixel too: every browser event without our event IDs
 * reaches Meta twice. Shown while the embed reported it in the last 7 days (getHomeOverview).
 */
export function DuplicatePixelBanner({ seenAt }: { seenAt: string }) {
  return (
    <Banner tone="warning" title="Your Meta pixel is installed twice on your storefront">
      <BlockStack gap="200">
        <p>
          Another script on your storefront also loads this pixel (last seen {new Date(seenAt).toUTCString()}), so Meta counts its page
          views and other browser events twice. Remove the second copy:
        </p>
        <List type="bullet">
          <List.Item>
            In the{" "}
            <Text as="span" fontWeight="semibold">
              Facebook &amp; Instagram
            </Text>{" "}
            sales channel, open Settings, then Data sharing, and turn off data sharing for this pixel (this app sends the events instead).
          </List.Item>
          <List.Item>
            In Online Store, Themes, Edit code, remove any Meta Pixel code (<code>fbq(&apos;init&apos;, …)</code>) pasted into{" "}
            <code>theme.liquid</code> or another template.
          </List.Item>
        </List>
        <p>This warning goes away 7 days after the storefront last saw the second copy.</p>
      </BlockStack>
    </Banner>
  );
}
