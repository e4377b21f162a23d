// The production server as `npm start` runs it (no NODE_ENV set), under hostile callers: it is production
// by default (the example's zero key refused, no stack trace in any answer or log line), it refuses an
// unsigned webhook before holding its body, and it caps the request bytes it holds at once.
import { spawn } from "node:child_process";
import { request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { API_SECRET_KEY } from "@shopify/shopify-api/test-helpers";
import { signProxyUrl } from "../../dev/fake-shopify/app-proxy";
import { nextOrderId, paidOrderJson } from "../../dev/fake-shopify/orders";
import { freePort, peakRss, waitFor, type AppProcess } from "../helpers/app-process";
import { signedWebhookRequest } from "../helpers/webhook-request";
import { ROOT } from "../../scripts/lib/app-process";
import { APP_NODE_FLAGS } from "../../scripts/lib/node-flags.mjs";
import { createRig, figure, pool, SHOP_A, trackCleanups, type Rig } from "./harness";

const cleanups = trackCleanups();

const WEBHOOK_TOPICS = ["orders/paid", "customers/data_request", "customers/redact", "shop/redact", "app/uninstalled", "app/scopes_update"];

/** `npm start` with exactly `env` (no NODE_ENV unless given): resolves once it serves, or with its exit. */
async function startServer(env: Record<string, string>): Promise<AppProcess & { exitCode(): Promise<number | null> }> {
  const port = String(await freePort());
  // Typed as ProcessEnv, which declares NODE_ENV: leaving it out is the point.
  const childEnv = { ...env, PORT: port } as unknown as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, "build/app-server.mjs"], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const app: AppProcess & { exitCode(): Promise<number | null> } = {
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    exitCode: () => exited,
  };
  cleanups.push(() => app.stop("SIGKILL"));
  const deadline = Date.now() + 30_000;
  while (!output.includes("server listening") && child.exitCode === null) {
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return app;
}

function defaultEnv(rig: Rig, overrides: Record<string, string> = {}): Record<string, string> {
  const env = rig.env(overrides);
  delete env.NODE_ENV;
  return env;
}

/** What a stack trace or a server path looks like in an answer or a log line. */
function leaks(text: string): string[] {
  const found: string[] = [];
  if (text.includes("    at ")) found.push("stack frame");
  if (/\bat [\w.<>]+ \(/.test(text)) found.push("stack frame");
  if (text.includes(ROOT) || text.includes(ROOT.replace(/\/$/, ""))) found.push("project path");
  if (text.includes("node_modules")) found.push("node_modules path");
  if (/file:\/\//.test(text)) found.push("file URL");
  if (/\.(ts|tsx|js|mjs):\d+/.test(text)) found.push("source location");
  return found;
}

/** A raw HTTP POST that sends its headers and `firstBytes` of a body declared as `declared` bytes, then waits. */
function partialPost(url: string, path: string, headers: Record<string, string>, declared: number, firstBytes: number) {
  const { hostname, port } = new URL(url);
  let request!: ClientRequest;
  const response = new Promise<IncomingMessage | "error">((resolve) => {
    request = httpRequest({ hostname, port, path, method: "POST", headers: { ...headers, "Content-Length": String(declared) } }, resolve);
    request.on("error", () => resolve("error"));
    request.write(Buffer.alloc(firstBytes, "x"));
  });
  return { request, response };
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms))]);

describe("the server under hostile input", () => {
  it("a default start (no NODE_ENV) is production: it refuses the example's all-zero key with a clear message", async () => {
    const rig = await createRig(cleanups);
    const app = await startServer(defaultEnv(rig, { TOKEN_ENCRYPTION_KEY: "0".repeat(64) }));
    expect(await app.exitCode()).toBe(1);
    expect(app.output()).toContain("TOKEN_ENCRYPTION_KEY is the example's all-zero key");
    expect(app.output()).toContain("openssl rand -hex 32");
    expect(leaks(app.output())).toEqual([]);
  });

  it("a default start answers anonymous and malformed requests without a stack trace or a path, in the answer or the log", async () => {
    const rig = await createRig(cleanups);
    const app = await startServer(defaultEnv(rig));
    expect(app.output()).toContain('"mode":"production"');
    const answers: { what: string; status: number; body: string }[] = [];
    const send = async (what: string, path: string, init: RequestInit = {}) => {
      const response = await fetch(`${app.url}${path}`, { redirect: "manual", ...init });
      answers.push({ what, status: response.status, body: await response.text() });
      return response.status;
    };
    const signed = (topic: string, body: string, path = `/webhooks/${topic}`, secret?: string) => {
      const request = signedWebhookRequest({ topic, shop: SHOP_A.shop, body, secret });
      return send(`signed ${topic} at ${path}`, path, { method: "POST", headers: request.headers, body });
    };

    for (const topic of WEBHOOK_TOPICS) {
      expect(await send(`GET ${topic}`, `/webhooks/${topic}`)).toBe(405);
      expect(await send(`anonymous POST ${topic}`, `/webhooks/${topic}`, { method: "POST", body: "{}" })).toBe(401);
      expect(await signed(topic, "{}", `/webhooks/${topic}`, "not-the-secret")).toBe(401);
      expect(await signed(topic, "{not json")).toBe(400);
    }
    expect(await send("GET with _data", "/webhooks/orders/paid?_data=routes%2Fwebhooks.orders.paid")).toBe(405);
    expect(await send("HEAD webhook", "/webhooks/orders/paid", { method: "HEAD" })).toBe(405);
    expect(await send("PUT webhook, unsigned", "/webhooks/orders/paid", { method: "PUT", body: "{}" })).toBe(401);
    expect(await send("unknown path", "/no/such/page")).toBe(404);
    expect(await send("unknown webhook route", "/webhooks/orders/create", { method: "POST", body: "{}" })).toBe(401);
    expect(await signed("orders/create", "{}")).toBe(404);
    expect(await signed("shop/redact", "{}", "/webhooks/orders/paid")).toBe(400);
    expect(await send("malformed URL encoding", "/%E0%A4%A")).toBe(400);
    expect(await send("malformed asset path", "/assets/%c0%ae%c0%ae/x.js")).toBe(400);
    expect(await send("POST to healthz", "/healthz", { method: "POST", body: "x" })).toBe(405);
    // The app proxy: Shopify's signature or nothing; then the body is checked, and its size.
    const proxyUrl = () => {
      const signed = new URL(signProxyUrl(`${app.url}/proxy/events`, { shop: SHOP_A.shop, secret: API_SECRET_KEY }));
      return signed.pathname + signed.search;
    };
    expect(
      await send("proxy unsigned", "/proxy/events", { method: "POST", headers: { "Content-Type": "text/plain" }, body: '{"events":[]}' }),
    ).toBe(401);
    expect(await send("proxy junk", proxyUrl(), { method: "POST", headers: { "Content-Type": "text/plain" }, body: '{"shop":' })).toBe(400);
    expect(
      await send("proxy 5 MB", proxyUrl(), {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: "x".repeat(5 * 1024 * 1024),
      }),
    ).toBe(413);
    for (const path of ["/", "/app", "/app/settings", "/app/deliveries/1", "/auth/login", "/auth/session-token"]) {
      await send(`anonymous GET ${path}`, path);
      await send(`anonymous POST ${path}`, path, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "intent=retry&x=%",
      });
    }
    // A document request for a path that does not exist renders Remix's 404 page.
    expect(await send("unknown document", "/nope.html", { headers: { Accept: "text/html" } })).toBe(404);

    // A real order still goes through.
    expect(await signed("orders/paid", paidOrderJson({ id: nextOrderId() }))).toBe(200);
    // The worker's lines for it are in the log before the log is read: it reached Meta and was recorded.
    await waitFor(() => app.output().includes('"delivered to Meta"'), 20_000, "the order delivered");

    const fivexx = answers.filter((a) => a.status >= 500);
    expect(fivexx).toEqual([]);
    const leakingAnswers = answers.filter((a) => leaks(a.body).length > 0).map((a) => ({ what: a.what, leaks: leaks(a.body) }));
    expect(leakingAnswers).toEqual([]);
    const lines = app.output().split("\n").filter(Boolean);
    if (lines.some((line) => leaks(line).length > 0)) console.log(app.output());
    expect(lines.filter((line) => leaks(line).length > 0)).toEqual([]);
    // A refused request is one line, not a stack.
    expect(lines.some((line) => line.includes('"status":404') && line.includes("request refused"))).toBe(true);

    figure(
      "hostile (no NODE_ENV)",
      `${answers.length} anonymous or malformed requests, answered ${[...new Set(answers.map((a) => a.status))].sort().join("/")}; ` +
        `0 stack traces or paths in ${answers.length} bodies and ${lines.length} log lines`,
    );
  }, 120_000);

  it("an unexpected failure (the ledger table gone) answers a plain 500 and logs one line without internals", async () => {
    const rig = await createRig(cleanups);
    const app = await startServer(defaultEnv(rig, { WORKER_MODE: "external" }));
    await rig.db.$executeRawUnsafe(`ALTER TABLE "Delivery" RENAME TO "DeliveryGone"`);
    cleanups.push(() => rig.db.$executeRawUnsafe(`ALTER TABLE "DeliveryGone" RENAME TO "Delivery"`));
    const body = paidOrderJson({ id: nextOrderId() });
    const request = signedWebhookRequest({ topic: "orders/paid", shop: SHOP_A.shop, body });
    const response = await fetch(`${app.url}/webhooks/orders/paid`, { method: "POST", headers: request.headers, body });
    const text = await response.text();
    // Shopify retries a 5xx, which is right here: the order is not lost, it comes back.
    expect(response.status).toBe(500);
    expect(leaks(text)).toEqual([]);
    expect(text).not.toMatch(/prisma|Delivery|invocation/i);
    const errorLines = () =>
      app
        .output()
        .split("\n")
        .filter((line) => line.includes("unexpected error while handling a request"));
    await waitFor(() => errorLines().length > 0, 10_000, "the error logged");
    // A later request's line: whatever the failed request logged has been written before it.
    expect((await fetch(`${app.url}/%E0%A4%A`)).status).toBe(400);
    await waitFor(() => app.output().includes('"request refused"'), 10_000, "the later request logged");
    const lines = errorLines();
    expect(lines).toHaveLength(1);
    expect(leaks(lines[0])).toEqual([]);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 50, method: "POST", path: "/webhooks/orders/paid" });
  }, 60_000);

  it("refuses an unsigned webhook before its body arrives, and answers 503 with Retry-After past the bytes-in-flight cap", async () => {
    const rig = await createRig(cleanups);
    const cap = 3 * 1024 * 1024;
    const app = await startServer(defaultEnv(rig, { MAX_BODY_BYTES_IN_FLIGHT: String(cap) }));
    const declared = 1_900_000;

    // No signature header: 401 while the client has sent 1 KB of a declared 1.9 MB.
    const unsigned = partialPost(app.url, "/webhooks/orders/paid", { "Content-Type": "application/json" }, declared, 1024);
    const early = await within(unsigned.response, 10_000);
    expect(early === "pending" || early === "error" ? early : early.statusCode).toBe(401);
    unsigned.request.destroy();

    // Two signed-looking posts of 1.9 MB each do not fit in 3 MB: whichever arrives second gets 503 at once.
    const headers = {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": "bm90LWEtcmVhbC1zaWduYXR1cmU=",
      "X-Shopify-Topic": "orders/paid",
    };
    const first = partialPost(app.url, "/webhooks/orders/paid", headers, declared, 1024);
    const second = partialPost(app.url, "/webhooks/orders/paid", headers, declared, 1024);
    const settled = await Promise.all([within(first.response, 3000), within(second.response, 3000)]);
    const answered = settled.filter((r): r is IncomingMessage => r !== "pending" && r !== "error");
    expect(answered.map((r) => r.statusCode)).toEqual([503]);
    expect(answered[0].headers["retry-after"]).toBe("5");
    expect(settled.filter((r) => r === "pending")).toHaveLength(1);

    // The held one goes away; its share comes back, so a real order of 1.5 MB fits again.
    first.request.destroy();
    second.request.destroy();
    const orderId = nextOrderId();
    const big = paidOrderJson({ id: orderId }).replace(/^\{/, `{"x_padding":"${"n".repeat(1_500_000)}",`);
    const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP_A.shop, body: big });
    // The server notices the closed connections in its own time: until then it may still say 503, never anything else.
    const status = await waitFor(
      async () => {
        const answer = (await fetch(`${app.url}/webhooks/orders/paid`, { method: "POST", headers: signed.headers, body: big })).status;
        return answer === 503 ? false : answer;
      },
      10_000,
      "the held bytes released",
    );
    expect(status).toBe(200);
    expect(await rig.db.delivery.count({ where: { shop: SHOP_A.shop, orderId } })).toBe(1);
  }, 60_000);

  it("a flood of 1.9 MB unsigned posts leaves memory bounded and real orders answered", async () => {
    const rig = await createRig(cleanups);
    const app = await startServer(defaultEnv(rig));
    // Warm the route, so the baseline includes the loaded app.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const warm = paidOrderJson({ id: nextOrderId() });
    const warmSigned = signedWebhookRequest({ topic: "orders/paid", shop: SHOP_A.shop, body: warm });
    expect((await fetch(`${app.url}/webhooks/orders/paid`, { method: "POST", headers: warmSigned.headers, body: warm })).status).toBe(200);
    const baseline = peakRss(app)?.appBytes ?? 0;

    const body = Buffer.alloc(1_900_000, "x");
    const forged = {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": "bm90LWEtcmVhbC1zaWduYXR1cmU=",
      "X-Shopify-Topic": "orders/paid",
      "X-Shopify-Shop-Domain": SHOP_A.shop,
    };
    const statuses = new Map<string, number>();
    const flood = async (headers: Record<string, string>) => {
      await pool(
        Array.from({ length: 200 }, (_, i) => i),
        200,
        async () => {
          let status: string;
          try {
            const response = await fetch(`${app.url}/webhooks/orders/paid`, {
              method: "POST",
              headers,
              body,
              signal: AbortSignal.timeout(60_000),
            });
            await response.arrayBuffer();
            status = String(response.status);
          } catch {
            status = "error";
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
      );
    };
    const started = Date.now();
    // 200 at once without the signature header: refused unread.
    await flood({ "Content-Type": "application/json" });
    const afterUnsigned = peakRss(app)?.appBytes ?? 0;
    const unsignedStatuses = new Map(statuses);
    // 200 at once with a forged one: read (within the cap) and refused, or turned away past the cap.
    await flood(forged);
    const seconds = (Date.now() - started) / 1000;
    const peak = peakRss(app)?.appBytes ?? 0;

    // A real order right after is stored.
    const orderId = nextOrderId();
    const order = paidOrderJson({ id: orderId });
    const signed = signedWebhookRequest({ topic: "orders/paid", shop: SHOP_A.shop, body: order });
    expect((await fetch(`${app.url}/webhooks/orders/paid`, { method: "POST", headers: signed.headers, body: order })).status).toBe(200);
    expect(await rig.db.delivery.count({ where: { shop: SHOP_A.shop, orderId } })).toBe(1);

    const answered = [...statuses.keys()];
    expect(answered.filter((s) => !["401", "503"].includes(s))).toEqual([]);
    expect(unsignedStatuses).toEqual(new Map([["401", 200]]));
    const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));
    figure(
      "unsigned-body flood",
      `2 x 200 concurrent 1.9 MB posts in ${seconds.toFixed(1)} s, answered ${[...statuses].map(([s, n]) => `${s} x${n}`).join(", ")}; ` +
        `server peak RSS ${mb(baseline)} MB before, ${mb(afterUnsigned)} MB after 200 without a signature header, ` +
        `${mb(peak)} MB after 200 more with a forged one (cap ${mb(64 * 1024 * 1024)} MB in flight)`,
    );
    // Generous bounds: the server without these guards grew by over 700 MB under the first flood alone.
    if (baseline > 0) {
      expect(afterUnsigned - baseline).toBeLessThan(150 * 1024 * 1024);
      expect(peak - baseline).toBeLessThan(450 * 1024 * 1024);
    }
  }, 180_000);
});
