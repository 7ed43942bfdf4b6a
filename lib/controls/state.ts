import { z } from "zod";

// The slice of each target's state that control previews and verification read, parsed at the
// boundary (spot /admin/state, trading-bot /internal/health, futures /status + /positions).
// Pure: the HTTP reads live in target-client.ts.

const SpotAdminState = z.object({
  symbols: z.array(
    z.object({
      symbol: z.string(),
      mode: z.string(),
      openOrders: z.number(),
      tradesLastSecond: z.number().default(0),
    }),
  ),
  withdrawalsHalted: z.boolean(),
  conflation: z.boolean(),
  bookDepthDefault: z.number(),
  websocket: z.object({ clients: z.number() }).partial().optional(),
});

const BotHealth = z.object({
  profiles: z.array(
    z.object({
      profile_id: z.string(),
      status: z.string(),
      available_capital: z.number().optional(),
      reserved_for_orders: z.number().optional(),
      reserved_for_positions: z.number().optional(),
      capitalInvariantViolations: z.number().optional(),
      reconciliationLock: z.unknown().optional(),
    }),
  ),
  quarantinedOrders: z.array(z.object({ orderId: z.string(), since: z.string().optional() })).default([]),
});

const FuturesStatus = z.object({
  status: z.string(),
  killSwitch: z.object({ active: z.boolean(), reason: z.string().nullable().optional() }),
});
const FuturesPositions = z.object({
  positions: z.array(z.object({ symbol: z.string(), slOrderId: z.string().nullable().optional(), onExchange: z.boolean().optional() })),
  untracked: z.array(z.object({ symbol: z.string() })).default([]),
});

export interface SpotState {
  kind: "spot-exchange";
  symbols: { symbol: string; mode: string; openOrders: number; tradesLastSecond: number }[];
  withdrawalsHalted: boolean;
  conflation: boolean;
  bookDepthDefault: number;
  websocketClients?: number;
}
export interface TradingBotState {
  kind: "trading-bot";
  profiles: z.infer<typeof BotHealth>["profiles"];
  quarantinedOrders: { orderId: string; since?: string }[];
}
export interface FuturesState {
  kind: "futures-bot";
  status: string;
  killSwitch: { active: boolean; reason?: string | null };
  positions: { symbol: string; slOrderId?: string | null; onExchange?: boolean }[];
  untracked: { symbol: string }[];
  stopLossMissing: number;
}
export type TargetState = SpotState | TradingBotState | FuturesState;

export function parseSpotState(body: unknown): SpotState {
  const s = SpotAdminState.parse(body);
  return { kind: "spot-exchange", symbols: s.symbols, withdrawalsHalted: s.withdrawalsHalted, conflation: s.conflation, bookDepthDefault: s.bookDepthDefault, websocketClients: s.websocket?.clients };
}

export function parseBotState(body: unknown): TradingBotState {
  const h = BotHealth.parse(body);
  return { kind: "trading-bot", profiles: h.profiles, quarantinedOrders: h.quarantinedOrders };
}

export function parseFuturesState(status: unknown, positions: unknown): FuturesState {
  const s = FuturesStatus.parse(status);
  const p = FuturesPositions.parse(positions);
  return {
    kind: "futures-bot",
    status: s.status,
    killSwitch: s.killSwitch,
    positions: p.positions,
    untracked: p.untracked,
    stopLossMissing: p.positions.filter((x) => !x.slOrderId).length,
  };
}

/** Names a target offers for a control form's suggestions (symbols, profiles, quarantinable orders). */
export function choicesOf(state: TargetState): { symbols: string[]; profiles: string[] } {
  if (state.kind === "spot-exchange") return { symbols: state.symbols.map((s) => s.symbol), profiles: [] };
  if (state.kind === "trading-bot") return { symbols: [], profiles: state.profiles.map((p) => p.profile_id) };
  return { symbols: [], profiles: [] };
}
