// Meta's verdict on the shop's dataset (the Dataset Quality API), cached per shop: Meta is asked at most once an
// hour (across processes, through a claim on the snapshot row), a merchant's Refresh at most once a minute, and
// concurrent page loads in one process share one call. Whatever Meta does, the caller gets a view, never a throw
// for Meta's sake: slow, down or malformed is "unavailable", a token without access is "forbidden".
import { createHash } from "node:crypto";
import type { Db } from "~/db.server";
import { weakPoints, type QualityReport, type WeakPoint } from "~/lib/dataset-quality";
import { parseWith, err, ok, type Result } from "~/lib/result";
import { openToken, TokenDecryptError } from "~/lib/token-crypto.server";
import type { Logger } from "~/logger.server";
import { claimQualityCheck, findQualitySnapshot, saveQualityOutcome, type QualitySnapshotRecord } from "~/models/dataset-quality.server";
import { findShopSettings, type ShopSettingsRecord } from "~/models/shop-settings.server";
import type { GraphClient } from "./meta/graph-client.server";
import { z } from "zod";

export const QUALITY_TTL_MS = 60 * 60 * 1000;
export const REFRESH_MIN_INTERVAL_MS = 60 * 1000;
/** The home page must not wait on Meta: past this the cached value (or "not available") is shown. */
export const PAGE_TIMEOUT_MS = 3000;

export interface QualityDeps {
  db: Db;
  meta: Pick<GraphClient, "getDatasetQuality">;
  decryptionKeys: Buffer[];
  now: () => Date;
  logger?: Pick<Logger, "warn">;
}

export type QualityViewStatus = "not-connected" | "ok" | "forbidden" | "unavailable";

export interface QualityView {
  status: QualityViewStatus;
  /** The last report Meta gave; may be older than the last call when that call failed. */
  report: QualityReport | null;
  weakPoints: WeakPoint[];
  fetchedAt: string | null;
  checkedAt: string | null;
}

const NOT_CONNECTED: QualityView = { status: "not-connected", report: null, weakPoints: [], fetchedAt: null, checkedAt: null };

// Per process: a page load arriving while a call for the same shop is out waits for that call.
const inFlight = new Map<string, Promise<QualityView>>();

/** What the home page and the CLI show: the cached verdict, asking Meta only when the hour is up. */
export async function getDatasetQuality(deps: QualityDeps, req: { shop: string; timeoutMs?: number }): Promise<QualityView> {
  const [settings, snapshot] = await Promise.all([findShopSettings(deps.db, req.shop), findQualitySnapshot(deps.db, { shop: req.shop })]);
  const credentials = credentialsOf(settings);
  if (!credentials) return NOT_CONNECTED;
  const now = deps.now();
  if (snapshot && snapshot.credentialKey === credentials.key && now.getTime() - snapshot.checkedAt.getTime() < QUALITY_TTL_MS) {
    return toView(snapshot);
  }
  return askMeta(deps, { shop: req.shop, credentials, notSince: new Date(now.getTime() - QUALITY_TTL_MS), timeoutMs: req.timeoutMs });
}

export interface RefreshRefused {
  kind: "too-soon";
  retryAt: string;
}

/** The merchant's Refresh: asks Meta now unless it was asked within the last minute with the same credentials. */
export async function refreshDatasetQuality(
  deps: QualityDeps,
  req: { shop: string; timeoutMs?: number },
): Promise<Result<QualityView, RefreshRefused>> {
  const [settings, snapshot] = await Promise.all([findShopSettings(deps.db, req.shop), findQualitySnapshot(deps.db, { shop: req.shop })]);
  const credentials = credentialsOf(settings);
  if (!credentials) return ok(NOT_CONNECTED);
  const now = deps.now();
  if (snapshot && snapshot.credentialKey === credentials.key && now.getTime() - snapshot.checkedAt.getTime() < REFRESH_MIN_INTERVAL_MS) {
    return err({ kind: "too-soon", retryAt: new Date(snapshot.checkedAt.getTime() + REFRESH_MIN_INTERVAL_MS).toISOString() });
  }
  const notSince = new Date(now.getTime() - REFRESH_MIN_INTERVAL_MS);
  return ok(await askMeta(deps, { shop: req.shop, credentials, notSince, timeoutMs: req.timeoutMs }));
}

interface Credentials {
  pixelId: string;
  sealed: string;
  /** Not the token: a hash of the pixel and the sealed token, enough to notice that either changed. */
  key: string;
}

function credentialsOf(settings: ShopSettingsRecord | null): Credentials | null {
  if (!settings?.pixelId || !settings.accessTokenSealed) return null;
  const key = createHash("sha256").update(`${settings.pixelId}:${settings.accessTokenSealed}`).digest("hex").slice(0, 32);
  return { pixelId: settings.pixelId, sealed: settings.accessTokenSealed, key };
}

interface AskRequest {
  shop: string;
  credentials: Credentials;
  notSince: Date;
  timeoutMs?: number;
}

function askMeta(deps: QualityDeps, req: AskRequest): Promise<QualityView> {
  const pending = inFlight.get(req.shop);
  if (pending) return pending;
  const call = callMeta(deps, req).finally(() => inFlight.delete(req.shop));
  inFlight.set(req.shop, call);
  return call;
}

async function callMeta(deps: QualityDeps, req: AskRequest): Promise<QualityView> {
  let token: string;
  try {
    token = openToken(req.credentials.sealed, deps.decryptionKeys);
  } catch (error) {
    if (!(error instanceof TokenDecryptError)) throw error;
    return { ...(await currentView(deps, req)), status: "unavailable" };
  }

  const now = deps.now();
  const claimed = await claimQualityCheck(deps.db, { shop: req.shop, now, notSince: req.notSince, credentialKey: req.credentials.key });
  // Not claimed: another process asked Meta within the window; show what it stored (or is about to store).
  if (!claimed) return currentView(deps, req);

  const answer = await deps.meta.getDatasetQuality({ datasetId: req.credentials.pixelId, accessToken: token, timeoutMs: req.timeoutMs });
  if (answer.ok) {
    await saveQualityOutcome(deps.db, { shop: req.shop, status: "ok", payload: JSON.stringify(answer.value), fetchedAt: now });
  } else {
    deps.logger?.warn(
      { shop: req.shop, kind: answer.error.kind, code: answer.error.code, reason: answer.error.message },
      "Dataset Quality API gave no report",
    );
    await saveQualityOutcome(deps.db, { shop: req.shop, status: answer.error.kind });
  }
  return currentView(deps, req);
}

async function currentView(deps: QualityDeps, req: AskRequest): Promise<QualityView> {
  const snapshot = await findQualitySnapshot(deps.db, { shop: req.shop });
  // A report read with other credentials may be another pixel's.
  if (!snapshot || snapshot.credentialKey !== req.credentials.key) return { ...NOT_CONNECTED, status: "unavailable" };
  return toView(snapshot);
}

// The stored report is our own JSON, but it is re-checked: a row written by an older version must not break the page.
const storedReport = z.object({
  events: z.array(
    z.object({
      eventName: z.string(),
      emq: z.number().nullable(),
      matchKeys: z.record(z.number().nullable()),
      coverage: z.number().nullable(),
      coverageGoal: z.number().nullable(),
      dedupRate: z.number().nullable(),
      freshness: z.string().nullable(),
      acr: z.number().nullable(),
    }),
  ),
});

function toView(snapshot: QualitySnapshotRecord): QualityView {
  const parsed = snapshot.payload === null ? null : parseWith(storedReport, snapshot.payload);
  const report = parsed?.ok ? parsed.value : null;
  const status: QualityViewStatus = snapshot.status === "ok" || snapshot.status === "forbidden" ? snapshot.status : "unavailable";
  return {
    status: status === "ok" && report === null ? "unavailable" : status,
    report,
    weakPoints: report ? weakPoints(report) : [],
    fetchedAt: report ? (snapshot.fetchedAt?.toISOString() ?? null) : null,
    checkedAt: snapshot.checkedAt.toISOString(),
  };
}
