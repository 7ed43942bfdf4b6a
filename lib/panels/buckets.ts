import type { Agg, Pt } from "./downsample";

// Time buckets of one series as the history reader assembles them from several sources (a rollup
// tier, raw samples, the collector's recent window). Pure: the reader does the I/O.

/** A bucket of one series: `b` is its start (aligned to the epoch), `at` the end of the data in it. */
export interface Bucket {
  b: number;
  /** Time of the newest data in the bucket: a sample's time, or a rollup row's end. */
  at: number;
  min: number;
  max: number;
  avg: number;
  last: number;
  /** Samples behind the bucket (weights the average when buckets merge). */
  n: number;
}

/** Start of the bucket of width `widthMs` that holds time `t`. */
export function bucketStart(t: number, widthMs: number): number {
  return Math.floor(t / widthMs) * widthMs;
}

/**
 * Two parts of the same bucket from different sources, as one. `later` holds the newer data (the
 * sources are merged oldest first), so its `last` wins; a part with no samples changes nothing.
 */
export function mergeBuckets(earlier: Bucket, later: Bucket): Bucket {
  if (later.n <= 0) return earlier;
  if (earlier.n <= 0) return later;
  const n = earlier.n + later.n;
  return {
    b: earlier.b,
    at: Math.max(earlier.at, later.at),
    min: Math.min(earlier.min, later.min),
    max: Math.max(earlier.max, later.max),
    avg: (earlier.avg * earlier.n + later.avg * later.n) / n,
    last: later.at >= earlier.at ? later.last : earlier.last,
    n,
  };
}

/** Points into buckets of `widthMs`, oldest bucket first; non-finite values are left out. */
export function bucketPoints(points: readonly Pt[], widthMs: number): Bucket[] {
  if (!(widthMs > 0) || !Number.isFinite(widthMs))
    throw new RangeError(`A bucket width must be a positive number of milliseconds, got ${widthMs}.`);
  const byStart = new Map<number, Bucket>();
  for (const p of points) {
    if (!Number.isFinite(p.v) || !Number.isFinite(p.t)) continue;
    const b = bucketStart(p.t, widthMs);
    const cur = byStart.get(b);
    if (!cur) {
      byStart.set(b, { b, at: p.t, min: p.v, max: p.v, avg: p.v, last: p.v, n: 1 });
      continue;
    }
    cur.min = Math.min(cur.min, p.v);
    cur.max = Math.max(cur.max, p.v);
    cur.avg += (p.v - cur.avg) / (cur.n + 1);
    cur.n += 1;
    if (p.t >= cur.at) {
      cur.at = p.t;
      cur.last = p.v;
    }
  }
  return [...byStart.values()].sort((x, y) => x.b - y.b);
}

/**
 * A bucket as a chart point: the aggregate the metric is drawn by, placed at the end of the data
 * it holds — so consecutive counter values are a bucket apart (their rate is right) and the
 * newest, partly filled bucket sits at its newest sample (the data age stays true).
 */
export function bucketPoint(x: Bucket, agg: Agg): Pt {
  return { t: x.at, v: x[agg] };
}
