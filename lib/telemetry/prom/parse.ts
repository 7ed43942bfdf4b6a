// Strict parser for the Prometheus text exposition format 0.0.4 and the OpenMetrics 1.0 text
// format. One pass over the input, no regular expressions on the hot path, and it never throws:
// every problem becomes { ok: false, error } naming the 1-based line.
//
// Where the two formats differ:
//   0.0.4       blanks and tabs separate tokens (also inside `{…}`), trailing comma allowed,
//               blank lines and `# comments` ignored, integer millisecond timestamps, HELP escapes
//               only `\\` and `\n`, a family's samples may be scattered (they are grouped).
//   OpenMetrics exactly one space between tokens, no blank lines or comments, float-second
//               timestamps, exemplars, UNIT, `# EOF` last, families must not be interleaved.

import {
  isRealNumberText,
  parseOmTimestampMs,
  parsePromTimestamp,
  parseSampleValue,
} from "./numbers";
import type {
  Exemplar,
  ExpositionFormat,
  MetricFamily,
  MetricType,
  ParseOptions,
  ParseResult,
  PromParseError,
} from "./types";

const DEFAULT_MAX_LINES = 200_000;
const DEFAULT_MAX_LENGTH = 32 * 1024 * 1024;
/** OpenMetrics 1.0: label names plus values of one exemplar, in code points. */
const EXEMPLAR_LABELS_MAX_CODE_POINTS = 128;

const PROM_TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const OM_TYPES: ReadonlySet<string> = new Set([
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "stateset",
  "info",
  "summary",
  "unknown",
]);

// Which sample-name suffixes belong to a family of each type ("" is the bare family name).
const PROM_SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
  // Not 0.0.4 types; a TYPE line can never set them in this format.
  unknown: [""],
  stateset: [""],
  info: [""],
  gaugehistogram: [""],
};
const OM_SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ["_total", "_created"],
  gauge: [""],
  unknown: [""],
  stateset: [""],
  info: ["_info"],
  histogram: ["_bucket", "_sum", "_count", "_created"],
  gaugehistogram: ["_bucket", "_gsum", "_gcount"],
  summary: ["", "_sum", "_count", "_created"],
  untyped: [""],
};
const ALL_SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info"];

// Character classes (charCodeAt past the end yields NaN, which matches none of them).
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const CR = 13;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}
function isLetterOrUnderscore(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isMetricNameStart(c: number): boolean {
  return isLetterOrUnderscore(c) || c === 58;
}
function isMetricNameChar(c: number): boolean {
  return isMetricNameStart(c) || isDigit(c);
}
function isLabelNameChar(c: number): boolean {
  return isLetterOrUnderscore(c) || isDigit(c);
}

/** Quote arbitrary input for an error message, shortened so one bad line cannot flood a log. */
function quote(s: string): string {
  const short = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return JSON.stringify(short);
}

class LineError {
  constructor(
    readonly line: number,
    readonly column: number | undefined,
    readonly what: string,
  ) {}
}

interface FamilyState {
  family: MetricFamily;
  firstLine: number;
  typeLine?: number;
  helpLine?: number;
  unitLine?: number;
  firstSampleLine?: number;
}

type MetaKind = "TYPE" | "HELP" | "UNIT";

class Parser {
  private readonly states: FamilyState[] = [];
  private readonly byName = new Map<string, FamilyState>();
  private current: FamilyState | undefined;
  line = 0;
  private lineStart = 0;
  private lineEnd = 0;
  private readonly suffixes: Readonly<Record<MetricType, readonly string[]>>;

  constructor(
    private readonly text: string,
    private readonly om: boolean,
    private readonly maxLines: number,
  ) {
    this.suffixes = om ? OM_SUFFIXES : PROM_SUFFIXES;
  }

  run(): MetricFamily[] {
    const text = this.text;
    const n = text.length;
    let start = 0;
    let sawEof = false;
    // A newline ends a line; the empty remainder after a final newline is not a line.
    while (start < n) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = n;
      this.line++;
      this.lineStart = start;
      this.lineEnd = end;
      if (this.line > this.maxLines) {
        this.fail(undefined, `the exposition has more than ${this.maxLines} lines`);
      }
      if (sawEof) this.fail(1, `nothing may follow "# EOF" in OpenMetrics`);
      if (start === 0 && text.charCodeAt(0) === 0xfeff) {
        this.fail(1, "the exposition starts with a byte order mark (U+FEFF), which is not allowed");
      }
      if (end > start && text.charCodeAt(end - 1) === CR) {
        this.fail(end - start, "line ends with a carriage return (\\r); lines must end with \\n only");
      }
      sawEof = this.parseLine();
      start = end + 1;
    }
    if (this.om) {
      if (!sawEof) {
        // Point at the line after the last one when the text ends with a newline.
        const line = n === 0 || text.charCodeAt(n - 1) === 10 ? this.line + 1 : this.line;
        throw new LineError(line, undefined, `OpenMetrics exposition does not end with "# EOF"`);
      }
      this.checkSampleNameClashes();
    }
    return this.states.map((s) => s.family);
  }

  private fail(column: number | undefined, what: string): never {
    throw new LineError(this.line, column, what);
  }

  /** Fail at an absolute text offset. */
  private failAt(pos: number, what: string): never {
    this.fail(pos - this.lineStart + 1, what);
  }

  private cc(pos: number): number {
    return pos < this.lineEnd ? this.text.charCodeAt(pos) : NaN;
  }

  private skipBlanks(pos: number): number {
    while (pos < this.lineEnd && isBlank(this.text.charCodeAt(pos))) pos++;
    return pos;
  }

  /** The run of characters at pos up to a blank (or any of `stops`), for messages. */
  private word(pos: number, stops = ""): string {
    let end = pos;
    while (end < this.lineEnd) {
      const ch = this.text[end] as string;
      if (ch === " " || ch === "\t" || stops.includes(ch)) break;
      end++;
    }
    return this.text.slice(pos, end);
  }

  /** Returns true when the line is OpenMetrics' `# EOF`. */
  private parseLine(): boolean {
    const s = this.lineStart;
    const e = this.lineEnd;
    if (this.om) {
      if (s === e) this.fail(1, "blank lines are not allowed in OpenMetrics");
      const c = this.text.charCodeAt(s);
      if (c === HASH) return this.omMetadata();
      if (isBlank(c)) this.fail(1, "leading whitespace is not allowed in OpenMetrics");
      this.sample(s);
      return false;
    }
    const p = this.skipBlanks(s);
    if (p === e) return false; // blank line
    if (this.text.charCodeAt(p) === HASH) this.promMetadata(p + 1);
    else this.sample(p);
    return false;
  }

  // ---------------------------------------------------------------- metadata lines

  private promMetadata(afterHash: number): void {
    const text = this.text;
    const e = this.lineEnd;
    let p = this.skipBlanks(afterHash);
    const kwStart = p;
    while (p < e && !isBlank(text.charCodeAt(p))) p++;
    const kw = text.slice(kwStart, p);
    if (kw !== "HELP" && kw !== "TYPE") return; // an ordinary comment
    p = this.skipBlanks(p);
    if (p === e) this.failAt(p, `${kw} line has no metric name`);
    const nameStart = p;
    p = this.metricName(p, `${kw} line`);
    if (p < e && !isBlank(text.charCodeAt(p))) {
      this.failAt(p, `invalid metric name ${quote(this.word(nameStart))} in ${kw} line`);
    }
    const name = text.slice(nameStart, p);
    p = this.skipBlanks(p);
    if (kw === "HELP") {
      let end = e;
      while (end > p && isBlank(text.charCodeAt(end - 1))) end--;
      this.metadata("HELP", name, this.helpText(p, end), nameStart);
      return;
    }
    if (p === e) this.failAt(p, `TYPE line for ${quote(name)} has no type`);
    const typeStart = p;
    while (p < e && !isBlank(text.charCodeAt(p))) p++;
    const type = text.slice(typeStart, p);
    const rest = this.skipBlanks(p);
    if (rest < e) this.failAt(rest, `unexpected text after the type in TYPE line: ${quote(this.word(rest))}`);
    if (!PROM_TYPES.has(type)) {
      this.failAt(
        typeStart,
        `unknown metric type ${quote(type)} for ${quote(name)} (expected counter, gauge, histogram, summary or untyped)`,
      );
    }
    this.metadata("TYPE", name, type, nameStart);
  }

  private omMetadata(): boolean {
    const text = this.text;
    const s = this.lineStart;
    const e = this.lineEnd;
    const onlyMeta = `lines starting with "#" must be "# TYPE", "# HELP", "# UNIT" or "# EOF" in OpenMetrics`;
    if (this.cc(s + 1) !== SPACE) this.fail(1, onlyMeta);
    let p = s + 2;
    const kwStart = p;
    while (p < e && text.charCodeAt(p) !== SPACE) p++;
    const kw = text.slice(kwStart, p);
    if (kw === "EOF") {
      if (p !== e) this.failAt(p, `unexpected text after "# EOF"`);
      return true;
    }
    if (kw !== "TYPE" && kw !== "HELP" && kw !== "UNIT") {
      this.fail(1, `comments are not allowed in OpenMetrics; ${onlyMeta}`);
    }
    if (p === e || p + 1 === e) {
      this.failAt(p, `# ${kw} line has no metric name`);
    }
    p++;
    const nameStart = p;
    p = this.metricName(p, `# ${kw} line`);
    const name = text.slice(nameStart, p);
    if (p < e && text.charCodeAt(p) !== SPACE) {
      this.failAt(p, `invalid metric name ${quote(this.word(nameStart))} in # ${kw} line`);
    }
    if (p === e) {
      const what = kw === "TYPE" ? "a type" : kw === "HELP" ? "help text" : "a unit";
      this.failAt(p, `# ${kw} line for ${quote(name)} needs a space and ${what} after the name`);
    }
    p++;
    if (kw === "TYPE") {
      const type = text.slice(p, e);
      if (!OM_TYPES.has(type)) {
        const hint = type === "untyped" ? ` ("untyped" is "unknown" in OpenMetrics)` : "";
        this.failAt(
          p,
          `unknown metric type ${quote(type)} for ${quote(name)}${hint} (expected counter, gauge, histogram, gaugehistogram, stateset, info, summary or unknown)`,
        );
      }
      this.metadata("TYPE", name, type, nameStart);
    } else if (kw === "HELP") {
      this.metadata("HELP", name, this.helpText(p, e), nameStart);
    } else {
      for (let i = p; i < e; i++) {
        if (!isMetricNameChar(text.charCodeAt(i))) {
          this.failAt(i, `invalid unit ${quote(text.slice(p, e))} (only letters, digits, "_" and ":" are allowed)`);
        }
      }
      this.metadata("UNIT", name, text.slice(p, e), nameStart);
    }
    return false;
  }

  /** Unescapes HELP text in [p, end). */
  private helpText(p: number, end: number): string {
    const text = this.text;
    let out = "";
    let chunk = p;
    for (let i = p; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE && this.om) {
        this.failAt(i, `unescaped double quote in HELP text (write \\" in OpenMetrics)`);
      }
      if (c !== BACKSLASH) continue;
      out += text.slice(chunk, i);
      if (i + 1 >= end) this.failAt(i, "HELP text ends with a lone backslash");
      const d = text.charCodeAt(i + 1);
      if (d === BACKSLASH) out += "\\";
      else if (d === 110) out += "\n";
      else if (d === QUOTE && this.om) out += '"';
      else if (this.om) out += text.slice(i, i + 2); // OpenMetrics keeps unknown escapes as written
      else {
        this.failAt(i, `invalid escape sequence ${quote(text.slice(i, i + 2))} in HELP text (only \\\\ and \\n are allowed)`);
      }
      i++;
      chunk = i + 1;
    }
    return out + text.slice(chunk, end);
  }

  private metadata(kind: MetaKind, name: string, value: string, nameStart: number): void {
    let st = this.byName.get(name);
    if (this.om && st) {
      if (st !== this.current) {
        this.failAt(
          nameStart,
          `# ${kind} for ${quote(name)} comes after other families started; OpenMetrics families must not be interleaved (the family began on line ${st.firstLine})`,
        );
      }
      if (st.firstSampleLine !== undefined) {
        this.failAt(
          nameStart,
          `# ${kind} for ${quote(name)} must come before its samples (first sample on line ${st.firstSampleLine})`,
        );
      }
    }
    if (!st) st = this.newFamily(name);
    this.current = st;
    const family = st.family;
    if (kind === "TYPE") {
      if (st.typeLine !== undefined) {
        this.failAt(nameStart, `duplicate TYPE line for ${quote(name)} (first on line ${st.typeLine})`);
      }
      if (st.firstSampleLine !== undefined) {
        this.failAt(nameStart, `TYPE line for ${quote(name)} comes after its samples (first on line ${st.firstSampleLine})`);
      }
      const type = value as MetricType;
      if (!this.om) {
        // A sample like foo_bucket seen before `# TYPE foo histogram` was filed as its own family.
        for (const suffix of this.suffixes[type]) {
          if (suffix === "") continue;
          const earlier = this.byName.get(name + suffix);
          if (earlier && earlier.typeLine === undefined && earlier.firstSampleLine !== undefined) {
            this.failAt(
              nameStart,
              `TYPE line for ${quote(name)} comes after its sample ${quote(name + suffix)} (line ${earlier.firstSampleLine})`,
            );
          }
        }
      }
      if ((type === "info" || type === "stateset") && family.unit !== undefined) {
        this.failAt(nameStart, `${type} family ${quote(name)} must not have a unit`);
      }
      family.type = type;
      st.typeLine = this.line;
    } else if (kind === "HELP") {
      if (st.helpLine !== undefined) {
        this.failAt(nameStart, `duplicate HELP line for ${quote(name)} (first on line ${st.helpLine})`);
      }
      st.helpLine = this.line;
      // OpenMetrics: an empty HELP is the same as no HELP.
      if (!(this.om && value === "")) family.help = value;
    } else {
      if (st.unitLine !== undefined) {
        this.failAt(nameStart, `duplicate UNIT line for ${quote(name)} (first on line ${st.unitLine})`);
      }
      st.unitLine = this.line;
      if (value !== "") {
        if (!name.endsWith(`_${value}`)) {
          this.failAt(
            nameStart,
            `unit ${quote(value)} must be the suffix of the family name (${quote(name)} should end with "_${value}")`,
          );
        }
        if (family.type === "info" || family.type === "stateset") {
          this.failAt(nameStart, `${family.type} family ${quote(name)} must not have a unit`);
        }
        family.unit = value;
      }
    }
  }

  private newFamily(name: string): FamilyState {
    const st: FamilyState = {
      family: { name, type: this.om ? "unknown" : "untyped", samples: [] },
      firstLine: this.line,
    };
    this.states.push(st);
    this.byName.set(name, st);
    return st;
  }

  // ---------------------------------------------------------------- sample lines

  /** Reads a metric name at pos; returns the position after it. */
  private metricName(pos: number, where: string): number {
    const text = this.text;
    if (!isMetricNameStart(this.cc(pos))) {
      if (this.cc(pos) === OPEN_BRACE) {
        this.failAt(pos, `${where} has no metric name before "{" (quoted metric names are not supported)`);
      }
      this.failAt(pos, `invalid metric name ${quote(this.word(pos, "{"))}`);
    }
    pos++;
    while (pos < this.lineEnd && isMetricNameChar(text.charCodeAt(pos))) pos++;
    return pos;
  }

  private sample(start: number): void {
    const text = this.text;
    const e = this.lineEnd;
    const om = this.om;
    let p = this.metricName(start, "sample");
    const name = text.slice(start, p);
    if (p < e) {
      const c = text.charCodeAt(p);
      if (!isBlank(c) && c !== OPEN_BRACE) {
        this.failAt(p, `invalid character ${quote(text[p] as string)} in metric name ${quote(this.word(start, "{"))}`);
      }
    }

    const labels: Record<string, string> = {};
    // 0.0.4 allows blanks between the name and "{"; OpenMetrics does not.
    const brace = om ? p : this.skipBlanks(p);
    if (this.cc(brace) === OPEN_BRACE) p = this.labelSet(brace, labels, `sample ${quote(name)}`);
    else if (om && this.cc(p) === SPACE && this.cc(p + 1) === OPEN_BRACE) {
      this.failAt(p, "OpenMetrics does not allow a space between the metric name and its labels");
    }

    // value
    p = this.separator(p, `the value of ${quote(name)}`);
    const valueStart = p;
    while (p < e && !isBlank(text.charCodeAt(p))) p++;
    const value = this.number(text.slice(valueStart, p), valueStart, "value");

    // timestamp and exemplar
    let timestamp: number | undefined;
    let exemplar: Exemplar | undefined;
    if (om) {
      if (p < e) {
        p = this.separator(p, "a timestamp or exemplar");
        if (text.charCodeAt(p) !== HASH) {
          const tsStart = p;
          while (p < e && !isBlank(text.charCodeAt(p))) p++;
          timestamp = this.omTimestamp(text.slice(tsStart, p), tsStart);
          if (p < e) p = this.separator(p, "an exemplar");
        }
        if (p < e) {
          if (text.charCodeAt(p) !== HASH) this.failAt(p, `unexpected text after the timestamp: ${quote(this.word(p))}`);
          exemplar = this.exemplar(p);
        }
      }
    } else {
      p = this.skipBlanks(p);
      if (p < e) {
        if (text.charCodeAt(p) === HASH) {
          this.failAt(p, `exemplars ("# {...}" after the value) are only allowed in OpenMetrics`);
        }
        const tsStart = p;
        while (p < e && !isBlank(text.charCodeAt(p))) p++;
        const token = text.slice(tsStart, p);
        const ts = parsePromTimestamp(token);
        if (ts === undefined) {
          this.failAt(tsStart, `invalid timestamp ${quote(token)} (expected an integer number of milliseconds)`);
        }
        timestamp = ts;
        p = this.skipBlanks(p);
        if (p < e) {
          if (text.charCodeAt(p) === HASH) {
            this.failAt(p, `exemplars ("# {...}" after the value) are only allowed in OpenMetrics`);
          }
          this.failAt(p, `unexpected text after the timestamp: ${quote(this.word(p))}`);
        }
      }
    }

    const st = this.familyFor(name, start);
    const family = st.family;
    if (exemplar) {
      const suffix = name.slice(family.name.length);
      const allowed =
        (family.type === "counter" && suffix === "_total") ||
        ((family.type === "histogram" || family.type === "gaugehistogram") && suffix === "_bucket");
      if (!allowed) {
        this.failAt(
          start,
          `exemplars are only allowed on counter "_total" and histogram "_bucket" samples, not on ${quote(name)} (${family.type} family ${quote(family.name)})`,
        );
      }
    }
    if (st.firstSampleLine === undefined) st.firstSampleLine = this.line;
    this.current = st;
    const sample: MetricFamily["samples"][number] = { name, labels, value };
    if (timestamp !== undefined) sample.timestamp = timestamp;
    if (exemplar) sample.exemplar = exemplar;
    family.samples.push(sample);
  }

  /**
   * Consumes the whitespace before a token: 0.0.4 wants at least one blank or tab, OpenMetrics
   * exactly one space. Returns the token's position.
   */
  private separator(p: number, what: string): number {
    const e = this.lineEnd;
    if (p >= e) this.failAt(p, `missing ${what}`);
    if (this.om) {
      const c = this.text.charCodeAt(p);
      if (c !== SPACE) {
        if (c === TAB) this.failAt(p, "tabs are not allowed in OpenMetrics; tokens are separated by one space");
        this.failAt(p, `expected a space before ${what}, found ${quote(this.word(p))}`);
      }
      p++;
      if (p >= e) this.failAt(p, `missing ${what} (trailing whitespace is not allowed in OpenMetrics)`);
      if (isBlank(this.text.charCodeAt(p))) {
        this.failAt(p, "OpenMetrics separates tokens with exactly one space");
      }
      return p;
    }
    const q = this.skipBlanks(p);
    if (q === p) this.failAt(p, `expected whitespace before ${what}, found ${quote(this.word(p))}`);
    if (q >= e) this.failAt(q, `missing ${what}`);
    return q;
  }

  private number(token: string, pos: number, what: string): number {
    const v = parseSampleValue(token);
    if (v === undefined) {
      if (isRealNumberText(token)) this.failAt(pos, `${what} ${quote(token)} is out of range for a 64-bit float`);
      this.failAt(pos, `invalid ${what} ${quote(token)}`);
    }
    return v;
  }

  private omTimestamp(token: string, pos: number): number {
    const ts = parseOmTimestampMs(token);
    if (ts === undefined) {
      this.failAt(pos, `invalid timestamp ${quote(token)} (expected seconds since the epoch as a finite number)`);
    }
    return ts;
  }

  private exemplar(p: number): Exemplar {
    // p is at "#": `# {labels} value [timestamp]`
    const text = this.text;
    const e = this.lineEnd;
    p++;
    if (this.cc(p) !== SPACE || this.cc(p + 1) !== OPEN_BRACE) {
      this.failAt(p, `an exemplar must look like "# {labels} value [timestamp]"`);
    }
    p++;
    const labels: Record<string, string> = {};
    p = this.labelSet(p, labels, "exemplar");
    let size = 0;
    for (const key in labels) {
      for (const _ of key) size++;
      for (const _ of labels[key] as string) size++;
    }
    if (size > EXEMPLAR_LABELS_MAX_CODE_POINTS) {
      this.failAt(p, `exemplar labels are ${size} characters long; the limit is ${EXEMPLAR_LABELS_MAX_CODE_POINTS}`);
    }
    p = this.separator(p, "the exemplar value");
    const valueStart = p;
    while (p < e && !isBlank(text.charCodeAt(p))) p++;
    const exemplar: Exemplar = { labels, value: this.number(text.slice(valueStart, p), valueStart, "exemplar value") };
    if (p < e) {
      p = this.separator(p, "the exemplar timestamp");
      const tsStart = p;
      while (p < e && !isBlank(text.charCodeAt(p))) p++;
      exemplar.timestamp = this.omTimestamp(text.slice(tsStart, p), tsStart);
      if (p < e) this.failAt(p, `unexpected text after the exemplar: ${quote(text.slice(p, e).trimStart())}`);
    }
    return exemplar;
  }

  /** Parses `{name="value",…}` at p (which is "{"); returns the position after "}". */
  private labelSet(p: number, labels: Record<string, string>, owner: string): number {
    const text = this.text;
    const e = this.lineEnd;
    const om = this.om;
    const unclosed = `label set of ${owner} is not closed with "}"`;
    p++;
    if (!om) p = this.skipBlanks(p);
    if (this.cc(p) === CLOSE_BRACE) return p + 1;
    for (;;) {
      if (p >= e) this.failAt(p, unclosed);
      const nameStart = p;
      const c = text.charCodeAt(p);
      if (om && isBlank(c)) this.failAt(p, "whitespace is not allowed inside label sets in OpenMetrics");
      if (!isLetterOrUnderscore(c)) {
        if (c === CLOSE_BRACE) this.failAt(p, `unexpected "}" after "," in label set of ${owner}`);
        const bad = this.word(p, '=,}"');
        if (bad === "") this.failAt(p, `expected a label name, found ${quote(text[p] as string)}`);
        this.failAt(p, `invalid label name ${quote(bad)}`);
      }
      p++;
      while (p < e && isLabelNameChar(text.charCodeAt(p))) p++;
      if (p < e && text.charCodeAt(p) !== EQUALS && !isBlank(text.charCodeAt(p))) {
        this.failAt(nameStart, `invalid label name ${quote(this.word(nameStart, '=,}"'))}`);
      }
      const name = text.slice(nameStart, p);
      if (name.startsWith("__")) {
        this.failAt(nameStart, `label name ${quote(name)} is reserved (names starting with "__" are for internal use)`);
      }
      if (Object.hasOwn(labels, name)) {
        this.failAt(nameStart, `duplicate label name ${quote(name)} in label set of ${owner}`);
      }
      if (!om) p = this.skipBlanks(p);
      if (this.cc(p) !== EQUALS) {
        if (om && isBlank(this.cc(p))) this.failAt(p, "whitespace is not allowed inside label sets in OpenMetrics");
        this.failAt(p, `expected "=" after label name ${quote(name)}`);
      }
      p++;
      if (!om) p = this.skipBlanks(p);
      if (this.cc(p) !== QUOTE) {
        if (om && isBlank(this.cc(p))) this.failAt(p, "whitespace is not allowed inside label sets in OpenMetrics");
        this.failAt(p, `expected a double-quoted value for label ${quote(name)}`);
      }
      p = this.labelValue(p + 1, labels, name);
      if (!om) p = this.skipBlanks(p);
      const d = this.cc(p);
      if (d === CLOSE_BRACE) return p + 1;
      if (d !== COMMA) {
        if (p >= e) this.failAt(p, unclosed);
        if (om && isBlank(d)) this.failAt(p, "whitespace is not allowed inside label sets in OpenMetrics");
        this.failAt(p, `expected "," or "}" after the value of label ${quote(name)}`);
      }
      p++;
      if (!om) p = this.skipBlanks(p);
      if (this.cc(p) === CLOSE_BRACE) {
        if (om) this.failAt(p - 1, `trailing comma in label set of ${owner} is not allowed in OpenMetrics`);
        return p + 1;
      }
    }
  }

  /** Reads an escaped label value starting after the opening quote; returns the position after the closing quote. */
  private labelValue(p: number, labels: Record<string, string>, name: string): number {
    const text = this.text;
    const e = this.lineEnd;
    const open = p - 1;
    let out = "";
    let chunk = p;
    while (p < e) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) {
        labels[name] = out + text.slice(chunk, p);
        return p + 1;
      }
      if (c === BACKSLASH) {
        out += text.slice(chunk, p);
        if (p + 1 >= e) break;
        const d = text.charCodeAt(p + 1);
        if (d === BACKSLASH) out += "\\";
        else if (d === QUOTE) out += '"';
        else if (d === 110) out += "\n";
        else if (this.om) out += text.slice(p, p + 2); // OpenMetrics keeps unknown escapes as written
        else {
          this.failAt(
            p,
            `invalid escape sequence ${quote(text.slice(p, p + 2))} in the value of label ${quote(name)} (only \\\\, \\" and \\n are allowed)`,
          );
        }
        p += 2;
        chunk = p;
        continue;
      }
      p++;
    }
    this.failAt(open, `the value of label ${quote(name)} is missing its closing double quote`);
  }

  /**
   * The family a sample line belongs to: the family being read if the name fits it, else a
   * family whose name plus one of its type's suffixes gives the sample name, else a new family
   * named after the sample (untyped / unknown).
   */
  private familyFor(name: string, start: number): FamilyState {
    const current = this.current;
    if (current && this.fits(current, name)) return current;
    const exact = this.byName.get(name);
    if (exact && this.suffixes[exact.family.type].includes("")) return this.contiguous(exact, start);
    for (const suffix of ALL_SUFFIXES) {
      if (name.length <= suffix.length || !name.endsWith(suffix)) continue;
      const st = this.byName.get(name.slice(0, -suffix.length));
      if (st && this.suffixes[st.family.type].includes(suffix)) return this.contiguous(st, start);
    }
    if (exact) {
      const expected = this.suffixes[exact.family.type].map((s) => name + s).join(", ");
      this.failAt(
        start,
        `sample ${quote(name)} does not fit the ${exact.family.type} family ${quote(name)} (its samples are named ${expected})`,
      );
    }
    return this.newFamily(name);
  }

  private fits(st: FamilyState, name: string): boolean {
    const base = st.family.name;
    return name.startsWith(base) && this.suffixes[st.family.type].includes(name.slice(base.length));
  }

  private contiguous(st: FamilyState, start: number): FamilyState {
    if (this.om && st !== this.current) {
      const other = this.current ? ` by ${quote(this.current.family.name)} (line ${this.current.firstLine})` : "";
      this.failAt(
        start,
        `samples of ${quote(st.family.name)} are interrupted${other}; OpenMetrics families must not be interleaved`,
      );
    }
    return st;
  }

  /**
   * OpenMetrics: two families must not be able to produce the same sample name (a gauge
   * `foo_created` next to a counter `foo`, an unknown `foo_total` next to a counter `foo`).
   */
  private checkSampleNameClashes(): void {
    const owner = new Map<string, FamilyState>();
    for (const st of this.states) {
      for (const suffix of OM_SUFFIXES[st.family.type]) {
        const sampleName = st.family.name + suffix;
        const other = owner.get(sampleName);
        if (other && other !== st) {
          throw new LineError(
            st.firstLine,
            undefined,
            `family ${quote(st.family.name)} clashes with ${other.family.type} family ${quote(other.family.name)} (line ${other.firstLine}): both can produce samples named ${quote(sampleName)}`,
          );
        }
        owner.set(sampleName, st);
      }
    }
  }
}

/** Decides the format from an explicit option, the Content-Type, or a trailing `# EOF`. */
export function detectExpositionFormat(
  text: string,
  opts: Pick<ParseOptions, "format" | "contentType"> = {},
): ExpositionFormat {
  if (opts.format === "prometheus" || opts.format === "openmetrics") return opts.format;
  const mediaType = (opts.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/openmetrics-text") return "openmetrics";
  if (mediaType === "text/plain" && /(^|;)\s*version\s*=\s*"?0\.0\.4"?\s*(;|$)/i.test(opts.contentType ?? "")) {
    return "prometheus";
  }
  let end = text.length;
  while (end > 0 && " \t\r\n".includes(text[end - 1] as string)) end--;
  const eofStart = end - 5;
  if (eofStart >= 0 && text.startsWith("# EOF", eofStart) && (eofStart === 0 || text[eofStart - 1] === "\n")) {
    return "openmetrics";
  }
  return "prometheus";
}

function limit(value: number | undefined, fallback: number): number {
  return typeof value === "number" && value >= 0 ? Math.floor(value) : fallback;
}

function failure(line: number, column: number | undefined, what: string): { ok: false; error: PromParseError } {
  const error: PromParseError = { kind: "parse", line, message: `line ${line}: ${what}` };
  if (column !== undefined) error.column = column;
  return { ok: false, error };
}

/**
 * Parses a Prometheus 0.0.4 or OpenMetrics 1.0 text exposition. Never throws: any problem is
 * returned as `{ ok: false, error }` with the 1-based line it was found on.
 */
export function parsePrometheusText(text: string, options?: ParseOptions): ParseResult {
  let parser: Parser | undefined;
  try {
    const opts = options ?? {};
    if (typeof text !== "string") return failure(1, undefined, "the exposition is not text");
    const maxLength = limit(opts.maxLength, DEFAULT_MAX_LENGTH);
    if (text.length > maxLength) {
      return failure(1, undefined, `the exposition is ${text.length} characters long; the limit is ${maxLength}`);
    }
    const format = detectExpositionFormat(text, opts);
    parser = new Parser(text, format === "openmetrics", limit(opts.maxLines, DEFAULT_MAX_LINES));
    return { ok: true, families: parser.run(), format };
  } catch (err) {
    if (err instanceof LineError) return failure(err.line, err.column, err.what);
    // Not expected: the parser reports problems through LineError only. Kept so a bug here
    // greys one source instead of crashing the collector.
    const detail = err instanceof Error ? err.message : String(err);
    return failure(Math.max(1, parser?.line ?? 1), undefined, `internal parser error: ${detail}`);
  }
}
