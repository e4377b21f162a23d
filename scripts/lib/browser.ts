// Real headless Chromium for the tests and the demo, through playwright-core and Debian's /usr/bin/chromium (Playwright's
// own browser downloads cannot run here). No network: `offline(context, { allow })` answers or aborts every
// request that leaves the allowed origins.
//
//   const chromium = await launchChromium();          // beforeAll
//   const context = await chromium.newContext();      // one per test: fresh cookies and storage
//   await offline(context, { allow: [server.origin] });
//   const problems = watchPage(page);                 // console errors/warnings and uncaught exceptions
//   await chromium.close();                           // afterAll; kills the process if it hangs
import { existsSync } from "node:fs";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type BrowserServer,
  type ConsoleMessage,
  type Page,
  type Route,
} from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Flags that work as root in a container without network (docs/stack.md, Browser tests).
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ChromiumHandle {
  browser: Browser;
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Closes every context and the browser; kills the process when a graceful close takes too long. */
  close(): Promise<void>;
}

/**
 * Launches Chromium as a server process we own (so it can be killed, not just asked to close). Playwright
 * gives each launch a fresh temporary user-data-dir and deletes it on close: no state leaks between runs.
 */
export async function launchChromium(options: { timeoutMs?: number } = {}): Promise<ChromiumHandle> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const server: BrowserServer = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: options.timeoutMs ?? 30_000,
  });
  const kill = () => {
    try {
      server.process().kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  // A test runner that dies mid-file must not leave Chromium behind.
  process.once("exit", kill);
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (error) {
    kill();
    process.removeListener("exit", kill);
    throw error;
  }

  let closed = false;
  return {
    browser,
    newContext: (contextOptions) => browser.newContext(contextOptions),
    async close() {
      if (closed) return;
      closed = true;
      const graceful = (async () => {
        await Promise.allSettled(browser.contexts().map((c) => c.close()));
        await browser.close().catch(() => undefined);
        await server.close();
      })();
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000).unref()),
      ]);
      if (timedOut) kill();
      process.removeListener("exit", kill);
    },
  };
}

export interface OfflineOptions {
  /** Origins that may be reached (e.g. a local test server). Everything else is answered or aborted. */
  allow: string[];
  /** Answers for specific external URLs; return false to fall through to "aborted". */
  handle?: (route: Route, url: URL) => Promise<boolean> | boolean;
}

export interface OfflineLog {
  /** External URLs the page asked for, answered or not, in order. */
  external: string[];
}

/** Routes every request of the context: allowed origins pass, `handle` may answer others, the rest abort. */
export async function offline(context: BrowserContext, options: OfflineOptions): Promise<OfflineLog> {
  const log: OfflineLog = { external: [] };
  // Allowed origins are not routed at all: every intercepted request costs a round trip through Playwright.
  const external = (url: URL) => !options.allow.includes(url.origin) && url.protocol !== "data:" && url.protocol !== "blob:";
  await context.route(external, async (route) => {
    const url = new URL(route.request().url());
    log.external.push(url.href);
    if (options.handle && (await options.handle(route, url))) return;
    return route.abort("blockedbyclient");
  });
  return log;
}

export interface PageProblems {
  /** console.error / console.warn messages and uncaught exceptions, as text. */
  all(): string[];
  /** The same, without the browser's own "Failed to load resource" lines for the given URL prefixes. */
  except(expectedFailures: string[]): string[];
  /** Every console message of any level (the storefront script must log nothing at all). */
  consoleMessages: ConsoleMessage[];
}

export function watchPage(page: Page): PageProblems {
  const problems: Array<{ text: string; url: string }> = [];
  const consoleMessages: ConsoleMessage[] = [];
  page.on("console", (message) => {
    consoleMessages.push(message);
    if (message.type() === "error" || message.type() === "warning") {
      problems.push({ text: `console.${message.type()}: ${message.text()}`, url: message.location().url });
    }
  });
  page.on("pageerror", (error) => problems.push({ text: `uncaught: ${error.stack ?? error.message}`, url: "" }));
  return {
    all: () => problems.map((p) => p.text),
    // The network stack, not page code, prints these when a request is blocked or 404s.
    except: (prefixes) =>
      problems
        .filter((p) => !(p.text.includes("Failed to load resource") && prefixes.some((prefix) => p.url.startsWith(prefix))))
        .map((p) => p.text),
    consoleMessages,
  };
}

/** Polls `check` until it returns a truthy value (returned) or the time runs out (throws with `what`). */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5_000): Promise<NonNullable<Awaited<T>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<Awaited<T>>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
