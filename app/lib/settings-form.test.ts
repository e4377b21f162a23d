import { describe, expect, it } from "vitest";
import * as model from "~/models/shop-settings.server";
import { parseSettingsForm, savedFormValues, settingsFormChanged } from "./settings-form";
import { CONSENT_MODES, META_EVENTS } from "./settings-values";

const TOKEN = "EAAB" + "x".repeat(40);

function form(fields: Record<string, string | string[] | undefined>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) data.append(key, v);
  }
  return data;
}

const valid = {
  pixelId: " 123456789012345 ",
  accessToken: TOKEN,
  testEventCode: "TEST123",
  enabledEvents: ["Purchase", "PageView"],
  consentMode: "strict",
  limitedDataUse: "on",
  catalogIdForm: "product_group",
};

describe("parseSettingsForm", () => {
  it("returns trimmed, typed input with events in Meta's canonical order", () => {
    expect(parseSettingsForm(form(valid))).toEqual({
      ok: true,
      value: {
        pixelId: "123456789012345",
        accessToken: TOKEN,
        testEventCode: "TEST123",
        enabledEvents: ["PageView", "Purchase"],
        consentMode: "strict",
        limitedDataUse: true,
        sendPosOrders: false,
        catalogIds: { form: "product_group", country: null },
        customEvents: [],
      },
    });
  });

  it("reads the catalog ID form, with the country only for Shopify channel IDs", () => {
    expect(parseSettingsForm(form({ ...valid, catalogIdForm: "shopify_catalog", catalogCountry: " de " }))).toMatchObject({
      ok: true,
      value: { catalogIds: { form: "shopify_catalog", country: "DE" } },
    });
    // A country left in the hidden field of another form is not kept: equal settings compare equal.
    expect(parseSettingsForm(form({ ...valid, catalogIdForm: "variant", catalogCountry: "US" }))).toMatchObject({
      ok: true,
      value: { catalogIds: { form: "variant", country: null } },
    });
  });

  it("refuses a catalog setting it cannot apply, saying why, and returns no input to save", () => {
    const noCountry = parseSettingsForm(form({ ...valid, catalogIdForm: "shopify_catalog", catalogCountry: "" }));
    expect(noCountry.ok).toBe(false);
    if (!noCountry.ok) {
      expect(noCountry.error.fieldErrors.catalogCountry).toMatch(/Catalog country is required for Shopify catalog IDs/);
      expect(noCountry.error.formError).toBe("Nothing was saved. Fix the fields marked below.");
    }
    for (const country of ["USA", "1A", "u"]) {
      const bad = parseSettingsForm(form({ ...valid, catalogIdForm: "shopify_catalog", catalogCountry: country }));
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.fieldErrors.catalogCountry).toMatch(/two-letter country code/);
    }
    // A value the page never offers (or none at all) is an altered form.
    for (const catalogIdForm of ["sku", "", undefined, ["variant", "product_group"]]) {
      const altered = parseSettingsForm(form({ ...valid, catalogIdForm }));
      expect(altered.ok).toBe(false);
      if (!altered.ok) expect(altered.error.formError).toMatch(/incomplete or altered/);
    }
  });

  it("pairs each custom event name with its on/off, trimmed, in the merchant's order", () => {
    const result = parseSettingsForm(
      form({ ...valid, customEventName: [" BookedTrialClass ", "Paused"], customEventEnabled: ["on", "off"] }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        customEvents: [
          { name: "BookedTrialClass", enabled: true },
          { name: "Paused", enabled: false },
        ],
      },
    });
  });

  it("explains each bad custom event on its own row, and keeps the good rows quiet", () => {
    const names = ["Good", "A".repeat(51), "purchase", "good", "has space", ""];
    const result = parseSettingsForm(form({ ...valid, customEventName: names, customEventEnabled: names.map(() => "on") }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const errors = result.error.fieldErrors;
    expect(errors["customEvents.0"]).toBeUndefined();
    expect(errors["customEvents.1"]).toMatch(/51 characters long; Meta takes at most 50/);
    expect(errors["customEvents.2"]).toMatch(/standard event "Purchase"/);
    expect(errors["customEvents.3"]).toMatch(/already used by "Good"/);
    expect(errors["customEvents.4"]).toMatch(/letters, digits and underscores/);
    expect(errors["customEvents.5"]).toMatch(/required/);
    expect(result.error.formError).toBe("Nothing was saved. Fix the fields marked below.");
  });

  it("refuses more custom events than the bound as a whole, even at ten times the bound", () => {
    for (const count of [21, 200]) {
      const names = Array.from({ length: count }, (_, i) => `Event${i}`);
      const result = parseSettingsForm(form({ ...valid, customEventName: names, customEventEnabled: names.map(() => "on") }));
      expect(result).toMatchObject({
        ok: false,
        error: { fieldErrors: { customEvents: expect.stringMatching(/At most 20 custom events/) } },
      });
    }
    const twenty = Array.from({ length: 20 }, (_, i) => `Event${i}`);
    expect(parseSettingsForm(form({ ...valid, customEventName: twenty, customEventEnabled: twenty.map(() => "off") })).ok).toBe(true);
  });

  it("calls custom event rows without their switch an altered form", () => {
    const result = parseSettingsForm(form({ ...valid, customEventName: ["A", "B"], customEventEnabled: ["on"] }));
    expect(result).toMatchObject({ ok: false, error: { formError: expect.stringMatching(/incomplete or altered/) } });
    expect(parseSettingsForm(form({ ...valid, customEventName: ["A"], customEventEnabled: ["yes"] })).ok).toBe(false);
  });

  it("reads blank token and test code as 'keep the token' and 'no code', and a missing checkbox as off", () => {
    const result = parseSettingsForm(
      form({ ...valid, accessToken: "   ", testEventCode: "", limitedDataUse: undefined, enabledEvents: undefined }),
    );
    expect(result).toMatchObject({ ok: true, value: { accessToken: null, testEventCode: null, limitedDataUse: false, enabledEvents: [] } });
  });

  it("reads point-of-sale orders as off unless ticked", () => {
    expect(parseSettingsForm(form(valid))).toMatchObject({ ok: true, value: { sendPosOrders: false } });
    expect(parseSettingsForm(form({ ...valid, sendPosOrders: "on" }))).toMatchObject({ ok: true, value: { sendPosOrders: true } });
  });

  it.each([
    ["pixelId", "12ab34567", /Pixel ID must contain digits only/],
    ["pixelId", "1234", /too short/],
    ["pixelId", "", /Pixel ID is required/],
    ["accessToken", "short", /too short/],
    ["accessToken", `${TOKEN} "quoted"`, /no spaces or quotes/],
    ["testEventCode", "TEST 123", /Test event code .*no spaces/],
  ])("explains a bad %s (%s) on that field", (field, value, message) => {
    const result = parseSettingsForm(form({ ...valid, [field]: value }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.fieldErrors[field as keyof typeof result.error.fieldErrors]).toMatch(message);
    expect(result.error.formError).toBe("Nothing was saved. Fix the fields marked below.");
  });

  it.each([
    ["an unknown event", { enabledEvents: ["Purchase", "Lead"] }],
    ["an unknown consent mode", { consentMode: "none" }],
    ["a missing consent mode", { consentMode: undefined }],
    ["a garbled Limited Data Use value", { limitedDataUse: "maybe" }],
    ["a garbled point-of-sale value", { sendPosOrders: "maybe" }],
    ["a missing pixel ID field", { pixelId: undefined }],
    ["a field sent twice", { testEventCode: ["A", "B"] }],
  ])("calls %s an altered form", (_name, overrides) => {
    const result = parseSettingsForm(form({ ...valid, ...overrides }));
    expect(result).toMatchObject({ ok: false, error: { formError: expect.stringMatching(/incomplete or altered/) } });
  });

  it("never echoes the token in an error", () => {
    const bad = `${TOKEN} with spaces`;
    const result = parseSettingsForm(form({ ...valid, accessToken: bad }));
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });
});

describe("settingsFormChanged", () => {
  const saved = savedFormValues({
    pixelId: "123456789012345",
    testEventCode: null,
    enabledEvents: ["PageView", "Purchase"],
    consentMode: "strict",
    limitedDataUse: false,
    sendPosOrders: false,
    catalogIds: { form: "product_group", country: null },
    customEvents: [{ name: "BookedTrialClass", enabled: true }],
  });
  const unchanged = { ...saved, accessToken: "" };

  it("counts a catalog form change, and a country change only for Shopify channel IDs", () => {
    expect(settingsFormChanged(saved, { ...unchanged, catalogIdForm: "variant" })).toBe(true);
    expect(settingsFormChanged(saved, { ...unchanged, catalogCountry: "US" })).toBe(false);
    expect(settingsFormChanged(saved, { ...unchanged, catalogIdForm: "shopify_catalog", catalogCountry: "US" })).toBe(true);
    const channel = savedFormValues({
      pixelId: "1",
      testEventCode: null,
      enabledEvents: [],
      consentMode: "strict",
      limitedDataUse: false,
      sendPosOrders: false,
      catalogIds: { form: "shopify_catalog", country: "US" },
      customEvents: [],
    });
    expect(settingsFormChanged(channel, { ...channel, accessToken: "", catalogCountry: " us " })).toBe(false);
    expect(settingsFormChanged(channel, { ...channel, accessToken: "", catalogCountry: "DE" })).toBe(true);
  });

  it("fills empty fields for what is not saved, and sees nothing to save in them", () => {
    expect(saved.testEventCode).toBe("");
    expect(settingsFormChanged(saved, unchanged)).toBe(false);
    expect(settingsFormChanged(saved, { ...unchanged, enabledEvents: ["Purchase", "PageView"] })).toBe(false);
  });

  it.each([
    ["an edited pixel ID", { pixelId: "123456789012346" }],
    ["a pasted token", { accessToken: TOKEN }],
    ["a test event code", { testEventCode: "TEST1" }],
    ["one more event", { enabledEvents: ["PageView", "Purchase", "AddToCart"] as const }],
    ["one event less", { enabledEvents: ["PageView"] as const }],
    ["another consent mode", { consentMode: "customer-privacy" as const }],
    ["Limited Data Use switched on", { limitedDataUse: true }],
    ["point-of-sale orders switched on", { sendPosOrders: true }],
    [
      "a blank custom event row added",
      {
        customEvents: [
          { name: "BookedTrialClass", enabled: true },
          { name: "", enabled: true },
        ],
      },
    ],
    ["a custom event removed", { customEvents: [] }],
    ["a custom event renamed", { customEvents: [{ name: "BookedTrial", enabled: true }] }],
    ["a custom event switched off", { customEvents: [{ name: "BookedTrialClass", enabled: false }] }],
  ])("sees %s as a change", (_name, change) => {
    expect(settingsFormChanged(saved, { ...unchanged, ...change })).toBe(true);
  });
});

it("offers the events and consent modes the model stores (one list, re-exported by the model)", () => {
  expect(model.META_EVENTS).toEqual(META_EVENTS);
  expect(model.CONSENT_MODES).toEqual(CONSENT_MODES);
});
