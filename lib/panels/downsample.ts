// Pure downsampling and series arithmetic for the panels. No I/O, no clock: every function is a
// function of its inputs, so the chart shaping can be tested point by point.

export interface Pt {
  t: number;
  v: number;
}

/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): keeps the first and last point and, from each
 * of `threshold - 2` equal buckets in between, the point that forms the largest triangle with the
 * point kept before it and the mean of the next bucket. It keeps spikes and the visual shape of
 * the line while cutting a week of 10-second points to a thousand. Non-finite values are dropped
 * first (they cannot be drawn). Input must be sorted by time.
 */
export function lttb(points: readonly Pt[], threshold: number): Pt[] {
  let clean = true;
  for (const p of points) if (!Number.isFinite(p.v) || !Number.isFinite(p.t)) clean = false;
  const data = clean ? points : points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t));
  const n = data.length;
  if (threshold >= n || threshold <= 0) return data.slice();
  if (threshold < 3) return threshold === 1 ? [data[n - 1]!] : [data[0]!, data[n - 1]!];
  const out: Pt[] = [data[0]!];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // Mean of the next bucket (the last bucket's "next" is the final point).
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgT = 0;
    let avgV = 0;
    const len = Math.max(1, nextEnd - nextStart);
    for (let j = nextStart; j < nextEnd; j++) {
      avgT += data[j]!.t;
      avgV += data[j]!.v;
    }
    if (nextEnd > nextStart) {
      avgT /= len;
      avgV /= len;
    } else {
      avgT = data[n - 1]!.t;
      avgV = data[n - 1]!.v;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const pa = data[a]!;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const p = data[j]!;
      const area = Math.abs((pa.t - avgT) * (p.v - pa.v) - (pa.t - p.t) * (avgV - pa.v));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(data[best]!);
    a = best;
  }
  out.push(data[n - 1]!);
  return out;
}

export type Agg = "max" | "min" | "avg" | "last";

/** One chart row: a time and one value per series (null where a series has no point). */
export interface Row {
  t: number;
  v: (number | null)[];
}

/**
 * Several series on one time axis. With at most `maxRows` distinct times the rows are exact; with
 * more, the time range is cut into `maxRows` equal buckets and each series keeps one value per
 * bucket, aggregated by `agg` (per series) — `max` for "high is bad" metrics so a spike is never
 * averaged away, `min` for "low is bad" ones such as available capital. A bucket's row is placed
 * at the time of its last point, so the newest value stays at the newest time.
 */
export function alignRows(
  series: readonly (readonly Pt[])[],
  maxRows: number,
  agg: Agg | readonly Agg[] = "max",
): { rows: Row[]; bucketed: boolean } {
  const aggs = series.map((_, i) => (typeof agg === "string" ? agg : (agg[i] ?? "max")));
  const times = new Set<number>();
  for (const s of series) for (const p of s) if (Number.isFinite(p.v)) times.add(p.t);
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length <= maxRows) {
    const index = new Map(sorted.map((t, i) => [t, i]));
    const rows: Row[] = sorted.map((t) => ({ t, v: series.map(() => null) }));
    series.forEach((s, k) => {
      for (const p of s) if (Number.isFinite(p.v)) rows[index.get(p.t)!]!.v[k] = p.v;
    });
    return { rows, bucketed: false };
  }
  const from = sorted[0]!;
  const to = sorted[sorted.length - 1]!;
  const width = (to - from) / maxRows || 1;
  const k = series.length;
  // Running aggregates per bucket and series (no per-bucket arrays: a week is millions of points).
  const lastT = new Float64Array(maxRows).fill(-Infinity);
  const acc = new Float64Array(maxRows * k).fill(NaN);
  const cnt = new Uint32Array(maxRows * k);
  series.forEach((s, j) => {
    const a = aggs[j]!;
    for (const p of s) {
      const v = p.v;
      if (!Number.isFinite(v)) continue;
      const b = Math.min(maxRows - 1, Math.floor((p.t - from) / width));
      const i = b * k + j;
      const c = cnt[i]!;
      if (c === 0) acc[i] = v;
      else if (a === "max") acc[i] = v > acc[i]! ? v : acc[i]!;
      else if (a === "min") acc[i] = v < acc[i]! ? v : acc[i]!;
      else if (a === "avg") acc[i] = acc[i]! + v;
      else acc[i] = v; // last: points arrive in time order
      cnt[i] = c + 1;
      if (p.t > lastT[b]!) lastT[b] = p.t;
    }
  });
  const rows: Row[] = [];
  for (let b = 0; b < maxRows; b++) {
    if (lastT[b] === -Infinity) continue;
    const v: (number | null)[] = new Array(k);
    for (let j = 0; j < k; j++) {
      const i = b * k + j;
      const c = cnt[i]!;
      v[j] = c === 0 ? null : aggs[j] === "avg" ? acc[i]! / c : acc[i]!;
    }
    rows.push({ t: lastT[b]!, v });
  }
  return { rows, bucketed: true };
}

/**
 * Per-second rate of a counter from consecutive points. A value lower than the one before is a
 * reset (the process restarted): the counter started again from zero, so the increase over that
 * step is the new value itself, as Prometheus' rate() assumes. The first point has no rate.
 */
export function counterRate(points: readonly Pt[]): Pt[] {
  const out: Pt[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const dt = (b.t - a.t) / 1000;
    if (!(dt > 0) || !Number.isFinite(a.v) || !Number.isFinite(b.v)) continue;
    const inc = b.v >= a.v ? b.v - a.v : b.v;
    out.push({ t: b.t, v: inc / dt });
  }
  return out;
}

/**
 * A counter as a rate averaged over a trailing window (Prometheus' rate[window]): at each point,
 * the increase since the last point at least `windowMs` earlier, divided by the time between
 * them. Points before the window is first covered are left out, so a counter that rises once
 * every 10 s reads as its true 6 per minute instead of a spike per poll and zeros between.
 */
export function counterRateOver(points: readonly Pt[], windowMs: number): Pt[] {
  // Cumulative increase up to each point, resets counted as restarts from zero.
  const cum: number[] = new Array<number>(points.length).fill(0);
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const inc = Number.isFinite(a.v) && Number.isFinite(b.v) ? (b.v >= a.v ? b.v - a.v : b.v) : 0;
    cum[i] = cum[i - 1]! + inc;
  }
  const out: Pt[] = [];
  let j = 0;
  for (let i = 1; i < points.length; i++) {
    const b = points[i]!;
    while (j + 1 < i && points[j + 1]!.t <= b.t - windowMs) j++;
    const a = points[j]!;
    if (b.t - a.t < windowMs) continue;
    out.push({ t: b.t, v: (cum[i]! - cum[j]!) / ((b.t - a.t) / 1000) });
  }
  return out;
}

/** Increase of a counter between two times, resets counted as restarts from zero. */
export function counterIncrease(points: readonly Pt[], from: number, to: number): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (b.t <= from || b.t > to) continue;
    total += b.v >= a.v ? b.v - a.v : b.v;
  }
  return total;
}

/** Sums series point-wise by time (series from one scrape share their times). */
export function sumByTime(series: readonly (readonly Pt[])[]): Pt[] {
  if (series.length === 1) return series[0]!.slice();
  const byT = new Map<number, number>();
  for (const s of series) for (const p of s) byT.set(p.t, (byT.get(p.t) ?? 0) + p.v);
  return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
}

/** Ratio of two series at equal times (b = 0 gives no point). */
export function ratioByTime(a: readonly Pt[], b: readonly Pt[]): Pt[] {
  const bt = new Map(b.map((p) => [p.t, p.v]));
  const out: Pt[] = [];
  for (const p of a) {
    const d = bt.get(p.t);
    if (d !== undefined && d > 0) out.push({ t: p.t, v: p.v / d });
  }
  return out;
}
