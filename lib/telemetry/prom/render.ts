// Renders the model back to text, for round-trip tests and as a fixture builder for other
// components' tests. Names are written as given (the renderer does not validate them); label
// values and HELP text are escaped for the chosen format.

import { formatOmTimestamp, formatPromTimestamp, formatSampleValue } from "./numbers";
import type { ExpositionFormat, MetricFamily, MetricType } from "./types";

const PROM_TYPE: Readonly<Record<MetricType, string>> = {
  counter: "counter",
  gauge: "gauge",
  histogram: "histogram",
  summary: "summary",
  untyped: "untyped",
  // No 0.0.4 equivalent; the samples are still written, under an untyped family.
  unknown: "untyped",
  stateset: "untyped",
  info: "untyped",
  gaugehistogram: "untyped",
};

function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

function escapeHelp(help: string, format: ExpositionFormat): string {
  const special = format === "openmetrics" ? /[\\"\n]/g : /[\\\n]/g;
  return help.replace(special, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

function renderLabels(labels: Record<string, string>, always: boolean): string {
  let out = "";
  for (const name in labels) {
    out += `${out === "" ? "" : ","}${name}="${escapeLabelValue(labels[name] as string)}"`;
  }
  return out === "" && !always ? "" : `{${out}}`;
}

/**
 * Writes families as Prometheus 0.0.4 (`prometheus`, the default) or OpenMetrics 1.0 text.
 * 0.0.4 has no units or exemplars, so those are dropped there; timestamps are rounded to whole
 * milliseconds. OpenMetrics output ends with `# EOF`.
 */
export function renderPrometheusText(
  families: readonly MetricFamily[],
  format: ExpositionFormat = "prometheus",
): string {
  const om = format === "openmetrics";
  const lines: string[] = [];
  for (const family of families) {
    const { name } = family;
    if (om) {
      lines.push(`# TYPE ${name} ${family.type === "untyped" ? "unknown" : family.type}`);
      if (family.unit !== undefined && family.unit !== "") lines.push(`# UNIT ${name} ${family.unit}`);
      if (family.help !== undefined && family.help !== "")
        lines.push(`# HELP ${name} ${escapeHelp(family.help, format)}`);
    } else {
      if (family.help !== undefined) lines.push(`# HELP ${name} ${escapeHelp(family.help, format)}`);
      lines.push(`# TYPE ${name} ${PROM_TYPE[family.type]}`);
    }
    for (const s of family.samples) {
      let line = `${s.name}${renderLabels(s.labels, false)} ${formatSampleValue(s.value)}`;
      if (s.timestamp !== undefined) {
        const ts = om ? formatOmTimestamp(s.timestamp) : formatPromTimestamp(s.timestamp);
        if (ts !== undefined) line += ` ${ts}`;
      }
      if (om && s.exemplar) {
        const ex = s.exemplar;
        line += ` # ${renderLabels(ex.labels, true)} ${formatSampleValue(ex.value)}`;
        const ts = ex.timestamp === undefined ? undefined : formatOmTimestamp(ex.timestamp);
        if (ts !== undefined) line += ` ${ts}`;
      }
      lines.push(line);
    }
  }
  if (om) lines.push("# EOF");
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
