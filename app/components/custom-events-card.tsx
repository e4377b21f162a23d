// The settings page's custom events: rows the merchant names and switches, inside the settings form (so
// the contextual save bar saves and discards them with the rest). Each row posts its name and a hidden
// on/off, since an unticked checkbox posts nothing and the server pairs names with switches by position.
import { BlockStack, Box, Button, Card, Checkbox, InlineStack, Text, TextField } from "@shopify/polaris";
import { customEventListProblems, MAX_CUSTOM_EVENT_NAME_LENGTH, MAX_CUSTOM_EVENTS, type CustomEventSetting } from "~/lib/custom-events";

export function CustomEventsCard({
  events,
  onChange,
  errors,
  listError,
}: {
  events: readonly CustomEventSetting[];
  onChange: (events: CustomEventSetting[]) => void;
  /** The server's refusal, by row. */
  errors: Record<number, string | undefined>;
  listError: string | undefined;
}) {
  // The server's rule, applied as the merchant types; a blank new row is not complained about until saved.
  const live = customEventListProblems(events.map((e) => ({ ...e, name: e.name.trim() })));
  const update = (index: number, patch: Partial<CustomEventSetting>) =>
    onChange(events.map((event, i) => (i === index ? { ...event, ...patch } : event)));
  const example = events.find((e) => e.name.trim() !== "")?.name.trim() || "BookedTrialClass";

  return (
    <Card>
      <BlockStack gap="400">
        <Text as="p">
          Name events of your own (at most {MAX_CUSTOM_EVENTS}), then fire them from your theme. Switched-on ones go to Meta from the
          browser and from our server with one shared event ID, like the standard events.
        </Text>
        {events.length === 0 ? (
          <Text as="p" tone="subdued">
            No custom events yet.
          </Text>
        ) : null}
        {events.map((event, index) => {
          // A typed name is judged live (the server's refusal of an earlier value would be stale); a blank
          // row only once the server refused it.
          const liveError = live?.entries[index];
          const error = event.name.trim() !== "" ? (liveError ? `Custom event name ${liveError}` : undefined) : errors[index];
          return (
            <div key={index} data-testid="custom-event-row">
              <InlineStack gap="300" blockAlign="start" wrap={false}>
                <Box minWidth="240px">
                  <TextField
                    label={`Custom event ${index + 1} name`}
                    labelHidden
                    name="customEventName"
                    value={event.name}
                    onChange={(name) => update(index, { name })}
                    autoComplete="off"
                    placeholder="BookedTrialClass"
                    maxLength={MAX_CUSTOM_EVENT_NAME_LENGTH + 10}
                    error={error}
                  />
                </Box>
                <input type="hidden" name="customEventEnabled" value={event.enabled ? "on" : "off"} />
                <Box paddingBlockStart="150">
                  <Checkbox
                    label={
                      <>
                        On
                        <Text as="span" visuallyHidden>
                          {` (custom event ${index + 1})`}
                        </Text>
                      </>
                    }
                    checked={event.enabled}
                    onChange={(enabled) => update(index, { enabled })}
                  />
                </Box>
                <Button variant="plain" tone="critical" onClick={() => onChange(events.filter((_, i) => i !== index))}>
                  Remove
                </Button>
              </InlineStack>
            </div>
          );
        })}
        {live?.list ? (
          <Text as="p" tone="critical">
            {listError ?? live.list}
          </Text>
        ) : null}
        <InlineStack>
          <Button onClick={() => onChange([...events, { name: "", enabled: true }])} disabled={events.length >= MAX_CUSTOM_EVENTS}>
            Add custom event
          </Button>
        </InlineStack>
        <BlockStack gap="100">
          <Text as="p" variant="bodySm" tone="subdued">
            Names: up to {MAX_CUSTOM_EVENT_NAME_LENGTH} letters, digits and underscores, starting with a letter, not one of Meta&apos;s
            standard event names. To fire one, call it from a theme script, or mark a button so a click sends it:
          </Text>
          <Box padding="200" background="bg-surface-secondary" borderRadius="200">
            <Text as="p" variant="bodySm">
              <code>{`window.metaCapi.track("${example}", {value: 20, currency: "USD"})`}</code>
            </Text>
            <Text as="p" variant="bodySm">
              <code>{`<button data-meta-event="${example}">Book</button>`}</code>
            </Text>
          </Box>
          <Text as="p" variant="bodySm" tone="subdued">
            The storefront learns the names when you save. Events switched off here are not sent, from either side.
          </Text>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
