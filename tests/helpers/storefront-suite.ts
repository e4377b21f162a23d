// The set-up the storefront suites share: one Chromium per test file, a fresh storefront session per
// test (closed after it), and the check that the shopper's console stays quiet.
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { launchChromium, type ChromiumHandle } from "./browser";
import { openStorefront, type StorefrontOptions, type StorefrontSession } from "./storefront";

export const FBCLID = "IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk";
export const META_SCRIPT = "https://connect.facebook.net/";

/** Registers the file's hooks; returns `shop()`, which opens a storefront session for the current test. */
export function useStorefrontSessions(): { shop(options?: StorefrontOptions, meta?: "fake" | "blocked"): Promise<StorefrontSession> } {
  let chromium: ChromiumHandle;
  const sessions: StorefrontSession[] = [];
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.close();
  });
  return {
    async shop(options = {}, meta = "fake") {
      const session = await openStorefront(chromium, { ...options, meta });
      sessions.push(session);
      return session;
    },
  };
}

export function expectQuiet(session: StorefrontSession, allowedFailures: string[] = []): void {
  expect(session.problems.except(allowedFailures)).toEqual([]);
  // The storefront script logs nothing to the shopper, at any level.
  expect(session.problems.consoleMessages.map((m) => m.text()).filter((text) => !text.startsWith("Failed to load resource"))).toEqual([]);
}
