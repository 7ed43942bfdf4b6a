import type { z } from "zod";
import type { Freshness } from "../collector/freshness";
import type { Point, Series } from "../collector/store";
import type { Report, SystemKind } from "../telemetry/model";

// The vocabulary of the rules: findings, the context a rule reads, and the rule itself.
// Severities are the seeds' own (002 and 004): SEV1 money or exposure at risk, SEV2 trading
// degraded with risk controls still active, SEV3 observability, latency or configuration.

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
}

/** The part of TelemetryStore the rules read; TelemetryStore satisfies it. */
export interface TelemetryHistory {
  seriesFor(system: string, metric: string, entity?: string): Series[];
  latest(system: string, metric: string, entity?: string): (Point & { series: Series }) | undefined;
  reportsFor(system: string, kind?: string, since?: number): Report[];
  allSeries(system?: string): Series[];
}

export type ThresholdValue = number | boolean | string;

export interface RuleTarget {
  name: string;
  kind: SystemKind;
  /** Poll interval: decides how old a value may be before it is stale. */
  intervalMs: number;
  /** Per-rule overrides: rule id → parameter → value (TargetConfig.thresholds). */
  thresholds: Record<string, Record<string, ThresholdValue>>;
}

export interface RuleContext {
  now: number;
  history: TelemetryHistory;
  /**
   * Freshness of a target, or of one of its endpoints (`/metrics`, `/internal/health`, `/logs` …)
   * when `endpoint` is given. An implementation that only knows the target as a whole may ignore
   * `endpoint`; per-endpoint answers keep one failing endpoint (a 401 on /api/status during an
   * auth incident) from turning every finding of the target unknown.
   */
  freshness(system: string, endpoint?: string): Freshness;
  /**
   * Metric families the system's last scrape could not read (a partial /metrics read). A rule
   * that reads one of them turns Unknown rather than judging from values that are not current.
   */
  droppedFamilies?(system: string): readonly string[];
  targets: RuleTarget[];
}

/** What a rule decides for one entity; evaluate() turns it into a Finding. */
export interface Verdict {
  entity: string;
  state: Exclude<FindingState, "unknown"> | "unknown";
  severity: Severity;
  summary: string;
  evidence: Evidence;
  /** When the state began, if the history tells (else the evaluation time, kept by trackFindings). */
  since?: number;
  escalationDueAt?: number;
  escalation?: string;
  /** Overrides the rule's runbook for this finding. */
  runbook?: string;
}

export type RuleParams = Record<string, ThresholdValue>;

export interface Rule<P extends RuleParams = RuleParams> {
  id: string;
  kinds: readonly SystemKind[];
  title: string;
  /** The rule in words, for the finding detail view. */
  description: string;
  /** Seed the rule comes from ("000" … "004", or "console"). */
  seed: string;
  runbook: string;
  /** Endpoints per kind whose freshness the rule depends on (empty: the target as a whole). */
  sources: Partial<Record<SystemKind, readonly string[]>>;
  /** Parameter schema: strict object, every field with its seed default. */
  params: z.ZodType<P>;
  defaults: P;
  evaluate(ctx: RuleContext, target: RuleTarget, params: P): Finding[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a catalog holds rules of different parameter types
export type AnyRule = Rule<any>;

export interface Transition {
  findingId: string;
  from: FindingState | null;
  to: FindingState;
  severity: Severity;
  at: number;
  summary: string;
}
