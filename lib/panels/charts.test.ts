import { describe, expect, it } from "vitest";
import { buildChart, metricsOf, rollupAggFor, type ChartSpec } from "./charts";
import type { RawSeries } from "./data";
import { reconciliationCharts } from "./reconciliation";
import type { Report } from "../telemetry/model";

const S = (
  metric: string,
  entity: string,
  labels: Record<string, string>,
  values: number[],
  step = 10_000,
): [string, RawSeries] => [
  metric,
  {
    key: `${metric}|${entity}|${JSON.stringify(labels)}`,
    entity,
    labels,
    points: values.map((v, i) => ({ t: i * step, v })),
  },
];

function byMetric(...list: [string, RawSeries][]): Map<string, RawSeries[]> {
  const m = new Map<string, RawSeries[]>();
  for (const [k, s] of list) m.set(k, [...(m.get(k) ?? []), s]);
  return m;
}

describe("buildChart", () => {
  it("draws counters as rates, sums label series, and survives a counter reset", () => {
    const spec: ChartSpec = {
      id: "drops",
      title: "Drops",
      unit: "/min",
      series: [{ label: "drops", metric: "rate_limit_drops_total", counter: true, scale: 60 }],
    };
    const data = byMetric(
      S("rate_limit_drops_total", "*", { api_key: "a" }, [0, 10, 20, 5]),
      S("rate_limit_drops_total", "*", { api_key: "b" }, [0, 0, 10, 20]),
    );
    const c = buildChart(spec, data, 0, 100_000);
    // per 10 s: a = 10, 10, 5 (reset: 5 counts from zero); b = 0, 10, 10 → ×6 per minute
    expect(c.rows.map((r) => r.v[0])).toEqual([60, 120, 90]);
    expect(c.rows.every((r) => (r.v[0] ?? 0) >= 0)).toBe(true);
  });

  it("splits one line per label value or entity, sorted", () => {
    const spec: ChartSpec = {
      id: "tps",
      title: "TPS",
      unit: "trades/s",
      series: [{ label: "{}", metric: "engine_trades_total", counter: true, splitBy: "entity" }],
    };
    const data = byMetric(
      S("engine_trades_total", "ETH-USD", { symbol: "ETH-USD" }, [0, 20]),
      S("engine_trades_total", "BTC-USD", { symbol: "BTC-USD" }, [0, 50]),
    );
    const c = buildChart(spec, data, 0, 100_000);
    expect(c.series.map((s) => s.label)).toEqual(["BTC-USD", "ETH-USD"]);
    expect(c.rows).toEqual([{ t: 10_000, v: [5, 2] }]);
  });

  it("divides by another series for a ratio and filters by labels", () => {
    const spec: ChartSpec = {
      id: "err",
      title: "Errors",
      unit: "%",
      series: [
        { label: "errors", metric: "e_total", counter: true, per: { metric: "r_total", counter: true }, scale: 100 },
      ],
    };
    const data = byMetric(S("e_total", "*", {}, [0, 1, 3]), S("r_total", "*", { outcome: "ok" }, [0, 100, 200]));
    expect(buildChart(spec, data, 0, 100_000).rows.map((r) => r.v[0])).toEqual([1, 2]);
    const lag: ChartSpec = {
      id: "lag",
      title: "Lag",
      unit: "",
      series: [{ label: "ledger", metric: "lag", labels: { group: "ledger-settlement" } }],
    };
    const lagData = byMetric(
      S("lag", "*", { group: "ledger-settlement" }, [1, 2]),
      S("lag", "*", { group: "analytics" }, [100, 200]),
    );
    expect(buildChart(lag, lagData, 0, 100_000).latest).toEqual([2]);
  });

  it("says its rows are bucket aggregates when the reader sent buckets, even if every one is drawn", () => {
    const spec: ChartSpec = {
      id: "q",
      title: "Queue",
      unit: "",
      series: [{ label: "depth", metric: "engine_queue_depth" }],
    };
    const [m, exact] = S("engine_queue_depth", "*", {}, [1, 5, 2]);
    expect(buildChart(spec, byMetric([m, exact]), 0, 100_000).bucketed).toBe(false);
    const c = buildChart(spec, byMetric([m, { ...exact, bucketMs: 1_200_000 }]), 0, 100_000);
    expect(c.bucketed).toBe(true);
    expect(c.rows).toHaveLength(3);
  });

  it("is empty (never blank or zero) when no series matches", () => {
    const c = buildChart(
      {
        id: "x",
        title: "X",
        unit: "",
        series: [{ label: "x", metric: "missing" }],
        thresholds: [{ value: 5, label: "T2", kind: "warning" }],
      },
      new Map(),
      0,
      1000,
    );
    expect(c.state).toBe("empty");
    expect(c.series).toHaveLength(1);
    expect(c.domain[1]).toBeGreaterThan(5);
  });

  it("lists the metrics to load and rolls counters up by their last value", () => {
    const specs: ChartSpec[] = [
      {
        id: "a",
        title: "A",
        unit: "",
        agg: "min",
        series: [
          { label: "a", metric: "avail" },
          { label: "b", metric: "c_total", counter: true, per: { metric: "d_total", counter: true } },
        ],
      },
    ];
    expect(metricsOf(specs).sort()).toEqual(["avail", "c_total", "d_total"]);
    const agg = rollupAggFor(specs);
    expect([agg("avail"), agg("c_total"), agg("d_total"), agg("other")]).toEqual(["min", "last", "last", "max"]);
  });
});

describe("reconciliationCharts", () => {
  const MIN = 60_000;
  const now = 20 * MIN;
  const rep = (i: number, fields: Record<string, unknown>): Report => ({
    system: "kf",
    kind: "RECONCILIATION_REPORT",
    id: `r${i}`,
    observedAt: i * MIN,
    fields,
  });
  const reports = [
    rep(15, { orphaned: 1, phantom: 0, qty_mismatch: 1, issues: [{ type: "ORPHANED", symbol: "PF_XBTUSD" }] }),
    rep(16, {
      orphaned: 2,
      phantom: 1,
      qty_mismatch: 1,
      issues: [
        { type: "ORPHANED", symbol: "PF_XBTUSD" },
        { type: "ORPHANED", symbol: "PF_ETHUSD" },
        { type: "PHANTOM", symbol: "PF_SOLUSD" },
      ],
    }),
    rep(17, { orphaned: 1, phantom: 0, qty_mismatch: 1, issues: [{ type: "ORPHANED", symbol: "PF_ADAUSD" }] }),
    rep(18, { orphaned: 0, state_adjustments_deduped: 40, state_adjustments_logged: 1 }),
  ];
  const charts = reconciliationCharts(reports, { from: 0, to: now }, {}, now);
  const chart = (id: string) => charts.find((c) => c.id === id)!;

  it("has one chart per RECONCILIATION_REPORT field, each with its lines", () => {
    expect(charts.map((c) => c.id)).toEqual([
      "recon-orphaned",
      "recon-phantom",
      "recon-qty_mismatch",
      "recon-qty_synced",
      "recon-pending_adopted",
      "recon-dedupe",
    ]);
    expect(chart("recon-orphaned").thresholds.map((t) => [t.kind, t.value])).toEqual([
      ["target", 0],
      ["warning", 1],
      ["critical", 3],
    ]);
  });

  it("states the windowed conditions in words with their current values", () => {
    expect(chart("recon-orphaned").notes).toEqual([
      "Warning — ≥ 1 in a cycle: 0 in the latest cycle",
      "Critical — ≥ 3 in the last 15 minutes: 3",
    ]);
    expect(chart("recon-phantom").notes[1]).toBe("Critical — ≥ 3 in the last 15 minutes: 1");
    expect(chart("recon-qty_mismatch").notes[1]).toBe("Critical — persistent for 3+ cycles: 0 consecutive so far");
    expect(chart("recon-qty_mismatch").rows.map((r) => r.v[1])).toEqual([1, 2, 3, 0]);
  });

  it("draws the dominance line for deduped vs logged", () => {
    const d = chart("recon-dedupe");
    expect(d.series.map((s) => s.label)).toContain("2 × logged (deduped above it dominates)");
    expect(d.latest).toEqual([40, 1, 2]);
  });
});

describe("the exchange's invariant chart", () => {
  it("draws a counter that moves every 10 s as its real per-minute rate, and the legend reads the same", async () => {
    const { exchangeSpecs } = await import("./exchange");
    const ctx = { params: () => ({}) } as unknown as Parameters<typeof exchangeSpecs>[0];
    const spec = exchangeSpecs(ctx, { name: "spot-exchange", kind: "spot-exchange" } as Parameters<
      typeof exchangeSpecs
    >[1])
      .flatMap((g) => g.charts)
      .find((c) => c.id === "ledger-invariants")!;
    // Polled every second for 5 minutes; one failed invariant check every 10 s (6 per minute).
    const polls = Array.from({ length: 301 }, (_, i) => Math.floor(i / 10));
    const data = byMetric(
      S("invariant_violation_total", "*", {}, polls, 1000),
      S("invariant_checks_total", "*", {}, polls, 1000),
    );
    const c = buildChart(spec, data, 0, 300_000);
    const drawn = c.rows.map((r) => r.v[1]).filter((v): v is number => v !== null);
    expect(c.latest[1]).toBeCloseTo(6, 5);
    expect(Math.max(...drawn)).toBeCloseTo(6, 5);
    expect(Math.min(...drawn)).toBeCloseTo(6, 5);
    expect(c.series[1]!.label).toBe("violations (1-min rate)");
  });
});
