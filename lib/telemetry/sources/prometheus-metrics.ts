import { prometheusMetricsOf } from "../../config/fleet";
import type { Sample, SourceError } from "../model";
import type { MetricFamily, MetricSample } from "../prom";
import { failedPoll, type EndpointPoll } from "./health";
import { readFamilies, type HistogramMemory } from "./metrics";
import { PROMETHEUS_QUERY_PATH } from "./parts";
import { queryInstant, type PromRequestOptions } from "./prometheus-api";
import type { PollContext } from "./types";

// A target's metrics read from a Prometheus server that already scrapes it (`metrics: { from:
// prometheus, url, selector }`) instead of from its own /metrics. Two instant queries per poll:
//
//   <selector>                  every series of the scrape job, as of its latest scrape
//   timestamp(up<selector>)     when that scrape happened (Prometheus' clock)
//
// The series are turned back into the families the exposition had (the job's `job` and `instance`
// labels removed, histograms regrouped from their `_bucket` series) and go through the same
// mapping as a direct scrape (readFamilies): the same metric names, labels, entities, quantiles and
// raw counters, so rates and increases downstream are computed the same way. Each sample is dated
// by the scrape's age, measured on Prometheus' own clock (evaluation time − scrape time) so an
// offset between the two machines' clocks does not matter: a scrape younger than one poll interval
// counts as read now, an older one whole intervals back.
//
// Never OK on doubt: an error answer, an answer with warnings (possibly partial data), a selector
// that matches no scrape target or several, a target Prometheus could not scrape (up = 0) and a
// scrape older than two poll intervals each fail the endpoint with its kind, so the findings that
// read metrics turn Unknown.

/** A scrape older than this many poll intervals is stale (the collector's own rule for a source). */
const STALE_AFTER_INTERVALS = 2;

/** Series Prometheus adds to every scrape job; they describe the scrape, not the target. */
const SCRAPE_SERIES = new Set([
  "up",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
  "scrape_samples_post_metric_relabeling",
  "scrape_series_added",
  "scrape_timeout_seconds",
  "scrape_sample_limit",
  "scrape_body_size_bytes",
]);

/** Labels Prometheus attaches to every series of a scrape target. */
const TARGET_LABELS = ["job", "instance"];

/** Per target: the scrape last read (its time on Prometheus' clock), so a scrape read twice adds no window quantile. */
export type PrometheusScrapeMemory = Map<string, number>;

function fail(path: string, error: SourceError, latencyMs?: number): EndpointPoll {
  return failedPoll(path, error, latencyMs !== undefined ? { latencyMs } : {});
}

/**
 * Prometheus series (name and labels, target labels removed) → families. `X_bucket` series with
 * an `le` label make X a histogram together with `X_sum` and `X_count`; every other series name is
 * a family of its own, which maps to the same samples as its typed family would.
 */
export function seriesToFamilies(
  series: readonly { name: string; labels: Record<string, string>; value: number }[],
): MetricFamily[] {
  const histograms = new Set<string>();
  for (const s of series)
    if (s.name.endsWith("_bucket") && Object.hasOwn(s.labels, "le")) histograms.add(s.name.slice(0, -"_bucket".length));
  const families = new Map<string, MetricFamily>();
  const familyOf = (name: string): string => {
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      if (name.endsWith(suffix) && histograms.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
    }
    return name;
  };
  // Prometheus answers in no particular order; sorting keeps a histogram's buckets in `le` order
  // and the output stable.
  const sorted = [...series].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const s of sorted) {
    const name = familyOf(s.name);
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: histograms.has(name) ? "histogram" : "untyped", samples: [] }));
    const sample: MetricSample = { name: s.name, labels: s.labels, value: s.value };
    f.samples.push(sample);
  }
  for (const f of families.values()) {
    if (f.type !== "histogram") continue;
    const le = (x: MetricSample) =>
      x.name.endsWith("_bucket") ? Number(x.labels.le === "+Inf" ? Infinity : x.labels.le) : Infinity;
    const key = (x: MetricSample) =>
      JSON.stringify(
        Object.entries(x.labels)
          .filter(([k]) => k !== "le")
          .sort(),
      );
    f.samples.sort(
      (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) || le(a) - le(b) || (a.name < b.name ? -1 : 1),
    );
  }
  return [...families.values()];
}

function stripTargetLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (!TARGET_LABELS.includes(k)) out[k] = v;
  return out;
}

export async function pollPrometheusMetrics(
  ctx: PollContext,
  memory: HistogramMemory,
  scrapes: PrometheusScrapeMemory,
): Promise<EndpointPoll> {
  const path = PROMETHEUS_QUERY_PATH;
  const prom = prometheusMetricsOf(ctx.target);
  if (!prom)
    return fail(path, { kind: "schema", detail: "this target's metrics are not configured to come from Prometheus" });
  const headers: Record<string, string> = {};
  if (prom.bearerTokenEnv) {
    const token = ctx.secret?.(prom.bearerTokenEnv);
    if (!token)
      return fail(path, {
        kind: "http",
        detail: `environment variable ${prom.bearerTokenEnv} (the Prometheus bearer token) is not set`,
      });
    headers.authorization = `Bearer ${token}`;
  }
  if (ctx.userAgent) headers["user-agent"] = ctx.userAgent;
  const opts: PromRequestOptions = {
    timeoutMs: ctx.timeoutMs,
    maxBytes: ctx.maxBytes,
    headers,
    system: ctx.target.name,
    entityLabels: [],
  };
  const [series, stamp] = await Promise.all([
    queryInstant(prom.url, prom.selector, opts),
    queryInstant(prom.url, `timestamp(up${prom.selector})`, { ...opts, metric: "scrape_timestamp" }),
  ]);
  const latencyMs = Math.max(series.ok ? series.value.latencyMs : 0, stamp.ok ? stamp.value.latencyMs : 0);
  if (!series.ok)
    return fail(path, { ...series.error, detail: `${series.error.detail} (query ${prom.selector})` }, latencyMs);
  if (!stamp.ok)
    return fail(
      path,
      { ...stamp.error, detail: `${stamp.error.detail} (query timestamp(up${prom.selector}))` },
      latencyMs,
    );
  const warnings = [...series.value.warnings, ...stamp.value.warnings];
  if (warnings.length) {
    return fail(
      path,
      {
        kind: "http",
        detail: `Prometheus answered with ${warnings.length === 1 ? "a warning" : `${warnings.length} warnings`}, so the data may be partial: ${warnings[0]}`,
      },
      latencyMs,
    );
  }
  if (series.value.resultType !== "vector")
    return fail(
      path,
      {
        kind: "schema",
        detail: `the selector ${prom.selector} gave a ${series.value.resultType}, not an instant vector`,
      },
      latencyMs,
    );

  const ups = series.value.samples.filter((s) => s.metric === "up");
  if (ups.length === 0)
    return fail(
      path,
      { kind: "schema", detail: `no scrape target in Prometheus matches ${prom.selector} (no "up" series)` },
      latencyMs,
    );
  if (ups.length > 1) {
    const instances = ups
      .map((u) => u.labels.instance ?? "?")
      .sort()
      .join(", ");
    return fail(
      path,
      {
        kind: "schema",
        detail: `${prom.selector} matches ${ups.length} scrape targets (${instances}); it must match exactly one`,
      },
      latencyMs,
    );
  }
  const up = ups[0]!;
  if (up.value !== 1)
    return fail(
      path,
      {
        kind: "network",
        detail: `Prometheus could not scrape the target (up = ${up.value}); see its targets page for the reason`,
      },
      latencyMs,
    );
  const scrape = stamp.value.samples[0];
  if (!scrape)
    return fail(path, { kind: "schema", detail: `Prometheus gave no scrape time for ${prom.selector}` }, latencyMs);
  // timestamp() answers with [evaluation time, scrape time in seconds]: both on Prometheus' clock.
  const scrapeAtMs = Math.round(scrape.value * 1000);
  const ageMs = Math.max(0, scrape.observedAt - scrapeAtMs);
  const interval = ctx.intervalMs;
  if (interval !== undefined && ageMs > STALE_AFTER_INTERVALS * interval) {
    return fail(
      path,
      {
        kind: "timeout",
        detail: `Prometheus' last scrape of the target is ${(ageMs / 1000).toFixed(1)} s old, more than ${STALE_AFTER_INTERVALS} poll intervals (${interval} ms)`,
      },
      latencyMs,
    );
  }

  const raw = series.value.samples
    .filter((s) => !SCRAPE_SERIES.has(s.metric))
    .map((s) => ({ name: s.metric, labels: stripTargetLabels(s.labels), value: s.value }));
  // A scrape read a second time has no new observations: no window quantile, memory kept.
  const newScrape = scrapes.get(ctx.target.name) !== scrapeAtMs;
  scrapes.set(ctx.target.name, scrapeAtMs);
  // Dated by the poll that would have seen this scrape had it read /metrics itself: a scrape newer
  // than one poll interval is as current as a direct read now, one older than that is dated whole
  // intervals back. Direct and Prometheus-backed targets then age, hold and rate alike.
  const observedAt =
    interval !== undefined && interval > 0 ? ctx.now - Math.floor(ageMs / interval) * interval : ctx.now - ageMs;
  const r = readFamilies(seriesToFamilies(raw), {
    system: ctx.target.name,
    observedAt,
    memory: newScrape ? memory : undefined,
  });
  if (!r.ok) return fail(path, r.error, latencyMs);
  const samples: Sample[] = r.value.samples;
  const poll: EndpointPoll = { path, ok: true, status: 200, latencyMs, samples, reports: [] };
  if (r.value.partial) poll.partial = r.value.partial;
  return poll;
}
