// The settings page's work: show the settings without the token, save them (validated, verified with
// Meta when a test event code allows it, written in one statement, pushed to the storefront), and send
// a test event. The access token enters here from the form or the database and leaves only towards
// Meta: never in a return value, a log record or an error text.
import { DEFAULT_CATALOG_ID_SETTING, type CatalogIdSetting } from "~/lib/capi/catalog-ids";
import type { CustomEventSetting } from "~/lib/custom-events";
import { explainMetaError, type Tone } from "~/lib/explain-delivery";
import { err, ok, type Result } from "~/lib/result";
import type { SettingsFormErrors, SettingsInput } from "~/lib/settings-form";
import { buildTestEvent } from "~/lib/test-event";
import { openToken, sealToken, tokenHint, TokenDecryptError } from "~/lib/token-crypto.server";
import {
  findAdminSettings,
  markConnectionBroken,
  markConnectionVerified,
  recordStorefrontSync,
  saveAdminSettings,
  type AdminSettingsRecord,
  type AdminSettingsWrite,
  type ConnectionState,
  type ConsentMode,
  type MetaEventName,
} from "~/models/shop-settings.server";
import { syncStorefront, type AdminGraphql } from "~/services/storefront-sync.server";
import type { SendEventsResult } from "~/services/meta/graph-client.server";
import type { AdminDeps } from "./admin-deps.server";

// What a shop that never saved sees ticked: the whole funnel. Shops that saved before AddPaymentInfo was
// offered keep their stored list (it stays off for them until they tick it), so no one's Events Manager
// starts receiving an event they did not choose.
const DEFAULT_EVENTS: MetaEventName[] = ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase"];

export interface SettingsView {
  pixelId: string | null;
  /** The token's last characters; null when no token is stored. */
  tokenHint: string | null;
  testEventCode: string | null;
  enabledEvents: MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  sendPosOrders: boolean;
  catalogIds: CatalogIdSetting;
  customEvents: CustomEventSetting[];
  connectionState: ConnectionState;
  connectionError: string | null;
  connectionVerifiedAt: string | null;
  webPixelConnected: boolean;
  storefrontSyncedAt: string | null;
}

export function toSettingsView(settings: AdminSettingsRecord | null): SettingsView {
  return {
    pixelId: settings?.pixelId ?? null,
    tokenHint: settings?.accessTokenSealed ? settings.accessTokenHint : null,
    testEventCode: settings?.testEventCode ?? null,
    enabledEvents: settings?.enabledEvents ?? DEFAULT_EVENTS,
    consentMode: settings?.consentMode ?? "customer-privacy",
    limitedDataUse: settings?.limitedDataUse ?? false,
    sendPosOrders: settings?.sendPosOrders ?? false,
    catalogIds: settings?.catalogIds ?? DEFAULT_CATALOG_ID_SETTING,
    customEvents: settings?.customEvents ?? [],
    connectionState: settings?.connectionState ?? "disconnected",
    connectionError: settings?.connectionError ?? null,
    connectionVerifiedAt: settings?.connectionVerifiedAt?.toISOString() ?? null,
    webPixelConnected: Boolean(settings?.webPixelId),
    storefrontSyncedAt: settings?.storefrontSyncedAt?.toISOString() ?? null,
  };
}

export async function loadSettings(deps: Pick<AdminDeps, "db">, shop: string): Promise<SettingsView> {
  return toSettingsView(await findAdminSettings(deps.db, shop));
}

/** Meta's answer as the page shows it. */
export type MetaAnswerView =
  | { ok: true; eventsReceived: number; fbtraceId: string | null; messages: string[] }
  | {
      ok: false;
      title: string;
      cause: string;
      fix: string | null;
      tone: Tone;
      code: number | null;
      subcode: number | null;
      fbtraceId: string | null;
    };

function answerView(result: SendEventsResult): MetaAnswerView {
  if (result.ok) {
    return { ok: true, eventsReceived: result.eventsReceived, fbtraceId: result.fbtraceId, messages: result.messages };
  }
  const explained = explainMetaError({
    code: result.code,
    subcode: result.subcode,
    message: result.message,
    kind: result.kind,
  });
  return {
    ok: false,
    title: explained.title,
    cause: explained.cause,
    fix: explained.fix,
    tone: explained.tone,
    code: result.code,
    subcode: result.subcode,
    fbtraceId: result.fbtraceId,
  };
}

export type Verification = "verified" | "refused" | "inconclusive" | "no-test-code" | "unchanged";

/** The error is one sentence per problem, for the merchant. */
export type StorefrontOutcome = Result<{ syncedAt: string }, string[]>;

export interface SavedSettings {
  verification: Verification;
  meta: MetaAnswerView | null;
  storefront: StorefrontOutcome;
  settings: SettingsView;
}

/** Nothing was written; `meta` is Meta's refusal when that is the reason. */
export type SaveRefusal = SettingsFormErrors & { meta: MetaAnswerView | null };

export type SaveSettingsResult = Result<SavedSettings, SaveRefusal>;

export interface SaveSettingsRequest {
  shop: string;
  graphql: AdminGraphql;
  input: SettingsInput;
  userAgent: string | null;
}

export async function saveSettings(deps: AdminDeps, req: SaveSettingsRequest): Promise<SaveSettingsResult> {
  const { db, logger } = deps;
  const { shop, input } = req;
  const now = deps.now();
  const current = await findAdminSettings(db, shop);

  let token: string;
  if (input.accessToken) {
    token = input.accessToken;
  } else if (current?.accessTokenSealed) {
    try {
      token = openToken(current.accessTokenSealed, deps.decryptionKeys);
    } catch (error) {
      if (!(error instanceof TokenDecryptError)) throw error;
      return refuse({
        accessToken: "Access token: the stored token can no longer be read (the app's encryption key changed). Paste the token again.",
      });
    }
  } else {
    return refuse({ accessToken: "Access token is required: paste the Conversions API access token from Meta Events Manager." });
  }

  const pixelChanged = current?.pixelId !== input.pixelId;
  const credentialsChanged = pixelChanged || input.accessToken !== null || current?.testEventCode !== input.testEventCode;
  const needsProof = !current || current.connectionState !== "connected" || !current.connectionVerifiedAt;

  // A test event code is Meta's sanctioned way to send a harmless event: with one we can prove the
  // credentials before storing them. Without one we store them unproven rather than send a fake
  // event into the merchant's real data.
  let verification: Verification = input.testEventCode ? "unchanged" : "no-test-code";
  let meta: MetaAnswerView | null = null;
  if (input.testEventCode && (credentialsChanged || needsProof)) {
    const result = await deps.meta.sendEvents({
      pixelId: input.pixelId,
      accessToken: token,
      testEventCode: input.testEventCode,
      events: [buildTestEvent({ shop, now, userAgent: req.userAgent, limitedDataUse: input.limitedDataUse })],
    });
    meta = answerView(result);
    if (result.ok) {
      verification = "verified";
    } else if (result.kind === "transient" || result.kind === "invalid_payload") {
      // Meta was down, or it checked the credentials and then objected to the test event itself:
      // neither says the credentials are wrong, so they are saved, unproven.
      verification = "inconclusive";
    } else if (credentialsChanged) {
      // New credentials Meta refuses must not replace working ones: nothing is written.
      logger.info(
        { shop, code: result.code, subcode: result.subcode, fbtraceId: result.fbtraceId },
        "settings not saved: Meta refused the credentials",
      );
      const title = meta.ok ? "" : meta.title;
      const fieldErrors: SettingsFormErrors["fieldErrors"] = {};
      if (result.code === 100 && result.subcode === 33) fieldErrors.pixelId = title;
      else if (result.kind === "auth" || result.kind === "permission") fieldErrors.accessToken = title;
      return err({ fieldErrors, formError: "Meta refused these settings, so nothing was saved.", meta });
    } else {
      // The stored credentials still fail: save the other settings, keep the connection marked broken.
      verification = "refused";
      // Guarded by the token just tested: a token saved meanwhile by another tab is not condemned by it.
      if (current?.accessTokenSealed)
        await markConnectionBroken(db, shop, { accessTokenSealed: current.accessTokenSealed, reason: result.message });
    }
  }

  let connection: AdminSettingsWrite["connection"];
  if (verification === "verified") {
    connection = { state: "connected", error: null, verifiedAt: now };
  } else if (!current || pixelChanged || input.accessToken !== null || current.connectionState === "disconnected") {
    // New credentials: connected (which releases events held under the old ones) but not yet proven.
    connection = { state: "connected", error: null, verifiedAt: null };
  }

  const saved = await saveAdminSettings(db, shop, {
    pixelId: input.pixelId,
    testEventCode: input.testEventCode,
    enabledEvents: input.enabledEvents,
    consentMode: input.consentMode,
    limitedDataUse: input.limitedDataUse,
    sendPosOrders: input.sendPosOrders,
    catalogIds: input.catalogIds,
    customEvents: input.customEvents,
    ...(input.accessToken
      ? { token: { sealed: sealToken(input.accessToken, deps.encryptionKey), hint: tokenHint(input.accessToken) } }
      : {}),
    ...(connection ? { connection } : {}),
  });
  logger.info({ shop, changed: changedFields(current, input), verification, connectionState: saved.connectionState }, "settings saved");

  const storefront = await pushToStorefront(deps, req.graphql, saved);
  const latest = storefront.ok ? await findAdminSettings(db, shop) : saved;
  return ok({ verification, meta, storefront, settings: toSettingsView(latest) });

  function refuse(fieldErrors: SettingsFormErrors["fieldErrors"]): SaveSettingsResult {
    return err({ fieldErrors, formError: "Nothing was saved. Fix the fields marked below.", meta: null });
  }
}

async function pushToStorefront(deps: AdminDeps, graphql: AdminGraphql, saved: AdminSettingsRecord): Promise<StorefrontOutcome> {
  const { db, logger } = deps;
  let result;
  try {
    result = await syncStorefront(graphql, {
      shop: saved.shop,
      pixelId: saved.pixelId!,
      enabledEvents: saved.enabledEvents,
      customEvents: saved.customEvents.filter((event) => event.enabled).map((event) => event.name),
      consentMode: saved.consentMode,
      limitedDataUse: saved.limitedDataUse,
      catalogIds: saved.catalogIds,
      webPixelId: saved.webPixelId,
    });
  } catch (error) {
    // A thrown Response is the Shopify library asking for re-authentication: it must reach Remix.
    if (error instanceof Response) throw error;
    // Anything else: the settings are saved either way, and saving again retries the push.
    logger.warn({ shop: saved.shop, err: error instanceof Error ? error.message : String(error) }, "storefront sync threw");
    return err(["Shopify did not accept the update. Save again in a minute to retry."]);
  }
  if (!result.ok) {
    logger.warn({ shop: saved.shop, errors: result.error }, "storefront sync failed");
    return result;
  }
  const syncedAt = deps.now();
  await recordStorefrontSync(db, saved.shop, { webPixelId: result.value.webPixelId, syncedAt, primaryDomain: result.value.primaryDomain });
  return ok({ syncedAt: syncedAt.toISOString() });
}

/** Field names only: the log says what changed, never a value that could be a secret. */
function changedFields(current: AdminSettingsRecord | null, input: SettingsInput): string[] {
  if (!current) return ["created"];
  const changed: string[] = [];
  if (current.pixelId !== input.pixelId) changed.push("pixelId");
  if (input.accessToken !== null) changed.push("accessToken");
  if (current.testEventCode !== input.testEventCode) changed.push("testEventCode");
  if (current.enabledEvents.join(",") !== input.enabledEvents.join(",")) changed.push("enabledEvents");
  if (current.consentMode !== input.consentMode) changed.push("consentMode");
  if (current.limitedDataUse !== input.limitedDataUse) changed.push("limitedDataUse");
  if (current.sendPosOrders !== input.sendPosOrders) changed.push("sendPosOrders");
  if (JSON.stringify(current.catalogIds) !== JSON.stringify(input.catalogIds)) changed.push("catalogIds");
  if (JSON.stringify(current.customEvents) !== JSON.stringify(input.customEvents)) changed.push("customEvents");
  return changed;
}

export interface TestEventSent {
  testEventCode: string;
  answer: Extract<MetaAnswerView, { ok: true }>;
}

export type TestEventFailure =
  { reason: "not-set-up"; message: string } | { reason: "meta"; testEventCode: string; answer: Extract<MetaAnswerView, { ok: false }> };

export type TestEventResult = Result<TestEventSent, TestEventFailure>;

/** One PageView with the saved test event code, so it shows up in Events Manager → Test Events. */
export async function sendTestEvent(deps: AdminDeps, req: { shop: string; userAgent: string | null }): Promise<TestEventResult> {
  const { db, logger } = deps;
  const settings = await findAdminSettings(db, req.shop);
  if (!settings?.pixelId || !settings.accessTokenSealed) {
    return err({ reason: "not-set-up", message: "Save your pixel ID and access token first." });
  }
  if (!settings.testEventCode) {
    return err({
      reason: "not-set-up",
      message: "Add the test event code from Events Manager → Test Events and save, then send the test event.",
    });
  }
  let token: string;
  try {
    token = openToken(settings.accessTokenSealed, deps.decryptionKeys);
  } catch (error) {
    if (!(error instanceof TokenDecryptError)) throw error;
    return err({ reason: "not-set-up", message: "The stored access token can no longer be read. Paste it again in the form and save." });
  }
  const now = deps.now();
  const result = await deps.meta.sendEvents({
    pixelId: settings.pixelId,
    accessToken: token,
    testEventCode: settings.testEventCode,
    events: [buildTestEvent({ shop: req.shop, now, userAgent: req.userAgent, limitedDataUse: settings.limitedDataUse })],
  });
  const answer = answerView(result);
  logger.info({ shop: req.shop, ok: result.ok, fbtraceId: result.fbtraceId, code: result.ok ? null : result.code }, "test event sent");

  if (result.ok && answer.ok) {
    await markConnectionVerified(db, req.shop, { accessTokenSealed: settings.accessTokenSealed, pixelId: settings.pixelId, at: now });
    return ok({ testEventCode: settings.testEventCode, answer });
  }
  if (!result.ok && (result.kind === "auth" || result.kind === "permission" || result.kind === "config")) {
    // Same rule as the worker: every event would fail this way, so hold them until the merchant reconnects.
    await markConnectionBroken(db, req.shop, { accessTokenSealed: settings.accessTokenSealed, reason: result.message });
  }
  return err({ reason: "meta", testEventCode: settings.testEventCode, answer: answer as Extract<MetaAnswerView, { ok: false }> });
}
