// The only module that talks to the Conversions API. Our own instead of facebook-nodejs-business-sdk
// (meta-capi-reference.md §10): that SDK puts the token in the URL, keeps process-global tokens, has no timeout
// and installs a crash reporter. This one is one function, per-call credentials, and never throws for anything
// the network or Meta can do: every outcome is a value the delivery worker can switch on.
import { DATASET_QUALITY_FIELDS, datasetQualityAnswer, normalizeQuality, type QualityReport } from "~/lib/dataset-quality";
import { err, ok, parseJsonOr, type Result } from "~/lib/result";
import { classifyGraphError, redactSecrets, type GraphFailure } from "~/lib/meta-errors";

export interface SendEventsInput {
  pixelId: string;
  accessToken: string;
  /** Event objects, or events the caller holds as JSON text already (StoredEvent). */
  events: readonly unknown[];
  testEventCode?: string | null;
  partnerAgent?: string | null;
}

export interface GraphClientOptions {
  /** e.g. https://graph.facebook.com, or the fake Graph API in tests and the local sandbox. */
  baseUrl: string;
  /** e.g. v25.0 */
  apiVersion: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export type SendEventsResult =
  { ok: true; httpStatus: number; eventsReceived: number; fbtraceId: string | null; messages: string[] } | ({ ok: false } & GraphFailure);

/** Why Meta's Dataset Quality answer is missing: the token lacks access, or nothing usable came back. */
export interface DatasetQualityFailure {
  kind: "forbidden" | "unavailable";
  /** Meta's words (secrets removed), for the log and the CLI; the admin shows its own. */
  message: string;
  code: number | null;
}

export interface DatasetQualityInput {
  datasetId: string;
  accessToken: string;
  /** Shorter than the client's timeout when a person is waiting on the page. */
  timeoutMs?: number;
}

export interface GraphClient {
  sendEvents(input: SendEventsInput): Promise<SendEventsResult>;
  getDatasetQuality(input: DatasetQualityInput): Promise<Result<QualityReport, DatasetQualityFailure>>;
}

/**
 * An event as the JSON text it is stored as, spliced into the request body as it is: the worker sends
 * stored payloads, and parsing and re-serialising a thousand of them per request cost CPU and memory (and
 * would re-round any number a JavaScript number cannot hold). The text must be one valid, well-formed JSON
 * value: whoever makes one has parsed it.
 */
export class StoredEvent {
  constructor(readonly json: string) {}
}

function eventText(event: unknown): string {
  return event instanceof StoredEvent ? event.json : (JSON.stringify(event) ?? "null");
}

/** Meta's documented batch limit (§7); larger batches are refused before any request. */
export const MAX_EVENTS_PER_REQUEST = 1000;

export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const baseUrl = opts.baseUrl.replace(/\/+$/, "");

  async function sendEvents(input: SendEventsInput): Promise<SendEventsResult> {
    const refused = precheck(input, opts.apiVersion);
    if (refused) return { ok: false, ...refused };

    // The token travels in the body only: request URLs end up in logs, proxies and error objects.
    let body = `{"data":[${input.events.map(eventText).join(",")}],"access_token":${JSON.stringify(input.accessToken)}`;
    if (input.testEventCode) body += `,"test_event_code":${JSON.stringify(input.testEventCode)}`;
    if (input.partnerAgent) body += `,"partner_agent":${JSON.stringify(input.partnerAgent)}`;
    body += "}";

    const signal = AbortSignal.timeout(opts.timeoutMs);
    const secrets = [input.accessToken];
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${baseUrl}/${opts.apiVersion}/${input.pixelId}/events`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body,
        signal,
        // Following a redirect would resend the token to wherever it points; treat one as misconfiguration.
        redirect: "manual",
      });
      // Reading the body is covered by the same timeout signal.
      text = await response.text();
    } catch (error) {
      const failure = signal.aborted
        ? classifyGraphError({ timedOut: true, secrets })
        : classifyGraphError({ networkError: describeNetworkError(error), secrets });
      return { ok: false, ...failure };
    }

    const parsed = parseBody(text);
    const traceHeader = response.headers.get("x-fb-trace-id");
    if (response.ok && isRecord(parsed) && parsed.error === undefined) {
      const received = parsed.events_received;
      if (typeof received === "number" && Number.isInteger(received) && received >= 0) {
        return {
          ok: true,
          httpStatus: response.status,
          eventsReceived: received,
          fbtraceId: stringOrNull(parsed.fbtrace_id) ?? traceHeader,
          messages: Array.isArray(parsed.messages)
            ? parsed.messages.filter((m): m is string => typeof m === "string").map((m) => redactSecrets(m, secrets))
            : [],
        };
      }
    }
    if (response.ok && !(isRecord(parsed) && isRecord(parsed.error))) {
      // A 2xx without events_received is not Meta's documented answer, so we cannot claim delivery; it is not
      // the events' fault either. Transient: retrying is safe because Meta dedups on event_id, and a persistent
      // hiccup shows up as a growing attempt count rather than as events wrongly failed.
      return {
        ok: false,
        kind: "transient",
        httpStatus: response.status,
        code: null,
        subcode: null,
        message: `Meta answered HTTP ${response.status} without events_received`,
        fbtraceId: (isRecord(parsed) ? stringOrNull(parsed.fbtrace_id) : null) ?? traceHeader,
        isTransient: null,
        retryAfterMs: null,
      };
    }

    const failure = classifyGraphError({
      httpStatus: response.status,
      body: parsed ?? text,
      retryAfterHeader: response.headers.get("retry-after"),
      bucUsageHeader: response.headers.get("x-business-use-case-usage"),
      fbTraceIdHeader: traceHeader,
      secrets,
    });
    return { ok: false, ...failure };
  }

  // GET /{version}/dataset_quality?dataset_id=…&fields=web{…} (Meta's Dataset Quality API; the fields and their
  // source are in app/lib/dataset-quality.ts). The token goes in the Authorization header, not the query string.
  async function getDatasetQuality(input: DatasetQualityInput): Promise<Result<QualityReport, DatasetQualityFailure>> {
    const unavailable = (message: string, code: number | null = null) => err<DatasetQualityFailure>({ kind: "unavailable", message, code });
    if (!/^\d+$/.test(input.datasetId)) return unavailable("The pixel ID must contain digits only");
    if (!/^v\d+\.\d+$/.test(opts.apiVersion)) return unavailable("The Graph API version must look like v25.0");
    if (!input.accessToken) return err({ kind: "forbidden", message: "No Conversions API access token is configured", code: null });

    const query = new URLSearchParams({ dataset_id: input.datasetId, fields: DATASET_QUALITY_FIELDS });
    const signal = AbortSignal.timeout(input.timeoutMs ?? opts.timeoutMs);
    const secrets = [input.accessToken];
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${baseUrl}/${opts.apiVersion}/dataset_quality?${query}`, {
        method: "GET",
        headers: { accept: "application/json", authorization: `Bearer ${input.accessToken}` },
        signal,
        redirect: "manual",
      });
      text = await response.text();
    } catch (error) {
      return unavailable(signal.aborted ? "Meta did not answer in time" : `Network error talking to Meta: ${describeNetworkError(error)}`);
    }

    const parsed = parseBody(text);
    if (response.ok && !(isRecord(parsed) && parsed.error !== undefined)) {
      const checked = datasetQualityAnswer.safeParse(parsed);
      return checked.success
        ? ok(normalizeQuality(checked.data))
        : unavailable("Meta's Dataset Quality answer was not in the documented shape");
    }
    const failure = classifyGraphError({ httpStatus: response.status, body: parsed ?? text, secrets });
    // 100/33: the token's system user is not assigned to this dataset, which the merchant fixes like a permission.
    const forbidden =
      failure.kind === "auth" ||
      failure.kind === "permission" ||
      (failure.code === 100 && failure.subcode === 33) ||
      (failure.code === null && (response.status === 401 || response.status === 403));
    return err({ kind: forbidden ? "forbidden" : "unavailable", message: failure.message, code: failure.code });
  }

  return { sendEvents, getDatasetQuality };
}

/** Problems we can see without asking Meta; sending anyway would only spend rate limit on a known answer. */
function precheck(input: SendEventsInput, apiVersion: string): GraphFailure | null {
  const refuse = (kind: GraphFailure["kind"], message: string): GraphFailure => ({
    kind,
    httpStatus: null,
    code: null,
    subcode: null,
    message,
    fbtraceId: null,
    isTransient: null,
    retryAfterMs: null,
  });
  // Also keeps anything but a plain number out of the URL path.
  if (!/^\d+$/.test(input.pixelId)) return refuse("config", "The pixel ID must contain digits only");
  if (!/^v\d+\.\d+$/.test(apiVersion)) return refuse("config", "The Graph API version must look like v25.0");
  if (!input.accessToken) return refuse("auth", "No Conversions API access token is configured");
  if (input.events.length === 0) return refuse("invalid_payload", "There are no events to send");
  if (input.events.length > MAX_EVENTS_PER_REQUEST) {
    return refuse("invalid_payload", `At most ${MAX_EVENTS_PER_REQUEST} events fit in one request`);
  }
  return null;
}

// undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ECONNRESET, ...) in `cause`.
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${error.message} (${typeof code === "string" ? code : cause.message})`;
  }
  return error.message;
}

function parseBody(text: string): unknown {
  return text.trim() === "" ? null : parseJsonOr(text, null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}
