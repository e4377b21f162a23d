// The local stand-in for Meta that the demo, the benchmark and anyone developing the app can run: the strict
// fake Conversions API (./graph-api.ts, the same one the test suites use, so the demo is held
// to the same contract) plus the browser pixel endpoint (/tr), and Meta's deduplication applied across both.
//
//   const meta = await startFakeMeta({ latencyMs: [150, 400] });
//   // server: META_GRAPH_API_URL=meta.graphUrl     browser: send /tr beacons to meta.pixelUrl
//   meta.counted()  // what Meta would count: browser and server copies of one event count once
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterDedup, startFakeGraphApi, type FakeGraphApi, type FakeHandler } from "./graph-api";
import { fakeFbeventsJs } from "./fbevents";
import { createPixelRecorder, type BrowserPixelEvent } from "./pixel-endpoint";

export type { BrowserPixelEvent } from "./pixel-endpoint";

/** How the Conversions API behaves; the browser endpoint always answers at once. */
export type Behaviour =
  | { kind: "normal"; latencyMs?: [number, number] }
  /** Every request answers after `ms`: longer than Shopify's 5-second webhook budget, for instance. */
  | { kind: "slow"; ms: number }
  /** Meta down: HTTP 503 with a transient Graph error (code 2), nothing recorded. */
  | { kind: "outage" };

export interface CountedEvent {
  source: "browser" | "server";
  pixelId: string;
  eventName: string;
  eventId: string | null;
  receivedAt: Date;
}

export interface FakeMeta {
  /** Base URL of the Conversions API stand-in: the app's META_GRAPH_API_URL. */
  graphUrl: string;
  /** Base URL of the browser side: beacons go to `${pixelUrl}/tr`; Meta's script is `${pixelUrl}/en_US/fbevents.js`. */
  pixelUrl: string;
  graph: FakeGraphApi;
  browserEvents(): BrowserPixelEvent[];
  /** Every event Meta would count once deduplicated, browser and server together, in arrival order. */
  counted(): CountedEvent[];
  setBehaviour(behaviour: Behaviour): void;
  close(): Promise<void>;
}

export interface FakeMetaOptions {
  /** Conversions API answer delay, drawn uniformly from [min, max] per request; Meta is not instant. */
  latencyMs?: [number, number];
  /** pixelId -> the only token that works for it (see FakeGraphApiOptions.tokens). */
  tokens?: Record<string, string>;
  graphPort?: number;
  pixelPort?: number;
  now?: () => Date;
}

/** Browser and server copies merged in arrival order, then Meta's deduplication (graph-api.ts). */
export function countAfterDedup(events: CountedEvent[]): CountedEvent[] {
  return afterDedup([...events].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime()));
}

export async function startFakeMeta(opts: FakeMetaOptions = {}): Promise<FakeMeta> {
  const now = opts.now ?? (() => new Date());
  const pixel = createPixelRecorder({ now });
  const graph = await startFakeGraphApi({
    port: opts.graphPort,
    tokens: opts.tokens,
    now,
    // Dataset Quality's deduplication and coverage figures pair the browser copies with the server's.
    browserEvents: (pixelId) =>
      pixel
        .events()
        .filter((e) => e.pixelId === pixelId && e.eventName !== null)
        .map((e) => ({ eventName: e.eventName!, eventId: e.eventId })),
  });

  const setBehaviour = (behaviour: Behaviour) => graph.setHandler(handlerFor(behaviour));
  setBehaviour({ kind: "normal", latencyMs: opts.latencyMs });

  const browserEvents = () => pixel.events();
  const counted = () =>
    countAfterDedup([
      ...pixel
        .events()
        .filter((e) => e.pixelId !== null && e.eventName !== null)
        .map((e) => ({
          source: "browser" as const,
          pixelId: e.pixelId!,
          eventName: e.eventName!,
          eventId: e.eventId,
          receivedAt: e.receivedAt,
        })),
      ...graph.receivedKeys().map((e) => ({
        source: "server" as const,
        pixelId: e.pixelId,
        eventName: e.eventName,
        eventId: e.eventId,
        receivedAt: e.receivedAt,
      })),
    ]);

  let pixelUrl = "";
  const server = createServer((req, res) => {
    if (pixel.handle(req, res)) return;
    // connect.facebook.net's path, so a browser can be pointed here for Meta's script.
    if (req.url === "/en_US/fbevents.js") {
      res.writeHead(200, { "content-type": "application/javascript", "cache-control": "no-store", "access-control-allow-origin": "*" });
      res.end(fakeFbeventsJs(`${pixelUrl}/tr`));
      return;
    }
    if (handleControl(req, res)) return;
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
  });

  // For a stand-in running as its own process (dev/fake-meta/serve.ts): a summary to check against, and a
  // switch for the behaviour, so a benchmark can make Meta slow or down between phases.
  function handleControl(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? "/", "http://control.invalid").pathname;
    // The two counters alone, in constant time, for a benchmark that polls them every few milliseconds
    // (the summary's Meta-side count dedups every event received so far).
    if (path === "/__fake-meta/counters" && req.method === "GET") {
      const body = { serverEvents: graph.receivedCount(), serverRequests: graph.requestCount() };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      return true;
    }
    if (path === "/__fake-meta/summary" && req.method === "GET") {
      const all = counted();
      const body = {
        browserEvents: pixel.events().length,
        serverEvents: graph.receivedCount(),
        serverRequests: graph.requestCount(),
        counted: all.length,
        countedServerPurchases: all.filter((e) => e.source === "server" && e.eventName === "Purchase").length,
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      return true;
    }
    if (path === "/__fake-meta/behaviour" && req.method === "POST") {
      let text = "";
      req.on("data", (chunk) => (text += chunk));
      req.on("end", () => {
        try {
          setBehaviour(parseBehaviour(JSON.parse(text)));
          res.writeHead(204).end();
        } catch (error) {
          res.writeHead(400, { "content-type": "text/plain" }).end(String(error));
        }
      });
      return true;
    }
    return false;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.pixelPort ?? 0, "127.0.0.1", () => resolve());
  });
  pixelUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    graphUrl: graph.url,
    pixelUrl,
    graph,
    browserEvents,
    counted,
    setBehaviour,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await graph.close();
    },
  };
}

function handlerFor(behaviour: Behaviour): FakeHandler | null {
  switch (behaviour.kind) {
    case "normal": {
      const range = behaviour.latencyMs;
      if (!range) return null;
      const [min, max] = range;
      return () => ({ kind: "delay", ms: Math.round(min + Math.random() * (max - min)) });
    }
    case "slow":
      return () => ({ kind: "delay", ms: behaviour.ms });
    case "outage":
      return () => ({ kind: "graph-error", status: 503, code: 2, isTransient: true });
  }
}

export function parseBehaviour(value: unknown): Behaviour {
  const v = value as Record<string, unknown> | null;
  const kind = v?.kind;
  if (kind === "normal") {
    const range = v!.latencyMs;
    if (range === undefined) return { kind };
    if (Array.isArray(range) && range.length === 2 && range.every((n) => typeof n === "number" && n >= 0) && range[0] <= range[1]) {
      return { kind, latencyMs: [range[0], range[1]] };
    }
    throw new Error("latencyMs must be [min, max] in milliseconds");
  }
  if (kind === "slow" && typeof v!.ms === "number" && v!.ms >= 0) return { kind, ms: v!.ms };
  if (kind === "outage") return { kind };
  throw new Error('behaviour must be {"kind":"normal","latencyMs":[min,max]}, {"kind":"slow","ms":n} or {"kind":"outage"}');
}
