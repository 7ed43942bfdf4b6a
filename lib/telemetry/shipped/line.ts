import { createHash } from "node:crypto";
import type { Report } from "../model";
import { parseLogfmt } from "./logfmt";

// From one shipped log record to a report. A log shipper sends what the bot wrote — a plain text
// line, a structlog JSON line, a journald export record — plus maybe a timestamp and labels of its
// own; none of it is our report envelope. This module finds the futures-bot log pattern in the
// message (the futures-bot runbook's "Log Patterns" table), reads the fields that follow it
// (embedded JSON, key=value, or a named-group regex from the fleet config), takes the time from
// the record and derives a stable id, so a batch a shipper retries is stored once.
//
// Outcomes: a report; "unparsed" (no known pattern: counted and shown on the sources screen, not
// stored, not an error for the shipper); or "rejected" (a pattern with unreadable fields, no time,
// an oversized line: named in the answer). Pure and total: never throws, whatever the input.

export const MAX_LINE_BYTES = 64 * 1024;

export interface LogPattern {
  /** Text to find in the message, matched whole-word and case-sensitively. */
  match: string;
  /** The report kind it stands for. */
  kind: string;
}

/** The futures-bot runbook's log patterns (plus the clearing counterparts the bot also logs). */
export const DEFAULT_LOG_PATTERNS: readonly LogPattern[] = [
  "CYCLE_SUMMARY",
  "DECISION_TRACE",
  "KILL_SWITCH_ACTIVATED",
  "KILL_SWITCH_CLEARED",
  "INVARIANT_VIOLATION",
  "ORDER_REJECTED_BY_VENUE",
  "THRESHOLD_MISMATCH",
  "REGISTRY_AUDIT_REPORT",
  "RECONCILIATION_REPORT",
  "RECOVERY_MERGE_COLLISION",
  "CORRUPTED_POSITION",
  "API_CIRCUIT_BREAKER_OPENED",
  "API_CIRCUIT_BREAKER_CLOSED",
]
  .map((k): LogPattern => ({ match: k, kind: k }))
  .concat([
    { match: "API circuit breaker OPENED", kind: "API_CIRCUIT_BREAKER_OPENED" },
    { match: "API circuit breaker CLOSED", kind: "API_CIRCUIT_BREAKER_CLOSED" },
  ]);

export const LOG_FORMATS = ["auto", "text", "structlog", "journald", "regex"] as const;
export type LogFormatName = (typeof LOG_FORMATS)[number];

export interface LineFormat {
  /** `auto` tells the record's shape apart; the others insist on one. */
  format: LogFormatName;
  patterns: readonly LogPattern[];
  /** For `regex`: named groups become fields (numbers where they read as numbers). */
  fieldsRegex?: RegExp;
}

export const AUTO_FORMAT: LineFormat = { format: "auto", patterns: DEFAULT_LOG_PATTERNS };

/** One record as a receiver got it. */
export interface ShippedEntry {
  /** The message line, or a structured record (a JSON object: structlog, journald, a shipper's own fields). */
  record: unknown;
  /** The time the shipper attached (ms since the epoch), when its protocol carries one. */
  shipperTime?: number;
  /** Labels or metadata from the shipper (Loki stream labels, structured metadata). */
  labels?: Record<string, string>;
}

export type LineOutcome =
  | { status: "report"; report: Report }
  | { status: "unparsed"; line: string; reason: string }
  | { status: "rejected"; error: string };

// ------------------------------------------------------------------------------------------ time

const TIME_PREFIX =
  /^\[?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}:?\d{2}|UTC)?\]?/;
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

/** A `YYYY-MM-DD HH:MM:SS[,.]fff[zone]` prefix (Python logging's asctime, ISO 8601); naive times are UTC. */
export function timePrefix(line: string): { ms: number; length: number } | null {
  const m = TIME_PREFIX.exec(line);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 60
  )
    return null;
  if (zone && zone !== "Z" && zone !== "UTC") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  if (t < MIN_TIME || t > MAX_TIME) return null;
  return { ms: t, length: m[0].length };
}

/**
 * A time value from a structured record: epoch seconds, milliseconds, microseconds (journald's
 * __REALTIME_TIMESTAMP) or nanoseconds (Loki), as a number or a digit string, or an ISO string.
 */
export function timeValue(v: unknown): number | null {
  let n: number | null = null;
  if (typeof v === "number" && Number.isFinite(v)) n = v;
  else if (typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim())) {
    const digits = v.trim().split(".")[0]!;
    // Beyond 2^53 a Number loses digits: nanoseconds (19+ digits) and microseconds (16-18) are
    // cut to milliseconds as text first.
    if (digits.length >= 19) n = Number(digits.slice(0, -6));
    else if (digits.length >= 16) n = Number(digits.slice(0, -3));
    else n = Number(v);
    if (digits.length >= 16) return n >= MIN_TIME && n <= MAX_TIME ? n : null;
  } else if (typeof v === "string") {
    const p = timePrefix(v.trim());
    return p && p.length === v.trim().length ? p.ms : null;
  }
  if (n === null) return null;
  // Seconds, milliseconds, microseconds, nanoseconds: pick the scale that lands in range.
  for (const scale of [1000, 1, 1 / 1000, 1 / 1_000_000]) {
    const ms = n * scale;
    if (ms >= MIN_TIME && ms <= MAX_TIME) return Math.floor(ms);
  }
  return null;
}

// ------------------------------------------------------------------------------------------ patterns

const WORD = /[A-Za-z0-9_]/;

/** The earliest configured pattern in the line, whole-word. */
export function findPattern(
  line: string,
  patterns: readonly LogPattern[],
): { pattern: LogPattern; index: number } | null {
  let best: { pattern: LogPattern; index: number } | null = null;
  for (const p of patterns) {
    if (!p.match) continue;
    let from = 0;
    for (;;) {
      const i = line.indexOf(p.match, from);
      if (i < 0) break;
      const before = i > 0 ? line[i - 1]! : " ";
      const after = line[i + p.match.length] ?? " ";
      if (!WORD.test(before) && !WORD.test(after)) {
        if (!best || i < best.index || (i === best.index && p.match.length > best.pattern.match.length))
          best = { pattern: p, index: i };
        break;
      }
      from = i + 1;
    }
  }
  return best;
}

// ------------------------------------------------------------------------------------------ records

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// The level word between the time and the pattern (`INFO`, `- src.api - WARNING -`, `[ERROR]`).
const LEVEL = /(?:^|[^A-Za-z0-9_])(DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL)(?![A-Za-z0-9_])/;

interface Parsed {
  kind: string;
  fields: Record<string, unknown>;
  time?: number;
}

/** `line`: for unparsed records, the message text that was searched for a pattern. */
type Step = { ok: true; value: Parsed } | { ok: false; status: "unparsed" | "rejected"; reason: string; line?: string };

function coerceGroup(v: string): unknown {
  return /^-?\d+(\.\d+)?$/.test(v) && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** A plain text message line: time prefix, level, pattern, then the fields that follow it. */
function parseText(line: string, fmt: LineFormat): Step {
  const prefix = timePrefix(line);
  const found = findPattern(line, fmt.patterns);
  if (!found) return { ok: false, status: "unparsed", reason: "no known log pattern in the line", line };
  const level = LEVEL.exec(line.slice(prefix?.length ?? 0, found.index))?.[1];
  const rest = line.slice(found.index + found.pattern.match.length).replace(/^\s*[:|-]?\s*/, "");
  let fields: Record<string, unknown>;
  if (fmt.format === "regex" && fmt.fieldsRegex) {
    const m = fmt.fieldsRegex.exec(rest);
    if (!m)
      return {
        ok: false,
        status: "rejected",
        reason: `${found.pattern.kind}: the fields do not match the configured fieldsRegex`,
      };
    fields = Object.fromEntries(
      Object.entries(m.groups ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, coerceGroup(v!)]),
    );
  } else if (rest.startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(rest);
    } catch (e) {
      return {
        ok: false,
        status: "rejected",
        reason: `${found.pattern.kind}: the embedded JSON is not valid (${(e as Error).message})`,
      };
    }
    if (!isObject(value))
      return { ok: false, status: "rejected", reason: `${found.pattern.kind}: the embedded JSON is not an object` };
    fields = value;
  } else {
    const kv = parseLogfmt(rest);
    if (!kv.ok) return { ok: false, status: "rejected", reason: `${found.pattern.kind}: ${kv.error}` };
    fields = kv.fields;
    if (kv.text) fields = { ...fields, message: kv.text };
  }
  if (level && fields.level === undefined) fields = { ...fields, level: level.toLowerCase() };
  return { ok: true, value: { kind: found.pattern.kind, fields, ...(prefix ? { time: prefix.ms } : {}) } };
}

const TIME_KEYS = ["timestamp", "@timestamp", "time", "ts", "date", "asctime"];
const MESSAGE_KEYS = ["message", "msg", "log", "MESSAGE", "line"];

function isJournald(o: Record<string, unknown>): boolean {
  return (
    "MESSAGE" in o &&
    ("__REALTIME_TIMESTAMP" in o || "_SYSTEMD_UNIT" in o || "SYSLOG_IDENTIFIER" in o || "__CURSOR" in o)
  );
}

/** journald exports a non-UTF-8 or binary MESSAGE as an array of byte values. */
function journalText(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255))
    return Buffer.from(v as number[]).toString("utf8");
  return null;
}

/** The record's time from the first of `keys` it has; `key` says which one was used. */
function recordTime(o: Record<string, unknown>, keys: readonly string[]): { ms?: number; key?: string; bad?: string } {
  for (const k of keys) {
    if (o[k] === undefined || o[k] === null) continue;
    const ms = timeValue(o[k]);
    if (ms === null) return { bad: `${k} ${JSON.stringify(o[k]).slice(0, 60)} is not a timestamp` };
    return { ms, key: k };
  }
  return {};
}

function withoutKeys(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** A structured record: journald export, structlog event, or a shipper's JSON with a message field. */
function parseStructured(o: Record<string, unknown>, fmt: LineFormat, depth: number): Step & { line?: string } {
  if ((fmt.format === "journald" || fmt.format === "auto") && isJournald(o)) {
    const message = journalText(o.MESSAGE);
    if (message === null) return { ok: false, status: "rejected", reason: "MESSAGE is neither text nor a byte array" };
    // Shippers that read the journal themselves (Fluent Bit's systemd input) add their own time key.
    const t = recordTime(o, ["__REALTIME_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP", ...TIME_KEYS]);
    if (t.bad) return { ok: false, status: "rejected", reason: t.bad };
    const inner = parseMessage(message, fmt, depth + 1);
    if (!inner.ok) return inner;
    const meta: Record<string, unknown> = {};
    if (typeof o._SYSTEMD_UNIT === "string") meta.systemd_unit = o._SYSTEMD_UNIT;
    if (typeof o.SYSLOG_IDENTIFIER === "string") meta.syslog_identifier = o.SYSLOG_IDENTIFIER;
    if (typeof o._HOSTNAME === "string") meta.hostname = o._HOSTNAME;
    const time = inner.value.time ?? t.ms;
    return {
      ok: true,
      value: {
        kind: inner.value.kind,
        fields: { ...meta, ...inner.value.fields },
        ...(time !== undefined ? { time } : {}),
      },
    };
  }
  if ((fmt.format === "structlog" || fmt.format === "auto") && typeof o.event === "string") {
    const found = findPattern(o.event, fmt.patterns);
    if (!found) return { ok: false, status: "unparsed", reason: "the event names no known log pattern", line: o.event };
    const t = recordTime(o, TIME_KEYS);
    if (t.bad) return { ok: false, status: "rejected", reason: t.bad };
    // Only the key the time came from leaves the fields: a bot's own "ts" or "date" field stays.
    const fields = withoutKeys(o, t.key ? ["event", t.key] : ["event"]);
    const rest = o.event.slice(found.index + found.pattern.match.length).trim();
    if (rest) fields.message = fields.message ?? rest;
    return { ok: true, value: { kind: found.pattern.kind, fields, ...(t.ms !== undefined ? { time: t.ms } : {}) } };
  }
  if (fmt.format === "structlog")
    return { ok: false, status: "unparsed", reason: "not a structlog record (no event field)" };
  if (fmt.format === "journald")
    return { ok: false, status: "unparsed", reason: "not a journald record (no MESSAGE and __REALTIME_TIMESTAMP)" };
  const key = MESSAGE_KEYS.find((k) => typeof o[k] === "string");
  if (!key)
    return {
      ok: false,
      status: "rejected",
      reason: `record has no message field (one of ${[...MESSAGE_KEYS, "event"].join(", ")})`,
    };
  const t = recordTime(o, TIME_KEYS);
  if (t.bad) return { ok: false, status: "rejected", reason: t.bad };
  const inner = parseMessage(o[key] as string, fmt, depth + 1);
  if (!inner.ok) return inner;
  // A shipper's other scalar fields (host, program …) ride along, below the line's own fields.
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o))
    if (k !== key && k !== t.key && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"))
      meta[k] = v;
  const time = inner.value.time ?? t.ms;
  return {
    ok: true,
    value: {
      kind: inner.value.kind,
      fields: { ...meta, ...inner.value.fields },
      ...(time !== undefined ? { time } : {}),
    },
  };
}

function parseMessage(line: string, fmt: LineFormat, depth: number): Step {
  const trimmed = line.trim();
  if (depth < 3 && trimmed.startsWith("{") && trimmed.endsWith("}")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      value = undefined;
    }
    if (isObject(value)) return parseStructured(value, fmt, depth);
  }
  if (fmt.format === "structlog" || fmt.format === "journald")
    return { ok: false, status: "unparsed", reason: `not a ${fmt.format} JSON record` };
  return parseText(trimmed, fmt);
}

/** A stable report id: the same source, time and line always give the same id. */
export function shippedId(source: string, time: number, line: string): string {
  return `sh-${createHash("sha256").update(`${source}\n${time}\n${line}`).digest("hex").slice(0, 32)}`;
}

/** One shipped record → report, unparsed or rejected. Never throws. */
export function parseShippedEntry(entry: ShippedEntry, source: string, fmt: LineFormat = AUTO_FORMAT): LineOutcome {
  try {
    const rec = entry.record;
    let line: string;
    let step: Step;
    if (typeof rec === "string") {
      line = rec.replace(/\r?\n$/, "");
      if (Buffer.byteLength(line, "utf8") > MAX_LINE_BYTES)
        return { status: "rejected", error: `line is longer than ${MAX_LINE_BYTES / 1024} KiB` };
      step = parseMessage(line, fmt, 0);
    } else if (isObject(rec)) {
      line = JSON.stringify(rec);
      if (Buffer.byteLength(line, "utf8") > MAX_LINE_BYTES)
        return { status: "rejected", error: `record is longer than ${MAX_LINE_BYTES / 1024} KiB` };
      step = parseStructured(rec, fmt, 0);
    } else {
      return {
        status: "rejected",
        error: `a record must be a JSON object or a string, not ${Array.isArray(rec) ? "an array" : rec === null ? "null" : typeof rec}`,
      };
    }
    if (!step.ok)
      return step.status === "unparsed"
        ? { status: "unparsed", line: (step.line ?? line).slice(0, 2000), reason: step.reason }
        : { status: "rejected", error: step.reason };
    const time = step.value.time ?? entry.shipperTime;
    if (time === undefined || !Number.isFinite(time))
      return {
        status: "rejected",
        error: `${step.value.kind}: the record carries no time (no timestamp prefix, time field or shipper timestamp)`,
      };
    const fields = { ...(entry.labels ?? {}), ...step.value.fields };
    return {
      status: "report",
      report: { system: source, kind: step.value.kind, id: shippedId(source, time, line), fields, observedAt: time },
    };
  } catch (e) {
    // Total by construction; this only guards against a case the parser did not foresee.
    return { status: "rejected", error: `record could not be read (${(e as Error).message})` };
  }
}

/** A target's `logs` config → the format the parser uses (the runbook's patterns unless it names its own). */
export function lineFormatOf(
  logs: { format: LogFormatName; patterns?: (string | LogPattern)[]; fieldsRegex?: string } | undefined,
): LineFormat {
  if (!logs) return AUTO_FORMAT;
  const patterns = logs.patterns
    ? logs.patterns.map((p) => (typeof p === "string" ? { match: p, kind: p } : p))
    : DEFAULT_LOG_PATTERNS;
  return {
    format: logs.format,
    patterns,
    ...(logs.fieldsRegex !== undefined ? { fieldsRegex: new RegExp(logs.fieldsRegex) } : {}),
  };
}
