// The simulated futures bot's log file, written the way a Python bot's logging would write it, so
// real log shippers (syslog-ng, rsyslog, Promtail …) can tail it like a real bot's file:
//   text:      `2026-12-05 10:15:02,118 INFO RECONCILIATION_REPORT orphaned=0 phantom=1 issues=[{"type": "PHANTOM", …}]`
//              (logging's default asctime, the level, the runbook's log pattern, key=value fields
//              with nested ones as json.dumps writes them, Python's True/False/None)
//   structlog: `{"event": "RECONCILIATION_REPORT", "orphaned": 0, …, "level": "info", "timestamp": "2026-12-05T10:15:02.118Z"}`
// Lines are appended one write per record, so a tailing shipper never sees half a line.

import { appendFileSync } from "node:fs";

export const LOG_FILE_FORMATS = ["text", "structlog"] as const;
export type LogFileFormat = (typeof LOG_FILE_FORMATS)[number];

export interface LogFileRecord {
  kind: string;
  /** ISO time of the record. */
  ts: string;
  fields: Record<string, unknown>;
}

/** The runbook's wording for the circuit breaker lines; every other kind is logged as its name. */
const PHRASES: Record<string, string> = {
  API_CIRCUIT_BREAKER_OPENED: "API circuit breaker OPENED",
  API_CIRCUIT_BREAKER_CLOSED: "API circuit breaker CLOSED",
};
const LEVELS: Record<string, string> = {
  KILL_SWITCH_ACTIVATED: "CRITICAL",
  INVARIANT_VIOLATION: "CRITICAL",
  CORRUPTED_POSITION: "ERROR",
  RECOVERY_MERGE_COLLISION: "WARNING",
  ORDER_REJECTED_BY_VENUE: "WARNING",
  THRESHOLD_MISMATCH: "WARNING",
  API_CIRCUIT_BREAKER_OPENED: "ERROR",
};

/** json.dumps with its default separators (", " and ": "). */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  if (v && typeof v === "object")
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
      .join(", ")}}`;
  return JSON.stringify(v) ?? "null";
}

function pyValue(v: unknown): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "None";
  if (typeof v === "string")
    return /^[^\s"=\\{[]+$/.test(v) && !/^(True|False|None|true|false|null|-?\d[\d.eE+-]*)$/.test(v)
      ? v
      : JSON.stringify(v);
  return pyJson(v);
}

/** `2026-12-05 10:15:02,118` from an ISO time (logging's default asctime, here in UTC). */
export const asctime = (iso: string) => iso.slice(0, 23).replace("T", " ").replace(".", ",");

export function formatLogLine(rec: LogFileRecord, format: LogFileFormat): string {
  if (format === "structlog")
    return pyJson({
      event: rec.kind,
      ...rec.fields,
      level: (LEVELS[rec.kind] ?? "INFO").toLowerCase(),
      timestamp: rec.ts,
    });
  const phrase = PHRASES[rec.kind] ?? rec.kind;
  const fields = Object.entries(rec.fields)
    .filter(([k, v]) => !(k === "message" && v === phrase))
    .map(([k, v]) => `${k}=${pyValue(v)}`)
    .join(" ");
  return `${asctime(rec.ts)} ${LEVELS[rec.kind] ?? "INFO"} ${phrase}${fields ? ` ${fields}` : ""}`;
}

export class LogFileWriter {
  written = 0;
  constructor(
    readonly path: string,
    readonly format: LogFileFormat,
  ) {}

  write(rec: LogFileRecord): void {
    appendFileSync(this.path, `${formatLogLine(rec, this.format)}\n`);
    this.written++;
  }
}
