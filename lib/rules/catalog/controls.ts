import { z } from "zod";
import { BUILT_IN_KINDS, SYSTEM_ENTITY, type SystemKind } from "../../telemetry/model";
import { defineRule } from "../define";
import type { ControlWatch, RuleContext, RuleTarget, Verdict } from "../types";
import { ev } from "./common";

// The post-control watch: after a protective control succeeded and its re-read verified, the
// console keeps checking from telemetry that the effect holds for the control's watch window
// (fleet config, default 5 minutes). A halted symbol trades nothing and stays in its mode (its
// sequence may still move: a cancel-all on a halted symbol is sequenced); halted withdrawals stay halted and pay
// nothing out; a paused profile places no new ENTRY orders and stays inactive; an active kill
// switch stays active. When the effect stops holding, a SEV1 opens, linked to the control's
// request and audit record, and stays until a commander confirms it handled or a later control
// on the same subject replaces the watch.

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19) + " UTC";

/** The sources each watch reads, by system kind (their freshness decides "cannot tell"). */
const SOURCES: Partial<Record<SystemKind, readonly string[]>> = {
  "spot-exchange": ["/admin/state"],
  "trading-bot": ["/internal/health", "/metrics"],
  "futures-bot": ["/status"],
};

interface Breach {
  at: number;
  detail: string;
}

/** Points of `metric` for `entity` after `from` (and their series' labels). */
function after(
  ctx: RuleContext,
  target: RuleTarget,
  metric: string,
  entity: string,
  from: number,
): { t: number; v: number; labels: Record<string, string> }[] {
  const out: { t: number; v: number; labels: Record<string, string> }[] = [];
  for (const s of ctx.history.seriesFor(target.name, metric, entity))
    for (const p of s.points) if (p.t > from) out.push({ t: p.t, v: p.v, labels: s.labels });
  return out.sort((a, b) => a.t - b.t);
}

/** The first time a counter grew after `from` (comparing points after `from` only), or null. */
function firstGrowth(points: { t: number; v: number }[]): { at: number; by: number } | null {
  for (let i = 1; i < points.length; i++)
    if (points[i]!.v > points[i - 1]!.v) return { at: points[i]!.t, by: points[i]!.v - points[0]!.v };
  return null;
}

function earliest(list: (Breach | null)[]): Breach | null {
  return list.reduce<Breach | null>((a, b) => (b && (!a || b.at < a.at) ? b : a), null);
}

/** Symbols a symbol-halt watch covers now (every symbol the exchange lists, for scope "all"). */
function watchedSymbols(
  ctx: RuleContext,
  target: RuleTarget,
  w: ControlWatch & { spec: { kind: "symbol-halted" } },
): string[] {
  if (w.spec.symbols !== "all") return w.spec.symbols;
  const seen = new Set<string>();
  for (const s of ctx.history.seriesFor(target.name, "symbol_mode")) if (s.entity !== SYSTEM_ENTITY) seen.add(s.entity);
  return [...seen].filter((s) => !(w.except ?? []).includes(s)).sort();
}

/**
 * A "trades in the last second" value read this soon after the control may still count trades
 * from before it (the second it covers began before the halt); the trade counter has no such gap.
 */
const LAST_SECOND_MS = 2000;

function symbolBreach(ctx: RuleContext, target: RuleTarget, symbol: string, mode: string, from: number): Breach | null {
  const trades = after(ctx, target, "tradesLastSecond", symbol, from + LAST_SECOND_MS).find((p) => p.v > 0);
  const fills = firstGrowth(after(ctx, target, "engine_trades_total", symbol, from));
  const other = after(ctx, target, "symbol_mode", symbol, from).find(
    (p) => p.labels.mode !== undefined && p.labels.mode !== mode,
  );
  return earliest([
    trades
      ? {
          at: trades.t,
          detail: `${symbol} traded again: ${trades.v} trade${trades.v === 1 ? "" : "s"} in the second before ${clock(trades.t)}`,
        }
      : null,
    fills
      ? {
          at: fills.at,
          detail: `${symbol} traded again: ${fills.by} trade${fills.by === 1 ? "" : "s"} since the control (${clock(fills.at)})`,
        }
      : null,
    other
      ? { at: other.t, detail: `${symbol} reports ${other.labels.mode} again at ${clock(other.t)}, not ${mode}` }
      : null,
  ]);
}

function breachOf(
  ctx: RuleContext,
  target: RuleTarget,
  w: ControlWatch,
): { entity: string; breach: Breach | null; subject: string; watchedFrom: string[] }[] {
  const spec = w.spec;
  if (spec.kind === "symbol-halted") {
    const symbols = watchedSymbols(ctx, target, w as ControlWatch & { spec: typeof spec });
    const entity = spec.symbols === "all" ? SYSTEM_ENTITY : spec.symbols[0]!;
    const breach = earliest(symbols.map((s) => symbolBreach(ctx, target, s, spec.mode, w.from)));
    return [
      {
        entity,
        breach,
        subject: spec.symbols === "all" ? "every symbol" : entity,
        watchedFrom: ["tradesLastSecond", "engine_trades_total", "symbol_mode"],
      },
    ];
  }
  if (spec.kind === "withdrawals-halted") {
    const off = after(ctx, target, "withdrawalsHalted", SYSTEM_ENTITY, w.from).find((p) => p.v === 0);
    const paid = firstGrowth(after(ctx, target, "withdrawalsPaidTotal", SYSTEM_ENTITY, w.from));
    return [
      {
        entity: "withdrawals",
        subject: "withdrawals",
        watchedFrom: ["withdrawalsHalted", "withdrawalsPaidTotal"],
        breach: earliest([
          off ? { at: off.t, detail: `withdrawals reported running again at ${clock(off.t)}` } : null,
          paid
            ? {
                at: paid.at,
                detail: `${paid.by} withdrawal${paid.by === 1 ? "" : "s"} paid out while halted (${clock(paid.at)})`,
              }
            : null,
        ]),
      },
    ];
  }
  if (spec.kind === "profile-paused") {
    const active = after(ctx, target, "status_active", spec.profileId, w.from).find((p) => p.v === 1);
    const entries = firstGrowth(
      after(ctx, target, "orders_placed_total", spec.profileId, w.from).filter((p) => p.labels.intent === "entry"),
    );
    return [
      {
        entity: spec.profileId,
        subject: `profile ${spec.profileId}`,
        watchedFrom: ["status_active", "orders_placed_total{intent=entry}"],
        breach: earliest([
          active
            ? { at: active.t, detail: `profile ${spec.profileId} reported active again at ${clock(active.t)}` }
            : null,
          entries
            ? {
                at: entries.at,
                detail: `profile ${spec.profileId} placed ${entries.by} new ENTRY order${entries.by === 1 ? "" : "s"} while paused (${clock(entries.at)})`,
              }
            : null,
        ]),
      },
    ];
  }
  const cleared = after(ctx, target, "killSwitch.active", SYSTEM_ENTITY, w.from).find((p) => p.v === 0);
  return [
    {
      entity: SYSTEM_ENTITY,
      subject: target.name,
      watchedFrom: ["killSwitch.active"],
      breach: cleared ? { at: cleared.t, detail: `kill switch reported inactive at ${clock(cleared.t)}` } : null,
    },
  ];
}

const TITLE: Record<ControlWatch["spec"]["kind"], (subject: string) => string> = {
  "symbol-halted": (s) => `halt did not hold on ${s}`,
  "withdrawals-halted": () => "withdrawals halt did not hold",
  "profile-paused": (s) => `pause did not hold on ${s}`,
  "kill-switch": (s) => `kill switch did not hold on ${s}`,
};
const RUNBOOK = {
  "symbol-halted": "split-brain",
  "withdrawals-halted": "ledger-invariant-violation",
  "profile-paused": "capital-invariant-violation",
  "kill-switch": "kill-switch-recovery",
} as const;

export const controlWatch = defineRule({
  id: "control_watch",
  kinds: BUILT_IN_KINDS,
  title: "Control effect holding",
  seed: "console",
  runbook: "split-brain",
  sources: SOURCES,
  description:
    "After a protective control succeeded and its re-read verified, its effect is watched from telemetry for the control's watch window: a halted symbol trades nothing (no trades in the last second once a second has passed, no growth of its trade counter) and stays in its mode; halted withdrawals pay nothing out; a paused profile places no ENTRY orders; an active kill switch stays active. A breach is a SEV1 linked to the control's request and audit record; it holds until a commander confirms it handled or a later control on the same subject replaces the watch. While the watched source is stale the watch cannot tell: Unknown, with the last known state (a breach included).",
  params: z.object({}).strict(),
  check(ctx, target) {
    const out: Verdict[] = [];
    for (const w of ctx.watches ?? []) {
      if (w.system !== target.name) continue;
      for (const r of breachOf(ctx, target, w)) {
        const breach = w.broken ?? r.breach;
        const control = { requestId: w.id, description: w.description, ticketId: w.ticketId, auditSeq: w.auditSeq };
        const evidence = {
          values: [
            ev("control", w.description),
            ev("requested by", w.by),
            ev("ticket", w.ticketId),
            ev("audit row", w.auditSeq),
            ev("watched from (UTC)", clock(w.from), w.from),
            ev("watched until (UTC)", clock(w.until), w.until),
            ev("signals", r.watchedFrom.join(", ")),
          ],
          window: {
            from: w.from,
            to: w.until,
            description: `${Math.round((w.until - w.from) / 60_000)} minutes after the control`,
          },
        };
        const base = { entity: r.entity, severity: "SEV1" as const, evidence, runbook: RUNBOOK[w.spec.kind], control };
        if (breach) {
          const confirmed = ctx.confirmations?.get(`control_watch|${target.name}|${r.entity}`);
          if (confirmed && confirmed.at >= breach.at) {
            out.push({
              ...base,
              state: "ok",
              // Who confirmed it is on the card (`confirmed`), not in the summary the status view shows.
              summary: `${TITLE[w.spec.kind](r.subject)} — confirmed handled`,
              confirmed: { by: confirmed.by, at: confirmed.at, reason: confirmed.reason, ticketId: confirmed.ticketId },
            });
            continue;
          }
          out.push({
            ...base,
            state: "critical",
            since: breach.at,
            // No person, ticket or control parameter in the summary: the shared status view shows
            // summaries and names none of them. The card links the control and its audit row.
            summary: `${TITLE[w.spec.kind](r.subject)}: ${breach.detail}`,
            evidence: { ...evidence, values: [ev("breach", breach.detail, breach.at), ...evidence.values] },
            confirmable: "the breach of this control's effect",
          });
          continue;
        }
        if (ctx.now >= w.until) continue;
        // While the watched source is stale or failing, the rule definition turns this Unknown.
        out.push({
          ...base,
          state: "ok",
          summary: `Holding: no breach since ${clock(w.from)} (watched until ${clock(w.until)})`,
        });
      }
    }
    return out;
  },
});

export const CONTROL_RULES = [controlWatch];
