import { describe, expect, it } from "vitest";
import { buildChecklist, type OnboardingFacts } from "./onboarding";

const facts = (overrides: Partial<OnboardingFacts> = {}): OnboardingFacts => ({
  hasCredentials: true,
  connectionState: "connected",
  connectionError: null,
  hasTestEventCode: true,
  connectionVerifiedAt: null,
  embed: { state: "on", themeName: "Dawn" },
  themeEditorUrl: "https://s.myshopify.com/admin/themes/current/editor?context=apps&template=index&activateAppId=k/meta-pixel",
  webPixelConnected: true,
  latestBrowserEvent: null,
  latestSentPurchase: null,
  ...overrides,
});

const pixel = (f: OnboardingFacts) => buildChecklist(f).find((i) => i.id === "pixel")!;
const embed = (f: OnboardingFacts) => buildChecklist(f).find((i) => i.id === "embed")!;

describe("buildChecklist", () => {
  it("always has the five steps in order", () => {
    expect(buildChecklist(facts()).map((i) => i.id)).toEqual(["pixel", "embed", "webPixel", "browserEvent", "serverPurchase"]);
  });

  it("asks for a test event when the credentials are saved but unproven", () => {
    expect(pixel(facts())).toMatchObject({ done: false, detail: expect.stringMatching(/Send a test event from Settings/) });
    expect(pixel(facts({ hasTestEventCode: false })).detail).toMatch(/Add the test event code/);
  });

  it("is done after a test event or a delivered purchase, but not while broken", () => {
    expect(pixel(facts({ connectionVerifiedAt: "2026-11-01T00:00:00.000Z" })).done).toBe(true);
    expect(pixel(facts({ latestSentPurchase: { orderName: "#1", sentAt: null } })).done).toBe(true);
    expect(
      pixel(facts({ connectionState: "broken", connectionError: "expired", connectionVerifiedAt: "2026-11-01T00:00:00.000Z" })),
    ).toMatchObject({ done: false, action: { label: "Reconnect", url: "/app/settings" } });
    expect(pixel(facts({ hasCredentials: false, connectionState: "disconnected" })).detail).toMatch(/Paste your pixel/);
  });

  it("links every unfinished embed state to the theme editor", () => {
    for (const state of ["off", "missing", "unreadable", "error"] as const) {
      const item = embed(facts({ embed: { state, themeName: null, message: "We could not check your theme." } }));
      expect(item.done).toBe(false);
      expect(item.action).toEqual({ label: "Open the theme editor", url: facts().themeEditorUrl, external: true });
    }
    expect(embed(facts()).action).toBeNull();
  });

  it("gives every unchecked item something to do", () => {
    const items = buildChecklist(
      facts({ hasCredentials: false, connectionState: "disconnected", embed: { state: "off", themeName: null }, webPixelConnected: false }),
    );
    expect(items.map((i) => [i.id, i.done, i.detail])).toEqual([
      ["pixel", false, "Paste your pixel (dataset) ID and a Conversions API access token from Meta Events Manager."],
      [
        "embed",
        false,
        'The Meta Pixel embed is switched off in your live theme. In the theme editor, turn on "Meta Pixel" under App embeds and save.',
      ],
      ["webPixel", false, "It is installed when you save your settings for the first time."],
      [
        "browserEvent",
        false,
        "Open your online store in a browser, accept cookies if asked, and view a product. The event shows up here within a minute.",
      ],
      [
        "serverPurchase",
        false,
        "Place a real order and refund it afterwards: orders placed in Shopify's test mode are recorded but never sent to Meta. " +
          "It appears under Deliveries within a minute.",
      ],
    ]);
  });
});
