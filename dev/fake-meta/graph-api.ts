// A local stand-in for the Conversions API edge of the Graph API (POST /{version}/{pixel}/events).
//
// It is deliberately at least as strict as Meta (meta-capi-reference.md §1-§7): a payload this fake accepts should
// be one Meta accepts, so the validation rules below are the contract our event builder is tested against.
// Where Meta's behaviour is unknown or unconfirmed, the fake picks the stricter reading and says so in a comment.
// It answers over real HTTP so the production client (timeouts, body handling, error parsing) runs unmodified,
// and it can inject the failures the delivery worker must survive (see `fail` and `setHandler`).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { parseJson } from "../../app/lib/result";
import { datasetQualityBody, unknownQualityField, type BrowserCopy } from "./dataset-quality";

export type Fault =
  /** Answer with exactly this (a JSON-serialised body unless it is a string; no body if omitted). */
  | { kind: "http"; status: number; body?: unknown; headers?: Record<string, string> }
  /** Wait, then answer normally: events are still recorded even if the client gave up meanwhile, like Meta. */
  | { kind: "delay"; ms: number }
  /** Read the request, then destroy the socket without answering. Nothing is recorded. */
  | { kind: "reset" }
  /** Answer with a Graph error envelope (HTTP 400 unless `status` is given). Nothing is recorded. */
  | {
      kind: "graph-error";
      code: number;
      subcode?: number;
      isTransient?: boolean;
      status?: number;
      message?: string;
      headers?: Record<string, string>;
    };

export interface FakeGraphApiOptions {
  port?: number;
  /** Clock for event_time checks and receivedAt (and so for the 48 h dedup window). */
  now?: () => Date;
  /**
   * pixelId -> the only token that works for it. Without it every non-empty token works for every pixel;
   * with it, unknown pixels answer 100/33 like a pixel the system user is not assigned to.
   */
  tokens?: Record<string, string>;
  /** Browser copies seen by the pixel endpoint, so the Dataset Quality answer can pair them with server events. */
  browserEvents?: (pixelId: string) => BrowserCopy[];
}

export interface ReceivedEvent {
  pixelId: string;
  eventName: string;
  eventId: string | null;
  testEventCode: string | null;
  partnerAgent: string | null;
  receivedAt: Date;
  /** The event exactly as it arrived in `data`. */
  event: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as requested: tests assert no token ever appears here. */
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  pixelId: string | null;
  /** Events in `data`, when the body could be read as far as that; null otherwise. */
  eventCount: number | null;
  /** Status answered; null while pending or when the connection was reset / abandoned. */
  status: number | null;
  receivedAt: Date;
}

/** What a custom handler sees: the request after routing and body parsing. */
export interface FakeRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  version: string;
  pixelId: string;
  /** Query and body parameters merged (body wins), `data` parsed from JSON; null if the body was unreadable. */
  params: Record<string, unknown> | null;
  rawBody: string;
}

/** Return a Fault to answer with it (a "delay" then continues normally), or nothing to fall through. */
export type FakeHandler = (request: FakeRequest) => Fault | null | undefined | Promise<Fault | null | undefined>;

export interface FakeGraphApi {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash): use as the client's baseUrl. */
  readonly url: string;
  /** Every accepted event, in arrival order. */
  received(): ReceivedEvent[];
  /**
   * What identifies each accepted event, in arrival order, without copying its body: received() clones every
   * event, which a summary polled during a benchmark must not do (it took the stand-in seconds of CPU).
   */
  receivedKeys(): Pick<ReceivedEvent, "pixelId" | "eventName" | "eventId" | "receivedAt">[];
  /** How many events were accepted, and how many requests came, without copying them. */
  receivedCount(): number;
  requestCount(): number;
  /** Accepted events after Meta's dedup: repeats of (pixel, event_name, event_id) within 48 h of the first drop out. */
  counted(pixelId?: string): ReceivedEvent[];
  requests(): RecordedRequest[];
  /** The next `count` requests to an events edge get `fault` (queued after any faults already pending). */
  fail(count: number, fault: Fault): void;
  /** Consulted for each events request after queued faults; null removes it. */
  setHandler(handler: FakeHandler | null): void;
  /** The next `count` Dataset Quality requests get `fault` ("delay" for a slow answer, "http" for a malformed one). */
  failQuality(count: number, fault: Fault): void;
  /** From now on the pixel's token answers 190/463 ("Session has expired") until `setToken` replaces it. */
  expireToken(pixelId: string): void;
  /** Registers (or replaces, e.g. after a merchant reconnects) the token for a pixel. */
  setToken(pixelId: string, token: string): void;
  /** Forgets events, requests, faults, the handler and expiries; tokens go back to the constructor's map. */
  reset(): void;
  /** Resolves once no request is being handled (e.g. a delayed one that will still record its events). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

// Meta does not publish a body limit for this edge; 10 MB is far above 1000 realistic events.
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
// Beyond this we stop draining and drop the connection, so a runaway client cannot pin the test process.
const HARD_BODY_LIMIT = 10 * MAX_BODY_BYTES;
export const MAX_EVENTS_PER_REQUEST = 1000;
const DAY_SECONDS = 24 * 60 * 60;
const MAX_EVENT_AGE_SECONDS = 7 * DAY_SECONDS;
const MAX_PHYSICAL_STORE_AGE_SECONDS = 62 * DAY_SECONDS;
// Meta documents no future limit; events from the future are reported to fail, so allow only clock skew.
const MAX_CLOCK_SKEW_SECONDS = 60;
// Seconds-since-epoch stays below 1e11 until the year 5138; anything larger is a milliseconds mistake.
const MAX_PLAUSIBLE_SECONDS = 1e11;
const DEDUP_WINDOW_MS = 48 * 60 * 60 * 1000;

/**
 * Meta's rule (meta-capi-reference.md §5): the same event name and event ID reaching the same pixel within
 * 48 hours of the first copy is discarded, whichever side, browser or server, sent it. `events` in arrival order.
 */
export function afterDedup<E extends { pixelId: string; eventName: string; eventId: string | null; receivedAt: Date }>(events: E[]): E[] {
  const firstSeen = new Map<string, number>();
  return events.filter((e) => {
    if (e.eventId === null) return true;
    const key = JSON.stringify([e.pixelId, e.eventName, e.eventId]);
    const first = firstSeen.get(key);
    const at = e.receivedAt.getTime();
    if (first !== undefined && at - first < DEDUP_WINDOW_MS) return false;
    firstSeen.set(key, at);
    return true;
  });
}

const ACTION_SOURCES = new Set([
  "email",
  "website",
  "app",
  "phone_call",
  "chat",
  "physical_store",
  "system_generated",
  "business_messaging",
  "other",
]);

// Stricter than Meta for external_id, which Meta only recommends hashing: this project hashes it on both sides.
const HASHED_KEYS = ["em", "ph", "fn", "ln", "ct", "st", "zp", "country", "external_id", "db", "ge"] as const;
// Lowercase SHA-256 hex, optionally with the Parameter Builder's ".<base64url appendix>".
const HASHED_VALUE = /^[0-9a-f]{64}(\.[A-Za-z0-9_-]+)?$/;
const BROWSER_ID = /^fb\.\d\.\d+\.\S+$/;
const CUSTOMER_INFO_KEYS = [
  ...HASHED_KEYS,
  "client_ip_address",
  "client_user_agent",
  "fbc",
  "fbp",
  "subscription_id",
  "fb_login_id",
  "lead_id",
  "anon_id",
  "madid",
  "page_id",
  "page_scoped_user_id",
  "ctwa_clid",
  "ig_account_id",
  "ig_sid",
];
// Meta's baseline for matching (§3): an event whose customer information is only one of these, or a subset of
// one, is invalid.
const INSUFFICIENT_COMBINATIONS = [
  ["ct", "country", "st", "zp", "ge", "client_user_agent"],
  ["db", "client_user_agent"],
  ["fn", "ge"],
  ["ln", "ge"],
].map((keys) => new Set(keys));
const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

const VERSION_PATTERN = /^v\d+\.\d+$/;
const EVENTS_PATH = /^\/([^/]+)\/([^/]+)\/events\/?$/;
const QUALITY_PATH = /^\/(v\d+\.\d+)\/dataset_quality\/?$/;

interface GraphErrorSpec {
  status?: number;
  code: number;
  subcode?: number;
  type?: string;
  isTransient?: boolean;
  message: string;
  title?: string;
  userMsg?: string;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

// Every per-event rejection is a code-100 "Invalid parameter", as on Meta.
type Rejection = GraphErrorSpec;

export async function startFakeGraphApi(opts: FakeGraphApiOptions = {}): Promise<FakeGraphApi> {
  const now = opts.now ?? (() => new Date());
  const initialTokens = opts.tokens ? { ...opts.tokens } : null;
  let tokens: Record<string, string> | null = initialTokens ? { ...initialTokens } : null;
  let expiredPixels = new Set<string>();
  let events: ReceivedEvent[] = [];
  let log: RecordedRequest[] = [];
  let faults: Fault[] = [];
  let qualityFaults: Fault[] = [];
  let handler: FakeHandler | null = null;
  let closed = false;
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: (open: boolean) => void }>();

  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve(!closed);
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  const server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((error: unknown) => {
        // Never let a bug in the fake take the test process down; answer like a Graph outage instead.
        const detail = error instanceof Error ? error.message : String(error);
        send(res, graphError({ status: 500, code: 1, isTransient: true, message: `Fake Graph API failure: ${detail}` }));
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const url = new URL(rawUrl, "http://fake.invalid");
    const body = await readBody(req);
    const route = EVENTS_PATH.exec(url.pathname);
    const entry: RecordedRequest = {
      method,
      url: rawUrl,
      headers: { ...req.headers },
      bodyBytes: body.bytes,
      pixelId: route?.[2] ?? null,
      eventCount: null,
      status: null,
      receivedAt: now(),
    };
    log.push(entry);
    const reply = (answer: Answer) => {
      entry.status = answer.status;
      send(res, answer);
    };

    if (body.aborted) return;
    if (QUALITY_PATH.test(url.pathname)) {
      const answer = await answerQuality(req, url);
      return answer ? reply(answer) : undefined;
    }
    if (!route || !VERSION_PATTERN.test(route[1])) {
      return reply(graphError({ status: 404, code: 2500, message: `Unknown path components: ${url.pathname}` }));
    }
    if (method !== "POST") {
      return reply(
        graphError({
          status: 405,
          code: 100,
          message: `Unsupported ${method.toLowerCase()} request: only POST is served on /events`,
          headers: { allow: "POST" },
        }),
      );
    }
    const [, version, pixelId] = route;
    const raw = body.tooLarge ? "" : body.raw.toString("utf8");
    const parsed = body.tooLarge ? null : parseParams(req.headers["content-type"], raw, url.searchParams);
    const params = parsed && "params" in parsed ? parsed.params : null;
    if (params && Array.isArray(params.data)) entry.eventCount = params.data.length;

    const request: FakeRequest = {
      method,
      url: rawUrl,
      headers: { ...req.headers },
      version,
      pixelId,
      params,
      rawBody: raw,
    };
    const fault = faults.shift() ?? (handler ? await handler(request) : null);
    if (fault) {
      if (fault.kind === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault.kind === "http") return reply(httpAnswer(fault));
      if (fault.kind === "graph-error") {
        return reply(
          graphError({
            status: fault.status ?? 400,
            code: fault.code,
            subcode: fault.subcode,
            isTransient: fault.isTransient ?? false,
            message: fault.message ?? defaultMessage(fault.code),
            headers: fault.headers,
          }),
        );
      }
      if (!(await sleep(fault.ms))) return;
    }

    if (body.tooLarge) {
      return reply(
        graphError({
          status: 413,
          code: 100,
          message: `Request body is larger than ${MAX_BODY_BYTES} bytes`,
          title: "Request Too Large",
          userMsg: "Send fewer events per request.",
        }),
      );
    }
    if (!parsed || "error" in parsed) {
      return reply(graphError({ code: 100, message: parsed?.error ?? "Unreadable request body" }));
    }
    reply(acceptEvents(pixelId, parsed.params, req.headers));
  }

  function acceptEvents(pixelId: string, params: Record<string, unknown>, headers: IncomingHttpHeaders): Answer {
    const denied = authorize(pixelId, tokenFrom(params, headers));
    if (denied) return graphError(denied);

    const testEventCode = optionalString(params.test_event_code);
    if (testEventCode === false) return graphError(invalid("test_event_code must be a string"));
    const partnerAgent = optionalString(params.partner_agent);
    if (partnerAgent === false) return graphError(invalid("partner_agent must be a string"));

    const data = params.data;
    if (data === undefined) return graphError(invalid("The parameter data is required"));
    if (!Array.isArray(data)) return graphError(invalid("param data must be an array"));
    if (data.length === 0) return graphError(invalid("param data must be a non-empty array"));
    if (data.length > MAX_EVENTS_PER_REQUEST) {
      return graphError(invalid(`param data must contain at most ${MAX_EVENTS_PER_REQUEST} events, got ${data.length}`));
    }

    const receivedAt = now();
    const nowSeconds = Math.floor(receivedAt.getTime() / 1000);
    // Validate everything before recording anything: one bad event rejects the whole batch (§7).
    for (const [index, event] of data.entries()) {
      const rejection = validateEvent(event, nowSeconds);
      if (rejection) {
        // Meta does not say which event failed; the index is the fake's one kindness to whoever reads the test.
        return graphError({ ...rejection, userMsg: rejection.userMsg && `${rejection.userMsg} (data[${index}])` });
      }
    }

    for (const event of data as Array<Record<string, unknown>>) {
      events.push({
        pixelId,
        eventName: event.event_name as string,
        eventId: typeof event.event_id === "string" ? event.event_id : null,
        testEventCode: testEventCode || null,
        partnerAgent: partnerAgent || null,
        receivedAt,
        event: structuredClone(event),
      });
    }
    const fbtraceId = newTraceId();
    return json(200, { events_received: data.length, messages: [], fbtrace_id: fbtraceId }, { "x-fb-trace-id": fbtraceId });
  }

  // GET /{version}/dataset_quality (Meta's Dataset Quality API), over the server events received for the dataset.
  async function answerQuality(req: IncomingMessage, url: URL): Promise<Answer | null> {
    const fault = qualityFaults.shift();
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return null;
    }
    if (fault?.kind === "http") return httpAnswer(fault);
    if (fault?.kind === "graph-error") {
      return graphError({
        status: fault.status ?? 400,
        code: fault.code,
        subcode: fault.subcode,
        isTransient: fault.isTransient ?? false,
        message: fault.message ?? defaultMessage(fault.code),
      });
    }
    if (fault?.kind === "delay" && !(await sleep(fault.ms))) return null;
    if (req.method !== "GET") {
      return graphError({
        status: 405,
        code: 100,
        message: `Unsupported ${(req.method ?? "").toLowerCase()} request: only GET is served on /dataset_quality`,
        headers: { allow: "GET" },
      });
    }
    const params = Object.fromEntries(url.searchParams);
    const datasetId = params.dataset_id ?? "";
    if (datasetId === "") return graphError(invalid("The parameter dataset_id is required"));
    const denied = authorize(datasetId, tokenFrom(params, req.headers));
    if (denied) return graphError(denied);
    const fields = params.fields ?? "";
    // `web` is required by default (Meta's docs); without it there is nothing to answer.
    if (!/^web\{.+\}$/.test(fields)) return graphError(invalid("fields must ask for web{...}"));
    const unknown = unknownQualityField(fields);
    if (unknown) return graphError({ code: 100, message: `(#100) Tried accessing nonexisting field (${unknown})` });
    const server = events.filter((e) => e.pixelId === datasetId);
    return json(200, datasetQualityBody(server, opts.browserEvents?.(datasetId) ?? null));
  }

  function authorize(pixelId: string, token: string | null): GraphErrorSpec | null {
    if (!token) {
      // Meta answers 104 here on some paths; the fake uses the more common 190 (the client treats both as auth).
      return oauth("An access token is required to request this resource.");
    }
    if (tokens && !Object.values(tokens).includes(token)) {
      return oauth("Invalid OAuth access token - Cannot parse access token");
    }
    const ownToken = tokens ? tokens[pixelId] : token;
    if (!/^\d+$/.test(pixelId) || ownToken === undefined || ownToken !== token) {
      // A real token without access to this pixel: what Meta says when the system user is not assigned to it.
      return {
        code: 100,
        subcode: 33,
        type: "GraphMethodException",
        message:
          `Unsupported post request. Object with ID '${pixelId}' does not exist, cannot be loaded due to missing ` +
          "permissions, or does not support this operation. Please read the Graph API documentation at " +
          "https://developers.facebook.com/docs/graph-api",
      };
    }
    if (expiredPixels.has(pixelId)) {
      return oauth(`Error validating access token: Session has expired on ${now().toUTCString()}.`, 463);
    }
    return null;
  }

  function validateEvent(value: unknown, nowSeconds: number): Rejection | null {
    if (!isRecord(value)) return invalid("Each element of data must be an object");
    const event = value;

    if (typeof event.event_name !== "string" || event.event_name.trim() === "") {
      return invalid("event_name is required", "Missing Event Name", "event_name must be a non-empty string.");
    }
    if (event.event_id !== undefined && (typeof event.event_id !== "string" || event.event_id === "")) {
      return invalid("event_id must be a non-empty string", "Invalid Event ID", "Send event_id as a non-empty string.");
    }

    const actionSource = event.action_source;
    if (typeof actionSource !== "string" || !ACTION_SOURCES.has(actionSource)) {
      return invalid(
        "action_source is required",
        "Invalid Action Source",
        `action_source must be one of ${[...ACTION_SOURCES].join(", ")}.`,
      );
    }

    const timeRejection = checkEventTime(event.event_time, actionSource, nowSeconds);
    if (timeRejection) return timeRejection;

    if (event.event_source_url !== undefined && !isHttpUrl(event.event_source_url)) {
      return invalid(
        "event_source_url must be an http or https URL",
        "Invalid Event Source URL",
        "event_source_url must begin with http:// or https://.",
      );
    }
    if (event.opt_out !== undefined && typeof event.opt_out !== "boolean") {
      return invalid("opt_out must be a boolean");
    }
    const dpoRejection = checkDataProcessingOptions(event);
    if (dpoRejection) return dpoRejection;

    if (!isRecord(event.user_data)) {
      return invalid(
        "user_data is required",
        "Missing Customer Information",
        "user_data must be an object with at least one customer information parameter.",
      );
    }
    const userData = event.user_data;
    if (actionSource === "website") {
      if (event.event_source_url === undefined) {
        return invalid(
          "event_source_url is required for website events",
          "Missing Event Source URL",
          "Website events need event_source_url.",
        );
      }
      if (typeof userData.client_user_agent !== "string" || userData.client_user_agent.trim() === "") {
        return invalid(
          "client_user_agent is required for website events",
          "Missing Client User Agent",
          "Website events need user_data.client_user_agent.",
        );
      }
    }
    const userDataRejection = checkUserData(userData);
    if (userDataRejection) return userDataRejection;

    if (event.custom_data !== undefined && !isRecord(event.custom_data)) return invalid("custom_data must be an object");
    if (event.event_name === "Purchase") return checkPurchase(event.custom_data);
    return null;
  }

  function checkEventTime(value: unknown, actionSource: string, nowSeconds: number): Rejection | null {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      return invalid(
        "event_time must be a Unix timestamp in whole seconds",
        "Invalid Event Time",
        "event_time must be an integer number of seconds since the epoch.",
      );
    }
    if (value > MAX_PLAUSIBLE_SECONDS) {
      return invalid(
        "event_time must be in seconds, not milliseconds",
        "Invalid Event Time",
        "event_time looks like milliseconds; send seconds.",
      );
    }
    const maxAge = actionSource === "physical_store" ? MAX_PHYSICAL_STORE_AGE_SECONDS : MAX_EVENT_AGE_SECONDS;
    if (nowSeconds - value > maxAge) {
      return {
        code: 100,
        subcode: 2804003,
        message: "Invalid parameter",
        title: "Event Timestamp Too Old",
        userMsg:
          "The timestamp for this event is too far in the past. Events need to be sent from your server within " +
          "7 days of when they occurred. Enter a timestamp that has occurred within the last 7 days.",
      };
    }
    if (value - nowSeconds > MAX_CLOCK_SKEW_SECONDS) {
      return invalid(
        "event_time is in the future",
        "Event Timestamp In The Future",
        "The timestamp for this event is in the future. Use the time the event actually happened.",
      );
    }
    return null;
  }

  function checkDataProcessingOptions(event: Record<string, unknown>): Rejection | null {
    const options = event.data_processing_options;
    if (options === undefined) return null;
    if (!Array.isArray(options) || options.some((o) => o !== "LDU")) {
      return invalid('data_processing_options may only contain "LDU"');
    }
    if (options.includes("LDU") && !Number.isInteger(event.data_processing_options_country)) {
      return invalid(
        "data_processing_options_country is required with LDU",
        "Limited Data Use Selection Required",
        "Send data_processing_options_country (0 lets Meta geolocate) together with LDU.",
      );
    }
    return null;
  }

  function checkUserData(userData: Record<string, unknown>): Rejection | null {
    for (const key of HASHED_KEYS) {
      const value = userData[key];
      if (!isPresent(value)) continue;
      const values = Array.isArray(value) ? value : [value];
      if (!values.every((v) => typeof v === "string" && HASHED_VALUE.test(v))) {
        return {
          code: 100,
          subcode: 2804016,
          message: "Invalid parameter",
          title: "User Parameter Not Hashed",
          userMsg:
            `The ${key} parameter isn't hashed. Hash all user parameters as SHA256, except for client user ` +
            "agent, click ID, and browser ID.",
        };
      }
    }
    if (isPresent(userData.fbc) && !(typeof userData.fbc === "string" && BROWSER_ID.test(userData.fbc))) {
      return {
        code: 100,
        subcode: 2804001,
        message: "Invalid parameter",
        title: "Click ID Incorrectly Formatted",
        userMsg: "The fbc parameter must look like fb.1.<creation time in ms>.<fbclid>.",
      };
    }
    if (isPresent(userData.fbp) && !(typeof userData.fbp === "string" && BROWSER_ID.test(userData.fbp))) {
      return invalid(
        "fbp is incorrectly formatted",
        "Browser ID Incorrectly Formatted",
        "The fbp parameter must look like fb.1.<creation time in ms>.<random number>.",
      );
    }
    if (isPresent(userData.client_ip_address)) {
      if (typeof userData.client_ip_address !== "string" || isIP(userData.client_ip_address) === 0) {
        return invalid(
          "client_ip_address must be a valid IPv4 or IPv6 address",
          "Invalid IP Address",
          "client_ip_address must be the shopper's IPv4 or IPv6 address, without spaces.",
        );
      }
    }
    const provided = CUSTOMER_INFO_KEYS.filter((key) => isPresent(userData[key]));
    if (INSUFFICIENT_COMBINATIONS.some((combo) => provided.every((key) => combo.has(key)))) {
      return {
        code: 100,
        subcode: 2804050,
        message: "Invalid parameter",
        title: "Insufficient Customer Information",
        userMsg:
          `The customer information parameters sent (${provided.join(", ") || "none"}) are not enough to match ` +
          "this event. Add more, such as em, ph, external_id, fbp or client_ip_address with client_user_agent.",
      };
    }
    return null;
  }

  function checkPurchase(customData: unknown): Rejection | null {
    const data = isRecord(customData) ? customData : {};
    const value = data.value;
    const numeric =
      (typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim()));
    if (!numeric) {
      return invalid(
        "custom_data.value is required for Purchase events",
        "Missing Purchase Value",
        "Purchase events need custom_data.value as a number.",
      );
    }
    const currency = data.currency;
    if (typeof currency !== "string" || !/^[A-Za-z]{3}$/.test(currency) || !CURRENCIES.has(currency.toUpperCase())) {
      return invalid(
        "custom_data.currency must be a valid ISO 4217 code",
        "Invalid Currency Code",
        "Purchase events need custom_data.currency as a three-letter ISO 4217 code, such as USD.",
      );
    }
    return null;
  }

  function tokenFrom(params: Record<string, unknown>, headers: IncomingHttpHeaders): string | null {
    if (typeof params.access_token === "string" && params.access_token !== "") return params.access_token;
    const match = /^(?:OAuth|Bearer)\s+(\S+)$/i.exec(headers.authorization ?? "");
    return match ? match[1] : null;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received: () => events.map(copyEvent),
    receivedKeys: () =>
      events.map((e) => ({ pixelId: e.pixelId, eventName: e.eventName, eventId: e.eventId, receivedAt: new Date(e.receivedAt) })),
    receivedCount: () => events.length,
    requestCount: () => log.length,
    counted: (pixelId) => afterDedup(events.filter((e) => pixelId === undefined || e.pixelId === pixelId)).map(copyEvent),
    requests: () => log.map((r) => ({ ...r, headers: { ...r.headers } })),
    fail(count, fault) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    setHandler(next) {
      handler = next;
    },
    failQuality(count, fault) {
      for (let i = 0; i < count; i++) qualityFaults.push(fault);
    },
    expireToken(pixelId) {
      expiredPixels.add(pixelId);
    },
    setToken(pixelId, token) {
      tokens = { ...(tokens ?? {}), [pixelId]: token };
      expiredPixels.delete(pixelId);
    },
    reset() {
      tokens = initialTokens ? { ...initialTokens } : null;
      expiredPixels = new Set();
      events = [];
      log = [];
      faults = [];
      qualityFaults = [];
      handler = null;
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close() {
      closed = true;
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.resolve(false);
      }
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

interface BodyRead {
  raw: Buffer;
  bytes: number;
  tooLarge: boolean;
  aborted: boolean;
}

// Drains the whole body even when it is too large, so the client gets a 413 instead of a broken pipe.
function readBody(req: IncomingMessage): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const tooLarge = bytes > MAX_BODY_BYTES;
      resolve({ raw: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), bytes, tooLarge, aborted });
    };
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
      if (bytes > HARD_BODY_LIMIT) {
        req.destroy();
        finish(true);
      }
    });
    req.on("end", () => finish(false));
    req.on("error", () => finish(true));
    req.on("close", () => finish(!req.complete));
  });
}

type ParsedParams = { params: Record<string, unknown> } | { error: string };

// Graph merges query-string and body parameters; the body wins. `data` arrives as a JSON string in form and
// query encodings and as a real array in JSON bodies.
function parseParams(contentType: string | undefined, raw: string, query: URLSearchParams): ParsedParams {
  const params: Record<string, unknown> = Object.fromEntries(query);
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (raw.trim() !== "") {
    if (mediaType === "application/json") {
      const parsed = parseJson(raw);
      if (!parsed.ok) return { error: "The request body is not valid JSON" };
      const body = parsed.value;
      if (!isRecord(body)) return { error: "The JSON request body must be an object" };
      Object.assign(params, body);
    } else if (mediaType === "application/x-www-form-urlencoded") {
      Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    } else {
      return { error: `Unsupported Content-Type "${contentType ?? ""}": send application/json or form fields` };
    }
  }
  if (typeof params.data === "string") {
    const data = parseJson(params.data);
    if (!data.ok) return { error: "param data must be a JSON array" };
    params.data = data.value;
  }
  return { params };
}

function graphError(spec: GraphErrorSpec): Answer {
  const fbtraceId = newTraceId();
  const error: Record<string, unknown> = {
    message: spec.message,
    type: spec.type ?? "OAuthException",
    code: spec.code,
  };
  if (spec.subcode !== undefined) error.error_subcode = spec.subcode;
  error.is_transient = spec.isTransient ?? false;
  if (spec.title !== undefined) error.error_user_title = spec.title;
  if (spec.userMsg !== undefined) error.error_user_msg = spec.userMsg;
  error.fbtrace_id = fbtraceId;
  const headers: Record<string, string> = { "x-fb-trace-id": fbtraceId };
  if (spec.code === 190) {
    headers["www-authenticate"] = `OAuth "Facebook Platform" "invalid_token" "${spec.message.replace(/"/g, "'")}"`;
  }
  return json(spec.status ?? 400, { error }, { ...headers, ...spec.headers });
}

function oauth(message: string, subcode?: number): GraphErrorSpec {
  return { code: 190, subcode, message };
}

function invalid(detail: string, title?: string, userMsg?: string): Rejection {
  return { code: 100, message: `(#100) ${detail}`, title, userMsg };
}

function defaultMessage(code: number): string {
  const known: Record<number, string> = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "Application request limit reached",
    17: "User request limit reached",
    32: "Page request limit reached",
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "Permissions error",
    368: "Temporarily blocked for policies violations",
    613: "Calls to this api have exceeded the rate limit.",
    2635: "You are calling a deprecated version of the Ads API. Please update to the latest version.",
  };
  return `(#${code}) ${
    known[code] ??
    (code >= 80000 && code <= 80014 ? "There have been too many calls. Please wait a bit and try again." : "Fake Graph API error")
  }`;
}

function httpAnswer(fault: Extract<Fault, { kind: "http" }>): Answer {
  if (fault.body === undefined) return { status: fault.status, body: "", headers: { ...fault.headers } };
  if (typeof fault.body === "string") {
    return {
      status: fault.status,
      body: fault.body,
      headers: { "content-type": "text/plain; charset=UTF-8", ...fault.headers },
    };
  }
  return json(fault.status, fault.body, fault.headers);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return {
    status,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  };
}

function send(res: ServerResponse, answer: Answer): void {
  // The client may have timed out and gone (a "delay" fault): there is nobody left to answer.
  if (res.headersSent || res.writableEnded || res.destroyed || res.socket?.destroyed) return;
  res.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function newTraceId(): string {
  return `A${randomBytes(8).toString("base64url")}`;
}

function copyEvent(e: ReceivedEvent): ReceivedEvent {
  return { ...e, receivedAt: new Date(e.receivedAt), event: structuredClone(e.event) };
}

function optionalString(value: unknown): string | null | false {
  if (value === undefined || value === null) return null;
  return typeof value === "string" ? value : false;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  return !(Array.isArray(value) && value.length === 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
