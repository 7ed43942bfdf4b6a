import { describe, expect, it } from "vitest";
import type { Sample } from "../model";
import { describePartial, readMetrics, type HistogramMemory, type MetricsReading } from "./metrics";

// The /metrics mapping: strict parse errors with line numbers, broken histograms dropped (never a
// wrong p99), cumulative and windowed quantiles, counter resets reported as they are.

const CT = "text/plain; version=0.0.4; charset=utf-8";
const O = { system: "spot", observedAt: 1_700_000_000_000 };

function latency(counts: [number, number, number, number], extra = ""): string {
  const [a, b, c, inf] = counts;
  return `# HELP trading_api_request_duration_seconds Request latency.
# TYPE trading_api_request_duration_seconds histogram
trading_api_request_duration_seconds_bucket{le="0.01"} ${a}
trading_api_request_duration_seconds_bucket{le="0.1"} ${b}
trading_api_request_duration_seconds_bucket{le="1"} ${c}
trading_api_request_duration_seconds_bucket{le="+Inf"} ${inf}
trading_api_request_duration_seconds_sum 12.5
trading_api_request_duration_seconds_count ${inf}
# HELP engine_trades_total Trades per symbol.
# TYPE engine_trades_total counter
engine_trades_total{symbol="BTC-USD"} 1500
# HELP available_capital_gauge Available capital.
# TYPE available_capital_gauge gauge
available_capital_gauge{profile_id="p1"} -20.5
${extra}`;
}

function ok(text: string, memory?: HistogramMemory): MetricsReading {
  const r = readMetrics(text, CT, { ...O, memory });
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.detail}`);
  return r.value;
}
const pick = (s: Sample[], metric: string) => s.filter((x) => x.metric === metric);

describe("readMetrics", () => {
  it("maps samples with profile_id / symbol as the entity", () => {
    const { samples, partial } = ok(latency([10, 90, 99, 100]));
    expect(partial).toBeUndefined();
    expect(pick(samples, "engine_trades_total")[0]).toMatchObject({
      system: "spot",
      entity: "BTC-USD",
      value: 1500,
      observedAt: O.observedAt,
    });
    expect(pick(samples, "available_capital_gauge")[0]).toMatchObject({ entity: "p1", value: -20.5 });
    expect(pick(samples, "trading_api_request_duration_seconds_bucket")).toHaveLength(4);
  });

  it("derives p50 and p99 from histogram buckets", () => {
    const { samples } = ok(latency([10, 90, 99, 100]));
    const p50 = pick(samples, "trading_api_request_duration_seconds:p50")[0];
    const p99 = pick(samples, "trading_api_request_duration_seconds:p99")[0];
    // rank 50 falls in (0.01, 0.1]: 0.01 + 0.09 × (50 − 10) / 80
    expect(p50?.value).toBeCloseTo(0.055, 10);
    // rank 99 is the top of (0.1, 1]
    expect(p99?.value).toBeCloseTo(1, 10);
    expect(p99?.entity).toBe("*");
  });

  it("windows quantiles over the observations between two polls, absent on the first", () => {
    const memory: HistogramMemory = new Map();
    const first = ok(latency([10, 90, 99, 100]), memory).samples;
    expect(pick(first, "trading_api_request_duration_seconds:p99_window")).toEqual([]);
    // 100 new observations, all slow (between 0.1 and 1 s)
    const second = ok(latency([10, 90, 199, 200]), memory).samples;
    // window: all 100 in (0.1, 1] → p50 = 0.1 + 0.9 × 0.5; cumulative: rank 100 of 200 → 0.1 + 0.9 × 10/109
    expect(pick(second, "trading_api_request_duration_seconds:p50_window")[0]?.value).toBeCloseTo(0.55, 10);
    expect(pick(second, "trading_api_request_duration_seconds:p50")[0]?.value).toBeCloseTo(0.1 + (0.9 * 10) / 109, 10);
    // nothing observed since: no window sample rather than a 0
    const third = ok(latency([10, 90, 199, 200]), memory).samples;
    expect(pick(third, "trading_api_request_duration_seconds:p99_window")).toEqual([]);
  });

  it("reports a counter reset as it is: values drop, and no window spans the reset", () => {
    const memory: HistogramMemory = new Map();
    ok(latency([10, 90, 99, 100]), memory);
    const after = ok(latency([1, 2, 3, 3]).replace("1500", "4"), memory).samples;
    expect(pick(after, "engine_trades_total")[0]?.value).toBe(4);
    expect(pick(after, "trading_api_request_duration_seconds:p99_window")).toEqual([]);
    expect(pick(after, "trading_api_request_duration_seconds:p99")).toHaveLength(1);
  });

  it("keeps the families that parse and names the odd line, its rule and family (0.0.4)", () => {
    const text = `# TYPE a gauge\na 1\nb{x="1} 2\n`;
    const r = readMetrics(text, CT, O);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(pick(r.value.samples, "a").map((x) => x.value)).toEqual([1]);
    expect(r.value.partial).toEqual({
      issues: [
        {
          line: 3,
          rule: "syntax",
          message: 'line 3: the value of label "x" is missing its closing double quote',
          text: 'b{x="1} 2',
          family: "b",
        },
      ],
      issueCount: 1,
      droppedFamilies: ["b"],
    });
    expect(describePartial(r.value.partial!)).toContain("left out b, other families kept");
  });

  it("fails an OpenMetrics exposition whole, naming the line and the rule", () => {
    const text = "# TYPE c counter\nc_total -1\n# EOF\n";
    const r = readMetrics(text, "application/openmetrics-text; version=1.0.0", O);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe("parse");
    expect(r.error.detail).toMatch(/^line 2: .*rule counter-total/);
    expect(r.error.detail).toContain('"c_total -1"');
  });

  it("drops a broken histogram whole and says so, keeping the other families", () => {
    const broken = `# HELP settle_seconds Settlement lag.
# TYPE settle_seconds histogram
settle_seconds_bucket{le="1"} 50
settle_seconds_bucket{le="5"} 20
settle_seconds_bucket{le="+Inf"} 60
settle_seconds_sum 80
settle_seconds_count 60
`;
    const { samples, partial } = ok(latency([10, 90, 99, 100], broken));
    expect(partial?.droppedFamilies).toEqual(["settle_seconds"]);
    expect(partial?.issues[0]?.message).toContain("histogram settle_seconds");
    expect(partial?.issues[0]?.message).toContain("cumulative");
    expect(samples.some((s) => s.metric.startsWith("settle_seconds"))).toBe(false);
    expect(pick(samples, "engine_trades_total")).toHaveLength(1);
    expect(pick(samples, "trading_api_request_duration_seconds:p99")).toHaveLength(1);
  });

  it("flags a +Inf bucket that disagrees with _count", () => {
    const text = latency([10, 90, 99, 100]).replace(
      "trading_api_request_duration_seconds_count 100",
      "trading_api_request_duration_seconds_count 140",
    );
    const { samples, partial } = ok(text);
    expect(partial?.issues[0]?.message).toContain("+Inf");
    expect(pick(samples, "trading_api_request_duration_seconds:p99")).toEqual([]);
  });
});
