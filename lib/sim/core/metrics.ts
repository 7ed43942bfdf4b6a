// A small Prometheus registry rendering text exposition format 0.0.4. Series render in the order
// they were first touched, so the output is deterministic for a deterministic simulation.

export type Labels = Record<string, string>;
export type MetricType = "counter" | "gauge" | "histogram";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(10)));
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const l of labelNames) if (!LABEL_RE.test(l) || l === "le") throw new Error(`invalid label ${l} on ${name}`);
  }

  protected key(labels: Labels): string[] {
    const values = this.labelNames.map((n) => {
      const v = labels[n];
      if (v === undefined) throw new Error(`metric ${this.name} needs label ${n}`);
      return v;
    });
    if (Object.keys(labels).length !== this.labelNames.length) {
      throw new Error(
        `metric ${this.name} takes labels [${this.labelNames.join(", ")}], got [${Object.keys(labels).join(", ")}]`,
      );
    }
    return values;
  }

  abstract renderSamples(): string[];
  abstract reset(): void;

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    return [...lines, ...this.renderSamples()].join("\n");
  }
}

class ScalarFamily extends Family {
  protected series = new Map<string, { values: string[]; value: number }>();

  protected entry(labels: Labels): { values: string[]; value: number } {
    const values = this.key(labels);
    const k = values.join("\u0000");
    let e = this.series.get(k);
    if (!e) {
      e = { values, value: 0 };
      this.series.set(k, e);
    }
    return e;
  }

  get(labels: Labels = {}): number {
    return this.series.get(this.key(labels).join("\u0000"))?.value ?? 0;
  }

  /** Sum over every series (e.g. a counter's total across labels). */
  sum(): number {
    let s = 0;
    for (const e of this.series.values()) s += e.value;
    return s;
  }

  renderSamples(): string[] {
    return [...this.series.values()].map(
      (e) => `${this.name}${labelText(this.labelNames, e.values)} ${formatValue(e.value)}`,
    );
  }

  reset(): void {
    for (const e of this.series.values()) e.value = 0;
  }
}

export class Counter extends ScalarFamily {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, "counter", labelNames);
  }
  inc(by = 1, labels: Labels = {}): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.entry(labels).value += by;
  }
  /** Creates the series at zero so it is exported before the first event. */
  touch(labels: Labels = {}): void {
    this.entry(labels);
  }
}

export class Gauge extends ScalarFamily {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, "gauge", labelNames);
  }
  set(value: number, labels: Labels = {}): void {
    this.entry(labels).value = value;
  }
  inc(by = 1, labels: Labels = {}): void {
    this.entry(labels).value += by;
  }
  remove(labels: Labels): void {
    this.series.delete(this.key(labels).join("\u0000"));
  }
}

interface HistogramSeries {
  values: string[];
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family {
  private series = new Map<string, HistogramSeries>();
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []) {
    super(name, help, "histogram", labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.some((b, i) => i > 0 && b === sorted[i - 1])) throw new Error(`duplicate bucket on ${name}`);
    this.buckets = sorted.filter((b) => Number.isFinite(b));
  }

  /** Records `count` observations of `value` (the simulator aggregates traffic per tick). */
  observe(value: number, labels: Labels = {}, count = 1): void {
    if (count <= 0) return;
    const values = this.key(labels);
    const k = values.join("\u0000");
    let s = this.series.get(k);
    if (!s) {
      s = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    const idx = this.buckets.findIndex((b) => value <= b);
    if (idx >= 0) s.counts[idx] = (s.counts[idx] ?? 0) + count;
    s.sum += value * count;
    s.count += count;
  }

  snapshot(labels: Labels = {}): { buckets: { le: number; cumulative: number }[]; sum: number; count: number } {
    const s = this.series.get(this.key(labels).join("\u0000"));
    let acc = 0;
    const buckets = this.buckets.map((le, i) => {
      acc += s?.counts[i] ?? 0;
      return { le, cumulative: acc };
    });
    return { buckets, sum: s?.sum ?? 0, count: s?.count ?? 0 };
  }

  renderSamples(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += s.counts[i] ?? 0;
        out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ["le", formatValue(le)])} ${acc}`);
      });
      out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, ["le", "+Inf"])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}`);
    }
    return out;
  }

  reset(): void {
    for (const s of this.series.values()) {
      s.counts = s.counts.map(() => 0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

export class Registry {
  private families: Family[] = [];

  private add<F extends Family>(f: F): F {
    if (this.families.some((x) => x.name === f.name)) throw new Error(`metric ${f.name} registered twice`);
    this.families.push(f);
    return f;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.add(new Histogram(name, help, buckets, labelNames));
  }

  /** Counters and histograms restart from zero, as after a process restart. Gauges are kept. */
  resetCounters(): void {
    for (const f of this.families) if (f.type !== "gauge") f.reset();
  }

  /** The exposition; with `only`, just the families named there. */
  render(only?: ReadonlySet<string>): string {
    return (
      this.families
        .filter((f) => !only || only.has(f.name))
        .map((f) => f.render())
        .join("\n") + "\n"
    );
  }
}

/** Parses text exposition into samples (used by the simulator's own tests). */
export function parseExposition(text: string): { name: string; labels: Labels; value: number }[] {
  const out: { name: string; labels: Labels; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Labels = {};
    const body = m[3];
    if (body) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let lm: RegExpExecArray | null;
      while ((lm = re.exec(body)))
        labels[lm[1] as string] = (lm[2] as string).replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const raw = m[4] as string;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    out.push({ name: m[1] as string, labels, value });
  }
  return out;
}
