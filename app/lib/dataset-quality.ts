// Meta's verdict on the shop's dataset: its Dataset Quality API answer, normalised, and turned into rows and
// weak points a merchant can act on. Pure: the Graph client parses with `datasetQualityAnswer`, the service caches
// the normalised report, the home page and the CLI read `qualityRows` / `weakPoints`.
//
// Field names follow Meta's documentation of GET /{version}/dataset_quality
// (https://developers.facebook.com/docs/marketing-api/conversions-api/dataset-quality-api, as mirrored in
// UtekosKristoffer/utekos-headless 04-dataset-quality.md) and the SDK node AdsPixelCAPIIntegrationQuality
// (facebook-nodejs-business-sdk: acr, data_freshness, dedupe_key_feedback, event_coverage, event_match_quality,
// event_name, event_potential_aly_acr_increase). The docs' table says `dedup_key_feedback`, but Meta answers
// "(#100) Tried accessing nonexisting field" to that spelling; the examples and the SDK use `dedupe_key_feedback`.
import { z } from "zod";

/** The `fields` we ask for: only what the verdict shows, so Meta computes (and bills our rate limit for) no more. */
export const DATASET_QUALITY_FIELDS =
  "web{event_name," +
  "event_match_quality{composite_score,match_key_feedback{identifier,coverage{percentage}}}," +
  "event_coverage{percentage,goal_percentage}," +
  "dedupe_key_feedback{dedupe_key,browser_events_with_dedupe_key{percentage},server_events_with_dedupe_key{percentage},overall_browser_coverage_from_dedupe_key{percentage}}," +
  "data_freshness{upload_frequency}," +
  "acr{percentage}}";

const percentage = z.object({ percentage: z.number().finite().optional() }).optional();

// Unknown fields are dropped (zod's default), so Meta adding a metric changes nothing; a known field with the
// wrong type makes the whole answer malformed rather than half-shown.
const webEvent = z.object({
  event_name: z.string().min(1).max(200),
  event_match_quality: z
    .object({
      composite_score: z.number().finite().optional(),
      match_key_feedback: z
        .array(z.object({ identifier: z.string().min(1).max(100), coverage: percentage }))
        .max(100)
        .optional(),
    })
    .optional(),
  event_coverage: z.object({ percentage: z.number().finite().optional(), goal_percentage: z.number().finite().optional() }).optional(),
  dedupe_key_feedback: z
    .array(
      z.object({
        dedupe_key: z.string().min(1).max(100),
        browser_events_with_dedupe_key: percentage,
        server_events_with_dedupe_key: percentage,
        overall_browser_coverage_from_dedupe_key: percentage,
      }),
    )
    .max(50)
    .optional(),
  data_freshness: z.object({ upload_frequency: z.string().max(100).optional() }).optional(),
  acr: percentage,
});

export const datasetQualityAnswer = z.object({ web: z.array(webEvent).max(500) });

export interface QualityEvent {
  eventName: string;
  /** Meta's composite Event Match Quality, 0-10; null when Meta has none for this event yet. */
  emq: number | null;
  /** Match key (Meta's identifier: email, phone, ip_address, fbp, ...) -> share of events carrying it, percent. */
  matchKeys: Record<string, number | null>;
  /** Event coverage: share of pixel events also received from the server with a shared key, percent. */
  coverage: number | null;
  coverageGoal: number | null;
  /** Share of browser events deduplicated against server events (all keys together), percent. */
  dedupRate: number | null;
  /** Meta's upload_frequency: real_time, hourly, daily, ... */
  freshness: string | null;
  /** Additional conversions reported thanks to the Conversions API, percent. */
  acr: number | null;
}

export interface QualityReport {
  events: QualityEvent[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const pct = (n: number | undefined): number | null => (n === undefined ? null : round1(Math.min(100, Math.max(0, n))));

export function normalizeQuality(answer: z.output<typeof datasetQualityAnswer>): QualityReport {
  const events = answer.web.map((e): QualityEvent => {
    const matchKeys: Record<string, number | null> = {};
    for (const key of e.event_match_quality?.match_key_feedback ?? []) matchKeys[key.identifier] = pct(key.coverage?.percentage);
    // overall_browser_coverage_from_dedupe_key is incremental per key (Meta's description), so the keys add up.
    const dedupParts = (e.dedupe_key_feedback ?? [])
      .map((d) => d.overall_browser_coverage_from_dedupe_key?.percentage)
      .filter((n): n is number => n !== undefined);
    const score = e.event_match_quality?.composite_score;
    return {
      eventName: e.event_name,
      emq: score === undefined ? null : round1(Math.min(10, Math.max(0, score))),
      matchKeys,
      coverage: pct(e.event_coverage?.percentage),
      coverageGoal: pct(e.event_coverage?.goal_percentage),
      dedupRate: dedupParts.length === 0 ? null : pct(dedupParts.reduce((a, b) => a + b, 0)),
      freshness: e.data_freshness?.upload_frequency ?? null,
      acr: pct(e.acr?.percentage),
    };
  });
  return { events };
}

/** The figures the CLI's --json prints: exactly these five, with what Meta returned. */
export function qualityRows(
  report: QualityReport,
): Array<Pick<QualityEvent, "eventName" | "emq" | "matchKeys" | "coverage" | "dedupRate">> {
  return report.events.map(({ eventName, emq, matchKeys, coverage, dedupRate }) => ({ eventName, emq, matchKeys, coverage, dedupRate }));
}

// Meta calls an EMQ of 6 "OK" and from 8 "great"; Events Manager's coverage goal is 75%.
export const EMQ_WEAK_BELOW = 6;
export const MATCH_KEY_WEAK_BELOW = 50;
export const COVERAGE_GOAL = 75;
export const DEDUP_WEAK_BELOW = 50;
const FRESH = new Set(["real_time", "realtime", "hourly"]);
// Keys our server sends when Shopify gives them; a low share of these has a cause the merchant can fix.
const CUSTOMER_KEYS = new Set([
  "email",
  "phone",
  "first_name",
  "last_name",
  "city",
  "state",
  "zip",
  "country",
  "external_id",
  "date_of_birth",
  "gender",
]);
// The keys that move EMQ most (meta-capi-reference.md §8); a low share of an address line is not worth a warning.
const KEYS_WORTH_A_WARNING = ["email", "phone", "external_id", "fbp", "fbc", "ip_address", "user_agent"];

export type WeakPointKind = "emq" | "match-key" | "coverage" | "dedup" | "freshness";

export interface WeakPoint {
  eventName: string;
  kind: WeakPointKind;
  /** What is wrong, in plain words. */
  explanation: string;
  /** The one change most likely to help. */
  fix: string;
}

const KEY_NAMES: Record<string, string> = {
  email: "email address",
  phone: "phone number",
  ip_address: "IP address",
  user_agent: "browser (user agent)",
  fbp: "Meta browser ID (fbp)",
  fbc: "Meta click ID (fbc)",
  external_id: "customer ID",
  first_name: "first name",
  last_name: "last name",
  zip: "postcode",
  country: "country",
  city: "city",
  state: "state",
};

export function keyLabel(key: string): string {
  return KEY_NAMES[key] ?? key.replace(/_/g, " ");
}

function matchKeyFix(key: string): string {
  if (key === "fbp" || key === "fbc") {
    return "Check that the app embed is switched on in the theme editor, so the storefront passes Meta's browser and click IDs on to checkout.";
  }
  if (key === "ip_address" || key === "user_agent") {
    return "Check that the app embed is switched on in the theme editor: it hands the shopper's browser details to the order.";
  }
  if (CUSTOMER_KEYS.has(key)) {
    return "Turn on customer-data sharing in Shopify's customer privacy settings, and ask for email and phone at checkout.";
  }
  return "Send this detail with the event when the shop has it.";
}

/** Every weak point of every event, each with its explanation and one fix; the worst events first. */
export function weakPoints(report: QualityReport): WeakPoint[] {
  const out: WeakPoint[] = [];
  for (const e of report.events) {
    const name = e.eventName;
    if (e.emq !== null && e.emq < EMQ_WEAK_BELOW) {
      const missing = Object.entries(e.matchKeys)
        .filter(([, share]) => share !== null && share < MATCH_KEY_WEAK_BELOW)
        .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))[0];
      out.push({
        eventName: name,
        kind: "emq",
        explanation: `Meta can match only some ${name} events to people on Facebook and Instagram (match quality ${e.emq}/10), so fewer of them count for your ads.`,
        fix: missing
          ? matchKeyFix(missing[0])
          : "Turn on customer-data sharing in Shopify's customer privacy settings, so orders carry email and phone.",
      });
    }
    // One weak point per fix, not per key: keys with the same cause are one thing to do.
    const byFix = new Map<string, string[]>();
    for (const key of KEYS_WORTH_A_WARNING) {
      const share = e.matchKeys[key];
      if (share === undefined || share === null || share >= MATCH_KEY_WEAK_BELOW) continue;
      const fix = matchKeyFix(key);
      byFix.set(fix, [...(byFix.get(fix) ?? []), `${keyLabel(key)} on ${share}%`]);
    }
    for (const [fix, keys] of byFix) {
      out.push({
        eventName: name,
        kind: "match-key",
        explanation: `Only some ${name} events carry the details Meta matches people by: ${keys.join(", ")}.`,
        fix,
      });
    }
    if (e.dedupRate !== null && e.dedupRate < DEDUP_WEAK_BELOW) {
      out.push({
        eventName: name,
        kind: "dedup",
        explanation: `Only ${e.dedupRate}% of ${name} events from the browser were recognised as the same event sent by the server, so Meta may count some twice or miss the server's extra detail.`,
        fix: "The pixel and server events do not share IDs: check the app embed is switched on in the theme editor.",
      });
    }
    if (e.coverage !== null && e.coverage < (e.coverageGoal ?? COVERAGE_GOAL)) {
      out.push({
        eventName: name,
        kind: "coverage",
        explanation: `The server sent only ${e.coverage}% as many ${name} events as the browser pixel (Meta's goal is ${e.coverageGoal ?? COVERAGE_GOAL}%), so events lost to ad blockers are not made up for.`,
        fix: `Make sure ${name} is switched on in Settings and that the shop's connection to Meta is not broken.`,
      });
    }
    if (e.freshness !== null && !FRESH.has(e.freshness)) {
      out.push({
        eventName: name,
        kind: "freshness",
        explanation: `Meta receives ${name} events from the server only ${e.freshness.replace(/_/g, " ")}; events that arrive late help ad delivery less.`,
        fix: "Check that the delivery worker is running: it sends events within seconds when it is.",
      });
    }
  }
  return out;
}

/** Upload frequency in plain words. */
export function freshnessLabel(freshness: string | null): string {
  if (freshness === null) return "not reported";
  return FRESH.has(freshness) ? (freshness === "hourly" ? "hourly" : "real time") : freshness.replace(/_/g, " ");
}
