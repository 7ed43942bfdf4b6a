import { z } from "zod";
import { utcDateTime } from "../../core/time";
import { SYSTEM_ENTITY } from "../../telemetry/model";
import type { Point } from "../../collector/store";
import { defineRule, findingId } from "../define";
import type { AnyRule, Verdict } from "../types";
import { heldFor, increase, inWindow } from "../windows";
import {
  MIN,
  SEC,
  current,
  currentSeries,
  dur,
  ev,
  fmt,
  maxGapMs,
  num,
  okVerdict,
  plural,
  points,
  windowOf,
} from "./common";

// spot-exchange rules (seed 004): ledger invariant and seq mismatch, settlement lag policy (T2/T3),
// split-brain signals, WS fan-out overload, Kafka, Postgres, trading API, edge auth.

const KIND = ["spot-exchange"] as const;
const METRICS = { "spot-exchange": ["/metrics"] } as const;

/** Time of the last rise of a counter (a reset counts when the counter starts again above 0). */
function lastRise(pts: readonly Point[]): number | undefined {
  for (let i = pts.length - 1; i > 0; i--)
    if (pts[i]!.v > pts[i - 1]!.v || (pts[i]!.v < pts[i - 1]!.v && pts[i]!.v > 0)) return pts[i]!.t;
  return undefined;
}

/** Time of the first rise after `after` (exclusive). */
function firstRiseAfter(pts: readonly Point[], after: number): number | undefined {
  for (let i = 1; i < pts.length; i++)
    if (pts[i]!.t > after && (pts[i]!.v > pts[i - 1]!.v || (pts[i]!.v < pts[i - 1]!.v && pts[i]!.v > 0)))
      return pts[i]!.t;
  return undefined;
}

const ledgerInvariant = defineRule({
  id: "exchange_ledger_invariant",
  kinds: KIND,
  title: "Ledger invariant violation",
  seed: "004",
  runbook: "ledger-invariant-violation",
  sources: METRICS,
  description:
    "invariant_violation_total > 0 is SEV1 from the first signal (spot exchange runbook, ledger invariant violation): halt withdrawals (mandatory), set the affected symbols CANCEL_ONLY (or a global SOFT_HALT when the scope is unknown), build a forensic bundle. " +
    'The finding stays SEV1 while the counter is above zero until one of two things happens: (1) the counter has not grown for `windowMinutes` (15 by default, a console default: the runbook names no figure) and, when the exchange reports invariant_checks_total, at least one invariant check has run since the last violation and passed; or (2) a commander confirms the violations counted so far were handled (reason and ticket ID, recorded in the audit log), shown as "confirmed by … at …". ' +
    "Any increase after either fires it again. When the exchange labels the counter by symbol, there is one finding per symbol; otherwise the finding is about the whole exchange and the scope is unknown.",
  params: z.object({ windowMinutes: num(15) }).strict(),
  check(ctx, target, p) {
    const windowMs = p.windowMinutes * MIN;
    const all = ctx.history.seriesFor(target.name, "invariant_violation_total");
    const entities = [...new Set(all.map((x) => x.entity))].sort();
    const checks = points(ctx, target, "invariant_checks_total");
    const checksReported = checks.length > 0;
    const halted = current(ctx, target, "withdrawals_halted")?.v;
    const out: Verdict[] = [];
    for (const entity of entities) {
      const pts = points(ctx, target, "invariant_violation_total", entity);
      const cur = current(ctx, target, "invariant_violation_total", entity);
      if (!cur) continue;
      const scoped = entity !== SYSTEM_ENTITY;
      const who = scoped ? `${entity}: ` : "";
      const scope = scoped
        ? ""
        : " (scope unknown: the exchange does not say which symbols — global SOFT_HALT if you cannot tell)";
      const inc = increase(pts, ctx.now - windowMs, ctx.now);
      const confirmation = ctx.confirmations?.get(findingId("exchange_ledger_invariant", target.name, entity));
      const sinceConfirm = confirmation ? increase(pts, confirmation.at, ctx.now) : undefined;
      const rise = lastRise(pts);
      // With no rise seen, the violations predate what this console holds: count quiet time from
      // the first value it saw.
      const quietSince = rise ?? pts[0]!.t;
      const quietMs = ctx.now - quietSince;
      const checksSince = checksReported ? increase(checks, quietSince, ctx.now) : null;
      const confirmedWords = confirmation
        ? `confirmed by ${confirmation.by} at ${new Date(confirmation.at).toISOString().slice(0, 16).replace("T", " ")} UTC (${confirmation.ticketId})`
        : "";
      const evidence = {
        values: [
          ev("invariant_violation_total", cur.v, cur.t),
          ev(`new violations in ${dur(windowMs)}`, inc),
          ev(
            "last violation counted (UTC)",
            rise === undefined ? null : new Date(rise).toISOString().replace("T", " ").slice(0, 19),
            rise,
          ),
          ev("invariant checks since then", checksSince),
          ev("withdrawals halted", halted === undefined ? null : halted === 1),
          ...(confirmation
            ? [ev("confirmed handled", confirmedWords), ev("new violations since the confirmation", sinceConfirm ?? 0)]
            : []),
        ],
        window: windowOf(ctx.now, windowMs),
        thresholds: { windowMinutes: p.windowMinutes },
      };
      const confirmed = confirmation
        ? { by: confirmation.by, at: confirmation.at, reason: confirmation.reason, ticketId: confirmation.ticketId }
        : undefined;
      if (cur.v <= 0 && inc === 0) {
        out.push(
          okVerdict(entity, `${who}Ledger invariant checks pass (invariant_violation_total 0)`, "SEV1", evidence),
        );
        continue;
      }
      if (confirmation && sinceConfirm === 0) {
        out.push({
          ...okVerdict(
            entity,
            // Who and which ticket are on the card (`confirmed`), not in the summary the status view shows.
            `${who}invariant_violation_total ${fmt(cur.v, 0)}: earlier violations confirmed handled at ${new Date(confirmation.at).toISOString().slice(11, 16)} UTC; no new violation since`,
            "SEV1",
            evidence,
          ),
          confirmed,
          since: confirmation.at,
        });
        continue;
      }
      const checkPassed = checksSince === null || checksSince > 0;
      if (inc === 0 && quietMs >= windowMs && checkPassed) {
        const checkWords =
          checksSince === null
            ? "the exchange reports no invariant check count"
            : `${plural(checksSince, "invariant check")} passed since`;
        out.push(
          okVerdict(
            entity,
            `${who}No new invariant violation for ${dur(quietMs)} and ${checkWords} (invariant_violation_total stays ${fmt(cur.v, 0)} from earlier violations)`,
            "SEV1",
            evidence,
          ),
        );
        continue;
      }
      const episodeStart =
        (confirmation ? firstRiseAfter(pts, confirmation.at) : undefined) ??
        firstRiseAfter(pts, ctx.now - windowMs) ??
        quietSince;
      const again =
        // The summary reaches the shared status view, which names no one: the time, not the person
        // (the finding's `confirmed` field and the audit log say who).
        confirmation && (sinceConfirm ?? 0) > 0
          ? ` — new since it was confirmed handled at ${new Date(confirmation.at).toISOString().slice(11, 16)} UTC`
          : "";
      const notHalted = halted === 1 ? "" : " — withdrawals NOT halted";
      const clears = !checkPassed
        ? `no invariant check has run since the last violation, so it will not clear by itself`
        : `clears after ${dur(windowMs)} without growth${checksSince === null ? "" : " and a passing check"} (${dur(Math.max(0, windowMs - quietMs))} to go)`;
      const head =
        inc > 0
          ? `Ledger invariant failing: ${fmt(inc, 0)} failed check${inc === 1 ? "" : "s"} in ${dur(windowMs)}`
          : `invariant_violation_total is ${fmt(cur.v, 0)}`;
      const last =
        rise === undefined ? `already above zero when first seen ${dur(quietMs)} ago` : `last ${dur(quietMs)} ago`;
      const summary = `${who}${head}, ${last}${again}${notHalted} — ${clears}; a commander can also confirm the violations handled${scope}`;
      out.push({
        entity,
        state: "critical",
        severity: "SEV1",
        since: episodeStart,
        summary,
        evidence,
        escalationDueAt: episodeStart,
        escalation: "Ledger invariant violation is SEV1 from the first signal: page immediately; postmortem required",
        confirmable: `the ${fmt(cur.v, 0)} invariant violation${cur.v === 1 ? "" : "s"} counted so far were handled`,
        ...(confirmed ? { confirmed } : {}),
      });
    }
    return out;
  },
});

const seqMismatch = defineRule({
  id: "ledger_seq_mismatch",
  kinds: KIND,
  title: "Engine/ledger sequence mismatch",
  seed: "004",
  runbook: "ledger-invariant-violation",
  sources: METRICS,
  description:
    'engine_seq vs ledger_seq: a difference not explained by in-flight trades (ledger_seq_mismatch ≠ 0) that persists for longer than `persistSeconds` (30, a console default: the runbook says "persists") is a ledger invariant signal (SEV1).',
  params: z.object({ persistSeconds: num(30) }).strict(),
  check(ctx, target, p) {
    const cur = current(ctx, target, "ledger_seq_mismatch");
    if (!cur) return [];
    const run = heldFor(points(ctx, target, "ledger_seq_mismatch"), (v) => v !== 0, ctx.now, maxGapMs(target));
    const evidence = {
      values: [
        ev("ledger_seq_mismatch", cur.v, cur.t),
        ev("engine_trade_seq", current(ctx, target, "engine_trade_seq")?.v ?? null),
        ev("ledger_trade_seq", current(ctx, target, "ledger_trade_seq")?.v ?? null),
        ev("persisting for", run.holding ? dur(run.durationMs) : "—"),
      ],
      thresholds: { persistSeconds: p.persistSeconds },
    };
    if (cur.v === 0) return [okVerdict(SYSTEM_ENTITY, "Engine and ledger sequences agree", "SEV1", evidence)];
    const persists = run.durationMs > p.persistSeconds * SEC;
    const dueAt = run.since! + p.persistSeconds * SEC;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: persists ? "critical" : "warning",
        severity: persists ? "SEV1" : "SEV2",
        since: run.since!,
        summary: `Ledger sequence ${cur.v > 0 ? "ahead of" : "behind"} the engine by ${plural(Math.abs(cur.v), "unexplained trade")} for ${dur(run.durationMs)}`,
        evidence,
        escalationDueAt: dueAt,
        escalation: `engine_seq vs ledger_seq mismatch persists for more than ${p.persistSeconds} s`,
      },
    ];
  },
});

const SettlementParams = z
  .object({ t2Seconds: num(5), t3Seconds: num(30), prolongedMinutes: num(10) })
  .strict()
  .refine((v) => v.t2Seconds < v.t3Seconds, { message: "t2Seconds must be below t3Seconds", path: ["t2Seconds"] });

const settlementLag = defineRule({
  id: "settlement_lag",
  kinds: KIND,
  title: "Settlement lag beyond policy",
  seed: "004",
  runbook: "settlement-lag-spike",
  sources: METRICS,
  description:
    'Settlement lag p99 over T2 (throttle new orders for the affected symbols) is a SEV2 warning; over T3 (SOFT_HALT) it is critical. "SEV2 → SEV1 if prolonged": lag that has stayed over T2 — between T2 and T3 or beyond T3 — for longer than `prolongedMinutes` (10, a console default: the runbook gives no duration) is SEV1. T2 and T3 are the exchange\'s own policy values where it reports them (settlement.t2Seconds / t3Seconds on /admin/state); only where it does not do `t2Seconds` / `t3Seconds` apply (5 s / 30 s, console defaults, set per target). The card says which were used.',
  params: SettlementParams,
  check(ctx, target, p) {
    const cur = current(ctx, target, "ledger_settlement_lag_p99_seconds");
    if (!cur) return [];
    // The exchange's policy where it reports one (both values, T2 below T3); else the console's.
    const rt2 = current(ctx, target, "settlement.t2Seconds")?.v;
    const rt3 = current(ctx, target, "settlement.t3Seconds")?.v;
    const reported = rt2 !== undefined && rt3 !== undefined && rt2 < rt3;
    const t2 = reported ? rt2 : p.t2Seconds;
    const t3 = reported ? rt3 : p.t3Seconds;
    const policySource = reported
      ? "the exchange's policy"
      : rt2 !== undefined || rt3 !== undefined
        ? "console config (the exchange's reported T2/T3 are incomplete or out of order)"
        : "console config (the exchange reports no T2/T3)";
    const pts = points(ctx, target, "ledger_settlement_lag_p99_seconds");
    const gap = maxGapMs(target);
    const overT2 = heldFor(pts, (v) => v > t2, ctx.now, gap);
    const overT3 = heldFor(pts, (v) => v > t3, ctx.now, gap);
    const thresholds = { t2Seconds: t2, t3Seconds: t3, prolongedMinutes: p.prolongedMinutes, policySource };
    const evidence = {
      values: [
        ev("settlement lag p99 (s)", cur.v, cur.t),
        ev("T2 / T3 (s)", `${fmt(t2, 2)} / ${fmt(t3, 2)} — ${policySource}`),
        ev("over T2 for", overT2.holding ? dur(overT2.durationMs) : "—"),
        ev("over T3 for", overT3.holding ? dur(overT3.durationMs) : "—"),
        ev(
          "ledger consumer lag",
          current(ctx, target, "kafka_consumer_lag_messages", SYSTEM_ENTITY, { group: "ledger-settlement" })?.v ?? null,
        ),
      ],
      thresholds,
    };
    if (!overT2.holding)
      return [
        okVerdict(
          SYSTEM_ENTITY,
          `Settlement lag p99 ${fmt(cur.v, 2)} s (T2 ${fmt(t2, 2)} s, ${policySource})`,
          "SEV2",
          evidence,
        ),
      ];
    const dueAt = overT2.since! + p.prolongedMinutes * MIN;
    const prolonged = ctx.now > dueAt;
    const escalation = `Settlement lag over T2 for more than ${p.prolongedMinutes} minutes (SEV2 → SEV1 if prolonged)`;
    const tail = prolonged ? ` — prolonged: SEV1` : "";
    if (overT3.holding) {
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: prolonged ? "SEV1" : "SEV2",
          since: overT3.since!,
          summary: `Settlement lag p99 ${fmt(cur.v, 1)} s, over T3 (${fmt(t3, 2)} s) for ${dur(overT3.durationMs)} and over T2 for ${dur(overT2.durationMs)} — SOFT_HALT policy${tail}`,
          evidence,
          escalationDueAt: dueAt,
          escalation,
        },
      ];
    }
    return [
      {
        entity: SYSTEM_ENTITY,
        state: prolonged ? "critical" : "warning",
        severity: prolonged ? "SEV1" : "SEV2",
        since: overT2.since!,
        summary: `Settlement lag p99 ${fmt(cur.v, 1)} s, over T2 (${fmt(t2, 2)} s) for ${dur(overT2.durationMs)} — throttle new orders${tail}`,
        evidence,
        escalationDueAt: dueAt,
        escalation,
      },
    ];
  },
});

/** The mode code of symbol_mode (NORMAL 0, CANCEL_ONLY 1, SOFT_HALT 2, HARD_HALT 3). */
const MODE = { NORMAL: 0, CANCEL_ONLY: 1 } as const;

/**
 * "Resume in CANCEL_ONLY first, then NORMAL": after `after`, the symbol left NORMAL, its last mode
 * before NORMAL was CANCEL_ONLY, and it is NORMAL now. Returns when it went back to NORMAL, or
 * undefined when that has not happened (yet).
 */
function resumedAfter(modes: readonly Point[], after: number): number | undefined {
  const last = modes[modes.length - 1];
  if (!last || last.v !== MODE.NORMAL) return undefined;
  let i = modes.length - 1;
  while (i >= 0 && modes[i]!.v === MODE.NORMAL) i--;
  const before = modes[i];
  if (!before || before.t <= after || before.v !== MODE.CANCEL_ONLY) return undefined;
  return modes[i + 1]!.t;
}

const splitBrain = defineRule({
  id: "split_brain",
  kinds: KIND,
  title: "Split-brain suspected",
  seed: "004",
  runbook: "split-brain",
  sources: METRICS,
  description:
    "Duplicate sequence numbers (per symbol), divergent state hashes from the standby, more than one node holding the leader lease, or fencing-token anomalies (stale-leader writes rejected with FENCING_TOKEN) are SEV1: HARD_HALT the affected symbols. Findings hold until the runbook's recovery is seen. The exchange-wide finding: exactly one node holds the lease and its fencing token is the highest reported (where the exchange reports leases and tokens), and no new signal for `windowMinutes` (5, a console default). Each symbol's finding additionally waits until the symbol was resumed in CANCEL_ONLY and then NORMAL (where the exchange reports symbol modes).",
  params: z.object({ windowMinutes: num(5) }).strict(),
  check(ctx, target, p) {
    const windowMs = p.windowMinutes * MIN;
    const from = ctx.now - windowMs;
    const out: Verdict[] = [];
    // The leader condition: one lease holder, holding the highest fencing token.
    const leaseReported = current(ctx, target, "leader_lease_holder") !== undefined;
    const holders = currentSeries(ctx, target, "leader_lease_holder").filter(
      (s) => (s.points[s.points.length - 1]?.v ?? 0) === 1,
    );
    const tokenSeries = currentSeries(ctx, target, "leader_fencing_token");
    const tokens = tokenSeries.map((s) => `${s.labels.node ?? "?"}=${s.points[s.points.length - 1]?.v}`);
    const tokenOf = (node: string | undefined) => tokenSeries.find((s) => s.labels.node === node)?.points.at(-1)?.v;
    const maxToken = Math.max(-Infinity, ...tokenSeries.map((s) => s.points.at(-1)?.v ?? -Infinity));
    const holderToken = tokenOf(holders[0]?.labels.node);
    const leaderOk =
      !leaseReported ||
      (holders.length === 1 && (tokenSeries.length === 0 || (holderToken !== undefined && holderToken >= maxToken)));
    const leaderWords = !leaseReported
      ? "leases not reported"
      : holders.length === 1
        ? leaderOk
          ? `one leader (${holders[0]!.labels.node ?? "?"})`
          : `leader ${holders[0]!.labels.node ?? "?"} does not hold the highest fencing token`
        : `${holders.length} lease holders`;

    const dupSeries = ctx.history
      .seriesFor(target.name, "duplicate_seq_total")
      .filter((s) => s.entity !== SYSTEM_ENTITY);
    const pendingSymbols: string[] = [];
    for (const s of dupSeries) {
      const last = s.points[s.points.length - 1];
      if (!last || ctx.now - last.t > maxGapMs(target)) continue;
      const inc = increase(s.points, from, ctx.now);
      const lastDup = lastRise(s.points);
      const modes = points(ctx, target, "symbol_mode", s.entity);
      const modesReported = current(ctx, target, "symbol_mode", s.entity) !== undefined;
      const resumedAt = lastDup === undefined ? undefined : resumedAfter(modes, lastDup);
      const evidence = {
        values: [
          ev("duplicate seq in window", inc),
          ev("duplicate_seq_total", last.v, last.t),
          ev("last duplicate", lastDup === undefined ? null : utcDateTime(lastDup), lastDup),
          ev("leader", leaderWords),
          ev(
            "resumed CANCEL_ONLY → NORMAL",
            modesReported ? (resumedAt !== undefined ? true : false) : "symbol modes not reported",
          ),
        ],
        window: windowOf(ctx.now, windowMs),
        thresholds: { windowMinutes: p.windowMinutes },
      };
      if (lastDup === undefined) {
        out.push(okVerdict(s.entity, `${s.entity}: no duplicate sequence numbers`, "SEV1", evidence));
        continue;
      }
      const quiet = lastDup <= from;
      const resumed = !modesReported || resumedAt !== undefined;
      if (quiet && leaderOk && resumed) {
        out.push(
          okVerdict(
            s.entity,
            `${s.entity}: recovered from duplicate sequence numbers (${leaderWords}${modesReported ? "; resumed CANCEL_ONLY, then NORMAL" : ""})`,
            "SEV1",
            evidence,
          ),
        );
        continue;
      }
      pendingSymbols.push(s.entity);
      // The episode began at the first duplicate after the symbol last resumed.
      const lastResume = resumedAfter(modes, -Infinity);
      const first = firstRiseAfter(s.points, lastResume ?? -Infinity) ?? lastDup;
      const waiting = [
        !leaderOk ? leaderWords : "",
        !resumed ? "resume in CANCEL_ONLY, then NORMAL" : "",
        !quiet ? `no duplicates for ${dur(windowMs)}` : "",
      ]
        .filter(Boolean)
        .join("; ");
      out.push({
        entity: s.entity,
        state: "critical",
        severity: "SEV1",
        since: first,
        summary: `${s.entity}: duplicate sequence numbers (${plural(inc, "new one")} in ${dur(windowMs)}) — HARD_HALT the symbol; recovery pending: ${waiting}`,
        evidence,
        escalationDueAt: first,
        escalation: "Split-brain suspected (SEV1)",
      });
    }

    if (
      !leaseReported &&
      !current(ctx, target, "state_hash_divergence_total") &&
      !current(ctx, target, "fencing_token_rejections_total")
    )
      return out;
    const hashPts = points(ctx, target, "state_hash_divergence_total");
    const fencePts = points(ctx, target, "fencing_token_rejections_total");
    const hash = increase(hashPts, from, ctx.now);
    const fencing = increase(fencePts, from, ctx.now);
    const holderPts = points(ctx, target, "leader_lease_holder");
    const lastMulti = [...holderPts].reverse().find((pt) => pt.v > 1)?.t;
    const signals = [lastRise(hashPts), lastRise(fencePts), lastMulti].filter((t): t is number => t !== undefined);
    const lastSignal = signals.length ? Math.max(...signals) : undefined;
    const evidence = {
      values: [
        ev("lease holders", holders.map((s) => s.labels.node ?? "?").join(", ") || "none"),
        ev("fencing tokens", tokens.join(", ") || "—"),
        ev("state hash divergences in window", hash),
        ev("FENCING_TOKEN rejections in window", fencing),
        ev("symbols awaiting recovery", pendingSymbols.join(", ") || "none"),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds: { windowMinutes: p.windowMinutes },
    };
    // The exchange-wide finding is about leadership: it recovers with one leader holding the
    // highest token and no new signal; each symbol's own finding waits for its resume.
    const quiet = lastSignal === undefined || lastSignal <= from;
    if (quiet && leaderOk) {
      out.push(
        okVerdict(
          SYSTEM_ENTITY,
          lastSignal === undefined
            ? `One leader (${holders.map((s) => s.labels.node).join(", ") || "none reported"})`
            : `Recovered from split-brain signals: ${leaderWords}`,
          "SEV1",
          evidence,
        ),
      );
      return out;
    }
    const what = [
      holders.length > 1 ? `${holders.length} nodes hold the leader lease` : "",
      hash > 0 ? plural(hash, "state hash divergence") : "",
      fencing > 0
        ? `${plural(fencing, "stale-leader write")} rejected (FENCING_TOKEN — verify the lease/token source first)`
        : "",
      pendingSymbols.length ? `duplicate sequence numbers on ${pendingSymbols.join(", ")}` : "",
    ].filter(Boolean);
    const waiting = [!leaderOk ? leaderWords : "", !quiet ? `no new signal for ${dur(windowMs)}` : ""]
      .filter(Boolean)
      .join("; ");
    // No `since`: the board keeps when the finding first fired (the latest signal moves on).
    out.push({
      entity: SYSTEM_ENTITY,
      state: "critical",
      severity: "SEV1",
      ...(pendingSymbols.length ? { affected: [...pendingSymbols].sort() } : {}),
      summary: `Split-brain suspected: ${what.join(", ") || "signals seen"}${what.length ? ` in the last ${dur(windowMs)}` : ""}; recovery pending: ${waiting}`,
      evidence,
      escalationDueAt: lastSignal ?? ctx.now,
      escalation: "Split-brain suspected (SEV1)",
    });
    return out;
  },
});

const wsSlowConsumer = defineRule({
  id: "ws_slow_consumer",
  kinds: KIND,
  title: "WS fan-out overload",
  seed: "004",
  runbook: "ws-fanout-overload",
  sources: METRICS,
  description:
    "ws_close_total{SLOW_CONSUMER} rising: a warning (SEV3) at `minCloses` (10) per `windowMinutes` (5); with edge CPU at `edgeCpuRatio` (0.85) or the per-connection backlog at `backlogMessages` (100) it is critical (SEV2). All are console defaults: the runbook names the signals, not the figures. Conflation and a lower book depth relieve it.",
  params: z
    .object({ windowMinutes: num(5), minCloses: num(10), edgeCpuRatio: num(0.85), backlogMessages: num(100) })
    .strict(),
  check(ctx, target, p) {
    const pts = points(ctx, target, "ws_close_total", SYSTEM_ENTITY, { reason: "SLOW_CONSUMER" });
    if (pts.length === 0 && !current(ctx, target, "ws_connected_clients")) return [];
    const windowMs = p.windowMinutes * MIN;
    const closes = increase(pts, ctx.now - windowMs, ctx.now);
    const cpu = current(ctx, target, "edge_cpu_usage_ratio")?.v;
    const backlog = current(ctx, target, "ws_connection_backlog_messages")?.v;
    const thresholds = {
      windowMinutes: p.windowMinutes,
      minCloses: p.minCloses,
      edgeCpuRatio: p.edgeCpuRatio,
      backlogMessages: p.backlogMessages,
    };
    const evidence = {
      values: [
        ev("SLOW_CONSUMER closes in window", closes),
        ev("edge CPU", cpu ?? null),
        ev("backlog per connection", backlog ?? null),
        ev("connected clients", current(ctx, target, "ws_connected_clients")?.v ?? null),
        ev("publish lag (s)", current(ctx, target, "ws_publish_lag_seconds")?.v ?? null),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    if (closes < p.minCloses)
      return [okVerdict(SYSTEM_ENTITY, `${fmt(closes, 0)} slow-consumer closes in ${dur(windowMs)}`, "SEV3", evidence)];
    const strained =
      (cpu !== undefined && cpu >= p.edgeCpuRatio) || (backlog !== undefined && backlog >= p.backlogMessages);
    return [
      {
        entity: SYSTEM_ENTITY,
        state: strained ? "critical" : "warning",
        severity: strained ? "SEV2" : "SEV3",
        summary: `${fmt(closes, 0)} slow-consumer websocket closes in ${dur(windowMs)}${strained ? `; edge CPU ${cpu !== undefined ? Math.round(cpu * 100) + " %" : "?"}, backlog ${backlog !== undefined ? fmt(backlog, 0) : "?"} msgs/conn` : ""}`,
        evidence,
      },
    ];
  },
});

const kafka = defineRule({
  id: "kafka_outage",
  kinds: KIND,
  title: "Kafka/Redpanda outage",
  seed: "004",
  runbook: "kafka-outage",
  sources: METRICS,
  description:
    "The Kafka/Redpanda outage playbook is SEV2 on any of its signals: producer errors, a broker unavailable, consumer lag that skyrockets. All brokers down, or producer errors while the outbox holds messages, is critical (keep the trading core running on WAL/outbox, degrade WS); a broker down or ledger consumer lag over `consumerLagMessages` (50,000, a console default: the runbook gives no figure) is a SEV2 warning. `windowMinutes` (2) is a console default.",
  params: z.object({ windowMinutes: num(2), consumerLagMessages: num(50_000) }).strict(),
  check(ctx, target, p) {
    const up = current(ctx, target, "kafka_brokers_up");
    if (!up) return [];
    const windowMs = p.windowMinutes * MIN;
    const errors = increase(points(ctx, target, "kafka_producer_errors_total"), ctx.now - windowMs, ctx.now);
    const pending = current(ctx, target, "kafka_producer_pending_messages")?.v ?? 0;
    const down = currentSeries(ctx, target, "kafka_broker_up")
      .filter((s) => s.points[s.points.length - 1]?.v === 0)
      .map((s) => s.labels.broker ?? "?");
    const lag =
      current(ctx, target, "kafka_consumer_lag_messages", SYSTEM_ENTITY, { group: "ledger-settlement" })?.v ?? 0;
    const thresholds = { windowMinutes: p.windowMinutes, consumerLagMessages: p.consumerLagMessages };
    const evidence = {
      values: [
        ev("brokers up", up.v, up.t),
        ev("brokers down", down.join(", ") || "none"),
        ev(`producer errors in ${dur(windowMs)}`, errors),
        ev("outbox pending", pending),
        ev("ledger consumer lag", lag),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    if (up.v === 0 || (errors > 0 && pending > 0)) {
      const run = heldFor(points(ctx, target, "kafka_brokers_up"), (v) => v === 0, ctx.now, maxGapMs(target));
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV2",
          since: run.since ?? up.t,
          summary: `Kafka ${up.v === 0 ? "unavailable (0 brokers up)" : "producer errors"}: ${fmt(errors, 0)} produce errors in ${dur(windowMs)}, ${fmt(pending, 0)} messages waiting in the outbox`,
          evidence,
        },
      ];
    }
    if (down.length > 0 || lag > p.consumerLagMessages)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV2",
          summary: down.length
            ? `Kafka broker${down.length === 1 ? "" : "s"} down: ${down.join(", ")}`
            : `Ledger consumer lag ${fmt(lag, 0)} messages`,
          evidence,
        },
      ];
    return [okVerdict(SYSTEM_ENTITY, `Kafka healthy (${up.v} brokers up)`, "SEV2", evidence)];
  },
});

const postgres = defineRule({
  id: "postgres_health",
  kinds: KIND,
  title: "Postgres failover / errors",
  seed: "004",
  runbook: "postgres-failover",
  sources: METRICS,
  description:
    "Postgres failover / corruption (SEV1/SEV2). Corruption is SEV1 at once: checksum failures (`pg_stat_database_checksum_failures` as postgres_exporter names it, or `postgres_checksum_failures_total`), replication errors (`postgres_replication_errors_total`), or ledger invariant failures (`invariant_violation_total` rising) while a Postgres node is or was down within `corruptionWindowMinutes` (15, a console default) — freeze withdrawals, verify backups and PITR readiness. Primary down: critical (SEV2; freeze withdrawals, CANCEL_ONLY or SOFT_HALT), SEV1 when no failover happened within `failoverMinutes` (5, a console default: the runbook gives no time). Ledger DB transaction errors over `errorsPerMinute` (10, a console default), or a standby down, are warnings.",
  params: z.object({ failoverMinutes: num(5), errorsPerMinute: num(10), corruptionWindowMinutes: num(15) }).strict(),
  check(ctx, target, p) {
    const nodes = currentSeries(ctx, target, "postgres_up");
    const corruptionMs = p.corruptionWindowMinutes * MIN;
    const sumIncrease = (metric: string) =>
      ctx.history
        .seriesFor(target.name, metric)
        .reduce((a, s) => a + increase(s.points, ctx.now - corruptionMs, ctx.now), 0);
    const checksum =
      sumIncrease("pg_stat_database_checksum_failures") + sumIncrease("postgres_checksum_failures_total");
    const replication = sumIncrease("postgres_replication_errors_total");
    const nodeTrouble = ctx.history
      .seriesFor(target.name, "postgres_up")
      .some((s) => s.points.some((pt) => pt.v === 0 && inWindow(pt.t, ctx.now, corruptionMs)));
    const ledgerFailures = nodeTrouble
      ? increase(points(ctx, target, "invariant_violation_total"), ctx.now - corruptionMs, ctx.now)
      : 0;
    const corruptionReported = [
      "pg_stat_database_checksum_failures",
      "postgres_checksum_failures_total",
      "postgres_replication_errors_total",
    ].some((m) => ctx.history.seriesFor(target.name, m).length > 0);
    if (checksum > 0 || replication > 0 || ledgerFailures > 0) {
      const signs = [
        checksum > 0 ? plural(checksum, "checksum failure") : "",
        replication > 0 ? plural(replication, "replication error") : "",
        ledgerFailures > 0 ? `${plural(ledgerFailures, "ledger invariant failure")} around a Postgres node outage` : "",
      ].filter(Boolean);
      const evidence = {
        values: [
          ev("checksum failures", checksum),
          ev("replication errors", replication),
          ev("ledger invariant failures while a node was down", ledgerFailures),
          ev("withdrawals halted", current(ctx, target, "withdrawals_halted")?.v === 1),
        ],
        window: windowOf(ctx.now, corruptionMs),
        thresholds: { corruptionWindowMinutes: p.corruptionWindowMinutes },
      };
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: "SEV1",
          summary: `Postgres corruption suspected: ${signs.join(", ")} in ${dur(corruptionMs)} — freeze withdrawals, verify backups and PITR readiness`,
          evidence,
          escalationDueAt: ctx.now,
          escalation: "Postgres corruption signals are SEV1 from the first one",
        },
      ];
    }
    if (nodes.length === 0) {
      if (!corruptionReported) return [];
      return [
        okVerdict(SYSTEM_ENTITY, "No Postgres checksum or replication errors reported", "SEV2", {
          values: [ev("checksum failures", 0), ev("replication errors", 0)],
          window: windowOf(ctx.now, corruptionMs),
        }),
      ];
    }
    const primary = currentSeries(ctx, target, "postgres_primary").find((s) => s.points[s.points.length - 1]?.v === 1)
      ?.labels.node;
    const downNodes = nodes.filter((s) => s.points[s.points.length - 1]?.v === 0).map((s) => s.labels.node ?? "?");
    const errors = increase(points(ctx, target, "ledger_db_transaction_errors_total"), ctx.now - MIN, ctx.now);
    const thresholds = { failoverMinutes: p.failoverMinutes, errorsPerMinute: p.errorsPerMinute };
    const evidence = {
      values: [
        ev("primary", primary ?? null),
        ev("nodes down", downNodes.join(", ") || "none"),
        ev("DB transaction errors in the last minute", errors),
        ev("withdrawals halted", current(ctx, target, "withdrawals_halted")?.v === 1),
      ],
      window: windowOf(ctx.now, MIN),
      thresholds,
    };
    if (primary && downNodes.includes(primary)) {
      const run = heldFor(
        points(ctx, target, "postgres_up", SYSTEM_ENTITY, { node: primary }),
        (v) => v === 0,
        ctx.now,
        maxGapMs(target),
      );
      const since = run.since ?? ctx.now;
      const dueAt = since + p.failoverMinutes * MIN;
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "critical",
          severity: ctx.now > dueAt ? "SEV1" : "SEV2",
          since,
          summary: `Postgres primary ${primary} down for ${dur(ctx.now - since)}; ${fmt(errors, 0)} ledger transaction errors in the last minute — freeze withdrawals`,
          evidence,
          escalationDueAt: dueAt,
          escalation: `No failover within ${p.failoverMinutes} minutes`,
        },
      ];
    }
    if (errors >= p.errorsPerMinute)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV2",
          summary: `${fmt(errors, 0)} ledger DB transaction errors in the last minute`,
          evidence,
        },
      ];
    if (downNodes.length)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          summary: `Postgres standby down: ${downNodes.join(", ")}`,
          evidence,
        },
      ];
    return [okVerdict(SYSTEM_ENTITY, `Postgres healthy (primary ${primary ?? "?"})`, "SEV2", evidence)];
  },
});

const apiLatency = defineRule({
  id: "api_latency",
  kinds: KIND,
  title: "Trading API latency",
  seed: "004",
  runbook: "trading-api-degradation",
  sources: METRICS,
  description:
    "Trading API p99 (per poll window) above `p99Seconds` (0.25, a console default) for longer than `forMinutes` (5, a console default): elevated latency, SEV3.",
  params: z.object({ p99Seconds: num(0.25), forMinutes: num(5) }).strict(),
  check(ctx, target, p) {
    const pts = points(ctx, target, "trading_api_request_duration_seconds:p99_window");
    const cur = current(ctx, target, "trading_api_request_duration_seconds:p99_window");
    if (!cur) return [];
    const run = heldFor(pts, (v) => v > p.p99Seconds, ctx.now, maxGapMs(target));
    const evidence = {
      values: [ev("p99 (s)", cur.v, cur.t), ev("over threshold for", run.holding ? dur(run.durationMs) : "—")],
      thresholds: { p99Seconds: p.p99Seconds, forMinutes: p.forMinutes },
    };
    if (run.holding && run.durationMs > p.forMinutes * MIN)
      return [
        {
          entity: SYSTEM_ENTITY,
          state: "warning",
          severity: "SEV3",
          since: run.since!,
          summary: `Trading API p99 ${fmt(cur.v * 1000, 0)} ms, over ${fmt(p.p99Seconds * 1000, 0)} ms for ${dur(run.durationMs)}`,
          evidence,
        },
      ];
    return [okVerdict(SYSTEM_ENTITY, `Trading API p99 ${fmt(cur.v * 1000, 1)} ms`, "SEV3", evidence)];
  },
});

const apiErrors = defineRule({
  id: "api_error_rate",
  kinds: KIND,
  title: "Trading API error rate",
  seed: "004",
  runbook: "trading-api-degradation",
  sources: METRICS,
  description:
    "Trading API errors as a share of requests over `windowMinutes` (5): partial degradation (SEV3) from `warnRatio` (1 %); trading unavailable for many users (SEV2) from `criticalRatio` (5 %), once at least `minRequests` (100) were made. All four are console defaults: the runbook gives no figure.",
  params: z
    .object({ windowMinutes: num(5), warnRatio: num(0.01), criticalRatio: num(0.05), minRequests: num(100) })
    .strict(),
  check(ctx, target, p) {
    const reqSeries = ctx.history.seriesFor(target.name, "trading_api_requests_total");
    if (reqSeries.length === 0) return [];
    const windowMs = p.windowMinutes * MIN;
    const from = ctx.now - windowMs;
    const reqs = reqSeries.reduce((a, s) => a + increase(s.points, from, ctx.now), 0);
    const errs = ctx.history
      .seriesFor(target.name, "trading_api_errors_total")
      .reduce((a, s) => a + increase(s.points, from, ctx.now), 0);
    const ratio = reqs > 0 ? errs / reqs : 0;
    const thresholds = {
      windowMinutes: p.windowMinutes,
      warnRatio: p.warnRatio,
      criticalRatio: p.criticalRatio,
      minRequests: p.minRequests,
    };
    const evidence = {
      values: [ev("errors", errs), ev("requests", reqs), ev("error rate", `${fmt(ratio * 100, 2)} %`)],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    if (reqs < p.minRequests || ratio < p.warnRatio)
      return [okVerdict(SYSTEM_ENTITY, `Trading API error rate ${fmt(ratio * 100, 2)} %`, "SEV3", evidence)];
    const crit = ratio >= p.criticalRatio;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: crit ? "critical" : "warning",
        severity: crit ? "SEV2" : "SEV3",
        summary: `Trading API error rate ${fmt(ratio * 100, 1)} % (${fmt(errs, 0)} of ${fmt(reqs, 0)} requests in ${dur(windowMs)})`,
        evidence,
      },
    ];
  },
});

const edgeAuth = defineRule({
  id: "edge_auth_failures",
  kinds: KIND,
  title: "Edge auth failures",
  seed: "004",
  runbook: "edge-auth-anomaly",
  sources: METRICS,
  description:
    "auth_fail_total by reason over `windowMinutes` (5) above `maxPerWindow` (300) per reason — both console defaults (the spot exchange runbook lists the edge-auth dashboard but no playbook or figure).",
  params: z.object({ windowMinutes: num(5), maxPerWindow: num(300) }).strict(),
  check(ctx, target, p) {
    const windowMs = p.windowMinutes * MIN;
    const out: Verdict[] = [];
    for (const s of currentSeries(ctx, target, "auth_fail_total")) {
      const reason = s.labels.reason ?? "unknown";
      const n = increase(s.points, ctx.now - windowMs, ctx.now);
      const evidence = {
        values: [ev(`auth failures (${reason})`, n)],
        window: windowOf(ctx.now, windowMs),
        thresholds: { windowMinutes: p.windowMinutes, maxPerWindow: p.maxPerWindow },
      };
      if (n > p.maxPerWindow)
        out.push({
          entity: reason,
          state: "warning",
          severity: "SEV3",
          summary: `${fmt(n, 0)} edge auth failures (${reason}) in ${dur(windowMs)}`,
          evidence,
        });
      else
        out.push(
          okVerdict(reason, `${fmt(n, 0)} edge auth failures (${reason}) in ${dur(windowMs)}`, "SEV3", evidence),
        );
    }
    return out;
  },
});

/**
 * The increase of a counter over the window ending at each of its points (reset-aware, as
 * `increase`), in one pass: a running reset-aware total and a second index for the window start.
 */
function windowedIncrease(pts: readonly Point[], windowMs: number): Point[] {
  const cum: number[] = [];
  pts.forEach((pt, i) => {
    const prev = pts[i - 1];
    cum.push(i === 0 ? 0 : cum[i - 1]! + (pt.v >= prev!.v ? pt.v - prev!.v : pt.v));
  });
  const out: Point[] = [];
  let j = 0;
  for (let i = 0; i < pts.length; i++) {
    const from = pts[i]!.t - windowMs;
    while (j + 1 <= i && pts[j + 1]!.t <= from) j++;
    out.push({ t: pts[i]!.t, v: cum[i]! - cum[j]! });
  }
  return out;
}

const replay = defineRule({
  id: "replay_detect",
  kinds: KIND,
  title: "Replayed signed requests",
  seed: "004",
  runbook: "edge-auth-anomaly",
  sources: METRICS,
  description:
    'replay_detect_total rising: more than `maxPerWindow` (10, a console default) per `windowMinutes` (5, a console default) is possible credential or signing abuse, a SEV2 warning. The runbook\'s SEV1 is "signing compromise": replays at `compromisePerWindow` (100, a console default) or more per window, or replays above the warning threshold for longer than `compromiseMinutes` (15, a console default), are treated as a suspected signing compromise (critical SEV1: rotate the signing keys).',
  params: z
    .object({ windowMinutes: num(5), maxPerWindow: num(10), compromisePerWindow: num(100), compromiseMinutes: num(15) })
    .strict(),
  check(ctx, target, p) {
    const cur = current(ctx, target, "replay_detect_total");
    if (!cur) return [];
    const windowMs = p.windowMinutes * MIN;
    const pts = points(ctx, target, "replay_detect_total");
    const n = increase(pts, ctx.now - windowMs, ctx.now);
    // How long the per-window count has stayed above the warning threshold, judged at each poll.
    const windowed = windowedIncrease(pts, windowMs);
    const over = heldFor(windowed, (v) => v > p.maxPerWindow, ctx.now, maxGapMs(target));
    const flood = heldFor(windowed, (v) => v >= p.compromisePerWindow, ctx.now, maxGapMs(target));
    const thresholds = {
      windowMinutes: p.windowMinutes,
      maxPerWindow: p.maxPerWindow,
      compromisePerWindow: p.compromisePerWindow,
      compromiseMinutes: p.compromiseMinutes,
    };
    const evidence = {
      values: [
        ev("replays detected in window", n),
        ev("replay_detect_total", cur.v, cur.t),
        ev("above the warning threshold for", over.holding ? dur(over.durationMs) : "—"),
      ],
      window: windowOf(ctx.now, windowMs),
      thresholds,
    };
    if (n <= p.maxPerWindow)
      return [okVerdict(SYSTEM_ENTITY, `${fmt(n, 0)} replays detected in ${dur(windowMs)}`, "SEV2", evidence)];
    const since = over.since ?? cur.t;
    const dueAt = since + p.compromiseMinutes * MIN;
    const compromise = n >= p.compromisePerWindow || ctx.now > dueAt;
    return [
      {
        entity: SYSTEM_ENTITY,
        state: compromise ? "critical" : "warning",
        severity: compromise ? "SEV1" : "SEV2",
        since,
        summary: `${fmt(n, 0)} replayed signed requests detected in ${dur(windowMs)}${compromise ? " — signing compromise suspected: rotate the signing keys" : ""}`,
        evidence,
        escalationDueAt: flood.holding ? Math.min(flood.since!, dueAt) : dueAt,
        escalation: `Replays at ${p.compromisePerWindow}+ per ${p.windowMinutes} minutes, or above ${p.maxPerWindow} for more than ${p.compromiseMinutes} minutes: signing compromise suspected`,
      },
    ];
  },
});

export const SPOT_EXCHANGE_RULES: AnyRule[] = [
  ledgerInvariant,
  seqMismatch,
  settlementLag,
  splitBrain,
  wsSlowConsumer,
  kafka,
  postgres,
  apiLatency,
  apiErrors,
  edgeAuth,
  replay,
];
