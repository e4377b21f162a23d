import { describe, expect, it } from "vitest";
import { datasetQualityAnswer, normalizeQuality, qualityRows, weakPoints, type QualityReport } from "./dataset-quality";

// Meta's documented example answers (Dataset Quality API), merged into one event, plus a field Meta may add later.
const answer = {
  web: [
    {
      event_name: "Purchase",
      event_match_quality: {
        composite_score: 6.2,
        match_key_feedback: [
          { identifier: "email", coverage: { percentage: 100 } },
          { identifier: "phone", coverage: { percentage: 35.4 } },
        ],
        diagnostics: [{ name: "Server sending mismatched IP addresses", percentage: 61.5 }],
      },
      event_coverage: { percentage: 34.1, goal_percentage: 75, description: "…" },
      dedupe_key_feedback: [
        { dedupe_key: "event_id", overall_browser_coverage_from_dedupe_key: { percentage: 14.8 } },
        { dedupe_key: "external_id", overall_browser_coverage_from_dedupe_key: { percentage: 15.96 } },
      ],
      data_freshness: { upload_frequency: "daily" },
      acr: { percentage: 37.9, description: "…" },
      a_future_metric: { whatever: true },
    },
  ],
};

const report = (): QualityReport => normalizeQuality(datasetQualityAnswer.parse(answer));

describe("normalizeQuality", () => {
  it("keeps Meta's figures and ignores fields it does not know", () => {
    expect(report().events[0]).toEqual({
      eventName: "Purchase",
      emq: 6.2,
      matchKeys: { email: 100, phone: 35.4 },
      coverage: 34.1,
      coverageGoal: 75,
      dedupRate: 30.8,
      freshness: "daily",
      acr: 37.9,
    });
  });

  it("refuses a known field with the wrong type", () => {
    expect(datasetQualityAnswer.safeParse({ web: [{ event_name: "Purchase", event_coverage: { percentage: "34" } }] }).success).toBe(false);
    expect(datasetQualityAnswer.safeParse({ data: [] }).success).toBe(false);
  });

  it("an event Meta has no figures for yet is all nulls, not zeros", () => {
    const empty = normalizeQuality(datasetQualityAnswer.parse({ web: [{ event_name: "AddToCart" }] }));
    expect(qualityRows(empty)).toEqual([{ eventName: "AddToCart", emq: null, matchKeys: {}, coverage: null, dedupRate: null }]);
    expect(weakPoints(empty)).toEqual([]);
  });
});

describe("weakPoints", () => {
  it("names each weak point with one fix", () => {
    const points = weakPoints(report());
    expect(points.map((p) => p.kind)).toEqual(["match-key", "dedup", "coverage", "freshness"]);
    expect(points.find((p) => p.kind === "match-key")?.fix).toMatch(/customer-data sharing in Shopify's customer privacy settings/);
    expect(points.find((p) => p.kind === "dedup")?.fix).toMatch(/do not share IDs: check the app embed/);
    expect(points.every((p) => p.explanation.length > 0 && p.fix.length > 0)).toBe(true);
  });

  it("a low EMQ points at the weakest match key's fix", () => {
    const low = normalizeQuality(
      datasetQualityAnswer.parse({
        web: [
          {
            event_name: "Purchase",
            event_match_quality: {
              composite_score: 3.1,
              match_key_feedback: [
                { identifier: "fbp", coverage: { percentage: 10 } },
                { identifier: "email", coverage: { percentage: 40 } },
              ],
            },
          },
        ],
      }),
    );
    const emq = weakPoints(low).find((p) => p.kind === "emq");
    expect(emq?.explanation).toContain("3.1/10");
    expect(emq?.fix).toMatch(/app embed/);
  });

  it("keys with the same cause are one weak point, and a thin address line is none", () => {
    const thin = normalizeQuality(
      datasetQualityAnswer.parse({
        web: [
          {
            event_name: "AddToCart",
            event_match_quality: {
              composite_score: 7,
              match_key_feedback: ["fbp", "fbc", "city", "email"].map((identifier) => ({
                identifier,
                coverage: { percentage: identifier === "email" ? 90 : 20 },
              })),
            },
          },
        ],
      }),
    );
    const points = weakPoints(thin);
    expect(points).toHaveLength(1);
    expect(points[0].explanation).toBe(
      "Only some AddToCart events carry the details Meta matches people by: Meta browser ID (fbp) on 20%, Meta click ID (fbc) on 20%.",
    );
  });

  it("a healthy event has none", () => {
    const good = normalizeQuality(
      datasetQualityAnswer.parse({
        web: [
          {
            event_name: "Purchase",
            event_match_quality: { composite_score: 8.4, match_key_feedback: [{ identifier: "email", coverage: { percentage: 97 } }] },
            event_coverage: { percentage: 90 },
            dedupe_key_feedback: [{ dedupe_key: "event_id", overall_browser_coverage_from_dedupe_key: { percentage: 91 } }],
            data_freshness: { upload_frequency: "real_time" },
          },
        ],
      }),
    );
    expect(weakPoints(good)).toEqual([]);
  });
});
