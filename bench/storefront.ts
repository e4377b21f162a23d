// What the theme app embed costs a storefront: the size of the script Shopify serves (raw and gzip, as a
// CDN sends it), and the page load in headless Chromium with the embed against the same page without it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startFakeMeta } from "../dev/fake-meta";
import { ROOT } from "../scripts/lib/app-process";
import { CHROMIUM_PATH, launchChromium } from "../tests/helpers/browser";
import { startStorefront } from "../tests/helpers/storefront";

export interface StorefrontFigures {
  script?: { files: string[]; rawBytes: number; gzipBytes: number };
  scriptMissing?: string;
  pageLoad?: { loads: number; with: { load: number; dcl: number }; without: { load: number; dcl: number } };
  pageLoadMissing?: string;
  notes?: string;
}

const ASSETS = join(ROOT, "extensions/theme-app-embed/assets");

export function measureScript(): Pick<StorefrontFigures, "script" | "scriptMissing"> {
  const files = existsSync(ASSETS)
    ? readdirSync(ASSETS)
        .filter((f) => f.endsWith(".js"))
        .sort()
    : [];
  if (files.length === 0) return { scriptMissing: "extensions/theme-app-embed/assets has no script yet" };
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const content = readFileSync(join(ASSETS, file));
    rawBytes += content.length;
    // Level 9: what a CDN's static compression typically uses; the default level differs by a few bytes.
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { script: { files: files.map((f) => `assets/${f}`), rawBytes, gzipBytes } };
}

export async function measureStorefront(opts: { pageLoads: number; log: (line: string) => void }): Promise<StorefrontFigures> {
  const figures: StorefrontFigures = measureScript();
  if (figures.script)
    opts.log(`    ${figures.script.files.join(", ")}: ${figures.script.rawBytes} B raw, ${figures.script.gzipBytes} B gzip`);
  if (!existsSync(CHROMIUM_PATH)) {
    figures.pageLoadMissing = `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`;
    return figures;
  }
  opts.log(`    page load in headless Chromium: ${opts.pageLoads} loads with the embed and ${opts.pageLoads} without, alternating…`);
  const meta = await startFakeMeta();
  const store = await startStorefront({ template: "product", consent: "granted", shop: "bench-shop.myshopify.com" });
  const chromium = await launchChromium();
  try {
    const fbevents = await (await fetch(`${meta.pixelUrl}/en_US/fbevents.js`)).text();
    const load = async (withEmbed: boolean) => {
      const context = await chromium.newContext();
      try {
        // Only what must not leave the machine is intercepted (each interception adds its own latency):
        // Meta's script host gets the stand-in's script, facebook.com nothing. The page's own requests
        // and the stand-in's beacons go straight to loopback.
        await context.route("https://connect.facebook.net/**", (route) =>
          route.fulfill({ status: 200, contentType: "application/javascript", body: fbevents }),
        );
        await context.route("https://*.facebook.com/**", (route) => route.abort("blockedbyclient"));
        // Both variants take the document through the same interception, so its cost is not counted against
        // either; "without" is the same document with the embed's two parts taken out (config JSON, script tag).
        await context.route(store.productUrl, async (route) => {
          const response = await route.fetch();
          const html = await response.text();
          await route.fulfill({ response, body: withEmbed ? html : withoutEmbed(html) });
        });
        const page = await context.newPage();
        let requests = 0;
        page.on("request", () => requests++);
        await page.goto(store.productUrl, { waitUntil: "load" });
        const timing = await page.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          return { load: nav.loadEventEnd - nav.startTime, dcl: nav.domContentLoadedEventEnd - nav.startTime };
        });
        return { ...timing, requests };
      } finally {
        await context.close();
      }
    };
    // Not measured: the first loads pay for starting the renderer and compiling the scripts once.
    await load(true);
    await load(false);
    const runs: Record<"with" | "without", { load: number; dcl: number; requests: number }[]> = { with: [], without: [] };
    for (let i = 0; i < opts.pageLoads; i++) {
      runs.with.push(await load(true));
      runs.without.push(await load(false));
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    const summary = (list: { load: number; dcl: number }[]) => ({
      load: median(list.map((r) => r.load)),
      dcl: median(list.map((r) => r.dcl)),
    });
    figures.pageLoad = { loads: opts.pageLoads, with: summary(runs.with), without: summary(runs.without) };
    const extraRequests = median(runs.with.map((r) => r.requests)) - median(runs.without.map((r) => r.requests));
    figures.notes =
      `Storefront: the local storefront (tests/helpers/storefront.ts) renders the embed's real Liquid and serves its real script; each load is a fresh browser context (no cache), marketing consent granted, product page. ` +
      `Meta's own fbevents.js is replaced by the stand-in's small one, so the figure is the embed's cost, not Meta's script's. With the embed the page made ${extraRequests} more request(s) by its load event (median).`;
    opts.log(
      `      load event: ${figures.pageLoad.with.load.toFixed(1)} ms with, ${figures.pageLoad.without.load.toFixed(1)} ms without (medians)`,
    );
  } finally {
    await chromium.close();
    await store.close();
    await meta.close();
  }
  return figures;
}

export function withoutEmbed(html: string): string {
  const stripped = html
    .replace(/<script type="application\/json" id="meta-capi-pixel-config">[\s\S]*?<\/script>/, "")
    .replace(/<script src="\/assets\/meta-pixel\.js"[^>]*><\/script>/, "");
  if (stripped.includes("meta-capi-pixel-config") || stripped.includes("meta-pixel.js")) {
    throw new Error("Could not take the embed out of the storefront page: its markup changed; update bench/storefront.ts");
  }
  return stripped;
}
