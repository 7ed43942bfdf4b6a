import type { z } from "zod";
import type {
  Evidence,
  Finding,
  FindingState,
  Freshness,
  Point,
  Report,
  Series,
  Severity,
  SystemKind,
} from "../core/vocabulary";

// The vocabulary of the rules: findings, the context a rule reads, and the rule itself.
// Severities are the seeds' own (002 and 004): SEV1 money or exposure at risk, SEV2 trading
// degraded with risk controls still active, SEV3 observability, latency or configuration.

export { FINDING_STATES, SEVERITIES } from "../core/vocabulary";
export type { FindingState, Severity, EvidenceValue, Evidence, Finding } from "../core/vocabulary";

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
  /**
   * Source names in rules' `sources` → the endpoint that feeds them on this target, where it
   * differs from the default (e.g. "ledger" → "/rest/v1/capital_ledger" when the ledger comes from
   * Supabase, "/metrics" → "/api/v1/query" when metrics come from Prometheus).
   */
  sources?: Readonly<Record<string, string>>;
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
  /**
   * Why a source (as named in a rule's `sources`) is not fresh: what it is called on this target
   * and, when its last read failed, the error's kind and detail. Unknown findings name them.
   */
  sourceProblem?(system: string, endpoint: string): { source: string; kind?: string; detail?: string } | undefined;
  targets: RuleTarget[];
  /**
   * When the console began watching (the collector's start). Until a target's first poll can
   * have answered, a rule whose sources have no data yet is pending: it yields no finding instead
   * of an "unknown" or a firing one. Absent: no start-up grace (evidence is judged as it is).
   */
  watchingSince?: number;
  /**
   * Commander confirmations that the violations a counter-based finding counted so far were
   * handled, by finding id (see Confirmation). Absent: nothing was confirmed.
   */
  confirmations?: ReadonlyMap<string, Confirmation>;
  /** Controls whose effect is being watched (see ControlWatch). Absent: none. */
  watches?: readonly ControlWatch[];
}

/**
 * What telemetry must keep showing after a protective control succeeded: a symbol (or every
 * symbol) stays halted in its mode, withdrawals stay halted, a profile stays paused, a kill
 * switch stays active.
 */
export type WatchSpec =
  | { kind: "symbol-halted"; symbols: string[] | "all"; mode: string }
  | { kind: "withdrawals-halted" }
  | { kind: "profile-paused"; profileId: string }
  | { kind: "kill-switch" };

/** One succeeded, verified protective control whose effect the console watches. */
export interface ControlWatch {
  /** The control request's id. */
  id: string;
  system: string;
  /** The request in words: "Set symbol mode: BTC-USD → HARD_HALT". */
  description: string;
  spec: WatchSpec;
  /** Symbols a later control took out of an every-symbol watch. */
  except?: string[];
  by: string;
  ticketId: string;
  /** The request's `requested` audit row. */
  auditSeq: number | null;
  /** When the watch began (the control's call finished and verified) and ends (ms). */
  from: number;
  until: number;
  /** A breach already seen (kept by the engine so it outlives the recent telemetry window). */
  broken?: { at: number; detail: string };
}

/**
 * A commander's statement that the violations counted up to `at` were handled (reason and
 * ticket ID, audited). A rule that honours it treats everything counted up to `at` as dealt with:
 * the finding returns to ok, and only a new increase after `at` fires it again.
 */
export interface Confirmation {
  findingId: string;
  by: string;
  at: number;
  reason: string;
  ticketId: string;
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
  confirmed?: Finding["confirmed"];
  confirmable?: string;
  affected?: string[];
  /** The control this finding is about (the post-control watch). */
  control?: Finding["control"];
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
