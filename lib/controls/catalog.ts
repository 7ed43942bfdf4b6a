import { z } from "zod";
import { ROLES, type Role } from "../auth/roles";

// In the browser, zod must not probe for eval (its fast path compiles parsers with Function):
// the console's Content-Security-Policy forbids it, and the probe alone is a reported violation.
if (typeof window !== "undefined") z.config({ jitless: true });
import type { SystemKind } from "../telemetry/model";
import type { WatchSpec } from "../rules/types";
import type { FuturesState, SpotState, TargetState, TradingBotState } from "./state";

// The control catalog: every emergency control the seeds name, per system kind, with its input
// schema, the role and risk tier it needs, whether a second person must approve it, what must be
// typed to confirm it, a preview of the change and how to tell it took effect. Pure (no I/O, no
// server-only) so the Controls screen can use the same definitions to render its forms.

export const TIERS = ["standard", "elevated", "critical"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * Which way a control moves exposure. Protective variants reduce it (halts, CANCEL_ONLY,
 * cancel-all, withdrawals halt, pausing a profile, the kill switch, quarantining an order, placing
 * missing stops); restoring variants put money back at risk (NORMAL, withdrawals on, resuming a
 * profile, executing a position sync that opens or adopts positions). Neutral ones change no
 * exposure (a dry run, a reconciliation cycle, book depth).
 */
export const DIRECTIONS = ["protective", "restoring", "neutral"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Variants that are critical by default: the risk tier shown on the form, and the subject (symbol
 * or system name) typed to confirm. HARD_HALT, withdrawals halt on, cancel-all and the kill switch.
 * A variant is `control` or `control:<variant>`. Who may run a variant and whether a second person
 * approves it follow its direction (policyFor), not its tier.
 */
export const DEFAULT_CRITICAL = ["symbol-mode:HARD_HALT", "withdrawals-halt:on", "cancel-all", "kill-switch"] as const;

/** A per-control override from the fleet config (`controls.policy.<control or control:variant>`). */
export interface PolicyOverride {
  role?: Role;
  secondPerson?: boolean;
  /** Minutes the console watches that the effect holds after a success (0 = no watch). */
  watchMinutes?: number;
}

export interface ControlSettings {
  /** Variants treated as critical: typed confirmation and the critical badge. */
  critical: readonly string[];
  /** Master switch: false = no control ever waits for a second person (whatever its direction). */
  secondPerson: boolean;
  /** Overrides by `control:variant` (most specific) or `control`. */
  policy: Readonly<Record<string, PolicyOverride>>;
}
export const DEFAULT_SETTINGS: ControlSettings = { critical: DEFAULT_CRITICAL, secondPerson: true, policy: {} };

/** Default minutes of post-control watch for a protective control whose effect telemetry can check. */
export const DEFAULT_WATCH_MINUTES = 5;

export interface ControlPolicy {
  /** `control` or `control:<variant>`, matched against the critical list and the overrides. */
  variant: string;
  direction: Direction;
  tier: Tier;
  role: Role;
  secondPerson: boolean;
  /** Text the user must type to confirm (the symbol, order id or system name), or null. */
  confirm: string | null;
  /** Minutes the console watches the effect after a success; 0 = not watched. */
  watchMinutes: number;
  /** Where the role, approval and watch came from: the direction's default or the fleet config. */
  source: "default" | "config";
}

export type FieldType =
  "symbol" | "profile" | "order" | "mode" | "onoff" | "depth" | "rate" | "planStep" | "planId" | "scope";
export interface FieldSpec {
  name: string;
  label: string;
  type: FieldType;
  hint?: string;
  /** Only shown when this returns true for the current raw form values. */
  showWhen?: (raw: Record<string, string>) => boolean;
}

/** One measured fact of a control's reach, read live from the target ("open orders", 37). */
export interface BlastFact {
  label: string;
  value: string;
}

export interface Preview {
  /** One line: what is true now and what will change, e.g. "BTC-USD: NORMAL → HARD_HALT; 37 open orders stay resting". */
  change: string;
  notes: string[];
  /**
   * The blast radius, read live from the target: open orders and their notional, last-minute
   * trades and resting liquidity of a symbol; pending withdrawals; a profile's or bot's open
   * positions and exposure. Empty when the target does not report them.
   */
  blast?: BlastFact[];
}

export type { WatchSpec };

/**
 * A condition a runbook requires before a restore, checked live: true holds, false fails, null
 * could not be checked (counts as failing: a restore needs the evidence, not its absence).
 */
export interface Condition {
  id: string;
  label: string;
  /** Where the requirement comes from, by runbook name. */
  source: string;
  ok: boolean | null;
  detail: string;
}

export interface Verification {
  /** true: the target shows the change; false: it does not; null: could not be checked / nothing to check. */
  ok: boolean | null;
  message: string;
}

export interface ControlDef<P = Record<string, unknown>> {
  id: string;
  kind: SystemKind;
  title: string;
  summary: string;
  /** Where the control comes from, by runbook name (shown on the form). */
  source: string;
  fields: FieldSpec[];
  schema: z.ZodType<P>;
  /** The variant key of these params (`symbol-mode:HARD_HALT`). */
  variant(p: P): string;
  /** Elevated (not critical) variants; everything else that is not critical is standard. */
  elevated(p: P): boolean;
  /**
   * True when these params act on the whole system rather than one symbol or profile (symbol
   * mode with scope "all"): the commander role and the system's name typed to confirm.
   */
  wide?(p: P): boolean;
  /** Which way these params move exposure (see DIRECTIONS). */
  direction(p: P): Direction;
  /**
   * What a halt or its release acts on, so a restore can name the protection it lifts:
   * "symbol:BTC-USD", "symbol:*", "withdrawals", "profile:eth-grid", "kill-switch". Null: nothing
   * that a later control restores.
   */
  subject?(p: P): string | null;
  /** The runbook's conditions for this restore, read from the target (null state: unreadable). */
  conditions?(state: TargetState | null, p: P): Condition[];
  /** What telemetry must keep showing after a success (the post-control watch), or null. */
  watch?(p: P): WatchSpec | null;
  /** What to type for a destructive variant that is not critical (critical ones always confirm). */
  confirmFor(p: P, target: string): string | null;
  preview(state: TargetState, p: P, target: string): Preview;
  verify(after: TargetState, p: P, answer: unknown, before: TargetState | null): Verification;
}

export const SYMBOL_MODES = ["NORMAL", "CANCEL_ONLY", "SOFT_HALT", "HARD_HALT"] as const;
export type SymbolMode = (typeof SYMBOL_MODES)[number];
/** Symbol mode's reach: one symbol, or every symbol of the exchange in one call. */
export const SCOPES = ["symbol", "all"] as const;
type SymbolModeParams = { symbol?: string; scope?: "all"; mode: SymbolMode };

const symbol = z
  .string({ error: "choose a symbol" })
  .trim()
  .min(1, "choose a symbol")
  .max(40, "a symbol is at most 40 characters")
  .regex(/^[A-Z0-9][A-Z0-9._-]*$/, "use the symbol as the exchange lists it, e.g. BTC-USD");
const profileId = z
  .string({ error: "choose a profile" })
  .trim()
  .min(1, "choose a profile")
  .max(80, "a profile id is at most 80 characters");
const planSchema = z
  .object({
    execute: z.boolean({ error: "choose dry run or execute" }).default(false),
    planId: z
      .string({ error: "enter the plan id from the dry run" })
      .trim()
      .min(1, "enter the plan id from the dry run")
      .max(200, "a plan id is at most 200 characters")
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.execute && !p.planId)
      ctx.addIssue({ code: "custom", path: ["planId"], message: "run the dry run first and execute its plan id" });
  });
type PlanParams = z.infer<typeof planSchema>;

function spot(s: TargetState): SpotState | null {
  return s.kind === "spot-exchange" ? s : null;
}
function bot(s: TargetState): TradingBotState | null {
  return s.kind === "trading-bot" ? s : null;
}
function fut(s: TargetState): FuturesState | null {
  return s.kind === "futures-bot" ? s : null;
}
const onOff = (b: boolean | undefined | null) => (b === undefined || b === null ? "unknown" : b ? "on" : "off");
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const fmtUsd = (n: number | undefined) =>
  n === undefined ? "?" : `$${n.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
const answerResult = (answer: unknown): Record<string, unknown> => {
  const r = (answer as { result?: unknown } | null)?.result;
  return r && typeof r === "object" ? (r as Record<string, unknown>) : {};
};

/** A symbol's blast radius: its open orders and their notional, last-minute trades, resting liquidity. */
function symbolBlast(x: SpotState["symbols"][number]): BlastFact[] {
  const out: BlastFact[] = [
    {
      label: "open orders",
      value: `${x.openOrders.toLocaleString("en-US")}${x.openOrdersNotionalUsd !== undefined ? ` (${fmtUsd(x.openOrdersNotionalUsd)} notional)` : ""}`,
    },
  ];
  if (x.tradesLastMinute !== undefined)
    out.push({ label: "trades in the last minute", value: x.tradesLastMinute.toLocaleString("en-US") });
  if (x.restingBidsUsd !== undefined && x.restingAsksUsd !== undefined)
    out.push({
      label: "resting liquidity",
      value: `${fmtUsd(x.restingBidsUsd)} bids, ${fmtUsd(x.restingAsksUsd)} asks`,
    });
  return out;
}
function sumOf(list: readonly (number | undefined)[]): number | undefined {
  return list.some((v) => v === undefined) ? undefined : list.reduce<number>((a, v) => a + v!, 0);
}
function exchangeBlast(sp: SpotState): BlastFact[] {
  const orders = sp.symbols.reduce((n, s) => n + s.openOrders, 0);
  const notional = sumOf(sp.symbols.map((s) => s.openOrdersNotionalUsd));
  const trades = sumOf(sp.symbols.map((s) => s.tradesLastMinute));
  const out: BlastFact[] = [
    {
      label: "open orders (every symbol)",
      value: `${orders.toLocaleString("en-US")}${notional !== undefined ? ` (${fmtUsd(notional)} notional)` : ""}`,
    },
  ];
  if (trades !== undefined) out.push({ label: "trades in the last minute", value: trades.toLocaleString("en-US") });
  return out;
}
function profileBlast(pr: TradingBotState["profiles"][number]): BlastFact[] {
  const out: BlastFact[] = [];
  if (pr.openPositions !== undefined) out.push({ label: "open positions", value: String(pr.openPositions) });
  if (pr.exposureUsd !== undefined) out.push({ label: "exposure", value: fmtUsd(pr.exposureUsd) });
  return out;
}

function define<P>(d: ControlDef<P>): ControlDef<Record<string, unknown>> {
  return d as unknown as ControlDef<Record<string, unknown>>;
}

/** A rate field matters only while the control is being turned on (form value "on", JSON true). */
const turningOn = (raw: Record<string, string>) => raw.on === "on" || raw.on === "true";
const rate = (what: string) =>
  z
    .number({ error: `enter ${what} as a whole number` })
    .int("enter a whole number")
    .min(1, "at least 1")
    .max(100_000, "at most 100000");

type ThrottleParams = { symbol: string; ordersPerSecond?: number; off?: true };
/** Lifting a throttle (parsed { off: true } or the form's on = off). */
const liftsThrottle = (p: Record<string, unknown>) => p.off === true || p.on === false;
type SubscriptionParams = { on: boolean; perMinute?: number };

/** The plan id matters only when executing a plan (form value "execute", JSON true). */
const notPlan = (raw: Record<string, string>) => raw.execute === "execute" || raw.execute === "true";

export const CONTROLS: ControlDef[] = [
  // ── spot-exchange (seed 004) ──────────────────────────────────────────────────────────────
  define<SymbolModeParams>({
    id: "symbol-mode",
    kind: "spot-exchange",
    title: "Set symbol mode",
    summary:
      "SetSymbolMode: NORMAL trades; CANCEL_ONLY accepts cancels only; SOFT_HALT freezes the book; HARD_HALT stops sequencing.",
    source: "Runbooks: Ledger invariant violation, Split-brain suspected, Settlement lag spike, Postgres failover",
    fields: [
      { name: "scope", label: "Scope", type: "scope" },
      { name: "symbol", label: "Symbol", type: "symbol", showWhen: (raw) => raw.scope !== "all" },
      { name: "mode", label: "Mode", type: "mode" },
    ],
    schema: z
      .object({
        scope: z.enum(SCOPES, { error: "choose one symbol or every symbol" }).default("symbol"),
        symbol: symbol.optional(),
        mode: z.enum(SYMBOL_MODES, {
          error: (i) => (i.input === undefined ? "choose a mode" : `must be one of ${SYMBOL_MODES.join(", ")}`),
        }),
      })
      // Checked even when another field is bad too, so every missing field is named at once.
      .refine((p) => p.scope === "all" || typeof p.symbol === "string", {
        path: ["symbol"],
        message: "choose a symbol (or every symbol)",
        when: () => true,
      })
      // One symbol: { symbol, mode }; the whole exchange: { scope: "all", mode } — one call for every symbol.
      .transform((p): SymbolModeParams =>
        p.scope === "all" ? { scope: "all", mode: p.mode } : { symbol: p.symbol!, mode: p.mode },
      ),
    variant: (p) => `symbol-mode:${p.mode}`,
    elevated: (p) => p.mode !== "NORMAL" || p.scope === "all",
    wide: (p) => p.scope === "all",
    direction: (p) => (p.mode === "NORMAL" ? "restoring" : "protective"),
    subject: (p) => `symbol:${p.scope === "all" ? "*" : p.symbol}`,
    watch: (p) =>
      p.mode === "NORMAL"
        ? null
        : { kind: "symbol-halted", symbols: p.scope === "all" ? "all" : [p.symbol!], mode: p.mode },
    conditions(state, p) {
      if (p.mode !== "NORMAL") return [];
      const label = "Resumed in CANCEL_ONLY first, NORMAL only after validation";
      const source =
        "Spot exchange runbooks (split-brain, settlement lag): resume in CANCEL_ONLY first, then NORMAL after validation";
      const sp = state ? spot(state) : null;
      if (!sp)
        return [{ id: "cancel-only-first", label, source, ok: null, detail: "could not read the symbols' modes" }];
      const list = p.scope === "all" ? sp.symbols : sp.symbols.filter((s) => s.symbol === p.symbol);
      if (!list.length)
        return [
          { id: "cancel-only-first", label, source, ok: null, detail: `${p.symbol} is not listed by the exchange` },
        ];
      const halted = list.filter((s) => s.mode !== "CANCEL_ONLY" && s.mode !== "NORMAL");
      return [
        {
          id: "cancel-only-first",
          label,
          source,
          ok: halted.length === 0,
          detail: halted.length
            ? `${halted.map((s) => `${s.symbol} is ${s.mode}`).join(", ")}: set CANCEL_ONLY and validate first`
            : `${list.map((s) => `${s.symbol} ${s.mode}`).join(", ")}`,
        },
      ];
    },
    confirmFor: (p, target) =>
      p.scope === "all" ? target : p.mode === "SOFT_HALT" || p.mode === "HARD_HALT" ? p.symbol! : null,
    preview(state, p) {
      if (p.scope === "all") {
        const sp = spot(state);
        if (!sp) return { change: `every symbol: current modes unknown → ${p.mode}`, notes: [] };
        const counts = new Map<string, number>();
        for (const s of sp.symbols) counts.set(s.mode, (counts.get(s.mode) ?? 0) + 1);
        const now = [...counts].map(([m, n]) => `${n} ${m}`).join(", ");
        const orders = plural(
          sp.symbols.reduce((n, s) => n + s.openOrders, 0),
          "open order",
        );
        return {
          change: `all ${plural(sp.symbols.length, "symbol")} (${now}) → ${p.mode}; ${orders} in total`,
          notes: [`every symbol in one call: ${sp.symbols.map((s) => s.symbol).join(", ")}`],
          blast: exchangeBlast(sp),
        };
      }
      const sym = p.symbol!;
      const s = spot(state)?.symbols.find((x) => x.symbol === sym);
      if (!s)
        return {
          change: `${sym}: current mode unknown → ${p.mode}`,
          notes: [`${sym} is not listed by the exchange right now`],
        };
      const orders = plural(s.openOrders, "open order");
      const tail =
        p.mode === "NORMAL"
          ? `trading resumes; ${orders} on the book`
          : p.mode === "CANCEL_ONLY"
            ? `new orders rejected; ${orders} can still be cancelled`
            : `${orders} stay resting`;
      return {
        change: `${sym}: ${s.mode} → ${p.mode}; ${tail}`,
        notes:
          s.mode === p.mode
            ? [`${sym} is already ${p.mode}; the call changes nothing`]
            : [`${s.tradesLastSecond} trades in the last second`],
        blast: symbolBlast(s),
      };
    },
    verify(after, p) {
      if (p.scope === "all") {
        const sp = spot(after);
        if (!sp) return { ok: null, message: "could not read the exchange state" };
        const off = sp.symbols.filter((s) => s.mode !== p.mode);
        return off.length === 0
          ? { ok: true, message: `all ${plural(sp.symbols.length, "symbol")} now ${p.mode}` }
          : { ok: false, message: `${off.map((s) => `${s.symbol} ${s.mode}`).join(", ")} still not ${p.mode}` };
      }
      const s = spot(after)?.symbols.find((x) => x.symbol === p.symbol);
      if (!s) return { ok: null, message: `could not find ${p.symbol} in the exchange state` };
      return s.mode === p.mode
        ? { ok: true, message: `symbol mode now ${s.mode}` }
        : { ok: false, message: `target still reports ${s.mode}` };
    },
  }),
  define<ThrottleParams>({
    id: "symbol-throttle",
    kind: "spot-exchange",
    title: "Throttle new orders",
    summary:
      "Cap the new orders one symbol accepts a second; the rest are rejected, cancels always pass. Off lifts the cap.",
    source: "Runbook: Settlement lag spike (over T2: throttle new orders for the affected symbols)",
    fields: [
      { name: "symbol", label: "Symbol", type: "symbol" },
      { name: "on", label: "Throttle", type: "onoff" },
      { name: "ordersPerSecond", label: "New orders per second", type: "rate", showWhen: turningOn },
    ],
    schema: z
      .object({
        symbol,
        on: z.boolean({ error: "choose on (throttle) or off (lift it)" }),
        ordersPerSecond: rate("the new orders per second").optional(),
      })
      .refine((p) => !p.on || p.ordersPerSecond !== undefined, {
        path: ["ordersPerSecond"],
        message: "enter the new orders per second the symbol may take",
      })
      // To the exchange: { symbol, ordersPerSecond } throttles, { symbol, off: true } lifts it.
      .transform((p): ThrottleParams =>
        p.on ? { symbol: p.symbol, ordersPerSecond: p.ordersPerSecond! } : { symbol: p.symbol, off: true },
      ),
    variant: (p) => `symbol-throttle:${liftsThrottle(p) ? "off" : "on"}`,
    elevated: () => true,
    // A cap on new orders reduces the inflow that is piling up unsettled; lifting it lets it back in.
    direction: (p) => (liftsThrottle(p) ? "restoring" : "protective"),
    subject: (p) => `throttle:${p.symbol}`,
    conditions(state) {
      const label = "Settlement lag p99 back under T2";
      const source = "Spot exchange runbook, settlement lag spike: throttle while the lag is over T2";
      const st = state ? spot(state)?.settlement : undefined;
      if (!st || st.t2Seconds === undefined)
        return [{ id: "lag-under-t2", label, source, ok: null, detail: "the exchange does not report its lag and T2" }];
      return [
        {
          id: "lag-under-t2",
          label,
          source,
          ok: st.lagP99Seconds <= st.t2Seconds,
          detail: `p99 ${st.lagP99Seconds} s, T2 ${st.t2Seconds} s`,
        },
      ];
    },
    confirmFor: () => null,
    preview(state, p) {
      const s = spot(state)?.symbols.find((x) => x.symbol === p.symbol);
      const to = p.off ? "no throttle" : `at most ${p.ordersPerSecond} new orders a second`;
      if (!s) return { change: `${p.symbol}: → ${to}`, notes: [`${p.symbol} is not listed by the exchange right now`] };
      const now =
        s.throttle === undefined
          ? "throttle not reported"
          : s.throttle === null
            ? "no throttle"
            : `at most ${s.throttle} new orders a second`;
      const notes: string[] = [];
      if (s.newOrdersLastSecond !== undefined) {
        notes.push(`${plural(s.newOrdersLastSecond, "new order")} accepted in the last second`);
        if (!p.off && s.newOrdersLastSecond > p.ordersPerSecond!)
          notes.push(`about ${s.newOrdersLastSecond - p.ordersPerSecond!} new orders a second would be rejected`);
      }
      if (s.mode !== "NORMAL") notes.push(`${p.symbol} is ${s.mode}: it takes no new orders until NORMAL`);
      return { change: `${p.symbol}: ${now} → ${to}; cancels still pass`, notes, blast: symbolBlast(s) };
    },
    verify(after, p) {
      const s = spot(after)?.symbols.find((x) => x.symbol === p.symbol);
      if (!s) return { ok: null, message: `could not find ${p.symbol} in the exchange state` };
      if (s.throttle === undefined) return { ok: null, message: "the exchange does not report its throttles" };
      const want = p.off ? null : p.ordersPerSecond!;
      if (s.throttle === want)
        return {
          ok: true,
          message:
            want === null ? `${p.symbol} no longer throttled` : `${p.symbol} throttled to ${want} new orders a second`,
        };
      return {
        ok: false,
        message: `target still reports ${s.throttle === null ? "no throttle" : `a throttle of ${s.throttle}`} on ${p.symbol}`,
      };
    },
  }),
  define({
    id: "cancel-all",
    kind: "spot-exchange",
    title: "Cancel all orders",
    summary: "CancelAll: cancels every resting order of one symbol.",
    source: "Spot exchange emergency controls",
    fields: [{ name: "symbol", label: "Symbol", type: "symbol" }],
    schema: z.object({ symbol }),
    variant: () => "cancel-all",
    elevated: () => true,
    direction: () => "protective",
    confirmFor: (p) => p.symbol,
    preview(state, p) {
      const s = spot(state)?.symbols.find((x) => x.symbol === p.symbol);
      if (!s)
        return {
          change: `${p.symbol}: cancels every resting order`,
          notes: [`${p.symbol} is not listed by the exchange right now`],
        };
      return {
        change: `${p.symbol}: cancels ${plural(s.openOrders, "resting order")}; mode stays ${s.mode}`,
        notes: s.mode === "NORMAL" ? ["the symbol still trades: new orders can arrive after the cancel"] : [],
        blast: symbolBlast(s),
      };
    },
    verify(after, p, answer, before) {
      const s = spot(after)?.symbols.find((x) => x.symbol === p.symbol);
      if (!s) return { ok: null, message: `could not find ${p.symbol} in the exchange state` };
      const was = spot(before ?? after)?.symbols.find((x) => x.symbol === p.symbol)?.openOrders;
      const cancelled = Number(answerResult(answer).cancelled ?? NaN);
      if (s.openOrders === 0)
        return {
          ok: true,
          message: `no resting orders on ${p.symbol}${Number.isFinite(cancelled) ? ` (${cancelled} cancelled)` : ""}`,
        };
      if (was !== undefined && s.openOrders < was)
        return {
          ok: true,
          message: `${p.symbol} has ${s.openOrders} resting orders (was ${was}; new orders arrived since)`,
        };
      return { ok: false, message: `target still reports ${s.openOrders} resting orders on ${p.symbol}` };
    },
  }),
  define({
    id: "withdrawals-halt",
    kind: "spot-exchange",
    title: "Halt withdrawals",
    summary: "WithdrawalsHalt on/off: freezes withdrawals while the ledger is in doubt.",
    source: "Runbooks: Ledger invariant violation, Postgres failover; spot exchange emergency controls",
    fields: [{ name: "on", label: "Withdrawals halt", type: "onoff" }],
    schema: z.object({ on: z.boolean({ error: "choose on or off" }) }),
    variant: (p) => `withdrawals-halt:${p.on ? "on" : "off"}`,
    elevated: () => true,
    direction: (p) => (p.on ? "protective" : "restoring"),
    wide: () => true,
    subject: () => "withdrawals",
    watch: (p) => (p.on ? { kind: "withdrawals-halted" } : null),
    confirmFor: () => null,
    preview(state, p) {
      const s = spot(state);
      const now = s ? (s.withdrawalsHalted ? "HALTED" : "running") : "unknown";
      const pending = s?.pendingWithdrawals;
      const blast = pending
        ? [
            {
              label: "pending withdrawals",
              value: `${pending.count.toLocaleString("en-US")} (${fmtUsd(pending.amountUsd)})`,
            },
          ]
        : [];
      const notes = s && s.withdrawalsHalted === p.on ? ["already in that state; the call changes nothing"] : [];
      if (pending && p.on && pending.count > 0)
        notes.push(`${plural(pending.count, "pending withdrawal")} will wait until withdrawals are turned back on`);
      if (pending && !p.on && pending.count > 0)
        notes.push(`${plural(pending.count, "pending withdrawal")} (${fmtUsd(pending.amountUsd)}) start paying out`);
      return { change: `withdrawals: ${now} → ${p.on ? "HALTED" : "running"}`, notes, blast };
    },
    verify(after, p) {
      const s = spot(after);
      if (!s) return { ok: null, message: "could not read the exchange state" };
      return s.withdrawalsHalted === p.on
        ? { ok: true, message: `withdrawals now ${p.on ? "halted" : "running"}` }
        : { ok: false, message: `target still reports withdrawals ${s.withdrawalsHalted ? "halted" : "running"}` };
    },
  }),
  define({
    id: "conflation",
    kind: "spot-exchange",
    title: "Aggressive conflation",
    summary: "Conflate book and candle updates to cut WS fan-out load (about ÷4 per client).",
    source: "Runbook: WS fan-out overload",
    fields: [{ name: "on", label: "Conflation", type: "onoff" }],
    schema: z.object({ on: z.boolean({ error: "choose on or off" }) }),
    variant: (p) => `conflation:${p.on ? "on" : "off"}`,
    elevated: () => false,
    direction: (p) => (p.on ? "protective" : "restoring"),
    confirmFor: () => null,
    preview(state, p) {
      const s = spot(state);
      return {
        change: `conflation: ${onOff(s?.conflation)} → ${onOff(p.on)}`,
        notes: s ? [`${s.websocketClients ?? "?"} websocket clients connected`] : [],
      };
    },
    verify(after, p) {
      const s = spot(after);
      if (!s) return { ok: null, message: "could not read the exchange state" };
      return s.conflation === p.on
        ? { ok: true, message: `conflation now ${onOff(p.on)}` }
        : { ok: false, message: `target still reports conflation ${onOff(s.conflation)}` };
    },
  }),
  define({
    id: "book-depth",
    kind: "spot-exchange",
    title: "Default book depth",
    summary: "Lower the default order-book depth sent to subscribers (e.g. 20) to shed WS load.",
    source: "Runbook: WS fan-out overload",
    fields: [{ name: "depth", label: "Depth (1–1000)", type: "depth" }],
    schema: z.object({
      depth: z
        .number({ error: "enter a whole number of levels" })
        .int("enter a whole number")
        .min(1, "at least 1")
        .max(1000, "at most 1000"),
    }),
    variant: () => "book-depth",
    elevated: () => false,
    direction: () => "neutral",
    confirmFor: () => null,
    preview(state, p) {
      const s = spot(state);
      return { change: `default book depth: ${s?.bookDepthDefault ?? "?"} → ${p.depth}`, notes: [] };
    },
    verify(after, p) {
      const s = spot(after);
      if (!s) return { ok: null, message: "could not read the exchange state" };
      return s.bookDepthDefault === p.depth
        ? { ok: true, message: `default book depth now ${p.depth}` }
        : { ok: false, message: `target still reports depth ${s.bookDepthDefault}` };
    },
  }),

  define<SubscriptionParams>({
    id: "subscription-rate-limit",
    kind: "spot-exchange",
    title: "Subscription rate limit",
    summary:
      "Tighten the per-connection limit on subscribe/unsubscribe operations (each subscribe costs the edge a book snapshot): on sheds a re-subscribe surge; off restores the normal limit.",
    source:
      'Runbook: WS fan-out overload ("increase rate limits for subscription operations (protect server)": more limiting, fewer operations per connection)',
    fields: [
      { name: "on", label: "Protective limit", type: "onoff" },
      {
        name: "perMinute",
        label: "Operations per connection per minute (blank: the exchange's protective default)",
        type: "rate",
        showWhen: turningOn,
      },
    ],
    schema: z
      .object({
        on: z.boolean({ error: "choose on (tighten) or off (normal limit)" }),
        perMinute: rate("the operations per minute").optional(),
      })
      .transform((p): SubscriptionParams =>
        p.on ? { on: true, ...(p.perMinute ? { perMinute: p.perMinute } : {}) } : { on: false },
      ),
    variant: (p) => `subscription-rate-limit:${p.on === false ? "off" : "on"}`,
    elevated: () => false,
    // The runbook's "(protect server)": tightening protects the edge; relaxing puts the load back.
    direction: (p) => (p.on === false ? "restoring" : "protective"),
    subject: () => "subscription-limit",
    confirmFor: () => null,
    preview(state, p) {
      const s = spot(state);
      const lim = s?.subscriptionLimit;
      const now = lim ? `${lim.perMinute} a minute` : "unknown";
      const to = p.on
        ? p.perMinute
          ? `${p.perMinute} a minute`
          : "the exchange's protective default"
        : lim?.normalPerMinute
          ? `the normal ${lim.normalPerMinute} a minute`
          : "the normal limit";
      const notes: string[] = [];
      if (s?.websocketClients !== undefined) notes.push(`${s.websocketClients} websocket clients connected`);
      if (p.on && p.perMinute && lim?.normalPerMinute && p.perMinute >= lim.normalPerMinute)
        notes.push(
          `${p.perMinute} is not below the normal ${lim.normalPerMinute} a minute: that would not protect the server; the exchange refuses it`,
        );
      return { change: `subscription operations per connection: ${now} → ${to}`, notes };
    },
    verify(after, p, answer) {
      const lim = spot(after)?.subscriptionLimit;
      if (!lim) return { ok: null, message: "the exchange does not report its subscription limit" };
      const said = Number(answerResult(answer).subscriptionLimitPerMinute ?? NaN);
      if (p.on) {
        const want = p.perMinute ?? (Number.isFinite(said) ? said : undefined);
        const tighter = lim.normalPerMinute === undefined || lim.perMinute < lim.normalPerMinute;
        return tighter && (want === undefined || lim.perMinute === want)
          ? { ok: true, message: `subscription operations limited to ${lim.perMinute} a minute per connection` }
          : { ok: false, message: `target still reports ${lim.perMinute} a minute per connection` };
      }
      return lim.normalPerMinute === undefined || lim.perMinute === lim.normalPerMinute
        ? { ok: true, message: `subscription limit back to ${lim.perMinute} a minute per connection` }
        : { ok: false, message: `target still reports ${lim.perMinute} a minute per connection` };
    },
  }),

  // ── trading-bot (seeds 000-002) ───────────────────────────────────────────────────────────
  define({
    id: "pause-profile",
    kind: "trading-bot",
    title: "Pause new entries",
    summary: "Set the profile inactive: no new ENTRY orders; exits and reconciliation continue.",
    source: "Runbooks: Capital invariant violation, Ghost position",
    fields: [{ name: "profileId", label: "Profile", type: "profile" }],
    schema: z.object({ profileId }),
    variant: () => "pause-profile",
    elevated: () => true,
    direction: () => "protective",
    subject: (p) => `profile:${p.profileId}`,
    watch: (p) => ({ kind: "profile-paused", profileId: p.profileId }),
    confirmFor: () => null,
    preview(state, p) {
      const pr = bot(state)?.profiles.find((x) => x.profile_id === p.profileId);
      if (!pr)
        return {
          change: `${p.profileId}: pause new entries`,
          notes: [`profile ${p.profileId} is not listed by the bot right now`],
        };
      return {
        change: `${p.profileId}: ${pr.status} → inactive; open orders and positions are left as they are`,
        notes: [`available capital ${fmtUsd(pr.available_capital)}`],
        blast: profileBlast(pr),
      };
    },
    verify(after, p) {
      const pr = bot(after)?.profiles.find((x) => x.profile_id === p.profileId);
      if (!pr) return { ok: null, message: `could not find profile ${p.profileId}` };
      return pr.status === "inactive"
        ? { ok: true, message: `profile ${p.profileId} now inactive` }
        : { ok: false, message: `target still reports ${p.profileId} ${pr.status}` };
    },
  }),
  define({
    id: "resume-profile",
    kind: "trading-bot",
    title: "Resume new entries",
    summary: "Set the profile active again.",
    source: "Runbooks: Capital invariant violation, Ghost position",
    fields: [{ name: "profileId", label: "Profile", type: "profile" }],
    schema: z.object({ profileId }),
    variant: () => "resume-profile",
    elevated: () => false,
    direction: () => "restoring",
    subject: (p) => `profile:${p.profileId}`,
    conditions(state, p) {
      const source = "Trading-bot incident runbook: re-enable a profile only after parity is confirmed";
      const pr = state ? bot(state)?.profiles.find((x) => x.profile_id === p.profileId) : undefined;
      if (!pr)
        return [
          {
            id: "parity-confirmed",
            label: "Parity confirmed: bot and exchange agree",
            source,
            ok: null,
            detail: `could not read profile ${p.profileId}`,
          },
        ];
      const violations = pr.capitalInvariantViolations ?? 0;
      return [
        pr.parityMismatched === undefined
          ? {
              id: "parity-confirmed",
              label: "Parity confirmed: bot and exchange agree",
              source,
              ok: null,
              detail: "the bot does not report parity",
            }
          : {
              id: "parity-confirmed",
              label: "Parity confirmed: bot and exchange agree",
              source,
              ok: pr.parityMismatched === 0,
              detail:
                pr.parityMismatched === 0
                  ? "no mismatched slices"
                  : `${plural(pr.parityMismatched, "mismatched slice")}`,
            },
        {
          id: "capital-invariant",
          label: "Capital invariant holds",
          source: "Capital invariant violation runbook",
          ok: violations === 0,
          detail: violations === 0 ? "available capital is not negative" : "the capital invariant is violated",
        },
      ];
    },
    confirmFor: () => null,
    preview(state, p) {
      const pr = bot(state)?.profiles.find((x) => x.profile_id === p.profileId);
      if (!pr)
        return {
          change: `${p.profileId}: resume new entries`,
          notes: [`profile ${p.profileId} is not listed by the bot right now`],
        };
      const notes =
        (pr.capitalInvariantViolations ?? 0) > 0
          ? ["the capital invariant is violated: the watchdog keeps blocking entries until it holds"]
          : [];
      return { change: `${p.profileId}: ${pr.status} → active`, notes, blast: profileBlast(pr) };
    },
    verify(after, p) {
      const pr = bot(after)?.profiles.find((x) => x.profile_id === p.profileId);
      if (!pr) return { ok: null, message: `could not find profile ${p.profileId}` };
      return pr.status === "active"
        ? { ok: true, message: `profile ${p.profileId} now active` }
        : { ok: false, message: `target still reports ${p.profileId} ${pr.status}` };
    },
  }),
  define({
    id: "trigger-reconciliation",
    kind: "trading-bot",
    title: "Trigger a reconciliation cycle",
    summary:
      "Reconcile one profile now and rebuild its reservations from the exchange. Refused while the profile's reconciliation lock is held.",
    source: "Runbooks: Capital invariant violation, Ghost position",
    fields: [{ name: "profileId", label: "Profile", type: "profile" }],
    schema: z.object({ profileId }),
    variant: () => "trigger-reconciliation",
    elevated: () => false,
    direction: () => "neutral",
    confirmFor: () => null,
    preview(state, p) {
      const pr = bot(state)?.profiles.find((x) => x.profile_id === p.profileId);
      if (!pr)
        return {
          change: `${p.profileId}: reconcile now`,
          notes: [`profile ${p.profileId} is not listed by the bot right now`],
        };
      const lock = (pr.reconciliationLock ?? null) as { held?: boolean; holder?: string; since?: string } | null;
      const notes = lock?.held
        ? [
            `the reconciliation lock is held by ${lock.holder ?? "another worker"}${lock.since ? ` since ${lock.since}` : ""}: the bot will refuse until it is released`,
          ]
        : ["the reconciliation lock is free"];
      return {
        change: `${p.profileId}: reserved for orders ${fmtUsd(pr.reserved_for_orders)} and positions ${fmtUsd(pr.reserved_for_positions)} are rebuilt from the exchange`,
        notes,
      };
    },
    verify(after, p, answer) {
      const pr = bot(after)?.profiles.find((x) => x.profile_id === p.profileId);
      const r = answerResult(answer);
      if (!pr) return { ok: null, message: `could not find profile ${p.profileId}` };
      const violations = pr.capitalInvariantViolations ?? 0;
      const rebuilt = r.reservationsAfter !== undefined ? `; reservations ${JSON.stringify(r.reservationsAfter)}` : "";
      return violations === 0
        ? { ok: true, message: `reconciled; capital invariant holds for ${p.profileId}${rebuilt}` }
        : { ok: false, message: `reconciled, but the capital invariant is still violated for ${p.profileId}` };
    },
  }),
  define({
    id: "quarantine-order",
    kind: "trading-bot",
    title: "Quarantine an order as unknown",
    summary: "Mark an order `unknown` and hold it for manual review (stale pending orders).",
    source: "Runbooks: Stale pending orders, Ghost position",
    fields: [{ name: "orderId", label: "Order ID", type: "order" }],
    schema: z.object({
      orderId: z
        .string({ error: "enter the order id" })
        .trim()
        .min(1, "enter the order id")
        .max(120, "an order id is at most 120 characters"),
    }),
    variant: () => "quarantine-order",
    elevated: () => true,
    direction: () => "protective",
    confirmFor: (p) => p.orderId,
    preview(state, p) {
      const b = bot(state);
      const q = b?.quarantinedOrders.find((o) => o.orderId === p.orderId);
      if (q)
        return {
          change: `order ${p.orderId} is already quarantined (since ${q.since})`,
          notes: ["the bot will refuse with 409"],
        };
      return {
        change: `order ${p.orderId}: → unknown (quarantined for manual review)`,
        notes: b ? [`${plural(b.quarantinedOrders.length, "order")} quarantined now`] : [],
      };
    },
    verify(after, p) {
      const b = bot(after);
      if (!b) return { ok: null, message: "could not read the bot's health" };
      return b.quarantinedOrders.some((o) => o.orderId === p.orderId)
        ? { ok: true, message: `order ${p.orderId} now quarantined` }
        : { ok: false, message: `target does not list ${p.orderId} as quarantined` };
    },
  }),

  // ── futures-bot (seed 003) ────────────────────────────────────────────────────────────────
  define<PlanParams>({
    id: "sync-positions",
    kind: "futures-bot",
    title: "Position sync",
    summary:
      "Dry run first: the bot returns a plan (import untracked positions with a stop, close phantoms, sync quantities). Then execute that plan by its id.",
    source: "Runbooks: Position import, Orphan/phantom spike",
    fields: [
      { name: "execute", label: "Step", type: "planStep" },
      { name: "planId", label: "Plan ID (from the dry run)", type: "planId", showWhen: notPlan },
    ],
    schema: planSchema,
    variant: (p) => (p.execute ? "sync-positions:execute" : "sync-positions:plan"),
    elevated: (p) => p.execute,
    // Executing a sync imports (adopts) untracked positions: it puts money at risk.
    direction: (p) => (p.execute ? "restoring" : "neutral"),
    confirmFor: (p, target) => (p.execute ? target : null),
    preview(state, p) {
      const f = fut(state);
      const untracked = f?.untracked.length ?? 0;
      const phantoms = f?.positions.filter((x) => x.onExchange === false).length ?? 0;
      const now = f
        ? `${plural(untracked, "untracked position")}, ${plural(phantoms, "registry entry", "registry entries")} without an exchange position`
        : "current positions unknown";
      return p.execute
        ? {
            change: `executes plan ${p.planId}: ${now}`,
            notes: ["the bot refuses (409 stale_plan) if the registry changed since the dry run"],
          }
        : { change: `dry run: ${now}; nothing changes`, notes: [] };
    },
    verify(after, p) {
      if (!p.execute) return { ok: null, message: "dry run: nothing to verify" };
      const f = fut(after);
      if (!f) return { ok: null, message: "could not read /positions" };
      return f.untracked.length === 0
        ? { ok: true, message: "no untracked positions remain" }
        : { ok: false, message: `${plural(f.untracked.length, "untracked position")} remain` };
    },
  }),
  define<PlanParams>({
    id: "recover-sl-order-ids",
    kind: "futures-bot",
    title: "Stop-loss order-id recovery",
    summary:
      "Dry run first: the bot lists positions whose stop-loss id it can recover from resting exchange stops (or must place). Then execute that plan.",
    source: "Runbook: Missing stop-loss / take-profit orders",
    fields: [
      { name: "execute", label: "Step", type: "planStep" },
      { name: "planId", label: "Plan ID (from the dry run)", type: "planId", showWhen: notPlan },
    ],
    schema: planSchema,
    variant: (p) => (p.execute ? "recover-sl-order-ids:execute" : "recover-sl-order-ids:plan"),
    elevated: (p) => p.execute,
    // Executing it places or links missing stop-losses: it only reduces risk.
    direction: (p) => (p.execute ? "protective" : "neutral"),
    confirmFor: (p, target) => (p.execute ? target : null),
    preview(state, p) {
      const f = fut(state);
      const missing = f
        ? `${plural(f.stopLossMissing, "position")} without a stop-loss id`
        : "stop-loss coverage unknown";
      return p.execute
        ? { change: `executes plan ${p.planId}: ${missing}`, notes: [] }
        : { change: `dry run: ${missing}; nothing changes`, notes: [] };
    },
    verify(after, p) {
      if (!p.execute) return { ok: null, message: "dry run: nothing to verify" };
      const f = fut(after);
      if (!f) return { ok: null, message: "could not read /positions" };
      return f.stopLossMissing === 0
        ? { ok: true, message: "every position has a stop-loss id" }
        : { ok: false, message: `${plural(f.stopLossMissing, "position")} still without a stop-loss id` };
    },
  }),
  define({
    id: "kill-switch",
    kind: "futures-bot",
    title: "Activate the kill switch",
    summary: "Halt all trading (reason manual). It does not clear on its own.",
    source: "Runbooks: Persistent qty_mismatch, Kill switch recovery",
    fields: [],
    schema: z.object({}).strict(),
    variant: () => "kill-switch",
    elevated: () => true,
    direction: () => "protective",
    subject: () => "kill-switch",
    watch: () => ({ kind: "kill-switch" }),
    confirmFor: (_p, target) => target,
    preview(state, _p, target) {
      const f = fut(state);
      if (!f) return { change: `${target}: → halted (kill switch, reason manual)`, notes: [] };
      const ks = f.killSwitch.active
        ? `kill switch already active (${f.killSwitch.reason ?? "?"})`
        : `${f.status} → halted (kill switch, reason manual)`;
      const exposure = sumOf(f.positions.map((x) => x.notionalUsd));
      const blast: BlastFact[] = [{ label: "open positions", value: String(f.positions.length) }];
      if (exposure !== undefined) blast.push({ label: "exposure", value: fmtUsd(exposure) });
      return {
        change: `${target}: ${ks}; ${plural(f.positions.length, "position")} stay open`,
        notes: ["does not auto-clear: a restart is needed to trade again"],
        blast,
      };
    },
    verify(after) {
      const f = fut(after);
      if (!f) return { ok: null, message: "could not read /status" };
      return f.killSwitch.active
        ? { ok: true, message: `kill switch active (reason ${f.killSwitch.reason ?? "?"}); status ${f.status}` }
        : { ok: false, message: `target still reports status ${f.status}, kill switch off` };
    },
  }),
];

export function controlsFor(kind: string): ControlDef[] {
  return CONTROLS.filter((c) => c.kind === kind);
}

export function findControl(kind: string, id: string): ControlDef | undefined {
  return CONTROLS.find((c) => c.kind === kind && c.id === id);
}

/** Control settings from the fleet config (`controls.criticalControls`, `secondPerson`, `policy`). */
export function settingsFromConfig(controls: {
  criticalControls?: readonly string[];
  secondPerson?: boolean;
  policy?: Readonly<Record<string, PolicyOverride>>;
}): ControlSettings {
  return {
    critical: controls.criticalControls ?? DEFAULT_SETTINGS.critical,
    secondPerson: controls.secondPerson ?? DEFAULT_SETTINGS.secondPerson,
    policy: controls.policy ?? {},
  };
}

/** The fleet config's override for this variant: `control:variant` wins over `control`. */
function overrideFor(settings: ControlSettings, def: ControlDef, variant: string): PolicyOverride | undefined {
  const byControl = settings.policy[def.id];
  const byVariant = variant !== def.id ? settings.policy[variant] : undefined;
  return byControl || byVariant ? { ...byControl, ...byVariant } : undefined;
}

/**
 * The policy for these (already parsed) params on this target. By direction:
 * - protective: one responder runs it at once (a commander when it acts on a whole system: every
 *   symbol, the exchange's withdrawals); a halt must not wait for a second person;
 * - restoring: a commander, and a second person approves before anything is sent;
 * - neutral: one responder (a commander for a whole system).
 * The fleet config's `controls.policy` can change the role, the second person and the watch per
 * control or variant; `secondPerson: false` in the settings turns every approval off.
 */
export function policyFor(
  def: ControlDef,
  params: Record<string, unknown>,
  target: string,
  settings: ControlSettings = DEFAULT_SETTINGS,
): ControlPolicy {
  const variant = def.variant(params);
  const critical = settings.critical.includes(variant) || settings.critical.includes(def.id);
  const tier: Tier = critical ? "critical" : def.elevated(params) ? "elevated" : "standard";
  const wide = def.wide?.(params) ?? false;
  const direction = def.direction(params);
  const subject = typeof params.symbol === "string" && !wide ? params.symbol : target;
  const o = overrideFor(settings, def, variant);
  const watchable = def.watch?.(params) ?? null;
  const defaultRole: Role = direction === "restoring" || wide ? "commander" : "responder";
  return {
    variant,
    direction,
    tier,
    role: o?.role ?? defaultRole,
    secondPerson: settings.secondPerson && (o?.secondPerson ?? direction === "restoring"),
    confirm: critical ? subject : def.confirmFor(params, target),
    watchMinutes: watchable ? (o?.watchMinutes ?? DEFAULT_WATCH_MINUTES) : 0,
    source:
      o && (o.role !== undefined || o.secondPerson !== undefined || o.watchMinutes !== undefined)
        ? "config"
        : "default",
  };
}

/** Every variant a control can take, with example params (for the policy table and minRoleFor). */
export function variantsOf(def: ControlDef): { variant: string; params: Record<string, unknown> }[] {
  const examples: Record<string, Record<string, unknown>[]> = {
    "symbol-mode": [
      ...SYMBOL_MODES.map((mode) => ({ symbol: "X", mode })),
      ...SYMBOL_MODES.map((mode) => ({ scope: "all", mode })),
    ],
    "withdrawals-halt": [{ on: true }, { on: false }],
    "symbol-throttle": [
      { symbol: "X", ordersPerSecond: 10 },
      { symbol: "X", off: true },
    ],
    "subscription-rate-limit": [{ on: true }, { on: false }],
    conflation: [{ on: true }, { on: false }],
    "sync-positions": [{ execute: false }, { execute: true, planId: "p" }],
    "recover-sl-order-ids": [{ execute: false }, { execute: true, planId: "p" }],
  };
  const list = examples[def.id] ?? [{ symbol: "X", profileId: "p", orderId: "o", depth: 20 }];
  const out = new Map<string, Record<string, unknown>>();
  for (const params of list) {
    const v = def.variant(params);
    const key = def.wide?.(params) && def.id === "symbol-mode" ? `${v} (every symbol)` : v;
    if (!out.has(key)) out.set(key, params);
  }
  return [...out].map(([variant, params]) => ({ variant, params }));
}

/** One row of the policy table the Controls screen shows: what each variant needs under this config. */
export interface PolicyRow {
  kind: string;
  control: string;
  title: string;
  variant: string;
  direction: Direction;
  role: Role;
  secondPerson: boolean;
  watchMinutes: number;
  source: "default" | "config";
}

export function policyTable(settings: ControlSettings = DEFAULT_SETTINGS): PolicyRow[] {
  return CONTROLS.flatMap((def) =>
    variantsOf(def).map(({ variant, params }) => {
      const p = policyFor(def, params, "system", settings);
      return {
        kind: def.kind,
        control: def.id,
        title: def.title,
        variant,
        direction: p.direction,
        role: p.role,
        secondPerson: p.secondPerson,
        watchMinutes: p.watchMinutes,
        source: p.source,
      };
    }),
  );
}

/** The lowest role that can run at least one variant of the control (hide it from roles below). */
export function minRoleFor(def: ControlDef, settings: ControlSettings = DEFAULT_SETTINGS): Role {
  let low: Role = "admin";
  for (const { params } of variantsOf(def)) {
    const r = policyFor(def, params, "system", settings).role;
    if (ROLES.indexOf(r) < ROLES.indexOf(low)) low = r;
  }
  return low;
}

/**
 * Problems with the fleet config's `controls.policy` and `controls.criticalControls` keys, each
 * naming its path: an unknown control or variant would otherwise be ignored silently.
 */
export function validatePolicyKeys(keys: readonly string[], path = "controls.policy"): string[] {
  const known = new Set<string>();
  for (const def of CONTROLS) {
    known.add(def.id);
    for (const { params } of variantsOf(def)) known.add(def.variant(params));
  }
  return keys
    .filter((k) => !known.has(k))
    .map((k) => `${path}.${k}: unknown control or variant (known: ${[...known].sort().join(", ")})`);
}

/**
 * Turns form strings (or JSON) into typed params by field type: "on"/"off" → boolean, digits →
 * number, "execute"/"plan" → boolean. Unknown shapes are left for the schema to reject.
 */
export function coerceParams(def: ControlDef, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A field the form hides for these values (the symbol when the scope is every symbol) is not sent.
  const asText = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v.trim().toLowerCase() : String(v)]),
  );
  for (const f of def.fields) {
    const v = raw[f.name];
    if (v === undefined || v === null || v === "") continue;
    if (f.showWhen && !f.showWhen(asText)) continue;
    switch (f.type) {
      case "onoff":
        out[f.name] =
          v === "on" || v === "true" || v === true ? true : v === "off" || v === "false" || v === false ? false : v;
        break;
      case "planStep":
        out[f.name] =
          v === "execute" || v === "true" || v === true
            ? true
            : v === "plan" || v === "false" || v === false
              ? false
              : v;
        break;
      case "depth":
      case "rate":
        out[f.name] = typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
        break;
      case "planId":
        if (raw.execute === "plan" || raw.execute === false || raw.execute === "false") break; // a plan id means nothing on a dry run
        out[f.name] = typeof v === "string" ? v.trim() : v;
        break;
      case "scope":
        out[f.name] = typeof v === "string" ? v.trim().toLowerCase() : v;
        break;
      case "mode":
      case "symbol":
        out[f.name] = typeof v === "string" ? v.trim().toUpperCase() : v;
        break;
      default:
        out[f.name] = typeof v === "string" ? v.trim() : v;
    }
  }
  return out;
}

/**
 * A request in words, its parameters included and none left blank: "Set symbol mode: BTC-USD →
 * CANCEL_ONLY", "Set symbol mode: every symbol → SOFT_HALT", "Halt withdrawals: on". For titles
 * and timelines that would otherwise print a template with an empty slot.
 */
export function describeRequest(kind: string, control: string, params: Record<string, unknown>): string {
  const def = findControl(kind, control);
  const title = def?.title ?? control;
  const text = (v: unknown) =>
    v === true
      ? "on"
      : v === false
        ? "off"
        : typeof v === "string"
          ? v.trim()
          : v === undefined || v === null
            ? ""
            : JSON.stringify(v);
  if (control === "symbol-mode") {
    const who = params.scope === "all" ? "every symbol" : text(params.symbol);
    const mode = text(params.mode);
    return [title, [who, mode].filter(Boolean).join(" → ")].filter(Boolean).join(": ");
  }
  if (control === "symbol-throttle") {
    const to =
      params.off === true || params.on === false
        ? "off"
        : params.ordersPerSecond !== undefined
          ? `${text(params.ordersPerSecond)} new orders a second`
          : "";
    return [title, [text(params.symbol), to].filter(Boolean).join(" → ")].filter(Boolean).join(": ");
  }
  if (control === "subscription-rate-limit") {
    const to =
      params.on === false
        ? "off"
        : params.on === true
          ? `on${params.perMinute !== undefined ? ` (${text(params.perMinute)} a minute per connection)` : ""}`
          : "";
    return to ? `${title}: ${to}` : title;
  }
  if (control === "sync-positions" || control === "recover-sl-order-ids") {
    return `${title}: ${params.execute === true ? `execute plan ${text(params.planId) || "(no plan id)"}` : "dry run"}`;
  }
  const values = Object.values(params).map(text).filter(Boolean);
  return values.length ? `${title}: ${values.join(", ")}` : title;
}

/** "params.symbol: choose a symbol" style issues from a schema failure. */
export function paramIssues(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of err.issues) (out[["params", ...i.path.map(String)].join(".")] ??= []).push(i.message);
  return out;
}

/** Reason rule: at least 10 non-blank characters. */
export function reasonProblem(reason: unknown): string | null {
  if (typeof reason !== "string" || reason.replace(/\s/g, "").length < 10)
    return "give a reason of at least 10 non-blank characters";
  if (reason.length > 2000) return "keep the reason under 2000 characters";
  return null;
}

/**
 * The link for a ticket ID from the fleet config's `controls.ticketUrlTemplate` (`{id}` replaced by
 * the URL-encoded ID), or null when no template is configured or the ID is empty.
 */
export function ticketHref(template: string | undefined | null, id: string | null | undefined): string | null {
  if (!template || !id || !id.trim()) return null;
  return template.split("{id}").join(encodeURIComponent(id.trim()));
}
