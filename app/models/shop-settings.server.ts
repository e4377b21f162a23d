import { rawQuery, type Db } from "~/db.server";
import { catalogIdSetting, type CatalogIdSetting } from "~/lib/capi/catalog-ids";
import { customEventListError, parseCustomEvents, type CustomEventSetting } from "~/lib/custom-events";
import { META_EVENTS, type ConsentMode, type MetaEventName } from "~/lib/settings-values";
import { Coalescer, Params } from "~/models/group-commit.server";

export { CONSENT_MODES, META_EVENTS, type ConsentMode, type MetaEventName } from "~/lib/settings-values";
export type ConnectionState = "connected" | "broken" | "disconnected";

export interface ShopSettingsRecord {
  shop: string;
  pixelId: string | null;
  accessTokenSealed: string | null;
  accessTokenHint: string | null;
  testEventCode: string | null;
  enabledEvents: MetaEventName[];
  connectionState: ConnectionState;
  connectionError: string | null;
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  webPixelId: string | null;
  storefrontSyncedAt: Date | null;
  /** The merchant's custom events (the proxy accepts the enabled ones). */
  customEvents: CustomEventSetting[];
  /** Point-of-sale orders go to Meta as in-store purchases (physical_store); off by default. */
  sendPosOrders: boolean;
  /** The shop's primary domain as an origin ("https://shop.example.com"), or null until read from Shopify. */
  primaryDomain: string | null;
  /** The form of the Meta catalog's item IDs that content_ids follow (catalog-ids.ts). */
  catalogIds: CatalogIdSetting;
}

function toRecord(row: {
  shop: string;
  pixelId: string | null;
  accessTokenSealed: string | null;
  accessTokenHint: string | null;
  testEventCode: string | null;
  enabledEvents: string;
  connectionState: string;
  connectionError: string | null;
  consentMode: string;
  limitedDataUse: boolean;
  webPixelId: string | null;
  storefrontSyncedAt: Date | null;
  customEvents: string | null;
  sendPosOrders: boolean;
  primaryDomain: string | null;
  catalogIdForm: string;
  catalogCountry: string | null;
}): ShopSettingsRecord {
  return {
    shop: row.shop,
    pixelId: row.pixelId,
    accessTokenSealed: row.accessTokenSealed,
    accessTokenHint: row.accessTokenHint,
    testEventCode: row.testEventCode,
    connectionError: row.connectionError,
    limitedDataUse: row.limitedDataUse,
    webPixelId: row.webPixelId,
    storefrontSyncedAt: row.storefrontSyncedAt,
    customEvents: parseCustomEvents(row.customEvents),
    sendPosOrders: row.sendPosOrders,
    primaryDomain: row.primaryDomain,
    catalogIds: catalogIdSetting(row.catalogIdForm, row.catalogCountry),
    consentMode: row.consentMode === "strict" ? "strict" : "customer-privacy",
    enabledEvents: row.enabledEvents.split(",").filter((name): name is MetaEventName => (META_EVENTS as readonly string[]).includes(name)),
    connectionState: (["connected", "broken"].includes(row.connectionState) ? row.connectionState : "disconnected") as ConnectionState,
  };
}

export async function findShopSettings(db: Db, shop: string): Promise<ShopSettingsRecord | null> {
  const row = await db.shopSettings.findUnique({ where: { shop } });
  return row ? toRecord(row) : null;
}

/**
 * findShopSettings for the webhook path: reads asked for while one is running share the next query (one
 * `shop IN (...)` for all of them). Not a cache: every read starts after its caller asked, so a setting
 * saved by any process (the admin, the CLI, another instance) applies to the very next webhook.
 */
export function findShopSettingsForIngest(db: Db, shop: string): Promise<ShopSettingsRecord | null> {
  return settingsReads(db).submit(shop);
}

/**
 * findShopSettingsForIngest for the app proxy, which stores nothing for a shop that is not installed: the
 * settings of a shop that holds an offline session (app/uninstalled deletes them), else null. One statement
 * for both, batched as findShopSettingsForIngest's reads are: the proxy read them apart, two statements per
 * batch beside its insert, and the database's share of a request was most of what the proxy cost it.
 */
export function findInstalledShopSettings(db: Db, shop: string): Promise<ShopSettingsRecord | null> {
  return installedSettingsReads(db).submit(shop);
}

// Bound values per statement: the list grows with the requests waiting, so it is capped.
const SETTINGS_READ_BATCH = 200;

const settingsReads = Coalescer.perClient(
  (db) =>
    new Coalescer<string, ShopSettingsRecord | null>((shops) => readSettings(db, shops, { installedOnly: false }), SETTINGS_READ_BATCH),
);
const installedSettingsReads = Coalescer.perClient(
  (db) =>
    new Coalescer<string, ShopSettingsRecord | null>((shops) => readSettings(db, shops, { installedOnly: true }), SETTINGS_READ_BATCH),
);

async function readSettings(db: Db, shops: string[], opts: { installedOnly: boolean }): Promise<(ShopSettingsRecord | null)[]> {
  const params = new Params(db);
  const list = [...new Set(shops)].map((shop) => params.add(shop)).join(", ");
  // An online session (a merchant's admin login) alone is not an install.
  const installed = opts.installedOnly
    ? ` AND EXISTS (SELECT 1 FROM "Session" AS se WHERE se."shop" = s."shop" AND se."isOnline" = ${params.add(false)})`
    : "";
  // Through the driver (db.server.ts's rawQuery): the columns toRecord reads, in the driver's types.
  const rows = await rawQuery<RawSettingsRow>(
    db,
    `SELECT ${RAW_SETTINGS_COLUMNS.map((c) => `s."${c}"`).join(", ")} FROM "ShopSettings" AS s WHERE s."shop" IN (${list})${installed}`,
    params.values,
  );
  const byShop = new Map(rows.map((row) => [row.shop, toRecord(fromRawRow(row))]));
  return shops.map((shop) => byShop.get(shop) ?? null);
}

// Every column toRecord reads, checked by the compiler: a column added to the settings and not listed here
// would otherwise read as undefined on the webhook path only.
const RAW_SETTINGS_COLUMN_SET = {
  shop: true,
  pixelId: true,
  accessTokenSealed: true,
  accessTokenHint: true,
  testEventCode: true,
  enabledEvents: true,
  connectionState: true,
  connectionError: true,
  consentMode: true,
  limitedDataUse: true,
  webPixelId: true,
  storefrontSyncedAt: true,
  customEvents: true,
  sendPosOrders: true,
  primaryDomain: true,
  catalogIdForm: true,
  catalogCountry: true,
} satisfies Record<keyof Parameters<typeof toRecord>[0], true>;
const RAW_SETTINGS_COLUMNS = Object.keys(RAW_SETTINGS_COLUMN_SET);

type RawSettingsRow = Omit<Parameters<typeof toRecord>[0], "limitedDataUse" | "sendPosOrders" | "storefrontSyncedAt"> & {
  // SQLite: 0/1 (BigInt or number), timestamps as ISO text; PostgreSQL: booleans and Dates.
  limitedDataUse: unknown;
  sendPosOrders: unknown;
  storefrontSyncedAt: unknown;
};

function fromRawRow(row: RawSettingsRow): Parameters<typeof toRecord>[0] {
  const at = row.storefrontSyncedAt;
  return {
    ...row,
    limitedDataUse: driverBoolean(row.limitedDataUse),
    sendPosOrders: driverBoolean(row.sendPosOrders),
    storefrontSyncedAt: at === null || at === undefined ? null : at instanceof Date ? at : new Date(String(at)),
  };
}

function driverBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1";
}

export async function saveConnection(
  db: Db,
  shop: string,
  input: { pixelId: string; accessTokenSealed: string; accessTokenHint: string; testEventCode: string | null },
): Promise<ShopSettingsRecord> {
  const data = { ...input, connectionState: "connected", connectionError: null };
  const row = await db.shopSettings.upsert({ where: { shop }, create: { shop, ...data }, update: data });
  return toRecord(row);
}

/**
 * Meta refused the shop's credentials: hold its events until the merchant reconnects. Guarded by the
 * sealed token that was refused, as markConnectionVerified is by the one that worked: an answer to a
 * request made with a token the merchant has since replaced says nothing about the new one. Not guarded
 * by pixel: a refused token is refused for every pixel. Returns whether the refused token is still the
 * stored one (the connection is now marked broken).
 */
export async function markConnectionBroken(db: Db, shop: string, input: { accessTokenSealed: string; reason: string }): Promise<boolean> {
  const { count } = await db.shopSettings.updateMany({
    // Already broken by the same token: rewritten with the latest reason. Disconnected stays disconnected.
    where: { shop, connectionState: { in: ["connected", "broken"] }, accessTokenSealed: input.accessTokenSealed },
    data: { connectionState: "broken", connectionError: input.reason },
  });
  return count > 0;
}

// ---- The embedded admin's reads and writes -------------------------------------------------------------

export interface AdminSettingsRecord extends ShopSettingsRecord {
  connectionVerifiedAt: Date | null;
  updatedAt: Date;
}

export async function findAdminSettings(db: Db, shop: string): Promise<AdminSettingsRecord | null> {
  const row = await db.shopSettings.findUnique({ where: { shop } });
  return row ? { ...toRecord(row), connectionVerifiedAt: row.connectionVerifiedAt, updatedAt: row.updatedAt } : null;
}

export interface AdminSettingsWrite {
  pixelId: string;
  testEventCode: string | null;
  enabledEvents: MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  sendPosOrders: boolean;
  catalogIds: CatalogIdSetting;
  /** Already checked (customEventListProblems); stored as the proxy and the loader read it back. */
  customEvents: CustomEventSetting[];
  /** Omitted: keep the stored token. */
  token?: { sealed: string; hint: string };
  /** Omitted: keep the connection state as it is. */
  connection?: { state: ConnectionState; error: string | null; verifiedAt: Date | null };
}

/** Everything the settings form holds, in one statement, so a save is never half-applied. */
export async function saveAdminSettings(db: Db, shop: string, input: AdminSettingsWrite): Promise<AdminSettingsRecord> {
  const data = {
    pixelId: input.pixelId,
    testEventCode: input.testEventCode,
    enabledEvents: input.enabledEvents.join(","),
    consentMode: input.consentMode,
    limitedDataUse: input.limitedDataUse,
    sendPosOrders: input.sendPosOrders,
    catalogIdForm: input.catalogIds.form,
    catalogCountry: input.catalogIds.country,
    customEvents: storedCustomEvents(input.customEvents),
    ...(input.token ? { accessTokenSealed: input.token.sealed, accessTokenHint: input.token.hint } : {}),
    ...(input.connection
      ? {
          connectionState: input.connection.state,
          connectionError: input.connection.error,
          connectionVerifiedAt: input.connection.verifiedAt,
        }
      : {}),
  };
  const row = await db.shopSettings.upsert({ where: { shop }, create: { shop, ...data }, update: data });
  return { ...toRecord(row), connectionVerifiedAt: row.connectionVerifiedAt, updatedAt: row.updatedAt };
}

/** `primaryDomain` null: Shopify did not say, the cached one stays. */
export async function recordStorefrontSync(
  db: Db,
  shop: string,
  input: { webPixelId: string; syncedAt: Date; primaryDomain?: string | null },
): Promise<void> {
  await db.shopSettings.updateMany({
    where: { shop },
    data: {
      webPixelId: input.webPixelId,
      storefrontSyncedAt: input.syncedAt,
      ...(input.primaryDomain ? { primaryDomain: input.primaryDomain } : {}),
    },
  });
}

/**
 * Caches the shop's primary domain (read from the Admin API on save and on shop/update). Written only when it
 * changed, so a shop/update about something else costs one read-free conditional update. False when the shop
 * has no settings row or the value was already stored.
 */
export async function savePrimaryDomain(db: Db, shop: string, primaryDomain: string | null): Promise<boolean> {
  const { count } = await db.shopSettings.updateMany({
    where:
      primaryDomain === null
        ? { shop, primaryDomain: { not: null } }
        : { shop, OR: [{ primaryDomain: null }, { primaryDomain: { not: primaryDomain } }] },
    data: { primaryDomain },
  });
  return count > 0;
}

/**
 * Meta accepted an event sent with the stored credentials: the connection works, so it is marked
 * connected (which releases held events). Guarded by the sealed token that was used, so a token
 * replaced meanwhile is not vouched for by a test of the old one.
 */
export async function markConnectionVerified(
  db: Db,
  shop: string,
  input: { accessTokenSealed: string; pixelId: string; at: Date },
): Promise<boolean> {
  const { count } = await db.shopSettings.updateMany({
    where: { shop, accessTokenSealed: input.accessTokenSealed, pixelId: input.pixelId },
    data: { connectionState: "connected", connectionError: null, connectionVerifiedAt: input.at },
  });
  return count > 0;
}

/**
 * Replaces the shop's custom events (the CLI's and tests' way; the settings page saves them with the rest
 * through saveAdminSettings). Refused (nothing changes) by the same rule as the page: too many, a name too
 * long, not a valid name, a standard event's, or repeated; false when the shop has no settings row.
 */
export async function saveCustomEvents(
  db: Db,
  shop: string,
  events: CustomEventSetting[],
): Promise<{ ok: true } | { ok: false; error: string }> {
  const error = customEventListError(events);
  if (error) return { ok: false, error };
  const { count } = await db.shopSettings.updateMany({ where: { shop }, data: { customEvents: storedCustomEvents(events) } });
  return count === 1 ? { ok: true } : { ok: false, error: "Unknown shop" };
}

function storedCustomEvents(events: readonly CustomEventSetting[]): string {
  return JSON.stringify(events.map(({ name, enabled }) => ({ name, enabled })));
}
