// Prometheus 0.0.4 / OpenMetrics 1.0 text: parse, render, validate, and map to Samples.

export { parsePrometheusText, detectExpositionFormat, RULES } from "./parse";
export { renderPrometheusText } from "./render";
export { validateHistograms, histogramQuantile, histogramSeries } from "./histogram";
export type { Bucket, HistogramIssue, HistogramSeries } from "./histogram";
export { toSamples } from "./to-samples";
export type { ToSamplesOptions } from "./to-samples";
export { METRIC_TYPES } from "./types";
export type {
  Exemplar,
  ExpositionFormat,
  MetricFamily,
  MetricSample,
  MetricType,
  ParseOptions,
  ParseResult,
  PromParseError,
  PromParseIssue,
  PromRule,
} from "./types";
