import { z } from "zod";
import { SYSTEM_ENTITY, type Report } from "../../telemetry/model";
import type { Point } from "../../collector/store";
import { defineRule, findingId } from "../define";
import type { AnyRule, RuleContext, RuleTarget, Verdict } from "../types";
import {
  countInWindow,
  coversWindow,
  cyclesWithGaps,
  dominatesFor,
  heldFor,
  latestReported,
  persistentCycles,
  repeatedAcrossRestarts,
  sustainedIncrease,
  type Cycle,
} from "../windows";
import {
  MIN,
  SEC,
  current,
  currentEntities,
  dur,
  ev,
  field,
  fmt,
  maxGapMs,
  num,
  okVerdict,
  plural,
  points,
  reports,
  text,
  windowOf,
} from "./common";

// futures-bot rules (seed 003): the REGISTRY_AUDIT_REPORT and RECONCILIATION_REPORT tables, kill
// switch, circuit breaker, corrupted positions, threshold mismatches, stop-loss/take-profit
// coverage, untracked positions and margin utilisation.

const KIND = ["futures-bot"] as const;
const LOGS = { "futures-bot": ["/logs"] } as const;
const STATUS = { "futures-bot": ["/status"] } as const;
const POSITIONS = { "futures-bot": ["/positions"] } as const;

/** How far back report rules look (the store keeps about 65 minutes). */
const REPORT_LOOKBACK = 65 * MIN;

/** RECONCILIATION_REPORT cycles, with cycles that did not report filled in as null. */
export function reconciliationCycles(ctx: RuleContext, target: RuleTarget, intervalSeconds: number): Cycle<Report>[] {
  const reps = reports(ctx, target, "RECONCILIATION_REPORT", ctx.now - REPORT_LOOKBACK).map((r) => ({
    t: r.observedAt,
    value: r,
  }));
  return cyclesWithGaps(reps, intervalSeconds * SEC, ctx.now);
}

const intervalParam = num(60);

/** The value of a series at time t (its latest point at or before t). */
function latestAt(pts: readonly Point[], t: number): number | undefined {
  let v: number | undefined;
  for (const p of pts) {
    if (p.t > t) break;
    v = p.v;
  }
  return v;
}

// ---------------------------------------------------------------- REGISTRY_AUDIT_REPORT

function auditRule(o: { id: string; fieldName: string; title: string; critical: boolean; action: string }) {
  return defineRule({
    id: o.id,
    kinds: KIND,
    title: o.title,
    seed: "003",
    runbook: "registry-audit-failure",
    sources: LOGS,
    description:
      `REGISTRY_AUDIT_REPORT.${o.fieldName} is expected to be 0. If not: ${o.action} ` +
      "The latest audit report decides, however long ago it came (a start-up audit is often the only one): the finding holds until a later audit report shows 0, or until a commander confirms the reported problem handled (reason and ticket ID, recorded in the audit log); an audit report after the confirmation that still shows a problem fires it again.",
    params: z.object({}).strict(),
    check(ctx, target) {
      // No lookback: the store keeps the latest audit report past its window (KEEP_LATEST_REPORT_KINDS).
      const last = reports(ctx, target, "REGISTRY_AUDIT_REPORT").at(-1);
      if (!last) return [];
      const v = field(last, o.fieldName);
      const confirmation = ctx.confirmations?.get(findingId(o.id, target.name, SYSTEM_ENTITY));
      const evidence = {
        values: [
          ev(o.fieldName, v, last.observedAt),
          ev("audit trigger", text(last, "trigger") ?? null),
          ...(confirmation
            ? [
                ev(
                  "confirmed handled",
                  `by ${confirmation.by} at ${new Date(confirmation.at).toISOString().slice(0, 16).replace("T", " ")} UTC (${confirmation.ticketId})`,
                ),
              ]
            : []),
        ],
      };
      const severity = o.critical ? "SEV1" : "SEV2";
      if (v <= 0) return [okVerdict(SYSTEM_ENTITY, `Latest registry audit: ${o.fieldName} = 0`, severity, evidence)];
      const confirmed = confirmation
        ? { by: confirmation.by, at: confirmation.at, reason: confirmation.reason, ticketId: confirmation.ticketId }
        : undefined;
      if (confirmation && confirmation.at >= last.observedAt) {
        const when = new Date(confirmation.at).toISOString().slice(0, 16).replace("T", " ");
        return [
          {
            ...okVerdict(
              SYSTEM_ENTITY,
              // Who and which ticket are on the card (`confirmed`), not in the summary the status view shows.
              `Registry audit reported ${o.fieldName} = ${v}; confirmed handled at ${when} UTC; no audit report since`,
              severity,
              evidence,
            ),
            confirmed,
            since: confirmation.at,
          },
        ];
      }
      const age = ctx.now - last.observedAt;
      return [
        {
          entity: SYSTEM_ENTITY,
          state: o.critical ? "critical" : "warning",
          severity,
          since: last.observedAt,
          summary: `Registry audit ${dur(age)} ago: ${o.fieldName} = ${v}. ${o.action} Holds until a later audit shows 0 or a commander confirms it handled.`,
          evidence,
          confirmable: `the registry audit's ${o.fieldName} = ${v} (reported ${new Date(last.observedAt).toISOString().slice(0, 16).replace("T", " ")} UTC) was handled`,
          ...(confirmed ? { confirmed } : {}),
          ...(o.critical
            ? {
                escalationDueAt: last.observedAt,
                escalation: "REGISTRY_AUDIT_REPORT.violations_total > 0: escalate immediately (page + pause trading)",
              }
            : {}),
        },
      ];
    },
  });
}

// ---------------------------------------------------------------- RECONCILIATION_REPORT

/**
 * orphaned / phantom: warning >= 1 in a cycle; critical >= 3 in 15 minutes — the report's counts
 * summed over the cycles inside the window — for as long as the window still holds >= 3.
 */
function spikeRule(id: string, fieldName: "orphaned" | "phantom", issueType: string, noun: string) {
  return defineRule({
    id,
    kinds: KIND,
    title: `Reconciliation: ${fieldName} positions`,
    seed: "003",
    runbook: "orphan-phantom-spike",
    sources: LOGS,
    description: `RECONCILIATION_REPORT.${fieldName} (target 0): a warning at >= 1 in a cycle; critical (escalate: page + pause trading) at >= 3 ${noun} in 15 minutes, counted as the report counts them: the sum of ${fieldName} over every report inside the 15-minute window (one per cycle for three cycles is three). Critical holds while the window still holds >= 3 and clears only when it no longer does. The symbols from issues[], where the report lists them, are shown as evidence; they never lower the count.`,
    params: z
      .object({
        warnPerCycle: num(1),
        critical: num(3),
        windowMinutes: num(15),
        reconciliationIntervalSeconds: intervalParam,
      })
      .strict(),
    check(ctx, target, p) {
      const cycles = reconciliationCycles(ctx, target, p.reconciliationIntervalSeconds);
      const last = latestReported(cycles);
      if (!last) return [];
      const windowMs = p.windowMinutes * MIN;
      const reported = cycles.filter((c): c is { t: number; value: Report } => c.value !== null);
      const counted = reported.map((c) => ({ t: c.t, n: field(c.value, fieldName) }));
      /** The report's count summed over the window ending at `at`. */
      const countAt = (at: number) => countInWindow(counted, at, windowMs, (c) => c.n);
      const symbols = new Set<string>();
      for (const c of reported) {
        if (c.t <= ctx.now - windowMs) continue;
        const issues = c.value.fields.issues;
        if (Array.isArray(issues))
          for (const i of issues)
            if (i && typeof i === "object" && (i as Record<string, unknown>).type === issueType)
              symbols.add(String((i as Record<string, unknown>).symbol));
      }
      const inWindow = countAt(ctx.now);
      const now = field(last.value, fieldName);
      const thresholds = { warnPerCycle: p.warnPerCycle, critical: p.critical, windowMinutes: p.windowMinutes };
      const evidence = {
        values: [
          ev(`${fieldName} (latest cycle)`, now, last.t),
          ev(`${noun} in ${dur(windowMs)}`, inWindow),
          ev("symbols", [...symbols].sort().join(", ") || "—"),
        ],
        window: windowOf(ctx.now, windowMs),
        thresholds,
      };
      if (inWindow >= p.critical) {
        // Due when the window first held the critical count, in the trailing run of cycles where it did.
        let reachedAt = last.t;
        for (let i = reported.length - 1; i >= 0 && countAt(reported[i]!.t) >= p.critical; i--)
          reachedAt = reported[i]!.t;
        // The window holds >= critical until its oldest counted report leaves it.
        return [
          {
            entity: SYSTEM_ENTITY,
            state: "critical",
            severity: "SEV1",
            since: reachedAt,
            summary: `${fmt(inWindow, 0)} ${noun} reported in ${dur(windowMs)} (${now} in the latest cycle) — critical: page and pause trading`,
            evidence,
            escalationDueAt: reachedAt,
            escalation: `${fieldName} >= ${p.critical} in ${p.windowMinutes} minutes`,
          },
        ];
      }
      if (now >= p.warnPerCycle) {
        const firing = persistentCycles(cycles, (r) => field(r, fieldName) >= p.warnPerCycle);
        return [
          {
            entity: SYSTEM_ENTITY,
            state: "warning",
            severity: "SEV2",
            since: firing.since ?? last.t,
            summary: `${now} ${noun} in the latest reconciliation cycle; ${fmt(inWindow, 0)} in ${dur(windowMs)}`,
            evidence,
          },
        ];
      }
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `No ${noun} in the latest reconciliation cycle; ${fmt(inWindow, 0)} in ${dur(windowMs)}`,
          "SEV2",
          evidence,
        ),
      ];
    },
  });
}

/**
 * The orphan/phantom playbook's check after the sync: "Verify next 3 RECONCILIATION_REPORT cycles
 * trend down." Over the latest `cycles` + 1 reports, from the first that counts any orphaned or
 * phantom position: each later report counts no more than the one before, and once `cycles`
 * reports follow it, the last counts less than it.
 */
type TrendState = "clear" | "watching" | "down" | "rose" | "flat";
function trendOf(counts: readonly number[], cycles: number): { state: TrendState; from: number } {
  const from = counts.findIndex((n) => n > 0);
  if (from < 0) return { state: "clear", from: 0 };
  for (let i = from + 1; i < counts.length; i++) if (counts[i]! > counts[i - 1]!) return { state: "rose", from };
  const after = counts.length - 1 - from;
  if (after < cycles) return { state: "watching", from };
  return { state: counts[counts.length - 1]! < counts[from]! ? "down" : "flat", from };
}

const trendDown = defineRule({
  id: "recon_trend_down",
  kinds: KIND,
  title: "Reconciliation: orphan/phantom counts trend down",
  seed: "003",
  runbook: "orphan-phantom-spike",
  sources: LOGS,
  description:
    'Orphan/phantom spike playbook: "Verify next 3 RECONCILIATION_REPORT cycles trend down." The console reads the latest `cycles` + 1 reports (`cycles` 3, the runbook\'s) from the first of them that counts any orphaned or phantom position: every report after it must count no more than the one before, and once three follow it the last must count less than it (zero is down). Fewer than three so far, none higher than the one before: a warning (watching). A count that rises again, or three cycles that end no lower than they started, is critical SEV2: the counts are not converging (the sync did not take, or the order stream still lags) — check connectivity and order-stream lag, rerun the sync, escalate. A cycle that did not report is skipped: it is not a cycle that trended down.',
  params: z.object({ cycles: num(3, { int: true }) }).strict(),
  check(ctx, target, p) {
    const reps = reports(ctx, target, "RECONCILIATION_REPORT", ctx.now - REPORT_LOOKBACK);
    if (reps.length === 0) return [];
    const all = reps.map((r) => ({ t: r.observedAt, n: field(r, "orphaned") + field(r, "phantom") }));
    /** The trend over the `cycles` + 1 reports ending at index `end`. */
    const judge = (end: number) => {
      const slice = all.slice(Math.max(0, end - p.cycles), end + 1);
      return {
        ...trendOf(
          slice.map((c) => c.n),
          p.cycles,
        ),
        slice,
      };
    };
    const last = all.length - 1;
    const now = judge(last);
    const seq = now.slice.map((c) => fmt(c.n, 0)).join(" → ");
    const evidence = {
      values: [
        ev("orphaned + phantom (latest cycle)", all[last]!.n, all[last]!.t),
        ev(`the last ${plural(now.slice.length, "cycle")}`, seq),
      ],
      thresholds: { cycles: p.cycles },
    };
    if (now.state === "clear")
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `No orphaned or phantom positions in the last ${plural(now.slice.length, "cycle")}`,
          "SEV2",
          evidence,
        ),
      ];
    if (now.state === "down")
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `Orphan/phantom counts trended down over ${p.cycles} cycles (${seq})`,
          "SEV2",
          evidence,
        ),
      ];
    if (now.state === "watching")
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV2",
          since: now.slice[now.from]!.t,
          summary: `Watching orphan/phantom counts: ${now.slice.length - 1 - now.from} of ${p.cycles} cycles since ${fmt(now.slice[now.from]!.n, 0)} were counted (${seq})`,
          evidence,
        },
      ];
    // Critical since the first report of the trailing run of cycles that were not trending down.
    let firstBad = last;
    for (let i = last - 1; i >= 0; i--) {
      const s = judge(i).state;
      if (s !== "rose" && s !== "flat") break;
      firstBad = i;
    }
    const at = all[firstBad]!.t;
    const what = now.state === "rose" ? `rose again (${seq})` : `did not trend down over ${p.cycles} cycles (${seq})`;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since: at,
        summary: `Orphan/phantom counts ${what}: not converging — check connectivity and order-stream lag, rerun the position sync, escalate`,
        evidence,
        escalationDueAt: at,
        escalation: `orphaned + phantom did not trend down over ${p.cycles} reconciliation cycles`,
      },
    ];
  },
});

const qtyMismatch = defineRule({
  id: "recon_qty_mismatch",
  kinds: KIND,
  title: "Reconciliation: qty_mismatch",
  seed: "003",
  runbook: "persistent-qty-mismatch",
  sources: LOGS,
  description:
    "RECONCILIATION_REPORT.qty_mismatch (target 0): a warning at >= 1 in a cycle; critical (escalate: page + pause trading) when it persists for 3+ consecutive cycles.",
  params: z.object({ persistCycles: num(3, { int: true }), reconciliationIntervalSeconds: intervalParam }).strict(),
  check(ctx, target, p) {
    const cycles = reconciliationCycles(ctx, target, p.reconciliationIntervalSeconds);
    const last = latestReported(cycles);
    if (!last) return [];
    const run = persistentCycles(cycles, (r) => field(r, "qty_mismatch") >= 1);
    const v = field(last.value, "qty_mismatch");
    const evidence = {
      values: [ev("qty_mismatch (latest cycle)", v, last.t), ev("consecutive cycles", run.count)],
      thresholds: { persistCycles: p.persistCycles },
    };
    if (v < 1)
      return [okVerdict(SYSTEM_ENTITY, "No quantity mismatch in the latest reconciliation cycle", "SEV3", evidence)];
    const persistent = run.count >= p.persistCycles;
    const since = run.since ?? last.t;
    const dueT = cycles.filter((c) => c.value !== null && c.t >= since)[p.persistCycles - 1]?.t;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: persistent ? "critical" : "warning",
        severity: persistent ? "SEV1" : "SEV3",
        since,
        summary: `qty_mismatch ${v} for ${plural(run.count, "consecutive cycle")}${persistent ? " — halt and investigate replay/persistence state" : ""}`,
        evidence,
        escalationDueAt: dueT ?? last.t + (p.persistCycles - run.count) * p.reconciliationIntervalSeconds * SEC,
        escalation: `qty_mismatch persists for ${p.persistCycles}+ consecutive cycles`,
      },
    ];
  },
});

const qtySynced = defineRule({
  id: "recon_qty_synced",
  kinds: KIND,
  title: "Reconciliation: qty_synced",
  seed: "003",
  runbook: "persistent-qty-mismatch",
  sources: LOGS,
  description:
    "RECONCILIATION_REPORT.qty_synced should be low/occasional: a warning at >= 3 in a cycle; critical on a sustained increase over 30 minutes — each third of the window above the one before — that has also reached a meaningful rate: the last third averages at least `minRatePerCycle` per cycle (3, a console default equal to the runbook's warning threshold; the runbook gives no floor), so a few stray 1s are not a trend.",
  params: z
    .object({
      warnPerCycle: num(3),
      trendMinutes: num(30),
      minRatePerCycle: num(3),
      reconciliationIntervalSeconds: intervalParam,
    })
    .strict(),
  check(ctx, target, p) {
    const cycles = reconciliationCycles(ctx, target, p.reconciliationIntervalSeconds);
    const last = latestReported(cycles);
    if (!last) return [];
    const pts = cycles.filter((c) => c.value !== null).map((c) => ({ t: c.t, v: field(c.value!, "qty_synced") }));
    const trendMs = p.trendMinutes * MIN;
    // "Sustained over 30 minutes" needs a history that reaches back 30 minutes, not three points in 20.
    const trend = coversWindow(pts, ctx.now, trendMs)
      ? sustainedIncrease(pts, ctx.now, trendMs)
      : { increasing: false, means: [] as number[] };
    const v = field(last.value, "qty_synced");
    const evidence = {
      values: [
        ev("qty_synced (latest cycle)", v, last.t),
        ev(`means over ${dur(trendMs)}`, trend.means.map((m) => fmt(m)).join(" → ") || "—"),
      ],
      window: windowOf(ctx.now, trendMs),
      thresholds: { warnPerCycle: p.warnPerCycle, trendMinutes: p.trendMinutes, minRatePerCycle: p.minRatePerCycle },
    };
    const meaningful = (trend.means[trend.means.length - 1] ?? 0) >= p.minRatePerCycle;
    if (trend.increasing && meaningful)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV2",
          summary: `qty_synced rising steadily over ${dur(trendMs)} (${trend.means.map((m) => fmt(m)).join(" → ")} per cycle)`,
          evidence,
        },
      ];
    if (v >= p.warnPerCycle)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          summary: `qty_synced ${v} in the latest reconciliation cycle`,
          evidence,
          since: last.t,
        },
      ];
    return [okVerdict(SYSTEM_ENTITY, `qty_synced ${v} in the latest reconciliation cycle`, "SEV3", evidence)];
  },
});

/**
 * Restarts of the bot as its own reports show them, over (from, now]: a registry audit whose
 * trigger says start-up or restart (where the bot says so), a cycle counter that starts again
 * (CYCLE_SUMMARY.cycle back to 1 or below the previous one), and a change of a reported process
 * start time. Evidence of one restart within `mergeMs` of another is the same restart.
 */
export function restartsSeen(ctx: RuleContext, target: RuleTarget, from: number, mergeMs: number): number[] {
  const times: number[] = [];
  const audits = reports(ctx, target, "REGISTRY_AUDIT_REPORT", from);
  for (const r of audits)
    if (text(r, "trigger") === "restart" || text(r, "trigger") === "startup") times.push(r.observedAt);
  const cycles = reports(ctx, target, "CYCLE_SUMMARY", from);
  let prev: number | undefined;
  for (const r of cycles) {
    const c = typeof r.fields.cycle === "number" ? r.fields.cycle : undefined;
    if (c !== undefined && (c <= 1 || (prev !== undefined && c < prev))) times.push(r.observedAt);
    if (c !== undefined) prev = c;
  }
  let started: unknown;
  for (const r of [...audits, ...cycles].sort((x, y) => x.observedAt - y.observedAt)) {
    const st = r.fields.process_start_time ?? r.fields.started_at;
    if (st === undefined) continue;
    if (started !== undefined && st !== started) times.push(r.observedAt);
    started = st;
  }
  times.sort((x, y) => x - y);
  const merged: number[] = [];
  for (const t of times) if (merged.length === 0 || t - merged[merged.length - 1]! > mergeMs) merged.push(t);
  return merged;
}

const pendingAdopted = defineRule({
  id: "recon_pending_adopted",
  kinds: KIND,
  title: "Reconciliation: pending_adopted",
  seed: "003",
  runbook: "orphan-phantom-spike",
  sources: LOGS,
  description:
    "RECONCILIATION_REPORT.pending_adopted should be rare: a warning at >= 1 in a cycle; critical when it repeats after every restart — after each of the last `restarts` (2, a console default) restarts seen within `restartLookbackHours` (24, a console default), whatever time lies between them. Restarts are read from what the bot reports: its cycle counter starting again (CYCLE_SUMMARY.cycle), a change of a reported process start time, and a registry audit whose trigger says start-up or restart where it does.",
  params: z
    .object({
      restarts: num(2, { int: true }),
      restartLookbackHours: num(24),
      reconciliationIntervalSeconds: intervalParam,
    })
    .strict(),
  check(ctx, target, p) {
    const cycles = reconciliationCycles(ctx, target, p.reconciliationIntervalSeconds);
    const last = latestReported(cycles);
    if (!last) return [];
    const from = ctx.now - p.restartLookbackHours * 60 * MIN;
    const interval = p.reconciliationIntervalSeconds * SEC;
    const restarts = restartsSeen(ctx, target, from, 2 * interval);
    const events = reports(ctx, target, "RECONCILIATION_REPORT", from)
      .filter((r) => field(r, "pending_adopted") >= 1)
      .map((r) => r.observedAt);
    const repeated = repeatedAcrossRestarts(restarts, events, ctx.now, 2 * interval);
    const v = field(last.value, "pending_adopted");
    const evidence = {
      values: [
        ev("pending_adopted (latest cycle)", v, last.t),
        ev(`restarts seen in ${p.restartLookbackHours} h`, restarts.length),
        ev("consecutive restarts followed by adoptions", repeated),
      ],
      thresholds: { restarts: p.restarts, restartLookbackHours: p.restartLookbackHours },
    };
    if (repeated >= p.restarts)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV2",
          summary: `Pending orders adopted after each of the last ${repeated} restarts`,
          evidence,
        },
      ];
    if (v >= 1)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          since: last.t,
          summary: `${plural(v, "pending order")} adopted in the latest reconciliation cycle`,
          evidence,
        },
      ];
    return [okVerdict(SYSTEM_ENTITY, "No pending orders adopted in the latest cycle", "SEV3", evidence)];
  },
});

const dedupe = defineRule({
  id: "recon_dedupe",
  kinds: KIND,
  title: "Reconciliation: deduplicated state adjustments",
  seed: "003",
  runbook: "high-dedupe",
  sources: LOGS,
  description:
    'state_adjustments_deduped should be low. A rising trend is a warning; deduped dominating state_adjustments_logged (more than `ratio` times, at least `minDeduped`: 2 and 5, console defaults — the runbook says "dominates" without a figure; the rising trend is judged over `trendMinutes`, 10, also a console default) for more than 30 minutes (the runbook\'s) is critical — usually benign after a restart/replay (SEV3), but review whether a stale snapshot or event-feed lag repeats the same issue.',
  params: z
    .object({
      dominateMinutes: num(30),
      ratio: num(2),
      minDeduped: num(5),
      trendMinutes: num(10),
      reconciliationIntervalSeconds: intervalParam,
    })
    .strict(),
  check(ctx, target, p) {
    const cycles = reconciliationCycles(ctx, target, p.reconciliationIntervalSeconds);
    const last = latestReported(cycles);
    if (!last) return [];
    const reported = cycles.filter((c) => c.value !== null);
    const ded = reported.map((c) => ({ t: c.t, v: field(c.value!, "state_adjustments_deduped") }));
    const logged = reported.map((c) => ({ t: c.t, v: field(c.value!, "state_adjustments_logged") }));
    const dom = dominatesFor(ded, logged, ctx.now, {
      ratio: p.ratio,
      minA: p.minDeduped,
      maxGapMs: 2.5 * p.reconciliationIntervalSeconds * SEC,
    });
    const trend = sustainedIncrease(ded, ctx.now, p.trendMinutes * MIN);
    const thresholds = {
      dominateMinutes: p.dominateMinutes,
      ratio: p.ratio,
      minDeduped: p.minDeduped,
      trendMinutes: p.trendMinutes,
    };
    const evidence = {
      values: [
        ev("deduped (latest cycle)", field(last.value, "state_adjustments_deduped"), last.t),
        ev("logged (latest cycle)", field(last.value, "state_adjustments_logged"), last.t),
        ev("deduped dominating for", dom.holding ? dur(dom.durationMs) : "—"),
      ],
      thresholds,
    };
    if (dom.holding && dom.durationMs > p.dominateMinutes * MIN) {
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV3",
          since: dom.since!,
          summary: `Deduplicated adjustments have dominated new ones for ${dur(dom.durationMs)} — check for a stale exchange snapshot or event feed lag`,
          evidence,
          escalationDueAt: dom.since! + p.dominateMinutes * MIN,
          escalation: `deduped dominates logged for more than ${p.dominateMinutes} minutes`,
        },
      ];
    }
    if (trend.increasing || dom.holding) {
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          since: dom.since ?? last.t,
          summary: dom.holding
            ? `Deduplicated adjustments dominating for ${dur(dom.durationMs)}`
            : "Deduplicated adjustments trending up",
          evidence,
          ...(dom.holding
            ? {
                escalationDueAt: dom.since! + p.dominateMinutes * MIN,
                escalation: `deduped dominates logged for more than ${p.dominateMinutes} minutes`,
              }
            : {}),
        },
      ];
    }
    return [okVerdict(SYSTEM_ENTITY, "Deduplicated adjustments low", "SEV3", evidence)];
  },
});

// ---------------------------------------------------------------- status, kill switch, circuit breaker

const killSwitch = defineRule({
  id: "kill_switch",
  kinds: KIND,
  title: "Kill switch active",
  seed: "003",
  runbook: "kill-switch-recovery",
  sources: STATUS,
  description:
    "KILL_SWITCH_ACTIVATED halts trading. By reason: margin_critical auto-recovers once margin drops — the runbook's criterion is margin, not time: while margin usage (auction_max_margin_util) is still at or over max_margin_utilization_pct it is a SEV2 warning (wait; do not restart); once margin is back under the limit and the switch has not cleared within `recoverGraceMinutes` (2, a console default: the runbook says \"once margin drops\") it did not recover — SEV1, restart the service. Where the bot reports no margin, `autoRecoverMinutes` (15, a console default) without clearing is critical. invariant_violation needs the root cause fixed before a restart (critical, SEV1); manual is an operator's decision (warning).",
  params: z.object({ autoRecoverMinutes: num(15), recoverGraceMinutes: num(2) }).strict(),
  check(ctx, target, p) {
    const series = ctx.history.seriesFor(target.name, "killSwitch.active");
    let cur: { t: number; v: number; reason: string } | undefined;
    for (const s of series) {
      const pt = s.points[s.points.length - 1];
      if (pt && ctx.now - pt.t <= maxGapMs(target) && (!cur || pt.t > cur.t || (pt.t === cur.t && pt.v > cur.v)))
        cur = { ...pt, reason: s.labels.reason ?? "unknown" };
    }
    const lastAct = reports(ctx, target, "KILL_SWITCH_ACTIVATED", ctx.now - REPORT_LOOKBACK).at(-1);
    const lastClr = reports(ctx, target, "KILL_SWITCH_CLEARED", ctx.now - REPORT_LOOKBACK).at(-1);
    // Without /status, the log tells: activated and not cleared since.
    if (!cur && lastAct && (!lastClr || lastClr.observedAt < lastAct.observedAt))
      cur = { t: lastAct.observedAt, v: 1, reason: text(lastAct, "reason") ?? "unknown" };
    if (!cur) return [];
    const evidence = {
      values: [
        ev("kill switch active", cur.v === 1, cur.t),
        ev("reason", cur.v === 1 ? cur.reason : null),
        ev("last KILL_SWITCH_ACTIVATED", lastAct ? `${text(lastAct, "reason") ?? "?"}` : null, lastAct?.observedAt),
      ],
      thresholds: { autoRecoverMinutes: p.autoRecoverMinutes },
    };
    if (cur.v !== 1) return [okVerdict(SYSTEM_ENTITY, "Kill switch not active", "SEV2", evidence)];
    // Without a reported start, the start of the active run (not the latest poll, which moves with every evaluation).
    const activeRun = heldFor(
      points(ctx, target, "killSwitch.active", SYSTEM_ENTITY, { reason: cur.reason }),
      (v) => v === 1,
      ctx.now,
      maxGapMs(target),
    );
    const since = current(ctx, target, "killSwitch.since")?.v ?? lastAct?.observedAt ?? activeRun.since ?? cur.t;
    const forS = `for ${dur(ctx.now - since)}`;
    if (cur.reason === "margin_critical") {
      const util = current(ctx, target, "marginUtilization.auction_max_margin_util");
      const limit = current(ctx, target, "marginUtilization.max_margin_utilization_pct");
      const breached = current(ctx, target, "marginUtilization.breached");
      if (util && limit) {
        const over = (at: number) => {
          const u = latestAt(points(ctx, target, "marginUtilization.auction_max_margin_util"), at);
          const l = latestAt(points(ctx, target, "marginUtilization.max_margin_utilization_pct"), at);
          return u === undefined || l === undefined || u >= l;
        };
        const marginEv = [
          ev("auction_max_margin_util (%)", util.v, util.t),
          ev("max_margin_utilization_pct (%)", limit.v, limit.t),
          ...(breached ? [ev("breached", breached.v === 1, breached.t)] : []),
        ];
        const ev2 = {
          ...evidence,
          values: [...evidence.values, ...marginEv],
          thresholds: { recoverGraceMinutes: p.recoverGraceMinutes },
        };
        if (over(ctx.now)) {
          return [
            {
              entity: SYSTEM_ENTITY,
              state: "warning",
              severity: "SEV2",
              since,
              runbook: "margin-critical",
              summary: `Kill switch active (margin_critical) ${forS}; margin ${fmt(util.v, 1)} % is still at or over the ${fmt(limit.v, 1)} % limit — it auto-recovers once margin drops; do not restart yet`,
              evidence: ev2,
              escalation: "margin_critical does not recover once margin is back under the limit",
            },
          ];
        }
        // Margin is under the limit: since when (the trailing run of polls under it)?
        const pts = points(ctx, target, "marginUtilization.auction_max_margin_util");
        let under = util.t;
        for (let i = pts.length - 1; i >= 0 && pts[i]!.t >= since && !over(pts[i]!.t); i--) under = pts[i]!.t;
        const dueAt = under + p.recoverGraceMinutes * MIN;
        const stuck = ctx.now >= dueAt;
        return [
          {
            entity: SYSTEM_ENTITY,
            state: "critical",
            severity: stuck ? "SEV1" : "SEV2",
            since,
            runbook: "margin-critical",
            summary: `Kill switch active (margin_critical) ${forS}; margin ${fmt(util.v, 1)} % has been under the ${fmt(limit.v, 1)} % limit for ${dur(ctx.now - under)}${stuck ? " — it did not recover once margin dropped: restart the service" : "; auto-recovery expected now"}`,
            evidence: ev2,
            escalationDueAt: dueAt,
            escalation: `margin_critical not cleared within ${p.recoverGraceMinutes} minutes of margin dropping under the limit`,
          },
        ];
      }
      const dueAt = since + p.autoRecoverMinutes * MIN;
      const late = ctx.now >= dueAt;
      return [
        {
          entity: SYSTEM_ENTITY,
          state: late ? "critical" : "warning",
          severity: "SEV2",
          since,
          runbook: "margin-critical",
          summary: `Kill switch active (margin_critical) ${forS}${late ? " — has not auto-recovered" : "; auto-recovers once margin drops"} (the bot reports no margin usage)`,
          evidence,
          escalationDueAt: dueAt,
          escalation: `margin_critical kill switch not cleared within ${p.autoRecoverMinutes} minutes`,
        },
      ];
    }
    if (cur.reason === "invariant_violation") {
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV1",
          since,
          summary: `Kill switch active (invariant_violation) ${forS} — fix the root cause before restart`,
          evidence,
          escalationDueAt: since,
          escalation: "invariant_violation halts do not clear on their own",
        },
      ];
    }
    if (cur.reason === "manual")
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV2",
          since,
          summary: `Kill switch active (manual) ${forS}`,
          evidence,
        },
      ];
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since,
        summary: `Kill switch active (${cur.reason}) ${forS}`,
        evidence,
      },
    ];
  },
});

const circuitBreaker = defineRule({
  id: "circuit_breaker",
  kinds: KIND,
  title: "API circuit breaker open",
  seed: "003",
  runbook: "circuit-breaker-open",
  sources: STATUS,
  description:
    'The exchange API circuit breaker opened (API outage); it probes every 60 s. Open is a warning; open for longer than `persistMinutes` (5, a console default: the runbook says "if persistent") is critical (check the Kraken status page).',
  params: z.object({ persistMinutes: num(5) }).strict(),
  check(ctx, target, p) {
    const open = current(ctx, target, "circuitBreaker.open");
    if (!open) return [];
    const fails = current(ctx, target, "circuitBreaker.consecutiveFailures")?.v ?? null;
    const evidence = {
      values: [
        ev("open", open.v === 1, open.t),
        ev("consecutive failures", fails),
        ev("next probe", current(ctx, target, "circuitBreaker.nextProbeAt")?.v ?? null),
      ],
      thresholds: { persistMinutes: p.persistMinutes },
    };
    if (open.v !== 1) return [okVerdict(SYSTEM_ENTITY, "Circuit breaker closed", "SEV2", evidence)];
    const since =
      current(ctx, target, "circuitBreaker.openedAt")?.v ??
      heldFor(points(ctx, target, "circuitBreaker.open"), (v) => v === 1, ctx.now, maxGapMs(target)).since ??
      open.t;
    const dueAt = since + p.persistMinutes * MIN;
    const long = ctx.now > dueAt;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: long ? "critical" : "warning",
        severity: "SEV2",
        since,
        summary: `API circuit breaker open for ${dur(ctx.now - since)}${long ? " — persistent: check the Kraken status page" : ""}`,
        evidence,
        escalationDueAt: dueAt,
        escalation: `Circuit breaker open for more than ${p.persistMinutes} minutes`,
      },
    ];
  },
});

const futuresStatus = defineRule({
  id: "futures_bot_stopped",
  kinds: KIND,
  title: "Futures bot stopped",
  seed: "003",
  runbook: "registry-audit-failure",
  sources: STATUS,
  description:
    "The bot reports status stopped: no trading cycles and no reconciliation (a failed startup audit keeps it stopped on purpose).",
  params: z.object({}).strict(),
  check(ctx, target) {
    const st = current(ctx, target, "status");
    if (!st) return [];
    const evidence = { values: [ev("status", ["running", "halted", "stopped"][st.v] ?? String(st.v), st.t)] };
    if (st.v !== 2)
      return [
        okVerdict(SYSTEM_ENTITY, `Bot ${["running", "halted", "stopped"][st.v] ?? "status " + st.v}`, "SEV2", evidence),
      ];
    const run = heldFor(points(ctx, target, "status"), (v) => v === 2, ctx.now, maxGapMs(target));
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since: run.since ?? st.t,
        summary: `Futures bot stopped for ${dur(run.durationMs)}: no trading or reconciliation cycles`,
        evidence,
      },
    ];
  },
});

// ---------------------------------------------------------------- log patterns

function reportWindowRule(o: {
  id: string;
  kind: string;
  title: string;
  runbook: "registry-audit-failure" | "kill-switch-recovery" | "margin-critical";
  description: string;
  repeatAt: number;
  single: { state: Verdict["state"]; severity: Verdict["severity"] };
  repeated: { state: Verdict["state"]; severity: Verdict["severity"] };
  entityField?: string;
  escalation?: string;
}) {
  return defineRule({
    id: o.id,
    kinds: KIND,
    title: o.title,
    seed: "003",
    runbook: o.runbook,
    sources: LOGS,
    description: `${o.description} The window, \`windowMinutes\` (60), is a console default: the runbook gives none.`,
    params: z.object({ windowMinutes: num(60) }).strict(),
    check(ctx, target, p) {
      const windowMs = p.windowMinutes * MIN;
      const recs = reports(ctx, target, o.kind, ctx.now - windowMs).filter((r) => r.observedAt > ctx.now - windowMs);
      const groups = new Map<string, Report[]>();
      for (const r of recs) {
        const key = (o.entityField && text(r, o.entityField)) || SYSTEM_ENTITY;
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      if (groups.size === 0)
        return [
          okVerdict(SYSTEM_ENTITY, `No ${o.kind} in the last ${dur(windowMs)}`, o.single.severity, {
            values: [ev(o.kind, 0)],
            window: windowOf(ctx.now, windowMs),
          }),
        ];
      const out: Verdict[] = [];
      for (const [entity, list] of groups) {
        const n = countInWindow(
          list.map((r) => ({ t: r.observedAt })),
          ctx.now,
          windowMs,
        );
        const rep = n >= o.repeatAt;
        const lastR = list[list.length - 1]!;
        const detail = Object.entries(lastR.fields)
          .filter(([, v]) => typeof v !== "object")
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(", ");
        const s = rep ? o.repeated : o.single;
        // The symbols the records name: what the finding is about, when its entity is not one.
        const symbols = [...new Set(list.map((r) => text(r, "symbol")).filter((x): x is string => !!x))].sort();
        out.push({
          entity,
          ...(symbols.length ? { affected: symbols } : {}),
          state: s.state,
          severity: s.severity,
          since: list[0]!.observedAt,
          summary: `${n} ${o.kind} in the last ${dur(windowMs)}${entity !== SYSTEM_ENTITY ? ` (${entity})` : ""}: ${detail}`,
          evidence: {
            values: [ev(o.kind, n), ...list.slice(-5).map((r) => ev("record", r.id, r.observedAt))],
            window: windowOf(ctx.now, windowMs),
            thresholds: { windowMinutes: p.windowMinutes, repeatAt: o.repeatAt },
          },
          ...(rep && o.escalation
            ? { escalationDueAt: list[o.repeatAt - 1]!.observedAt, escalation: o.escalation }
            : {}),
        });
      }
      return out;
    },
  });
}

// ---------------------------------------------------------------- positions

const missingOrders = (
  id: string,
  metric: string,
  what: string,
  severity: Verdict["severity"],
  state: Verdict["state"],
) =>
  defineRule({
    id,
    kinds: KIND,
    title: `Missing ${what} order`,
    seed: "003",
    runbook: "missing-stop-loss",
    sources: POSITIONS,
    description: `A tracked position without a ${what} order id, for longer than \`graceSeconds\` (60, a console default: the runbook gives no grace) after opening. Recover ids / place orders with the dry-run-first tools.`,
    params: z.object({ graceSeconds: num(60) }).strict(),
    check(ctx, target, p) {
      const out: Verdict[] = [];
      for (const sym of currentEntities(ctx, target, metric)) {
        const c = current(ctx, target, metric, sym);
        if (!c) continue;
        const run = heldFor(points(ctx, target, metric, sym), (v) => v === 0, ctx.now, maxGapMs(target));
        const evidence = {
          values: [ev(`has ${what}`, c.v === 1, c.t), ev("missing for", run.holding ? dur(run.durationMs) : "—")],
          thresholds: { graceSeconds: p.graceSeconds },
        };
        if (c.v === 1 || run.durationMs <= p.graceSeconds * SEC) {
          out.push(
            okVerdict(
              sym,
              c.v === 1 ? `${sym}: ${what} order in place` : `${sym}: ${what} order pending (just opened)`,
              severity,
              evidence,
            ),
          );
          continue;
        }
        out.push({
          entity: sym,
          state,
          severity,
          since: run.since!,
          summary: `${sym}: position without a ${what} order for ${dur(run.durationMs)}`,
          evidence,
        });
      }
      return out;
    },
  });

const untracked = defineRule({
  id: "untracked_positions",
  kinds: KIND,
  title: "Exchange position not tracked",
  seed: "003",
  runbook: "position-import",
  sources: POSITIONS,
  description:
    "The exchange holds a position the registry does not track (no protective stop from the bot). Import it with sync_positions (dry-run, then execute).",
  params: z.object({}).strict(),
  check(ctx, target) {
    const count = current(ctx, target, "untracked_positions");
    if (!count) return [];
    const syms = currentEntities(ctx, target, "untracked_position.qty");
    if (count.v <= 0 || syms.length === 0)
      return [
        okVerdict(SYSTEM_ENTITY, "Every exchange position is tracked", "SEV2", {
          values: [ev("untracked positions", count.v, count.t)],
        }),
      ];
    return syms.map((sym) => {
      const q = current(ctx, target, "untracked_position.qty", sym);
      const run = heldFor(points(ctx, target, "untracked_position.qty", sym), () => true, ctx.now, maxGapMs(target));
      return {
        entity: sym,
        state: "critical",
        severity: "SEV2",
        since: run.since ?? q?.t,
        summary: `${sym}: exchange position (qty ${q ? fmt(q.v, 6) : "?"}) not in the registry`,
        evidence: { values: [ev("qty", q?.v ?? null, q?.t), ev("untracked positions", count.v, count.t)] },
      } satisfies Verdict;
    });
  },
});

const margin = defineRule({
  id: "margin_utilisation",
  kinds: KIND,
  title: "Margin utilisation",
  seed: "003",
  runbook: "margin-critical",
  sources: STATUS,
  description:
    "auction_max_margin_util against max_margin_utilization_pct: within `warnPoints` (5, a console default: the runbook gives no early-warning margin) of the limit is a warning; over it, the kill switch trips with margin_critical (critical).",
  params: z.object({ warnPoints: num(5, { min: 0 }) }).strict(),
  check(ctx, target, p) {
    const u = current(ctx, target, "marginUtilization.auction_max_margin_util");
    const lim = current(ctx, target, "marginUtilization.max_margin_utilization_pct");
    if (!u || !lim) return [];
    const evidence = {
      values: [ev("auction_max_margin_util %", u.v, u.t), ev("max_margin_utilization_pct %", lim.v, lim.t)],
      thresholds: { warnPoints: p.warnPoints },
    };
    const run = heldFor(
      points(ctx, target, "marginUtilization.auction_max_margin_util"),
      (v) => v >= lim.v - p.warnPoints,
      ctx.now,
      maxGapMs(target),
    );
    if (u.v > lim.v)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV2",
          since: run.since ?? u.t,
          summary: `Margin utilisation ${fmt(u.v)} % over the ${fmt(lim.v)} % limit`,
          evidence,
        },
      ];
    if (u.v >= lim.v - p.warnPoints)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          since: run.since ?? u.t,
          summary: `Margin utilisation ${fmt(u.v)} %, within ${p.warnPoints} points of the ${fmt(lim.v)} % limit`,
          evidence,
        },
      ];
    return [okVerdict(SYSTEM_ENTITY, `Margin utilisation ${fmt(u.v)} % (limit ${fmt(lim.v)} %)`, "SEV2", evidence)];
  },
});

/**
 * A log record counted over a window against two configurable thresholds (console defaults: the
 * runbook lists the pattern but gives no figure). Grouped by symbol where the records name one.
 */
function recordCountRule(o: {
  id: string;
  kind: string;
  title: string;
  runbook: "registry-audit-failure" | "circuit-breaker-open";
  meaning: string;
  warnCount: number;
  criticalCount: number;
  windowMinutes: number;
  warn: Verdict["severity"];
  critical: Verdict["severity"];
}) {
  return defineRule({
    id: o.id,
    kinds: KIND,
    title: o.title,
    seed: "003",
    runbook: o.runbook,
    sources: LOGS,
    description: `${o.kind} (${o.meaning}): \`warnCount\` (${o.warnCount}) or more within \`windowMinutes\` (${o.windowMinutes}) is a ${o.warn} warning; \`criticalCount\` (${o.criticalCount}) or more is critical ${o.critical}. All three are console defaults: the futures-bot runbook lists the log pattern without a threshold. Fewer are counted in the evidence and read ok.`,
    params: z
      .object({
        warnCount: num(o.warnCount, { int: true }),
        criticalCount: num(o.criticalCount, { int: true }),
        windowMinutes: num(o.windowMinutes),
      })
      .strict(),
    check(ctx, target, p) {
      const windowMs = p.windowMinutes * MIN;
      const recs = reports(ctx, target, o.kind, ctx.now - windowMs).filter((r) => r.observedAt > ctx.now - windowMs);
      const n = recs.length;
      const symbols = [...new Set(recs.map((r) => text(r, "symbol")).filter((x): x is string => !!x))].sort();
      const reasons = [...new Set(recs.map((r) => text(r, "reason")).filter((x): x is string => !!x))].sort();
      const thresholds = { warnCount: p.warnCount, criticalCount: p.criticalCount, windowMinutes: p.windowMinutes };
      const evidence = {
        values: [
          ev(`${o.kind} in ${dur(windowMs)}`, n),
          ev("symbols", symbols.join(", ") || "—"),
          ev("reasons", reasons.join(", ") || "—"),
          ...recs.slice(-5).map((r) => ev("record", r.id, r.observedAt)),
        ],
        window: windowOf(ctx.now, windowMs),
        thresholds,
      };
      if (n < p.warnCount)
        return [
          okVerdict(SYSTEM_ENTITY, `${plural(n, o.kind + " record")} in the last ${dur(windowMs)}`, o.warn, evidence),
        ];
      const crit = n >= p.criticalCount;
      const dueAt = crit ? recs[p.criticalCount - 1]!.observedAt : undefined;
      return [
        {
          entity: SYSTEM_ENTITY,
          ...(symbols.length ? { affected: symbols } : {}),
          state: crit ? "critical" : "warning",
          severity: crit ? o.critical : o.warn,
          since: recs[0]!.observedAt,
          summary: `${n} ${o.kind} in the last ${dur(windowMs)}${symbols.length ? ` (${symbols.join(", ")})` : ""}${reasons.length ? `: ${reasons.join(", ")}` : ""}`,
          evidence,
          ...(dueAt !== undefined
            ? { escalationDueAt: dueAt, escalation: `${p.criticalCount}+ ${o.kind} within ${p.windowMinutes} minutes` }
            : {}),
        },
      ];
    },
  });
}

export const FUTURES_BOT_RULES: AnyRule[] = [
  auditRule({
    id: "registry_audit_violations",
    fieldName: "violations_total",
    title: "Registry audit violations",
    critical: true,
    action:
      "Critical: startup should fail fast — keep the service stopped, do not override; capture the audit, RECOVERY_MERGE_COLLISION and CORRUPTED_POSITION logs and run the smoke test before redeploying.",
  }),
  auditRule({
    id: "registry_audit_duplicate_keys",
    fieldName: "duplicate_active_symbol_keys",
    title: "Registry audit: duplicate active symbol keys",
    critical: false,
    action:
      "Investigate duplicate lifecycle rows by symbol key; run sync tools only after the root cause is identified.",
  }),
  auditRule({
    id: "registry_audit_non_terminal_closed",
    fieldName: "non_terminal_in_closed_history",
    title: "Registry audit: non-terminal rows in closed history",
    critical: false,
    action: "Lifecycle corruption: review recent takeover/import/reconcile logs.",
  }),
  auditRule({
    id: "registry_audit_remaining_qty",
    fieldName: "remaining_qty_violations",
    title: "Registry audit: remaining quantity violations",
    critical: false,
    action: "Potential fill-ledger corruption: inspect fill IDs and position snapshots before restart.",
  }),
  spikeRule("recon_orphaned", "orphaned", "ORPHANED", "orphaned positions"),
  spikeRule("recon_phantom", "phantom", "PHANTOM", "phantom positions"),
  trendDown,
  qtyMismatch,
  qtySynced,
  pendingAdopted,
  dedupe,
  killSwitch,
  circuitBreaker,
  futuresStatus,
  reportWindowRule({
    id: "corrupted_position",
    kind: "CORRUPTED_POSITION",
    title: "Corrupted positions",
    runbook: "registry-audit-failure",
    description:
      "CORRUPTED_POSITION records: one is a warning; repeated ones within the window are an escalation criterion (page + pause trading).",
    repeatAt: 2,
    single: { state: "warning", severity: "SEV2" },
    repeated: { state: "critical", severity: "SEV1" },
    escalation: "Repeated CORRUPTED_POSITION alerts",
  }),
  reportWindowRule({
    id: "invariant_violation_report",
    kind: "INVARIANT_VIOLATION",
    title: "Safety invariant violated",
    runbook: "kill-switch-recovery",
    description:
      "INVARIANT_VIOLATION: a safety limit was breached; the kill switch halts with reason invariant_violation. Fix the root cause before restart.",
    repeatAt: 1,
    single: { state: "critical", severity: "SEV1" },
    repeated: { state: "critical", severity: "SEV1" },
    entityField: "invariant",
  }),
  reportWindowRule({
    id: "threshold_mismatch",
    kind: "THRESHOLD_MISMATCH",
    title: "Config/safety threshold mismatch",
    runbook: "margin-critical",
    description:
      "THRESHOLD_MISMATCH: a configured limit is inconsistent with its safety limit (e.g. auction_max_margin_util vs max_margin_utilization_pct).",
    repeatAt: 1,
    single: { state: "warning", severity: "SEV3" },
    repeated: { state: "warning", severity: "SEV3" },
    entityField: "parameter",
  }),
  recordCountRule({
    id: "order_rejected_by_venue",
    kind: "ORDER_REJECTED_BY_VENUE",
    title: "Orders rejected by the venue",
    runbook: "circuit-breaker-open",
    meaning: "the exchange rejected an order",
    warnCount: 3,
    criticalCount: 10,
    windowMinutes: 15,
    warn: "SEV3",
    critical: "SEV2",
  }),
  recordCountRule({
    id: "recovery_merge_collision",
    kind: "RECOVERY_MERGE_COLLISION",
    title: "Recovery merge collisions",
    runbook: "registry-audit-failure",
    meaning: "a canonical symbol-key collision resolved during the start-up merge; capture it with the registry audit",
    warnCount: 1,
    criticalCount: 3,
    windowMinutes: 60,
    warn: "SEV3",
    critical: "SEV2",
  }),
  missingOrders("missing_stop_loss", "has_stop_loss", "stop-loss", "SEV2", "critical"),
  missingOrders("missing_take_profit", "has_take_profit", "take-profit", "SEV3", "warning"),
  untracked,
  margin,
];
