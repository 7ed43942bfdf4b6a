// Parser for the Prometheus text exposition format 0.0.4 and the OpenMetrics 1.0 text format. One
// pass over the input, no regular expressions on the hot path, and it never throws: every problem
// names its 1-based line and the rule it broke ("syntax" for the grammar).
//
// Two modes:
//   0.0.4       lenient, like Prometheus 2.42's scraper: blanks and tabs separate tokens (also
//               inside `{…}`), trailing comma allowed, blank lines and `# comments` ignored,
//               integer millisecond timestamps; repeated HELP / TYPE lines (the first wins), a TYPE
//               line after its samples, unknown backslash escapes (kept as written) and `__` label
//               names are accepted; a family's samples may be scattered (they are grouped). A line
//               that still cannot be read is set aside: its family is left out, the rest is kept,
//               and the result carries `issues` (a *partial* read).
//   OpenMetrics strict: exactly one space between tokens, no blank lines or comments, float-second
//               timestamps, exemplars, UNIT, `# EOF` last, families must not be interleaved, and the
//               spec's semantic rules (RULES below); any violation refuses the exposition whole.

import { isRealNumberText, parseSampleValue, parseOmTimestampMs, parsePromTimestamp } from "./numbers";
import type {
  Exemplar,
  ExpositionFormat,
  MetricFamily,
  MetricSample,
  MetricType,
  ParseOptions,
  ParseResult,
  PromParseError,
  PromParseIssue,
} from "./types";

const DEFAULT_MAX_LINES = 200_000;
const DEFAULT_MAX_LENGTH = 32 * 1024 * 1024;
/** 0.0.4: past this many unreadable lines the exposition is not partial but broken. */
const MAX_PROBLEMS = 1000;
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

function say(what: string, name: string | undefined): string {
  return name === undefined ? what : `${what} ${quote(name)}`;
}

function ownerOf(sampleName: string | undefined): string {
  return sampleName === undefined ? "exemplar" : `sample ${quote(sampleName)}`;
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
    readonly rule: string = "syntax",
  ) {}
}

interface FamilyState {
  family: MetricFamily;
  /** The line of each sample in family.samples (OpenMetrics semantic checks report it). */
  lines: number[];
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
  /** 0.0.4: samples that do not fit the typed family of their exact name (Prometheus keeps them). */
  private readonly strays = new Map<string, FamilyState>();
  /** 0.0.4: families merged into another one after a late TYPE line. */
  private readonly merged = new Set<FamilyState>();
  /** 0.0.4: lines that could not be read, with the metric name they mention (if any). */
  readonly problems: Array<{ error: LineError; name?: string; text: string }> = [];
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
      if (this.om) {
        this.checkLineStart(start, end);
        sawEof = this.parseLine();
      } else {
        // 0.0.4 is lenient per line: a line that cannot be read is set aside with the metric
        // name it mentions, and that family is left out at the end (see result()).
        try {
          this.checkLineStart(start, end);
          this.parseLine();
        } catch (err) {
          if (!(err instanceof LineError) || this.problems.length >= MAX_PROBLEMS) throw err;
          this.problems.push({ error: err, name: this.nameOnLine(), text: this.lineText() });
        }
      }
      start = end + 1;
    }
    if (this.om) {
      if (!sawEof) {
        // Point at the line after the last one when the text ends with a newline.
        const line = n === 0 || text.charCodeAt(n - 1) === 10 ? this.line + 1 : this.line;
        throw new LineError(line, undefined, `OpenMetrics exposition does not end with "# EOF"`);
      }
      this.checkSampleNameClashes();
      this.checkSemantics();
    }
    return this.states.filter((s) => !this.merged.has(s)).map((s) => s.family);
  }

  private checkLineStart(start: number, end: number): void {
    if (start === 0 && this.text.charCodeAt(0) === 0xfeff) {
      this.fail(1, "the exposition starts with a byte order mark (U+FEFF), which is not allowed");
    }
    if (end > start && this.text.charCodeAt(end - 1) === CR) {
      this.fail(end - start, "line ends with a carriage return (\\r); lines must end with \\n only");
    }
  }

  /** The current line as written, shortened for messages and the sources screen. */
  lineText(): string {
    const t = this.text.slice(this.lineStart, Math.min(this.lineEnd, this.lineStart + 200));
    return this.lineEnd - this.lineStart > 200 ? `${t}...` : t;
  }

  /** The metric name a line mentions: a sample's name, or the name in a HELP / TYPE line. */
  private nameOnLine(): string | undefined {
    const line = this.text.slice(this.lineStart, this.lineEnd);
    const m = /^[ \t]*(?:#[ \t]+(?:HELP|TYPE)[ \t]+)?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!m || (line.trimStart().startsWith("#") && !/^[ \t]*#[ \t]+(?:HELP|TYPE)[ \t]/.test(line))) return undefined;
    return m[1];
  }

  /** The family a set-aside line belongs to, among the families read. */
  familyOf(name: string): string {
    const exact = this.byName.get(name);
    if (exact) return exact.family.name;
    for (const suffix of ALL_SUFFIXES) {
      if (name.length <= suffix.length || !name.endsWith(suffix)) continue;
      const st = this.byName.get(name.slice(0, -suffix.length));
      if (st && PROM_SUFFIXES[st.family.type].includes(suffix)) return st.family.name;
    }
    return name;
  }

  private fail(column: number | undefined, what: string, rule?: string): never {
    throw new LineError(this.line, column, what, rule);
  }

  /** Fail at an absolute text offset. */
  private failAt(pos: number, what: string, rule?: string): never {
    this.fail(pos - this.lineStart + 1, what, rule);
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
      if (i + 1 >= end) {
        if (this.om) this.failAt(i, "HELP text ends with a lone backslash");
        chunk = i; // 0.0.4: Prometheus keeps it as written
        break;
      }
      const d = text.charCodeAt(i + 1);
      if (d === BACKSLASH) out += "\\";
      else if (d === 110) out += "\n";
      else if (d === QUOTE && this.om) out += '"';
      // Any other escape (\" included in 0.0.4) is kept as written, as Prometheus does.
      else out += text.slice(i, i + 2);
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
      const type = value as MetricType;
      if (!this.om) {
        // Prometheus accepts a repeated TYPE line and a TYPE line after the samples; the first
        // TYPE line decides, and samples read before it are filed under the family now.
        if (st.typeLine !== undefined) return;
        if (st.family.samples.some((smp) => !this.suffixes[type].includes(smp.name.slice(name.length)))) return;
        this.adoptEarlierSamples(st, type);
        family.type = type;
        st.typeLine = this.line;
        return;
      }
      if (st.typeLine !== undefined) {
        this.failAt(nameStart, `duplicate TYPE line for ${quote(name)} (first on line ${st.typeLine})`);
      }
      if (st.firstSampleLine !== undefined) {
        this.failAt(
          nameStart,
          `TYPE line for ${quote(name)} comes after its samples (first on line ${st.firstSampleLine})`,
        );
      }
      if ((type === "info" || type === "stateset") && family.unit !== undefined) {
        this.failAt(nameStart, `${type} family ${quote(name)} must not have a unit`);
      }
      family.type = type;
      st.typeLine = this.line;
    } else if (kind === "HELP") {
      if (!this.om && st.helpLine !== undefined) return; // Prometheus accepts a repeated HELP line
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

  /** 0.0.4: a late `# TYPE foo histogram` takes in the untyped families foo_bucket, foo_sum … read before it. */
  private adoptEarlierSamples(st: FamilyState, type: MetricType): void {
    for (const suffix of PROM_SUFFIXES[type]) {
      if (suffix === "") continue;
      const earlier = this.byName.get(st.family.name + suffix);
      if (!earlier || earlier.typeLine !== undefined || earlier.helpLine !== undefined || this.merged.has(earlier))
        continue;
      for (let i = 0; i < earlier.family.samples.length; i++) {
        st.family.samples.push(earlier.family.samples[i] as MetricSample);
        st.lines.push(earlier.lines[i] as number);
      }
      if (st.firstSampleLine === undefined || (earlier.firstSampleLine ?? Infinity) < st.firstSampleLine)
        st.firstSampleLine = earlier.firstSampleLine;
      this.merged.add(earlier);
      this.byName.delete(earlier.family.name);
      if (this.current === earlier) this.current = st;
    }
  }

  private newFamily(name: string): FamilyState {
    const st: FamilyState = {
      family: { name, type: this.om ? "unknown" : "untyped", samples: [] },
      lines: [],
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
    if (this.cc(brace) === OPEN_BRACE) p = this.labelSet(brace, labels, name);
    else if (om && this.cc(p) === SPACE && this.cc(p + 1) === OPEN_BRACE) {
      this.failAt(p, "OpenMetrics does not allow a space between the metric name and its labels");
    }

    // value
    p = this.separator(p, "the value of", name);
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
          if (text.charCodeAt(p) !== HASH)
            this.failAt(p, `unexpected text after the timestamp: ${quote(this.word(p))}`);
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
    st.lines.push(this.line);
  }

  /**
   * Consumes the whitespace before a token: 0.0.4 wants at least one blank or tab, OpenMetrics
   * exactly one space. Returns the token's position.
   */
  private separator(p: number, what: string, name?: string): number {
    // The message is built only on failure (say(…)): this runs for every sample line.
    const e = this.lineEnd;
    if (p >= e) this.failAt(p, `missing ${say(what, name)}`);
    if (this.om) {
      const c = this.text.charCodeAt(p);
      if (c !== SPACE) {
        if (c === TAB) this.failAt(p, "tabs are not allowed in OpenMetrics; tokens are separated by one space");
        this.failAt(p, `expected a space before ${say(what, name)}, found ${quote(this.word(p))}`);
      }
      p++;
      if (p >= e) this.failAt(p, `missing ${say(what, name)} (trailing whitespace is not allowed in OpenMetrics)`);
      if (isBlank(this.text.charCodeAt(p))) {
        this.failAt(p, "OpenMetrics separates tokens with exactly one space");
      }
      return p;
    }
    const q = this.skipBlanks(p);
    if (q === p) this.failAt(p, `expected whitespace before ${say(what, name)}, found ${quote(this.word(p))}`);
    if (q >= e) this.failAt(q, `missing ${say(what, name)}`);
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
    p = this.labelSet(p, labels, undefined);
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
  /** `sampleName` names the owner in messages; undefined for an exemplar's labels. */
  private labelSet(p: number, labels: Record<string, string>, sampleName: string | undefined): number {
    const text = this.text;
    const e = this.lineEnd;
    const om = this.om;
    p++;
    if (!om) p = this.skipBlanks(p);
    if (this.cc(p) === CLOSE_BRACE) return p + 1;
    for (;;) {
      if (p >= e) this.failAt(p, `label set of ${ownerOf(sampleName)} is not closed with "}"`);
      const nameStart = p;
      const c = text.charCodeAt(p);
      if (om && isBlank(c)) this.failAt(p, "whitespace is not allowed inside label sets in OpenMetrics");
      if (!isLetterOrUnderscore(c)) {
        if (c === CLOSE_BRACE) this.failAt(p, `unexpected "}" after "," in label set of ${ownerOf(sampleName)}`);
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
      if (om && name.startsWith("__")) {
        this.failAt(nameStart, `label name ${quote(name)} is reserved (names starting with "__" are for internal use)`);
      }
      if (Object.hasOwn(labels, name)) {
        this.failAt(nameStart, `duplicate label name ${quote(name)} in label set of ${ownerOf(sampleName)}`);
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
        if (p >= e) this.failAt(p, `label set of ${ownerOf(sampleName)} is not closed with "}"`);
        if (om && isBlank(d)) this.failAt(p, "whitespace is not allowed inside label sets in OpenMetrics");
        this.failAt(p, `expected "," or "}" after the value of label ${quote(name)}`);
      }
      p++;
      if (!om) p = this.skipBlanks(p);
      if (this.cc(p) === CLOSE_BRACE) {
        if (om)
          this.failAt(p - 1, `trailing comma in label set of ${ownerOf(sampleName)} is not allowed in OpenMetrics`);
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
        else out += text.slice(p, p + 2); // unknown escapes are kept as written (both formats)
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
    if (exact && !this.om) {
      // Prometheus stores such a sample as its own series; keep it, outside the typed family.
      let stray = this.strays.get(name);
      if (!stray) {
        stray = { family: { name, type: "untyped", samples: [] }, lines: [], firstLine: this.line };
        this.states.push(stray);
        this.strays.set(name, stray);
      }
      return stray;
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
   * OpenMetrics semantic rules over the families read (the grammar alone lets these through).
   * Reports the violation on the earliest line, naming the rule.
   */
  private checkSemantics(): void {
    let worst: LineError | undefined;
    const report = (line: number, rule: SemanticRule, what: string) => {
      if (!worst || line < worst.line)
        worst = new LineError(line, undefined, `${what} (rule ${rule}: ${RULES[rule]})`, rule);
    };
    for (const st of this.states) checkFamily(st.family, st.lines, report);
    if (worst) throw worst;
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

// ---------------------------------------------------------------- OpenMetrics semantic rules

/** The OpenMetrics 1.0 semantic rules this parser enforces, in the spec's words (shortened). */
export const RULES = {
  "counter-total": "a counter's _total must not be NaN or negative",
  "histogram-value": "histogram bucket, _count and _sum values must not be NaN or negative",
  "histogram-integer": "histogram bucket and _count values must be integers",
  "gaugehistogram-gsum": "a gauge histogram's _gsum must not be NaN, and may be negative only with negative buckets",
  "histogram-le-missing": "every histogram bucket must have an le label",
  "histogram-le-number": "le must be a number other than NaN, with positive infinity written +Inf",
  "histogram-le-order": "buckets must be sorted in increasing order of le, each le once",
  "histogram-cumulative": "bucket values must be cumulative (never smaller than a lower bucket)",
  "histogram-inf-bucket": 'a histogram needs a bucket with le="+Inf"',
  "histogram-count": "_count must equal the +Inf bucket",
  "histogram-le-label": "only _bucket samples may carry an le label",
  "summary-quantile-missing": "a summary's quantile samples need a quantile label",
  "summary-quantile-range": "quantile labels must be numbers between 0 and 1 inclusive",
  "summary-value": "quantile values, _count and _sum must not be negative; _count and _sum not NaN",
  "stateset-value": "a stateset sample's value must be 0 or 1",
  "stateset-label": "each stateset sample needs a label named after its family",
  "info-value": "an info sample's value must be 1",
  "metric-together": "the samples of one label set must be kept together (metrics must not be interleaved)",
  "timestamp-order": "the timestamps of one series must not go backwards",
  "timestamp-mixed": "a series must not mix samples with and without timestamps",
} as const;
export type SemanticRule = keyof typeof RULES;

type Report = (line: number, rule: SemanticRule, what: string) => void;

function describe(labels: Record<string, string>): string {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}=${JSON.stringify(labels[k])}`);
  return parts.length ? `{${parts.join(",")}}` : "{}";
}

/** Labels that identify the Metric a sample belongs to (the MetricPoint's own labels removed). */
function metricKey(labels: Record<string, string>, drop: string | undefined): string {
  let key = "";
  for (const k of Object.keys(labels).sort()) if (k !== drop) key += `${k}\u0000${labels[k]}\u0001`;
  return key;
}

function leText(value: number): string {
  return value === Infinity ? "+Inf" : String(value);
}

function checkFamily(family: MetricFamily, lines: readonly number[], report: Report): void {
  const { type, name } = family;
  const hist = type === "histogram" || type === "gaugehistogram";
  const drop = hist ? "le" : type === "summary" ? "quantile" : type === "stateset" ? name : undefined;
  // Metrics kept together; per series timestamps.
  const seenMetrics = new Set<string>();
  let currentMetric: string | undefined;
  const seriesTs = new Map<string, { ts: number | undefined; line: number }>();
  // Histogram MetricPoints: metric key + timestamp → buckets in written order, count.
  interface Point {
    buckets: Array<{ le: number; count: number; line: number }>;
    count?: { value: number; line: number };
    sum?: { value: number; line: number };
    firstLine: number;
  }
  const points = new Map<string, Point>();
  let negativeBucket = false;

  for (let i = 0; i < family.samples.length; i++) {
    const s = family.samples[i] as MetricSample;
    const line = lines[i] as number;
    const suffix = s.name.slice(name.length);
    const key = metricKey(s.labels, drop);
    if (key !== currentMetric) {
      if (seenMetrics.has(key)) {
        report(
          line,
          "metric-together",
          `${s.name}${describe(s.labels)} comes back after other label sets of ${quote(name)}`,
        );
      }
      if (currentMetric !== undefined) seenMetrics.add(currentMetric);
      currentMetric = key;
    }
    const seriesId = `${s.name}\u0002${metricKey(s.labels, undefined)}`;
    const prev = seriesTs.get(seriesId);
    if (prev) {
      if ((prev.ts === undefined) !== (s.timestamp === undefined)) {
        report(
          line,
          "timestamp-mixed",
          `${s.name}${describe(s.labels)} has ${s.timestamp === undefined ? "no timestamp" : "a timestamp"} while line ${prev.line} ${prev.ts === undefined ? "has none" : "has one"}`,
        );
      } else if (prev.ts !== undefined && s.timestamp !== undefined && s.timestamp < prev.ts) {
        report(
          line,
          "timestamp-order",
          `${s.name}${describe(s.labels)} has a timestamp before the one on line ${prev.line}`,
        );
      }
    }
    seriesTs.set(seriesId, { ts: s.timestamp, line });

    const v = s.value;
    const bad = Number.isNaN(v) || v < 0;
    switch (type) {
      case "counter":
        if (suffix === "_total" && bad) report(line, "counter-total", `counter ${s.name} is ${v}`);
        break;
      case "histogram":
      case "gaugehistogram": {
        if (suffix !== "_bucket" && Object.hasOwn(s.labels, "le")) {
          report(line, "histogram-le-label", `${s.name} has an le label`);
        }
        const pointKey = `${key}\u0003${s.timestamp ?? ""}`;
        let point = points.get(pointKey);
        if (!point) points.set(pointKey, (point = { buckets: [], firstLine: line }));
        if (suffix === "_bucket") {
          if (bad) report(line, "histogram-value", `bucket ${s.name}${describe(s.labels)} is ${v}`);
          else if (!Number.isInteger(v) && Number.isFinite(v))
            report(line, "histogram-integer", `bucket ${s.name}${describe(s.labels)} is ${v}`);
          const le = Object.hasOwn(s.labels, "le") ? (s.labels.le as string) : undefined;
          if (le === undefined) {
            report(line, "histogram-le-missing", `bucket ${s.name}${describe(s.labels)} has no le label`);
            break;
          }
          const bound = parseSampleValue(le);
          const spelledInf = bound === Infinity && le !== "+Inf";
          if (bound === undefined || Number.isNaN(bound) || bound === -Infinity || spelledInf) {
            report(line, "histogram-le-number", `bucket ${s.name} has le=${JSON.stringify(le)}`);
            break;
          }
          if (bound < 0) negativeBucket = true;
          const last = point.buckets[point.buckets.length - 1];
          if (last && bound <= last.le) {
            report(
              line,
              "histogram-le-order",
              `bucket le=${JSON.stringify(le)} comes after le="${leText(last.le)}" (line ${last.line})`,
            );
          } else if (last && v < last.count) {
            report(
              line,
              "histogram-cumulative",
              `bucket le=${JSON.stringify(le)} is ${v}, less than ${last.count} in le="${leText(last.le)}" (line ${last.line})`,
            );
          }
          point.buckets.push({ le: bound, count: v, line });
        } else if (suffix === "_count" || suffix === "_gcount") {
          if (bad) report(line, "histogram-value", `${s.name}${describe(s.labels)} is ${v}`);
          else if (!Number.isInteger(v) && Number.isFinite(v))
            report(line, "histogram-integer", `${s.name}${describe(s.labels)} is ${v}`);
          point.count = { value: v, line };
        } else if (suffix === "_sum") {
          if (bad) report(line, "histogram-value", `${s.name}${describe(s.labels)} is ${v}`);
          point.sum = { value: v, line };
        } else if (suffix === "_gsum") {
          if (Number.isNaN(v)) report(line, "gaugehistogram-gsum", `${s.name}${describe(s.labels)} is NaN`);
          point.sum = { value: v, line };
        }
        break;
      }
      case "summary":
        if (suffix === "") {
          const q = Object.hasOwn(s.labels, "quantile") ? (s.labels.quantile as string) : undefined;
          if (q === undefined)
            report(line, "summary-quantile-missing", `${s.name}${describe(s.labels)} has no quantile label`);
          else {
            const qv = parseSampleValue(q);
            if (qv === undefined || Number.isNaN(qv) || qv < 0 || qv > 1)
              report(line, "summary-quantile-range", `${s.name} has quantile=${JSON.stringify(q)}`);
          }
          if (v < 0) report(line, "summary-value", `quantile value ${s.name}${describe(s.labels)} is ${v}`);
        } else if ((suffix === "_count" || suffix === "_sum") && bad) {
          report(line, "summary-value", `${s.name}${describe(s.labels)} is ${v}`);
        }
        break;
      case "stateset":
        if (v !== 0 && v !== 1) report(line, "stateset-value", `${s.name}${describe(s.labels)} is ${v}`);
        if (!Object.hasOwn(s.labels, name))
          report(line, "stateset-label", `${s.name}${describe(s.labels)} has no label ${quote(name)}`);
        break;
      case "info":
        if (v !== 1) report(line, "info-value", `${s.name}${describe(s.labels)} is ${v}`);
        break;
      default:
        break;
    }
  }
  if (!hist) return;
  for (const point of points.values()) {
    if (point.sum && type === "gaugehistogram" && point.sum.value < 0 && !negativeBucket) {
      report(point.sum.line, "gaugehistogram-gsum", `_gsum is ${point.sum.value} with no negative bucket`);
    }
    if (point.buckets.length === 0) continue; // a lone _sum/_count with no buckets: reported nowhere else
    const top = point.buckets[point.buckets.length - 1] as { le: number; count: number; line: number };
    const inf = point.buckets.find((b) => b.le === Infinity);
    if (!inf)
      report(
        top.line,
        "histogram-inf-bucket",
        `histogram ${quote(name)} ends at le="${leText(top.le)}" with no +Inf bucket`,
      );
    else if (point.count && !Object.is(point.count.value, inf.count)) {
      report(
        point.count.line,
        "histogram-count",
        `${name}${type === "gaugehistogram" ? "_gcount" : "_count"} is ${point.count.value} but the +Inf bucket (line ${inf.line}) is ${inf.count}`,
      );
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

function toError(err: LineError, text?: string): PromParseError {
  const error: PromParseError = {
    kind: "parse",
    rule: err.rule,
    line: err.line,
    message: `line ${err.line}: ${err.what}`,
  };
  if (err.column !== undefined) error.column = err.column;
  if (text !== undefined) error.text = text;
  return error;
}

function failure(
  line: number,
  column: number | undefined,
  what: string,
  rule = "syntax",
): { ok: false; error: PromParseError } {
  return { ok: false, error: toError(new LineError(line, column, what, rule)) };
}

/** The line `line` of text (1-based), shortened like Parser.lineText. */
function lineOf(text: string, line: number): string | undefined {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf("\n", start);
    if (nl === -1) return undefined;
    start = nl + 1;
  }
  let end = text.indexOf("\n", start);
  if (end === -1) end = text.length;
  const t = text.slice(start, Math.min(end, start + 200));
  return end - start > 200 ? `${t}...` : t;
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
    const read = parser.run();
    if (parser.problems.length === 0) return { ok: true, families: read, format };
    // 0.0.4 with unreadable lines: leave out every family they name; partial if anything is left.
    const issues: PromParseIssue[] = parser.problems.map((p) => {
      const issue: PromParseIssue = toError(p.error, p.text);
      if (p.name !== undefined) issue.family = parser!.familyOf(p.name);
      return issue;
    });
    const dropped = new Set(issues.flatMap((i) => (i.family === undefined ? [] : [i.family])));
    const families = read.filter((f) => !dropped.has(f.name));
    if (families.length === 0) {
      const first = issues[0] as PromParseIssue;
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more unreadable lines; nothing could be read)` : "";
      return { ok: false, error: { ...first, message: first.message + more } };
    }
    return { ok: true, families, format, issues, droppedFamilies: [...dropped] };
  } catch (err) {
    if (err instanceof LineError) return { ok: false, error: toError(err, lineOf(text, err.line)) };
    // Not expected: the parser reports problems through LineError only. Kept so a bug here
    // greys one source instead of crashing the collector.
    const detail = err instanceof Error ? err.message : String(err);
    return failure(Math.max(1, parser?.line ?? 1), undefined, `internal parser error: ${detail}`);
  }
}
