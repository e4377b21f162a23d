import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Checkbox,
  ChoiceList,
  FormLayout,
  InlineStack,
  Layout,
  List,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { SaveBar, TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { CustomEventsCard } from "~/components/custom-events-card";
import { bannerTone } from "~/components/status-badge";
import type { CustomEventSetting } from "~/lib/custom-events";
import { formatDateTime } from "~/lib/format";
import { parseSettingsForm, savedFormValues, settingsFormChanged, type SettingsField } from "~/lib/settings-form";
import { CATALOG_ID_OPTIONS, CONSENT_OPTIONS, EVENT_OPTIONS } from "~/lib/settings-options";
import type { CatalogIdForm, ConsentMode, MetaEventName } from "~/lib/settings-values";
import { adminDeps } from "~/services/admin-deps.server";
import {
  loadSettings,
  saveSettings,
  sendTestEvent,
  type SaveRefusal,
  type SavedSettings,
  type TestEventFailure,
  type TestEventSent,
} from "~/services/settings.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return loadSettings(adminDeps(), session.shop);
};

type ActionData =
  | ({ intent: "save"; ok: true } & SavedSettings)
  | ({ intent: "save"; ok: false } & SaveRefusal)
  | ({ intent: "test-event"; ok: true } & TestEventSent)
  | ({ intent: "test-event"; ok: false } & TestEventFailure)
  | { intent: null; ok: false; formError: string };

const intentSchema = z.enum(["save", "test-event"]);

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  const form = await request.formData().catch(() => null);
  const intent = intentSchema.safeParse(form?.get("intent"));
  if (!form || !intent.success) {
    return json<ActionData>(
      { intent: null, ok: false, formError: "The form arrived incomplete, so nothing was saved. Reload the page and try again." },
      { status: 400 },
    );
  }
  const userAgent = request.headers.get("user-agent");

  if (intent.data === "test-event") {
    const result = await sendTestEvent(adminDeps(), { shop: session.shop, userAgent });
    if (result.ok) return json<ActionData>({ intent: "test-event", ok: true, ...result.value });
    return json<ActionData>(
      { intent: "test-event", ok: false, ...result.error },
      { status: result.error.reason === "not-set-up" ? 409 : 200 },
    );
  }

  const parsed = parseSettingsForm(form);
  if (!parsed.ok) return json<ActionData>({ intent: "save", ok: false, ...parsed.error, meta: null }, { status: 422 });
  const result = await saveSettings(adminDeps(), { shop: session.shop, graphql: admin.graphql, input: parsed.value, userAgent });
  return result.ok
    ? json<ActionData>({ intent: "save", ok: true, ...result.value })
    : json<ActionData>({ intent: "save", ok: false, ...result.error }, { status: 422 });
};

const CONNECTION_BADGES = {
  connected: { tone: "success", label: "Connected" },
  broken: { tone: "critical", label: "Meta refuses the connection" },
  disconnected: { tone: undefined, label: "Not connected" },
} as const;

export default function Settings() {
  const settings = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const shopify = useAppBridge();
  const submittingIntent = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;

  const saved = savedFormValues(settings);
  const [pixelId, setPixelId] = useState(saved.pixelId);
  const [accessToken, setAccessToken] = useState("");
  const [testEventCode, setTestEventCode] = useState(saved.testEventCode);
  const [enabledEvents, setEnabledEvents] = useState<readonly MetaEventName[]>(saved.enabledEvents);
  const [consentMode, setConsentMode] = useState<ConsentMode>(saved.consentMode);
  const [limitedDataUse, setLimitedDataUse] = useState(saved.limitedDataUse);
  const [sendPosOrders, setSendPosOrders] = useState(saved.sendPosOrders);
  const [catalogIdForm, setCatalogIdForm] = useState<CatalogIdForm>(saved.catalogIdForm);
  const [catalogCountry, setCatalogCountry] = useState(saved.catalogCountry);
  const [customEvents, setCustomEvents] = useState<readonly CustomEventSetting[]>(saved.customEvents);
  const formRef = useRef<HTMLFormElement>(null);
  const resetFields = () => {
    setPixelId(saved.pixelId);
    setAccessToken("");
    setTestEventCode(saved.testEventCode);
    setEnabledEvents(saved.enabledEvents);
    setConsentMode(saved.consentMode);
    setLimitedDataUse(saved.limitedDataUse);
    setSendPosOrders(saved.sendPosOrders);
    setCatalogIdForm(saved.catalogIdForm);
    setCatalogCountry(saved.catalogCountry);
    setCustomEvents(saved.customEvents);
  };
  const changed = settingsFormChanged(saved, {
    pixelId,
    accessToken,
    testEventCode,
    enabledEvents,
    consentMode,
    limitedDataUse,
    sendPosOrders,
    catalogIdForm,
    catalogCountry,
    customEvents,
  });

  // Once a save lands, Remix reloads the settings: the fields take the stored values (normalised by the
  // server), which hides the save bar. A refused save leaves the stored values, and the merchant's edits, alone.
  const savedKey = JSON.stringify(saved);
  const [loadedKey, setLoadedKey] = useState(savedKey);
  if (savedKey !== loadedKey) {
    setLoadedKey(savedKey);
    resetFields();
  }

  const saveResult = actionData?.intent === "save" ? actionData : null;
  const testResult = actionData?.intent === "test-event" ? actionData : null;
  // Discard also clears the complaints about the values it threw away.
  const [discardedResult, setDiscardedResult] = useState<typeof saveResult>(null);
  const refusedSave = saveResult && !saveResult.ok && saveResult !== discardedResult ? saveResult : null;
  const fieldErrors: Partial<Record<SettingsField, string>> = refusedSave ? refusedSave.fieldErrors : {};
  const discard = () => {
    resetFields();
    setDiscardedResult(saveResult);
  };

  // The token field is write-only: once stored, it empties and the hint below it takes over. Done while
  // rendering the new answer (React's pattern for state that follows a prop), not in an effect after it.
  const [answeredSave, setAnsweredSave] = useState(saveResult);
  if (saveResult !== answeredSave) {
    setAnsweredSave(saveResult);
    if (saveResult?.ok) setAccessToken("");
  }

  useEffect(() => {
    if (saveResult?.ok) shopify.toast.show("Settings saved");
    if (testResult?.ok) shopify.toast.show("Meta received the test event");
  }, [saveResult, testResult, shopify]);

  const badge = CONNECTION_BADGES[settings.connectionState];

  return (
    <Page>
      <TitleBar title="Settings" />
      <BlockStack gap="500">
        {actionData?.intent === null ? <Banner tone="critical" title={actionData.formError} /> : null}
        {saveResult && (saveResult.ok || refusedSave) ? <SaveOutcome result={saveResult} /> : null}
        {settings.connectionState === "broken" && !saveResult?.ok ? (
          <Banner tone="critical" title="Meta is refusing your connection: purchases are on hold">
            <p>
              {settings.connectionError ? `Meta said: "${settings.connectionError}". ` : ""}
              Paste a new access token below and save. Held purchases are sent as soon as it works.
            </p>
          </Banner>
        ) : null}

        <SaveBar id="settings-save-bar" open={changed}>
          <button variant="primary" loading={submittingIntent === "save" ? "" : undefined} onClick={() => formRef.current?.requestSubmit()}>
            Save
          </button>
          <button disabled={submittingIntent === "save"} onClick={discard}>
            Discard
          </button>
        </SaveBar>

        <Form method="post" noValidate ref={formRef}>
          <input type="hidden" name="intent" value="save" />
          <Layout>
            <Layout.AnnotatedSection
              title="Meta connection"
              description="From Meta Events Manager: your dataset (pixel) ID, and an access token generated under Settings → Conversions API."
            >
              <Card>
                <BlockStack gap="400">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="span" fontWeight="semibold">
                      Status
                    </Text>
                    <Badge tone={badge.tone}>{badge.label}</Badge>
                    {settings.connectionVerifiedAt && settings.connectionState === "connected" ? (
                      <Text as="span" tone="subdued">
                        Meta accepted a test event on {formatDateTime(settings.connectionVerifiedAt)}
                      </Text>
                    ) : null}
                  </InlineStack>
                  <FormLayout>
                    <TextField
                      label="Pixel (dataset) ID"
                      name="pixelId"
                      value={pixelId}
                      onChange={setPixelId}
                      autoComplete="off"
                      inputMode="numeric"
                      error={fieldErrors.pixelId}
                      helpText="Digits only, e.g. 123456789012345."
                    />
                    <TextField
                      label="Conversions API access token"
                      name="accessToken"
                      type="password"
                      value={accessToken}
                      onChange={setAccessToken}
                      autoComplete="new-password"
                      error={fieldErrors.accessToken}
                      placeholder={settings.tokenHint ? `Set, ending in …${settings.tokenHint}` : "Paste the token from Events Manager"}
                      helpText={
                        settings.tokenHint
                          ? `A token is set, ending in …${settings.tokenHint}. Leave this empty to keep it, or paste a new one to replace it. It is stored encrypted and never shown again.`
                          : "Stored encrypted and never shown again."
                      }
                    />
                    <TextField
                      label="Test event code (optional)"
                      name="testEventCode"
                      value={testEventCode}
                      onChange={setTestEventCode}
                      autoComplete="off"
                      error={fieldErrors.testEventCode}
                      helpText="From Events Manager → Test Events, e.g. TEST12345. With a code, saving checks your token with Meta. While it is set, all events also show up in Test Events: remove it when you are done testing."
                    />
                  </FormLayout>
                </BlockStack>
              </Card>
            </Layout.AnnotatedSection>

            <Layout.AnnotatedSection
              title="Events"
              description="Which events go to Meta. Each event you switch on is sent twice: from the shopper's browser (the Meta Pixel) and from our server (the Conversions API), with one shared event ID, so Meta counts it once. The server copy still arrives when an ad blocker stops the pixel."
            >
              <Card>
                <BlockStack gap="200">
                  {EVENT_OPTIONS.map((option) => (
                    <Checkbox
                      key={option.name}
                      label={option.label}
                      helpText={option.help}
                      name="enabledEvents"
                      value={option.name}
                      checked={enabledEvents.includes(option.name)}
                      onChange={(checked) =>
                        setEnabledEvents((current) =>
                          checked ? [...current, option.name] : current.filter((name) => name !== option.name),
                        )
                      }
                    />
                  ))}
                  {fieldErrors.enabledEvents ? (
                    <Text as="p" tone="critical">
                      {fieldErrors.enabledEvents}
                    </Text>
                  ) : null}
                </BlockStack>
              </Card>
            </Layout.AnnotatedSection>

            <Layout.AnnotatedSection
              title="Custom events"
              description="Events of your own, such as a booked class or a newsletter signup, sent from your theme like the standard ones."
            >
              <CustomEventsCard
                events={customEvents}
                onChange={setCustomEvents}
                errors={Object.fromEntries(customEvents.map((_, i) => [i, fieldErrors[`customEvents.${i}`]]))}
                listError={fieldErrors.customEvents}
              />
            </Layout.AnnotatedSection>

            <Layout.AnnotatedSection
              title="Catalog"
              description="Catalog ads (dynamic ads) show the products a shopper viewed or added to the cart only when the events name them with your Meta catalog's own item IDs."
            >
              <Card>
                <BlockStack gap="400">
                  <Select
                    label="Product IDs in events"
                    name="catalogIdForm"
                    options={CATALOG_ID_OPTIONS.map((o) => ({ label: o.label, value: o.value }))}
                    value={catalogIdForm}
                    onChange={(value) => setCatalogIdForm(value as CatalogIdForm)}
                    helpText={`Match your Meta catalog: open it in Commerce Manager and compare an item's content ID with your Shopify product and variant IDs. If Meta's Facebook & Instagram app on Shopify made the catalog, choose Shopify channel IDs. ${
                      CATALOG_ID_OPTIONS.find((o) => o.value === catalogIdForm)?.help ?? ""
                    }`}
                    error={fieldErrors.catalogIdForm}
                  />
                  {catalogIdForm === "shopify_catalog" ? (
                    <TextField
                      label="Catalog country"
                      name="catalogCountry"
                      value={catalogCountry}
                      onChange={setCatalogCountry}
                      autoComplete="off"
                      maxLength={2}
                      helpText="The two letters after shopify_ in your catalog's content IDs, usually your store's country (US in shopify_US_123_456)."
                      error={fieldErrors.catalogCountry}
                    />
                  ) : (
                    <input type="hidden" name="catalogCountry" value={catalogCountry} />
                  )}
                </BlockStack>
              </Card>
            </Layout.AnnotatedSection>

            <Layout.AnnotatedSection
              title="Privacy"
              description="How the storefront pixel treats consent, and Meta's Limited Data Use flag."
            >
              <Card>
                <BlockStack gap="400">
                  <ChoiceList
                    title="Consent"
                    name="consentMode"
                    choices={CONSENT_OPTIONS.map((o) => ({ label: o.label, value: o.value, helpText: o.help }))}
                    selected={[consentMode]}
                    onChange={(selected) => setConsentMode(selected[0] as ConsentMode)}
                    error={fieldErrors.consentMode}
                  />
                  <Checkbox
                    label="Limited Data Use (US state privacy laws)"
                    helpText="Asks Meta to process events under Limited Data Use, for shoppers in US states with such laws."
                    name="limitedDataUse"
                    value="on"
                    checked={limitedDataUse}
                    onChange={setLimitedDataUse}
                    error={fieldErrors.limitedDataUse}
                  />
                  <Checkbox
                    label="Send point-of-sale orders"
                    helpText="Sends in-store (POS) sales to Meta as physical store purchases. Off: they are not sent."
                    name="sendPosOrders"
                    value="on"
                    checked={sendPosOrders}
                    onChange={setSendPosOrders}
                    error={fieldErrors.sendPosOrders}
                  />
                </BlockStack>
              </Card>
            </Layout.AnnotatedSection>
          </Layout>
        </Form>

        <Layout>
          <Layout.AnnotatedSection
            title="Send a test event"
            description="Sends one PageView with your saved test event code. Open Events Manager → Test Events to watch it arrive."
          >
            <Card>
              <Form method="post">
                <input type="hidden" name="intent" value="test-event" />
                <BlockStack gap="300">
                  <Text as="p">
                    {settings.testEventCode
                      ? `Uses the saved test event code ${settings.testEventCode}.`
                      : "Add a test event code above and save first."}
                  </Text>
                  <InlineStack>
                    <Button submit disabled={!settings.testEventCode || !settings.tokenHint} loading={submittingIntent === "test-event"}>
                      Send a test event
                    </Button>
                  </InlineStack>
                  {testResult ? <TestEventOutcome result={testResult} /> : null}
                </BlockStack>
              </Form>
            </Card>
          </Layout.AnnotatedSection>
        </Layout>
        <Box paddingBlockEnd="800" />
      </BlockStack>
    </Page>
  );
}

type SaveData = Extract<ActionData, { intent: "save" }>;
type TestData = Extract<ActionData, { intent: "test-event" }>;

function MetaDetails({ code, subcode, fbtraceId }: { code: number | null; subcode: number | null; fbtraceId: string | null }) {
  const parts = [
    code !== null ? `Meta error ${code}${subcode !== null ? `/${subcode}` : ""}` : null,
    fbtraceId ? `fbtrace_id ${fbtraceId}` : null,
  ].filter(Boolean);
  return parts.length ? (
    <Text as="p" variant="bodySm" tone="subdued">
      {parts.join(" · ")}
    </Text>
  ) : null;
}

function SaveOutcome({ result }: { result: SaveData }) {
  if (!result.ok) {
    return (
      <Banner tone="critical" title={result.formError}>
        {result.meta && !result.meta.ok ? (
          <BlockStack gap="100">
            <Text as="p" fontWeight="semibold">
              {result.meta.title}
            </Text>
            <p>{result.meta.cause}</p>
            {result.meta.fix ? <p>{result.meta.fix}</p> : null}
            <MetaDetails code={result.meta.code} subcode={result.meta.subcode} fbtraceId={result.meta.fbtraceId} />
          </BlockStack>
        ) : null}
      </Banner>
    );
  }
  const meta = result.meta;
  return (
    <BlockStack gap="300">
      <Banner tone={result.verification === "refused" ? "critical" : "success"} title="Settings saved">
        <List>
          {result.verification === "verified" && meta?.ok ? (
            <List.Item>
              Meta accepted a test event with these settings (events received: {meta.eventsReceived}
              {meta.fbtraceId ? `, fbtrace_id ${meta.fbtraceId}` : ""}).
            </List.Item>
          ) : null}
          {result.verification === "no-test-code" ? (
            <List.Item>Not checked with Meta yet: add a test event code to check your token when you save.</List.Item>
          ) : null}
          {result.verification === "inconclusive" && meta && !meta.ok ? (
            <List.Item>
              Meta could not confirm the token right now ({meta.title.toLowerCase()}). It is checked again with the next event.
            </List.Item>
          ) : null}
          {result.verification === "refused" && meta && !meta.ok ? (
            <List.Item>
              Your other settings are saved, but {meta.title.charAt(0).toLowerCase() + meta.title.slice(1)}. {meta.fix}
            </List.Item>
          ) : null}
          {result.storefront.ok ? <List.Item>Your storefront (theme embed and checkout pixel) was updated.</List.Item> : null}
        </List>
      </Banner>
      {!result.storefront.ok ? (
        <Banner tone="warning" title="Your storefront was not updated">
          <BlockStack gap="100">
            {result.storefront.error.map((error) => (
              <p key={error}>{error}</p>
            ))}
            <p>
              Your settings are saved. Until the storefront is updated, the pixel may run with the previous settings. Save again to retry.
            </p>
          </BlockStack>
        </Banner>
      ) : null}
    </BlockStack>
  );
}

function TestEventOutcome({ result }: { result: TestData }) {
  if (result.ok) {
    return (
      <Banner
        tone="success"
        title={`Meta received ${result.answer.eventsReceived === 1 ? "the test event" : `${result.answer.eventsReceived} events`}`}
      >
        <BlockStack gap="100">
          <p>
            events_received: {result.answer.eventsReceived}
            {result.answer.fbtraceId ? ` · fbtrace_id: ${result.answer.fbtraceId}` : ""}
          </p>
          <p>In Events Manager → Test Events (code {result.testEventCode}) it appears as a PageView within a minute.</p>
        </BlockStack>
      </Banner>
    );
  }
  if (result.reason === "not-set-up") return <Banner tone="warning" title={result.message} />;
  return (
    <Banner tone={bannerTone(result.answer.tone)} title={result.answer.title}>
      <BlockStack gap="100">
        <p>{result.answer.cause}</p>
        {result.answer.fix ? <p>{result.answer.fix}</p> : null}
        <MetaDetails code={result.answer.code} subcode={result.answer.subcode} fbtraceId={result.answer.fbtraceId} />
      </BlockStack>
    </Banner>
  );
}
