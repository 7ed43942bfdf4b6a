import { describe, expect, it } from "vitest";
import type { Freshness } from "../../collector/freshness";
import { SYSTEM_ENTITY, type SystemKind } from "../../telemetry/model";
import { RULES, ruleById } from "../index";
import { RuleHarness, T0 } from "../testing";
import { PRIMARY_ENDPOINTS } from "./console";
import type { EvidenceValue, Finding, FindingState, Severity, ThresholdValue } from "../types";

// Coverage table: for EVERY rule in RULES, on a virtual clock with hand-built histories,
//   1. fires       — a history that crosses the threshold gives the expected state/severity for the
//                    right entity, with evidence naming the deciding value;
//   2. boundary    — exactly at the threshold (or just inside the window/duration) it does not fire;
//                    windows are (now − w, now], durations must be strictly longer than the limit;
//   3. escalation  — where the seed has an escalation criterion or the rule steps severity up: not
//                    escalated one tick (1 ms) before, escalated at the due time, with escalationDueAt
//                    equal to the seed criterion (or an explicit reason why the rule has none);
//   4. stale       — with the rule's source endpoints (rule.sources[kind]) or the whole target stale,
//                    failing or without data, every finding is `unknown` (never ok, never firing).
// The meta-test at the end fails when a rule in RULES has no row here.

const S = 1000;
const M = 60 * S;
/** One tick of the virtual clock: the smallest step the rules can tell apart. */
const TICK = 1;

type Build = (h: RuleHarness) => unknown;
type Thresholds = Record<string, Record<string, ThresholdValue>>;
interface StateSev {
  state: FindingState;
  severity?: Severity;
}

interface Scenario {
  /** What the history shows, in words (the test name). */
  name: string;
  build: Build;
  at: number;
  entity?: string;
  thresholds?: Thresholds;
}

interface Fires extends Scenario {
  state: "warning" | "critical";
  severity: Severity;
  /** The deciding value: an evidence entry with this label and value. */
  evidence: [label: string, value: EvidenceValue["value"]];
  /** Entities in the same history that must stay ok (the finding is for the right entity). */
  quiet?: string[];
}

/** Default expectation: ok. A rule with tiers may say the next tier is not reached instead. */
interface Boundary extends Scenario {
  expect?: StateSev;
  /** Kinds this boundary applies to (default: every kind of the row). */
  kinds?: SystemKind[];
}

interface Step {
  name: string;
  build: Build;
  entity?: string;
  thresholds?: Thresholds;
  /** First instant at which the escalated state holds; `at - TICK` must not be escalated yet. */
  at: number;
  before: StateSev;
  after: StateSev;
  /** Expected escalationDueAt on the escalated finding (the seed criterion's time). */
  dueAt?: number;
  /** The due time is already on the finding before it escalates. */
  announced?: boolean;
}

/** An escalation criterion that is not met: the state stays put at every check time. */
interface Never {
  name: string;
  build: Build;
  entity?: string;
  thresholds?: Thresholds;
  checks: number[];
  stays: StateSev;
}

/**
 * A rule without an escalation criterion: the firing condition is held for an hour with fresh
 * sources, and the finding must keep the severity it fired with and never carry an escalationDueAt.
 */
interface NoEscalation {
  /** Why the seed gives this rule no escalation criterion. */
  none: string;
  /** A history in which the firing condition holds from `from` until at least `from` + 1 h. */
  build: Build;
  from: number;
}

/** How long a "none" row keeps the condition true, and how often it is checked. */
const SUSTAIN = 60 * 60 * 1000;
const SUSTAIN_STEP = 5 * 60 * 1000;

interface Case {
  /** Kinds to run the table for (default: the rule's first kind). */
  kinds?: SystemKind[];
  /** The seed criterion this row checks, in words. */
  criterion: string;
  fires: Fires;
  boundary: Boundary[];
  /** Escalation steps, or why the rule has no escalation criterion and no severity step over time. */
  escalation: { steps: (Step | Never)[] } | NoEscalation;
  /** Rules about freshness itself are exempt from "unknown on stale"; they get their own test. */
  staleExempt?: string;
}

const fresh = (kind: SystemKind, thresholds?: Thresholds) => new RuleHarness(kind, thresholds ? { thresholds } : {});

// ---------------------------------------------------------------- history helpers

/** reconciliationLastRun polled every 2 s, a run every `every` ms from T0 (until stopAt). */
function withCycles(h: RuleHarness, until: number, o: { every?: number; stopAt?: number } = {}) {
  const every = o.every ?? 30 * S;
  return h.hold(
    T0,
    until,
    "reconciliationLastRun",
    (t) => T0 + Math.floor((Math.min(t, o.stopAt ?? Infinity) - T0) / every) * every,
  );
}

/** One health metric per reconciliation cycle (30 s): cycle i (at T0 + 30 s·i) shows values[i]. */
function healthCycles(metric: string, values: number[]): Build {
  return (h) => {
    const end = T0 + values.length * 30 * S - 2 * S;
    withCycles(h, end);
    h.hold(T0, end, metric, (t) => values[Math.floor((t - T0) / (30 * S))] ?? 0);
  };
}

/** RECONCILIATION_REPORT every 60 s (cycle i at T0 + i min). */
function recon(n: number, fields: (i: number) => Record<string, unknown>): Build {
  return (h) => {
    for (let i = 0; i < n; i++)
      h.report(T0 + i * M, "RECONCILIATION_REPORT", {
        orphaned: 0,
        phantom: 0,
        qty_mismatch: 0,
        qty_synced: 0,
        pending_adopted: 0,
        state_adjustments_deduped: 0,
        state_adjustments_logged: 0,
        issues: [],
        ...fields(i),
      });
  };
}
const issues = (field: "orphaned" | "phantom", type: string, ...syms: string[]) => ({
  [field]: syms.length,
  issues: syms.map((symbol) => ({ type, symbol })),
});

const audit = (fields: Record<string, number>) => ({
  trigger: "restart",
  violations_total: 0,
  duplicate_active_symbol_keys: 0,
  non_terminal_in_closed_history: 0,
  remaining_qty_violations: 0,
  ...fields,
});

/** A counter that is `before` until `at`, then `after` (polled every 2 s). */
const stepCounter = (at: number, before: number, after: number) => (t: number) => (t < at ? before : after);

/** Until when a "none" row's sustained history runs: past its last check (from + 1 h) with margin. */
const sustainedUntil = (from: number) => from + SUSTAIN + 2 * M;

/** The same log record every 10 minutes from T0 until past `from` + 1 h (the condition stays true). */
const everyTenMinutes =
  (kind: string, fields: Record<string, unknown>, from: number): Build =>
  (h) => {
    for (let t = T0; t <= sustainedUntil(from); t += 10 * M) h.report(t, kind, fields);
  };

// ---------------------------------------------------------------- the table

function mismatchCase(id: string, metric: string): [string, Case] {
  return [
    id,
    {
      criterion:
        "seed 001: mismatch metrics stay elevated after two reconciliation runs (two runs after the one that found it)",
      fires: {
        name: "elevated in the latest run",
        build: healthCycles(metric, [0, 1]),
        at: T0 + 58 * S,
        state: "warning",
        severity: "SEV2",
        evidence: [`${metric} (latest cycle)`, 1],
      },
      boundary: [
        { name: "0 in the latest run (the threshold is > 0)", build: healthCycles(metric, [1, 0]), at: T0 + 58 * S },
      ],
      escalation: {
        steps: [
          {
            name: "still elevated two runs after the one that found it",
            build: healthCycles(metric, [0, 1, 1, 1, 1]),
            at: T0 + 90 * S,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV2" },
            dueAt: T0 + 90 * S,
            announced: true,
          },
        ],
      },
    },
  ];
}

function auditCase(id: string, field: string, critical: boolean): [string, Case] {
  return [
    id,
    {
      kinds: ["futures-bot"],
      criterion: `seed 003: REGISTRY_AUDIT_REPORT.${field} expected 0${critical ? "; > 0 escalates immediately" : ""}`,
      fires: {
        name: `${field} = 2`,
        build: (h) => h.report(T0, "REGISTRY_AUDIT_REPORT", audit({ [field]: 2 })),
        at: T0 + S,
        state: critical ? "critical" : "warning",
        severity: critical ? "SEV1" : "SEV2",
        evidence: [field, 2],
      },
      boundary: [{ name: `${field} = 0`, build: (h) => h.report(T0, "REGISTRY_AUDIT_REPORT", audit({})), at: T0 + S }],
      escalation: critical
        ? {
            steps: [
              {
                name: "a clean audit, then one with violations: escalation due at that report",
                build: (h) =>
                  h
                    .report(T0, "REGISTRY_AUDIT_REPORT", audit({}))
                    .report(T0 + M, "REGISTRY_AUDIT_REPORT", audit({ [field]: 1 })),
                at: T0 + M,
                before: { state: "ok" },
                after: { state: "critical", severity: "SEV1" },
                dueAt: T0 + M,
              },
            ],
          }
        : {
            none: "seed 003 lists an action (investigate) but no escalation criterion for this field",
            build: everyTenMinutes("REGISTRY_AUDIT_REPORT", audit({ [field]: 2 }), T0 + S),
            from: T0 + S,
          },
    },
  ];
}

function spikeCase(id: string, field: "orphaned" | "phantom", type: string): [string, Case] {
  const only = (...syms: string[]) => issues(field, type, ...syms);
  return [
    id,
    {
      kinds: ["futures-bot"],
      criterion: `seed 003: ${field} warning >= 1 in a cycle, critical >= 3 in 15 minutes (escalate immediately)`,
      fires: {
        name: `one ${field} position in the latest cycle`,
        build: recon(1, () => only("A")),
        at: T0 + 10 * S,
        state: "warning",
        severity: "SEV2",
        evidence: [`${field} (latest cycle)`, 1],
      },
      boundary: [
        { name: "0 in the latest cycle", build: recon(2, () => only()), at: T0 + M + 10 * S },
        // A at T0, B at +5 min, C at +14 min: 3 distinct within 15 minutes at +14 min; at +15 min A
        // (exactly 15 minutes old) has left the window (now − 15 min, now] and the latest cycle is clean.
        {
          name: "the first of three leaves the 15-minute window exactly 15 minutes later",
          build: recon(16, (i) => (i === 0 ? only("A") : i === 5 ? only("B") : i === 14 ? only("C") : only())),
          at: T0 + 15 * M,
        },
      ],
      escalation: {
        steps: [
          {
            name: "third position reported within 15 minutes",
            build: recon(5, (i) => (i === 0 ? only("A") : i === 1 ? only("B") : i === 2 ? only("C") : only())),
            at: T0 + 2 * M,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 2 * M,
          },
          {
            name: "one every 8 minutes never holds 3 in 15 minutes",
            build: recon(25, (i) => (i % 8 === 0 ? only("A") : only())),
            checks: [T0 + 8 * M, T0 + 16 * M, T0 + 24 * M],
            stays: { state: "warning", severity: "SEV2" },
          },
        ],
      },
    },
  ];
}

function missingOrderCase(
  id: string,
  metric: string,
  label: string,
  state: "warning" | "critical",
  severity: Severity,
): [string, Case] {
  const missing =
    (until: number): Build =>
    (h) =>
      h.hold(T0, until, metric, 0, { entity: "PF_SOLUSD" }).hold(T0, until, metric, 1, { entity: "PF_XBTUSD" });
  const build = missing(T0 + 2 * M);
  return [
    id,
    {
      kinds: ["futures-bot"],
      criterion: `seed 003: a tracked position without a ${label} order (after a 60 s grace period)`,
      fires: {
        name: `no ${label} order for longer than 60 s`,
        build,
        at: T0 + M + TICK,
        entity: "PF_SOLUSD",
        state,
        severity,
        evidence: [`has ${label}`, false],
        quiet: ["PF_XBTUSD"],
      },
      boundary: [
        { name: `no ${label} order for exactly 60 s (the grace period)`, build, at: T0 + M, entity: "PF_SOLUSD" },
      ],
      escalation: {
        none: "the grace period is the firing condition; seed 003 has no further escalation",
        build: missing(sustainedUntil(T0 + M + TICK)),
        from: T0 + M + TICK,
      },
    },
  ];
}

function reportWindowCase(
  id: string,
  kind: string,
  fields: Record<string, unknown>,
  entity: string,
  state: "warning" | "critical",
  severity: Severity,
  escalation: Case["escalation"],
): [string, Case] {
  const build: Build = (h) => h.report(T0, kind, fields);
  return [
    id,
    {
      kinds: ["futures-bot"],
      criterion: `seed 003: ${kind} log records within the last hour`,
      fires: { name: `one ${kind} record`, build, at: T0 + S, entity, state, severity, evidence: [kind, 1] },
      boundary: [{ name: "the record is exactly 60 minutes old (window (now − 60 min, now])", build, at: T0 + 60 * M }],
      escalation,
    },
  ];
}

/** A record counted over a window: warn at `warn`, critical at `crit` records (one a minute from T0). */
function recordCountCase(
  id: string,
  kind: string,
  warn: number,
  crit: number,
  windowMin: number,
  warnSev: Severity,
  critSev: Severity,
): [string, Case] {
  const records =
    (n: number): Build =>
    (h) => {
      for (let i = 0; i < n; i++) h.report(T0 + i * M, kind, { symbol: "PF_XBTUSD", reason: "marketSuspended" });
    };
  return [
    id,
    {
      kinds: ["futures-bot"],
      criterion: `seed 003: ${kind} (no figure in the runbook): ${warn}+ in ${windowMin} minutes warns, ${crit}+ is critical (console defaults)`,
      fires: {
        name: `${warn} records`,
        build: records(warn),
        at: T0 + (warn - 1) * M + S,
        state: "warning",
        severity: warnSev,
        evidence: [`${kind} in ${windowMin === 60 ? "1 h" : `${windowMin} min`}`, warn],
      },
      boundary: [
        ...(warn > 1
          ? [{ name: `${warn - 1} records (below ${warn})`, build: records(warn - 1), at: T0 + (warn - 2) * M + S }]
          : []),
        {
          name: `the records are exactly ${windowMin} minutes old`,
          build: records(warn),
          at: T0 + (warn - 1) * M + windowMin * M,
        },
      ],
      escalation: {
        steps: [
          {
            name: `the ${crit}th record in the window`,
            build: records(crit),
            at: T0 + (crit - 1) * M,
            before: { state: "warning", severity: warnSev },
            after: { state: "critical", severity: critSev },
            dueAt: T0 + (crit - 1) * M,
          },
        ],
      },
    },
  ];
}

const ladder = (v: number) => (h: RuleHarness) => h.hold(T0, T0 + 20 * M, "staleOrders.backlog", v);

/**
 * An exchange polled every 2 s whose BTC-USD was HARD_HALTed at T0 (a watched control, audit row
 * 42): it trades again from `resumeAt` when given.
 */
function haltedExchange(h: RuleHarness, resumeAt: number | null, until = T0 + 10 * M): RuleHarness {
  let seq = 5000;
  for (let t = T0 - 30 * S; t <= until; t += 2 * S) {
    const trading = t <= T0 || (resumeAt !== null && t >= resumeAt);
    if (trading) seq += 5;
    h.at(t, "tradesLastSecond", trading ? 2 : 0, "BTC-USD");
    h.at(t, "lastSeq", seq, "BTC-USD");
    h.at(t, "symbol_mode", t <= T0 ? 0 : 3, "BTC-USD", { mode: t <= T0 ? "NORMAL" : "HARD_HALT" });
  }
  h.watches = [
    {
      id: "req-1",
      system: h.target.name,
      description: "Set symbol mode: BTC-USD → HARD_HALT",
      spec: { kind: "symbol-halted", symbols: ["BTC-USD"], mode: "HARD_HALT" },
      by: "rae",
      ticketId: "OPS-7",
      auditSeq: 42,
      from: T0,
      until: T0 + 5 * M,
    },
  ];
  return h;
}

const COVERAGE: Record<string, Case> = {
  // ---------------------------------------------------------------- trading-bot, seed 000
  capital_invariant: {
    criterion:
      "seed 000: available capital below zero; escalate when it survives three reconciliation cycles or 15 minutes, whichever comes first",
    fires: {
      name: "available capital −1,240 for one profile",
      build: (h) =>
        h
          .hold(T0, T0 + 40 * S, "available_capital", -1240, { entity: "eth" })
          .hold(T0, T0 + 40 * S, "available_capital", 5000, { entity: "btc" }),
      at: T0 + 40 * S,
      entity: "eth",
      state: "critical",
      severity: "SEV2",
      evidence: ["available capital", -1240],
      quiet: ["btc"],
    },
    boundary: [
      {
        name: "available capital exactly 0",
        build: (h) => h.hold(T0, T0 + 40 * S, "available_capital", 0, { entity: "eth" }),
        at: T0 + 40 * S,
        entity: "eth",
      },
    ],
    escalation: {
      steps: [
        {
          name: "three reconciliation cycles (every 30 s) come first: due at the third",
          build: (h) =>
            h
              .hold(T0, T0 + 2 * M, "available_capital", -1240, { entity: "eth" })
              .hold(T0, T0 + 2 * M, "lastReconciledAt", (t) => T0 + Math.floor((t - T0) / (30 * S)) * 30 * S, {
                entity: "eth",
              }),
          entity: "eth",
          at: T0 + 90 * S,
          before: { state: "critical", severity: "SEV2" },
          after: { state: "critical", severity: "SEV1" },
          dueAt: T0 + 90 * S,
          announced: true,
        },
        {
          name: "reconciliation every 6 minutes: 15 minutes come first",
          thresholds: { capital_invariant: { reconciliationIntervalSeconds: 360 } },
          build: (h) =>
            h
              .hold(T0, T0 + 16 * M, "available_capital", -1240, { entity: "eth" })
              .hold(T0, T0 + 16 * M, "lastReconciledAt", (t) => T0 + Math.floor((t - T0) / (6 * M)) * 6 * M, {
                entity: "eth",
              }),
          entity: "eth",
          at: T0 + 15 * M,
          before: { state: "critical", severity: "SEV2" },
          after: { state: "critical", severity: "SEV1" },
          dueAt: T0 + 15 * M,
          announced: true,
        },
        {
          name: "no reconciliation cycle at all (lock held): 15 minutes",
          build: (h) =>
            h
              .hold(T0, T0 + 16 * M, "available_capital", -1240, { entity: "eth" })
              .hold(T0, T0 + 16 * M, "lastReconciledAt", T0 - 10 * S, { entity: "eth" }),
          entity: "eth",
          at: T0 + 15 * M,
          before: { state: "critical", severity: "SEV2" },
          after: { state: "critical", severity: "SEV1" },
          dueAt: T0 + 15 * M,
          announced: true,
        },
      ],
    },
  },
  capital_invariant_profiles: (() => {
    const onsets =
      (times: [string, number][], until: number): Build =>
      (h) => {
        for (const [p, at] of times)
          h.hold(T0, until, "capitalInvariantViolations", (t) => (t >= at && t < at + 30 * S ? 1 : 0), {
            entity: p,
            step: 10 * S,
          });
      };
    return {
      criterion: "seed 000: the capital watchdog logs violations for different profiles within an hour",
      fires: {
        name: "violations on two profiles 20 minutes apart",
        build: onsets(
          [
            ["a", T0 + M],
            ["b", T0 + 21 * M],
          ],
          T0 + 30 * M,
        ),
        at: T0 + 30 * M,
        state: "critical",
        severity: "SEV1",
        evidence: ["count", 2],
      },
      boundary: [
        {
          name: "the second onset exactly 60 minutes after the first",
          build: onsets(
            [
              ["a", T0 + M],
              ["b", T0 + 61 * M],
            ],
            T0 + 62 * M,
          ),
          at: T0 + 61 * M,
        },
      ],
      escalation: {
        steps: [
          {
            name: "due when the second profile's violation starts",
            build: onsets(
              [
                ["a", T0 + M],
                ["b", T0 + 21 * M],
              ],
              T0 + 30 * M,
            ),
            at: T0 + 21 * M,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 21 * M,
          },
        ],
      },
    };
  })(),
  trading_loop_unhealthy: {
    criterion: "seed 000: trading loop remains unhealthy while other profiles are functioning (15 minutes)",
    fires: {
      name: "profile b unhealthy while a trades",
      build: (h) =>
        h
          .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 1, { entity: "a" })
          .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 0, { entity: "b" }),
      at: T0 + M,
      entity: "b",
      state: "warning",
      severity: "SEV2",
      evidence: ["tradingLoopHealthy", false],
      quiet: ["a"],
    },
    boundary: [
      {
        name: "loop healthy",
        build: (h) => h.hold(T0, T0 + M, "tradingLoopHealthy", 1, { entity: "b" }),
        at: T0 + M,
        entity: "b",
      },
    ],
    escalation: {
      steps: [
        {
          name: "unhealthy for 15 minutes while another profile trades",
          build: (h) =>
            h
              .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 1, { entity: "a" })
              .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 0, { entity: "b" }),
          entity: "b",
          at: T0 + 15 * M,
          before: { state: "warning", severity: "SEV2" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 15 * M,
          announced: true,
        },
        {
          name: "no other profile functioning: the criterion is not met",
          build: (h) => h.hold(T0, T0 + 20 * M, "tradingLoopHealthy", 0, { entity: "b" }),
          entity: "b",
          checks: [T0 + 15 * M, T0 + 20 * M],
          stays: { state: "warning", severity: "SEV2" },
        },
      ],
    },
  },

  // ---------------------------------------------------------------- trading-bot, seed 001
  lock_contention: {
    criterion: "seed 001: reconciliation lock contention prevents the loop from running (two cycles)",
    fires: {
      name: "lock held by another worker",
      build: (h) => h.hold(T0, T0 + 3 * M, "reconciliationLock.held", (t) => (t >= T0 + M ? 1 : 0), { entity: "p" }),
      at: T0 + M + 30 * S,
      entity: "p",
      state: "warning",
      severity: "SEV2",
      evidence: ["lock held", true],
    },
    boundary: [
      {
        name: "lock free; an old contention total that did not increase in the window",
        build: (h) =>
          h
            .hold(T0, T0 + 2 * M, "reconciliationLock.held", 0, { entity: "p" })
            .hold(T0, T0 + 2 * M, "reconciliation_lock_contention_total", 5, { entity: "p" }),
        at: T0 + 2 * M,
        entity: "p",
      },
    ],
    escalation: {
      steps: [
        {
          name: "held for longer than two 30 s cycles",
          build: (h) =>
            h.hold(T0, T0 + 3 * M, "reconciliationLock.held", (t) => (t >= T0 + M ? 1 : 0), { entity: "p" }),
          entity: "p",
          at: T0 + 2 * M + TICK,
          before: { state: "warning", severity: "SEV2" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 2 * M,
          announced: true,
        },
        {
          name: "second skipped reconciliation in the window",
          build: (h) =>
            h.hold(
              T0,
              T0 + 2 * M,
              "reconciliation_lock_contention_total",
              (t) => (t < T0 + M ? 0 : t < T0 + M + 30 * S ? 1 : 2),
              { entity: "p" },
            ),
          entity: "p",
          at: T0 + M + 30 * S,
          before: { state: "warning", severity: "SEV2" },
          after: { state: "critical", severity: "SEV2" },
        },
      ],
    },
  },
  ...Object.fromEntries([
    mismatchCase("reconciliation_mismatch", "reconciliationMismatchCount"),
    mismatchCase("reconciliation_missing_from_exchange", "reconciliationMissingFromExchange"),
    mismatchCase("reconciliation_missing_in_db", "reconciliationMissingInDb"),
  ]),
  reconciliation_loop: {
    criterion: "seed 001: reconciliation cannot run (loop unhealthy, or silent for longer than 120 s) — escalate",
    fires: {
      name: "no run for longer than 120 s",
      build: (h) => withCycles(h, T0 + 5 * M, { stopAt: T0 + M }).hold(T0, T0 + 5 * M, "reconciliationLoopHealthy", 1),
      at: T0 + 3 * M + TICK,
      state: "critical",
      severity: "SEV2",
      evidence: ["reconciliationLastRun", T0 + M],
    },
    boundary: [
      {
        name: "last run exactly 120 s ago",
        build: (h) =>
          withCycles(h, T0 + 5 * M, { stopAt: T0 + M }).hold(T0, T0 + 5 * M, "reconciliationLoopHealthy", 1),
        at: T0 + 3 * M,
      },
    ],
    escalation: {
      steps: [
        {
          name: "silent: due as soon as the silence budget is exceeded",
          build: (h) =>
            withCycles(h, T0 + 5 * M, { stopAt: T0 + M }).hold(T0, T0 + 5 * M, "reconciliationLoopHealthy", 1),
          at: T0 + 3 * M + TICK,
          before: { state: "ok" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 3 * M,
        },
        {
          name: "unhealthy: due when the loop turns unhealthy",
          build: (h) =>
            withCycles(h, T0 + 2 * M).hold(T0, T0 + 2 * M, "reconciliationLoopHealthy", (t) => (t < T0 + M ? 1 : 0)),
          at: T0 + M,
          before: { state: "ok" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + M,
        },
      ],
    },
  },
  parity_mismatch: {
    criterion:
      "seed 001: ghost slices confirmed on RECON_POSITION_PARITY_CONFIRMATIONS (3) checks, then closed; not closed within 3 + 2 cycles is stuck",
    fires: {
      name: "one open ghost slice",
      build: (h) =>
        h
          .hold(T0, T0 + 4 * M, "parity.mismatchedSlices", 1, { entity: "p" })
          .hold(T0, T0 + 4 * M, "parity.quarantinedSlices", 0, { entity: "p" }),
      at: T0 + M,
      entity: "p",
      state: "warning",
      severity: "SEV3",
      evidence: ["mismatched slices (not quarantined)", 1],
    },
    boundary: [
      {
        name: "the only mismatched slice is quarantined",
        build: (h) =>
          h
            .hold(T0, T0 + M, "parity.mismatchedSlices", 1, { entity: "p" })
            .hold(T0, T0 + M, "parity.quarantinedSlices", 1, { entity: "p" }),
        at: T0 + M,
        entity: "p",
      },
    ],
    escalation: {
      steps: [
        {
          name: "not self-healed after (3 + 2) × 30 s",
          build: (h) =>
            h
              .hold(T0, T0 + 4 * M, "parity.mismatchedSlices", 1, { entity: "p" })
              .hold(T0, T0 + 4 * M, "parity.quarantinedSlices", 0, { entity: "p" }),
          entity: "p",
          at: T0 + 150 * S + TICK,
          before: { state: "warning", severity: "SEV3" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 150 * S,
          announced: true,
        },
      ],
    },
  },
  parity_quarantined: {
    criterion: "seed 001: unattributed slices are quarantined for operator review",
    fires: {
      name: "two quarantined slices",
      build: (h) => h.hold(T0, T0 + M, "parity.quarantinedSlices", 2, { entity: "p" }),
      at: T0 + M,
      entity: "p",
      state: "warning",
      severity: "SEV3",
      evidence: ["quarantined slices", 2],
    },
    boundary: [
      {
        name: "no quarantined slice",
        build: (h) => h.hold(T0, T0 + M, "parity.quarantinedSlices", 0, { entity: "p" }),
        at: T0 + M,
        entity: "p",
      },
    ],
    escalation: {
      none: "seed 001 asks for operator review of quarantined slices; no time criterion",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "parity.quarantinedSlices", 2, { entity: "p" }),
      from: T0 + M,
    },
  },
  integrity_watchdog: {
    criterion: "seed 001: the integrity watchdog pauses trading when mismatch notional exceeds the capital ratio",
    fires: {
      name: "watchdog triggered",
      build: (h) => h.hold(T0, T0 + M, "reconciliationIntegrityWatchdogTriggered", 1),
      at: T0 + M,
      state: "critical",
      severity: "SEV2",
      evidence: ["watchdog triggered", true],
    },
    boundary: [
      {
        name: "watchdog not triggered",
        build: (h) => h.hold(T0, T0 + M, "reconciliationIntegrityWatchdogTriggered", 0),
        at: T0 + M,
      },
    ],
    escalation: {
      none: "the pause is critical at once; whether it resumes is auto_resume_blocked's criterion",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "reconciliationIntegrityWatchdogTriggered", 1),
      from: T0 + M,
    },
  },
  auto_resume_blocked: (() => {
    const paused =
      (parity: number): Build =>
      (h) =>
        h
          .hold(T0, T0 + 20 * M, "watchdog.paused", 1)
          .hold(T0, T0 + 20 * M, "watchdog.since", T0)
          .hold(T0, T0 + 20 * M, "watchdog.cleanCycleStreak", (t) => Math.floor((t - T0) / (30 * S)))
          .hold(T0, T0 + 20 * M, "watchdog.sourceParity", parity);
    return {
      criterion:
        "seed 001: auto-resume only for a parity-watchdog pause, after the minimum pause (15 min) and 2 clean cycles",
      fires: {
        name: "pause source is not the parity watchdog",
        build: paused(0),
        at: T0 + M,
        state: "critical",
        severity: "SEV2",
        evidence: ["pause source is parity watchdog", false],
      },
      boundary: [
        {
          name: "exactly 15 min + (2 clean + 2 grace) × 30 s after the pause: still waiting for auto-resume",
          build: paused(1),
          at: T0 + 17 * M,
        },
      ],
      escalation: {
        steps: [
          {
            name: "still paused after the auto-resume budget: escalate (due since the pause)",
            build: paused(1),
            at: T0 + 17 * M + TICK,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV2" },
            dueAt: T0,
          },
        ],
      },
    };
  })(),
  feature_flag_drift: {
    criterion: "seed 001: flags compared with their documented defaults; safety gates critical",
    fires: {
      name: "sub-tag attribution gate switched off",
      build: (h) => h.hold(T0, T0 + M, "flag.RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION", 0),
      at: T0 + M,
      entity: "RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION",
      state: "critical",
      severity: "SEV2",
      evidence: ["RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION", "false"],
    },
    boundary: [
      {
        name: "max notional pct exactly the default 0.5",
        build: (h) => h.hold(T0, T0 + M, "flag.RECON_POSITION_PARITY_MAX_NOTIONAL_PCT", 0.5),
        at: T0 + M,
        entity: "RECON_POSITION_PARITY_MAX_NOTIONAL_PCT",
      },
    ],
    escalation: {
      none: "flag drift is a configuration state; the seed has no time criterion",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "flag.RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION", 0),
      from: T0 + M,
    },
  },

  // ---------------------------------------------------------------- trading-bot, seed 002
  ghost_position: {
    criterion: "seed 002: exchange open, bot closed — SEV-1 at once",
    fires: {
      name: "one untracked exchange position",
      build: (h) => h.hold(T0, T0 + M, "positions.ghost", 1, { entity: "p" }),
      at: T0 + M,
      entity: "p",
      state: "critical",
      severity: "SEV1",
      evidence: ["untracked exchange positions", 1],
    },
    boundary: [
      {
        name: "no untracked position",
        build: (h) => h.hold(T0, T0 + M, "positions.ghost", 0, { entity: "p" }),
        at: T0 + M,
        entity: "p",
      },
    ],
    escalation: {
      none: "SEV-1 from the first observation (seed 002)",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "positions.ghost", 1, { entity: "p" }),
      from: T0 + M,
    },
  },
  stale_pending_orders: {
    criterion: "seed 002: SEV-2; escalate to SEV-1 when the backlog is > 20 for > 15 minutes",
    fires: {
      name: "backlog of 5",
      build: ladder(5),
      at: T0 + M,
      state: "warning",
      severity: "SEV2",
      evidence: ["stale backlog", 5],
    },
    boundary: [{ name: "backlog 0", build: ladder(0), at: T0 + M }],
    escalation: {
      steps: [
        {
          name: "backlog 25 for more than 15 minutes",
          build: ladder(25),
          at: T0 + 15 * M + TICK,
          before: { state: "warning", severity: "SEV2" },
          after: { state: "critical", severity: "SEV1" },
          dueAt: T0 + 15 * M,
          announced: true,
        },
        {
          name: "backlog exactly 20 is not > 20",
          build: ladder(20),
          checks: [T0 + 16 * M, T0 + 20 * M],
          stays: { state: "warning", severity: "SEV2" },
        },
      ],
    },
  },
  quarantined_orders: {
    criterion: "seed 002: orders older than 24 h missing on the exchange are quarantined; manual review",
    fires: {
      name: "three quarantined orders",
      build: (h) => h.hold(T0, T0 + M, "quarantinedOrders", 3),
      at: T0 + M,
      state: "warning",
      severity: "SEV3",
      evidence: ["quarantined orders", 3],
    },
    boundary: [{ name: "none quarantined", build: (h) => h.hold(T0, T0 + M, "quarantinedOrders", 0), at: T0 + M }],
    escalation: {
      none: "seed 002 requires manual review; no escalation criterion",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "quarantinedOrders", 3),
      from: T0 + M,
    },
  },
  old_orders_not_quarantined: (() => {
    const age =
      (startS: number): Build =>
      (h) =>
        h
          .hold(T0, T0 + 10 * M, "staleOrders.backlog", 3)
          .hold(T0, T0 + 10 * M, "staleOrders.oldestAgeSeconds", (t) => startS + (t - T0) / 1000);
    return {
      criterion: "seed 002 §2: orders older than 24 h and missing on the exchange must be marked unknown (quarantined)",
      fires: {
        name: "oldest pending order 25 h old",
        build: age(25 * 3600),
        at: T0 + M,
        state: "critical",
        severity: "SEV2",
        evidence: ["oldest stale order age", "25 h 1 min"],
      },
      boundary: [{ name: "exactly 24 h + the 5-minute grace", build: age(24 * 3600 + 5 * 60 - 60), at: T0 + M }],
      escalation: {
        none: "critical at once; the runbook gives no time criterion beyond the 24 h",
        build: (h) =>
          h
            .hold(T0, sustainedUntil(T0 + M), "staleOrders.backlog", 3)
            .hold(T0, sustainedUntil(T0 + M), "staleOrders.oldestAgeSeconds", 25 * 3600),
        from: T0 + M,
      },
    };
  })(),
  reconciliation_no_go: {
    criterion: "seed 001: unmatched rows stay in NO_GO for operator review",
    fires: {
      name: "two NO_GO rows",
      build: (h) => h.hold(T0, T0 + M, "reconciliationNoGo", 2),
      at: T0 + M,
      state: "warning",
      severity: "SEV3",
      evidence: ["NO_GO rows", 2],
    },
    boundary: [{ name: "no NO_GO row", build: (h) => h.hold(T0, T0 + M, "reconciliationNoGo", 0), at: T0 + M }],
    escalation: {
      none: "operator review; the runbook gives no time criterion",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "reconciliationNoGo", 2),
      from: T0 + M,
    },
  },
  reconciliation_unknown_fills: {
    criterion:
      "seed 001: exchanges report stale or unknown fills after reconciliation — escalate to the engineering lead",
    fires: {
      name: "one unknown fill reported after a run",
      build: (h) => withCycles(h, T0 + M).hold(T0, T0 + M, "reconciliationUnknownFills", 1),
      at: T0 + M,
      state: "critical",
      severity: "SEV2",
      evidence: ["unknown fills", 1],
    },
    boundary: [
      {
        name: "none stale, none unknown",
        build: (h) =>
          withCycles(h, T0 + M)
            .hold(T0, T0 + M, "reconciliationUnknownFills", 0)
            .hold(T0, T0 + M, "reconciliationStaleFills", 0),
        at: T0 + M,
      },
    ],
    escalation: {
      steps: [
        {
          name: "a stale fill after the run at +60 s: escalate at once",
          build: (h) =>
            withCycles(h, T0 + 2 * M).hold(T0, T0 + 2 * M, "reconciliationStaleFills", (t) =>
              t >= T0 + 60 * S ? 1 : 0,
            ),
          at: T0 + 60 * S,
          before: { state: "ok", severity: "SEV2" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 60 * S,
        },
      ],
    },
  },
  auth_failure_spike: (() => {
    const burst =
      (n: number, at: number): Build =>
      (h) =>
        h
          .hold(T0, T0 + 10 * M, "http_responses_total", (t) => (t - T0) / 1000, {
            labels: { code: "200" },
            step: 5 * S,
          })
          .hold(T0, T0 + 10 * M, "http_responses_total", stepCounter(at, 0, n), {
            labels: { code: "401" },
            step: 5 * S,
          });
    return {
      criterion: "seed 002: spike in 401/403 responses (>= 20 and >= 10 % over 5 minutes)",
      fires: {
        name: "40 × 401 in the window",
        build: burst(40, T0 + M),
        at: T0 + 3 * M,
        state: "critical",
        severity: "SEV2",
        evidence: ["401/403 responses", 40],
      },
      boundary: [
        { name: "19 × 401 (one short of the minimum)", build: burst(19, T0 + M), at: T0 + 3 * M },
        { name: "the burst exactly 5 minutes ago has left the window", build: burst(40, T0 + M), at: T0 + 6 * M },
      ],
      escalation: {
        none: "SEV-2 only; seed 002's SEV-1 step (control endpoints fail) is control_endpoints_failing",
        // 1 OK response a second and a 401 every 2 s for over an hour: a third of all responses fail.
        build: (h) =>
          h
            .hold(T0, sustainedUntil(T0 + 5 * M), "http_responses_total", (t) => (t - T0) / 1000, {
              labels: { code: "200" },
              step: 5 * S,
            })
            .hold(T0, sustainedUntil(T0 + 5 * M), "http_responses_total", (t) => (t - T0) / 2000, {
              labels: { code: "401" },
              step: 5 * S,
            }),
        from: T0 + 5 * M,
      },
    };
  })(),
  control_endpoints_failing: (() => {
    const refused: Build = (h) =>
      h.hold(T0, T0 + 2 * M, "http_status", (t) => (t < T0 + 20 * S ? 200 : 401), { labels: { path: "/api/status" } });
    return {
      criterion: "seed 002: SEV-1 if the trading control endpoints fail (authenticated /api/status refused for > 30 s)",
      fires: {
        name: "/api/status answers 401",
        build: refused,
        at: T0 + 30 * S,
        state: "warning",
        severity: "SEV2",
        evidence: ["authenticated /api/status", 401],
      },
      boundary: [
        {
          name: "/api/status answers 200",
          build: (h) => h.hold(T0, T0 + M, "http_status", 200, { labels: { path: "/api/status" } }),
          at: T0 + M,
        },
      ],
      escalation: {
        steps: [
          {
            name: "refused for longer than 30 s",
            build: refused,
            at: T0 + 50 * S + TICK,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
          },
        ],
      },
    };
  })(),

  // ---------------------------------------------------------------- futures-bot, seed 003
  ...Object.fromEntries([
    auditCase("registry_audit_violations", "violations_total", true),
    auditCase("registry_audit_duplicate_keys", "duplicate_active_symbol_keys", false),
    auditCase("registry_audit_non_terminal_closed", "non_terminal_in_closed_history", false),
    auditCase("registry_audit_remaining_qty", "remaining_qty_violations", false),
    spikeCase("recon_orphaned", "orphaned", "ORPHANED"),
    spikeCase("recon_phantom", "phantom", "PHANTOM"),
  ]),
  recon_trend_down: {
    kinds: ["futures-bot"],
    criterion: "seed 003: after an orphan/phantom spike, verify the next 3 RECONCILIATION_REPORT cycles trend down",
    fires: {
      name: "a spike of 5, one cycle after it so far",
      build: recon(2, (i) => ({ orphaned: [5, 3][i] })),
      at: T0 + M + S,
      state: "warning",
      severity: "SEV2",
      evidence: ["orphaned + phantom (latest cycle)", 3],
    },
    boundary: [
      {
        name: "5 → 3 → 1 → 0: trended down over three cycles",
        build: recon(4, (i) => ({ orphaned: [5, 3, 1, 0][i] })),
        at: T0 + 3 * M + S,
      },
    ],
    escalation: {
      steps: [
        {
          name: "the third cycle after the spike is not below it",
          build: recon(4, () => ({ orphaned: 2 })),
          at: T0 + 3 * M,
          before: { state: "warning", severity: "SEV2" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 3 * M,
        },
      ],
    },
  },
  recon_qty_mismatch: {
    kinds: ["futures-bot"],
    criterion: "seed 003: qty_mismatch warning >= 1 in a cycle; critical when it persists for 3+ consecutive cycles",
    fires: {
      name: "qty_mismatch 1 in the latest cycle",
      build: recon(1, () => ({ qty_mismatch: 1 })),
      at: T0 + 10 * S,
      state: "warning",
      severity: "SEV3",
      evidence: ["qty_mismatch (latest cycle)", 1],
    },
    boundary: [
      {
        name: "0 in the latest cycle",
        build: recon(2, (i) => ({ qty_mismatch: i === 0 ? 1 : 0 })),
        at: T0 + M + 10 * S,
      },
    ],
    escalation: {
      steps: [
        {
          name: "third consecutive cycle",
          build: recon(5, (i) => ({ qty_mismatch: i >= 1 ? 1 : 0 })),
          at: T0 + 3 * M,
          before: { state: "warning", severity: "SEV3" },
          after: { state: "critical", severity: "SEV1" },
          dueAt: T0 + 3 * M,
          announced: true,
        },
      ],
    },
  },
  recon_qty_synced: {
    kinds: ["futures-bot"],
    criterion: "seed 003: qty_synced warning >= 3 in a cycle; critical on a sustained increase over 30 minutes",
    fires: {
      name: "qty_synced 3 in the latest cycle",
      build: recon(3, (i) => ({ qty_synced: i === 2 ? 3 : 2 })),
      at: T0 + 2 * M + S,
      state: "warning",
      severity: "SEV3",
      evidence: ["qty_synced (latest cycle)", 3],
    },
    boundary: [{ name: "qty_synced 2 (below 3)", build: recon(3, () => ({ qty_synced: 2 })), at: T0 + 2 * M + S }],
    escalation: {
      steps: [
        // 0 for 10 minutes, 2 for 10 minutes, 4 for 10 minutes: the rise spans 30 minutes only once the
        // history reaches back 30 minutes (the first report at T0).
        {
          name: "rising for 30 minutes to a meaningful rate (last third averaging >= 3)",
          build: recon(32, (i) => ({ qty_synced: Math.floor(i / 10) * 2 })),
          at: T0 + 30 * M,
          before: { state: "warning", severity: "SEV3" },
          after: { state: "critical", severity: "SEV2" },
        },
      ],
    },
  },
  recon_pending_adopted: (() => {
    const oneRestart: Build = (h) => {
      h.report(T0, "REGISTRY_AUDIT_REPORT", { ...audit({}), trigger: "startup" });
      recon(8, (i) => ({ pending_adopted: i === 1 ? 1 : 0 }))(h);
    };
    return {
      kinds: ["futures-bot"],
      criterion: "seed 003: pending_adopted warning >= 1 in a cycle; critical when repeated after every restart",
      fires: {
        name: "one adoption in the latest cycle",
        build: recon(2, (i) => ({ pending_adopted: i })),
        at: T0 + M + S,
        state: "warning",
        severity: "SEV3",
        evidence: ["pending_adopted (latest cycle)", 1],
      },
      boundary: [{ name: "none adopted", build: recon(2, () => ({})), at: T0 + M + S }],
      escalation: {
        steps: [
          {
            name: "adoptions after both of the last two restarts",
            build: (h) => {
              h.report(T0, "REGISTRY_AUDIT_REPORT", { ...audit({}), trigger: "startup" });
              h.report(T0 + 10 * M, "REGISTRY_AUDIT_REPORT", { ...audit({}), trigger: "restart" });
              recon(25, (i) => ({ pending_adopted: i === 1 || i === 11 ? 1 : 0 }))(h);
            },
            at: T0 + 11 * M,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV2" },
          },
          { name: "adoption after one restart only", build: oneRestart, checks: [T0 + 5 * M], stays: { state: "ok" } },
        ],
      },
    };
  })(),
  recon_dedupe: {
    kinds: ["futures-bot"],
    criterion: "seed 003: state_adjustments_deduped dominating state_adjustments_logged for > 30 minutes",
    fires: {
      name: "deduped 40 vs logged 1 for 10 minutes",
      build: recon(11, () => ({ state_adjustments_deduped: 40, state_adjustments_logged: 1 })),
      at: T0 + 10 * M,
      state: "warning",
      severity: "SEV3",
      evidence: ["deduped (latest cycle)", 40],
    },
    boundary: [
      {
        name: "deduped exactly 2 × logged (ratio must be exceeded)",
        build: recon(11, () => ({ state_adjustments_deduped: 10, state_adjustments_logged: 5 })),
        at: T0 + 10 * M,
      },
    ],
    escalation: {
      steps: [
        {
          name: "dominating for longer than 30 minutes",
          build: recon(32, () => ({ state_adjustments_deduped: 40, state_adjustments_logged: 1 })),
          at: T0 + 30 * M + TICK,
          before: { state: "warning", severity: "SEV3" },
          after: { state: "critical", severity: "SEV3" },
          dueAt: T0 + 30 * M,
          announced: true,
        },
      ],
    },
  },
  kill_switch: (() => {
    const active =
      (reason: string, until: number): Build =>
      (h) =>
        h.hold(T0, until, "killSwitch.active", 1, { labels: { reason } }).hold(T0, until, "killSwitch.since", T0);
    return {
      kinds: ["futures-bot"],
      criterion:
        "seed 003: KILL_SWITCH_ACTIVATED; margin_critical auto-recovers (15 min budget), invariant_violation needs a root-cause fix",
      fires: {
        name: "active with reason invariant_violation",
        build: active("invariant_violation", T0 + M),
        at: T0 + M,
        state: "critical",
        severity: "SEV1",
        evidence: ["reason", "invariant_violation"],
      },
      boundary: [
        { name: "kill switch not active", build: (h) => h.hold(T0, T0 + M, "killSwitch.active", 0), at: T0 + M },
      ],
      escalation: {
        steps: [
          {
            name: "margin_critical not cleared within 15 minutes",
            build: active("margin_critical", T0 + 16 * M),
            at: T0 + 15 * M,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV2" },
            dueAt: T0 + 15 * M,
            announced: true,
          },
          {
            // /status may omit killSwitch.since: the start of the active run is the onset, not the latest poll.
            name: "margin_critical without a reported start: 15 minutes after the switch was first seen active",
            build: (h) =>
              h
                .hold(T0, T0 + M - 2 * S, "killSwitch.active", 0)
                .hold(T0 + M, T0 + 17 * M, "killSwitch.active", 1, { labels: { reason: "margin_critical" } }),
            at: T0 + 16 * M,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV2" },
            dueAt: T0 + 16 * M,
            announced: true,
          },
          {
            name: "invariant_violation: due at activation",
            build: (h) =>
              h
                .hold(T0, T0 + M - 2 * S, "killSwitch.active", 0)
                .hold(T0 + M, T0 + 2 * M, "killSwitch.active", 1, { labels: { reason: "invariant_violation" } }),
            at: T0 + M,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + M,
          },
        ],
      },
    };
  })(),
  circuit_breaker: {
    kinds: ["futures-bot"],
    criterion: "seed 003: API circuit breaker open (probes every 60 s); persistent (> 5 min) is critical",
    fires: {
      name: "breaker open",
      build: (h) => h.hold(T0, T0 + M, "circuitBreaker.open", 1).hold(T0, T0 + M, "circuitBreaker.openedAt", T0),
      at: T0 + M,
      state: "warning",
      severity: "SEV2",
      evidence: ["open", true],
    },
    boundary: [{ name: "breaker closed", build: (h) => h.hold(T0, T0 + M, "circuitBreaker.open", 0), at: T0 + M }],
    escalation: {
      steps: [
        {
          name: "open for longer than 5 minutes",
          build: (h) =>
            h.hold(T0, T0 + 6 * M, "circuitBreaker.open", 1).hold(T0, T0 + 6 * M, "circuitBreaker.openedAt", T0),
          at: T0 + 5 * M + TICK,
          before: { state: "warning", severity: "SEV2" },
          after: { state: "critical", severity: "SEV2" },
          dueAt: T0 + 5 * M,
          announced: true,
        },
      ],
    },
  },
  futures_bot_stopped: {
    kinds: ["futures-bot"],
    criterion: "seed 003: a stopped bot runs no trading or reconciliation cycles",
    fires: {
      name: "status stopped",
      build: (h) => h.hold(T0, T0 + M, "status", 2),
      at: T0 + M,
      state: "critical",
      severity: "SEV2",
      evidence: ["status", "stopped"],
    },
    boundary: [{ name: "status halted (not stopped)", build: (h) => h.hold(T0, T0 + M, "status", 1), at: T0 + M }],
    escalation: {
      none: "critical at once; seed 003 gives no time criterion for a stopped bot",
      build: (h) => h.hold(T0, sustainedUntil(T0 + M), "status", 2),
      from: T0 + M,
    },
  },
  ...Object.fromEntries([
    reportWindowCase(
      "corrupted_position",
      "CORRUPTED_POSITION",
      { symbol: "PF_XBTUSD" },
      SYSTEM_ENTITY,
      "warning",
      "SEV2",
      {
        steps: [
          {
            name: "a second CORRUPTED_POSITION within the hour",
            build: (h) =>
              h
                .report(T0, "CORRUPTED_POSITION", { symbol: "PF_XBTUSD" })
                .report(T0 + 10 * M, "CORRUPTED_POSITION", { symbol: "PF_ETHUSD" }),
            at: T0 + 10 * M,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 10 * M,
          },
          {
            name: "the first one exactly an hour old does not repeat with the second",
            build: (h) =>
              h
                .report(T0, "CORRUPTED_POSITION", { symbol: "PF_XBTUSD" })
                .report(T0 + 60 * M, "CORRUPTED_POSITION", { symbol: "PF_ETHUSD" }),
            checks: [T0 + 60 * M],
            stays: { state: "warning", severity: "SEV2" },
          },
        ],
      },
    ),
    reportWindowCase(
      "invariant_violation_report",
      "INVARIANT_VIOLATION",
      { invariant: "max_position_notional" },
      "max_position_notional",
      "critical",
      "SEV1",
      {
        none: "SEV1 from the first record (seed 003: fix the root cause before restart)",
        build: everyTenMinutes("INVARIANT_VIOLATION", { invariant: "max_position_notional" }, T0 + S),
        from: T0 + S,
      },
    ),
    reportWindowCase(
      "threshold_mismatch",
      "THRESHOLD_MISMATCH",
      { parameter: "auction_max_margin_util", value: 92 },
      "auction_max_margin_util",
      "warning",
      "SEV3",
      {
        none: "a configuration inconsistency; seed 003 has no escalation criterion",
        build: everyTenMinutes("THRESHOLD_MISMATCH", { parameter: "auction_max_margin_util", value: 92 }, T0 + S),
        from: T0 + S,
      },
    ),
    recordCountCase("order_rejected_by_venue", "ORDER_REJECTED_BY_VENUE", 3, 10, 15, "SEV3", "SEV2"),
    recordCountCase("recovery_merge_collision", "RECOVERY_MERGE_COLLISION", 1, 3, 60, "SEV3", "SEV2"),
    missingOrderCase("missing_stop_loss", "has_stop_loss", "stop-loss", "critical", "SEV2"),
    missingOrderCase("missing_take_profit", "has_take_profit", "take-profit", "warning", "SEV3"),
  ]),
  untracked_positions: {
    kinds: ["futures-bot"],
    criterion: "seed 003: exchange positions the registry does not track (position import)",
    fires: {
      name: "one untracked position",
      build: (h) =>
        h
          .hold(T0, T0 + M, "untracked_positions", 1)
          .hold(T0, T0 + M, "untracked_position.qty", 0.5, { entity: "PF_LTCUSD" }),
      at: T0 + M,
      entity: "PF_LTCUSD",
      state: "critical",
      severity: "SEV2",
      evidence: ["qty", 0.5],
    },
    boundary: [
      { name: "no untracked position", build: (h) => h.hold(T0, T0 + M, "untracked_positions", 0), at: T0 + M },
    ],
    escalation: {
      none: "critical at once; seed 003 gives no time criterion",
      build: (h) =>
        h
          .hold(T0, sustainedUntil(T0 + M), "untracked_positions", 1)
          .hold(T0, sustainedUntil(T0 + M), "untracked_position.qty", 0.5, { entity: "PF_LTCUSD" }),
      from: T0 + M,
    },
  },
  margin_utilisation: (() => {
    const util =
      (u: number, until = T0 + M): Build =>
      (h) =>
        h
          .hold(T0, until, "marginUtilization.auction_max_margin_util", u)
          .hold(T0, until, "marginUtilization.max_margin_utilization_pct", 85);
    return {
      kinds: ["futures-bot"],
      criterion:
        "seed 003: auction_max_margin_util vs max_margin_utilization_pct (over the limit trips margin_critical)",
      fires: {
        name: "85.1 % against an 85 % limit",
        build: util(85.1),
        at: T0 + M,
        state: "critical",
        severity: "SEV2",
        evidence: ["auction_max_margin_util %", 85.1],
      },
      boundary: [
        { name: "79.9 %, more than 5 points below the limit", build: util(79.9), at: T0 + M },
        {
          name: "exactly the 85 % limit is not over it",
          build: util(85),
          at: T0 + M,
          expect: { state: "warning", severity: "SEV3" },
        },
      ],
      escalation: { none: "tiers by value, not by time", build: util(85.1, sustainedUntil(T0 + M)), from: T0 + M },
    };
  })(),

  // ---------------------------------------------------------------- spot-exchange, seed 004
  exchange_ledger_invariant: (() => {
    const violation: Build = (h) => h.hold(T0, T0 + 20 * M, "invariant_violation_total", stepCounter(T0 + M, 0, 1));
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §3.1: invariant_violation_total > 0 is SEV1",
      fires: {
        name: "one new violation",
        build: violation,
        at: T0 + 2 * M,
        state: "critical",
        severity: "SEV1",
        evidence: ["new violations in 15 min", 1],
      },
      boundary: [
        { name: "no violation", build: (h) => h.hold(T0, T0 + 2 * M, "invariant_violation_total", 0), at: T0 + 2 * M },
        {
          name: "14 minutes after the last violation it is still SEV1 critical",
          build: violation,
          at: T0 + 15 * M,
          expect: { state: "critical", severity: "SEV1" },
        },
        {
          name: "15 minutes without growth (no check count reported) clears it",
          build: violation,
          at: T0 + 16 * M,
          expect: { state: "ok" },
        },
      ],
      escalation: {
        steps: [
          {
            name: "due at the first failed check",
            build: violation,
            at: T0 + M,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + M,
          },
        ],
      },
    };
  })(),
  ledger_seq_mismatch: (() => {
    const mism: Build = (h) => h.hold(T0, T0 + M, "ledger_seq_mismatch", (t) => (t < T0 + 10 * S ? 0 : 3));
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §3.1: engine_seq vs ledger_seq mismatch that persists (> 30 s) is SEV1",
      fires: {
        name: "3 unexplained trades",
        build: mism,
        at: T0 + 20 * S,
        state: "warning",
        severity: "SEV2",
        evidence: ["ledger_seq_mismatch", 3],
      },
      boundary: [{ name: "sequences agree", build: (h) => h.hold(T0, T0 + M, "ledger_seq_mismatch", 0), at: T0 + M }],
      escalation: {
        steps: [
          {
            name: "persists for longer than 30 s",
            build: mism,
            at: T0 + 40 * S + TICK,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 40 * S,
            announced: true,
          },
        ],
      },
    };
  })(),
  settlement_lag: (() => {
    const lag =
      (v: (t: number) => number, until = T0 + 12 * M): Build =>
      (h) =>
        h.hold(T0, until, "ledger_settlement_lag_p99_seconds", v);
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §3.2: p99 > T2 throttle, > T3 SOFT_HALT (SEV2), SEV1 if prolonged (over T2 for 10 min)",
      fires: {
        name: "p99 10 s (over T2 = 5 s)",
        build: lag(() => 10),
        at: T0 + M,
        state: "warning",
        severity: "SEV2",
        evidence: ["settlement lag p99 (s)", 10],
      },
      boundary: [
        { name: "p99 exactly T2", build: lag(() => 5), at: T0 + M },
        {
          name: "p99 exactly T3 is not over T3",
          build: lag(() => 30),
          at: T0 + M,
          expect: { state: "warning", severity: "SEV2" },
        },
      ],
      escalation: {
        steps: [
          {
            name: "crossing T3 (over T2 since T0)",
            build: lag((t) => (t < T0 + M ? 10 : 45)),
            at: T0 + M,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV2" },
            dueAt: T0 + 10 * M,
          },
          {
            name: "over T3 for longer than 10 minutes",
            build: lag(() => 45),
            at: T0 + 10 * M + TICK,
            before: { state: "critical", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 10 * M,
            announced: true,
          },
          {
            name: "between T2 and T3 for longer than 10 minutes",
            build: lag(() => 10),
            at: T0 + 10 * M + TICK,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 10 * M,
            announced: true,
          },
        ],
      },
    };
  })(),
  split_brain: (() => {
    const leaders =
      (b: number): Build =>
      (h) =>
        h
          .hold(T0, T0 + M, "leader_lease_holder", 1, { labels: { node: "engine-a" } })
          .hold(T0, T0 + M, "leader_lease_holder", b, { labels: { node: "engine-b" } })
          .hold(T0, T0 + M, "state_hash_divergence_total", 0);
    const dup: Build = (h) =>
      h.hold(T0, T0 + 6 * M, "duplicate_seq_total", stepCounter(T0 + 30 * S, 0, 4), {
        entity: "BTC-USD",
        labels: { symbol: "BTC-USD" },
      });
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §3.3: duplicate seq, divergent state hashes or conflicting leadership are SEV1",
      fires: {
        name: "two nodes hold the leader lease",
        build: leaders(1),
        at: T0 + M,
        state: "critical",
        severity: "SEV1",
        evidence: ["lease holders", "engine-a, engine-b"],
      },
      boundary: [
        { name: "one leader", build: leaders(0), at: T0 + M },
        {
          name: "duplicate seq exactly 5 minutes ago has left the window",
          build: dup,
          at: T0 + 5 * M + 30 * S,
          entity: "BTC-USD",
        },
      ],
      escalation: {
        steps: [
          {
            name: "due at the first duplicate sequence number",
            build: dup,
            entity: "BTC-USD",
            at: T0 + 30 * S,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 30 * S,
          },
        ],
      },
    };
  })(),
  ws_slow_consumer: (() => {
    const closes =
      (n: number, cpu: (t: number) => number = () => 0.5): Build =>
      (h) =>
        h
          .hold(T0, T0 + 7 * M, "ws_close_total", stepCounter(T0 + M, 0, n), { labels: { reason: "SLOW_CONSUMER" } })
          .hold(T0, T0 + 7 * M, "edge_cpu_usage_ratio", cpu);
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §3.4: ws_close_total{SLOW_CONSUMER} rising (SEV3); with edge CPU high (SEV2)",
      fires: {
        name: "12 slow-consumer closes in 5 minutes",
        build: closes(12),
        at: T0 + 2 * M,
        state: "warning",
        severity: "SEV3",
        evidence: ["SLOW_CONSUMER closes in window", 12],
      },
      boundary: [
        { name: "9 closes (below 10)", build: closes(9), at: T0 + 2 * M },
        { name: "the closes exactly 5 minutes ago have left the window", build: closes(12), at: T0 + 6 * M },
      ],
      escalation: {
        steps: [
          {
            name: "edge CPU reaches 0.9",
            build: closes(12, (t) => (t < T0 + 3 * M ? 0.5 : 0.9)),
            at: T0 + 3 * M,
            before: { state: "warning", severity: "SEV3" },
            after: { state: "critical", severity: "SEV2" },
          },
        ],
      },
    };
  })(),
  kafka_outage: {
    kinds: ["spot-exchange"],
    criterion: "seed 004 §3.5: producer errors, broker unavailable — SEV2",
    fires: {
      name: "all brokers down",
      build: (h) =>
        h
          .hold(T0, T0 + M, "kafka_brokers_up", (t) => (t < T0 + 30 * S ? 3 : 0))
          .hold(T0, T0 + M, "kafka_producer_errors_total", 0),
      at: T0 + M,
      state: "critical",
      severity: "SEV2",
      evidence: ["brokers up", 0],
    },
    boundary: [
      {
        // The outage is "0 brokers up"; the nearest count that is not an outage is one broker up.
        name: "one broker of three still up is not the whole outage: a SEV2 warning naming the brokers down",
        build: (h) =>
          h
            .hold(T0, T0 + M, "kafka_brokers_up", (t) => (t < T0 + 30 * S ? 3 : 1))
            .hold(T0, T0 + M, "kafka_producer_errors_total", 0)
            .hold(T0, T0 + M, "kafka_broker_up", 1, { labels: { broker: "0" } })
            .hold(T0, T0 + M, "kafka_broker_up", (t) => (t < T0 + 30 * S ? 1 : 0), { labels: { broker: "1" } })
            .hold(T0, T0 + M, "kafka_broker_up", (t) => (t < T0 + 30 * S ? 1 : 0), { labels: { broker: "2" } }),
        at: T0 + M,
        expect: { state: "warning", severity: "SEV2" },
      },
      {
        name: "brokers up, ledger consumer lag exactly 50,000",
        build: (h) =>
          h
            .hold(T0, T0 + M, "kafka_brokers_up", 3)
            .hold(T0, T0 + M, "kafka_producer_errors_total", 0)
            .hold(T0, T0 + M, "kafka_consumer_lag_messages", 50_000, { labels: { group: "ledger-settlement" } }),
        at: T0 + M,
      },
    ],
    escalation: {
      none: "SEV2 at once (seed 004 §3.5); no time criterion",
      build: (h) =>
        h
          .hold(T0, sustainedUntil(T0 + M), "kafka_brokers_up", (t) => (t < T0 + 30 * S ? 3 : 0))
          .hold(T0, sustainedUntil(T0 + M), "kafka_producer_errors_total", 0),
      from: T0 + M,
    },
  },
  postgres_health: (() => {
    const primaryDown: Build = (h) =>
      h
        .hold(T0, T0 + 6 * M, "postgres_up", (t) => (t < T0 + 10 * S ? 1 : 0), { labels: { node: "pg-a" } })
        .hold(T0, T0 + 6 * M, "postgres_up", 1, { labels: { node: "pg-b" } })
        .hold(T0, T0 + 6 * M, "postgres_primary", 1, { labels: { node: "pg-a" } })
        .hold(T0, T0 + 6 * M, "postgres_primary", 0, { labels: { node: "pg-b" } });
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §3.6: primary down (SEV2); SEV1 without a failover within 5 minutes",
      fires: {
        name: "primary pg-a down",
        build: primaryDown,
        at: T0 + M,
        state: "critical",
        severity: "SEV2",
        evidence: ["nodes down", "pg-a"],
      },
      boundary: [
        {
          name: "9 ledger transaction errors in the last minute (below 10)",
          build: (h) =>
            h
              .hold(T0, T0 + 2 * M, "postgres_up", 1, { labels: { node: "pg-a" } })
              .hold(T0, T0 + 2 * M, "postgres_primary", 1, { labels: { node: "pg-a" } })
              .hold(T0, T0 + 2 * M, "ledger_db_transaction_errors_total", stepCounter(T0 + M, 0, 9)),
          at: T0 + M + 30 * S,
        },
      ],
      escalation: {
        steps: [
          {
            name: "no failover for longer than 5 minutes",
            build: primaryDown,
            at: T0 + 5 * M + 10 * S + TICK,
            before: { state: "critical", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 5 * M + 10 * S,
            announced: true,
          },
        ],
      },
    };
  })(),
  api_latency: {
    kinds: ["spot-exchange"],
    criterion: "seed 004: elevated latency (p99 over 250 ms for longer than 5 minutes) is SEV3",
    fires: {
      name: "p99 400 ms for longer than 5 minutes",
      build: (h) => h.hold(T0, T0 + 6 * M, "trading_api_request_duration_seconds:p99_window", 0.4),
      at: T0 + 5 * M + TICK,
      state: "warning",
      severity: "SEV3",
      evidence: ["p99 (s)", 0.4],
    },
    boundary: [
      {
        name: "p99 400 ms for exactly 5 minutes",
        build: (h) => h.hold(T0, T0 + 6 * M, "trading_api_request_duration_seconds:p99_window", 0.4),
        at: T0 + 5 * M,
      },
      {
        name: "p99 exactly 250 ms for 6 minutes",
        build: (h) => h.hold(T0, T0 + 6 * M, "trading_api_request_duration_seconds:p99_window", 0.25),
        at: T0 + 6 * M,
      },
    ],
    escalation: {
      none: "SEV3 only (seed 004 severity definitions)",
      build: (h) =>
        h.hold(T0, sustainedUntil(T0 + 5 * M + TICK), "trading_api_request_duration_seconds:p99_window", 0.4),
      from: T0 + 5 * M + TICK,
    },
  },
  api_error_rate: (() => {
    const rate =
      (r: number, until = T0 + 5 * M): Build =>
      (h) =>
        h
          .hold(T0, until, "trading_api_requests_total", (t) => (t - T0) / 10, { labels: { outcome: "ok" } })
          .hold(T0, until, "trading_api_errors_total", (t) => Math.round(((t - T0) / 10) * r), {
            labels: { reason: "internal" },
          });
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004: partial degradation (SEV3) from 1 % errors, trading unavailable (SEV2) from 5 %",
      fires: {
        name: "2 % of requests fail",
        build: rate(0.02),
        at: T0 + 5 * M,
        state: "warning",
        severity: "SEV3",
        evidence: ["error rate", "2 %"],
      },
      boundary: [
        {
          name: "0.99 % errors, just below the 1 % threshold (ok while the rate is < 1 %)",
          build: rate(0.0099),
          at: T0 + 5 * M,
        },
        {
          name: "4.99 % errors is not the 5 % SEV2 tier",
          build: rate(0.0499),
          at: T0 + 5 * M,
          expect: { state: "warning", severity: "SEV3" },
        },
        {
          name: "99 requests, all failing (below the minimum of 100)",
          build: (h) =>
            h
              .hold(T0, T0 + 2 * M, "trading_api_requests_total", stepCounter(T0 + M, 0, 99))
              .hold(T0, T0 + 2 * M, "trading_api_errors_total", stepCounter(T0 + M, 0, 99)),
          at: T0 + 2 * M,
        },
      ],
      escalation: {
        none: "tiers by error rate, not by time",
        build: rate(0.02, sustainedUntil(T0 + 5 * M)),
        from: T0 + 5 * M,
      },
    };
  })(),
  edge_auth_failures: (() => {
    const fails =
      (n: number): Build =>
      (h) =>
        h
          .hold(T0, T0 + 2 * M, "auth_fail_total", stepCounter(T0 + M, 0, n), { labels: { reason: "bad_signature" } })
          .hold(T0, T0 + 2 * M, "auth_fail_total", 1, { labels: { reason: "unknown_key" } });
    return {
      kinds: ["spot-exchange"],
      criterion: "seed 004 §2 edge-auth dashboard: auth_fail_total{reason} over 300 per 5 minutes",
      fires: {
        name: "400 bad_signature failures",
        build: fails(400),
        at: T0 + 2 * M,
        entity: "bad_signature",
        state: "warning",
        severity: "SEV3",
        evidence: ["auth failures (bad_signature)", 400],
        quiet: ["unknown_key"],
      },
      boundary: [{ name: "exactly 300 failures", build: fails(300), at: T0 + 2 * M, entity: "bad_signature" }],
      escalation: {
        none: "dashboard signal without a playbook in seed 004",
        // 2 bad_signature failures a second: 600 per 5 minutes, for over an hour.
        build: (h) =>
          h
            .hold(T0, sustainedUntil(T0 + 5 * M), "auth_fail_total", (t) => (t - T0) / 500, {
              labels: { reason: "bad_signature" },
            })
            .hold(T0, sustainedUntil(T0 + 5 * M), "auth_fail_total", 1, { labels: { reason: "unknown_key" } }),
        from: T0 + 5 * M,
      },
    };
  })(),
  replay_detect: (() => {
    const replays =
      (n: number): Build =>
      (h) =>
        h.hold(T0, T0 + 2 * M, "replay_detect_total", stepCounter(T0 + M, 0, n));
    return {
      kinds: ["spot-exchange"],
      criterion:
        "seed 004 §2: replay_detect_total over 10 per 5 minutes; §1 signing compromise (SEV1) at 100 per window or after 15 minutes",
      fires: {
        name: "11 replays",
        build: replays(11),
        at: T0 + 2 * M,
        state: "warning",
        severity: "SEV2",
        evidence: ["replays detected in window", 11],
      },
      boundary: [{ name: "exactly 10 replays", build: replays(10), at: T0 + 2 * M }],
      escalation: {
        steps: [
          {
            name: "100 replays in the window: signing compromise suspected (SEV1)",
            build: replays(150),
            at: T0 + M,
            before: { state: "ok" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + M,
          },
          {
            name: "15 replays per 5 minutes: above 10 for more than 15 minutes",
            // 3 replays a minute; the window first holds 11 at T0+3 min 40 s.
            build: (h) => h.hold(T0, T0 + 25 * M, "replay_detect_total", (t) => Math.floor((t - T0) / (20 * S))),
            at: T0 + 18 * M + 40 * S + TICK,
            before: { state: "warning", severity: "SEV2" },
            after: { state: "critical", severity: "SEV1" },
            dueAt: T0 + 18 * M + 40 * S,
            announced: true,
          },
        ],
      },
    };
  })(),

  // ---------------------------------------------------------------- console
  telemetry_dark: {
    kinds: ["trading-bot", "futures-bot", "spot-exchange"],
    criterion:
      "console: all data endpoints stale/failing — exposure unknown (seed 002: uncertain exposure is SEV-1 after 5 minutes)",
    fires: {
      name: "every endpoint stale",
      build: (h) => h.hold(T0, T0 + M, "tradingLoopHealthy", 1).freshness("stale"),
      at: T0 + 2 * M,
      state: "critical",
      severity: "SEV2",
      evidence: ["last data (UTC)", new Date(T0 + M).toISOString().replace("T", " ").slice(0, 19)],
    },
    boundary: [
      { name: "every endpoint fresh", build: (h) => h.hold(T0, T0 + M, "tradingLoopHealthy", 1), at: T0 + M },
      {
        name: "every data endpoint fresh, a non-data endpoint (/health/live) stale",
        build: (h) => h.hold(T0, T0 + 2 * M, "tradingLoopHealthy", 1).freshness("stale", "/health/live"),
        at: T0 + 2 * M,
      },
      {
        // Dark means every data endpoint of the kind; one still fresh is partial telemetry (SEV3), not dark.
        name: "all data endpoints but one stale: partial telemetry, not dark",
        kinds: ["trading-bot", "futures-bot"],
        build: (h) => {
          h.hold(T0, T0 + 2 * M, "tradingLoopHealthy", 1);
          for (const e of PRIMARY_ENDPOINTS[h.target.kind].slice(0, -1)) h.freshness("stale", e);
        },
        at: T0 + 2 * M,
        expect: { state: "warning", severity: "SEV3" },
      },
    ],
    escalation: {
      steps: [
        // Last data at +1 min; dark from when it turned stale (+ the freshness budget, 5 s); SEV1 5 minutes later.
        {
          name: "dark for 5 minutes",
          build: (h) => h.hold(T0, T0 + M, "tradingLoopHealthy", 1).freshness("stale"),
          at: T0 + 6 * M + 5 * S,
          before: { state: "critical", severity: "SEV2" },
          after: { state: "critical", severity: "SEV1" },
          dueAt: T0 + 6 * M + 5 * S,
          announced: true,
        },
      ],
    },
    staleExempt: "the rule is about freshness itself: stale sources make it fire (tested below), never unknown",
  },
  health_probes: {
    kinds: ["trading-bot", "futures-bot", "spot-exchange"],
    criterion: "seed 002 recovery check: /health/live and /health/ready must return 200 (not for more than 10 s)",
    fires: {
      name: "/health/live answers 503 for 20 s",
      build: (h) => h.hold(T0, T0 + M, "http_status", 503, { labels: { path: "/health/live" } }),
      at: T0 + 20 * S,
      entity: "/health/live",
      state: "critical",
      severity: "SEV2",
      evidence: ["/health/live", 503],
    },
    boundary: [
      {
        name: "/health/live answers 503 for exactly 10 s",
        build: (h) => h.hold(T0, T0 + M, "http_status", 503, { labels: { path: "/health/live" } }),
        at: T0 + 10 * S,
        entity: "/health/live",
      },
    ],
    escalation: {
      none: "the 10 s debounce is the firing condition; seed 002 has no time criterion for probes",
      build: (h) => h.hold(T0, sustainedUntil(T0 + 20 * S), "http_status", 503, { labels: { path: "/health/live" } }),
      from: T0 + 20 * S,
    },
  },
  // ---------------------------------------------------------------- post-control watch
  control_watch: {
    kinds: ["spot-exchange"],
    criterion:
      "console: a protective control's effect must keep holding for its watch window (a halted symbol trades nothing); a breach is SEV1 linked to the control",
    fires: {
      name: "BTC-USD trades again 2 minutes after its HARD_HALT",
      build: (h) => haltedExchange(h, T0 + 2 * M),
      at: T0 + 2 * M,
      entity: "BTC-USD",
      state: "critical",
      severity: "SEV1",
      evidence: ["audit row", 42],
    },
    boundary: [
      {
        name: "the halt holds: no trade, mode unchanged",
        build: (h) => haltedExchange(h, null),
        at: T0 + 2 * M,
        entity: "BTC-USD",
      },
      {
        name: "a cancel-all on the halted symbol moves its sequence, not its trades",
        build: (h) =>
          haltedExchange(h, null).hold(T0 + M, T0 + 2 * M, "lastSeq", (t) => 9000 + (t - T0) / 1000, {
            entity: "BTC-USD",
          }),
        at: T0 + 2 * M,
        entity: "BTC-USD",
      },
      {
        name: "trades before the control do not count",
        build: (h) => haltedExchange(h, null),
        at: T0 + 10 * S,
        entity: "BTC-USD",
      },
    ],
    escalation: {
      none: "a breach is SEV1 from the first trade after the halt: there is nothing above it",
      build: (h) => haltedExchange(h, T0 + 2 * M, T0 + 2 * M + SUSTAIN + M),
      from: T0 + 2 * M,
    },
  },
};

// ---------------------------------------------------------------- the runner

function harness(kind: SystemKind, build: Build, thresholds?: Thresholds): RuleHarness {
  const h = fresh(kind, thresholds);
  build(h);
  return h;
}

const isStep = (s: Step | Never): s is Step => "at" in s;
const kindsOf = (ruleId: string, c: Case): SystemKind[] => c.kinds ?? [ruleById(ruleId)!.kinds[0]!];
const FRESHNESS_FAULTS: Exclude<Freshness, "ok">[] = ["stale", "error", "no_data"];

function describeFinding(f: Finding | undefined): string {
  return f
    ? `${f.entity}: ${f.state}/${f.severity} due ${f.escalationDueAt === undefined ? "—" : `+${(f.escalationDueAt - T0) / 1000}s`} — ${f.summary}`
    : "none";
}

for (const [ruleId, c] of Object.entries(COVERAGE)) {
  const rule = ruleById(ruleId);
  describe(`${ruleId} — ${c.criterion}`, () => {
    it("is a rule of the catalog for the kinds in its row", () => {
      expect(rule, `no rule ${ruleId}`).toBeDefined();
      for (const k of kindsOf(ruleId, c)) expect(rule!.kinds).toContain(k);
    });
    if (!rule) return;

    for (const kind of kindsOf(ruleId, c)) {
      const tag = (c.kinds ?? []).length > 1 ? ` [${kind}]` : "";
      const entity = (s: { entity?: string }) => s.entity ?? SYSTEM_ENTITY;

      it(`fires: ${c.fires.name}${tag}`, () => {
        const h = harness(kind, c.fires.build, c.fires.thresholds);
        const f = h.one(ruleId, c.fires.at, entity(c.fires));
        expect(f, describeFinding(f)).toMatchObject({
          state: c.fires.state,
          severity: c.fires.severity,
          entity: entity(c.fires),
          id: `${ruleId}|${h.target.name}|${entity(c.fires)}`,
        });
        const [label, value] = c.fires.evidence;
        expect(f.evidence.values, `evidence ${JSON.stringify(f.evidence.values)}`).toContainEqual(
          expect.objectContaining({ label, value }),
        );
        for (const q of c.fires.quiet ?? []) expect(h.one(ruleId, c.fires.at, q).state, `${q} stays ok`).toBe("ok");
      });

      for (const b of c.boundary.filter((x) => !x.kinds || x.kinds.includes(kind))) {
        it(`not at the boundary: ${b.name}${tag}`, () => {
          const h = harness(kind, b.build, b.thresholds);
          const f = h.one(ruleId, b.at, entity(b));
          expect(f, describeFinding(f)).toMatchObject(b.expect ?? { state: "ok" });
        });
      }

      if ("steps" in c.escalation) {
        for (const s of c.escalation.steps) {
          it(`escalation: ${s.name}${tag}`, () => {
            const h = harness(kind, s.build, s.thresholds);
            const at = (t: number) => h.one(ruleId, t, entity(s));
            if (!isStep(s)) {
              for (const t of s.checks)
                expect(at(t), `at +${(t - T0) / 1000}s: ${describeFinding(at(t))}`).toMatchObject(s.stays);
              return;
            }
            const before = at(s.at - TICK);
            expect(before, `one tick before: ${describeFinding(before)}`).toMatchObject(s.before);
            if (s.announced) expect(before.escalationDueAt, "due time announced before it is reached").toBe(s.dueAt);
            for (const t of [s.at, s.at + 2 * S]) {
              const f = at(t);
              expect(f, `at +${(t - T0) / 1000}s: ${describeFinding(f)}`).toMatchObject(s.after);
              if (s.dueAt !== undefined) {
                expect(f.escalationDueAt, "escalationDueAt is the seed criterion's time").toBe(s.dueAt);
                expect(f.escalation, "the criterion in words").toBeTruthy();
              }
            }
          });
        }
      } else {
        const n = c.escalation;
        it(`escalation: none — ${n.none}; condition held for an hour: same state and severity, no escalationDueAt${tag}`, () => {
          const h = harness(kind, n.build, c.fires.thresholds);
          for (let t = n.from; t <= n.from + SUSTAIN; t += SUSTAIN_STEP) {
            const f = h.one(ruleId, t, entity(c.fires));
            const where = `at +${(t - T0) / 1000}s: ${describeFinding(f)}`;
            expect(f, where).toMatchObject({ state: c.fires.state, severity: c.fires.severity });
            expect(f.escalationDueAt, where).toBeUndefined();
            expect(f.escalation, where).toBeUndefined();
          }
        });
      }

      if (c.staleExempt) continue;
      const sources = rule.sources[kind] ?? [];
      const scenarios: { name: string; build: Build; at: number; thresholds?: Thresholds }[] = [
        c.fires,
        ...c.boundary.filter((x) => !x.kinds || x.kinds.includes(kind)),
        ...("steps" in c.escalation
          ? c.escalation.steps
              .filter(isStep)
              .map((s) => ({ name: s.name, build: s.build, at: s.at, thresholds: s.thresholds }))
          : []),
      ];
      for (const where of [...sources, "the whole target"]) {
        it(`unknown when ${where} is stale, failing or without data${tag}`, () => {
          for (const fault of FRESHNESS_FAULTS) {
            for (const sc of scenarios) {
              const h = harness(kind, sc.build, sc.thresholds);
              if (where === "the whole target") h.freshness(fault);
              else h.freshness(fault, where);
              const found = h.run(ruleId, sc.at);
              expect(found.length, `${fault} / ${sc.name}: still reports its entities`).toBeGreaterThan(0);
              for (const f of found) {
                expect(f.state, `${fault} / ${sc.name}: ${describeFinding(f)}`).toBe("unknown");
                expect(f.summary).toMatch(/^Unknown — /);
                expect(f.since).toBe(sc.at);
              }
            }
          }
        });
      }
      it(`an unrelated endpoint failing does not make it unknown${tag}`, () => {
        const h = harness(kind, c.fires.build, c.fires.thresholds).freshness("error", "/unrelated");
        expect(h.one(ruleId, c.fires.at, entity(c.fires)).state).toBe(c.fires.state);
      });
    }
  });
}

describe("telemetry_dark on stale sources (exempt from the unknown rule: it is about freshness)", () => {
  for (const kind of ["trading-bot", "futures-bot", "spot-exchange"] as const) {
    for (const fault of FRESHNESS_FAULTS) {
      it(`${kind}: every data endpoint ${fault} → critical, never ok or unknown`, () => {
        const h = fresh(kind)
          .hold(T0, T0 + M, "x", 1)
          .freshness(fault);
        const f = h.one("telemetry_dark", T0 + 2 * M);
        expect(f).toMatchObject({ state: "critical" });
      });
    }
  }
});

describe("api_error_rate at exactly its thresholds (the comparisons are >= 1 % and >= 5 %)", () => {
  const rate = (r: number) =>
    fresh("spot-exchange")
      .hold(T0, T0 + 5 * M, "trading_api_requests_total", (t) => (t - T0) / 10, { labels: { outcome: "ok" } })
      .hold(T0, T0 + 5 * M, "trading_api_errors_total", (t) => Math.round(((t - T0) / 10) * r), {
        labels: { reason: "internal" },
      });
  it("exactly 1 % (300 of 30,000 requests) is partial degradation, SEV3", () => {
    const f = rate(0.01).one("api_error_rate", T0 + 5 * M);
    expect(f, describeFinding(f)).toMatchObject({ state: "warning", severity: "SEV3" });
    expect(f.evidence.values).toContainEqual(expect.objectContaining({ label: "requests", value: 30_000 }));
    expect(f.evidence.values).toContainEqual(expect.objectContaining({ label: "errors", value: 300 }));
  });
  it("exactly 5 % is trading unavailable, SEV2", () => {
    expect(rate(0.05).one("api_error_rate", T0 + 5 * M)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
  it("exactly 100 requests, all failing, is enough requests to judge", () => {
    const h = fresh("spot-exchange")
      .hold(T0, T0 + 2 * M, "trading_api_requests_total", stepCounter(T0 + M, 0, 100))
      .hold(T0, T0 + 2 * M, "trading_api_errors_total", stepCounter(T0 + M, 0, 100));
    expect(h.one("api_error_rate", T0 + 2 * M)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
});

describe("coverage table (meta)", () => {
  it("every rule in RULES has a row: fires, an ok boundary, escalation timing or a reason, and stale handling", () => {
    const missing = RULES.map((r) => r.id).filter((id) => !(id in COVERAGE));
    expect(missing, `rules without coverage rows: ${missing.join(", ")}`).toEqual([]);
    for (const r of RULES) {
      const c = COVERAGE[r.id]!;
      expect(
        c.boundary.some((b) => b.expect === undefined || b.expect.state === "ok"),
        `${r.id}: an ok boundary`,
      ).toBe(true);
      expect(
        "steps" in c.escalation ? c.escalation.steps.length > 0 : c.escalation.none.length > 0,
        `${r.id}: escalation steps or a reason`,
      ).toBe(true);
      if (!("steps" in c.escalation))
        expect(typeof c.escalation.build, `${r.id}: a sustained history for "no escalation"`).toBe("function");
      if (c.staleExempt)
        expect(r.id, "only freshness rules may be exempt from unknown-on-stale").toBe("telemetry_dark");
    }
  });
  it("has no rows for rules that do not exist", () => {
    const ids = new Set(RULES.map((r) => r.id));
    expect(Object.keys(COVERAGE).filter((id) => !ids.has(id))).toEqual([]);
  });
});
