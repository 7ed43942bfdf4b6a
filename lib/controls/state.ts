import { FuturesPositions, FuturesStatus } from "../telemetry/sources/schemas/futures-bot";
import { SpotAdminState } from "../telemetry/sources/schemas/spot-exchange";
import { TradingBotHealth } from "../telemetry/sources/schemas/trading-bot";

// The slice of each target's state that control previews and verification read (spot
// /admin/state, trading-bot /internal/health, futures /status + /positions). The documents are
// parsed with the same schemas the collector polls them with (telemetry/sources/schemas/), so a
// target's state means the same thing on the board and in a control preview. Those schemas let
// any field be absent (no sample); a control needs some of them, so their absence is named here.
// Pure: the HTTP reads live in target-client.ts.

/** The value, or an error naming the field a control needs and the target did not report. */
function need<T>(value: T | null | undefined, path: string): T {
  if (value === null || value === undefined) throw new Error(`${path}: not reported`);
  return value;
}

export interface SpotState {
  kind: "spot-exchange";
  symbols: {
    symbol: string;
    mode: string;
    openOrders: number;
    tradesLastSecond: number;
    /** Blast-radius facts; absent when the exchange does not report them. */
    openOrdersNotionalUsd?: number;
    tradesLastMinute?: number;
    restingBidsUsd?: number;
    restingAsksUsd?: number;
    /** New orders a second the symbol accepts: a number while throttled, null when not; absent: not reported. */
    throttle?: number | null;
    newOrdersLastSecond?: number;
  }[];
  withdrawalsHalted: boolean;
  pendingWithdrawals?: { count: number; amountUsd: number };
  conflation: boolean;
  bookDepthDefault: number;
  websocketClients?: number;
  /** Per-connection subscription operations a minute: now and the exchange's normal limit (absent: not reported). */
  subscriptionLimit?: { perMinute: number; normalPerMinute?: number };
  /** Settlement lag p99 and the exchange's T2 (absent: not reported). */
  settlement?: { lagP99Seconds: number; t2Seconds?: number };
}
export interface TradingBotState {
  kind: "trading-bot";
  profiles: {
    profile_id: string;
    status: string;
    available_capital?: number;
    reserved_for_orders?: number;
    reserved_for_positions?: number;
    capitalInvariantViolations?: number;
    reconciliationLock?: unknown;
    openPositions?: number;
    exposureUsd?: number;
    /** Lifecycle slices whose quantity differs from the exchange (the parity heartbeat). */
    parityMismatched?: number;
  }[];
  quarantinedOrders: { orderId: string; since?: string }[];
}
export interface FuturesState {
  kind: "futures-bot";
  status: string;
  killSwitch: { active: boolean; reason?: string | null };
  positions: { symbol: string; slOrderId?: string | null; onExchange?: boolean; notionalUsd?: number }[];
  untracked: { symbol: string }[];
  stopLossMissing: number;
}
export type TargetState = SpotState | TradingBotState | FuturesState;

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

export function parseSpotState(body: unknown): SpotState {
  const s = SpotAdminState.parse(body);
  return {
    kind: "spot-exchange",
    symbols: need(s.symbols, "symbols").map((x, i) => ({
      symbol: x.symbol,
      mode: need(x.mode, `symbols[${i}].mode`),
      openOrders: need(x.openOrders, `symbols[${i}].openOrders`),
      tradesLastSecond: x.tradesLastSecond ?? 0,
      ...defined({
        openOrdersNotionalUsd: x.openOrdersNotionalUsd ?? undefined,
        tradesLastMinute: x.tradesLastMinute ?? undefined,
        restingBidsUsd: x.restingLiquidityUsd?.bids ?? undefined,
        restingAsksUsd: x.restingLiquidityUsd?.asks ?? undefined,
        newOrdersLastSecond: x.newOrdersLastSecond ?? undefined,
      }),
      // null is "not throttled"; absent is "not reported".
      ...(x.throttleOrdersPerSecond !== undefined ? { throttle: x.throttleOrdersPerSecond } : {}),
    })),
    withdrawalsHalted: need(s.withdrawalsHalted, "withdrawalsHalted"),
    ...(s.pendingWithdrawals && s.pendingWithdrawals.count != null && s.pendingWithdrawals.amountUsd != null
      ? { pendingWithdrawals: { count: s.pendingWithdrawals.count, amountUsd: s.pendingWithdrawals.amountUsd } }
      : {}),
    conflation: need(s.conflation, "conflation"),
    bookDepthDefault: need(s.bookDepthDefault, "bookDepthDefault"),
    websocketClients: s.websocket?.clients ?? undefined,
    ...(s.websocket?.subscriptionLimitPerMinute != null
      ? {
          subscriptionLimit: {
            perMinute: s.websocket.subscriptionLimitPerMinute,
            ...(s.websocket.subscriptionLimitNormalPerMinute != null
              ? { normalPerMinute: s.websocket.subscriptionLimitNormalPerMinute }
              : {}),
          },
        }
      : {}),
    ...(s.settlement?.lagP99Seconds != null
      ? {
          settlement: {
            lagP99Seconds: s.settlement.lagP99Seconds,
            ...(s.settlement.t2Seconds != null ? { t2Seconds: s.settlement.t2Seconds } : {}),
          },
        }
      : {}),
  };
}

export function parseBotState(body: unknown): TradingBotState {
  const h = TradingBotHealth.parse(body);
  return {
    kind: "trading-bot",
    profiles: need(h.profiles, "profiles").map((p, i) =>
      defined({
        profile_id: p.profile_id,
        status: need(p.status, `profiles[${i}].status`),
        available_capital: p.available_capital ?? undefined,
        reserved_for_orders: p.reserved_for_orders ?? undefined,
        reserved_for_positions: p.reserved_for_positions ?? undefined,
        capitalInvariantViolations: p.capitalInvariantViolations ?? undefined,
        reconciliationLock: p.reconciliationLock ?? undefined,
        openPositions: p.openSlices ?? undefined,
        parityMismatched: p.parity?.mismatchedSlices ?? undefined,
        exposureUsd: p.exposureUsd ?? undefined,
      }),
    ),
    quarantinedOrders: (h.quarantinedOrders ?? []).map((q, i) =>
      defined({ orderId: need(q.orderId, `quarantinedOrders[${i}].orderId`), since: q.since ?? undefined }),
    ),
  };
}

export function parseFuturesState(status: unknown, positions: unknown): FuturesState {
  const s = FuturesStatus.parse(status);
  const p = FuturesPositions.parse(positions);
  const killSwitch = need(s.killSwitch, "killSwitch");
  // slOrderId: null is "this position has no stop-loss order", absent is "not reported".
  const held = need(p.positions, "positions").map((x) => {
    const pos: FuturesState["positions"][number] = { symbol: x.symbol };
    if (x.slOrderId !== undefined) pos.slOrderId = x.slOrderId;
    if (typeof x.onExchange === "boolean") pos.onExchange = x.onExchange;
    const price = x.markPrice ?? x.entryPrice;
    if (x.qty != null && price != null) pos.notionalUsd = Math.abs(x.qty * price);
    return pos;
  });
  return {
    kind: "futures-bot",
    status: need(s.status, "status"),
    killSwitch: { active: need(killSwitch.active, "killSwitch.active"), reason: killSwitch.reason },
    positions: held,
    untracked: (p.untracked ?? []).map((u) => ({ symbol: u.symbol })),
    stopLossMissing: held.filter((x) => !x.slOrderId).length,
  };
}

/** Names a target offers for a control form's suggestions (symbols, profiles, quarantinable orders). */
export function choicesOf(state: TargetState): { symbols: string[]; profiles: string[] } {
  if (state.kind === "spot-exchange") return { symbols: state.symbols.map((s) => s.symbol), profiles: [] };
  if (state.kind === "trading-bot") return { symbols: [], profiles: state.profiles.map((p) => p.profile_id) };
  return { symbols: [], profiles: [] };
}
