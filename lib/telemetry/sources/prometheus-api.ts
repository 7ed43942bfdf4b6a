// Prometheus HTTP API adapter: instant and range queries against /api/v1/query and
// /api/v1/query_range, for teams whose metrics already live in a Prometheus server and for history
// older than the console's own retention. Responses are validated with zod and mapped into the
// normalised Sample model. Like every source adapter it never throws: transport problems, error
// envelopes and malformed bodies all come back as a typed SourceError.

import { z } from "zod";
import { SYSTEM_ENTITY, type Sample, type SourceError, type SourceResult } from "../model";
import { parseSampleValue } from "../prom/numbers";
import { fetchLimited } from "./http";

/** Label names tried, in order, for the entity when the caller does not say. */
export const DEFAULT_ENTITY_LABELS: readonly string[] = ["profile_id", "symbol"];

/** Above this many bytes of form data a query goes out as POST (URLs that long get truncated by proxies). */
const AUTO_POST_THRESHOLD = 4096;

export type PromResultType = "vector" | "matrix" | "scalar" | "string";

export interface PromRequestOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Extra request headers, e.g. `Authorization` for a hosted Prometheus. */
  headers?: Record<string, string>;
  /** "auto" (default): GET, or a POST form when the query is long. */
  method?: "GET" | "POST" | "auto";
  /**
   * The fleet target the samples belong to: a fixed name, or a function of each series' labels
   * (e.g. `(l) => l.job`). A function returning undefined or "" drops that series.
   */
  system: string | ((labels: Readonly<Record<string, string>>) => string | undefined);
  /** Labels that name the entity, first non-empty wins; default `["profile_id", "symbol"]`, else "*". */
  entityLabels?: readonly string[];
  /**
   * Metric name for series without `__name__` (aggregations, functions, scalars). When absent
   * the PromQL expression itself is used, so the sample still says where it came from.
   */
  metric?: string;
  /**
   * Also send Prometheus' own `timeout` parameter (the server gives up at the same time as we do).
   * Default true.
   */
  serverTimeout?: boolean;
}

export interface InstantQueryOptions extends PromRequestOptions {
  /** Evaluation time (ms since the epoch, or a Date); default: the server's now. */
  time?: number | Date;
}

export interface RangeQueryOptions extends PromRequestOptions {
  /** Range start and end (ms since the epoch, or a Date), inclusive. */
  start: number | Date;
  end: number | Date;
  stepSeconds: number;
}

export interface PromQueryResult {
  resultType: PromResultType;
  /** Instant vector and scalar: one Sample per series. Range: one Sample per point. */
  samples: Sample[];
  /** Warnings Prometheus attached to a successful answer (e.g. partial data). */
  warnings: string[];
  /** Only for resultType "string": the string result, which has no numeric Sample. */
  stringValue?: { value: string; observedAt: number };
  /** Native-histogram points in the answer; the Sample model has no place for them, so they are skipped. */
  skippedNativeHistograms: number;
  /** Round trip including the body. */
  latencyMs: number;
}

// --- the response envelope ------------------------------------------------------------------

/** A sample value as Prometheus encodes it: a string holding a float, "NaN", "+Inf" or "-Inf". */
const PromNumber = z.string().transform((text, ctx) => {
  const v = parseSampleValue(text);
  if (v === undefined) {
    ctx.addIssue({ code: "custom", message: `not a sample value: ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }
  return v;
});
/** [unix seconds (float), "value"] */
const PromPoint = z.tuple([z.number(), PromNumber]);
/** Native histogram point: [unix seconds, { count, sum, buckets }]; we only count these. */
const NativeHistogramPoint = z.tuple([z.number(), z.unknown()]);
const SeriesLabels = z.record(z.string(), z.string());

const VectorSeries = z.object({
  metric: SeriesLabels,
  value: PromPoint.optional(),
  histogram: NativeHistogramPoint.optional(),
});
const MatrixSeries = z.object({
  metric: SeriesLabels,
  values: z.array(PromPoint).optional(),
  histograms: z.array(NativeHistogramPoint).optional(),
});

const PromData = z.discriminatedUnion("resultType", [
  z.object({ resultType: z.literal("vector"), result: z.array(VectorSeries) }),
  z.object({ resultType: z.literal("matrix"), result: z.array(MatrixSeries) }),
  z.object({ resultType: z.literal("scalar"), result: PromPoint }),
  z.object({ resultType: z.literal("string"), result: z.tuple([z.number(), z.string()]) }),
]);
type PromData = z.infer<typeof PromData>;

const PromEnvelope = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("success"),
    data: PromData,
    warnings: z.array(z.string()).optional(),
    infos: z.array(z.string()).optional(),
  }),
  z.object({
    status: z.literal("error"),
    errorType: z.string(),
    error: z.string(),
    warnings: z.array(z.string()).optional(),
  }),
]);
export type PromEnvelope = z.infer<typeof PromEnvelope>;

// --- public API -----------------------------------------------------------------------------

/** `GET|POST <baseUrl>/api/v1/query` — the value of every series at one instant. */
export function queryInstant(
  baseUrl: string,
  promql: string,
  opts: InstantQueryOptions,
): Promise<SourceResult<PromQueryResult>> {
  const params = new URLSearchParams({ query: promql });
  if (opts.time !== undefined) params.set("time", formatTime(opts.time));
  return run(baseUrl, "/api/v1/query", params, promql, opts);
}

/** `GET|POST <baseUrl>/api/v1/query_range` — every series evaluated at start, start+step, …, end. */
export function queryRange(
  baseUrl: string,
  promql: string,
  opts: RangeQueryOptions,
): Promise<SourceResult<PromQueryResult>> {
  const params = new URLSearchParams({
    query: promql,
    start: formatTime(opts.start),
    end: formatTime(opts.end),
    step: String(opts.stepSeconds),
  });
  return run(baseUrl, "/api/v1/query_range", params, promql, opts);
}

/**
 * Validates a Prometheus API body (already read) into the envelope. Exposed for callers that
 * fetch by other means; `status` is the HTTP status, used only to word errors.
 */
export function parsePromApiBody(body: string, status: number): SourceResult<PromEnvelope> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    const snippet = body.replace(/\s+/g, " ").slice(0, 120);
    if (status >= 400) return fail("http", `HTTP ${status}${snippet ? `: ${snippet}` : ""}`);
    return fail(
      "parse",
      `response is not JSON (${e instanceof Error ? e.message : String(e)})${snippet ? `: ${snippet}` : ""}`,
    );
  }
  const parsed = PromEnvelope.safeParse(json);
  if (!parsed.success) {
    if (status >= 400) return fail("http", `HTTP ${status}: ${JSON.stringify(json).slice(0, 160)}`);
    return fail("schema", describeIssue(parsed.error));
  }
  return { ok: true, value: parsed.data };
}

// --- internals ------------------------------------------------------------------------------

function fail(kind: SourceError["kind"], detail: string): { ok: false; error: SourceError } {
  return { ok: false, error: { kind, detail } };
}

function formatTime(t: number | Date): string {
  const ms = t instanceof Date ? t.getTime() : t;
  // Prometheus takes float seconds or RFC 3339; milliseconds keep full precision.
  return (ms / 1000).toFixed(3);
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "response does not match the Prometheus API envelope";
  const where = issue.path.length ? issue.path.join(".") : "(root)";
  return `response does not match the Prometheus API envelope at ${where}: ${issue.message}`;
}

// Every 4xx/5xx is read rather than turned into a bare "HTTP 400" by fetchLimited: Prometheus puts
// the reason (errorType bad_data, execution, timeout, …) in a JSON body on those statuses.
const ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i);

async function run(
  baseUrl: string,
  path: string,
  params: URLSearchParams,
  promql: string,
  opts: PromRequestOptions,
): Promise<SourceResult<PromQueryResult>> {
  try {
    if (opts.serverTimeout ?? true) params.set("timeout", `${Math.max(1, Math.round(opts.timeoutMs))}ms`);
    const form = params.toString();
    const method =
      opts.method === "GET" || opts.method === "POST"
        ? opts.method
        : form.length > AUTO_POST_THRESHOLD
          ? "POST"
          : "GET";
    const url = baseUrl.replace(/\/+$/, "") + path + (method === "GET" ? `?${form}` : "");
    const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
    if (method === "POST") headers["content-type"] = "application/x-www-form-urlencoded";
    const fetched = await fetchLimited(url, {
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      method,
      headers,
      body: method === "POST" ? form : undefined,
      acceptStatus: ERROR_STATUSES,
    });
    if (!fetched.ok) return fetched;
    const { status, body, latencyMs } = fetched.value;
    const envelope = parsePromApiBody(body, status);
    if (!envelope.ok) return envelope;
    const env = envelope.value;
    if (env.status === "error") {
      return fail("http", `HTTP ${status}: Prometheus ${env.errorType} error: ${env.error}`);
    }
    if (status >= 300) return fail("http", `HTTP ${status} with a success envelope`);
    return { ok: true, value: { ...toSamples(env.data, promql, opts), warnings: env.warnings ?? [], latencyMs } };
  } catch (e) {
    // Only a bug in a caller-supplied `system` function can get here; keep the promise of no throws.
    return fail("parse", `could not map the response: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function toSamples(
  data: PromData,
  promql: string,
  opts: PromRequestOptions,
): Omit<PromQueryResult, "warnings" | "latencyMs"> {
  const entityLabels = opts.entityLabels ?? DEFAULT_ENTITY_LABELS;
  const samples: Sample[] = [];
  let skippedNativeHistograms = 0;

  const systemOf = (labels: Record<string, string>): string | undefined =>
    typeof opts.system === "string" ? opts.system : opts.system(labels) || undefined;

  const base = (metric: Record<string, string>): Omit<Sample, "value" | "observedAt"> | undefined => {
    const { __name__: name, ...labels } = metric;
    const system = systemOf(metric);
    if (system === undefined) return undefined;
    let entity = SYSTEM_ENTITY;
    for (const label of entityLabels) {
      const v = Object.hasOwn(labels, label) ? labels[label] : undefined;
      if (v !== undefined && v !== "") {
        entity = v;
        break;
      }
    }
    return { system, entity, metric: name || opts.metric || promql, labels };
  };

  switch (data.resultType) {
    case "vector":
      for (const series of data.result) {
        if (series.histogram) skippedNativeHistograms++;
        if (!series.value) continue;
        const b = base(series.metric);
        if (b) samples.push({ ...b, value: series.value[1], observedAt: toMs(series.value[0]) });
      }
      return { resultType: "vector", samples, skippedNativeHistograms };
    case "matrix":
      for (const series of data.result) {
        skippedNativeHistograms += series.histograms?.length ?? 0;
        const b = base(series.metric);
        if (!b) continue;
        for (const [t, v] of series.values ?? [])
          samples.push({ ...b, labels: { ...b.labels }, value: v, observedAt: toMs(t) });
      }
      return { resultType: "matrix", samples, skippedNativeHistograms };
    case "scalar": {
      const b = base({});
      if (b) samples.push({ ...b, value: data.result[1], observedAt: toMs(data.result[0]) });
      return { resultType: "scalar", samples, skippedNativeHistograms };
    }
    case "string":
      return {
        resultType: "string",
        samples,
        skippedNativeHistograms,
        stringValue: { value: data.result[1], observedAt: toMs(data.result[0]) },
      };
  }
}

function toMs(seconds: number): number {
  return Math.round(seconds * 1000);
}
