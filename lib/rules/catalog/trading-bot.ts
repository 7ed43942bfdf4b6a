import { z } from "zod";
import { SYSTEM_ENTITY } from "../../telemetry/model";
import { defineRule } from "../define";
import type { Point } from "../../collector/store";
import type { AnyRule, RuleContext, RuleTarget, Verdict } from "../types";
import {
  cleanStreak,
  cyclesWithGaps,
  distinctInWindow,
  heldFor,
  increase,
  inWindow,
  latestReported,
  persistentCycles,
  risingEdges,
} from "../windows";
import {
  MIN,
  SEC,
  current,
  currentEntities,
  currentSeries,
  dur,
  ev,
  fmt,
  latest,
  maxGapMs,
  num,
  okVerdict,
  plural,
  points,
  usd,
  windowOf,
} from "./common";

// trading-bot rules: seeds 000 (capital invariant), 001 (reconciliation, parity heartbeat, flags)
// and 002 (ghost positions, stale pending orders, auth failures).

const KIND = ["trading-bot"] as const;
const HEALTH = { "trading-bot": ["/internal/health"] } as const;
const METRICS = { "trading-bot": ["/metrics"] } as const;
/**
 * The health document and the per-profile ledger: "ledger" is wherever the target's ledger is read
 * from (the health document by default, or Supabase), so a failing ledger read turns these Unknown.
 */
const HEALTH_AND_LEDGER = { "trading-bot": ["/internal/health", "ledger"] } as const;
/** The incident runbook's plain /health: the stale backlog and quarantined orders. */
const PLAIN_HEALTH = { "trading-bot": ["/health"] } as const;

/**
 * Per-cycle values of a health field: one entry per reconciliation cycle, i.e. per distinct
 * `reconciliationLastRun`, with the value the same poll showed. The cycle time is the run time.
 */
export function healthCycles(
  ctx: RuleContext,
  target: RuleTarget,
  metric: string,
  entity: string = SYSTEM_ENTITY,
): { t: number; value: number }[] {
  const runs = points(ctx, target, "reconciliationLastRun");
  const byT = new Map(points(ctx, target, metric, entity).map((p) => [p.t, p.v]));
  const out: { t: number; value: number }[] = [];
  let last: number | undefined;
  for (const r of runs) {
    if (r.v === last) continue;
    const v = byT.get(r.t);
    if (v === undefined) continue;
    last = r.v;
    out.push({ t: r.v, value: v });
  }
  return out;
}

/** Distinct values of a timestamp series after `after`, in order (reconciliation runs of a profile). */
function distinctTimesAfter(pts: readonly Point[], after: number): number[] {
  const out: number[] = [];
  for (const p of pts) if (p.v > after && out[out.length - 1] !== p.v) out.push(p.v);
  return out;
}

/**
 * Profiles the bot currently reports: from the runbook's `available_capital_gauge{profile_id}` and
 * `capital_invariant_violations_total{profile_id}`, or a per-profile ledger where one is served.
 */
function profiles(ctx: RuleContext, target: RuleTarget): string[] {
  const set = new Set(
    [
      "available_capital",
      "capitalInvariantViolations",
      "available_capital_gauge",
      "capital_invariant_violations_total",
    ].flatMap((m) => currentEntities(ctx, target, m)),
  );
  return [...set].sort();
}

/**
 * A profile's available capital: recomputed from its ledger where the bot serves one, else the
 * runbook's `available_capital_gauge`. Returns the point and the metric it came from.
 */
function availableCapital(ctx: RuleContext, target: RuleTarget, profile: string): { point?: Point; metric: string } {
  const ledger = current(ctx, target, "available_capital", profile);
  if (ledger) return { point: ledger, metric: "available_capital" };
  const gauge = current(ctx, target, "available_capital_gauge", profile);
  return gauge ? { point: gauge, metric: "available_capital_gauge" } : { metric: "available_capital" };
}

const intervalParam = num(30);

/**
 * "After three reconciliation cycles or 15 minutes": due when the Nth cycle since the violation has
 * run or the time limit passed; until then the earlier of the time limit and the projected Nth cycle.
 */
function capitalDue(
  now: number,
  since: number,
  cycles: readonly number[],
  maxCycles: number,
  maxMs: number,
  intervalMs: number,
): { dueAt: number; due: boolean } {
  const byTime = since + maxMs;
  const nth = cycles[maxCycles - 1];
  const projected = nth ?? (cycles[cycles.length - 1] ?? since) + (maxCycles - cycles.length) * intervalMs;
  const dueAt = nth !== undefined ? Math.min(nth, byTime) : projected > now ? Math.min(byTime, projected) : byTime;
  return { dueAt, due: now >= dueAt };
}

// ---------------------------------------------------------------- seed 000

const capitalInvariant = defineRule({
  id: "capital_invariant",
  kinds: KIND,
  title: "Capital ledger invariant",
  seed: "000",
  runbook: "capital-invariant-violation",
  sources: HEALTH_AND_LEDGER,
  description:
    "Per profile, allocated − reserved_for_orders − reserved_for_positions + realized_pnl must not drop below zero: read from the runbook's `available_capital_gauge{profile_id}` (or recomputed from a per-profile ledger where the bot serves one). Without per-profile values, the runbook's bot-wide `capitalInvariantViolations` above zero is the violation, on the bot. A violation is critical; reconciliation is expected to rebuild reservations and repair it. Escalate when it survives three reconciliation cycles (counted from `reconciliationLastRun`) or 15 minutes, whichever comes first.",
  params: z
    .object({ maxCycles: num(3, { int: true }), maxMinutes: num(15), reconciliationIntervalSeconds: intervalParam })
    .strict(),
  check(ctx, target, p) {
    const out: Verdict[] = [];
    const list = profiles(ctx, target);
    // The runbook's health field is bot-wide: without per-profile values, the bot is the entity.
    const botWide = list.length === 0 ? current(ctx, target, "capitalInvariantViolations") : undefined;
    if (botWide) {
      const interval = p.reconciliationIntervalSeconds * SEC;
      const thresholds = { maxCycles: p.maxCycles, maxMinutes: p.maxMinutes };
      if (botWide.v <= 0)
        return [
          okVerdict(SYSTEM_ENTITY, "No profile violates the capital invariant", "SEV2", {
            values: [ev("capitalInvariantViolations", botWide.v, botWide.t)],
            thresholds,
          }),
        ];
      const since =
        heldFor(points(ctx, target, "capitalInvariantViolations"), (v) => v > 0, ctx.now, maxGapMs(target)).since ??
        botWide.t;
      const cycles = distinctTimesAfter(points(ctx, target, "reconciliationLastRun"), since);
      const { dueAt, due } = capitalDue(ctx.now, since, cycles, p.maxCycles, p.maxMinutes * MIN, interval);
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: due ? "SEV1" : "SEV2",
          since,
          summary: `Capital invariant violated (capitalInvariantViolations ${fmt(botWide.v)}) for ${dur(ctx.now - since)}; ${Math.min(cycles.length, p.maxCycles)} of ${p.maxCycles} reconciliation cycles since${due ? " — escalate" : ""}. The bot reports no per-profile ledger: find the profile_id in the capital watchdog's log`,
          evidence: {
            values: [
              ev("capitalInvariantViolations", botWide.v, botWide.t),
              ev("violation since", since),
              ev("reconciliation cycles since violation", cycles.length),
            ],
            window: { from: since, to: ctx.now, description: `since the violation (${dur(ctx.now - since)})` },
            thresholds,
          },
          escalationDueAt: dueAt,
          escalation: `Invariant still violated after ${p.maxCycles} reconciliation cycles or ${p.maxMinutes} minutes`,
        },
      ];
    }
    for (const profile of list) {
      const { point: avail, metric: availMetric } = availableCapital(ctx, target, profile);
      const flagged = current(ctx, target, "capitalInvariantViolations", profile);
      if (!avail && !flagged) continue;
      const at = avail?.t ?? flagged?.t;
      const parts = ["allocated", "reserved_for_orders", "reserved_for_positions", "realized_pnl"].map((m) =>
        ev(m, latest(ctx, target, m, profile)?.v ?? null, at),
      );
      const thresholds = { maxCycles: p.maxCycles, maxMinutes: p.maxMinutes };
      const violated = (avail !== undefined && avail.v < 0) || (flagged !== undefined && flagged.v > 0);
      if (!violated) {
        out.push(
          okVerdict(profile, `Profile ${profile}: available capital ${usd(avail?.v ?? 0)}`, "SEV2", {
            values: [...parts, ev("available capital", avail?.v ?? null, at)],
            thresholds,
          }),
        );
        continue;
      }
      const reportedSince = current(ctx, target, "violationSince", profile)?.v;
      const run = heldFor(points(ctx, target, availMetric, profile), (v) => v < 0, ctx.now, maxGapMs(target));
      const since = reportedSince ?? run.since ?? at ?? ctx.now;
      const interval = p.reconciliationIntervalSeconds * SEC;
      let cycles = distinctTimesAfter(points(ctx, target, "lastReconciledAt", profile), since);
      if (cycles.length === 0 && points(ctx, target, "lastReconciledAt", profile).length === 0) {
        cycles = distinctTimesAfter(points(ctx, target, "reconciliationLastRun"), since);
      }
      const { dueAt, due } = capitalDue(ctx.now, since, cycles, p.maxCycles, p.maxMinutes * MIN, interval);
      out.push({
        entity: profile,
        state: "critical",
        severity: due ? "SEV1" : "SEV2",
        since,
        summary: `Profile ${profile}: available capital is ${usd(avail?.v ?? NaN)} (below zero) for ${dur(ctx.now - since)}; ${Math.min(cycles.length, p.maxCycles)} of ${p.maxCycles} reconciliation cycles since${due ? " — escalate" : ""}`,
        evidence: {
          values: [
            ...parts,
            ev("available capital", avail?.v ?? null, at),
            ev("violation since", since),
            ev("reconciliation cycles since violation", cycles.length),
          ],
          window: { from: since, to: ctx.now, description: `since the violation (${dur(ctx.now - since)})` },
          thresholds,
        },
        escalationDueAt: dueAt,
        escalation: `Invariant still violated after ${p.maxCycles} reconciliation cycles or ${p.maxMinutes} minutes`,
      });
    }
    return out;
  },
});

const capitalInvariantProfiles = defineRule({
  id: "capital_invariant_profiles",
  kinds: KIND,
  title: "Capital invariant violated on several profiles",
  seed: "000",
  runbook: "capital-invariant-violation",
  sources: HEALTH_AND_LEDGER,
  description:
    "The capital watchdog reporting violations for different profiles within an hour is an escalation criterion, even when each one self-repairs.",
  params: z.object({ windowMinutes: num(60), minProfiles: num(2, { int: true }) }).strict(),
  check(ctx, target, p) {
    const windowMs = p.windowMinutes * MIN;
    const events: { t: number; profile: string }[] = [];
    const seen = new Set<string>();
    // The runbook's per-profile series are available_capital_gauge and
    // capital_invariant_violations_total; a per-profile ledger, where served, says the same.
    for (const metric of [
      "capitalInvariantViolations",
      "available_capital",
      "available_capital_gauge",
      "capitalInvariantViolationsTotal",
      "capital_invariant_violations_total",
    ]) {
      for (const s of ctx.history.seriesFor(target.name, metric)) {
        if (s.entity === SYSTEM_ENTITY) continue;
        seen.add(s.entity);
        const edges =
          metric === "available_capital" || metric === "available_capital_gauge"
            ? risingEdges(s.points, (v) => v < 0)
            : metric === "capitalInvariantViolations"
              ? risingEdges(s.points, (v) => v > 0)
              : s.points.filter((pt, i) => i > 0 && pt.v > s.points[i - 1]!.v).map((pt) => pt.t);
        for (const t of edges) events.push({ t, profile: s.entity });
      }
    }
    if (seen.size === 0) return [];
    events.sort((a, b) => a.t - b.t);
    const distinct = distinctInWindow(events, ctx.now, windowMs, (e) => e.profile).sort();
    const thresholds = { windowMinutes: p.windowMinutes, minProfiles: p.minProfiles };
    const evidence = {
      values: [
        ev("profiles with a violation in the window", distinct.join(", ") || "none"),
        ev("count", distinct.length),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    if (distinct.length < p.minProfiles)
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `${plural(distinct.length, "profile")} violated the capital invariant in the last ${dur(windowMs)}`,
          "SEV1",
          evidence,
        ),
      ];
    // The moment the pattern formed: the first event that brought a new profile to minProfiles.
    const firstSeen = new Map<string, number>();
    for (const e of events)
      if (inWindow(e.t, ctx.now, windowMs) && !firstSeen.has(e.profile)) firstSeen.set(e.profile, e.t);
    const formedAt = [...firstSeen.values()].sort((a, b) => a - b)[p.minProfiles - 1] ?? ctx.now;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV1",
        since: formedAt,
        summary: `Capital invariant violated on ${distinct.length} different profiles within ${dur(windowMs)} (${distinct.join(", ")}) — escalate`,
        evidence,
        escalationDueAt: formedAt,
        escalation: `Capital watchdog logs violations for different profiles within ${p.windowMinutes} minutes`,
      },
    ];
  },
});

const tradingLoop = defineRule({
  id: "trading_loop_unhealthy",
  kinds: KIND,
  title: "Trading loop unhealthy",
  seed: "000",
  runbook: "capital-invariant-violation",
  sources: HEALTH,
  description:
    "A trading loop that is unhealthy places no new entries. Escalate when it stays unhealthy for `escalateAfterMinutes` (15, a console default: the runbook gives no time) while other profiles are functioning. The runbook's `tradingLoopHealthy` is bot-wide: other profiles count as functioning when the bot reports more profiles (`available_capital_gauge{profile_id}`) than violate the capital invariant, and when it cannot tell, the loop escalates too — unknown is not healthy. A per-profile `tradingLoopHealthy`, where served, names the profile.",
  params: z.object({ escalateAfterMinutes: num(15) }).strict(),
  check(ctx, target, p) {
    const ents = currentEntities(ctx, target, "tradingLoopHealthy");
    const thresholds = { escalateAfterMinutes: p.escalateAfterMinutes };
    const out: Verdict[] = [];
    if (ents.length === 0) {
      const cur = current(ctx, target, "tradingLoopHealthy");
      if (!cur) return [];
      if (cur.v === 1)
        return [
          okVerdict(SYSTEM_ENTITY, "Bot: trading loop healthy", "SEV2", {
            values: [ev("tradingLoopHealthy", true, cur.t)],
            thresholds,
          }),
        ];
      const since =
        heldFor(points(ctx, target, "tradingLoopHealthy"), (v) => v === 0, ctx.now, maxGapMs(target)).since ?? cur.t;
      // Which profiles still function, from the runbook's per-profile gauge.
      const known = profiles(ctx, target);
      const violating = known.filter(
        (e) =>
          (availableCapital(ctx, target, e).point?.v ?? 0) < 0 ||
          (current(ctx, target, "capitalInvariantViolations", e)?.v ?? 0) > 0,
      );
      const functioning = known.filter((e) => !violating.includes(e));
      const dueAt = since + p.escalateAfterMinutes * MIN;
      const due = ctx.now >= dueAt;
      const others =
        known.length === 0
          ? "other profiles' state not reported"
          : functioning.length
            ? `${plural(functioning.length, "profile")} (${functioning.join(", ")}) still ${functioning.length === 1 ? "functions" : "function"}`
            : "no profile is known to function";
      out.push({
        entity: SYSTEM_ENTITY,
        state: due ? "critical" : "warning",
        severity: "SEV2",
        since,
        summary: `Bot: trading loop unhealthy for ${dur(ctx.now - since)} (no new entries${violating.length ? ` for ${violating.join(", ")}` : ""}); ${others}${due ? " — escalate" : ""}`,
        evidence: {
          values: [
            ev("tradingLoopHealthy", false, cur.t),
            ev("profiles violating the capital invariant", violating.join(", ") || "none reported"),
            ev("functioning profiles", functioning.join(", ") || "unknown"),
          ],
          thresholds,
        },
        escalationDueAt: dueAt,
        escalation: `Trading loop remains unhealthy for ${p.escalateAfterMinutes} minutes while other profiles are functioning`,
      });
      return out;
    }
    const healthy = ents.filter((e) => current(ctx, target, "tradingLoopHealthy", e)?.v === 1);
    for (const e of ents) {
      const cur = current(ctx, target, "tradingLoopHealthy", e);
      if (!cur) continue;
      const name = `Profile ${e}`;
      if (cur.v === 1) {
        out.push(
          okVerdict(e, `${name}: trading loop healthy`, "SEV2", {
            values: [ev("tradingLoopHealthy", true, cur.t)],
            thresholds,
          }),
        );
        continue;
      }
      const run = heldFor(points(ctx, target, "tradingLoopHealthy", e), (v) => v === 0, ctx.now, maxGapMs(target));
      const since = run.since ?? cur.t;
      const othersOk = healthy.filter((h) => h !== e);
      const dueAt = othersOk.length > 0 ? since + p.escalateAfterMinutes * MIN : undefined;
      const due = dueAt !== undefined && ctx.now >= dueAt;
      out.push({
        entity: e,
        state: due ? "critical" : "warning",
        severity: "SEV2",
        since,
        summary: `${name}: trading loop unhealthy for ${dur(ctx.now - since)} (no new entries)${othersOk.length ? ` while ${plural(othersOk.length, "other profile")} ${othersOk.length === 1 ? "trades" : "trade"}` : ""}`,
        evidence: {
          values: [ev("tradingLoopHealthy", false, cur.t), ev("healthy profiles", othersOk.join(", ") || "none")],
          thresholds,
        },
        ...(dueAt !== undefined
          ? {
              escalationDueAt: dueAt,
              escalation: `Trading loop remains unhealthy for ${p.escalateAfterMinutes} minutes while other profiles are functioning`,
            }
          : {}),
      });
    }
    return out;
  },
});

// ---------------------------------------------------------------- seed 001

const lockContention = defineRule({
  id: "lock_contention",
  kinds: KIND,
  title: "Reconciliation lock contention",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: { "trading-bot": ["/internal/health", "/metrics"] },
  description:
    'Reconciliation skips a profile whose lock another worker holds. A warning when it happens; critical (escalate: "lock contention prevents the loop from running") when contention keeps the loop from reconciling for `maxSkippedCycles` (2) cycles. From the runbook\'s bot-wide `lockContentionCount` (a counter): critical when it rose in each of the last two reconciliation cycles, or rose while `reconciliationLoopHealthy` is false. Per-profile lock state, where served, names the profile. `windowMinutes` (5) is a console default.',
  params: z
    .object({
      windowMinutes: num(5),
      maxSkippedCycles: num(2, { int: true }),
      reconciliationIntervalSeconds: intervalParam,
    })
    .strict(),
  check(ctx, target, p) {
    const ents = new Set([
      ...currentEntities(ctx, target, "reconciliationLock.held"),
      ...currentEntities(ctx, target, "reconciliation_lock_contention_total"),
    ]);
    const out: Verdict[] = [];
    const windowMs = p.windowMinutes * MIN;
    if (ents.size === 0) return botWideContention(ctx, target, p);
    for (const e of [...ents].sort()) {
      const held = current(ctx, target, "reconciliationLock.held", e);
      const skips = increase(
        points(ctx, target, "reconciliation_lock_contention_total", e),
        ctx.now - windowMs,
        ctx.now,
      );
      const run = heldFor(points(ctx, target, "reconciliationLock.held", e), (v) => v === 1, ctx.now, maxGapMs(target));
      const blockedFor = p.maxSkippedCycles * p.reconciliationIntervalSeconds * SEC;
      const thresholds = { windowMinutes: p.windowMinutes, maxSkippedCycles: p.maxSkippedCycles };
      const evidence = {
        values: [
          ev("lock held", held ? held.v === 1 : null, held?.t),
          ev(`skipped reconciliations in ${dur(windowMs)}`, skips),
          ev("held for", run.holding ? dur(run.durationMs) : "—"),
        ],
        window: windowOf(ctx.now, windowMs),
        thresholds,
      };
      if (!run.holding && skips === 0) {
        out.push(okVerdict(e, `Profile ${e}: reconciliation lock free`, "SEV2", evidence));
        continue;
      }
      const blocked = (run.holding && run.durationMs > blockedFor) || skips >= p.maxSkippedCycles;
      const since = run.since ?? ctx.now;
      out.push({
        entity: e,
        state: blocked ? "critical" : "warning",
        severity: "SEV2",
        since,
        summary: `Profile ${e}: reconciliation lock ${run.holding ? `held by another worker for ${dur(run.durationMs)}` : "contended"}; ${plural(skips, "reconciliation")} skipped in ${dur(windowMs)}`,
        evidence,
        escalationDueAt: run.holding ? since + blockedFor : ctx.now,
        escalation: "Reconciliation lock contention prevents the loop from running",
      });
    }
    return out;
  },
});

/** lock_contention from the runbook's bot-wide `lockContentionCount` counter. */
function botWideContention(
  ctx: RuleContext,
  target: RuleTarget,
  p: { windowMinutes: number; maxSkippedCycles: number; reconciliationIntervalSeconds: number },
): Verdict[] {
  const cur = current(ctx, target, "lockContentionCount");
  if (!cur) return [];
  const windowMs = p.windowMinutes * MIN;
  const pts = points(ctx, target, "lockContentionCount");
  const skips = increase(pts, ctx.now - windowMs, ctx.now);
  // The counter at each reconciliation cycle; a rise between consecutive cycles is a skipped profile.
  const cycles = healthCycles(ctx, target, "lockContentionCount");
  let streak = 0;
  let streakSince: number | undefined;
  for (let i = cycles.length - 1; i > 0; i--) {
    const [now, prev] = [cycles[i]!.value, cycles[i - 1]!.value];
    // A drop is a restart: the counter began again from 0, so any value above 0 is new contention.
    const rose = now > prev || (now < prev && now > 0);
    if (!rose) break;
    streak++;
    streakSince = cycles[i]!.t;
  }
  const loopHealthy = current(ctx, target, "reconciliationLoopHealthy");
  const thresholds = { windowMinutes: p.windowMinutes, maxSkippedCycles: p.maxSkippedCycles };
  const evidence = {
    values: [
      ev("lockContentionCount", cur.v, cur.t),
      ev(`contention in ${dur(windowMs)}`, skips),
      ev("consecutive cycles with contention", streak),
      ev("reconciliationLoopHealthy", loopHealthy ? loopHealthy.v === 1 : null, loopHealthy?.t),
    ],
    window: windowOf(ctx.now, windowMs),
    thresholds,
  };
  if (skips === 0 && streak === 0)
    return [okVerdict(SYSTEM_ENTITY, "Reconciliation lock: no contention", "SEV2", evidence)];
  const blocked = streak >= p.maxSkippedCycles || (skips > 0 && loopHealthy?.v === 0);
  const since =
    streakSince ?? pts.find((pt, i) => i > 0 && pt.t > ctx.now - windowMs && pt.v !== pts[i - 1]!.v)?.t ?? cur.t;
  const lastCycle = cycles[cycles.length - 1]?.t ?? cur.t;
  const dueAt =
    streak >= p.maxSkippedCycles
      ? cycles[cycles.length - streak + p.maxSkippedCycles - 1]!.t
      : blocked
        ? ctx.now
        : lastCycle + (p.maxSkippedCycles - streak) * p.reconciliationIntervalSeconds * SEC;
  return [
    {
      entity: SYSTEM_ENTITY,
      state: blocked ? "critical" : "warning",
      severity: "SEV2",
      since,
      summary: `Reconciliation lock contended: lockContentionCount rose by ${fmt(skips, 0)} in ${dur(windowMs)}, in ${plural(streak, "consecutive cycle")}${loopHealthy?.v === 0 ? "; reconciliation loop unhealthy" : ""}${blocked ? " — contention prevents the loop from running" : ""}`,
      evidence,
      escalationDueAt: dueAt,
      escalation: "Reconciliation lock contention prevents the loop from running",
    },
  ];
}

function mismatchRule(id: string, metric: string, title: string, what: string) {
  return defineRule({
    id,
    kinds: KIND,
    title,
    seed: "001",
    runbook: "reconciliation-divergence",
    sources: HEALTH,
    description: `${what} found by the latest reconciliation cycle. Lifecycle-safe handlers should correct them within a run; escalate when the count is still elevated after two further reconciliation runs (the run that found it, then two more: \"mismatch metrics stay elevated after two reconciliation runs\"). Runs are told apart by \`reconciliationLastRun\`.`,
    params: z
      .object({ escalateAfterRuns: num(2, { int: true }), reconciliationIntervalSeconds: intervalParam })
      .strict(),
    check(ctx, target, p) {
      const interval = p.reconciliationIntervalSeconds * SEC;
      const cycles = cyclesWithGaps(healthCycles(ctx, target, metric), interval, ctx.now);
      const last = latestReported(cycles);
      if (!last) return [];
      const run = persistentCycles(cycles, (v) => v > 0);
      const thresholds = { escalateAfterRuns: p.escalateAfterRuns };
      const evidence = {
        values: [
          ev(`${metric} (latest cycle)`, last.value, last.t),
          ev("consecutive elevated runs", run.count),
          ev("missed cycles", cycles.filter((c) => c.value === null).length),
        ],
        thresholds,
      };
      if (last.value <= 0)
        return [okVerdict(SYSTEM_ENTITY, `${what}: 0 in the latest reconciliation cycle`, "SEV2", evidence)];
      // The run that found the mismatch does not count: it must still be there after N more runs.
      const needed = p.escalateAfterRuns + 1;
      const escalate = run.count >= needed;
      const since = run.since ?? last.t;
      return [
        {
          entity: SYSTEM_ENTITY,
          state: escalate ? "critical" : "warning",
          severity: "SEV2",
          since,
          summary: `${what}: ${fmt(last.value)} in the latest reconciliation cycle, elevated in ${plural(run.count, "run")} (${Math.max(0, run.count - 1)} of ${p.escalateAfterRuns} runs after the one that found it)${escalate ? " — escalate to the trading engineering lead" : ""}`,
          evidence,
          escalationDueAt: escalate
            ? (cycles.filter((c) => c.value !== null && c.t >= since)[needed - 1]?.t ?? last.t)
            : last.t + (needed - run.count) * interval,
          escalation: `Mismatch metrics stay elevated after ${p.escalateAfterRuns} reconciliation runs`,
        },
      ];
    },
  });
}

const reconciliationLoop = defineRule({
  id: "reconciliation_loop",
  kinds: KIND,
  title: "Reconciliation loop unhealthy or not running",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    "reconciliationLoopHealthy false, or no reconciliation run for longer than the silence budget (`maxSilenceSeconds`, a console default). Divergence only grows while reconciliation does not run. A bot that has not reported a run yet is pending until it has been watched for the silence budget: its first cycle may simply not be due.",
  params: z.object({ maxSilenceSeconds: num(120) }).strict(),
  check(ctx, target, p) {
    const healthy = current(ctx, target, "reconciliationLoopHealthy");
    const lastRun = current(ctx, target, "reconciliationLastRun");
    if (!healthy && !lastRun) return [];
    const budgetMs = p.maxSilenceSeconds * SEC;
    // How long this console has seen the bot: the oldest health value it still holds.
    const firstSeen = Math.min(
      ...["reconciliationLoopHealthy", "reconciliationLastRun"].map((m) => points(ctx, target, m)[0]?.t ?? Infinity),
    );
    const watchedMs = ctx.now - firstSeen;
    const age = lastRun ? ctx.now - lastRun.v : undefined;
    const silent = age === undefined ? watchedMs > budgetMs : age > budgetMs;
    const unhealthy = healthy?.v === 0;
    const evidence = {
      values: [
        ev("reconciliationLoopHealthy", healthy ? healthy.v === 1 : null, healthy?.t),
        ev("reconciliationLastRun", lastRun?.v ?? null),
        ev("since last run", age === undefined ? `none reported in ${dur(watchedMs)} of watching` : dur(age)),
      ],
      thresholds: { maxSilenceSeconds: p.maxSilenceSeconds },
    };
    if (!silent && !unhealthy) {
      const words =
        age === undefined
          ? `Reconciliation loop healthy; first run not reported yet (watched ${dur(watchedMs)}, budget ${dur(budgetMs)})`
          : `Reconciliation loop healthy; last run ${dur(age)} ago`;
      return [okVerdict(SYSTEM_ENTITY, words, "SEV2", evidence)];
    }
    const run = heldFor(points(ctx, target, "reconciliationLoopHealthy"), (v) => v === 0, ctx.now, maxGapMs(target));
    const since = silent ? (lastRun ? lastRun.v : firstSeen) + budgetMs : (run.since ?? ctx.now);
    const silentWords =
      age === undefined
        ? `No reconciliation run reported in the ${dur(watchedMs)} this console has watched the bot (budget ${dur(budgetMs)})`
        : `Reconciliation has not run for ${dur(age)} (budget ${dur(budgetMs)})`;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since,
        summary: silent ? silentWords : `Reconciliation loop unhealthy for ${dur(ctx.now - since)} (profiles skipped)`,
        evidence,
        escalationDueAt: since,
        escalation: "Reconciliation cannot run (lock contention or loop down); divergence grows while it does not",
      },
    ];
  },
});

const parityMismatch = defineRule({
  id: "parity_mismatch",
  kinds: KIND,
  title: "Position parity mismatch (ghost slices)",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    "Lifecycle slices open in the bot while the exchange position is effectively zero: the runbook's `reconciliationParityMismatchTrades` less `reconciliationParityQuarantinedTrades` (bot-wide), or per profile where the bot reports parity per profile. The parity heartbeat confirms them on RECON_POSITION_PARITY_CONFIRMATIONS consecutive checks and closes them; a mismatch that outlives the confirmations plus two cycles (a console default, not a runbook figure) did not self-heal.",
  params: z.object({ confirmations: num(3, { int: true }), reconciliationIntervalSeconds: intervalParam }).strict(),
  check(ctx, target, p) {
    const flag = current(ctx, target, "flag.RECON_POSITION_PARITY_CONFIRMATIONS")?.v;
    const confirmations = flag && flag > 0 ? flag : p.confirmations;
    const budget = (confirmations + 2) * p.reconciliationIntervalSeconds * SEC;
    const out: Verdict[] = [];
    const perProfile = currentEntities(ctx, target, "parity.mismatchedSlices");
    if (perProfile.length === 0) {
      // The runbook's bot-wide counts: mismatched trades include the quarantined ones.
      const mism = current(ctx, target, "reconciliationParityMismatchTrades");
      if (!mism) return [];
      const quarPts = points(ctx, target, "reconciliationParityQuarantinedTrades");
      const open = mism.v - (latestAt(quarPts, mism.t) ?? 0);
      const notional = current(ctx, target, "reconciliationParityTotalMismatchNotionalUsd")?.v ?? null;
      const thresholds = { confirmations, selfHealBudgetSeconds: budget / SEC };
      const evidence = {
        values: [
          ev("reconciliationParityMismatchTrades", mism.v, mism.t),
          ev("reconciliationParityQuarantinedTrades", latestAt(quarPts, mism.t) ?? null),
          ev("reconciliationParityTotalMismatchNotionalUsd", notional),
        ],
        thresholds,
      };
      if (open <= 0)
        return [
          okVerdict(
            SYSTEM_ENTITY,
            "Bot slices match the exchange (no unquarantined parity mismatch)",
            "SEV3",
            evidence,
          ),
        ];
      const run = heldFor(
        points(ctx, target, "reconciliationParityMismatchTrades").map((pt) => ({
          t: pt.t,
          v: pt.v - (latestAt(quarPts, pt.t) ?? 0),
        })),
        (v) => v > 0,
        ctx.now,
        maxGapMs(target),
      );
      const since = run.since ?? mism.t;
      const stuck = ctx.now - since > budget;
      return [
        {
          entity: SYSTEM_ENTITY,
          state: stuck ? "critical" : "warning",
          severity: stuck ? "SEV2" : "SEV3",
          since,
          summary: `${plural(open, "trade")} with a parity mismatch${notional !== null ? ` (${usd(notional)} notional)` : ""} for ${dur(ctx.now - since)}${stuck ? ` — not self-healed within ${confirmations} confirmations plus two cycles` : ""}`,
          evidence,
          escalationDueAt: since + budget,
          escalation: `Parity mismatch not closed by the heartbeat within ${confirmations} confirmations plus two cycles`,
        },
      ];
    }
    for (const e of perProfile) {
      const mism = current(ctx, target, "parity.mismatchedSlices", e);
      const quar = current(ctx, target, "parity.quarantinedSlices", e)?.v ?? 0;
      if (!mism) continue;
      const open = mism.v - quar;
      const maxConf = current(ctx, target, "parity.maxConfirmations", e)?.v ?? null;
      const notional = currentSeries(ctx, target, "parity.slice.mismatchNotionalUsd", e).reduce(
        (a, s) => a + (s.points[s.points.length - 1]?.v ?? 0),
        0,
      );
      const thresholds = { confirmations, selfHealBudgetSeconds: budget / SEC };
      const evidence = {
        values: [
          ev("mismatched slices (not quarantined)", open, mism.t),
          ev("max confirmations", maxConf),
          ev("mismatch notional", notional),
        ],
        thresholds,
      };
      if (open <= 0) {
        out.push(okVerdict(e, `Profile ${e}: bot slices match the exchange`, "SEV3", evidence));
        continue;
      }
      const run = heldFor(
        points(ctx, target, "parity.mismatchedSlices", e).map((pt) => ({
          t: pt.t,
          v: pt.v - (latestAt(points(ctx, target, "parity.quarantinedSlices", e), pt.t) ?? 0),
        })),
        (v) => v > 0,
        ctx.now,
        maxGapMs(target),
      );
      const since = run.since ?? mism.t;
      const stuck = ctx.now - since > budget;
      out.push({
        entity: e,
        state: stuck ? "critical" : "warning",
        severity: stuck ? "SEV2" : "SEV3",
        since,
        summary: `Profile ${e}: ${plural(open, "ghost slice")} (${usd(notional)} notional), ${maxConf ?? "?"} of ${confirmations} confirmations${stuck ? ` — not self-healed after ${dur(ctx.now - since)}` : ""}`,
        evidence,
        escalationDueAt: since + budget,
        escalation: `Parity mismatch not closed by the heartbeat within ${confirmations} confirmations plus two cycles`,
      });
    }
    return out;
  },
});

/** When a 1/0 series last went from 1 to 0 before `before` (an auto-resume), if it did. */
function lastFallingEdge(pts: readonly Point[], before: number): number | undefined {
  let edge: number | undefined;
  for (let i = 1; i < pts.length && pts[i]!.t < before; i++)
    if (pts[i - 1]!.v === 1 && pts[i]!.v === 0) edge = pts[i]!.t;
  return edge;
}

function latestAt(pts: readonly Point[], t: number): number | undefined {
  let v: number | undefined;
  for (const p of pts) {
    if (p.t > t) break;
    v = p.v;
  }
  return v;
}

const parityQuarantined = defineRule({
  id: "parity_quarantined",
  kinds: KIND,
  title: "Quarantined parity slices",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    "Slices without sub-tag attribution are quarantined instead of closed (RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION): the runbook's `reconciliationParityQuarantinedTrades`, or per profile where reported. They stay until an operator reviews them.",
  params: z.object({}).strict(),
  check(ctx, target) {
    const out: Verdict[] = [];
    const perProfile = currentEntities(ctx, target, "parity.quarantinedSlices");
    if (perProfile.length === 0) {
      const q = current(ctx, target, "reconciliationParityQuarantinedTrades");
      if (!q) return [];
      const evidence = { values: [ev("reconciliationParityQuarantinedTrades", q.v, q.t)] };
      if (q.v <= 0) return [okVerdict(SYSTEM_ENTITY, "No quarantined parity trades", "SEV3", evidence)];
      const run = heldFor(
        points(ctx, target, "reconciliationParityQuarantinedTrades"),
        (v) => v > 0,
        ctx.now,
        maxGapMs(target),
      );
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          since: run.since ?? q.t,
          summary: `${plural(q.v, "unattributed trade")} quarantined by the parity heartbeat — operator review needed`,
          evidence,
        },
      ];
    }
    for (const e of perProfile) {
      const q = current(ctx, target, "parity.quarantinedSlices", e);
      if (!q) continue;
      const evidence = { values: [ev("quarantined slices", q.v, q.t)] };
      if (q.v <= 0) {
        out.push(okVerdict(e, `Profile ${e}: no quarantined slices`, "SEV3", evidence));
        continue;
      }
      const run = heldFor(points(ctx, target, "parity.quarantinedSlices", e), (v) => v > 0, ctx.now, maxGapMs(target));
      out.push({
        entity: e,
        state: "warning",
        severity: "SEV3",
        since: run.since ?? q.t,
        summary: `Profile ${e}: ${plural(q.v, "unattributed slice")} quarantined — operator review needed`,
        evidence,
      });
    }
    return out;
  },
});

const integrityWatchdog = defineRule({
  id: "integrity_watchdog",
  kinds: KIND,
  title: "Integrity watchdog paused trading",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    "The integrity watchdog pauses trading when cumulative parity mismatch notional exceeds RECON_POSITION_PARITY_MAX_NOTIONAL_PCT of allocated capital.",
  params: z.object({}).strict(),
  check(ctx, target) {
    const trig = current(ctx, target, "reconciliationIntegrityWatchdogTriggered");
    if (!trig) return [];
    const total = current(ctx, target, "reconciliationParityTotalMismatchNotionalUsd")?.v ?? null;
    const max = current(ctx, target, "reconciliationParityMaxMismatchNotionalUsd")?.v ?? null;
    const pct = current(ctx, target, "flag.RECON_POSITION_PARITY_MAX_NOTIONAL_PCT")?.v ?? null;
    const evidence = {
      values: [
        ev("watchdog triggered", trig.v === 1, trig.t),
        ev("total mismatch notional USD", total),
        ev("max mismatch notional USD", max),
        ev("RECON_POSITION_PARITY_MAX_NOTIONAL_PCT", pct),
      ],
    };
    if (trig.v !== 1) return [okVerdict(SYSTEM_ENTITY, "Integrity watchdog not triggered", "SEV2", evidence)];
    const since =
      current(ctx, target, "watchdog.since")?.v ??
      heldFor(
        points(ctx, target, "reconciliationIntegrityWatchdogTriggered"),
        (v) => v === 1,
        ctx.now,
        maxGapMs(target),
      ).since ??
      trig.t;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since,
        summary: `Integrity watchdog has paused trading for ${dur(ctx.now - since)} (parity mismatch notional over the capital ratio)`,
        evidence,
      },
    ];
  },
});

const autoResume = defineRule({
  id: "auto_resume_blocked",
  kinds: KIND,
  title: "Watchdog auto-resume blocked",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    "Trading auto-resumes only when the pause source is the parity watchdog, ENABLE_RECON_WATCHDOG_AUTO_RESUME is on, the minimum pause has passed, reconciliation stayed clean for the required consecutive cycles, and the cooldown since the last auto-resume is over. A pause that cannot or did not auto-resume needs a person. From the runbook's fields: the pause is `reconciliationIntegrityWatchdogTriggered`, clean cycles are reconciliation runs (`reconciliationLastRun`) with `reconciliationParityMismatchTrades` 0, the last auto-resume is when the trigger last cleared, and the flags are the runbook's defaults unless overridden. A watchdog state object and reported flags, where served, refine these. The grace of two cycles (`graceCycles`) is a console default, not a runbook figure.",
  params: z
    .object({
      minPauseMs: num(900_000),
      cleanCycles: num(2, { int: true }),
      cooldownMs: num(1_800_000),
      graceCycles: num(2, { int: true }),
      reconciliationIntervalSeconds: intervalParam,
    })
    .strict(),
  check(ctx, target, p) {
    // The watchdog object is this simulator's; the runbook's field is
    // reconciliationIntegrityWatchdogTriggered (a pause whose source is the parity watchdog).
    const watchdogPaused = current(ctx, target, "watchdog.paused");
    const paused = watchdogPaused ?? current(ctx, target, "reconciliationIntegrityWatchdogTriggered");
    if (!paused) return [];
    const flag = (name: string, d: number) => current(ctx, target, `flag.${name}`)?.v ?? d;
    const enabled = flag("ENABLE_RECON_WATCHDOG_AUTO_RESUME", 1) === 1;
    const minPause = flag("RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS", p.minPauseMs);
    const clean = flag("RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES", p.cleanCycles);
    const cooldown = flag("RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS", p.cooldownMs);
    const thresholds = { minPauseMs: minPause, cleanCycles: clean, cooldownMs: cooldown };
    if (paused.v !== 1)
      return [
        okVerdict(SYSTEM_ENTITY, "Trading not paused by the watchdog", "SEV2", {
          values: [ev("paused", false, paused.t)],
          thresholds,
        }),
      ];
    const trig = points(ctx, target, "reconciliationIntegrityWatchdogTriggered");
    const since = watchdogPaused
      ? (current(ctx, target, "watchdog.since")?.v ?? paused.t)
      : (heldFor(trig, (v) => v === 1, ctx.now, maxGapMs(target)).since ?? paused.t);
    const parity = watchdogPaused ? current(ctx, target, "watchdog.sourceParity")?.v : 1;
    // Clean cycles since the pause: reconciliation runs whose parity check found no mismatched trade.
    const streak = watchdogPaused
      ? (current(ctx, target, "watchdog.cleanCycleStreak")?.v ?? 0)
      : cleanStreak(
          healthCycles(ctx, target, "reconciliationParityMismatchTrades").filter((c) => c.t > since),
          (v) => v === 0,
        );
    const lastResume = watchdogPaused ? current(ctx, target, "watchdog.lastResumeAt")?.v : lastFallingEdge(trig, since);
    const interval = p.reconciliationIntervalSeconds * SEC;
    const expected = Math.max(
      since + minPause,
      lastResume !== undefined ? lastResume + cooldown : 0,
      ctx.now + Math.max(0, clean - streak) * interval,
    );
    const reasons: string[] = [];
    if (!enabled) reasons.push("ENABLE_RECON_WATCHDOG_AUTO_RESUME is off");
    if (parity === 0) reasons.push("the pause source is not the parity watchdog");
    if (lastResume !== undefined && ctx.now < lastResume + cooldown)
      reasons.push(`cooldown since the last auto-resume runs until ${new Date(lastResume + cooldown).toISOString()}`);
    const overdue = ctx.now > since + minPause + (clean + p.graceCycles) * interval && streak >= clean;
    if (overdue) reasons.push(`clean for ${streak} cycles and past the minimum pause, yet still paused`);
    const evidence = {
      values: [
        ev("paused since", since),
        ev("paused for", dur(ctx.now - since)),
        ev("clean cycle streak", streak),
        ev("pause source is parity watchdog", parity === undefined ? null : parity === 1),
        ev("auto-resume enabled", enabled),
        ev("last auto-resume", lastResume ?? null),
      ],
      thresholds,
    };
    if (reasons.length === 0)
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `Paused; auto-resume expected around ${new Date(expected).toISOString()}`,
          "SEV2",
          evidence,
        ),
      ];
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since,
        summary: `Trading paused ${dur(ctx.now - since)} and will not auto-resume: ${reasons.join("; ")}`,
        evidence,
        escalationDueAt: since,
        escalation: "Auto-resume blocked: resume manually after confirming parity",
      },
    ];
  },
});

/**
 * The reconciliation runbook's flags and their defaults. `weaker` is the direction in which a value
 * removes protection: `higher` / `lower` for numbers, the boolean value that weakens for switches.
 * Safety gates (`safety`) are the switches the runbook calls gates; any drift that weakens a gate
 * or a tunable is critical, a drift the other way a warning.
 */
export const FLAG_DEFAULTS = {
  ENABLE_RECON_POSITION_PARITY_HEARTBEAT: { value: true, safety: true, weaker: false },
  RECON_POSITION_PARITY_CONFIRMATIONS: { value: 3, safety: false, weaker: "lower" },
  RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION: { value: true, safety: true, weaker: false },
  RECON_POSITION_PARITY_MAX_NOTIONAL_PCT: { value: 0.5, safety: false, weaker: "higher" },
  ENABLE_RECON_WATCHDOG_AUTO_RESUME: { value: true, safety: false, weaker: null },
  RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS: { value: 900_000, safety: false, weaker: "lower" },
  RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES: { value: 2, safety: false, weaker: "lower" },
  RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS: { value: 1_800_000, safety: false, weaker: "lower" },
  RECON_POSITION_PARITY_DRY_RUN: { value: false, safety: false, weaker: true },
  RECON_EXIT_BACKFILL_REQUIRE_STRONG_ATTRIBUTION: { value: true, safety: true, weaker: false },
  RECON_EXIT_BACKFILL_ALLOW_HEURISTIC_MATCH: { value: false, safety: true, weaker: true },
  RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES: { value: 5, safety: false, weaker: "higher" },
} as const;

/** Whether `value` (1/0 for switches) is weaker than `expected` in the flag's weakening direction. */
export function weakensFlag(name: keyof typeof FLAG_DEFAULTS, value: number, expected: number): boolean {
  const w = FLAG_DEFAULTS[name].weaker;
  if (w === null) return false;
  if (w === "lower") return value < expected;
  if (w === "higher") return value > expected;
  return value === (w ? 1 : 0) && value !== expected;
}
type FlagName = keyof typeof FLAG_DEFAULTS;
const FLAG_NAMES = Object.keys(FLAG_DEFAULTS) as FlagName[];

const flagSchema = z
  .object(
    Object.fromEntries(
      FLAG_NAMES.map((n) => [
        n,
        typeof FLAG_DEFAULTS[n].value === "boolean"
          ? z.boolean().default(FLAG_DEFAULTS[n].value as boolean)
          : z.number().default(FLAG_DEFAULTS[n].value as number),
      ]),
    ) as Record<FlagName, z.ZodDefault<z.ZodBoolean> | z.ZodDefault<z.ZodNumber>>,
  )
  .strict() as unknown as z.ZodType<Record<FlagName, number | boolean>>;

const featureFlags = defineRule({
  id: "feature_flag_drift",
  kinds: KIND,
  title: "Feature flag differs from its safe default",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    "Every reconciliation flag of the reconciliation runbook is compared with its documented default (overridable per target when a different value is intended). Drift that weakens a protection is critical SEV2: a safety gate switched off (heartbeat, sub-tag and strong attribution, heuristic matching on), dry-run switched on (healing off), fewer confirmations or clean cycles, a shorter pause or cooldown, a higher notional ratio or a longer fill grace. Drift the other way (more conservative) is a SEV3 warning.",
  params: flagSchema,
  check(ctx, target, p) {
    const out: Verdict[] = [];
    for (const name of FLAG_NAMES) {
      const cur = current(ctx, target, `flag.${name}`);
      if (!cur) continue;
      const expected = p[name];
      const want = typeof expected === "boolean" ? (expected ? 1 : 0) : expected;
      const shown = (v: number) => (typeof expected === "boolean" ? String(v === 1) : fmt(v, 6));
      const evidence = { values: [ev(name, shown(cur.v), cur.t)], thresholds: { expected } };
      if (Math.abs(cur.v - want) < 1e-9) {
        out.push(okVerdict(name, `${name} = ${shown(cur.v)} (default)`, "SEV3", evidence));
        continue;
      }
      const safety = FLAG_DEFAULTS[name].safety;
      const weaker = weakensFlag(name, cur.v, want);
      const run = heldFor(
        points(ctx, target, `flag.${name}`),
        (v) => Math.abs(v - want) >= 1e-9,
        ctx.now,
        maxGapMs(target),
      );
      const words = weaker
        ? safety
          ? " — a safety gate is weakened"
          : " — this weakens a protection"
        : " (more conservative than the default)";
      out.push({
        entity: name,
        state: weaker ? "critical" : "warning",
        severity: weaker ? "SEV2" : "SEV3",
        since: run.since ?? cur.t,
        summary: `${name} is ${shown(cur.v)}; the safe default is ${String(expected)}${words}`,
        evidence,
      });
    }
    return out;
  },
});

// ---------------------------------------------------------------- seed 002

const ghostPosition = defineRule({
  id: "ghost_position",
  kinds: KIND,
  title: "Ghost position (exchange open, bot closed)",
  seed: "002",
  runbook: "ghost-position",
  sources: HEALTH,
  description:
    "The exchange holds a position the bot shows as closed: uncontrolled exposure (SEV-1). Stop new entries for the profile and confirm the position on the exchange. A ghost that carries no profile id is a SEV-1 on the bot as a whole: the exposure is just as real when it cannot be attributed.",
  params: z.object({}).strict(),
  check(ctx, target) {
    const out: Verdict[] = [];
    const perProfile = currentEntities(ctx, target, "positions.ghost");
    const total = current(ctx, target, "positions.ghost");
    if (total) {
      // Ghosts the bot-wide count holds that no profile's count does: not attributable.
      const attributed = perProfile.reduce((a, e) => a + (current(ctx, target, "positions.ghost", e)?.v ?? 0), 0);
      const unattributed = Math.max(0, total.v - attributed);
      const legs = currentSeries(ctx, target, "ghostPosition.qty", SYSTEM_ENTITY).map((s) =>
        ev(`${s.labels.symbol ?? "?"} ${s.labels.sliceId ?? ""}`.trim(), s.points[s.points.length - 1]?.v ?? null),
      );
      const evidence = {
        values: [
          ev("untracked exchange positions", total.v, total.t),
          ev("attributed to a profile", attributed),
          ev("without a profile id", unattributed),
          ...legs,
        ],
      };
      if (unattributed <= 0)
        out.push(
          okVerdict(
            SYSTEM_ENTITY,
            total.v > 0
              ? `Every untracked exchange position is attributed to a profile (${fmt(total.v, 0)})`
              : "Every exchange position is tracked by the bot",
            "SEV1",
            evidence,
          ),
        );
      else {
        const pts = points(ctx, target, "positions.ghost", SYSTEM_ENTITY);
        const sumAt = (t: number) =>
          perProfile.reduce((a, e) => a + (latestAt(points(ctx, target, "positions.ghost", e), t) ?? 0), 0);
        const run = heldFor(
          pts.map((pt) => ({ t: pt.t, v: pt.v - sumAt(pt.t) })),
          (v) => v > 0,
          ctx.now,
          maxGapMs(target),
        );
        out.push({
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV1",
          since: run.since ?? total.t,
          summary: `${plural(unattributed, "exchange position")} open that the bot does not track and that carry no profile id (${legs.map((l) => `${l.label} qty ${l.value}`).join(", ") || "details unavailable"}) — stop new entries on every profile that trades the symbol`,
          evidence,
        });
      }
    }
    for (const e of perProfile) {
      const g = current(ctx, target, "positions.ghost", e);
      if (!g) continue;
      const legs = currentSeries(ctx, target, "ghostPosition.qty", e).map((s) =>
        ev(`${s.labels.symbol ?? "?"} ${s.labels.sliceId ?? ""}`.trim(), s.points[s.points.length - 1]?.v ?? null),
      );
      const evidence = { values: [ev("untracked exchange positions", g.v, g.t), ...legs] };
      if (g.v <= 0) {
        out.push(okVerdict(e, `Profile ${e}: every exchange position is tracked`, "SEV1", evidence));
        continue;
      }
      const run = heldFor(points(ctx, target, "positions.ghost", e), (v) => v > 0, ctx.now, maxGapMs(target));
      out.push({
        entity: e,
        state: "critical",
        severity: "SEV1",
        since: run.since ?? g.t,
        summary: `Profile ${e}: ${plural(g.v, "exchange position")} open that the bot shows as closed (${legs.map((l) => `${l.label} qty ${l.value}`).join(", ") || "details unavailable"})`,
        evidence,
      });
    }
    return out;
  },
});

const stalePending = defineRule({
  id: "stale_pending_orders",
  kinds: KIND,
  title: "Stale pending orders",
  seed: "002",
  runbook: "stale-pending-orders",
  sources: PLAIN_HEALTH,
  description:
    "Orders that stay pending_new past the SLA (SEV-2). Escalate to SEV-1 (exposure uncertain) when the backlog is over 20 for more than 15 minutes (both the runbook's), or when stale orders keep growing on several profiles (growth judged over `growthWindowMinutes`, 15, a console default).",
  params: z
    .object({
      maxBacklog: num(20, { min: 0 }),
      forMinutes: num(15),
      growthWindowMinutes: num(15),
      minGrowingProfiles: num(2, { int: true }),
    })
    .strict(),
  check(ctx, target, p) {
    const backlog = current(ctx, target, "staleOrders.backlog");
    if (!backlog) return [];
    const forMs = p.forMinutes * MIN;
    const growthMs = p.growthWindowMinutes * MIN;
    const growing: string[] = [];
    for (const s of ctx.history.seriesFor(target.name, "staleOrders.byProfile")) {
      let rises = 0;
      s.points.forEach((pt, i) => {
        if (i > 0 && inWindow(pt.t, ctx.now, growthMs) && pt.v > s.points[i - 1]!.v) rises++;
      });
      if (rises >= 2) growing.push(s.entity);
    }
    const over = heldFor(
      points(ctx, target, "staleOrders.backlog"),
      (v) => v > p.maxBacklog,
      ctx.now,
      maxGapMs(target),
    );
    const oldest = current(ctx, target, "staleOrders.oldestAgeSeconds")?.v ?? null;
    const thresholds = { maxBacklog: p.maxBacklog, forMinutes: p.forMinutes, minGrowingProfiles: p.minGrowingProfiles };
    const evidence = {
      values: [
        ev("stale backlog", backlog.v, backlog.t),
        ev("oldest age (s)", oldest),
        ev(`backlog over ${p.maxBacklog} for`, over.holding ? dur(over.durationMs) : "—"),
        ev("profiles with growing stale orders", growing.join(", ") || "none"),
      ],
      window: windowOf(ctx.now, forMs),
      thresholds,
    };
    if (backlog.v <= 0) return [okVerdict(SYSTEM_ENTITY, "No stale pending orders", "SEV2", evidence)];
    const longOver = over.holding && over.durationMs > forMs;
    const spread = growing.length >= p.minGrowingProfiles;
    const escalate = longOver || spread;
    const since =
      heldFor(points(ctx, target, "staleOrders.backlog"), (v) => v > 0, ctx.now, maxGapMs(target)).since ?? backlog.t;
    const dueAt = over.holding ? over.since! + forMs : undefined;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: escalate ? "critical" : "warning",
        severity: escalate ? "SEV1" : "SEV2",
        since,
        summary: `${plural(backlog.v, "order")} pending past the SLA${over.holding ? `, over ${p.maxBacklog} for ${dur(over.durationMs)}` : ""}${spread ? `; growing on ${growing.length} profiles` : ""}${escalate ? " — exposure uncertain, escalate" : ""}`,
        evidence,
        ...(escalate
          ? { escalationDueAt: longOver ? dueAt! : ctx.now }
          : dueAt !== undefined
            ? { escalationDueAt: dueAt }
            : {}),
        escalation: `Backlog > ${p.maxBacklog} for > ${p.forMinutes} minutes, or repeated stale growth across ${p.minGrowingProfiles}+ profiles`,
      },
    ];
  },
});

const quarantinedOrders = defineRule({
  id: "quarantined_orders",
  kinds: KIND,
  title: "Quarantined orders (status unknown)",
  seed: "002",
  runbook: "stale-pending-orders",
  sources: PLAIN_HEALTH,
  description:
    "Orders older than 24 h and missing on the exchange are marked unknown (quarantined); each needs manual review and a final status.",
  params: z.object({}).strict(),
  check(ctx, target) {
    const q = current(ctx, target, "quarantinedOrders");
    if (!q) return [];
    const orders = currentSeries(ctx, target, "quarantinedOrder").map((s) =>
      ev(s.labels.orderId ?? "order", `${s.entity} ${s.labels.symbol ?? ""} ${s.labels.reason ?? ""}`.trim()),
    );
    const evidence = { values: [ev("quarantined orders", q.v, q.t), ...orders.slice(0, 20)] };
    if (q.v <= 0) return [okVerdict(SYSTEM_ENTITY, "No quarantined orders", "SEV3", evidence)];
    const run = heldFor(points(ctx, target, "quarantinedOrders"), (v) => v > 0, ctx.now, maxGapMs(target));
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "warning",
        severity: "SEV3",
        since: run.since ?? q.t,
        summary: `${plural(q.v, "order")} quarantined as unknown — manual review and final status needed`,
        evidence,
      },
    ];
  },
});

const oldOrdersNotQuarantined = defineRule({
  id: "old_orders_not_quarantined",
  kinds: KIND,
  title: "Orders past 24 h not yet quarantined",
  seed: "002",
  runbook: "stale-pending-orders",
  sources: PLAIN_HEALTH,
  description:
    "\"Orders older than 24h and missing on exchange must be marked `unknown` (quarantined).\" A pending order older than `quarantineAfterHours` (24, the runbook's) still in the stale backlog, more than `graceMinutes` (5, a console default: time for the order sync to run) past that age, was not quarantined: critical SEV2 until it is — quarantine it with the quarantine-order control (the stale-pending-orders runbook's step) after checking it is missing on the exchange.",
  params: z.object({ quarantineAfterHours: num(24), graceMinutes: num(5) }).strict(),
  check(ctx, target, p) {
    const oldest = current(ctx, target, "staleOrders.oldestAgeSeconds");
    if (!oldest) return [];
    const backlog = current(ctx, target, "staleOrders.backlog")?.v ?? null;
    const limitS = p.quarantineAfterHours * 3600 + p.graceMinutes * 60;
    const thresholds = { quarantineAfterHours: p.quarantineAfterHours, graceMinutes: p.graceMinutes };
    const evidence = {
      values: [
        ev("oldest stale order age", dur(oldest.v * SEC), oldest.t),
        ev("stale backlog", backlog),
        ev("quarantined orders", current(ctx, target, "quarantinedOrders")?.v ?? null),
      ],
      thresholds,
    };
    if (backlog === 0 || oldest.v <= limitS)
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `No pending order older than ${p.quarantineAfterHours} h left unquarantined (oldest ${dur(oldest.v * SEC)})`,
          "SEV2",
          evidence,
        ),
      ];
    const since =
      heldFor(points(ctx, target, "staleOrders.oldestAgeSeconds"), (v) => v > limitS, ctx.now, maxGapMs(target))
        .since ?? oldest.t;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since,
        summary: `A pending order is ${dur(oldest.v * SEC)} old and not quarantined — orders older than ${p.quarantineAfterHours} h and missing on the exchange must be marked unknown: quarantine it`,
        evidence,
      },
    ];
  },
});

const reconciliationNoGo = defineRule({
  id: "reconciliation_no_go",
  kinds: KIND,
  title: "NO_GO rows awaiting operator review",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    'RECON_EXIT_BACKFILL_ALLOW_HEURISTIC_MATCH=false "keeps unmatched rows in `NO_GO` for operator review instead of auto-closing". Any NO_GO row is a SEV3 warning listing the rows (slice, profile, symbol, reason) until they are reviewed. A bot that does not report its NO_GO rows gives no finding.',
  params: z.object({}).strict(),
  check(ctx, target) {
    const n = current(ctx, target, "reconciliationNoGo");
    if (!n) return [];
    const rows = currentSeries(ctx, target, "reconciliationNoGo.entry");
    const listed = rows.map((r) =>
      ev(
        r.labels.sliceId ?? "row",
        `${r.entity === SYSTEM_ENTITY ? "no profile" : r.entity} ${r.labels.symbol ?? ""} ${r.labels.reason ?? ""}`
          .replace(/\s+/g, " ")
          .trim(),
      ),
    );
    const evidence = { values: [ev("NO_GO rows", n.v, n.t), ...listed.slice(0, 20)] };
    if (n.v <= 0) return [okVerdict(SYSTEM_ENTITY, "No NO_GO rows awaiting review", "SEV3", evidence)];
    const profilesHit = [...new Set(rows.map((r) => r.entity).filter((e) => e !== SYSTEM_ENTITY))].sort();
    const since =
      heldFor(points(ctx, target, "reconciliationNoGo"), (v) => v > 0, ctx.now, maxGapMs(target)).since ?? n.t;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "warning",
        severity: "SEV3",
        since,
        summary: `${plural(n.v, "NO_GO row")} kept for operator review: ${listed
          .slice(0, 5)
          .map((l) => `${l.label} (${String(l.value)})`)
          .join(", ")}${listed.length > 5 ? ", …" : ""}`,
        evidence,
        ...(profilesHit.length ? { affected: profilesHit } : {}),
      },
    ];
  },
});

const unknownFills = defineRule({
  id: "reconciliation_unknown_fills",
  kinds: KIND,
  title: "Stale or unknown fills after reconciliation",
  seed: "001",
  runbook: "reconciliation-divergence",
  sources: HEALTH,
  description:
    'Reconciliation runbook, when to escalate: "Exchanges report stale or unknown fills after reconciliation. Escalate to the trading engineering lead and reference docs/runbooks/reconciliation.md and docs/runbooks/lifecycle-incident.md for follow-up." The runbook names no field for them; the console reads the counts a bot reports for its latest run beside the runbook\'s reconciliation fields — `reconciliationStaleFills` (fill evidence the RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES gate rejected as older than its trade) and `reconciliationUnknownFills` (fills with no attribution: no sub_tag, deterministic client order id or trade id) — with the fills themselves (`reconciliationUnattributedFills`) as evidence. Any such fill after a reconciliation run is critical SEV2 with the escalation due at once. A bot that reports neither count gives no finding.',
  params: z.object({}).strict(),
  check(ctx, target) {
    const stale = current(ctx, target, "reconciliationStaleFills");
    const unknown = current(ctx, target, "reconciliationUnknownFills");
    if (!stale && !unknown) return [];
    const n = (stale?.v ?? 0) + (unknown?.v ?? 0);
    const lastRun = current(ctx, target, "reconciliationLastRun");
    const fills = currentSeries(ctx, target, "reconciliationUnattributedFill");
    const listed = fills.map((f) =>
      ev(
        f.labels.fillId || "fill",
        `${f.entity === SYSTEM_ENTITY ? "no profile" : f.entity} ${f.labels.symbol ?? ""} ${(f.labels.reason ?? "").replace(/_/g, " ")}`
          .replace(/\s+/g, " ")
          .trim(),
      ),
    );
    const evidence = {
      values: [
        ev("stale fills", stale?.v ?? null, stale?.t),
        ev("unknown fills", unknown?.v ?? null, unknown?.t),
        ev(
          "reconciliation run (UTC)",
          lastRun ? new Date(lastRun.v).toISOString().replace("T", " ").slice(0, 19) : null,
          lastRun?.t,
        ),
        ...listed.slice(0, 20),
      ],
    };
    if (n <= 0)
      return [
        okVerdict(
          SYSTEM_ENTITY,
          "The exchange reports no stale or unknown fill after reconciliation",
          "SEV2",
          evidence,
        ),
      ];
    const total = (t: number) =>
      (latestAt(points(ctx, target, "reconciliationStaleFills"), t) ?? 0) +
      (latestAt(points(ctx, target, "reconciliationUnknownFills"), t) ?? 0);
    const times = [
      ...new Set([
        ...points(ctx, target, "reconciliationStaleFills").map((x) => x.t),
        ...points(ctx, target, "reconciliationUnknownFills").map((x) => x.t),
      ]),
    ].sort((a, b) => a - b);
    let since = Math.max(stale?.t ?? 0, unknown?.t ?? 0);
    for (let i = times.length - 1; i >= 0 && total(times[i]!) > 0; i--) since = times[i]!;
    const words = [
      stale && stale.v > 0 ? plural(stale.v, "stale fill") : "",
      unknown && unknown.v > 0 ? plural(unknown.v, "unknown fill") : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const profilesHit = [...new Set(fills.map((f) => f.entity).filter((e) => e !== SYSTEM_ENTITY))].sort();
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        since,
        summary: `The exchange reports ${words} after reconciliation${
          listed.length
            ? ` (${listed
                .slice(0, 3)
                .map((l) => `${l.label}: ${String(l.value)}`)
                .join("; ")}${listed.length > 3 ? "; …" : ""})`
            : ""
        } — escalate to the trading engineering lead`,
        evidence,
        escalationDueAt: since,
        escalation:
          "Exchanges report stale or unknown fills after reconciliation: escalate to the trading engineering lead (reconciliation and lifecycle-incident runbooks)",
        ...(profilesHit.length ? { affected: profilesHit } : {}),
      },
    ];
  },
});

const authSpike = defineRule({
  id: "auth_failure_spike",
  kinds: KIND,
  title: "Auth failure spike (API/WebSocket)",
  seed: "002",
  runbook: "auth-failures",
  sources: METRICS,
  description:
    'A spike in 401/403 responses or websocket auth rejections (SEV-2): over `windowMinutes` (5), at least `minFailures` (20) failures making up `minRatio` (10 %) of all responses, or `minWsRejections` (20) websocket rejections. All four are console defaults: the runbook says "spike" without a figure.',
  params: z
    .object({ windowMinutes: num(5), minFailures: num(20), minRatio: num(0.1), minWsRejections: num(20) })
    .strict(),
  check(ctx, target, p) {
    const windowMs = p.windowMinutes * MIN;
    const from = ctx.now - windowMs;
    const codes = ctx.history.seriesFor(target.name, "http_responses_total");
    const ws = points(ctx, target, "websocket_auth_rejections_total");
    if (codes.length === 0 && ws.length === 0) return [];
    let fails = 0;
    let total = 0;
    for (const s of codes) {
      const inc = increase(s.points, from, ctx.now);
      total += inc;
      if (s.labels.code === "401" || s.labels.code === "403") fails += inc;
    }
    const wsInc = increase(ws, from, ctx.now);
    const ratio = total > 0 ? fails / total : 0;
    const thresholds = {
      windowMinutes: p.windowMinutes,
      minFailures: p.minFailures,
      minRatio: p.minRatio,
      minWsRejections: p.minWsRejections,
    };
    const evidence = {
      values: [
        ev("401/403 responses", fails),
        ev("all responses", total),
        ev("share", Math.round(ratio * 1000) / 10 + " %"),
        ev("websocket auth rejections", wsInc),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    const spike = (fails >= p.minFailures && ratio >= p.minRatio) || wsInc >= p.minWsRejections;
    if (!spike)
      return [
        okVerdict(SYSTEM_ENTITY, `${fmt(fails, 0)} auth failures in the last ${dur(windowMs)}`, "SEV2", evidence),
      ];
    return [
      {
        entity: SYSTEM_ENTITY,
        state: "critical",
        severity: "SEV2",
        summary: `Auth failure spike: ${fmt(fails, 0)} 401/403 responses (${Math.round(ratio * 100)} % of ${fmt(total, 0)}) and ${fmt(wsInc, 0)} websocket rejections in ${dur(windowMs)}`,
        evidence,
      },
    ];
  },
});

const controlEndpoints = defineRule({
  id: "control_endpoints_failing",
  kinds: KIND,
  title: "Trading control endpoints failing",
  seed: "002",
  runbook: "auth-failures",
  sources: { "trading-bot": ["/health/live"] },
  description:
    "\"SEV-1 if all trading control endpoints fail\" (incident runbook, auth failures), judged by the runbook's controlled API test — the console's authenticated /api/status — while the bot is alive. Failing means refused (401/403), a 5xx, or no answer at all (timeout, connection refused), for longer than `forSeconds` (30, a console default). A refusal while the bot's own `http_responses_total` shows it answering other clients with 2xx and refusing few (under `minOthersRefusedRatio`, 0.5, a console default) over `windowMinutes` (2) is the console's credential failing, not the bot's endpoints: a SEV2 warning to renew the console's token. 5xx and no answer are the endpoints failing: SEV1. A refusal the bot's metrics cannot explain is SEV1 too.",
  params: z.object({ forSeconds: num(30), windowMinutes: num(2), minOthersRefusedRatio: num(0.5) }).strict(),
  check(ctx, target, p) {
    const st = current(ctx, target, "http_status", SYSTEM_ENTITY, { path: "/api/status" });
    if (!st) return [];
    const refused = (v: number) => v === 401 || v === 403;
    const broken = (v: number) => v === 0 || v >= 500;
    const failing = (v: number) => refused(v) || broken(v);
    const run = heldFor(
      points(ctx, target, "http_status", SYSTEM_ENTITY, { path: "/api/status" }),
      failing,
      ctx.now,
      maxGapMs(target),
    );
    const answer = st.v === 0 ? "no answer (timeout or connection refused)" : String(st.v);
    // What the bot itself answered everyone (its own counter, the console's calls included).
    const windowMs = p.windowMinutes * MIN;
    let ok2xx = 0;
    let refusedAll = 0;
    let total = 0;
    const codes = ctx.history
      .seriesFor(target.name, "http_responses_total")
      .filter((s) => (s.points[s.points.length - 1]?.t ?? -Infinity) >= ctx.now - maxGapMs(target));
    for (const s of codes) {
      const inc = increase(s.points, ctx.now - windowMs, ctx.now);
      total += inc;
      if (/^2\d\d$/.test(s.labels.code ?? "")) ok2xx += inc;
      if (s.labels.code === "401" || s.labels.code === "403") refusedAll += inc;
    }
    const othersServed = codes.length > 0 && ok2xx > 0 && refusedAll / Math.max(1, total) < p.minOthersRefusedRatio;
    const thresholds = {
      forSeconds: p.forSeconds,
      windowMinutes: p.windowMinutes,
      minOthersRefusedRatio: p.minOthersRefusedRatio,
    };
    const evidence = {
      values: [
        ev("authenticated /api/status", st.v === 0 ? answer : st.v, st.t),
        ev("failing for", run.holding ? dur(run.durationMs) : "—"),
        ev(`bot's 2xx responses in ${dur(windowMs)}`, codes.length ? ok2xx : null),
        ev(`bot's 401/403 responses in ${dur(windowMs)}`, codes.length ? refusedAll : null),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    if (!failing(st.v))
      return [okVerdict(SYSTEM_ENTITY, `Authenticated /api/status answers ${st.v}`, "SEV1", evidence)];
    const since = run.since ?? st.t;
    const long = run.durationMs > p.forSeconds * SEC;
    const dueAt = since + p.forSeconds * SEC;
    if (refused(st.v) && othersServed) {
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV2",
          since,
          summary: `The console's credential is refused on /api/status (${st.v}) for ${dur(run.durationMs)}, while the bot answers other clients (${fmt(ok2xx, 0)} 2xx in ${dur(windowMs)}) — renew the console's token; controls from this console fail until then`,
          evidence,
        },
      ];
    }
    const why = broken(st.v)
      ? `answers ${answer}`
      : `refused with ${st.v}${codes.length ? " and the bot refuses other clients too" : " (the bot's metrics cannot tell whether other clients are refused too)"}`;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: long ? "critical" : "warning",
        severity: long ? "SEV1" : "SEV2",
        since,
        summary: `Authenticated /api/status ${why} for ${dur(run.durationMs)} — control endpoints are failing`,
        evidence,
        escalationDueAt: dueAt,
        escalation: `All trading control endpoints fail for more than ${p.forSeconds} s`,
      },
    ];
  },
});

export const TRADING_BOT_RULES: AnyRule[] = [
  capitalInvariant,
  capitalInvariantProfiles,
  tradingLoop,
  lockContention,
  mismatchRule(
    "reconciliation_mismatch",
    "reconciliationMismatchCount",
    "Reconciliation mismatches",
    "Orders/positions that differ between database and exchange",
  ),
  mismatchRule(
    "reconciliation_missing_from_exchange",
    "reconciliationMissingFromExchange",
    "Orders missing from the exchange",
    "Database orders the exchange does not have",
  ),
  mismatchRule(
    "reconciliation_missing_in_db",
    "reconciliationMissingInDb",
    "Orders missing in the database",
    "Exchange orders or positions the database does not have",
  ),
  reconciliationLoop,
  parityMismatch,
  parityQuarantined,
  integrityWatchdog,
  autoResume,
  featureFlags,
  ghostPosition,
  stalePending,
  quarantinedOrders,
  oldOrdersNotQuarantined,
  reconciliationNoGo,
  unknownFills,
  authSpike,
  controlEndpoints,
];
