// The stand-in's Dataset Quality API (GET /{version}/dataset_quality?dataset_id=…&fields=web{…}): figures derived
// from the server events the fake received for the dataset, in the shape Meta documents (field names and their
// source: app/lib/dataset-quality.ts). It refuses field names Meta does not know, as Meta does with
// "(#100) Tried accessing nonexisting field", so a misspelt `fields` fails here before it fails in production.
import type { ReceivedEvent } from "./graph-api";

// Meta's user_data key -> the identifier its match_key_feedback reports it under.
const MATCH_KEYS: Record<string, string> = {
  em: "email",
  ph: "phone",
  fn: "first_name",
  ln: "last_name",
  ct: "city",
  st: "state",
  zp: "zip",
  country: "country",
  external_id: "external_id",
  client_ip_address: "ip_address",
  client_user_agent: "user_agent",
  fbp: "fbp",
  fbc: "fbc",
};
// How much each key adds to the fake's EMQ when every event carries it: roughly Meta's ranking of keys.
const WEIGHTS: Record<string, number> = {
  email: 3,
  phone: 2,
  external_id: 1,
  ip_address: 1,
  user_agent: 0.5,
  fbp: 1,
  fbc: 1.5,
  first_name: 0.25,
  last_name: 0.25,
  city: 0.25,
  state: 0.25,
  zip: 0.25,
  country: 0.25,
};

const KNOWN_FIELDS = new Set([
  "web",
  "event_name",
  "event_match_quality",
  "composite_score",
  "match_key_feedback",
  "identifier",
  "coverage",
  "percentage",
  "description",
  "goal_percentage",
  "potential_aly_acr_increase",
  "diagnostics",
  "name",
  "solution",
  "affected_event_count",
  "total_event_count",
  "event_coverage",
  "dedupe_key_feedback",
  "dedupe_key",
  "browser_events_with_dedupe_key",
  "server_events_with_dedupe_key",
  "overall_browser_coverage_from_dedupe_key",
  "data_freshness",
  "upload_frequency",
  "acr",
  "event_potential_aly_acr_increase",
]);

/** The first field name in `fields` Meta would not know, or null. */
export function unknownQualityField(fields: string): string | null {
  for (const name of fields
    .split(/[{},]/)
    .map((f) => f.trim())
    .filter(Boolean)) {
    if (!KNOWN_FIELDS.has(name)) return name;
  }
  return null;
}

/** Browser copies the fake knows of, when the pixel endpoint runs beside it: (event name, event ID) pairs. */
export interface BrowserCopy {
  eventName: string;
  eventId: string | null;
}

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

export function datasetQualityBody(server: ReceivedEvent[], browser: BrowserCopy[] | null): { web: unknown[] } {
  const byName = new Map<string, ReceivedEvent[]>();
  for (const e of server) byName.set(e.eventName, [...(byName.get(e.eventName) ?? []), e]);
  const web = [...byName.entries()].map(([eventName, events]) => {
    const shares = Object.entries(MATCH_KEYS).map(([key, identifier]) => {
      const userData = (e: ReceivedEvent) => (e.event.user_data ?? {}) as Record<string, unknown>;
      const carrying = events.filter((e) => {
        const value = userData(e)[key];
        return Array.isArray(value) ? value.length > 0 : typeof value === "string" && value !== "";
      }).length;
      return { identifier, share: pct(carrying, events.length) };
    });
    const present = shares.filter((s) => s.share > 0);
    const score = Math.min(10, 1 + present.reduce((sum, s) => sum + (WEIGHTS[s.identifier] ?? 0) * (s.share / 100), 0));
    const withId = events.filter((e) => e.eventId !== null).length;
    let overall: number;
    let coverage: number;
    const browserCopies = browser?.filter((b) => b.eventName === eventName) ?? [];
    if (browserCopies.length > 0) {
      const serverIds = new Set(events.map((e) => e.eventId).filter((id): id is string => id !== null));
      overall = pct(browserCopies.filter((b) => b.eventId !== null && serverIds.has(b.eventId)).length, browserCopies.length);
      coverage = Math.min(100, pct(events.length, browserCopies.length));
    } else {
      // Nothing seen from the browser: plausible figures, good when the server sends event IDs.
      overall = withId === events.length ? 92.5 : pct(withId, events.length) * 0.9;
      coverage = 88.4;
    }
    return {
      event_name: eventName,
      event_match_quality: {
        composite_score: Math.round(score * 10) / 10,
        match_key_feedback: present.map((s) => ({ identifier: s.identifier, coverage: { percentage: s.share } })),
      },
      event_coverage: { percentage: coverage, goal_percentage: 75 },
      dedupe_key_feedback: [
        {
          dedupe_key: "event_id",
          browser_events_with_dedupe_key: {
            percentage: browserCopies.length > 0 ? pct(browserCopies.filter((b) => b.eventId !== null).length, browserCopies.length) : 100,
          },
          server_events_with_dedupe_key: { percentage: pct(withId, events.length) },
          overall_browser_coverage_from_dedupe_key: { percentage: overall },
        },
      ],
      data_freshness: { upload_frequency: "real_time" },
      acr: { percentage: 12.3 },
    };
  });
  return { web };
}
