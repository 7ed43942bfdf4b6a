import { describe, expect, it } from "vitest";
import { NODE_EXPORTER_SNIPPET, OPENMETRICS_EXAMPLE, TRADING_BOT_PROMETHEUS } from "./fixtures/expositions";
import { formatOmTimestamp, formatPromTimestamp, formatSampleValue, parseOmTimestampMs } from "./numbers";
import { parsePrometheusText } from "./parse";
import { renderPrometheusText } from "./render";
import type { ExpositionFormat, MetricFamily } from "./types";

function parsed(text: string, format?: ExpositionFormat): MetricFamily[] {
  const result = parsePrometheusText(text, { format: format ?? "auto" });
  if (!result.ok) throw new Error(result.error.message);
  return result.families;
}

const model: MetricFamily[] = [
  {
    name: "fills",
    type: "counter",
    help: 'Fills "from" the venue\nsecond line \\ end',
    samples: [
      {
        name: "fills_total",
        labels: { profile_id: "p1", note: 'say "hi"\nbye\\' },
        value: 12,
        timestamp: 1712345678123,
        exemplar: { labels: { trace_id: "abc" }, value: 1, timestamp: 1712345678500 },
      },
      { name: "fills_created", labels: { profile_id: "p1" }, value: 1712340000 },
    ],
  },
  {
    name: "drift_ratio",
    type: "gauge",
    unit: "ratio",
    samples: [
      { name: "drift_ratio", labels: {}, value: NaN },
      { name: "drift_ratio", labels: { a: "" }, value: -Infinity },
      { name: "drift_ratio", labels: {}, value: -0 },
      { name: "drift_ratio", labels: {}, value: 1e21 },
    ],
  },
  { name: "legacy", type: "untyped", samples: [{ name: "legacy", labels: {}, value: Infinity }] },
  { name: "build", type: "info", samples: [{ name: "build_info", labels: { version: "1" }, value: 1 }] },
];

describe("renderPrometheusText", () => {
  it("writes OpenMetrics with escapes, units, exemplars, float-second timestamps and # EOF", () => {
    expect(renderPrometheusText(model, "openmetrics")).toBe(
      [
        "# TYPE fills counter",
        '# HELP fills Fills \\"from\\" the venue\\nsecond line \\\\ end',
        'fills_total{profile_id="p1",note="say \\"hi\\"\\nbye\\\\"} 12 1712345678.123 # {trace_id="abc"} 1 1712345678.5',
        'fills_created{profile_id="p1"} 1712340000',
        "# TYPE drift_ratio gauge",
        "# UNIT drift_ratio ratio",
        "drift_ratio NaN",
        'drift_ratio{a=""} -Inf',
        "drift_ratio -0",
        "drift_ratio 1e+21",
        "# TYPE legacy unknown",
        "legacy +Inf",
        "# TYPE build info",
        'build_info{version="1"} 1',
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("writes 0.0.4 with integer millisecond timestamps, no units or exemplars, and 0.0.4 types", () => {
    expect(renderPrometheusText(model, "prometheus")).toBe(
      [
        '# HELP fills Fills "from" the venue\\nsecond line \\\\ end',
        "# TYPE fills counter",
        'fills_total{profile_id="p1",note="say \\"hi\\"\\nbye\\\\"} 12 1712345678123',
        'fills_created{profile_id="p1"} 1712340000',
        "# TYPE drift_ratio gauge",
        "drift_ratio NaN",
        'drift_ratio{a=""} -Inf',
        "drift_ratio -0",
        "drift_ratio 1e+21",
        "# TYPE legacy untyped",
        "legacy +Inf",
        "# TYPE build untyped",
        'build_info{version="1"} 1',
        "",
      ].join("\n"),
    );
  });

  it("renders nothing for no families, and only # EOF in OpenMetrics", () => {
    expect(renderPrometheusText([])).toBe("");
    expect(renderPrometheusText([], "openmetrics")).toBe("# EOF\n");
  });

  it("round-trips the realistic fixtures through parse → render → parse", () => {
    for (const [text, format] of [
      [NODE_EXPORTER_SNIPPET, "prometheus"],
      [TRADING_BOT_PROMETHEUS, "prometheus"],
      [OPENMETRICS_EXAMPLE, "openmetrics"],
    ] as const) {
      const first = parsed(text);
      const again = parsed(renderPrometheusText(first, format), format);
      expect(again).toEqual(first);
    }
  });

  it("renders the 0.0.4 trading-bot fixture back to the same text", () => {
    expect(renderPrometheusText(parsed(TRADING_BOT_PROMETHEUS), "prometheus")).toBe(TRADING_BOT_PROMETHEUS);
  });
});

describe("number formatting", () => {
  it.each([
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [-0, "-0"],
    [0, "0"],
    [0.1, "0.1"],
    [1e-7, "1e-7"],
    [123456789012, "123456789012"],
  ])("formats the value %s as %s", (v, text) => {
    expect(formatSampleValue(v)).toBe(text);
  });

  it.each([
    [1712345678123, "1712345678.123"],
    [1000, "1"],
    [1500, "1.5"],
    [0.5, "0.0005"],
    [-1500, "-1.5"],
    [0, "0"],
    [-0, "0"],
    [1e21, "1000000000000000000"],
    [5e-324, "5e-327"],
    [1.7976931348623157e308, "1.7976931348623157e305"],
  ])("formats %s ms as %s OpenMetrics seconds and reads it back exactly", (ms, text) => {
    expect(formatOmTimestamp(ms)).toBe(text);
    expect(parseOmTimestampMs(text)).toBe(ms === 0 ? 0 : ms);
  });

  it("rounds 0.0.4 timestamps to whole milliseconds and omits non-finite ones", () => {
    expect(formatPromTimestamp(1.6)).toBe("2");
    expect(formatPromTimestamp(-0)).toBe("0");
    expect(formatPromTimestamp(9007199254740993000)).toBe("9007199254740993024");
    expect(formatPromTimestamp(NaN)).toBeUndefined();
    expect(formatOmTimestamp(Infinity)).toBeUndefined();
  });
});
