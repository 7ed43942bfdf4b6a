// Histogram helpers over parsed families: bucket validation (kept out of the parser so one odd
// histogram does not discard a whole exposition) and Prometheus-style quantile estimation.

import { parseSampleValue } from "./numbers";
import type { MetricFamily, MetricSample } from "./types";

export interface Bucket {
  /** Upper bound (`le`), +Infinity for the overflow bucket. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

export interface HistogramSeries {
  /** The series' labels, without `le`. */
  labels: Record<string, string>;
  timestamp?: number;
  /** Buckets with a parsable `le`, sorted by le. */
  buckets: Bucket[];
  count?: number;
  sum?: number;
}

export interface HistogramIssue {
  family: string;
  /** Labels of the affected series (without `le`). */
  labels: Record<string, string>;
  message: string;
}

function isHistogram(family: MetricFamily): boolean {
  return family.type === "histogram" || family.type === "gaugehistogram";
}

function withoutLe(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in labels) if (key !== "le") out[key] = labels[key] as string;
  return out;
}

function seriesKey(labels: Record<string, string>, timestamp: number | undefined): string {
  const keys = Object.keys(labels).sort();
  return JSON.stringify([keys.map((k) => [k, labels[k]]), timestamp ?? null]);
}

type SampleRole = "bucket" | "count" | "sum" | "other";

function roleOf(family: MetricFamily, sample: MetricSample): SampleRole {
  const suffix = sample.name.slice(family.name.length);
  if (!sample.name.startsWith(family.name)) return "other";
  if (suffix === "_bucket") return "bucket";
  if (suffix === "_count" || suffix === "_gcount") return "count";
  if (suffix === "_sum" || suffix === "_gsum") return "sum";
  return "other";
}

interface RawSeries {
  labels: Record<string, string>;
  timestamp?: number;
  buckets: Array<{ leText: string | undefined; le: number | undefined; count: number }>;
  count?: number;
  sum?: number;
}

/** Groups one histogram family's samples into series (one per label set and timestamp). */
function collect(family: MetricFamily): RawSeries[] {
  const byKey = new Map<string, RawSeries>();
  for (const sample of family.samples) {
    const role = roleOf(family, sample);
    if (role === "other") continue;
    const labels = withoutLe(sample.labels);
    const key = seriesKey(labels, sample.timestamp);
    let series = byKey.get(key);
    if (!series) {
      series = { labels, buckets: [] };
      if (sample.timestamp !== undefined) series.timestamp = sample.timestamp;
      byKey.set(key, series);
    }
    if (role === "bucket") {
      const leText = Object.hasOwn(sample.labels, "le") ? sample.labels.le : undefined;
      const le = leText === undefined ? undefined : parseSampleValue(leText);
      series.buckets.push({ leText, le, count: sample.value });
    } else if (role === "count") series.count = sample.value;
    else series.sum = sample.value;
  }
  return [...byKey.values()];
}

/** The series of a histogram (or gauge histogram) family, buckets sorted by `le`. */
export function histogramSeries(family: MetricFamily): HistogramSeries[] {
  if (!isHistogram(family)) return [];
  return collect(family).map((raw) => {
    const buckets: Bucket[] = [];
    for (const b of raw.buckets) {
      if (b.le !== undefined && !Number.isNaN(b.le)) buckets.push({ le: b.le, count: b.count });
    }
    buckets.sort((a, b) => a.le - b.le);
    const series: HistogramSeries = { labels: raw.labels, buckets };
    if (raw.timestamp !== undefined) series.timestamp = raw.timestamp;
    if (raw.count !== undefined) series.count = raw.count;
    if (raw.sum !== undefined) series.sum = raw.sum;
    return series;
  });
}

function leLabel(le: number): string {
  return le === Infinity ? "+Inf" : String(le);
}

/**
 * Checks every histogram and gauge histogram: each bucket has an `le` that is a number, bucket
 * bounds are unique and in increasing order, counts are cumulative, the `+Inf` bucket exists and
 * equals `_count` when `_count` is present. Returns one issue per problem; an empty list means
 * the histograms are consistent.
 */
export function validateHistograms(families: readonly MetricFamily[]): HistogramIssue[] {
  const issues: HistogramIssue[] = [];
  for (const family of families) {
    if (!isHistogram(family)) continue;
    for (const raw of collect(family)) {
      const issue = (message: string) => issues.push({ family: family.name, labels: raw.labels, message });
      const valid: Bucket[] = [];
      for (const b of raw.buckets) {
        if (b.leText === undefined) issue(`a bucket of ${family.name} has no "le" label`);
        else if (b.le === undefined || Number.isNaN(b.le))
          issue(`bucket le=${JSON.stringify(b.leText)} is not a number`);
        else valid.push({ le: b.le, count: b.count });
      }
      for (let i = 1; i < valid.length; i++) {
        const prev = valid[i - 1] as Bucket;
        const cur = valid[i] as Bucket;
        if (cur.le === prev.le) issue(`bucket le="${leLabel(cur.le)}" appears more than once`);
        else if (cur.le < prev.le) {
          issue(
            `bucket le="${leLabel(cur.le)}" comes after le="${leLabel(prev.le)}"; buckets must be in increasing order of le`,
          );
        }
      }
      const sorted = [...valid].sort((a, b) => a.le - b.le);
      for (let i = 1; i < sorted.length; i++) {
        const prev = sorted[i - 1] as Bucket;
        const cur = sorted[i] as Bucket;
        if (cur.count < prev.count) {
          issue(
            `bucket le="${leLabel(cur.le)}" has count ${cur.count}, less than ${prev.count} in le="${leLabel(prev.le)}"; bucket counts must be cumulative`,
          );
        }
      }
      const inf = sorted.find((b) => b.le === Infinity);
      if (!inf) issue(`${family.name} has no le="+Inf" bucket`);
      else if (raw.count !== undefined && !Object.is(inf.count, raw.count)) {
        issue(`le="+Inf" bucket (${inf.count}) differs from ${family.name} count (${raw.count})`);
      }
    }
  }
  return issues;
}

/**
 * Estimates the q-quantile (0 ≤ q ≤ 1) from cumulative buckets the way Prometheus'
 * histogram_quantile does: find the bucket the rank falls into and interpolate linearly
 * inside it, assuming the lowest bucket starts at 0 (or at its bound if that is ≤ 0).
 *
 * Returns NaN when it cannot answer (no +Inf bucket, fewer than two buckets, no observations),
 * -Inf for q < 0 and +Inf for q > 1. If the rank lands in the +Inf bucket, the highest finite
 * bound is returned. Counts that decrease are treated as the running maximum.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = buckets.filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le);
  // Merge buckets with the same bound, then force counts to be non-decreasing.
  const merged: Bucket[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.le === b.le) last.count = Math.max(last.count, b.count);
    else merged.push({ le: b.le, count: b.count });
  }
  for (let i = 1; i < merged.length; i++) {
    const prev = merged[i - 1] as Bucket;
    const cur = merged[i] as Bucket;
    if (cur.count < prev.count || Number.isNaN(cur.count)) cur.count = prev.count;
  }
  const top = merged[merged.length - 1];
  if (!top || top.le !== Infinity || merged.length < 2) return NaN;
  const total = top.count;
  if (!(total > 0)) return NaN;

  const rank = q * total;
  // First finite bucket whose cumulative count reaches the rank.
  let b = 0;
  while (b < merged.length - 1 && !((merged[b] as Bucket).count >= rank)) b++;
  if (b === merged.length - 1) return (merged[merged.length - 2] as Bucket).le;
  const bucket = merged[b] as Bucket;
  if (b === 0 && bucket.le <= 0) return bucket.le;
  const lower = b === 0 ? 0 : (merged[b - 1] as Bucket).le;
  const below = b === 0 ? 0 : (merged[b - 1] as Bucket).count;
  const inBucket = bucket.count - below;
  if (!(inBucket > 0)) return lower;
  return lower + (bucket.le - lower) * ((rank - below) / inBucket);
}
