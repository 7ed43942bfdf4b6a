// Scenarios for the futures bot, one per playbook and troubleshooting entry in seed 003.

import { defineScenario } from "../core/system";
import { MINUTE, SECOND, round6 } from "../core/util";
import type { FuturesBot } from "../systems/futures-bot";

const EXTRA_SYMBOLS = ["PF_LTCUSD", "PF_DOTUSD", "PF_LINKUSD", "PF_AVAXUSD", "PF_DOGEUSD"];

function freeSymbols(sys: FuturesBot): string[] {
  return EXTRA_SYMBOLS.filter(
    (s) => !sys.registry.has(s) && !sys.exchangePositions.has(s) && !sys.cfg.coins.includes(s),
  );
}

function addOrphan(sys: FuturesBot, symbol: string): void {
  const price = sys.prices.get(symbol);
  sys.exchangePositions.set(symbol, {
    symbol,
    side: "long",
    qty: round6(2500 / price),
    entryPrice: price,
    pinned: true,
  });
}

function addPhantom(sys: FuturesBot, symbol: string): void {
  const price = sys.prices.get(symbol);
  sys.registry.set(symbol, {
    positionId: sys.nextId("pos"),
    symbol,
    side: "short",
    qty: round6(1800 / price),
    entryPrice: price,
    slOrderId: null,
    tpOrderId: null,
    openedAt: sys.clock.now(),
    pinned: true,
  });
}

function removeSymbols(sys: FuturesBot, symbols: string[]): void {
  for (const s of symbols) {
    sys.registry.delete(s);
    sys.exchangePositions.delete(s);
    for (const o of [...sys.exchangeOrders.values()]) if (o.symbol === s) sys.exchangeOrders.delete(o.orderId);
  }
}

export const futuresBotScenarios = [
  defineScenario<FuturesBot>({
    name: "kill-switch-margin",
    kind: "futures-bot",
    seed: "003",
    playbook: "Kill switch recovery: margin_critical",
    description:
      "An adverse move raises margin usage past max_margin_utilization_pct; the kill switch activates with reason margin_critical and clears on its own once margin drops.",
    recovery: "self",
    recoveryNote: "Auto-recovers when auction_max_margin_util falls 5 points below the limit.",
    steps: [
      {
        at: 0,
        label: "Margin usage climbs (adverse price move).",
        run: (sys) => void (sys.marginExtraPct = sys.cfg.maxMarginUtilizationPct * 0.5),
      },
      {
        at: MINUTE,
        label:
          "Margin over the limit: KILL_SWITCH_ACTIVATED reason margin_critical at the next cycle; THRESHOLD_MISMATCH logged for the auction limit.",
        run: (sys) => {
          sys.marginExtraPct = sys.cfg.maxMarginUtilizationPct + 10;
          sys.emit("THRESHOLD_MISMATCH", {
            parameter: "auction_max_margin_util",
            value: sys.cfg.maxMarginUtilizationPct + 7,
            safety_parameter: "max_margin_utilization_pct",
            safety_value: sys.cfg.maxMarginUtilizationPct,
            message: "auction margin limit configured above the safety limit",
          });
        },
      },
      {
        at: 6 * MINUTE,
        label: "Positions de-risked, margin falls: KILL_SWITCH_CLEARED at the next cycle; status running.",
        run: (sys) => void (sys.marginExtraPct = 0),
      },
    ],
    stop: (sys) => void (sys.marginExtraPct = 0),
  }),
  defineScenario<FuturesBot>({
    name: "kill-switch-invariant",
    kind: "futures-bot",
    seed: "003",
    playbook: "Kill switch recovery: invariant_violation",
    description:
      "A safety invariant breaks; INVARIANT_VIOLATION then KILL_SWITCH_ACTIVATED with reason invariant_violation. It does not clear on its own.",
    recovery: "none",
    recoveryNote: "Fix the root cause and restart (stopping the scenario restarts the bot).",
    steps: [
      {
        at: 0,
        label:
          "INVARIANT_VIOLATION (position notional over limit) and KILL_SWITCH_ACTIVATED reason invariant_violation.",
        run: (sys) => {
          const symbol = sys.cfg.coins[0] as string;
          sys.emit("INVARIANT_VIOLATION", {
            invariant: "max_position_notional",
            symbol,
            limit_usd: 25_000,
            actual_usd: 31_840,
          });
          sys.activateKill("invariant_violation", { invariant: "max_position_notional", symbol });
        },
      },
      { at: 30 * MINUTE, label: "Still halted; no KILL_SWITCH_CLEARED." },
    ],
    stop: (sys) => sys.restart(),
  }),
  defineScenario<FuturesBot>({
    name: "circuit-breaker-open",
    kind: "futures-bot",
    seed: "003",
    playbook: "Circuit breaker open",
    description:
      "The exchange API stops answering; after three failed calls the breaker opens (API circuit breaker OPENED), probes every 60 s, and closes once the API is back.",
    recovery: "self",
    recoveryNote: "API returns after 4 minutes; the next probe closes the breaker.",
    steps: [
      { at: 0, label: "Exchange API outage begins.", run: (sys) => void (sys.apiOutage = true) },
      {
        at: 30 * SECOND,
        label:
          'API_CIRCUIT_BREAKER_OPENED (message "API circuit breaker OPENED"); decisions report circuit_breaker_open.',
      },
      { at: 90 * SECOND, label: "Probe fails: API_CIRCUIT_BREAKER_OPENED again with probe_failed true." },
      {
        at: 4 * MINUTE,
        label: "API back; the next probe emits API_CIRCUIT_BREAKER_CLOSED.",
        run: (sys) => void (sys.apiOutage = false),
      },
    ],
    stop: (sys) => void (sys.apiOutage = false),
  }),
  defineScenario<FuturesBot>({
    name: "registry-audit-failure",
    kind: "futures-bot",
    seed: "003",
    playbook: "Registry audit failure (violations_total > 0)",
    description:
      "A restart merges a corrupted registry: RECOVERY_MERGE_COLLISION and CORRUPTED_POSITION, then REGISTRY_AUDIT_REPORT with violations_total > 0; startup fails fast and the service stays stopped.",
    recovery: "none",
    recoveryNote: "Keep the service stopped; stopping the scenario repairs the registry and restarts cleanly.",
    steps: [
      {
        at: 0,
        label: "Restart with a corrupted registry: collision, corrupted position, failing audit; status stopped.",
        run: (sys) => {
          const symbol = sys.cfg.coins[0] as string;
          sys.corruption = { duplicateActiveSymbolKeys: 1, nonTerminalInClosedHistory: 1, remainingQtyViolations: 1 };
          sys.emit("RECOVERY_MERGE_COLLISION", {
            symbol_key: symbol,
            kept_position_id: sys.nextId("pos"),
            dropped_position_id: sys.nextId("pos"),
            source: "startup_merge",
          });
          sys.emit("CORRUPTED_POSITION", {
            symbol,
            position_id: sys.nextId("pos"),
            reason: "remaining_qty_negative",
            remaining_qty: -0.012,
          });
          sys.restart();
        },
      },
      { at: 10 * MINUTE, label: "Still stopped: no CYCLE_SUMMARY or RECONCILIATION_REPORT." },
    ],
    stop: (sys) => {
      sys.corruption = { duplicateActiveSymbolKeys: 0, nonTerminalInClosedHistory: 0, remainingQtyViolations: 0 };
      sys.restart();
    },
  }),
  defineScenario<FuturesBot>({
    name: "orphan-phantom-spike",
    kind: "futures-bot",
    seed: "003",
    playbook: "Orphan/phantom spike",
    description:
      "Order-stream lag: exchange positions appear that the registry lacks (orphaned) and registry entries lose their exchange position (phantom); counts reach the critical threshold (>= 3 in 15 minutes).",
    recovery: "control",
    recoveryNote:
      "sync-positions (dry-run, then execute with the planId) imports orphans and closes phantoms; the next reports trend to zero.",
    steps: [
      {
        at: 0,
        label: "First orphaned exchange position.",
        run: (sys, ctx) => {
          const free = freeSymbols(sys);
          ctx.state.symbols = free.slice(0, 5);
          addOrphan(sys, free[0] as string);
        },
      },
      {
        at: 30 * SECOND,
        label: "First phantom registry entry.",
        run: (sys, ctx) => addPhantom(sys, (ctx.state.symbols as string[])[1] as string),
      },
      {
        at: MINUTE,
        label: "Second orphan: RECONCILIATION_REPORT orphaned 2, phantom 1.",
        run: (sys, ctx) => addOrphan(sys, (ctx.state.symbols as string[])[2] as string),
      },
      {
        at: 2 * MINUTE,
        label: "Third orphan: critical threshold reached.",
        run: (sys, ctx) => addOrphan(sys, (ctx.state.symbols as string[])[3] as string),
      },
      {
        at: 150 * SECOND,
        label: "Second phantom.",
        run: (sys, ctx) => addPhantom(sys, (ctx.state.symbols as string[])[4] as string),
      },
    ],
    stop: (sys, ctx) => removeSymbols(sys, (ctx.state.symbols as string[]) ?? []),
  }),
  defineScenario<FuturesBot>({
    name: "qty-mismatch-persistent",
    kind: "futures-bot",
    seed: "003",
    playbook: "Persistent qty_mismatch",
    description:
      "Symbol format drift (PF_* vs unified symbol) makes one position's registry quantity differ from the exchange every cycle; qty_mismatch and qty_synced stay at 1 for 3+ cycles.",
    recovery: "control",
    recoveryNote:
      "Halt (kill-switch) and investigate replay/persistence state; stopping the scenario removes the drift.",
    steps: [
      {
        at: 0,
        label: "Position whose registry qty (0.5x) differs from the exchange qty, with symbol drift.",
        run: (sys, ctx) => {
          const symbol = freeSymbols(sys)[0] as string;
          ctx.state.symbol = symbol;
          const pos = sys.open(symbol, "long", { qty: round6(4000 / sys.prices.get(symbol)), pinned: true });
          if (pos) pos.qty = round6(pos.qty * 0.5);
          sys.qtyDrift.add(symbol);
        },
      },
      { at: 3 * MINUTE, label: "Three consecutive RECONCILIATION_REPORTs with qty_mismatch >= 1 (critical)." },
    ],
    stop: (sys, ctx) => {
      const s = ctx.state.symbol as string;
      sys.qtyDrift.delete(s);
      removeSymbols(sys, [s]);
    },
  }),
  defineScenario<FuturesBot>({
    name: "high-dedupe",
    kind: "futures-bot",
    seed: "003",
    playbook: "High dedupe with low new adjustments",
    description:
      "After a replay the same adjustments are emitted again and again: state_adjustments_deduped dominates state_adjustments_logged for 40 minutes.",
    recovery: "self",
    recoveryNote: "Usually benign; it subsides after 40 minutes (stale snapshot refreshed).",
    steps: [
      {
        at: 0,
        label: "Replayed adjustments: deduped 30-60 per cycle, logged 0-1.",
        run: (sys) => void (sys.dedupePressure = true),
      },
      { at: 30 * MINUTE, label: "Deduped has dominated for 30 minutes (review the event feed)." },
      {
        at: 40 * MINUTE,
        label: "Snapshot refreshed; dedupe back to normal.",
        run: (sys) => void (sys.dedupePressure = false),
      },
    ],
    stop: (sys) => void (sys.dedupePressure = false),
  }),
  defineScenario<FuturesBot>({
    name: "untracked-position",
    kind: "futures-bot",
    seed: "003",
    playbook: "Position not tracked / position import",
    description:
      "The exchange holds a position the registry does not track: /positions lists it as untracked and each RECONCILIATION_REPORT shows orphaned 1.",
    recovery: "control",
    recoveryNote: "sync-positions with execute imports it and places a protective stop.",
    steps: [
      {
        at: 0,
        label: "Untracked exchange position appears.",
        run: (sys, ctx) => {
          const s = freeSymbols(sys)[0] as string;
          ctx.state.symbol = s;
          addOrphan(sys, s);
        },
      },
      { at: MINUTE, label: "RECONCILIATION_REPORT orphaned 1; /positions untracked lists the symbol." },
    ],
    stop: (sys, ctx) => removeSymbols(sys, [ctx.state.symbol as string]),
  }),
  defineScenario<FuturesBot>({
    name: "missing-stop-loss",
    kind: "futures-bot",
    seed: "003",
    playbook: "Missing stop-loss / take-profit orders",
    description:
      "Two positions lose their stop-loss order ids (the stop orders still rest on the exchange) and one also lacks a take-profit order; /positions shows the coverage gaps.",
    recovery: "control",
    recoveryNote:
      "recover-sl-order-ids with execute restores the stop-loss ids; TP gaps stay visible in the coverage report.",
    steps: [
      {
        at: 0,
        label: "Two positions with slOrderId null, one with tpOrderId null.",
        run: (sys, ctx) => {
          const free = freeSymbols(sys).slice(0, 2);
          ctx.state.symbols = free;
          free.forEach((s, i) => {
            const pos = sys.open(s, "long", { qty: round6(3000 / sys.prices.get(s)), pinned: true });
            if (!pos) return;
            pos.slOrderId = null;
            if (i === 0 && pos.tpOrderId) {
              sys.exchangeOrders.delete(pos.tpOrderId);
              pos.tpOrderId = null;
            }
          });
        },
      },
    ],
    stop: (sys, ctx) => removeSymbols(sys, (ctx.state.symbols as string[]) ?? []),
  }),
];
