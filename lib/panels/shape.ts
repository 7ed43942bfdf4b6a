import { alignRows, lttb, type Agg, type Pt, type Row } from "./downsample";

// Chart shaping: raw series in, a small serialisable chart out (rows, thresholds, y-domain, data
// age). Pure, so the server does the work once and the browser only draws.

/** Most rows a chart sends to the browser. */
export const MAX_POINTS = 1000;

export const RANGES = { "1h": 3_600_000, "6h": 6 * 3_600_000, "24h": 24 * 3_600_000, "7d": 7 * 86_400_000 } as const;
export type RangeKey = keyof typeof RANGES;

export function parseRange(v: string | string[] | undefined, fallback: RangeKey = "1h"): RangeKey {
  const s = Array.isArray(v) ? v[0] : v;
  return s !== undefined && s in RANGES ? (s as RangeKey) : fallback;
}

export type ThresholdKind = "target" | "warning" | "critical" | "zero" | "limit";

export interface Threshold {
  value: number;
  label: string;
  kind: ThresholdKind;
  /** The series index this line applies to, when the chart has several (for the table view). */
  appliesTo?: number;
}

/** A shaded range of values (e.g. between warning and critical). */
export interface Band {
  from: number;
  to: number;
  label: string;
  kind: "warning" | "critical";
}

export interface ChartSeries {
  key: string;
  label: string;
}

export type ChartState = "ok" | "empty";

export interface ShapedChart {
  id: string;
  title: string;
  unit: string;
  /** Digits to show in the tooltip and table. */
  digits: number;
  from: number;
  to: number;
  series: ChartSeries[];
  rows: Row[];
  thresholds: Threshold[];
  bands: Band[];
  domain: [number, number];
  /** Time of the newest point in any series (the data age is measured from it). */
  lastAt?: number;
  /** Latest value per series. */
  latest: (number | null)[];
  /** Points before downsampling, summed over the series. */
  rawPoints: number;
  /** True when rows are bucket aggregates rather than exact points. */
  bucketed: boolean;
  agg: Agg;
  state: ChartState;
  /** The conditions in words, e.g. "≥ 3 in the last 15 minutes: 2". */
  notes: string[];
}

export interface ShapeInput {
  id: string;
  title: string;
  unit?: string;
  digits?: number;
  from: number;
  to: number;
  /** `scale` multiplies the values after downsampling (cheaper than scaling every raw point). */
  series: { key: string; label: string; points: readonly Pt[]; scale?: number }[];
  thresholds?: Threshold[];
  bands?: Band[];
  agg?: Agg;
  /** The series are already aggregates over buckets (a long range read from rollups). */
  prebucketed?: boolean;
  maxPoints?: number;
  notes?: string[];
  /** Lower bound of the y axis when the data stays above it (default 0 for non-negative data). */
  floor?: number;
}

/**
 * The y-domain covers the data and every threshold and band, with a little headroom, so a
 * warning or critical line stays visible even when the data never comes near it.
 */
export function yDomain(
  values: readonly number[],
  thresholds: readonly Threshold[],
  bands: readonly Band[],
  floor?: number,
): [number, number] {
  const all = [
    ...values.filter(Number.isFinite),
    ...thresholds.map((t) => t.value),
    ...bands.flatMap((b) => [b.from, Number.isFinite(b.to) ? b.to : b.from]),
  ];
  if (all.length === 0) return [0, 1];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (floor !== undefined) lo = Math.min(lo, floor);
  else if (lo >= 0) lo = 0;
  if (hi === lo) hi = lo + (Math.abs(lo) || 1);
  const pad = (hi - lo) * 0.08;
  return [lo < 0 ? lo - pad : lo, hi + pad];
}

/** The points within [from, to] (finite values only); the input itself when nothing is dropped. */
function inRange(points: readonly Pt[], from: number, to: number): readonly Pt[] {
  for (const p of points)
    if (p.t < from || p.t > to || !Number.isFinite(p.v))
      return points.filter((q) => q.t >= from && q.t <= to && Number.isFinite(q.v));
  return points;
}

export function shapeChart(input: ShapeInput): ShapedChart {
  const max = input.maxPoints ?? MAX_POINTS;
  const agg = input.agg ?? "max";
  const clipped = input.series.map((s) => inRange(s.points, input.from, input.to));
  const rawPoints = clipped.reduce((a, s) => a + s.length, 0);
  let rows: Row[];
  let bucketed = input.prebucketed === true;
  if (clipped.length === 1) {
    // One line: LTTB keeps its shape and its spikes.
    const kept = lttb(clipped[0]!, max);
    bucketed ||= kept.length < clipped[0]!.length;
    rows = kept.map((p) => ({ t: p.t, v: [p.v] }));
  } else {
    const r = alignRows(clipped, max, agg);
    rows = r.rows;
    bucketed ||= r.bucketed;
  }
  const scales = input.series.map((s) => s.scale ?? 1);
  if (scales.some((k) => k !== 1))
    rows = rows.map((r) => ({ t: r.t, v: r.v.map((v, i) => (v === null ? null : v * scales[i]!)) }));
  const thresholds = input.thresholds ?? [];
  const bands = input.bands ?? [];
  const values: number[] = [];
  for (const r of rows) for (const v of r.v) if (v !== null) values.push(v);
  const lastAt = clipped.reduce<number | undefined>(
    (a, s) => (s.length && (a === undefined || s[s.length - 1]!.t > a) ? s[s.length - 1]!.t : a),
    undefined,
  );
  return {
    id: input.id,
    title: input.title,
    unit: input.unit ?? "",
    digits: input.digits ?? 2,
    from: input.from,
    to: input.to,
    series: input.series.map((s) => ({ key: s.key, label: s.label })),
    rows,
    thresholds,
    bands,
    domain: yDomain(values, thresholds, bands, input.floor),
    lastAt,
    latest: clipped.map((s, i) => (s.length ? s[s.length - 1]!.v * scales[i]! : null)),
    rawPoints,
    bucketed,
    agg,
    state: rawPoints === 0 ? "empty" : "ok",
    notes: input.notes ?? [],
  };
}

/** Time-based runs where a predicate holds, e.g. invariant violations (available capital < 0). */
export interface Episode {
  from: number;
  /** Undefined while it still holds at the last point. */
  to?: number;
  /** The worst value seen during the run (lowest for "below" predicates, highest otherwise). */
  worst: number;
}

export function episodes(
  points: readonly Pt[],
  pred: (v: number) => boolean,
  worst: "min" | "max" = "min",
  maxGapMs = Infinity,
): Episode[] {
  const out: Episode[] = [];
  let cur: Episode | null = null;
  let prevT: number | undefined;
  for (const p of points) {
    const gap = prevT !== undefined && p.t - prevT > maxGapMs;
    if (cur && gap) {
      cur.to = prevT;
      out.push(cur);
      cur = null;
    }
    if (pred(p.v)) {
      if (!cur) cur = { from: p.t, worst: p.v };
      else cur.worst = worst === "min" ? Math.min(cur.worst, p.v) : Math.max(cur.worst, p.v);
    } else if (cur) {
      cur.to = p.t;
      out.push(cur);
      cur = null;
    }
    prevT = p.t;
  }
  if (cur) out.push(cur);
  return out;
}

/** Consecutive-run length of a predicate over per-cycle values, as a series (for "3+ cycles" lines). */
export function runLengths(points: readonly Pt[], pred: (v: number) => boolean): Pt[] {
  let run = 0;
  return points.map((p) => {
    run = pred(p.v) ? run + 1 : 0;
    return { t: p.t, v: run };
  });
}

/**
 * Seed 003's "≥ 3 in 15 minutes" for orphaned/phantom, as a series: at each cycle, the distinct
 * positions (by symbol, from the report's issues) seen in the trailing window — or the largest
 * per-cycle count when the reports carry no issue list. A position that stays orphaned for five
 * cycles is one position, not five.
 */
export function trailingDistinct(
  cycles: readonly { t: number; count: number; keys: readonly string[] }[],
  windowMs: number,
): Pt[] {
  const out: Pt[] = [];
  let start = 0;
  for (let i = 0; i < cycles.length; i++) {
    const now = cycles[i]!.t;
    while (cycles[start]!.t <= now - windowMs) start++;
    const keys = new Set<string>();
    let maxCount = 0;
    for (let j = start; j <= i; j++) {
      for (const k of cycles[j]!.keys) keys.add(k);
      maxCount = Math.max(maxCount, cycles[j]!.count);
    }
    out.push({ t: now, v: Math.max(keys.size, maxCount) });
  }
  return out;
}
