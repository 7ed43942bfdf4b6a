import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NODE_EXPORTER_SNIPPET, OPENMETRICS_EXAMPLE, TRADING_BOT_PROMETHEUS } from "./fixtures/expositions";
import { parsePrometheusText } from "./parse";
import { renderPrometheusText } from "./render";
import type { Exemplar, ExpositionFormat, MetricFamily, MetricSample, MetricType, ParseResult } from "./types";

// CI runs 100; `npm run test:props` runs 10,000.
const numRuns = Number(process.env.FC_NUM_RUNS ?? 100);
// vitest's default 5 s is sized for 100 runs; scale with the run count.
const timeout = Math.max(10_000, numRuns * 10);

const FORMATS = ["auto", "prometheus", "openmetrics"] as const;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Plain checks (not expect) in the hot loop: 10,000 runs × 3 formats must stay fast. */
function check(condition: boolean, what: string, text: string): void {
  if (!condition) throw new Error(`${what}\ninput: ${JSON.stringify(text)}`);
}

/** What every parse must satisfy, whatever the input. */
function checkInvariants(text: string, result: ParseResult): void {
  if (result.ok) {
    check(result.format === "prometheus" || result.format === "openmetrics", `bad format ${result.format}`, text);
    for (const family of result.families) {
      for (const sample of family.samples) {
        // A sample is only ever filed under a family whose name it extends.
        check(sample.name.startsWith(family.name), `${sample.name} filed under ${family.name}`, text);
        for (const name of Object.keys(sample.labels)) {
          // "__" names are reserved in OpenMetrics only; Prometheus 0.0.4 scrapes them.
          const reserved = result.format === "openmetrics" && name.startsWith("__");
          check(LABEL_NAME.test(name) && !reserved, `label name ${JSON.stringify(name)} accepted`, text);
        }
      }
    }
    // A partial read names every unreadable line, within the input, with its rule.
    const lines = text.split("\n").length;
    for (const issue of result.issues ?? []) {
      check(
        issue.line >= 1 && issue.line <= lines && issue.message.startsWith(`line ${issue.line}: `) && issue.rule !== "",
        `bad issue ${JSON.stringify(issue)}`,
        text,
      );
      check(
        !result.families.some((f) => f.name === issue.family),
        `family ${issue.family} kept despite its issue`,
        text,
      );
    }
    return;
  }
  const { error } = result;
  const lineCount = text.split("\n").length;
  check(typeof error.rule === "string" && error.rule !== "", `no rule named: ${JSON.stringify(error)}`, text);
  const where = JSON.stringify(error);
  check(error.kind === "parse", `kind ${where}`, text);
  check(
    Number.isInteger(error.line) && error.line >= 1 && error.line <= lineCount,
    `line out of 1..${lineCount}: ${where}`,
    text,
  );
  check(error.message.startsWith(`line ${error.line}: `), `message does not name the line: ${where}`, text);
  check(!error.message.includes("internal parser error"), `internal error: ${where}`, text);
  check(
    error.column === undefined || (Number.isInteger(error.column) && error.column >= 1),
    `bad column: ${where}`,
    text,
  );
}

function parseAllWays(text: string): void {
  for (const format of FORMATS) {
    let result: ParseResult;
    try {
      result = parsePrometheusText(text, { format });
    } catch (err) {
      throw new Error(`parsePrometheusText threw ${String(err)}\ninput: ${JSON.stringify(text)}`);
    }
    checkInvariants(text, result);
  }
}

// ------------------------------------------------------------------ generators

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,7}$/).filter((n) => !n.startsWith("__"));
const labelValue = fc.string({ unit: "binary", maxLength: 12 });
const labelSet = fc
  .uniqueArray(fc.tuple(labelName, labelValue), { selector: ([name]) => name, maxLength: 4 })
  .map((entries) => Object.fromEntries(entries) as Record<string, string>);

const promTimestamp = fc.option(fc.maxSafeInteger(), { nil: undefined });
const omTimestamp = fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined });

const PROM_SUFFIXES: Partial<Record<MetricType, string[]>> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};
const OM_SUFFIXES: Partial<Record<MetricType, string[]>> = {
  counter: ["_total", "_created"],
  gauge: [""],
  unknown: [""],
  stateset: [""],
  info: ["_info"],
  histogram: ["_bucket", "_sum", "_count", "_created"],
  gaugehistogram: ["_bucket", "_gsum", "_gcount"],
  summary: ["", "_sum", "_count", "_created"],
};

function allowsExemplar(type: MetricType, suffix: string): boolean {
  return (
    (type === "counter" && suffix === "_total") ||
    ((type === "histogram" || type === "gaugehistogram") && suffix === "_bucket")
  );
}

const exemplarArb: fc.Arbitrary<Exemplar> = fc
  .record({ labels: labelSet, value: fc.double(), timestamp: omTimestamp })
  .map(({ labels, value, timestamp }) => (timestamp === undefined ? { labels, value } : { labels, value, timestamp }));

function sampleArb(format: ExpositionFormat, name: string, type: MetricType): fc.Arbitrary<MetricSample> {
  const suffixes = (format === "openmetrics" ? OM_SUFFIXES : PROM_SUFFIXES)[type] ?? [""];
  const om = format === "openmetrics";
  return fc
    .record({
      suffix: fc.constantFrom(...suffixes),
      labels: labelSet,
      value: fc.double(),
      timestamp: om ? omTimestamp : promTimestamp,
      exemplar: om ? fc.option(exemplarArb, { nil: undefined }) : fc.constant(undefined),
    })
    .map(({ suffix, labels, value, timestamp, exemplar }) => {
      const sample: MetricSample = { name: name + suffix, labels, value };
      if (timestamp !== undefined) sample.timestamp = timestamp;
      if (exemplar && allowsExemplar(type, suffix)) sample.exemplar = exemplar;
      return sample;
    });
}

const helpText = fc.string({ unit: "binary", maxLength: 24 }).filter((h) => !h.endsWith("\r"));

function familyArb(format: ExpositionFormat, index: number): fc.Arbitrary<MetricFamily> {
  const om = format === "openmetrics";
  const types = Object.keys(om ? OM_SUFFIXES : PROM_SUFFIXES) as MetricType[];
  return fc
    .record({
      type: fc.constantFrom(...types),
      // A unique "f<index>_" prefix keeps families from sharing sample names.
      stem: fc.stringMatching(/^[a-zA-Z0-9_:]{0,6}$/),
      unit: om ? fc.option(fc.stringMatching(/^[a-zA-Z0-9_:]{1,6}$/), { nil: undefined }) : fc.constant(undefined),
      help: fc.option(
        // 0.0.4 drops blanks around HELP text; an empty OpenMetrics HELP means no HELP.
        om ? helpText.filter((h) => h !== "") : helpText.filter((h) => !/^[ \t]|[ \t]$/.test(h)),
        { nil: undefined },
      ),
    })
    .chain(({ type, stem, unit, help }) => {
      const withUnit = unit !== undefined && type !== "info" && type !== "stateset";
      const name = `f${index}_${stem}${withUnit ? `_${unit}` : ""}`;
      return fc.array(sampleArb(format, name, type), { maxLength: 5 }).map((samples) => {
        const family: MetricFamily = { name, type, samples };
        if (help !== undefined) family.help = help;
        if (withUnit) family.unit = unit;
        return family;
      });
    });
}

// OpenMetrics families that also keep the spec's semantic rules: one point per label set, values
// in range for their type, histogram buckets sorted, cumulative and ending at +Inf.
const omLabels = (reserved: string) =>
  fc.uniqueArray(
    labelSet.filter((l) => !("le" in l) && !("quantile" in l) && !(reserved in l)),
    {
      selector: (l) => JSON.stringify(Object.entries(l).sort()),
      minLength: 1,
      maxLength: 3,
    },
  );
const counterValue = fc.double({ min: 0, noNaN: true });
const countValue = fc.nat({ max: 1_000_000 });

function omPoints(name: string, type: MetricType, labels: Record<string, string>): fc.Arbitrary<MetricSample[]> {
  const at = (n: string, v: number, extra: Record<string, string> = {}): MetricSample => ({
    name: n,
    labels: { ...labels, ...extra },
    value: v,
  });
  switch (type) {
    case "counter":
      return fc
        .tuple(
          counterValue,
          fc.option(fc.double({ noNaN: true }), { nil: undefined }),
          fc.option(exemplarArb, { nil: undefined }),
        )
        .map(([total, created, exemplar]) => {
          const t = at(`${name}_total`, total);
          if (exemplar) t.exemplar = exemplar;
          return created === undefined ? [t] : [t, at(`${name}_created`, created)];
        });
    case "stateset":
      return fc
        .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), fc.constantFrom(0, 1)), {
          selector: ([st]) => st,
          minLength: 1,
          maxLength: 3,
        })
        .map((states) => states.map(([st, v]) => at(name, v, { [name]: st })));
    case "info":
      return fc.constant([at(`${name}_info`, 1)]);
    case "summary":
      return fc
        .tuple(
          fc.uniqueArray(
            fc.tuple(
              fc.constantFrom("0", "0.25", "0.5", "0.9", "0.99", "1"),
              fc.oneof(fc.double({ min: 0, noNaN: true }), fc.constant(NaN)),
            ),
            { selector: ([q]) => q, maxLength: 3 },
          ),
          fc.option(counterValue, { nil: undefined }),
          fc.option(countValue, { nil: undefined }),
        )
        .map(([qs, sum, count]) => [
          ...qs.map(([q, v]) => at(name, v, { quantile: q })),
          ...(sum === undefined ? [] : [at(`${name}_sum`, sum)]),
          ...(count === undefined ? [] : [at(`${name}_count`, count)]),
        ]);
    case "histogram":
    case "gaugehistogram":
      return fc
        .tuple(
          fc.uniqueArray(
            fc.double({ min: 0, max: 1e6, noNaN: true }).filter((x) => !Object.is(x, -0)),
            { maxLength: 4 },
          ),
          fc.array(fc.nat({ max: 1000 }), { minLength: 5, maxLength: 5 }),
          fc.boolean(),
          fc.option(counterValue, { nil: undefined }),
          fc.option(exemplarArb, { nil: undefined }),
        )
        .map(([bounds, increments, withCount, sum, exemplar]) => {
          const les = [...bounds].sort((x, y) => x - y);
          let running = 0;
          const buckets = [...les, Infinity].map((le, i) => {
            running += increments[i] ?? 0;
            return at(`${name}_bucket`, running, { le: le === Infinity ? "+Inf" : String(le) });
          });
          if (exemplar && buckets[0]) buckets[0].exemplar = exemplar;
          const g = type === "gaugehistogram";
          return [
            ...buckets,
            ...(withCount ? [at(`${name}${g ? "_gcount" : "_count"}`, running)] : []),
            ...(sum === undefined ? [] : [at(`${name}${g ? "_gsum" : "_sum"}`, sum)]),
          ];
        });
    default:
      return fc.double().map((v) => [at(name, v)]);
  }
}

function omFamilyArb(index: number): fc.Arbitrary<MetricFamily> {
  return fc
    .record({
      type: fc.constantFrom(...(Object.keys(OM_SUFFIXES) as MetricType[]).filter((t) => t !== "untyped")),
      stem: fc.stringMatching(/^[a-zA-Z0-9_]{0,6}$/),
      unit: fc.option(fc.stringMatching(/^[a-zA-Z0-9_:]{1,6}$/), { nil: undefined }),
      help: fc.option(
        helpText.filter((h) => h !== ""),
        { nil: undefined },
      ),
      timestamp: omTimestamp,
    })
    .chain(({ type, stem, unit, help, timestamp }) => {
      const withUnit = unit !== undefined && type !== "info" && type !== "stateset";
      const name = `f${index}_${stem}${withUnit ? `_${unit}` : ""}`;
      return omLabels(name)
        .chain((sets) => fc.tuple(...sets.map((l) => omPoints(name, type, l))))
        .map((points) => {
          const samples = points.flat();
          // One timestamp for the whole family keeps every series' timestamps in order.
          if (timestamp !== undefined) for (const smp of samples) smp.timestamp = timestamp;
          const family: MetricFamily = { name, type, samples };
          if (help !== undefined) family.help = help;
          if (withUnit) family.unit = unit;
          return family;
        });
    });
}

function familiesArb(format: ExpositionFormat): fc.Arbitrary<MetricFamily[]> {
  const one = format === "openmetrics" ? omFamilyArb : (i: number) => familyArb(format, i);
  return fc
    .integer({ min: 0, max: 5 })
    .chain((count) => (count === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: count }, (_, i) => one(i)))));
}

/** Numbers as text so NaN equals NaN and -0 differs from 0 no matter how the matcher compares. */
function num(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}
/** Timestamps cannot carry -0 in either format. */
function ts(v: number | undefined): string | undefined {
  return v === undefined ? undefined : v === 0 ? "0" : String(v);
}
function comparable(families: MetricFamily[], format: ExpositionFormat) {
  const om = format === "openmetrics";
  return families.map((f) => ({
    name: f.name,
    type: f.type,
    help: f.help,
    unit: om ? f.unit : undefined,
    samples: f.samples.map((s) => ({
      name: s.name,
      labels: s.labels,
      value: num(s.value),
      timestamp: ts(s.timestamp),
      exemplar:
        om && s.exemplar
          ? { labels: s.exemplar.labels, value: num(s.exemplar.value), timestamp: ts(s.exemplar.timestamp) }
          : undefined,
    })),
  }));
}

/** Cheap string comparison first; the matcher's diff only when they differ. */
function expectSameModel(actual: MetricFamily[], expected: MetricFamily[], format: ExpositionFormat): void {
  const a = comparable(actual, format);
  const b = comparable(expected, format);
  if (JSON.stringify(a) !== JSON.stringify(b)) expect(a).toEqual(b);
}

// Token soup: much more likely than uniform strings to get deep into the grammar.
const TOKENS = [
  "# TYPE ",
  "# HELP ",
  "# UNIT ",
  "# EOF",
  "#",
  "\n",
  "\n",
  " ",
  "  ",
  "\t",
  "\r",
  "{",
  "}",
  "=",
  ",",
  '"',
  "\\",
  "\\n",
  '\\"',
  "a",
  "b_c",
  "f:g",
  "_bucket",
  "_total",
  "_count",
  "_sum",
  "_created",
  "_info",
  "_gsum",
  "le",
  "quantile",
  '"+Inf"',
  "1",
  "-2.5e3",
  ".5",
  "1e999",
  "NaN",
  "+Inf",
  "-Inf",
  "0x10",
  "1712345678.5",
  "counter",
  "histogram",
  "gauge",
  "summary",
  "info",
  "stateset",
  "unknown",
  "untyped",
  "gaugehistogram",
  "é",
  "\u0000",
  "__x",
  "9",
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((parts) => parts.join(""));

type Mutation =
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicate-line"; at: number }
  | { kind: "swap-lines"; at: number }
  | { kind: "truncate"; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: "binary", maxLength: 3 })),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("duplicate-line" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap-lines" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === "insert") out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === "delete") out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.kind === "truncate") out = out.slice(0, at);
    else {
      const lines = out.split("\n");
      const i = m.at % lines.length;
      if (m.kind === "duplicate-line") lines.splice(i, 0, lines[i] as string);
      else if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1] as string, lines[i] as string];
      out = lines.join("\n");
    }
  }
  return out;
}

const FIXTURES = [NODE_EXPORTER_SNIPPET, TRADING_BOT_PROMETHEUS, OPENMETRICS_EXAMPLE];
const validExposition = fc.oneof(
  fc.constantFrom(...FIXTURES),
  familiesArb("prometheus").map((f) => renderPrometheusText(f, "prometheus")),
  familiesArb("openmetrics").map((f) => renderPrometheusText(f, "openmetrics")),
);

// ------------------------------------------------------------------ properties

describe("prom parser property: never throws, errors are typed and located", () => {
  it(
    "property: arbitrary unicode strings",
    () => {
      fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), parseAllWays), { numRuns });
    },
    timeout,
  );

  it(
    "property: token soup built from the grammar's own pieces",
    () => {
      fc.assert(fc.property(tokenSoup, parseAllWays), { numRuns });
    },
    timeout,
  );

  it(
    "property: mutations of valid expositions",
    () => {
      fc.assert(
        fc.property(validExposition, fc.array(mutationArb, { minLength: 1, maxLength: 5 }), (text, mutations) => {
          parseAllWays(mutate(text, mutations));
        }),
        { numRuns },
      );
    },
    timeout,
  );

  it(
    "property: whatever parses renders back to the same model (parse → render → parse)",
    () => {
      fc.assert(
        fc.property(validExposition, fc.array(mutationArb, { maxLength: 3 }), (text, mutations) => {
          const input = mutate(text, mutations);
          const first = parsePrometheusText(input);
          if (!first.ok) return;
          const again = parsePrometheusText(renderPrometheusText(first.families, first.format), {
            format: first.format,
          });
          expect(again.ok).toBe(true);
          if (again.ok) expectSameModel(again.families, first.families, first.format);
        }),
        { numRuns },
      );
    },
    timeout,
  );
});

describe("prom renderer property: render → parse round trips", () => {
  for (const format of ["prometheus", "openmetrics"] as const) {
    it(
      `property: arbitrary ${format} families survive a round trip`,
      () => {
        fc.assert(
          fc.property(familiesArb(format), (families) => {
            const text = renderPrometheusText(families, format);
            const result = parsePrometheusText(text, { format });
            if (!result.ok) throw new Error(`${result.error.message}\n${text}`);
            expect(result.format).toBe(format);
            expectSameModel(result.families, families, format);
            // Auto-detection agrees with the format the text was written in.
            const detected = parsePrometheusText(text);
            expect(detected.ok && detected.format).toBe(format);
          }),
          { numRuns },
        );
      },
      timeout,
    );
  }
});
