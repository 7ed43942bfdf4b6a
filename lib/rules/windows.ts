import type { Point } from "../collector/store";

// Window semantics the seeds use, as small pure functions of points/events and a `now`.
// Points are {t, v} in time order (as TelemetryStore keeps them). No function here reads a clock.

// ---------------------------------------------------------------- per cycle

/** One reconciliation (or trading) cycle: its time and what it reported, or null if it never reported. */
export interface Cycle<T> {
  t: number;
  value: T | null;
}

/**
 * Reported cycles with the missing ones filled in: wherever two reports (or the last report and
 * `now`) are further apart than `tolerance` × the expected interval, the cycles that should have
 * run in between are inserted with `value: null`. A cycle that failed to report is not a clean
 * cycle, so callers can tell "reported zero" from "did not report".
 */
export function cyclesWithGaps<T>(
  reported: readonly { t: number; value: T }[],
  expectedIntervalMs: number,
  now: number,
  tolerance = 1.5,
): Cycle<T>[] {
  const out: Cycle<T>[] = [];
  const fill = (from: number, to: number) => {
    const gap = to - from;
    if (gap <= tolerance * expectedIntervalMs) return;
    const missing = Math.max(1, Math.round(gap / expectedIntervalMs) - 1);
    for (let i = 1; i <= missing; i++) out.push({ t: from + i * expectedIntervalMs, value: null });
  };
  reported.forEach((r, i) => {
    const prev = reported[i - 1];
    if (prev) fill(prev.t, r.t);
    out.push({ t: r.t, value: r.value });
  });
  const last = reported[reported.length - 1];
  if (last && now - last.t > tolerance * expectedIntervalMs) {
    const missing = Math.floor((now - last.t) / expectedIntervalMs - (tolerance - 1));
    for (let i = 1; i <= missing; i++) out.push({ t: last.t + i * expectedIntervalMs, value: null });
  }
  return out;
}

/** The latest cycle that reported, if any. */
export function latestReported<T>(cycles: readonly Cycle<T>[]): { t: number; value: T } | undefined {
  for (let i = cycles.length - 1; i >= 0; i--) {
    const c = cycles[i]!;
    if (c.value !== null) return { t: c.t, value: c.value };
  }
  return undefined;
}

/**
 * "Persistent for N consecutive cycles": the trailing run of reported cycles for which `bad`
 * holds. Cycles that did not report are skipped — they neither prove the problem gone nor count
 * towards N. `since` is the time of the first cycle of the run.
 */
export function persistentCycles<T>(
  cycles: readonly Cycle<T>[],
  bad: (v: T) => boolean,
): { count: number; since?: number } {
  let count = 0;
  let since: number | undefined;
  for (let i = cycles.length - 1; i >= 0; i--) {
    const c = cycles[i]!;
    if (c.value === null) continue;
    if (!bad(c.value)) break;
    count++;
    since = c.t;
  }
  return since === undefined ? { count } : { count, since };
}

/** Trailing clean cycles. A cycle that did not report ends the streak: it is not a clean cycle. */
export function cleanStreak<T>(cycles: readonly Cycle<T>[], clean: (v: T) => boolean): number {
  let n = 0;
  for (let i = cycles.length - 1; i >= 0; i--) {
    const c = cycles[i]!;
    if (c.value === null || !clean(c.value)) break;
    n++;
  }
  return n;
}

// ---------------------------------------------------------------- counts within a window

/** Window (now - windowMs, now]. */
export function inWindow(t: number, now: number, windowMs: number): boolean {
  return t > now - windowMs && t <= now;
}

/** Sum of `weight` (default 1 per event) over events in the window: ">= 3 in 15 minutes". */
export function countInWindow<E extends { t: number }>(
  events: readonly E[],
  now: number,
  windowMs: number,
  weight: (e: E) => number = () => 1,
): number {
  let n = 0;
  for (const e of events) if (inWindow(e.t, now, windowMs)) n += weight(e);
  return n;
}

/** Distinct keys among events in the window: "different profiles within an hour". */
export function distinctInWindow<E extends { t: number }>(
  events: readonly E[],
  now: number,
  windowMs: number,
  key: (e: E) => string,
): string[] {
  const seen = new Set<string>();
  for (const e of events) if (inWindow(e.t, now, windowMs)) seen.add(key(e));
  return [...seen];
}

// ---------------------------------------------------------------- for a duration

export interface Held {
  /** The predicate holds at the latest point, and that point is recent. */
  holding: boolean;
  /** First point of the trailing run. */
  since?: number;
  /** now - since while holding, else 0. */
  durationMs: number;
}

/**
 * "> 20 for > 15 minutes": the trailing run of points for which `pred` holds. The run breaks at a
 * point where it does not hold and at a gap longer than `maxGapMs` (nobody saw the value then).
 * The latest point must be within `maxGapMs` of now, else nothing is known to hold now.
 */
export function heldFor(points: readonly Point[], pred: (v: number) => boolean, now: number, maxGapMs: number): Held {
  const last = points[points.length - 1];
  if (!last || !pred(last.v) || now - last.t > maxGapMs) return { holding: false, durationMs: 0 };
  let since = last.t;
  for (let i = points.length - 2; i >= 0; i--) {
    const p = points[i]!;
    if (!pred(p.v) || since - p.t > maxGapMs) break;
    since = p.t;
  }
  return { holding: true, since, durationMs: now - since };
}

/** True once `held` has lasted strictly longer than `ms` (the boundary itself does not fire). */
export function heldLongerThan(held: Held, ms: number): boolean {
  return held.holding && held.durationMs > ms;
}

// ---------------------------------------------------------------- counters and trends

/**
 * Increase of a counter over (from, to], reset-aware as Prometheus does: a drop means the process
 * restarted and the counter began again from 0. The baseline is the last point at or before
 * `from`; without one, the first point inside the range (so only what was observed counts).
 */
export function increase(points: readonly Point[], from: number, to: number): number {
  let base: Point | undefined;
  let total = 0;
  for (const p of points) {
    if (p.t > to) break;
    if (p.t <= from) {
      base = p;
      continue;
    }
    if (base === undefined) {
      base = p;
      continue;
    }
    if (Number.isFinite(p.v) && Number.isFinite(base.v)) total += p.v >= base.v ? p.v - base.v : p.v;
    base = p;
  }
  return total;
}

/** Whether a series covers the window: it has a point at or before its start. */
export function coversWindow(points: readonly Point[], now: number, windowMs: number): boolean {
  const first = points[0];
  return first !== undefined && first.t <= now - windowMs;
}

/**
 * "Sustained increase over 30 minutes": the window is cut into `buckets` equal slices; every slice
 * needs at least one point and each slice's mean must be above the previous one.
 */
export function sustainedIncrease(
  points: readonly Point[],
  now: number,
  windowMs: number,
  buckets = 3,
): { increasing: boolean; means: number[] } {
  const width = windowMs / buckets;
  const sums = new Array<number>(buckets).fill(0);
  const counts = new Array<number>(buckets).fill(0);
  for (const p of points) {
    if (!inWindow(p.t, now, windowMs)) continue;
    const i = Math.min(buckets - 1, Math.floor((p.t - (now - windowMs)) / width));
    sums[i]! += p.v;
    counts[i]!++;
  }
  if (counts.some((c) => c === 0)) return { increasing: false, means: [] };
  const means = sums.map((s, i) => s / counts[i]!);
  return { increasing: means.every((m, i) => i === 0 || m > means[i - 1]!), means };
}

/**
 * "`a` dominates `b` for > 30 minutes": pairs each point of `a` with the latest point of `b` at or
 * before it; a point dominates when a >= minA and a > ratio × b. Returns the trailing run.
 */
export function dominatesFor(
  a: readonly Point[],
  b: readonly Point[],
  now: number,
  o: { ratio: number; minA: number; maxGapMs: number },
): Held {
  const flags: Point[] = [];
  let j = 0;
  let bv: number | undefined;
  for (const p of a) {
    while (j < b.length && b[j]!.t <= p.t) bv = b[j++]!.v;
    flags.push({ t: p.t, v: bv !== undefined && p.v >= o.minA && p.v > o.ratio * bv ? 1 : 0 });
  }
  return heldFor(flags, (v) => v === 1, now, o.maxGapMs);
}

/** Times at which `pred` became true (the first point counts when it already holds). */
export function risingEdges(points: readonly Point[], pred: (v: number) => boolean): number[] {
  const out: number[] = [];
  let prev = false;
  for (const p of points) {
    const cur = pred(p.v);
    if (cur && !prev) out.push(p.t);
    prev = cur;
  }
  return out;
}

// ---------------------------------------------------------------- restarts

/**
 * "Repeated every restart": how many of the most recent restarts were each followed by at least
 * one event before the next restart (or now). The latest restart is skipped while it is younger
 * than `graceMs` and has no event yet — the first cycle after it may simply not have run.
 */
export function repeatedAcrossRestarts(
  restarts: readonly number[],
  events: readonly number[],
  now: number,
  graceMs = 0,
): number {
  const sorted = [...restarts].sort((x, y) => x - y);
  let n = 0;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const from = sorted[i]!;
    const to = sorted[i + 1] ?? now;
    const hit = events.some((t) => t >= from && t <= to);
    if (!hit) {
      if (i === sorted.length - 1 && now - from < graceMs) continue;
      break;
    }
    n++;
  }
  return n;
}
