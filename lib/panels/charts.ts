import type { Agg, Pt } from "./downsample";
import { counterRate, counterRateOver, ratioByTime, sumByTime } from "./downsample";
import type { RawSeries } from "./data";
import { shapeChart, type Band, type ShapedChart, type Threshold } from "./shape";

// Chart specifications as data: which metrics, how to combine their series (sum, rate, ratio,
// one line per label), the thresholds to draw. buildChart turns a spec and the loaded series into
// a ShapedChart. Pure (no I/O), so it is tested with plain series.

export interface SeriesSelector {
  metric: string;
  entity?: string;
  labels?: Record<string, string>;
  /** A monotonically increasing counter: drawn as a rate (per second × scale). */
  counter?: boolean;
  /**
   * For a counter: average the rate over this trailing window instead of taking it between
   * consecutive polls. A counter that moves in steps then draws (and its legend reads) its real
   * rate, not a spike at the poll where it moved and zero at every other.
   */
  rateWindowMs?: number;
}

export interface SeriesSpec extends SeriesSelector {
  label: string;
  /** Multiply every value (seconds → ms, ratio → %, per second → per minute). */
  scale?: number;
  /** One line per entity or per value of this label, instead of one summed line. */
  splitBy?: "entity" | { label: string };
  /** Divide by this series at equal times (an error rate: errors ÷ requests). */
  per?: SeriesSelector;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  digits?: number;
  series: SeriesSpec[];
  thresholds?: Threshold[];
  bands?: Band[];
  /** How buckets of gauges are combined when a range is downsampled ("max": high is bad). */
  agg?: Agg;
  notes?: string[];
  floor?: number;
}

export function metricsOf(specs: readonly ChartSpec[]): string[] {
  const set = new Set<string>();
  for (const c of specs)
    for (const s of c.series) {
      set.add(s.metric);
      if (s.per) set.add(s.per.metric);
    }
  return [...set];
}

/** Counters roll up by their last value; gauges by the chart's aggregate. */
export function rollupAggFor(specs: readonly ChartSpec[]): (metric: string) => Agg {
  const m = new Map<string, Agg>();
  for (const c of specs)
    for (const s of c.series) {
      for (const sel of s.per ? [s, s.per] : [s]) {
        if (sel.counter) m.set(sel.metric, "last");
        else if (!m.has(sel.metric)) m.set(sel.metric, c.agg ?? "max");
      }
    }
  return (metric) => m.get(metric) ?? "max";
}

function matches(s: RawSeries, sel: SeriesSelector): boolean {
  if (sel.entity !== undefined && s.entity !== sel.entity) return false;
  return Object.entries(sel.labels ?? {}).every(([k, v]) => s.labels[k] === v);
}

/** The series of a selector, each as a rate when it is a counter, then summed by time. */
export function combined(
  all: ReadonlyMap<string, readonly RawSeries[]>,
  sel: SeriesSelector,
  only?: (s: RawSeries) => boolean,
): readonly Pt[] {
  const list = (all.get(sel.metric) ?? []).filter((s) => matches(s, sel) && (!only || only(s)));
  if (list.length === 0) return [];
  const each = list.map((s) =>
    sel.counter ? (sel.rateWindowMs ? counterRateOver(s.points, sel.rateWindowMs) : counterRate(s.points)) : s.points,
  );
  return each.length === 1 ? each[0]! : sumByTime(each);
}

export function buildChart(
  spec: ChartSpec,
  all: ReadonlyMap<string, readonly RawSeries[]>,
  from: number,
  to: number,
): ShapedChart {
  const series: { key: string; label: string; points: readonly Pt[]; scale?: number }[] = [];
  for (const s of spec.series) {
    if (s.splitBy) {
      const groups = new Map<string, true>();
      for (const r of all.get(s.metric) ?? [])
        if (matches(r, s)) groups.set(s.splitBy === "entity" ? r.entity : (r.labels[s.splitBy.label] ?? "?"), true);
      for (const g of [...groups.keys()].sort()) {
        const only = (r: RawSeries) =>
          s.splitBy === "entity" ? r.entity === g : r.labels[(s.splitBy as { label: string }).label] === g;
        series.push({
          key: `${s.metric}:${g}`,
          label: s.label.replace("{}", g),
          points: combined(all, s, only),
          scale: s.scale,
        });
      }
      continue;
    }
    let pts: readonly Pt[] = combined(all, s);
    if (s.per) pts = ratioByTime(pts, combined(all, s.per));
    series.push({ key: `${s.metric}:${series.length}`, label: s.label, points: pts, scale: s.scale });
  }
  if (series.length === 0) series.push({ key: "none", label: spec.series[0]?.label ?? spec.title, points: [] });
  // Long ranges arrive as bucket aggregates: the chart says so even when it draws every point.
  const prebucketed = metricsOf([spec]).some((m) => (all.get(m) ?? []).some((s) => (s.bucketMs ?? 0) > 0));
  return shapeChart({
    id: spec.id,
    title: spec.title,
    unit: spec.unit,
    digits: spec.digits,
    from,
    to,
    series,
    thresholds: spec.thresholds,
    bands: spec.bands,
    agg: spec.agg,
    prebucketed,
    notes: spec.notes,
    floor: spec.floor,
  });
}
