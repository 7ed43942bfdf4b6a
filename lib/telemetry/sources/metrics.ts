import { SYSTEM_ENTITY, type Sample, type SourceResult } from "../model";
import {
  histogramQuantile,
  histogramSeries,
  parsePrometheusText,
  toSamples,
  validateHistograms,
  type Bucket,
  type MetricFamily,
} from "../prom";
import { failedPoll, fetchEndpoint, type EndpointPoll } from "./health";
import type { PartialIssue, PartialRead, PollContext } from "./types";

// GET /metrics (trading-bot, spot-exchange): Prometheus text → Samples, plus p50/p99 estimates
// from every histogram.
//
// Decisions:
// - OpenMetrics is strict: any violation fails the endpoint (`parse`, "line N: … (rule …)").
// - Prometheus 0.0.4 is read the way Prometheus reads it; a line it cannot read leaves out the
//   family it belongs to, every other family is delivered, and the endpoint is *partial*: it
//   answered, but the listed families are missing (the sources screen shows the line and rule,
//   and findings that read those families turn Unknown). Nothing readable at all is a failure.
// - A histogram that fails validateHistograms (non-cumulative buckets, no +Inf, +Inf ≠ _count) is
//   dropped whole — its raw series and its quantiles — and counts as a partial read too.
//   A broken histogram must never turn into a plausible but wrong p99.
// - Counter resets (process restart) are reported as they are: the values simply drop. Rate and
//   increase logic downstream has to treat a decrease as a reset, as Prometheus does.
//
// Quantiles (metric `<family>:p50` / `<family>:p99`, same labels as the series without `le`):
// - `:p50`, `:p99` are over the cumulative buckets, i.e. since the process started.
// - `:p50_window`, `:p99_window` are over the observations between the previous poll of the same
//   target and this one (bucket deltas). They are absent on the first poll, after a counter
//   reset, and when nothing was observed in between — never 0 for "no data".

export const ENTITY_LABELS = ["profile_id", "symbol"] as const;
export const QUANTILES: ReadonlyArray<{ q: number; suffix: string }> = [
  { q: 0.5, suffix: "p50" },
  { q: 0.99, suffix: "p99" },
];

/** Bucket counts from the previous poll, per histogram series; one memory per target. */
export type HistogramMemory = Map<string, Bucket[]>;

export interface MetricsMapOptions {
  system: string;
  observedAt: number;
  /** Previous buckets for windowed quantiles; updated in place. Omit for cumulative only. */
  memory?: HistogramMemory;
  /** Labels naming a series' entity, first match wins (default: profile_id, symbol). */
  entityLabels?: readonly string[];
}

export interface MetricsReading {
  samples: Sample[];
  /** Set when families were left out: the samples delivered are good, the read is partial. */
  partial?: PartialRead;
}

function entityOf(labels: Record<string, string>, entityLabels: readonly string[] = ENTITY_LABELS): string {
  for (const l of entityLabels) {
    const v = labels[l];
    if (v !== undefined && v !== "") return v;
  }
  return SYSTEM_ENTITY;
}

function seriesId(family: string, labels: Record<string, string>): string {
  return JSON.stringify([
    family,
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  ]);
}

/** Per-bucket increase since the previous scrape; null when any bucket went down (a reset). */
function bucketDelta(now: readonly Bucket[], before: readonly Bucket[] | undefined): Bucket[] | null {
  if (!before) return null;
  const prev = new Map(before.map((b) => [b.le, b.count]));
  const out: Bucket[] = [];
  for (const b of now) {
    const p = prev.get(b.le);
    if (p === undefined || b.count < p) return null;
    out.push({ le: b.le, count: b.count - p });
  }
  return out;
}

function quantileSamples(families: readonly MetricFamily[], o: MetricsMapOptions): Sample[] {
  const out: Sample[] = [];
  const seen = new Set<string>();
  const push = (metric: string, value: number, labels: Record<string, string>, at: number) => {
    if (Number.isFinite(value))
      out.push({
        system: o.system,
        entity: entityOf(labels, o.entityLabels),
        metric,
        labels: { ...labels },
        value,
        observedAt: at,
      });
  };
  for (const family of families) {
    for (const series of histogramSeries(family)) {
      const at = series.timestamp ?? o.observedAt;
      for (const { q, suffix } of QUANTILES)
        push(`${family.name}:${suffix}`, histogramQuantile(q, series.buckets), series.labels, at);
      if (!o.memory) continue;
      const key = seriesId(family.name, series.labels);
      seen.add(key);
      const delta = bucketDelta(series.buckets, o.memory.get(key));
      o.memory.set(
        key,
        series.buckets.map((b) => ({ ...b })),
      );
      if (delta)
        for (const { q, suffix } of QUANTILES)
          push(`${family.name}:${suffix}_window`, histogramQuantile(q, delta), series.labels, at);
    }
  }
  // Forget series that are gone so the memory does not grow without bound.
  if (o.memory) for (const k of [...o.memory.keys()]) if (!seen.has(k)) o.memory.delete(k);
  return out;
}

function describeLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** At most this many issues are kept per read (the first ones; the count says how many). */
const MAX_ISSUES = 20;

/** Prometheus/OpenMetrics text → samples; pure, never throws. */
export function readMetrics(text: string, contentType: string, o: MetricsMapOptions): SourceResult<MetricsReading> {
  const parsed = parsePrometheusText(text, { contentType });
  if (!parsed.ok) {
    const e = parsed.error;
    return {
      ok: false,
      error: { kind: "parse", detail: `${e.message}${e.text !== undefined ? ` — ${JSON.stringify(e.text)}` : ""}` },
    };
  }
  const lineIssues: PartialIssue[] = (parsed.issues ?? []).map((i) => ({
    line: i.line,
    rule: i.rule,
    message: i.message,
    ...(i.text !== undefined ? { text: i.text } : {}),
    ...(i.family !== undefined ? { family: i.family } : {}),
  }));
  return readFamilies(parsed.families, o, lineIssues, parsed.droppedFamilies ?? []);
}

/**
 * Parsed families → samples and quantiles, leaving out broken histograms (a partial read). Shared
 * by the direct scrape and the Prometheus-backed path, so both give the same samples for the same
 * exposition.
 */
export function readFamilies(
  families: readonly MetricFamily[],
  o: MetricsMapOptions,
  lineIssues: PartialIssue[] = [],
  droppedFamilies: readonly string[] = [],
): SourceResult<MetricsReading> {
  const histIssues = validateHistograms(families);
  const broken = new Set(histIssues.map((i) => i.family));
  const good = families.filter((f) => !broken.has(f.name));
  const samples = [
    ...toSamples(good, { system: o.system, entityLabel: o.entityLabels ?? ENTITY_LABELS, observedAt: o.observedAt }),
    ...quantileSamples(good, o),
  ];
  const issues = [
    ...lineIssues,
    ...histIssues.map((i): PartialIssue => ({
      rule: "histogram",
      message: `histogram ${i.family}${describeLabels(i.labels)}: ${i.message}`,
      family: i.family,
    })),
  ];
  if (!issues.length) return { ok: true, value: { samples } };
  const dropped = [...new Set([...droppedFamilies, ...broken])];
  return {
    ok: true,
    value: {
      samples,
      partial: { issues: issues.slice(0, MAX_ISSUES), issueCount: issues.length, droppedFamilies: dropped },
    },
  };
}

/** One line for logs and the endpoint list: what was left out and why. */
export function describePartial(p: PartialRead): string {
  const first = p.issues[0];
  const more = p.issueCount > 1 ? ` (and ${p.issueCount - 1} more)` : "";
  const families = p.droppedFamilies.length ? `; left out ${p.droppedFamilies.join(", ")}, other families kept` : "";
  return `${first ? first.message : "partial read"}${more}${families}`;
}

export async function pollMetrics(ctx: PollContext, memory?: HistogramMemory): Promise<EndpointPoll> {
  const path = "/metrics";
  const f = await fetchEndpoint(ctx, path, {
    accept: "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1",
  });
  if (!f.ok) return failedPoll(path, f.error, { latencyMs: f.latencyMs, status: f.status });
  const base = { path, status: f.value.status, latencyMs: f.value.latencyMs, reports: [] };
  const r = readMetrics(f.value.body, f.value.contentType, { system: ctx.target.name, observedAt: ctx.now, memory });
  if (!r.ok) return { ...base, ok: false, error: r.error, samples: [] };
  if (r.value.partial) return { ...base, ok: true, partial: r.value.partial, samples: r.value.samples };
  return { ...base, ok: true, samples: r.value.samples };
}
