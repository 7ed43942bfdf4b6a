import { describe, expect, it } from "vitest";
import { OPENMETRICS_EXAMPLE, TRADING_BOT_PROMETHEUS } from "./fixtures/expositions";
import { histogramQuantile, histogramSeries, validateHistograms, type Bucket } from "./histogram";
import { parsePrometheusText } from "./parse";
import type { MetricFamily } from "./types";

function parsed(text: string): MetricFamily[] {
  const result = parsePrometheusText(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.families;
}

function histogram(lines: string[]): MetricFamily[] {
  return parsed(`# TYPE h histogram\n${lines.join("\n")}\n`);
}

const latency: Bucket[] = [
  { le: 0.005, count: 10 },
  { le: 0.01, count: 50 },
  { le: 0.05, count: 90 },
  { le: 0.1, count: 98 },
  { le: Infinity, count: 100 },
];

describe("histogramQuantile", () => {
  it.each([
    [0.5, 0.01],
    [0.9, 0.05],
    [0.25, 0.006875],
    [0.05, 0.0025], // first bucket interpolates from 0
    [0, 0],
    [0.95, 0.05 + 0.05 * (5 / 8)],
  ])("estimates q=%s as %s by linear interpolation inside the bucket", (q, expected) => {
    expect(histogramQuantile(q, latency)).toBeCloseTo(expected, 12);
  });

  it("returns the highest finite bound when the rank falls in the +Inf bucket (p99 here)", () => {
    expect(histogramQuantile(0.99, latency)).toBe(0.1);
    expect(histogramQuantile(1, latency)).toBe(0.1);
  });

  it("returns -Inf below 0, +Inf above 1 and NaN for NaN", () => {
    expect(histogramQuantile(-0.1, latency)).toBe(-Infinity);
    expect(histogramQuantile(1.1, latency)).toBe(Infinity);
    expect(histogramQuantile(NaN, latency)).toBeNaN();
  });

  it("returns NaN without a +Inf bucket, with fewer than two buckets, or with no observations", () => {
    expect(histogramQuantile(0.5, latency.slice(0, 4))).toBeNaN();
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 10 }])).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(
      histogramQuantile(
        0.5,
        latency.map((b) => ({ ...b, count: 0 })),
      ),
    ).toBeNaN();
  });

  it("returns the first bound when it is not above zero", () => {
    const buckets = [
      { le: -1, count: 5 },
      { le: 1, count: 10 },
      { le: Infinity, count: 10 },
    ];
    expect(histogramQuantile(0.2, buckets)).toBe(-1);
    expect(histogramQuantile(0.75, buckets)).toBeCloseTo(0, 12);
  });

  it("sorts unsorted input without changing the caller's array", () => {
    const shuffled = [latency[4], latency[1], latency[0], latency[3], latency[2]] as Bucket[];
    const copy = structuredClone(shuffled);
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(0.01, 12);
    expect(shuffled).toEqual(copy);
  });

  it("treats decreasing counts as the running maximum and merges equal bounds", () => {
    const broken = [
      { le: 1, count: 10 },
      { le: 2, count: 8 },
      { le: 2, count: 6 },
      { le: 4, count: 20 },
      { le: Infinity, count: 20 },
    ];
    // Counts become 10, 10, 20: rank 15 lands in (2, 4].
    expect(histogramQuantile(0.75, broken)).toBeCloseTo(3, 12);
  });

  it("gives p50 and p99 for a parsed histogram family", () => {
    const family = parsed(TRADING_BOT_PROMETHEUS).find((f) => f.name === "order_latency_seconds") as MetricFamily;
    const [series] = histogramSeries(family);
    expect(series?.labels).toEqual({ profile_id: "p1" });
    expect(series?.count).toBe(100);
    expect(series?.sum).toBe(1.82);
    expect(histogramQuantile(0.5, series?.buckets ?? [])).toBeCloseTo(0.01, 12);
    expect(histogramQuantile(0.99, series?.buckets ?? [])).toBe(0.1);
  });
});

describe("histogramSeries", () => {
  it("splits a family into series by labels and timestamp, with buckets sorted by le", () => {
    const families = parsed(
      [
        "# TYPE h histogram",
        'h_bucket{a="1",le="+Inf"} 4',
        'h_bucket{a="1",le="1"} 3',
        'h_bucket{a="2",le="+Inf"} 9',
        'h_count{a="2"} 9',
        'h_bucket{le="+Inf",a="1"} 5 1000',
        "",
      ].join("\n"),
    );
    const series = histogramSeries(families[0] as MetricFamily);
    expect(series).toEqual([
      {
        labels: { a: "1" },
        buckets: [
          { le: 1, count: 3 },
          { le: Infinity, count: 4 },
        ],
      },
      { labels: { a: "2" }, buckets: [{ le: Infinity, count: 9 }], count: 9 },
      { labels: { a: "1" }, timestamp: 1000, buckets: [{ le: Infinity, count: 5 }] },
    ]);
  });

  it("returns nothing for families that are not histograms", () => {
    expect(histogramSeries({ name: "g", type: "gauge", samples: [{ name: "g", labels: {}, value: 1 }] })).toEqual([]);
  });
});

describe("validateHistograms", () => {
  it("finds no issues in consistent histograms", () => {
    expect(validateHistograms(parsed(TRADING_BOT_PROMETHEUS))).toEqual([]);
    expect(validateHistograms(parsed(OPENMETRICS_EXAMPLE))).toEqual([]);
  });

  it("reports a bucket without le", () => {
    const issues = validateHistograms(histogram(['h_bucket{le="+Inf"} 1', "h_bucket 1"]));
    expect(issues).toEqual([{ family: "h", labels: {}, message: 'a bucket of h has no "le" label' }]);
  });

  it("reports an le that is not a number", () => {
    const issues = validateHistograms(
      histogram(['h_bucket{le="fast"} 1', 'h_bucket{le="NaN"} 1', 'h_bucket{le="+Inf"} 1']),
    );
    expect(issues.map((i) => i.message)).toEqual([
      'bucket le="fast" is not a number',
      'bucket le="NaN" is not a number',
    ]);
  });

  it("reports buckets that are not cumulative", () => {
    const issues = validateHistograms(histogram(['h_bucket{le="1"} 5', 'h_bucket{le="2"} 3', 'h_bucket{le="+Inf"} 5']));
    expect(issues.map((i) => i.message)).toEqual([
      'bucket le="2" has count 3, less than 5 in le="1"; bucket counts must be cumulative',
    ]);
  });

  it("reports buckets out of order and duplicated bounds", () => {
    const issues = validateHistograms(
      histogram(['h_bucket{le="2"} 1', 'h_bucket{le="1"} 1', 'h_bucket{le="1.0"} 1', 'h_bucket{le="+Inf"} 1']),
    );
    expect(issues.map((i) => i.message)).toEqual([
      'bucket le="1" comes after le="2"; buckets must be in increasing order of le',
      'bucket le="1" appears more than once',
    ]);
  });

  it("reports a missing +Inf bucket, also for a series that only has _count", () => {
    const issues = validateHistograms(histogram(['h_bucket{a="x",le="1"} 1', 'h_count{a="y"} 1']));
    expect(issues).toEqual([
      { family: "h", labels: { a: "x" }, message: 'h has no le="+Inf" bucket' },
      { family: "h", labels: { a: "y" }, message: 'h has no le="+Inf" bucket' },
    ]);
  });

  it("reports a +Inf bucket that differs from _count, and accepts it without _count", () => {
    const issues = validateHistograms(
      histogram(['h_bucket{a="x",le="+Inf"} 7', 'h_count{a="x"} 8', 'h_bucket{a="y",le="+Inf"} 7']),
    );
    expect(issues).toEqual([
      { family: "h", labels: { a: "x" }, message: 'le="+Inf" bucket (7) differs from h count (8)' },
    ]);
  });

  it("checks gauge histograms against _gcount and ignores other types", () => {
    // The OpenMetrics parser itself refuses this exposition (rule histogram-count), so the
    // families are built directly, as another source could hand them over.
    const families: MetricFamily[] = [
      {
        name: "g",
        type: "gaugehistogram",
        samples: [
          { name: "g_bucket", labels: { le: "+Inf" }, value: 3 },
          { name: "g_gcount", labels: {}, value: 4 },
        ],
      },
      {
        name: "s",
        type: "summary",
        samples: [
          { name: "s", labels: { quantile: "0.5" }, value: 1 },
          { name: "s_count", labels: {}, value: 9 },
        ],
      },
    ];
    expect(validateHistograms(families)).toEqual([
      { family: "g", labels: {}, message: 'le="+Inf" bucket (3) differs from g count (4)' },
    ]);
    const om = parsePrometheusText('# TYPE g gaugehistogram\ng_bucket{le="+Inf"} 3\ng_gcount 4\n# EOF\n');
    expect(!om.ok && om.error.rule).toBe("histogram-count");
  });
});
