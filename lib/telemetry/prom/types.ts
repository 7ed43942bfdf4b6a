// The model our Prometheus / OpenMetrics text parser produces and the renderer consumes.
// It mirrors the text formats closely (one entry per sample line) so that round trips are exact;
// lib/telemetry/prom/to-samples.ts maps it into the normalised Sample model.

export const METRIC_TYPES = [
  "counter",
  "gauge",
  "histogram",
  "summary",
  "untyped",
  "unknown",
  "stateset",
  "info",
  "gaugehistogram",
] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** Prometheus text exposition format 0.0.4, or OpenMetrics 1.0 text format. */
export type ExpositionFormat = "prometheus" | "openmetrics";

export interface Exemplar {
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp?: number;
}

export interface MetricSample {
  /** Full sample name as written, including `_bucket`, `_sum`, `_count`, `_total`, `_created`, … */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch (OpenMetrics seconds are converted). */
  timestamp?: number;
  /** OpenMetrics only; never part of `value`. */
  exemplar?: Exemplar;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  /** OpenMetrics only. */
  unit?: string;
  samples: MetricSample[];
}

/**
 * Which rule a problem broke: "syntax" for the grammar, otherwise one of the OpenMetrics semantic
 * rules (see RULES in parse.ts), e.g. "histogram-inf-bucket".
 */
export type PromRule = string;

export interface PromParseError {
  kind: "parse";
  /** The rule the line broke ("syntax" for the grammar, else a semantic rule id). */
  rule: PromRule;
  /** The offending line as written (shortened to 200 characters). */
  text?: string;
  /** 1-based line number, always within the input's lines. */
  line: number;
  /** 1-based column (UTF-16 code units) where the problem starts, when known. */
  column?: number;
  /** Plain-words description, prefixed with the line, e.g. `line 12: invalid label name "1abc"`. */
  message: string;
}

/**
 * A line the lenient 0.0.4 mode could not read. The family it belongs to (when the line names
 * one) is left out of the result whole, so a half-read family never looks complete.
 */
export interface PromParseIssue extends PromParseError {
  /** The family left out because of this line, when the line names one. */
  family?: string;
}

export type ParseResult =
  | {
      ok: true;
      families: MetricFamily[];
      format: ExpositionFormat;
      /**
       * 0.0.4 only, present when some lines could not be read: the exposition is *partial*.
       * Every family named in an issue is missing from `families`.
       */
      issues?: PromParseIssue[];
      /** Families left out because of the issues (0.0.4 only). */
      droppedFamilies?: string[];
    }
  | { ok: false; error: PromParseError };

export interface ParseOptions {
  /** `auto` (default): the content type decides, else OpenMetrics when the text ends with `# EOF`. */
  format?: "auto" | ExpositionFormat;
  /** HTTP Content-Type of the response, used when `format` is `auto`. */
  contentType?: string;
  /** More lines than this is an error instead of work. Default 200,000. */
  maxLines?: number;
  /** More UTF-16 code units than this is an error instead of work. Default 32 Mi. */
  maxLength?: number;
}
