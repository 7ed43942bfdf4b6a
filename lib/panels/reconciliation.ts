import "server-only";
import type { Actor } from "../auth/roles";
import type { TargetConfig } from "../config/fleet";
import { dominatesFor, sustainedIncrease } from "../rules/windows";
import type { Report } from "../telemetry/model";
import { buildChart, metricsOf, rollupAggFor, type ChartSpec } from "./charts";
import { panelContext, type PanelContext, type PanelFinding, type PanelSystem, type RangeWindow } from "./context";
import type { Pt } from "./downsample";
import { RANGES, runLengths, shapeChart, trailingDistinct, type RangeKey, type ShapedChart } from "./shape";
import { duration } from "../core/time";

// Reconciliation (seed 003 for the futures bot, seed 001 for the trading bots): one trend per
// RECONCILIATION_REPORT field against its target, warning and critical threshold, the windowed
// conditions in words, the latest REGISTRY_AUDIT_REPORT, and the trading bots' mismatch counts.

const MIN = 60_000;

export interface AuditRow {
  field: string;
  expected: number;
  value: number | null;
  action: string;
  critical: boolean;
}

export interface FuturesReconciliation {
  system: PanelSystem;
  charts: ShapedChart[];
  lastReportAt?: number;
  reportCount: number;
  audit: { at: number; trigger: string | null; rows: AuditRow[] } | null;
  findings: PanelFinding[];
  error?: string;
}

export interface BotReconciliation {
  system: PanelSystem;
  chart: ShapedChart;
  lastRun: number | null;
  loopHealthy: boolean | null;
  lockContention: number | null;
  findings: PanelFinding[];
  error?: string;
}

export interface ReconciliationView {
  window: RangeWindow;
  futures: FuturesReconciliation[];
  bots: BotReconciliation[];
  now: number;
}

/** Seed 003's registry audit table: every field is expected to be 0. */
export const AUDIT_FIELDS: readonly Omit<AuditRow, "value">[] = [
  {
    field: "violations_total",
    expected: 0,
    critical: true,
    action: "Critical. Startup should fail fast — keep the service stopped and do not override.",
  },
  {
    field: "duplicate_active_symbol_keys",
    expected: 0,
    critical: false,
    action: "Investigate duplicate lifecycle rows by symbol key; run the sync tools only once the root cause is known.",
  },
  {
    field: "non_terminal_in_closed_history",
    expected: 0,
    critical: false,
    action: "Lifecycle corruption: review the recent takeover, import and reconcile logs.",
  },
  {
    field: "remaining_qty_violations",
    expected: 0,
    critical: false,
    action: "Possible fill-ledger corruption: inspect fill IDs and position snapshots before a restart.",
  },
];

function num(x: unknown): number {
  return typeof x === "number" && Number.isFinite(x) ? x : 0;
}

function issueSymbols(r: Report, type: string): string[] {
  const issues = r.fields.issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter(
      (i): i is Record<string, unknown> => !!i && typeof i === "object" && (i as Record<string, unknown>).type === type,
    )
    .map((i) => String(i.symbol));
}

function p(params: Record<string, unknown>, k: string, d: number): number {
  return typeof params[k] === "number" ? (params[k] as number) : d;
}

/** The RECONCILIATION_REPORT charts, from the reports in the window (pure apart from its inputs). */
export function reconciliationCharts(
  reports: readonly Report[],
  window: { from: number; to: number },
  params: Record<string, Record<string, unknown>>,
  now: number,
): ShapedChart[] {
  const series = (f: string): Pt[] => reports.map((r) => ({ t: r.observedAt, v: num(r.fields[f]) }));
  const lastReport = reports[reports.length - 1];
  const latest = (f: string) => (lastReport ? num(lastReport.fields[f]) : null);
  const shown = (v: number | null) => (v === null ? "no report" : String(v));
  const charts: ShapedChart[] = [];

  for (const [field, issueType, rule] of [
    ["orphaned", "ORPHANED", "recon_orphaned"],
    ["phantom", "PHANTOM", "recon_phantom"],
  ] as const) {
    const q = params[rule] ?? {};
    const critical = p(q, "critical", 3);
    const windowMin = p(q, "windowMinutes", 15);
    const warn = p(q, "warnPerCycle", 1);
    const cycles = reports.map((r) => ({
      t: r.observedAt,
      count: num(r.fields[field]),
      keys: issueSymbols(r, issueType),
    }));
    const trailing = trailingDistinct(cycles, windowMin * MIN);
    const recent = cycles.filter((c) => c.t > now - windowMin * MIN);
    const inWindow = trailingDistinct(recent, windowMin * MIN).at(-1)?.v ?? 0;
    charts.push(
      shapeChart({
        id: `recon-${field}`,
        title: `${field}`,
        unit: "positions",
        digits: 0,
        ...window,
        series: [
          { key: field, label: `${field} per cycle`, points: series(field) },
          { key: `${field}-window`, label: `distinct ${field} in trailing ${windowMin} min`, points: trailing },
        ],
        thresholds: [
          { value: 0, label: "target 0", kind: "target" },
          { value: warn, label: `warning ≥ ${warn} in a cycle`, kind: "warning", appliesTo: 0 },
          { value: critical, label: `critical ≥ ${critical} in ${windowMin} min`, kind: "critical", appliesTo: 1 },
        ],
        notes: [
          `Warning — ≥ ${warn} in a cycle: ${shown(latest(field))} in the latest cycle`,
          `Critical — ≥ ${critical} in the last ${windowMin} minutes: ${inWindow}`,
        ],
      }),
    );
  }

  {
    const q = params.recon_qty_mismatch ?? {};
    const persist = p(q, "persistCycles", 3);
    const runs = runLengths(series("qty_mismatch"), (v) => v >= 1);
    charts.push(
      shapeChart({
        id: "recon-qty_mismatch",
        title: "qty_mismatch",
        unit: "positions",
        digits: 0,
        ...window,
        series: [
          { key: "qty_mismatch", label: "qty_mismatch per cycle", points: series("qty_mismatch") },
          { key: "qty_mismatch-run", label: "consecutive cycles with a mismatch", points: runs },
        ],
        thresholds: [
          { value: 0, label: "target 0", kind: "target" },
          { value: 1, label: "warning ≥ 1 in a cycle", kind: "warning", appliesTo: 0 },
          { value: persist, label: `critical: ${persist}+ consecutive cycles`, kind: "critical", appliesTo: 1 },
        ],
        notes: [
          `Warning — ≥ 1 in a cycle: ${shown(latest("qty_mismatch"))} in the latest cycle`,
          `Critical — persistent for ${persist}+ cycles: ${runs.at(-1)?.v ?? 0} consecutive so far`,
        ],
      }),
    );
  }

  {
    const q = params.recon_qty_synced ?? {};
    const warn = p(q, "warnPerCycle", 3);
    const trendMin = p(q, "trendMinutes", 30);
    const trend = sustainedIncrease(series("qty_synced"), now, trendMin * MIN);
    charts.push(
      shapeChart({
        id: "recon-qty_synced",
        title: "qty_synced",
        unit: "positions",
        digits: 0,
        ...window,
        series: [{ key: "qty_synced", label: "qty_synced per cycle", points: series("qty_synced") }],
        thresholds: [{ value: warn, label: `warning ≥ ${warn} in a cycle`, kind: "warning" }],
        notes: [
          `Target — low / occasional. Warning — ≥ ${warn} in a cycle: ${shown(latest("qty_synced"))} in the latest cycle`,
          `Critical — sustained increase over ${trendMin} minutes: ${trend.means.length ? `${trend.increasing ? "yes" : "no"} (means per ${trendMin / 3} min: ${trend.means.map((m) => m.toFixed(1)).join(" → ")})` : `not enough cycles in the last ${trendMin} minutes`}`,
        ],
      }),
    );
  }

  {
    const adopted = reports.filter((r) => num(r.fields.pending_adopted) >= 1).length;
    charts.push(
      shapeChart({
        id: "recon-pending_adopted",
        title: "pending_adopted",
        unit: "orders",
        digits: 0,
        ...window,
        series: [{ key: "pending_adopted", label: "pending_adopted per cycle", points: series("pending_adopted") }],
        thresholds: [{ value: 1, label: "warning ≥ 1 in a cycle", kind: "warning" }],
        notes: [
          `Target — rare. Warning — ≥ 1 in a cycle: ${shown(latest("pending_adopted"))} in the latest cycle; ${adopted} cycle(s) with adoptions in this range`,
          "Critical — repeated after every restart (see the finding below when it fires)",
        ],
      }),
    );
  }

  {
    const q = params.recon_dedupe ?? {};
    const ratio = p(q, "ratio", 2);
    const minDeduped = p(q, "minDeduped", 5);
    const domMin = p(q, "dominateMinutes", 30);
    const interval = p(q, "reconciliationIntervalSeconds", 60);
    const ded = series("state_adjustments_deduped");
    const logged = series("state_adjustments_logged");
    const dom = dominatesFor(ded, logged, now, { ratio, minA: minDeduped, maxGapMs: 2.5 * interval * 1000 });
    charts.push(
      shapeChart({
        id: "recon-dedupe",
        title: "state_adjustments_deduped vs state_adjustments_logged",
        unit: "adjustments",
        digits: 0,
        ...window,
        series: [
          { key: "deduped", label: "deduped per cycle", points: ded },
          { key: "logged", label: "logged per cycle", points: logged },
          {
            key: "dominance",
            label: `${ratio} × logged (deduped above it dominates)`,
            points: logged.map((x) => ({ t: x.t, v: x.v * ratio })),
          },
        ],
        thresholds: [{ value: minDeduped, label: `deduped counts from ${minDeduped}`, kind: "warning", appliesTo: 0 }],
        notes: [
          "Target — low. Warning — a rising trend.",
          `Critical — deduped dominates logged (> ${ratio}× and ≥ ${minDeduped}) for more than ${domMin} minutes: ${dom.holding ? `dominating for ${duration(dom.durationMs)}` : "not dominating now"}`,
        ],
      }),
    );
  }
  return charts;
}

async function futuresOf(ctx: PanelContext, target: TargetConfig, window: RangeWindow): Promise<FuturesReconciliation> {
  const system = ctx.system(target);
  const findings = ctx.findings(
    (f) => f.system === target.name && (f.ruleId.startsWith("recon_") || f.ruleId.startsWith("registry_audit")),
  );
  try {
    // The windowed conditions need 30 minutes of history even when the range is shorter.
    const from = Math.min(window.from, ctx.now - 35 * MIN);
    const [reports, audits] = await Promise.all([
      ctx.reader.reports(target.name, "RECONCILIATION_REPORT", from, window.to),
      ctx.reader.reports(target.name, "REGISTRY_AUDIT_REPORT", ctx.now - RANGES["7d"], window.to),
    ]);
    const params = Object.fromEntries(
      ["recon_orphaned", "recon_phantom", "recon_qty_mismatch", "recon_qty_synced", "recon_dedupe"].map((id) => [
        id,
        ctx.params(id, target),
      ]),
    );
    const charts = reconciliationCharts(reports, window, params, ctx.now);
    const last = audits.at(-1);
    return {
      system,
      charts,
      ...(reports.length ? { lastReportAt: reports[reports.length - 1]!.observedAt } : {}),
      reportCount: reports.filter((r) => r.observedAt >= window.from).length,
      audit: last
        ? {
            at: last.observedAt,
            trigger: typeof last.fields.trigger === "string" ? last.fields.trigger : null,
            rows: AUDIT_FIELDS.map((a) => ({
              ...a,
              value: typeof last.fields[a.field] === "number" ? (last.fields[a.field] as number) : null,
            })),
          }
        : null,
      findings,
    };
  } catch (err) {
    return { system, charts: [], reportCount: 0, audit: null, findings, error: (err as Error).message };
  }
}

const BOT_SPEC: ChartSpec = {
  id: "bot-recon",
  title: "Reconciliation mismatches (latest cycle)",
  unit: "orders/positions",
  digits: 0,
  series: [
    { label: "mismatch count", metric: "reconciliationMismatchCount" },
    { label: "missing from exchange", metric: "reconciliationMissingFromExchange" },
    { label: "missing in DB", metric: "reconciliationMissingInDb" },
  ],
  thresholds: [{ value: 0, label: "target 0", kind: "target" }],
  notes: ["Escalate when the counts stay elevated after two reconciliation runs (reconciliation divergence runbook)."],
};

async function botOf(ctx: PanelContext, target: TargetConfig, window: RangeWindow): Promise<BotReconciliation> {
  const system = ctx.system(target);
  const findings = ctx.findings(
    (f) => f.system === target.name && (f.ruleId.startsWith("reconciliation_") || f.ruleId === "lock_contention"),
  );
  const empty = buildChart(BOT_SPEC, new Map(), window.from, window.to);
  try {
    const [history, latest] = await Promise.all([
      ctx.reader.history(target.name, metricsOf([BOT_SPEC]), window.from, window.to, rollupAggFor([BOT_SPEC])),
      ctx.reader.latestAll(target.name),
    ]);
    const one = (m: string) =>
      (latest.get(m) ?? []).filter((v) => v.entity === "*").sort((a, b) => b.t - a.t)[0]?.v ?? null;
    const healthy = one("reconciliationLoopHealthy");
    return {
      system,
      chart: buildChart(BOT_SPEC, history, window.from, window.to),
      lastRun: one("reconciliationLastRun"),
      loopHealthy: healthy === null ? null : healthy === 1,
      lockContention: one("lockContentionCount"),
      findings,
    };
  } catch (err) {
    return {
      system,
      chart: empty,
      lastRun: null,
      loopHealthy: null,
      lockContention: null,
      findings,
      error: (err as Error).message,
    };
  }
}

export async function getReconciliation(
  actor: Actor | null,
  range: RangeKey,
  now = Date.now(),
): Promise<ReconciliationView> {
  const ctx = await panelContext(actor, now);
  const window: RangeWindow = { range, from: now - RANGES[range], to: now };
  const futures = await Promise.all(ctx.targetsOf("futures-bot").map((t) => futuresOf(ctx, t, window)));
  const bots = await Promise.all(ctx.targetsOf("trading-bot").map((t) => botOf(ctx, t, window)));
  return { window, futures, bots, now };
}
