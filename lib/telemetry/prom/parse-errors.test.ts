import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "./parse";
import type { ExpositionFormat, PromParseError } from "./types";

/** The error, or in 0.0.4 (lenient per line) the first issue of a partial result. */
function parseError(
  text: string,
  format: ExpositionFormat,
  opts: { maxLines?: number; maxLength?: number } = {},
): PromParseError {
  const result = parsePrometheusText(text, { format, ...opts });
  if (result.ok && result.issues?.length) return result.issues[0] as PromParseError;
  if (result.ok) throw new Error(`expected a parse error for ${JSON.stringify(text)}`);
  return result.error;
}

type Case = [
  description: string,
  format: ExpositionFormat,
  text: string,
  line: number,
  message: string,
  column?: number,
];

const OM = "openmetrics" as const;
const PROM = "prometheus" as const;

// Each case: where the error must be reported and what it must say.
const cases: Case[] = [
  // names
  ["metric name starting with a digit", PROM, "ok 1\n1abc 3\n", 2, 'invalid metric name "1abc"', 1],
  ["metric name with a dash", PROM, "foo-bar 1\n", 1, 'invalid character "-" in metric name "foo-bar"', 4],
  ["quoted (UTF-8) metric name", PROM, '{"my.metric"} 1\n', 1, 'has no metric name before "{"', 1],
  ["label name starting with a digit", PROM, 'a 1\n\nb{x="1",1abc="2"} 1\n', 3, 'invalid label name "1abc"', 9],
  ["label name with a dot", PROM, 'a{x.y="1"} 1\n', 1, 'invalid label name "x.y"', 3],
  ["reserved __ label name (OpenMetrics)", OM, 'a{__x="1"} 1\n# EOF\n', 1, 'label name "__x" is reserved'],
  ["duplicate label name", PROM, 'a{x="1",y="2",x="3"} 1\n', 1, 'duplicate label name "x"', 15],
  [
    "duplicate label name in an exemplar",
    OM,
    '# TYPE c counter\nc_total 1 # {t="1",t="2"} 1\n# EOF\n',
    2,
    'duplicate label name "t"',
  ],
  // label syntax
  [
    "label value without closing quote",
    PROM,
    'a{x="1} 1\n',
    1,
    'the value of label "x" is missing its closing double quote',
    5,
  ],
  ["unquoted label value", PROM, "a{x=1} 1\n", 1, 'expected a double-quoted value for label "x"'],
  ["label without =", PROM, 'a{x "1"} 1\n', 1, 'expected "=" after label name "x"'],
  ["label set not closed", PROM, 'a{x="1" 1\n', 1, 'expected "," or "}" after the value of label "x"'],
  ["label set cut off", PROM, 'a{x="1",\n', 1, 'is not closed with "}"'],
  ["two commas", PROM, 'a{x="1",,y="2"} 1\n', 1, 'expected a label name, found ","', 9],
  [
    "lone backslash at the end of a label value",
    PROM,
    'a{x="a\\',
    1,
    'the value of label "x" is missing its closing double quote',
  ],
  ["trailing comma in OpenMetrics labels", OM, 'a{x="1",} 1\n# EOF\n', 1, "trailing comma in label set"],
  [
    "space inside OpenMetrics labels",
    OM,
    'a{x="1", y="2"} 1\n# EOF\n',
    1,
    "whitespace is not allowed inside label sets in OpenMetrics",
  ],
  [
    "space around = in OpenMetrics labels",
    OM,
    'a{x ="1"} 1\n# EOF\n',
    1,
    "whitespace is not allowed inside label sets",
  ],
  [
    "space between name and labels in OpenMetrics",
    OM,
    'a {x="1"} 1\n# EOF\n',
    1,
    "does not allow a space between the metric name and its labels",
  ],
  // values and timestamps
  ["missing value", PROM, "a\n", 1, 'missing the value of "a"'],
  ["missing value after labels", PROM, 'a{x="1"}   \n', 1, 'missing the value of "a"'],
  ["no blank before the value", PROM, 'a{x="1"}1\n', 1, 'expected whitespace before the value of "a", found "1"'],
  ["value that is not a number", PROM, "a abc\n", 1, 'invalid value "abc"', 3],
  ["hex value", PROM, "a 0x1p3\n", 1, 'invalid value "0x1p3"'],
  ["value with digit separators", PROM, "a 1_000\n", 1, 'invalid value "1_000"'],
  ["signed NaN", PROM, "a -NaN\n", 1, 'invalid value "-NaN"'],
  ["value beyond float64", PROM, "a 1e999\n", 1, 'value "1e999" is out of range for a 64-bit float'],
  [
    "fractional 0.0.4 timestamp",
    PROM,
    "a 1 1.5\n",
    1,
    'invalid timestamp "1.5" (expected an integer number of milliseconds)',
    5,
  ],
  ["timestamp beyond int64", PROM, "a 1 9223372036854775808\n", 1, 'invalid timestamp "9223372036854775808"'],
  ["text after the timestamp", PROM, "a 1 2 3\n", 1, 'unexpected text after the timestamp: "3"', 7],
  ["exemplar in 0.0.4", PROM, 'a_bucket{le="1"} 1 # {t="x"} 1\n', 1, "exemplars", 20],
  ["OpenMetrics timestamp that is not a number", OM, "a 1 soon\n# EOF\n", 1, 'invalid timestamp "soon"'],
  ["OpenMetrics NaN timestamp", OM, "a 1 NaN\n# EOF\n", 1, 'invalid timestamp "NaN"'],
  ["OpenMetrics text after timestamp", OM, "a 1 2 3\n# EOF\n", 1, 'unexpected text after the timestamp: "3"'],
  // metadata
  ["duplicate UNIT", OM, "# UNIT a_s s\n# UNIT a_s s\n# EOF\n", 2, 'duplicate UNIT line for "a_s"'],
  ["unknown 0.0.4 type", PROM, "# TYPE a gaugehistogram\n", 1, 'unknown metric type "gaugehistogram" for "a"'],
  ["upper-case type", PROM, "# TYPE a COUNTER\n", 1, 'unknown metric type "COUNTER"'],
  ["untyped in OpenMetrics", OM, "# TYPE a untyped\n# EOF\n", 1, '"untyped" is "unknown" in OpenMetrics'],
  ["TYPE without a type", PROM, "# TYPE a\n", 1, 'TYPE line for "a" has no type'],
  ["TYPE with extra text", PROM, "# TYPE a gauge extra\n", 1, 'unexpected text after the type in TYPE line: "extra"'],
  ["HELP without a name", PROM, "# HELP\n", 1, "HELP line has no metric name"],
  ["HELP with an invalid name", PROM, "# HELP 9a text\n", 1, 'invalid metric name "9a"'],
  ["unescaped quote in OpenMetrics HELP", OM, '# HELP a say "hi"\n# EOF\n', 1, "unescaped double quote in HELP text"],
  [
    "OpenMetrics TYPE without space after the name",
    OM,
    "# TYPE a\n# EOF\n",
    1,
    "needs a space and a type after the name",
  ],
  [
    "OpenMetrics HELP without space after the name",
    OM,
    "# HELP a\n# EOF\n",
    1,
    "needs a space and help text after the name",
  ],
  ["OpenMetrics metadata without a name", OM, "# TYPE \n# EOF\n", 1, "# TYPE line has no metric name"],
  [
    "unit that is not the name's suffix",
    OM,
    "# TYPE foo counter\n# UNIT foo seconds\n# EOF\n",
    2,
    'unit "seconds" must be the suffix',
  ],
  ["unit with invalid characters", OM, "# UNIT a_b b-c\n# EOF\n", 1, 'invalid unit "b-c"'],
  ["unit on an info family", OM, "# TYPE a_x info\n# UNIT a_x x\n# EOF\n", 2, 'info family "a_x" must not have a unit'],
  [
    "info type after a unit",
    OM,
    "# UNIT a_x x\n# TYPE a_x stateset\n# EOF\n",
    2,
    'stateset family "a_x" must not have a unit',
  ],
  [
    "metadata after samples (OpenMetrics)",
    OM,
    "a 1\n# HELP a text\n# EOF\n",
    2,
    '# HELP for "a" must come before its samples (first sample on line 1)',
  ],
  [
    "metadata after the family was closed",
    OM,
    "# TYPE a gauge\n# TYPE b gauge\n# HELP a text\n# EOF\n",
    3,
    "OpenMetrics families must not be interleaved (the family began on line 1)",
  ],
  // family structure
  [
    "interleaved families in OpenMetrics",
    OM,
    "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n",
    5,
    'samples of "a" are interrupted by "b" (line 3); OpenMetrics families must not be interleaved',
  ],
  [
    "interleaved histogram suffix in OpenMetrics",
    OM,
    '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nx 1\nh_count 1\n# EOF\n',
    4,
    'samples of "h" are interrupted by "x"',
  ],
  [
    "bare sample for an OpenMetrics counter",
    OM,
    "# TYPE c counter\nc 1\n# EOF\n",
    2,
    'sample "c" does not fit the counter family "c" (its samples are named c_total, c_created)',
  ],
  [
    "exemplar on a gauge",
    OM,
    '# TYPE g gauge\ng 1 # {t="x"} 1\n# EOF\n',
    2,
    'exemplars are only allowed on counter "_total" and histogram "_bucket" samples, not on "g"',
  ],
  ["exemplar on a histogram _count", OM, '# TYPE h histogram\nh_count 1 # {t="x"} 1\n# EOF\n', 2, 'not on "h_count"'],
  [
    "exemplar labels over 128 characters",
    OM,
    `# TYPE c counter\nc_total 1 # {trace_id="${"x".repeat(121)}"} 1\n# EOF\n`,
    2,
    "exemplar labels are 129 characters long; the limit is 128",
  ],
  [
    "exemplar without labels",
    OM,
    "# TYPE c counter\nc_total 1 # 1\n# EOF\n",
    2,
    'an exemplar must look like "# {labels} value [timestamp]"',
  ],
  ["exemplar without value", OM, '# TYPE c counter\nc_total 1 # {t="x"}\n# EOF\n', 2, "missing the exemplar value"],
  [
    "exemplar with bad timestamp",
    OM,
    '# TYPE c counter\nc_total 1 # {t="x"} 1 later\n# EOF\n',
    2,
    'invalid timestamp "later"',
  ],
  [
    "exemplar with extra text",
    OM,
    '# TYPE c counter\nc_total 1 # {t="x"} 1 2 3\n# EOF\n',
    2,
    'unexpected text after the exemplar: "3"',
  ],
  [
    "families whose sample names clash",
    OM,
    "# TYPE foo counter\nfoo_total 1\n# TYPE foo_created gauge\nfoo_created 1\n# EOF\n",
    3,
    'family "foo_created" clashes with counter family "foo" (line 1): both can produce samples named "foo_created"',
  ],
  // OpenMetrics line rules
  ["missing # EOF", OM, "# TYPE a gauge\na 1\n", 3, 'OpenMetrics exposition does not end with "# EOF"'],
  ["missing # EOF, no final newline", OM, "a 1", 1, 'does not end with "# EOF"'],
  ["empty OpenMetrics exposition", OM, "", 1, 'does not end with "# EOF"'],
  ["text after # EOF", OM, "a 1\n# EOF\nb 1\n", 3, 'nothing may follow "# EOF" in OpenMetrics'],
  ["blank line after # EOF", OM, "a 1\n# EOF\n\n", 3, 'nothing may follow "# EOF"'],
  ["text on the # EOF line", OM, "a 1\n# EOF now\n", 2, 'unexpected text after "# EOF"'],
  ["blank line in OpenMetrics", OM, "a 1\n\nb 1\n# EOF\n", 2, "blank lines are not allowed in OpenMetrics"],
  ["comment in OpenMetrics", OM, "# hello\na 1\n# EOF\n", 1, "comments are not allowed in OpenMetrics"],
  [
    "hash without space in OpenMetrics",
    OM,
    "#TYPE a gauge\n# EOF\n",
    1,
    'lines starting with "#" must be "# TYPE", "# HELP", "# UNIT" or "# EOF"',
  ],
  ["leading whitespace in OpenMetrics", OM, " a 1\n# EOF\n", 1, "leading whitespace is not allowed in OpenMetrics"],
  ["trailing whitespace in OpenMetrics", OM, "a 1 \n# EOF\n", 1, "trailing whitespace is not allowed in OpenMetrics"],
  ["two spaces in OpenMetrics", OM, "a  1\n# EOF\n", 1, "OpenMetrics separates tokens with exactly one space"],
  ["tab in OpenMetrics", OM, "a\t1\n# EOF\n", 1, "tabs are not allowed in OpenMetrics"],
  // line endings, encoding and size
  ["byte order mark", PROM, "\uFEFFa 1\n", 1, "starts with a byte order mark (U+FEFF)", 1],
  ["CRLF line endings", PROM, "a 1\r\nb 2\r\n", 1, "line ends with a carriage return"],
  ["CRLF in OpenMetrics", OM, "a 1\n# EOF\r\n", 2, "line ends with a carriage return"],
  ["more lines than maxLines", PROM, "a 1\nb 2\nc 3\nd 4\n", 3, "the exposition has more than 2 lines"],
];

describe("parsePrometheusText: errors", () => {
  it.each(cases)("%s (%s)", (_description, format, text, line, message, column) => {
    const error = parseError(text, format, { maxLines: message.includes("more than 2 lines") ? 2 : undefined });
    expect(error.kind).toBe("parse");
    expect(error.line).toBe(line);
    expect(error.message.startsWith(`line ${line}: `)).toBe(true);
    expect(error.message).toContain(message);
    if (column !== undefined) expect(error.column).toBe(column);
  });

  it("quotes the exact example from the brief", () => {
    const text = `${"a 1\n".repeat(11)}b{1abc="x"} 1\n`;
    expect(parseError(text, PROM).message).toBe('line 12: invalid label name "1abc"');
  });

  it("stops at the size guard instead of reading an oversized exposition", () => {
    const error = parseError("a 1\n".repeat(10), PROM, { maxLength: 20 });
    expect(error).toEqual({
      kind: "parse",
      rule: "syntax",
      line: 1,
      message: "line 1: the exposition is 40 characters long; the limit is 20",
    });
  });

  it("reports maxLines at the first line past the limit, without reading further", () => {
    const text = `${"a 1\n".repeat(5)}bad-name 1\n`;
    expect(parseError(text, PROM, { maxLines: 5 }).message).toBe("line 6: the exposition has more than 5 lines");
    expect(parseError(text, PROM, { maxLines: 6 }).message).toContain("line 6: invalid character");
  });

  it("shortens very long offending text in messages", () => {
    const error = parseError(`a ${"9x".repeat(500)}\n`, PROM);
    expect(error.message.length).toBeLessThan(120);
  });
});
