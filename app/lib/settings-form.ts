// How a posted settings form becomes validated input, with one message per field in the merchant's words.
import { z } from "zod";
import { err, ok, type Result } from "./result";
import type { ConsentMode, MetaEventName } from "./settings-values";
import { CONSENT_OPTIONS, EVENT_OPTIONS } from "./settings-options";
import { accessTokenSchema, pixelIdSchema, testEventCodeSchema } from "./validation";

const EVENT_NAMES = EVENT_OPTIONS.map((o) => o.name) as [MetaEventName, ...MetaEventName[]];
const CONSENT_VALUES = CONSENT_OPTIONS.map((o) => o.value) as [ConsentMode, ...ConsentMode[]];

export type SettingsField = "pixelId" | "accessToken" | "testEventCode" | "enabledEvents" | "consentMode" | "limitedDataUse";

export interface SettingsInput {
  pixelId: string;
  /** null: keep the stored token. */
  accessToken: string | null;
  testEventCode: string | null;
  enabledEvents: MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
}

/** Why nothing was saved: one message per field, and one for the form as a whole. */
export interface SettingsFormErrors {
  fieldErrors: Partial<Record<SettingsField, string>>;
  formError: string;
}

export type SettingsFormResult = Result<SettingsInput, SettingsFormErrors>;

const blankToNull = (value: unknown) => (typeof value === "string" && value.trim() === "" ? null : value);

const schema = z.object({
  pixelId: z.string({ required_error: "is required" }).trim().min(1, "is required").pipe(pixelIdSchema),
  accessToken: z.preprocess(blankToNull, accessTokenSchema.nullable()),
  testEventCode: z.preprocess(blankToNull, testEventCodeSchema.nullable()),
  enabledEvents: z.array(z.enum(EVENT_NAMES, { errorMap: () => ({ message: "contains an event this app does not know" }) })),
  consentMode: z.enum(CONSENT_VALUES, { errorMap: () => ({ message: "must be one of the offered choices" }) }),
  limitedDataUse: z.enum(["on", "true", "off", "false"], { errorMap: () => ({ message: "must be on or off" }) }),
});

const LABELS: Record<SettingsField, string> = {
  pixelId: "Pixel ID",
  accessToken: "Access token",
  testEventCode: "Test event code",
  enabledEvents: "Events",
  consentMode: "Consent mode",
  limitedDataUse: "Limited Data Use",
};

// Fields the page always posts: a value outside the offered set means the post did not come from our form.
const STRUCTURAL: readonly SettingsField[] = ["enabledEvents", "consentMode", "limitedDataUse"];

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
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Partial<Record<SettingsField, string>> = {};
    let malformed = false;
    for (const issue of parsed.error.issues) {
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
  });
}

/** What the settings page's fields hold, apart from the write-only token. */
export interface SettingsFormValues {
  pixelId: string;
  testEventCode: string;
  enabledEvents: readonly MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
}

/** The fields as the saved settings fill them (what Discard restores). */
export function savedFormValues(saved: {
  pixelId: string | null;
  testEventCode: string | null;
  enabledEvents: readonly MetaEventName[];
  consentMode: ConsentMode;
  limitedDataUse: boolean;
}): SettingsFormValues {
  return {
    pixelId: saved.pixelId ?? "",
    testEventCode: saved.testEventCode ?? "",
    enabledEvents: [...saved.enabledEvents],
    consentMode: saved.consentMode,
    limitedDataUse: saved.limitedDataUse,
  };
}

/**
 * Whether the form holds something Save would change: the contextual save bar shows while it does. A pasted
 * token always counts (the stored one is never shown, so it cannot be compared); the order in which events
 * were ticked does not.
 */
export function settingsFormChanged(saved: SettingsFormValues, current: SettingsFormValues & { accessToken: string }): boolean {
  const sameEvents =
    saved.enabledEvents.length === current.enabledEvents.length && saved.enabledEvents.every((name) => current.enabledEvents.includes(name));
  return (
    current.accessToken !== "" ||
    current.pixelId !== saved.pixelId ||
    current.testEventCode !== saved.testEventCode ||
    !sameEvents ||
    current.consentMode !== saved.consentMode ||
    current.limitedDataUse !== saved.limitedDataUse
  );
}
