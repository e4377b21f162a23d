// `npm run demo -- --screenshots`: the README's pictures of the admin, taken by the demo itself in headless
// Chromium from the demo's admin (./admin-server.ts), so they show the real pages on real demo data.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { MERCHANT_USER_AGENT } from "../../../dev/fake-shopify/app-bridge";
import { ROOT } from "../app-process";
import { launchChromium, offline } from "../browser";

export const SCREENSHOT_PAGES = ["home", "settings", "deliveries", "order"] as const;

export async function takeAdminScreenshots(adminUrl: string, dir = join(ROOT, "docs/screenshots")): Promise<string[]> {
  const origin = new URL(adminUrl).origin;
  await mkdir(dir, { recursive: true });
  const chromium = await launchChromium();
  try {
    // Headless Chromium names itself in its user agent, and Shopify's library turns bots away.
    const context = await chromium.newContext({
      userAgent: MERCHANT_USER_AGENT,
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    context.setDefaultTimeout(15_000);
    await offline(context, {
      allow: [origin],
      handle: async (route, url) => {
        // The Inter font's CSS is on Shopify's CDN, unreachable here: the system font stands in.
        if (url.hostname === "cdn.shopify.com" && url.pathname.endsWith(".css")) {
          await route.fulfill({ contentType: "text/css", body: "" });
          return true;
        }
        return false;
      },
    });
    const page = await context.newPage();
    const files: string[] = [];
    for (const name of SCREENSHOT_PAGES) {
      await page.goto(`${origin}/__demo/open?page=${name}`);
      await page.waitForLoadState("networkidle");
      await page.waitForSelector(".Polaris-Page");
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.mouse.move(0, 0);
      const file = join(dir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      files.push(file);
    }
    return files;
  } finally {
    await chromium.close();
  }
}
