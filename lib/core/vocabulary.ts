// The shared vocabulary of the product: system kinds, what a source produces (samples, reports,
// typed source errors), a point of history, freshness, and findings. Every layer speaks these
// words, so they live here, in a module that imports nothing: telemetry, collector, rules, board,
// live and the UI all depend on it and it depends on none of them.

// ---------------------------------------------------------------- systems and what sources produce

/** The trading systems the runbooks describe: built-in pollers, rules, panels and controls. */
export const BUILT_IN_KINDS = ["trading-bot", "futures-bot", "spot-exchange"] as const;
/**
 * Any other exporter: `prometheus` scrapes one /metrics (text 0.0.4 or OpenMetrics), `http-json`
 * reads one health JSON with fields picked by path. Only the operator's own rules (the rules
 * file) and the telemetry-dark rule judge them.
 */
export const GENERIC_KINDS = ["prometheus", "http-json"] as const;
export const SYSTEM_KINDS = [...BUILT_IN_KINDS, ...GENERIC_KINDS] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];
export type BuiltInKind = (typeof BUILT_IN_KINDS)[number];
export type GenericKind = (typeof GENERIC_KINDS)[number];

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

// ---------------------------------------------------------------- history and freshness

export interface Point {
  t: number;
  v: number;
}

export interface Series {
  key: string;
  system: string;
  entity: string;
  metric: string;
  labels: Record<string, string>;
  points: Point[];
}

/** Freshness of a source (an endpoint, or a target as a whole), computed at read time. */
export type Freshness = "ok" | "stale" | "error" | "no_data";

// ---------------------------------------------------------------- findings
// Severities are the runbooks' own: SEV1 money or exposure at risk, SEV2 trading degraded with
// risk controls still active, SEV3 observability, latency or configuration.

export const FINDING_STATES = ["ok", "warning", "critical", "unknown"] as const;
export type FindingState = (typeof FINDING_STATES)[number];

export const SEVERITIES = ["SEV1", "SEV2", "SEV3"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface EvidenceValue {
  label: string;
  value: number | string | boolean | null;
  /** When the value was observed (ms). */
  at?: number;
}

export interface Evidence {
  values: EvidenceValue[];
  /** The window that decided the state, e.g. "15 minutes" from..to. */
  window?: { from: number; to: number; description: string };
  /** The thresholds in force (seed defaults merged with the target's overrides). */
  thresholds?: Record<string, number | boolean | string>;
}

export interface Finding {
  /** Stable across evaluations: `ruleId|system|entity`. */
  id: string;
  ruleId: string;
  system: string;
  kind: SystemKind;
  /** Profile id, symbol, flag, reason … or "*" for the system itself. */
  entity: string;
  state: FindingState;
  severity: Severity;
  title: string;
  /** One plain sentence naming the entity and the value that decided it. */
  summary: string;
  /** When the current state began (kept across evaluations by trackFindings). */
  since: number;
  lastEvaluated: number;
  evidence: Evidence;
  /** Runbook slug, see runbooks.ts. */
  runbook: string;
  /** When the seed's escalation criterion is (or will be) met; in the past = escalate now. */
  escalationDueAt?: number;
  /** The escalation criterion in words. */
  escalation?: string;
  /**
   * For a finding about the whole system (entity "*"): the symbols or profiles its signal names
   * (fields of the reports, labels of the series). Absent: the signal does not say (scope unknown).
   */
  affected?: string[];
  /** The commander confirmation this finding's state rests on (shown as "confirmed by … at …"). */
  confirmed?: { by: string; at: number; reason: string; ticketId: string };
  /**
   * Set on findings a commander may confirm as handled (counter-based findings whose counter
   * stays above zero after the violations stop): what the confirmation covers.
   */
  confirmable?: string;
  /**
   * The control a finding is about (a post-control watch that saw the effect stop holding): its
   * request, in words, its ticket and its `requested` audit row.
   */
  control?: { requestId: string; description: string; ticketId: string; auditSeq: number | null };
}
