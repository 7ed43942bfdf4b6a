// The normalised telemetry model. Every source adapter produces these; nothing downstream of
// lib/telemetry knows which wire format (health JSON, Prometheus text, NDJSON reports, Supabase
// rows) a value came from.

export const SYSTEM_KINDS = ["trading-bot", "futures-bot", "spot-exchange"] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

/** The entity a value belongs to: a profile id, a symbol, or the system itself ("*"). */
export const SYSTEM_ENTITY = "*";

export interface Sample {
  /** Target name from the fleet config. */
  system: string;
  /** Profile id, symbol, or SYSTEM_ENTITY. */
  entity: string;
  /** Metric or health-field name, e.g. `capital_invariant_violations_total` or `tradingLoopHealthy`. */
  metric: string;
  labels: Record<string, string>;
  /** Booleans are carried as 1/0. NaN and ±Inf are allowed (Prometheus can send them). */
  value: number;
  /** Milliseconds since the epoch. */
  observedAt: number;
}

export interface Report {
  system: string;
  /** Structured log kind, e.g. `RECONCILIATION_REPORT`, `KILL_SWITCH_ACTIVATED`. */
  kind: string;
  /** Unique id assigned by the emitting system; duplicates are stored once. */
  id: string;
  fields: Record<string, unknown>;
  observedAt: number;
}

export type SourceErrorKind = "timeout" | "network" | "http" | "parse" | "schema";
export interface SourceError {
  kind: SourceErrorKind;
  detail: string;
}

export type SourceResult<T> = { ok: true; value: T } | { ok: false; error: SourceError };
