import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RULES, parsePrometheusText, type SemanticRule } from "./parse";
import type { MetricFamily, ParseResult } from "./types";

// The two modes: 0.0.4 reads what Prometheus 2.42 scrapes and keeps every family that parses
// (partial), OpenMetrics rejects an exposition that breaks one of the spec's semantic rules and
// names the rule.

const numRuns = Number(process.env.FC_NUM_RUNS ?? 100);
const timeout = Math.max(10_000, numRuns * 10);

function ok(result: ParseResult): MetricFamily[] {
  if (!result.ok) throw new Error(result.error.message);
  return result.families;
}

describe("0.0.4 mode: what Prometheus 2.42 accepts", () => {
  it("reads HELP text that ends in an escaped backslash followed by an escaped quote", () => {
    const [f] = ok(parsePrometheusText('# HELP foo ends \\\\\\"\n# TYPE foo gauge\nfoo 1\n', { format: "prometheus" }));
    // \\ is a backslash; \" is not a 0.0.4 HELP escape and stays as written.
    expect(f?.help).toBe('ends \\\\"');
    const [g] = ok(parsePrometheusText('# TYPE foo gauge\n# HELP foo ends \\\\\\"\nfoo 1\n# EOF\n'));
    expect(g?.help).toBe('ends \\"');
  });

  it("accepts repeated HELP and TYPE lines, a TYPE line after the samples, odd escapes and __ labels", () => {
    const text = [
      "# HELP a First.",
      "# HELP a Second.",
      "# TYPE a gauge",
      "# TYPE a gauge",
      'a{__meta="x",path="C:\\tmp\\q"} 1',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      "h_count 2",
      "# TYPE h histogram",
      "late 3",
      "# TYPE late counter",
    ].join("\n");
    const result = parsePrometheusText(`${text}\n`, { format: "prometheus" });
    const list = ok(result);
    expect(result.ok && result.issues).toBeUndefined();
    expect(list.map((f) => [f.name, f.type, f.help ?? null, f.samples.length])).toEqual([
      ["a", "gauge", "First.", 1],
      ["h", "histogram", null, 3],
      ["late", "counter", null, 1],
    ]);
    expect(list[0]?.samples[0]?.labels).toEqual({ __meta: "x", path: "C:\\tmp\\q" });
  });

  it("keeps every family that parses, leaves out the family of an odd line, and names the line and rule", () => {
    const text = [
      "# TYPE good_total counter",
      "good_total 5",
      "# TYPE odd gauge",
      "odd 1",
      'odd{x="1"} one',
      "# TYPE other gauge",
      "other 2",
    ].join("\n");
    const result = parsePrometheusText(`${text}\n`, { format: "prometheus" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.families.map((f) => f.name)).toEqual(["good_total", "other"]);
    expect(result.droppedFamilies).toEqual(["odd"]);
    expect(result.issues).toEqual([
      {
        kind: "parse",
        rule: "syntax",
        line: 5,
        column: 12,
        message: 'line 5: invalid value "one"',
        text: 'odd{x="1"} one',
        family: "odd",
      },
    ]);
  });

  it("fails the exposition whole when no family could be read", () => {
    const result = parsePrometheusText("oops\n", { format: "prometheus" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.text).toBe("oops");
  });

  // Generators for what the 0.0.4 grammar plus Prometheus's lenient rules allow.
  const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,8}$/);
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/);
  const escape = fc.constantFrom("\\\\", "\\n", '\\"', "\\t", "\\a", "\\x");
  const plain = fc.stringMatching(/^[^"\\\n]{0,6}$/);
  const labelValue = fc.array(fc.oneof(plain, escape), { maxLength: 3 }).map((p) => p.join(""));
  const helpText = fc
    .array(fc.oneof(fc.stringMatching(/^[^\\\n]{0,6}$/), escape), { maxLength: 3 })
    .map((p) => p.join(""));
  const blanks = fc.constantFrom(" ", "  ", "\t", " \t");
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.constantFrom("NaN", "nan", "+Inf", "-Inf", "inf", "Infinity", "-infinity", "1e3", ".5", "5.", "+7", "0012"),
  );
  const labels = fc
    .tuple(
      fc.uniqueArray(fc.tuple(labelName, labelValue, blanks, fc.boolean()), { selector: ([n]) => n, maxLength: 3 }),
      fc.boolean(),
      fc.constantFrom("", "{}"),
    )
    .map(([ls, trailingComma, empty]) => {
      if (ls.length === 0) return empty;
      const body = ls.map(([n, v, b, spaced]) => (spaced ? `${n}${b}=${b}"${v}"` : `${n}="${v}"`)).join(",");
      return `{${body}${trailingComma ? "," : ""}}`;
    });
  const sampleLine = fc
    .tuple(
      fc.constantFrom("", " ", "\t"),
      name,
      fc.constantFrom("", " "),
      labels,
      blanks,
      value,
      fc.option(fc.nat().map(String), { nil: undefined }),
      fc.constantFrom("", " "),
    )
    .map(
      ([lead, n, gap, l, b, v, ts, trail]) =>
        `${lead}${n}${l ? gap : ""}${l}${b}${v}${ts === undefined ? "" : ` ${ts}`}${trail}`,
    );
  const metaLine = fc.oneof(
    fc.tuple(name, helpText).map(([n, h]) => `# HELP ${n} ${h}`),
    fc
      .tuple(name, fc.constantFrom("counter", "gauge", "histogram", "summary", "untyped"))
      .map(([n, t]) => `# TYPE ${n} ${t}`),
    fc.constantFrom("# just a comment", "#no space comment", "", "   ", "# HELPER not metadata"),
  );
  const exposition = fc.array(fc.oneof({ weight: 3, arbitrary: sampleLine }, { weight: 2, arbitrary: metaLine }), {
    minLength: 1,
    maxLength: 25,
  });

  it(
    "property: 0.0.4 mode never rejects or marks partial what Prometheus's grammar accepts",
    () => {
      fc.assert(
        fc.property(exposition, (lines) => {
          const text = `${lines.join("\n")}\n`;
          const result = parsePrometheusText(text, { format: "prometheus" });
          if (!result.ok) throw new Error(`rejected: ${result.error.message}\n${text}`);
          if (result.issues) throw new Error(`partial: ${result.issues[0]?.message}\n${text}`);
          // Every sample line is kept (none dropped silently).
          const samples = result.families.reduce((n, f) => n + f.samples.length, 0);
          const expected = lines.filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#")).length;
          if (samples !== expected) throw new Error(`${samples} samples for ${expected} lines\n${text}`);
        }),
        { numRuns },
      );
    },
    timeout,
  );

  it(
    "property: one odd line among good ones leaves every other family in place",
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: 12 }),
          fc.nat(),
          fc.constantFrom("one", "1 2 3", '{x="1"', "=1"),
          (families, pick, junk) => {
            const bad = pick % families;
            const lines: string[] = [];
            for (let i = 0; i < families; i++)
              lines.push(`# TYPE fam${i} gauge`, `fam${i}{k="a"} ${i}`, `fam${i}{k="b"} ${i}`);
            lines.splice(bad * 3 + 2, 0, `fam${bad}{k="c"} ${junk}`);
            const result = parsePrometheusText(`${lines.join("\n")}\n`, { format: "prometheus" });
            expect(result.ok).toBe(true);
            if (!result.ok) return;
            expect(result.families.map((f) => f.name)).toEqual(
              Array.from({ length: families }, (_, i) => `fam${i}`).filter((n) => n !== `fam${bad}`),
            );
            expect(result.issues?.map((i) => [i.line, i.family])).toEqual([[bad * 3 + 3, `fam${bad}`]]);
          },
        ),
        { numRuns },
      );
    },
    timeout,
  );
});

describe("OpenMetrics mode: semantic rules", () => {
  const labels = fc
    .uniqueArray(fc.tuple(fc.stringMatching(/^[a-k][a-z]{0,3}$/), fc.stringMatching(/^[a-z0-9]{0,4}$/)), {
      selector: ([n]) => n,
      maxLength: 2,
    })
    .map((ls) => ls.map(([n, v]) => `${n}="${v}"`));
  const set = (ls: string[], ...extra: string[]) => {
    const all = [...ls, ...extra];
    return all.length ? `{${all.join(",")}}` : "";
  };
  const negative = fc.oneof(
    fc.double({ max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }).map(String),
    fc.constant("NaN"),
    fc.constant("-Inf"),
  );
  const bounds = fc
    .uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 4 })
    .map((b) => b.sort((x, y) => x - y));
  const hist = (ls: string[], les: string[], counts: number[], count?: number) => [
    "# TYPE h histogram",
    ...les.map((le, i) => `h_bucket${set(ls, `le="${le}"`)} ${counts[i]}`),
    ...(count === undefined ? [] : [`h_count${set(ls)} ${count}`]),
  ];

  // One generator per rule: a small exposition that breaks exactly that rule.
  const violations: Record<SemanticRule, fc.Arbitrary<string[]>> = {
    "counter-total": fc.tuple(labels, negative).map(([ls, v]) => ["# TYPE c counter", `c_total${set(ls)} ${v}`]),
    "histogram-value": fc
      .tuple(labels, negative)
      .map(([ls, v]) => ["# TYPE h histogram", `h_bucket${set(ls, 'le="+Inf"')} 1`, `h_sum${set(ls)} ${v}`]),
    "histogram-integer": fc
      .tuple(
        labels,
        fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
      )
      .map(([ls, v]) => ["# TYPE h histogram", `h_bucket${set(ls, 'le="+Inf"')} ${v}`]),
    "gaugehistogram-gsum": fc
      .tuple(labels, fc.constantFrom("NaN", "-1", "-0.5"))
      .map(([ls, v]) => [
        "# TYPE g gaugehistogram",
        `g_bucket${set(ls, 'le="+Inf"')} 1`,
        `g_gcount${set(ls)} 1`,
        `g_gsum${set(ls)} ${v}`,
      ]),
    "histogram-le-missing": labels.map((ls) => ["# TYPE h histogram", `h_bucket${set(ls)} 1`]),
    "histogram-le-number": fc
      .tuple(labels, fc.constantFrom("NaN", "inf", "Inf", "+inf", "fast", ""))
      .map(([ls, le]) => ["# TYPE h histogram", `h_bucket${set(ls, `le="${le}"`)} 1`]),
    "histogram-le-order": fc
      .tuple(labels, bounds)
      .map(([ls, b]) => hist(ls, [...b.map(String).reverse(), "+Inf"], [1, 1, 1, 1, 1])),
    "histogram-cumulative": fc
      .tuple(labels, bounds)
      .map(([ls, b]) => hist(ls, [...b.map(String), "+Inf"], [5, 3, 9, 9, 9].slice(0, b.length).concat([9]))),
    "histogram-inf-bucket": fc.tuple(labels, bounds).map(([ls, b]) => hist(ls, b.map(String), [1, 2, 3, 4])),
    "histogram-count": fc
      .tuple(labels, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 5 }))
      .map(([ls, n, d]) => hist(ls, ["1", "+Inf"], [n, n], n + d)),
    "histogram-le-label": labels.map((ls) => [
      "# TYPE h histogram",
      `h_bucket${set(ls, 'le="+Inf"')} 1`,
      `h_count${set(ls, 'le="+Inf"')} 1`,
    ]),
    "summary-quantile-missing": labels.map((ls) => ["# TYPE s summary", `s${set(ls)} 1`]),
    "summary-quantile-range": fc
      .tuple(labels, fc.constantFrom("1.5", "-0.1", "NaN", "p99", "+Inf"))
      .map(([ls, q]) => ["# TYPE s summary", `s${set(ls, `quantile="${q}"`)} 1`]),
    "summary-value": fc.tuple(labels, negative).map(([ls, v]) => ["# TYPE s summary", `s_count${set(ls)} ${v}`]),
    "stateset-value": fc
      .tuple(labels, fc.constantFrom("2", "0.5", "-1", "NaN"))
      .map(([ls, v]) => ["# TYPE st stateset", `st${set(ls, 'st="on"')} ${v}`]),
    "stateset-label": labels.map((ls) => ["# TYPE st stateset", `st${set(ls)} 1`]),
    "info-value": fc
      .tuple(labels, fc.constantFrom("0", "2", "1.5", "NaN"))
      .map(([ls, v]) => ["# TYPE i info", `i_info${set(ls)} ${v}`]),
    "metric-together": fc
      .tuple(labels, labels)
      .filter(([a, b]) => set(a) !== set(b))
      .map(([a, b]) => ["# TYPE g gauge", `g${set(a)} 1 1`, `g${set(b)} 1 1`, `g${set(a)} 2 2`]),
    "timestamp-order": fc
      .tuple(labels, fc.integer({ min: 2, max: 1e9 }))
      .map(([ls, t]) => ["# TYPE g gauge", `g${set(ls)} 1 ${t}`, `g${set(ls)} 2 ${t - 1}`]),
    "timestamp-mixed": fc
      .tuple(labels, fc.boolean())
      .map(([ls, first]) => [
        "# TYPE g gauge",
        `g${set(ls)} 1${first ? " 5" : ""}`,
        `g${set(ls)} 2${first ? "" : " 5"}`,
      ]),
  };

  for (const [rule, arb] of Object.entries(violations) as Array<[SemanticRule, fc.Arbitrary<string[]>]>) {
    it(
      `property: rejects a violation of ${rule} and names the rule`,
      () => {
        fc.assert(
          fc.property(arb, (lines) => {
            const text = `${lines.join("\n")}\n# EOF\n`;
            const result = parsePrometheusText(text);
            if (result.ok) throw new Error(`accepted:\n${text}`);
            if (result.error.rule !== rule)
              throw new Error(`rule ${result.error.rule}, expected ${rule}: ${result.error.message}\n${text}`);
            expect(result.error.message).toContain(`rule ${rule}: ${RULES[rule]}`);
          }),
          { numRuns },
        );
      },
      timeout,
    );
  }

  it("accepts the spec's own well-formed examples", () => {
    const text = [
      "# TYPE foo_seconds summary",
      "# UNIT foo_seconds seconds",
      'foo_seconds_count{a="bb"} 0 123',
      'foo_seconds_sum{a="bb"} 0 123',
      'foo_seconds_count{a="bb"} 0 456',
      'foo_seconds_sum{a="bb"} 0 456',
      'foo_seconds_count{a="ccc"} 0 123',
      'foo_seconds_sum{a="ccc"} 0 123',
      "# TYPE st stateset",
      'st{st="a"} 0',
      'st{st="bb"} 1',
      "# TYPE h histogram",
      'h_bucket{le="0.0"} 0',
      'h_bucket{le="1e-05"} 0',
      'h_bucket{le="0.1"} 8',
      'h_bucket{le="+Inf"} 17',
      "h_count 17",
      "h_sum 324789.3",
      "# EOF",
    ].join("\n");
    expect(ok(parsePrometheusText(text)).map((f) => f.name)).toEqual(["foo_seconds", "st", "h"]);
  });
});
