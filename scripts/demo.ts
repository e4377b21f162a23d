// `npm run demo [-- --keep-running] [--screenshots] [--shoppers 5] [--blocked 2]`: the whole system on this
// machine, with no Shopify store, no Meta account and no .env. See scripts/lib/demo/scenario.ts for what runs.
import { relative } from "node:path";
import { parseArgs } from "node:util";
import type { DemoEventRow, DemoOrder, DemoRun } from "./lib/demo/scenario";
import { ensureBuild } from "./lib/ensure-build";
import { ensureChromium } from "./lib/ensure-chromium.mjs";
import { textTable } from "./lib/text-table";

const USAGE = "Usage: npm run demo [-- --keep-running] [--screenshots] [--shoppers N] [--blocked N]";

let args;
try {
  args = parseArgs({
    options: {
      "keep-running": { type: "boolean", default: false },
      screenshots: { type: "boolean", default: false },
      shoppers: { type: "string", default: "5" },
      blocked: { type: "string", default: "2" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  }).values;
} catch (error) {
  console.error(`Error: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const shoppers = Number(args.shoppers);
const blocked = Number(args.blocked);
if (!Number.isInteger(shoppers) || shoppers < 1 || shoppers > 50) {
  console.error(`Error: --shoppers must be a whole number from 1 to 50\n${USAGE}`);
  process.exit(2);
}
if (!Number.isInteger(blocked) || blocked < 0 || blocked > shoppers) {
  console.error(`Error: --blocked must be a whole number from 0 to the number of shoppers\n${USAGE}`);
  process.exit(2);
}

const log = (line: string) => console.log(line);
log(`Demo: ${shoppers} shoppers buy from the demo shop, ${blocked} of them with the Meta pixel blocked.`);
log("Everything runs on this machine: no Shopify store, no Meta account, no .env.\n");
try {
  ensureBuild(log);
  ensureChromium(log);
} catch (error) {
  console.error(`\nThe demo cannot start: ${(error as Error).message}`);
  process.exit(1);
}
// Only now: the scenario imports the app's database module, which needs the Prisma clients that
// ensureBuild may just have generated (a static import would be evaluated before any of this runs).
const { runDemo } = await import("./lib/demo/scenario");

const keepRunning = args["keep-running"];
const run = await runDemo({ shoppers, blocked, browsable: keepRunning, admin: keepRunning || args.screenshots, log }).catch(
  (error: unknown) => {
    console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

log("");
log(report(run.orders));
log("");
log(eventReport(run.events));
// Non-zero when an order is not counted exactly once, or when any event is lost or counted twice (its two
// copies carried different IDs): the demo's claim is every shopper action counted once by Meta.
const healthy =
  run.orders.every((o) => o.counted === 1 && (o.blocked || o.idsMatch) && o.delivery?.status === "sent") && run.events.every((e) => e.ok);

if (args.screenshots && run.adminUrl) {
  const { takeAdminScreenshots } = await import("./lib/demo/admin-screenshots");
  try {
    const files = await takeAdminScreenshots(run.adminUrl);
    log(`\nScreenshots of the admin: ${files.map((f) => relative(process.cwd(), f)).join(", ")}`);
  } catch (error) {
    console.error(`\nThe screenshots failed: ${(error as Error).message}`);
    await run.stop();
    process.exit(1);
  }
}

if (keepRunning) {
  log(`
Still running. Open the app's admin in your browser: ${run.adminUrl}
  The real embedded admin pages (home, settings, deliveries, an order) on the demo's data, signed in as the
  demo shop the way the Shopify admin signs a merchant in (a session token signed with the app's secret).
Open the storefront: ${run.browseUrl}
  It is the theme app embed's real Liquid and script; its Meta pixel reports to the stand-in Meta, so each
  page view and add to cart appears below. (Checkout is Shopify's own and cannot run locally.)
  App server: ${run.serverUrl} (GET /healthz) · stand-in Meta: ${run.meta.pixelUrl}/__fake-meta/summary
  Ledger: ${run.databaseUrl.replace(/^file:/, "")}
Press Ctrl-C to stop.
`);
  watch(run);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, async () => {
      log("\nStopping…");
      await run.stop();
      process.exit(healthy ? 0 : 1);
    });
  }
} else {
  await run.stop();
  log("\nDone; everything it started has stopped. `npm run demo -- --keep-running` keeps the admin and a storefront open to browse.");
  process.exit(healthy ? 0 : 1);
}

function report(orders: DemoOrder[]): string {
  const rows = orders.map((o, i) => [
    String(i + 1),
    o.blocked ? `${o.shopper} (blocked)` : o.shopper,
    o.orderId,
    o.browserPurchaseId ?? "— (pixel blocked)",
    o.serverPurchaseId ?? "— (not sent)",
    o.browserPurchaseId === null ? "—" : o.idsMatch ? "✓ same" : "✗ DIFFERENT",
    `${o.received.browser} + ${o.received.server}`,
    `${o.counted}${o.countedFrom.length ? ` (${o.countedFrom.join(" + ")} copy)` : ""}`,
    o.delivery ? `${o.delivery.status}, ${o.delivery.attempts} attempt${o.delivery.attempts === 1 ? "" : "s"}` : "no ledger row",
  ]);
  const table = textTable(
    [
      "#",
      "Shopper",
      "Order",
      "Browser Purchase event ID",
      "Server Purchase event ID",
      "IDs",
      "Meta got (browser + server)",
      "Meta counted",
      "Delivery",
    ],
    rows,
  );
  const browserOnly = orders.filter((o) => o.received.browser > 0).length;
  const countedOnce = orders.filter((o) => o.counted === 1).length;
  const received = orders.reduce((n, o) => n + o.received.browser + o.received.server, 0);
  const deliveries = orders.reduce((n, o) => n + o.webhookDeliveries.length, 0);
  const ledgerRows = orders.reduce((n, o) => n + o.ledgerRows, 0);
  const storefront = new Map<string, number>();
  for (const name of orders.flatMap((o) => o.storefrontEvents)) storefront.set(name, (storefront.get(name) ?? 0) + 1);
  const lines = [
    table,
    "",
    `Purchases: ${orders.length} orders. The browser pixel alone reported ${browserOnly} of them; with the Conversions API Meta received ${received} Purchase events and counted ${countedOnce} orders exactly once${countedOnce === orders.length ? " — every sale once, none twice" : ` — ✗ ${orders.length - countedOnce} order(s) not counted exactly once`}.`,
    `Meta's rule: the same event name and event ID within 48 hours count once, whichever side sent them (dev/fake-meta applies it).`,
    `Webhooks: ${deliveries} orders/paid deliveries (each order twice, as Shopify retries) → ${ledgerRows} ledger rows → ${orders.filter((o) => o.received.server === 1).length} server Purchases, each sent once.`,
    `Storefront events that reached Meta from the browser: ${[...storefront].map(([name, n]) => `${name} ${n}`).join(", ") || "none"}.`,
  ];
  return lines.join("\n");
}

function eventReport(events: DemoEventRow[]): string {
  const table = textTable(
    [
      "Event",
      "Shopper actions",
      "Browser → Meta (/tr)",
      "Server → Meta (Conversions API)",
      "Same event ID",
      "Meta counted (48 h dedup)",
      "Check",
    ],
    events.map((e) => [
      e.eventName,
      String(e.actions),
      String(e.browser),
      String(e.server),
      e.unmatched === 0 ? `✓ ${e.shared} of ${e.browser}` : `✗ ${e.unmatched} of ${e.browser} without the server's ID`,
      String(e.counted),
      e.ok ? "✓ each once" : e.counted > e.actions ? "✗ COUNTED TWICE" : e.counted < e.actions ? "✗ LOST" : "✗ IDS DIFFER",
    ]),
  );
  const totals = events.reduce(
    (t, e) => ({ browser: t.browser + e.browser, server: t.server + e.server, counted: t.counted + e.counted }),
    { browser: 0, server: 0, counted: 0 },
  );
  return [
    table,
    "",
    `Every event, both reporters: the browser sent ${totals.browser} to Meta's pixel endpoint, the app sent ${totals.server} through the Conversions API ` +
      `(storefront events via the signed app proxy, Purchases from orders/paid); Meta counted ${totals.counted}` +
      `${events.every((e) => e.ok) ? " — each shopper action once." : " — ✗ not each shopper action once."}`,
  ].join("\n");
}

// Prints what reaches the stand-in Meta while someone browses the storefront.
function watch(demo: DemoRun): void {
  let browserSeen = demo.meta.browserEvents().length;
  let serverSeen = demo.meta.graph.received().length;
  setInterval(() => {
    const browser = demo.meta.browserEvents();
    for (const e of browser.slice(browserSeen))
      log(`  Meta ← browser  ${e.eventName} ${e.eventId ?? "(no event ID)"}${e.url ? `  ${new URL(e.url).pathname}` : ""}`);
    browserSeen = browser.length;
    const server = demo.meta.graph.received();
    for (const e of server.slice(serverSeen)) log(`  Meta ← server   ${e.eventName} ${e.eventId ?? "(no event ID)"}`);
    serverSeen = server.length;
  }, 500).unref();
}
