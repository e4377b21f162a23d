// Pushes the shop's settings to where the storefront reads them: app-data metafields on the app
// installation (read by the theme app embed's Liquid) and the web pixel's settings (checkout).
// Interface agreed between the browser side and the admin: the admin calls this on save and stores the
// returned webPixelId. Shopify's answers become readable messages; only a thrown `Response` (the
// library's re-authentication signal) propagates, because swallowing it would break the admin's login flow.
import type { AdminOperations } from "@shopify/admin-api-client";
import type { AdminApiContext } from "@shopify/shopify-app-remix/server";
import { catalogIdSettingText, catalogIdTemplate, DEFAULT_CATALOG_ID_SETTING, type CatalogIdSetting } from "~/lib/capi/catalog-ids";
import { primaryDomainOrigin } from "~/lib/primary-domain";
import { err, ok, type Result } from "~/lib/result";
import { pixelIdSchema } from "~/lib/validation";
import type { ConsentMode, MetaEventName } from "~/models/shop-settings.server";
import { META_EVENTS } from "~/models/shop-settings.server";

/**
 * The `admin.graphql` function that `authenticate.admin` / `unauthenticated.admin` return. Typed per
 * operation by app/types/admin.generated.d.ts (npm run graphql-codegen), keyed by the query's exact text.
 */
export type AdminGraphql = AdminApiContext["graphql"];
type Operation = keyof AdminOperations & string;
type Data<Q extends Operation> = AdminOperations[Q]["return"];
type Variables<Q extends Operation> = AdminOperations[Q]["variables"];

export interface StorefrontSettings {
  shop: string;
  pixelId: string;
  enabledEvents: MetaEventName[];
  /** The merchant's switched-on custom event names (the embed checks them again: <= 50 chars, not standard). */
  customEvents?: readonly string[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  /** The form of the catalog's item IDs: the embed and the web pixel make content_ids as the server does. */
  catalogIds?: CatalogIdSetting;
  /** Known web pixel ID (gid://shopify/WebPixel/…), if the app created one before. */
  webPixelId: string | null;
}

/** The error is one sentence per problem, for the merchant. */
export type StorefrontSyncResult = Result<{ webPixelId: string }, string[]>;

/** What a sync learns on the way: the shop's primary domain ("https://…"), null when Shopify did not say. */
export type StorefrontSyncOutcome = Result<{ webPixelId: string; primaryDomain: string | null }, string[]>;

/** The theme app embed reads `app.metafields.meta_pixel.<key>.value`. */
export const METAFIELD_NAMESPACE = "meta_pixel";

/**
 * The web pixel's settings, one string per `[settings.fields.*]` of extensions/web-pixel/shopify.extension.toml
 * (Shopify validates the JSON against those fields, and single_line_text_field values are strings).
 */
export function webPixelSettings(settings: StorefrontSettings): Record<string, string> {
  return {
    pixelId: settings.pixelId.trim(),
    enabledEvents: knownEvents(settings.enabledEvents).join(","),
    consentMode: settings.consentMode,
    limitedDataUse: settings.limitedDataUse ? "true" : "false",
    catalogIds: catalogIdSettingText(settings.catalogIds ?? DEFAULT_CATALOG_ID_SETTING),
  };
}

const APP_INSTALLATION = `#graphql
  query metaCapiAppInstallation {
    currentAppInstallation { id }
    shop { primaryDomain { url } }
  }`;

const SET_METAFIELDS = `#graphql
  mutation metaCapiSetStorefrontMetafields($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields { key }
      userErrors { field message code }
    }
  }`;

const CREATE_WEB_PIXEL = `#graphql
  mutation metaCapiCreateWebPixel($webPixel: WebPixelInput!) {
    webPixelCreate(webPixel: $webPixel) {
      webPixel { id settings }
      userErrors { field message code }
    }
  }`;

const UPDATE_WEB_PIXEL = `#graphql
  mutation metaCapiUpdateWebPixel($id: ID!, $webPixel: WebPixelInput!) {
    webPixelUpdate(id: $id, webPixel: $webPixel) {
      webPixel { id settings }
      userErrors { field message code }
    }
  }`;

const CURRENT_WEB_PIXEL = `#graphql
  query metaCapiWebPixel {
    webPixel { id }
  }`;

interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

export async function syncStorefront(admin: AdminGraphql, settings: StorefrontSettings): Promise<StorefrontSyncOutcome> {
  const invalid = validate(settings);
  if (invalid.length > 0) return err(invalid);

  const installation = await call(admin, APP_INSTALLATION, undefined, "reading the app installation");
  if (!installation.ok) return installation;
  const ownerId = installation.value.currentAppInstallation?.id;
  if (!ownerId) return err(["Shopify did not return the app installation to store the settings on"]);

  const metafields = await call(
    admin,
    SET_METAFIELDS,
    { metafields: metafieldInputs(ownerId, settings) },
    "saving the storefront settings",
  );
  if (!metafields.ok) return metafields;
  const metafieldErrors = metafields.value.metafieldsSet?.userErrors ?? [];
  if (metafieldErrors.length > 0) return err(describeUserErrors("Shopify refused the storefront settings", metafieldErrors));

  const pixel = await upsertWebPixel(admin, settings);
  if (!pixel.ok) return pixel;
  // Read in the same request as the installation, so keeping event_source_url on the shop's domain costs no call.
  return ok({ ...pixel.value, primaryDomain: primaryDomainOrigin(installation.value.shop?.primaryDomain?.url) });
}

function validate(settings: StorefrontSettings): string[] {
  const errors: string[] = [];
  const pixelId = pixelIdSchema.safeParse(settings.pixelId);
  if (!pixelId.success) errors.push(`Pixel ID ${pixelId.error.issues[0]?.message ?? "is not valid"}`);
  return errors;
}

function knownEvents(events: readonly string[]): MetaEventName[] {
  return META_EVENTS.filter((name) => events.includes(name));
}

function metafieldInputs(ownerId: string, settings: StorefrontSettings) {
  const field = (key: string, type: string, value: string) => ({ ownerId, namespace: METAFIELD_NAMESPACE, key, type, value });
  return [
    field("pixel_id", "single_line_text_field", settings.pixelId.trim()),
    field("enabled_events", "json", JSON.stringify(knownEvents(settings.enabledEvents))),
    field("custom_events", "json", JSON.stringify(customEventNames(settings.customEvents ?? []))),
    field("consent_mode", "single_line_text_field", settings.consentMode),
    field("limited_data_use", "boolean", settings.limitedDataUse ? "true" : "false"),
    // {"t": "<ID with {p} and {v}>", "ct": "<content_type>"}: the embed's script applies it (catalog-ids.ts).
    field("catalog_ids", "json", JSON.stringify(catalogIdTemplate(settings.catalogIds ?? DEFAULT_CATALOG_ID_SETTING))),
  ];
}

async function upsertWebPixel(admin: AdminGraphql, settings: StorefrontSettings): Promise<StorefrontSyncResult> {
  const webPixel = { settings: JSON.stringify(webPixelSettings(settings)) };

  if (settings.webPixelId) {
    const updated = await updatePixel(admin, settings.webPixelId, webPixel);
    // The stored ID can be stale (the pixel was removed, or the app reinstalled): create a new one then.
    if (updated !== "not-found") return updated;
  }

  const created = await call(admin, CREATE_WEB_PIXEL, { webPixel }, "creating the web pixel");
  if (!created.ok) return created;
  const payload = created.value.webPixelCreate;
  const errors = payload?.userErrors ?? [];
  if (errors.some((e) => e.code === "TAKEN" || /already/i.test(e.message ?? ""))) {
    // One app pixel per shop: it exists but we lost its ID. Find it and update it instead.
    const current = await call(admin, CURRENT_WEB_PIXEL, undefined, "looking up the web pixel");
    if (!current.ok) return current;
    const id = current.value.webPixel?.id;
    if (!id) return err(describeUserErrors("Shopify refused to create the web pixel", errors));
    const updated = await updatePixel(admin, id, webPixel);
    return updated === "not-found" ? err([`Shopify could not find the web pixel ${id}`]) : updated;
  }
  if (errors.length > 0) return err(describeUserErrors("Shopify refused to create the web pixel", errors));
  const id = payload?.webPixel?.id;
  return id ? ok({ webPixelId: id }) : err(["Shopify did not return the new web pixel's ID"]);
}

async function updatePixel(admin: AdminGraphql, id: string, webPixel: { settings: string }): Promise<StorefrontSyncResult | "not-found"> {
  const updated = await call(admin, UPDATE_WEB_PIXEL, { id, webPixel }, "updating the web pixel");
  if (!updated.ok) {
    return updated.error.some((e) => /not (be )?found|does not exist|invalid id/i.test(e)) ? "not-found" : updated;
  }
  const payload = updated.value.webPixelUpdate;
  const errors = payload?.userErrors ?? [];
  if (errors.some((e) => e.code === "NOT_FOUND" || /not (be )?found/i.test(e.message ?? ""))) return "not-found";
  if (errors.length > 0) return err(describeUserErrors("Shopify refused the web pixel settings", errors));
  return ok({ webPixelId: payload?.webPixel?.id ?? id });
}

async function call<Q extends Operation>(
  admin: AdminGraphql,
  query: Q,
  variables: Variables<Q> | undefined,
  doing: string,
): Promise<Result<Data<Q>, string[]>> {
  let response: Awaited<ReturnType<AdminGraphql>>;
  try {
    response = await admin(query, variables ? { variables } : undefined);
  } catch (error) {
    if (error instanceof Response) throw error;
    return err(thrownMessages(error, doing));
  }
  if (!response.ok) {
    return err([`Shopify answered HTTP ${response.status} while ${doing}; try saving again`]);
  }
  let body: { data?: Data<Q> | null; errors?: unknown };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    return err([`Shopify sent an unreadable answer while ${doing}; try saving again`]);
  }
  const graphqlErrors = graphqlMessages(body?.errors);
  if (graphqlErrors.length > 0) return err(graphqlErrors.map((m) => `Shopify reported an error while ${doing}: ${m}`));
  if (!body?.data) return err([`Shopify returned no data while ${doing}`]);
  return ok(body.data);
}

// GraphqlQueryError (what admin.graphql throws on GraphQL errors) carries Shopify's errors in `body.errors`.
function thrownMessages(error: unknown, doing: string): string[] {
  const fromBody = graphqlMessages((error as { body?: { errors?: unknown } } | null)?.body?.errors);
  if (fromBody.length > 0) return fromBody.map((m) => `Shopify reported an error while ${doing}: ${m}`);
  const message = error instanceof Error ? error.message : String(error);
  return [`Could not reach Shopify while ${doing}: ${message}`];
}

function graphqlMessages(errors: unknown): string[] {
  if (!errors) return [];
  if (typeof errors === "string") return [errors];
  if (Array.isArray(errors)) {
    return errors.map((e) => (typeof e === "string" ? e : typeof e?.message === "string" ? e.message : JSON.stringify(e)));
  }
  if (typeof errors === "object" && typeof (errors as { message?: unknown }).message === "string") {
    return [(errors as { message: string }).message];
  }
  return [JSON.stringify(errors)];
}

function describeUserErrors(prefix: string, errors: UserError[]): string[] {
  return errors.map((e) => {
    const field = Array.isArray(e.field) && e.field.length > 0 ? ` (${e.field.join(".")})` : "";
    return `${prefix}: ${e.message ?? "unknown error"}${field}`;
  });
}

function customEventNames(names: readonly string[]): string[] {
  return [...new Set(names.filter((n) => typeof n === "string" && n.length > 0 && n.length <= 50))];
}
