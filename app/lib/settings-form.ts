// How a posted settings form becomes validated input, with one message per field in the merchant's words.
import { z } from "zod";
import { customEventListProblems, type CustomEventSetting } from "./custom-events";
import { err, ok, type Result } from "./result";
import type { CatalogIdSetting } from "./capi/catalog-ids";
import type { CatalogIdForm, ConsentMode, MetaEventName } from "./settings-values";
import { CATALOG_ID_OPTIONS, CONSENT_OPTIONS, EVENT_OPTIONS } from "./settings-options";
import { accessTokenSchema, pixelIdSchema, testEventCodeSchema } from "./validation";

const EVENT_NAMES = EVENT_OPTIONS.map((o) => o.name) as [MetaEventName, ...MetaEventName[]];
const CONSENT_VALUES = CONSENT_OPTIONS.map((o) => o.value) as [ConsentMode, ...ConsentMode[]];
const CATALOG_ID_VALUES = CATALOG_ID_OPTIONS.map((o) => o.value) as [CatalogIdForm, ...CatalogIdForm[]];

/** `customEvents` is the list as a whole (its length); `customEvents.<i>` the name in row i. */
export type SettingsField =
  | "pixelId"
  | "accessToken"
  | "testEventCode"
  | "enabledEvents"
  | "consentMode"
  | "limitedDataUse"
  | "sendPosOrders"
  | "catalogIdForm"
  | "catalogCountry"
  | "customEvents"
  | `customEvents.${number}`;

export interface SettingsInput {
  pixelId: string;
  /** null: keep the stored token. */
  accessToken: string | null;
  testEventCode: string | null;
  enabledEvents: MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  /** Point-of-sale orders go to Meta as in-store purchases (physical_store). */
  sendPosOrders: boolean;
  /** The form of the Meta catalog's item IDs; the country is set (two letters) for shopify_catalog, else null. */
  catalogIds: CatalogIdSetting;
  /** In the merchant's order; names trimmed, valid and unique (custom-events.ts). */
  customEvents: CustomEventSetting[];
}

/** Why nothing was saved: one message per field, and one for the form as a whole. */
export interface SettingsFormErrors {
  fieldErrors: Partial<Record<SettingsField, string>>;
  formError: string;
}

export type SettingsFormResult = Result<SettingsInput, SettingsFormErrors>;

const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);

const schema = z
  .object({
    pixelId: z.string({ required_error: "is required" }).trim().min(1, "is required").pipe(pixelIdSchema),
    accessToken: z.preprocess(blankToNull, accessTokenSchema.nullable()),
    testEventCode: z.preprocess(blankToNull, testEventCodeSchema.nullable()),
    enabledEvents: z.array(z.enum(EVENT_NAMES, { errorMap: () => ({ message: "contains an event this app does not know" }) })),
    consentMode: z.enum(CONSENT_VALUES, { errorMap: () => ({ message: "must be one of the offered choices" }) }),
    limitedDataUse: z.enum(["on", "true", "off", "false"], { errorMap: () => ({ message: "must be on or off" }) }),
    sendPosOrders: z.enum(["on", "true", "off", "false"], { errorMap: () => ({ message: "must be on or off" }) }),
    catalogIdForm: z.enum(CATALOG_ID_VALUES, { errorMap: () => ({ message: "must be one of the offered choices" }) }),
    catalogCountry: z.preprocess(
      (value) => (typeof value === "string" ? value.trim().toUpperCase() : value),
      z.string().regex(/^([A-Z]{2})?$/, "must be a two-letter country code, like US or DE"),
    ),
  })
  .superRefine((value, ctx) => {
    if (value.catalogIdForm === "shopify_catalog" && value.catalogCountry === "") {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["catalogCountry"],
        message: "is required for Shopify catalog IDs: the two-letter code in them, like US in shopify_US_…",
      });
    }
  });

const LABELS: Partial<Record<SettingsField, string>> = {
  pixelId: "Pixel ID",
  accessToken: "Access token",
  testEventCode: "Test event code",
  enabledEvents: "Events",
  consentMode: "Consent mode",
  limitedDataUse: "Limited Data Use",
  sendPosOrders: "Point-of-sale orders",
  catalogIdForm: "Catalog IDs",
  catalogCountry: "Catalog country",
  customEvents: "Custom events",
};

// Fields the page always posts: a value outside the offered set means the post did not come from our form.
const STRUCTURAL: readonly SettingsField[] = ["enabledEvents", "consentMode", "limitedDataUse", "sendPosOrders", "catalogIdForm"];

type CustomEventsRead =
  { ok: true; list: CustomEventSetting[] } | { ok: false; malformed: boolean; fieldErrors: Partial<Record<SettingsField, string>> };

/**
 * The custom event rows: `customEventName` and `customEventEnabled` ("on" or "off") once per row, in the
 * same order (the page posts a hidden on/off next to each name, since an unticked checkbox posts nothing).
 */
function readCustomEvents(form: FormData): CustomEventsRead {
  const names = form.getAll("customEventName");
  const switches = form.getAll("customEventEnabled");
  if (names.length !== switches.length || [...names, ...switches].some((v) => typeof v !== "string")) {
    return { ok: false, malformed: true, fieldErrors: { customEvents: "Custom events arrived incomplete" } };
  }
  if (switches.some((v) => v !== "on" && v !== "off"))
    return { ok: false, malformed: true, fieldErrors: { customEvents: "Custom events must be on or off" } };
  const list = (names as string[]).map((name, i) => ({ name: name.trim(), enabled: switches[i] === "on" }));
  const problems = customEventListProblems(list);
  if (!problems) return { ok: true, list };
  const fieldErrors: Partial<Record<SettingsField, string>> = {};
  if (problems.list) fieldErrors.customEvents = problems.list;
  for (const [index, message] of Object.entries(problems.entries))
    fieldErrors[`customEvents.${Number(index)}`] = `Custom event name ${message}`;
  return { ok: false, malformed: false, fieldErrors };
}

export function parseSettingsForm(form: FormData): SettingsFormResult {
  const single = (name: string): unknown => {
    const values = form.getAll(name);
    if (values.length > 1) return values;
    return values[0] ?? undefined;
  };
  const raw = {
    pixelId: single("pixelId"),
    accessToken: single("accessToken") ?? null,
    testEventCode: single("testEventCode") ?? null,
    enabledEvents: form.getAll("enabledEvents"),
    consentMode: single("consentMode"),
    limitedDataUse: single("limitedDataUse") ?? "off",
    sendPosOrders: single("sendPosOrders") ?? "off",
    catalogIdForm: single("catalogIdForm"),
    catalogCountry: single("catalogCountry") ?? "",
  };
  const parsed = schema.safeParse(raw);
  const custom = readCustomEvents(form);
  if (!parsed.success || !custom.ok) {
    const fieldErrors: Partial<Record<SettingsField, string>> = custom.ok ? {} : { ...custom.fieldErrors };
    let malformed = !custom.ok && custom.malformed;
    for (const issue of parsed.success ? [] : parsed.error.issues) {
      const field = issue.path[0] as SettingsField;
      if (STRUCTURAL.includes(field) || issue.code === "invalid_type") malformed = true;
      fieldErrors[field] ??= `${LABELS[field] ?? field} ${issue.message}`;
    }
    return err({
      fieldErrors,
      formError: malformed
        ? "The form arrived incomplete or altered, so nothing was saved. Reload the page and try again."
        : "Nothing was saved. Fix the fields marked below.",
    });
  }
  const data = parsed.data;
  return ok({
    pixelId: data.pixelId,
    accessToken: data.accessToken,
    testEventCode: data.testEventCode,
    // Form order is whatever the browser sent; store the canonical order so equal settings compare equal.
    enabledEvents: EVENT_NAMES.filter((name) => data.enabledEvents.includes(name)),
    consentMode: data.consentMode,
    limitedDataUse: data.limitedDataUse === "on" || data.limitedDataUse === "true",
    sendPosOrders: data.sendPosOrders === "on" || data.sendPosOrders === "true",
    // The country matters only to shopify_catalog IDs; kept for it alone so equal settings compare equal.
    catalogIds: {
      form: data.catalogIdForm,
      country: data.catalogIdForm === "shopify_catalog" ? data.catalogCountry : null,
    },
    customEvents: custom.list,
  });
}

/** What the settings page's fields hold, apart from the write-only token. */
export interface SettingsFormValues {
  pixelId: string;
  testEventCode: string;
  enabledEvents: readonly MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  sendPosOrders: boolean;
  catalogIdForm: CatalogIdForm;
  catalogCountry: string;
  customEvents: readonly CustomEventSetting[];
}

/** The fields as the saved settings fill them (what Discard restores). */
export function savedFormValues(saved: {
  pixelId: string | null;
  testEventCode: string | null;
  enabledEvents: readonly MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
  sendPosOrders: boolean;
  catalogIds: CatalogIdSetting;
  customEvents: readonly CustomEventSetting[];
}): SettingsFormValues {
  return {
    pixelId: saved.pixelId ?? "",
    testEventCode: saved.testEventCode ?? "",
    enabledEvents: [...saved.enabledEvents],
    consentMode: saved.consentMode,
    limitedDataUse: saved.limitedDataUse,
    sendPosOrders: saved.sendPosOrders,
    catalogIdForm: saved.catalogIds.form,
    catalogCountry: saved.catalogIds.country ?? "",
    customEvents: saved.customEvents.map(({ name, enabled }) => ({ name, enabled })),
  };
}

/**
 * Whether the form holds something Save would change: the contextual save bar shows while it does. A pasted
 * token always counts (the stored one is never shown, so it cannot be compared); the order in which events
 * were ticked does not. A custom event row added, removed, renamed or switched counts, even a blank new row.
 */
export function settingsFormChanged(saved: SettingsFormValues, current: SettingsFormValues & { accessToken: string }): boolean {
  const sameEvents =
    saved.enabledEvents.length === current.enabledEvents.length &&
    saved.enabledEvents.every((name) => current.enabledEvents.includes(name));
  return (
    current.accessToken !== "" ||
    current.pixelId !== saved.pixelId ||
    current.testEventCode !== saved.testEventCode ||
    !sameEvents ||
    current.consentMode !== saved.consentMode ||
    current.limitedDataUse !== saved.limitedDataUse ||
    current.sendPosOrders !== saved.sendPosOrders ||
    current.catalogIdForm !== saved.catalogIdForm ||
    // The country is part of the setting only for Shopify channel IDs (parseSettingsForm drops it otherwise).
    (current.catalogIdForm === "shopify_catalog" && current.catalogCountry.trim().toUpperCase() !== saved.catalogCountry) ||
    !sameCustomEvents(saved.customEvents, current.customEvents)
  );
}

function sameCustomEvents(a: readonly CustomEventSetting[], b: readonly CustomEventSetting[]): boolean {
  return a.length === b.length && a.every((event, i) => event.name === b[i]!.name && event.enabled === b[i]!.enabled);
}
