import { describe, expect, it } from "vitest";
import {
  classifyGraphError,
  classifyMetaCode,
  explainMetaError,
  META_WORDS,
  metaProblemOf,
  parseBucUsage,
  parseRetryAfter,
  redactSecrets,
  type MetaProblem,
} from "./meta-errors";

const graphBody = (error: Record<string, unknown>) => ({ error: { type: "OAuthException", ...error } });
const TOKEN = "EAABsbCS1iHgBO7ZCxyz0123456789abcdefABCDEF";

describe("classifyGraphError: no answer from Meta", () => {
  it("treats a timeout as transient", () => {
    const failure = classifyGraphError({ timedOut: true });
    expect(failure).toEqual({
      kind: "transient",
      httpStatus: null,
      code: null,
      subcode: null,
      message: "Meta did not answer before the request timed out",
      fbtraceId: null,
      isTransient: null,
      retryAfterMs: null,
    });
  });

  it("treats a network error as transient and keeps its description", () => {
    const failure = classifyGraphError({ networkError: "fetch failed (ECONNRESET)" });
    expect(failure.kind).toBe("transient");
    expect(failure.message).toBe("Network error talking to Meta: fetch failed (ECONNRESET)");
  });

  it("describes an empty network error", () => {
    expect(classifyGraphError({ networkError: "" }).message).toBe("Network error talking to Meta: connection failed");
  });

  it("lets a timeout win over an HTTP status that may have been seen", () => {
    expect(classifyGraphError({ timedOut: true, httpStatus: 400 }).kind).toBe("transient");
  });
});

describe("classifyGraphError: Graph error codes", () => {
  it.each([1, 2, 4, 17, 32, 341, 368, 613, 80000, 80004, 80014])("code %i is transient", (code) => {
    const failure = classifyGraphError({ httpStatus: 400, body: graphBody({ code, message: "Slow down" }) });
    expect(failure.kind).toBe("transient");
    expect(failure.code).toBe(code);
  });

  it.each([79999, 80015, 300, 12345])("unknown code %i on a 4xx is config (terminal)", (code) => {
    expect(classifyGraphError({ httpStatus: 400, body: graphBody({ code }) }).kind).toBe("config");
  });

  it.each([500, 503, 429])("unknown code on HTTP %i is transient", (httpStatus) => {
    expect(classifyGraphError({ httpStatus, body: graphBody({ code: 12345 }) }).kind).toBe("transient");
  });

  it("classifies 190 as auth and keeps the subcode", () => {
    const failure = classifyGraphError({
      httpStatus: 400,
      body: graphBody({ code: 190, error_subcode: 463, message: "Error validating access token: Session has expired" }),
    });
    expect(failure).toMatchObject({ kind: "auth", code: 190, subcode: 463, httpStatus: 400 });
    expect(failure.message).toBe("Error validating access token: Session has expired");
  });

  it.each([102, 104])("code %i (other token errors) is auth", (code) => {
    expect(classifyGraphError({ httpStatus: 400, body: graphBody({ code }) }).kind).toBe("auth");
  });

  it.each([3, 10, 200, 250, 299])("code %i is permission", (code) => {
    expect(classifyGraphError({ httpStatus: 403, body: graphBody({ code }) }).kind).toBe("permission");
  });

  it("classifies 2635 (deprecated version) as config", () => {
    const failure = classifyGraphError({
      httpStatus: 400,
      body: graphBody({ code: 2635, message: "(#2635) You are calling a deprecated version of the Ads API." }),
    });
    expect(failure).toMatchObject({ kind: "config", code: 2635 });
  });

  it("classifies 100/33 (pixel missing or not shared) as config", () => {
    const failure = classifyGraphError({
      httpStatus: 400,
      body: graphBody({
        code: 100,
        error_subcode: 33,
        type: "GraphMethodException",
        message: "Unsupported post request.",
      }),
    });
    expect(failure).toMatchObject({ kind: "config", code: 100, subcode: 33 });
  });

  it("classifies other code 100 errors as invalid_payload with Meta's user-facing text", () => {
    const failure = classifyGraphError({
      httpStatus: 400,
      body: graphBody({
        message: "Invalid parameter",
        code: 100,
        error_subcode: 2804016,
        is_transient: false,
        error_user_title: "User Parameter Not Hashed",
        error_user_msg: "The ct parameter isn't hashed.",
        fbtrace_id: "AbCdEf123",
      }),
    });
    expect(failure).toEqual({
      kind: "invalid_payload",
      httpStatus: 400,
      code: 100,
      subcode: 2804016,
      message: "User Parameter Not Hashed: The ct parameter isn't hashed.",
      fbtraceId: "AbCdEf123",
      isTransient: false,
      retryAfterMs: null,
    });
  });

  it("lets is_transient: true win over payload and permission codes", () => {
    expect(classifyGraphError({ httpStatus: 400, body: graphBody({ code: 100, is_transient: true }) }).kind).toBe("transient");
    expect(classifyGraphError({ httpStatus: 403, body: graphBody({ code: 200, is_transient: true }) }).kind).toBe("transient");
  });

  it("does not let is_transient: true turn a token error into a retry", () => {
    expect(classifyGraphError({ httpStatus: 400, body: graphBody({ code: 190, is_transient: true }) }).kind).toBe("auth");
  });

  it("reads a Graph error from raw response text", () => {
    const failure = classifyGraphError({ httpStatus: 400, body: JSON.stringify(graphBody({ code: 190 })) });
    expect(failure.kind).toBe("auth");
  });

  it("accepts numeric strings for code and subcode", () => {
    const failure = classifyGraphError({ httpStatus: 400, body: graphBody({ code: "100", error_subcode: "33" }) });
    expect(failure).toMatchObject({ kind: "config", code: 100, subcode: 33 });
  });

  it("uses a Graph error even on a 2xx", () => {
    expect(classifyGraphError({ httpStatus: 200, body: graphBody({ code: 100 }) }).kind).toBe("invalid_payload");
  });

  it("falls back to a generic message when Meta gives none", () => {
    expect(classifyGraphError({ httpStatus: 400, body: graphBody({ code: 100 }) }).message).toBe("Meta returned error code 100");
  });
});

describe("classifyGraphError: answers without a Graph error code", () => {
  it.each([
    [500, "<html>Internal Server Error</html>", "transient"],
    [502, null, "transient"],
    [503, "", "transient"],
    [429, null, "transient"],
    [400, "Bad Request", "config"],
    [401, null, "config"],
    [404, "<html>not found</html>", "config"],
    [413, "Request Entity Too Large", "config"],
    [301, null, "config"],
    [302, "", "config"],
    [200, "{}", "transient"],
    [200, "not json", "transient"],
  ] as const)("HTTP %i with body %j is %s", (httpStatus, body, kind) => {
    const failure = classifyGraphError({ httpStatus, body });
    expect(failure.kind).toBe(kind);
    expect(failure).toMatchObject({ httpStatus, code: null, subcode: null });
  });

  it("says what happened in the message", () => {
    expect(classifyGraphError({ httpStatus: 503 }).message).toBe("Meta answered HTTP 503");
    expect(classifyGraphError({ httpStatus: 404, body: "nope" }).message).toBe("Meta answered HTTP 404 without a Graph API error");
    expect(classifyGraphError({ httpStatus: 302 }).message).toMatch(/redirect.*HTTP 302.*Graph API URL/);
  });

  it("treats a missing status as transient", () => {
    expect(classifyGraphError({}).kind).toBe("transient");
  });

  it("honours is_transient without a code", () => {
    const failure = classifyGraphError({
      httpStatus: 400,
      body: { error: { is_transient: true, message: "Try later" } },
    });
    expect(failure).toMatchObject({
      kind: "transient",
      isTransient: true,
      message: "Meta reported a temporary error: Try later",
    });
  });

  it("keeps a Graph message that has no code on a terminal 4xx", () => {
    const failure = classifyGraphError({ httpStatus: 400, body: { error: { message: "Something odd" } } });
    expect(failure).toMatchObject({
      kind: "config",
      message: "Meta answered HTTP 400 without a Graph API error: Something odd",
    });
  });
});

describe("classifyGraphError: waiting time", () => {
  const throttled = { httpStatus: 400, body: graphBody({ code: 80004 }) };

  it("reads Retry-After in seconds", () => {
    expect(classifyGraphError({ ...throttled, retryAfterHeader: "30" }).retryAfterMs).toBe(30_000);
  });

  it("reads Retry-After as an HTTP date", () => {
    const now = Date.parse("2026-11-28T12:00:00Z");
    const failure = classifyGraphError({ httpStatus: 503, retryAfterHeader: "Sat, 28 Nov 2026 12:01:00 GMT", now });
    expect(failure.retryAfterMs).toBe(60_000);
  });

  it("takes the longest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage", () => {
    const header = JSON.stringify({
      "1234": [
        {
          type: "ads_management",
          call_count: 100,
          total_cputime: 20,
          total_time: 30,
          estimated_time_to_regain_access: 2,
        },
        { type: "ads_insights", call_count: 5, estimated_time_to_regain_access: 0 },
      ],
      "5678": [{ type: "ads_management", call_count: 100, estimated_time_to_regain_access: 5 }],
    });
    expect(classifyGraphError({ ...throttled, bucUsageHeader: header }).retryAfterMs).toBe(5 * 60_000);
  });

  it("uses the larger of Retry-After and the BUC estimate", () => {
    const header = JSON.stringify({ "1": [{ estimated_time_to_regain_access: 1 }] });
    expect(classifyGraphError({ ...throttled, retryAfterHeader: "120", bucUsageHeader: header }).retryAfterMs).toBe(120_000);
    expect(classifyGraphError({ ...throttled, retryAfterHeader: "10", bucUsageHeader: header }).retryAfterMs).toBe(60_000);
  });

  it("is null when the headers are absent, malformed or say no wait", () => {
    expect(classifyGraphError(throttled).retryAfterMs).toBeNull();
    expect(classifyGraphError({ ...throttled, bucUsageHeader: "{not json" }).retryAfterMs).toBeNull();
    expect(classifyGraphError({ ...throttled, bucUsageHeader: '{"1":[{"call_count":3}]}' }).retryAfterMs).toBeNull();
    expect(classifyGraphError({ ...throttled, retryAfterHeader: "soon" }).retryAfterMs).toBeNull();
  });

  it("is null for terminal failures even when a header is present", () => {
    const failure = classifyGraphError({ httpStatus: 400, body: graphBody({ code: 190 }), retryAfterHeader: "30" });
    expect(failure.retryAfterMs).toBeNull();
  });

  it("exposes the header parsers", () => {
    expect(parseRetryAfter(" 5 ", 0)).toBe(5000);
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", 10_000)).toBe(0);
    expect(parseBucUsage('{"1":{"estimated_time_to_regain_access":0.5}}')).toBe(30_000);
    expect(parseBucUsage("[]")).toBeNull();
    expect(parseBucUsage(undefined)).toBeNull();
  });
});

describe("classifyGraphError: message and trace id", () => {
  it("prefers error_user_title + error_user_msg, then either alone, then message", () => {
    const msg = (error: Record<string, unknown>) =>
      classifyGraphError({ httpStatus: 400, body: graphBody({ code: 100, ...error }) }).message;
    expect(msg({ message: "Invalid parameter", error_user_title: "T", error_user_msg: "M" })).toBe("T: M");
    expect(msg({ message: "Invalid parameter", error_user_msg: "Only msg" })).toBe("Only msg");
    expect(msg({ message: "Invalid parameter", error_user_title: "Only title" })).toBe("Only title");
    expect(msg({ message: "(#100) Invalid parameter", error_user_title: "  " })).toBe("(#100) Invalid parameter");
  });

  it("keeps the message on one line and short", () => {
    const failure = classifyGraphError({
      httpStatus: 400,
      body: graphBody({ code: 100, message: `a\n\n b ${"x".repeat(2000)}` }),
    });
    expect(failure.message.startsWith("a b x")).toBe(true);
    expect(failure.message.length).toBeLessThanOrEqual(500);
    expect(failure.message.endsWith("…")).toBe(true);
  });

  it("takes fbtrace_id from the body, else from the x-fb-trace-id header", () => {
    expect(
      classifyGraphError({
        httpStatus: 400,
        body: graphBody({ code: 100, fbtrace_id: "FromBody" }),
        fbTraceIdHeader: "FromHeader",
      }).fbtraceId,
    ).toBe("FromBody");
    expect(classifyGraphError({ httpStatus: 502, fbTraceIdHeader: "FromHeader" }).fbtraceId).toBe("FromHeader");
    expect(classifyGraphError({ timedOut: true }).fbtraceId).toBeNull();
  });
});

describe("access tokens never reach the message", () => {
  it.each([
    ["a query string", `Request to https://graph.facebook.com/v25.0/1/events?access_token=${TOKEN}&x=1 failed`],
    ["JSON", `Bad body {"access_token":"abc123secretvalue","data":[]}`],
    ["a bare user token", `Invalid OAuth access token ${TOKEN}`],
    ["an app token", "Token 123456789|aBcDeFgHiJkLmNoPqRsTuV is invalid"],
    ["an Authorization header", "Header was Bearer abcdefghijklmnopqrstuvwxyz0123"],
    ["appsecret_proof", "appsecret_proof=0123456789abcdef0123456789abcdef is wrong"],
  ])("scrubs a token in %s", (_where, text) => {
    for (const failure of [
      classifyGraphError({ httpStatus: 400, body: graphBody({ code: 190, message: text }) }),
      classifyGraphError({
        httpStatus: 400,
        body: graphBody({ code: 100, error_user_title: "T", error_user_msg: text }),
      }),
      classifyGraphError({ networkError: text }),
    ]) {
      expect(failure.message).toContain("[redacted]");
      expect(failure.message).not.toContain(TOKEN);
      expect(failure.message).not.toMatch(/abc123secretvalue|aBcDeFgHiJkLmNoPqRsTuV|abcdefghijklmnopqrstuvwxyz0123|0123456789abcdef0123/);
    }
  });

  it("scrubs secrets the caller knows about, whatever their shape", () => {
    const secret = "plain-test-token-0001";
    const failure = classifyGraphError({
      httpStatus: 400,
      body: graphBody({ code: 190, message: `Token ${secret} expired` }),
      secrets: [secret],
    });
    expect(failure.message).toBe("Token [redacted] expired");
  });

  it("ignores known secrets too short to be tokens", () => {
    expect(redactSecrets("a short message", ["a", "short"])).toBe("a short message");
  });

  it("leaves ordinary text alone", () => {
    const text = "The ct parameter isn't hashed. Hash all user parameters as SHA256 (#100) fb.1.1554763741205.IwAR2F4";
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("one table for the worker and the admin", () => {
  const CODES: Array<[number, number | null]> = [
    [1, null],
    [2, null],
    [4, null],
    [17, null],
    [32, null],
    [341, null],
    [368, null],
    [613, null],
    [80004, null],
    [102, null],
    [104, null],
    [190, 463],
    [2635, null],
    [100, 33],
    [100, null],
    [100, 2804016],
    [100, 2804001],
    [100, 2804003],
    [100, 2804050],
    [3, null],
    [10, null],
    [200, null],
    [299, null],
    [12345, null],
  ];

  it.each(CODES)("code %s/%s: the kind the worker acts on is the kind the admin explains", (code, subcode) => {
    const failure = classifyGraphError({ httpStatus: 400, body: graphBody({ code, error_subcode: subcode ?? undefined, message: "m" }) });
    const rule = classifyMetaCode(code, subcode, { isTransient: null, httpStatus: 400 });
    expect(failure.kind).toBe(rule.kind);
    // What the ledger keeps (code, subcode, kind) is enough to name the same problem again later.
    expect(metaProblemOf({ code, subcode, kind: failure.kind })).toBe(rule.problem);
  });

  it("has words for every problem it can name", () => {
    const problems = Object.keys(META_WORDS) as MetaProblem[];
    expect(problems.length).toBeGreaterThan(5);
    for (const problem of problems) {
      expect(META_WORDS[problem].title).not.toBe("");
      expect(META_WORDS[problem].cause).not.toBe("");
    }
  });

  it("explains a transient answer as Meta being unavailable, whatever its code", () => {
    expect(explainMetaError({ code: 100, subcode: 2804050, message: null, kind: "transient" }).title).toBe("Meta was unavailable");
    expect(explainMetaError({ code: 12345, subcode: null, message: null, kind: "transient" }).title).toBe("Meta was unavailable");
    expect(explainMetaError({ code: 12345, subcode: null, message: null, kind: "config" }).title).toBe(
      "Meta refused the event (error 12345)",
    );
  });
});
