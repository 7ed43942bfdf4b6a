// Simulated multi-profile trading bot (seeds 000, 001, 002): a capital ledger per profile, a
// trading loop, a reconciliation loop with per-profile locks, the position parity heartbeat with
// its integrity watchdog, an order status sync that quarantines old orders, and an auth layer
// backed by a (simulated) Supabase.

import { z } from "zod";
import type { SystemKind } from "@/lib/telemetry/model";
import { DEFAULT_TRADING_BOT_FLAGS, type TradingBotConfig, type TradingBotFlags } from "../config";
import { accepted, rejected } from "../core/control";
import { json, type SimRequest, type SimResponse } from "../core/http";
import { PROMETHEUS_CONTENT_TYPE } from "../core/metrics";
import { SimSystem, type SystemContext } from "../core/system";
import { EventLog, HOUR, MINUTE, PriceBook, SECOND, round2, round6, type LogEvent } from "../core/util";
import { capitalLedgerTable, handlePostgrest, simSupabaseKey, type PostgrestOptions } from "./postgrest";

export type OrderStatus = "pending_new" | "new" | "filled" | "cancelled" | "rejected" | "unknown";
const NON_TERMINAL: ReadonlySet<OrderStatus> = new Set(["pending_new", "new"]);

export interface BotOrder {
  orderId: string;
  clientOrderId: string;
  profileId: string;
  symbol: string;
  intent: "entry" | "exit";
  qty: number;
  price: number;
  notional: number;
  status: OrderStatus;
  createdAt: number;
  updatedAt: number;
  sliceId: string | null;
  synthetic?: boolean;
}

interface ExchangeOrder {
  orderId: string;
  profileId: string;
  symbol: string;
  intent: "entry" | "exit";
  qty: number;
  price: number;
  notional: number;
  acked: boolean;
  fillAt: number;
  sliceId: string | null;
  /** Never fills (an over-allocation that reconciliation cannot repair). */
  stuck: boolean;
}

export interface ParityState {
  confirmations: number;
  state: "ok" | "confirming" | "quarantined" | "would_close";
  mismatchNotionalUsd: number;
  exchangeQty: number;
}

export interface Slice {
  sliceId: string;
  profileId: string;
  symbol: string;
  qty: number;
  entryPrice: number;
  notional: number;
  openedAt: number;
  subTag: string | null;
  exiting: boolean;
  parity: ParityState;
}

interface ExchangePosition {
  sliceId: string;
  profileId: string;
  symbol: string;
  qty: number;
  entryPrice: number;
  notional: number;
  subTag: string | null;
}

export interface ProfileState {
  id: string;
  allocated: number;
  symbols: string[];
  reservedForOrders: number;
  reservedForPositions: number;
  /**
   * Stale reservations a scenario keeps through the periodic cycles until `until` (sim time), so
   * when they self-repair is set by the scenario, not by where the cycle happened to be. An
   * operator's trigger-reconciliation clears them at once.
   */
  staleHold?: { amount: number; until: number };
  realizedPnl: number;
  status: "active" | "inactive";
  violation: { active: boolean; since: number | null; delta: number };
  lockSkipStreak: number;
  lastReconciledAt: number | null;
  /** Reconciliation handlers fail for this profile (divergence that does not self-heal). */
  handlersFail: boolean;
}

interface LockState {
  holder: string;
  since: number;
  until: number;
}

export interface WatchdogState {
  paused: boolean;
  since: number | null;
  source: "parity_watchdog" | null;
  cleanCycleStreak: number;
  lastResumeAt: number | null;
  trips: number;
}

/** An order older than this with no exchange ack counts as stale (seed 002). */
const STALE_ORDER_SLA_MS = 5 * MINUTE;
const QUARANTINE_AGE_MS = 24 * HOUR;

/** Fields every simulated document carries (the simulator's own marking, not bot telemetry). */
const HEALTH_ENVELOPE = ["system", "kind", "simulated", "time"] as const;

/**
 * The `/internal/health` fields the capital-invariant and reconciliation runbooks name, and nothing
 * else: what the `runbook` health mode serves.
 */
export const RUNBOOK_HEALTH_FIELDS = [
  "capitalInvariantViolations",
  "tradingLoopHealthy",
  "lockContentionCount",
  "reconciliationLoopHealthy",
  "reconciliationMismatchCount",
  "reconciliationMissingFromExchange",
  "reconciliationMissingInDb",
  "reconciliationLastRun",
  "reconciliationParityMismatchTrades",
  "reconciliationParityQuarantinedTrades",
  "reconciliationParityAutoClosedTrades",
  "reconciliationParityMaxMismatchNotionalUsd",
  "reconciliationParityTotalMismatchNotionalUsd",
  "reconciliationIntegrityWatchdogTriggered",
] as const;

/**
 * The `/metrics` families the runbook mode serves: those the capital-invariant and reconciliation
 * runbooks name, and the auth-failure runbook's two signals (401/403 responses, websocket auth
 * rejections) under their conventional names.
 */
export const RUNBOOK_METRIC_FAMILIES: ReadonlySet<string> = new Set([
  "capital_invariant_violations_total",
  "available_capital_gauge",
  "reconciliation_mismatch_count",
  "reconciliation_mismatch_total",
  "reconciliation_missing_from_exchange_total",
  "reconciliation_missing_in_db_total",
  "http_responses_total",
  "websocket_auth_rejections_total",
]);

export type StrayFillReason = "stale_fill" | "unknown_fill";

export class TradingBot extends SimSystem {
  readonly kind: SystemKind = "trading-bot";
  readonly flags: TradingBotFlags;
  readonly profiles = new Map<string, ProfileState>();
  readonly orders = new Map<string, BotOrder>();
  /** Fault `ignores-halt`: a paused profile keeps opening positions (the console's watch catches it). */
  ignoresHalt = false;
  readonly slices = new Map<string, Slice>();
  readonly exchangeOrders = new Map<string, ExchangeOrder>();
  readonly exchangeFills = new Map<string, { orderId: string; at: number }>();
  /**
   * Exchange fills reconciliation cannot attach to a trade: `stale_fill` predates its lifecycle
   * slice beyond RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES; `unknown_fill` carries no
   * attribution (sub_tag, deterministic client order id, trade id). They stay for the operator.
   */
  readonly strayFills: {
    fillId: string;
    profileId: string | null;
    symbol: string;
    at: number;
    reason: StrayFillReason;
  }[] = [];
  readonly exchangePositions = new Map<string, ExchangePosition>();
  readonly locks = new Map<string, LockState>();
  readonly quarantinedOrders: { orderId: string; profileId: string; symbol: string; since: string; reason: string }[] =
    [];
  readonly watchdog: WatchdogState = {
    paused: false,
    since: null,
    source: null,
    cleanCycleStreak: 0,
    lastResumeAt: null,
    trips: 0,
  };
  readonly events = new EventLog(200);
  readonly prices: PriceBook;
  /** Profiles whose orders the venue stops acknowledging (stale pending orders scenario). */
  readonly ackOutage = new Set<string>();
  supabaseDown = false;
  lockContentionCount = 0;
  private seq = 0;
  private lastCycle = {
    at: null as number | null,
    mismatch: 0,
    missingFromExchange: 0,
    missingInDb: 0,
    parityMismatchTrades: 0,
    parityMaxNotional: 0,
    parityTotalNotional: 0,
    noGo: [] as { sliceId: string; profileId: string; symbol: string; reason: string }[],
    strayFills: [] as {
      fillId: string;
      profileId: string | null;
      symbol: string;
      at: number;
      reason: StrayFillReason;
    }[],
  };
  parityAutoClosed = 0;
  parityDryRunWouldClose = 0;

  private readonly cfg: TradingBotConfig;
  private readonly m;

  constructor(ctx: SystemContext, cfg: TradingBotConfig) {
    super(ctx);
    this.cfg = cfg;
    this.flags = { ...DEFAULT_TRADING_BOT_FLAGS, ...cfg.flags };
    this.prices = new PriceBook(this.rng.fork("prices"));
    for (const p of cfg.profiles) {
      this.profiles.set(p.id, {
        id: p.id,
        allocated: p.allocated,
        symbols: p.symbols,
        reservedForOrders: 0,
        reservedForPositions: 0,
        realizedPnl: 0,
        status: "active",
        violation: { active: false, since: null, delta: 0 },
        lockSkipStreak: 0,
        lastReconciledAt: null,
        handlersFail: false,
      });
      for (const s of p.symbols) this.prices.get(s);
    }
    const r = this.metrics;
    this.m = {
      violations: r.counter(
        "capital_invariant_violations_total",
        "Capital invariant violations detected by the capital watchdog (allocated - reserved_for_orders - reserved_for_positions + realized_pnl < 0).",
        ["profile_id"],
      ),
      violationActive: r.gauge(
        "capital_invariant_violation_active",
        "1 while the capital invariant of the profile is violated.",
        ["profile_id"],
      ),
      available: r.gauge(
        "available_capital_gauge",
        "Available capital of the profile in USD (allocated - reserved_for_orders - reserved_for_positions + realized_pnl).",
        ["profile_id"],
      ),
      allocated: r.gauge("ledger_allocated_usd", "Capital allocated to the profile in USD.", ["profile_id"]),
      reservedOrders: r.gauge("ledger_reserved_for_orders_usd", "Capital reserved for open orders in USD.", [
        "profile_id",
      ]),
      reservedPositions: r.gauge("ledger_reserved_for_positions_usd", "Capital reserved for open positions in USD.", [
        "profile_id",
      ]),
      realized: r.gauge("ledger_realized_pnl_usd", "Realized profit and loss of the profile in USD.", ["profile_id"]),
      loopHealthy: r.gauge("trading_loop_healthy", "1 when the trading loop of the profile may place entries.", [
        "profile_id",
      ]),
      profileActive: r.gauge("profile_active", "1 when the profile status is active.", ["profile_id"]),
      mismatchCount: r.gauge(
        "reconciliation_mismatch_count",
        "Mismatches found by the latest reconciliation cycle.",
        [],
      ),
      mismatchTotal: r.counter(
        "reconciliation_mismatch_total",
        "Mismatches between database and exchange found by reconciliation.",
        [],
      ),
      missingFromExchange: r.counter(
        "reconciliation_missing_from_exchange_total",
        "Database orders that the exchange does not have.",
        [],
      ),
      missingInDb: r.counter(
        "reconciliation_missing_in_db_total",
        "Exchange orders or positions that the database does not have.",
        [],
      ),
      cycles: r.counter("reconciliation_cycles_total", "Reconciliation cycles run.", []),
      cycleDuration: r.histogram(
        "reconciliation_cycle_duration_seconds",
        "Duration of a reconciliation cycle.",
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ),
      lastRun: r.gauge("reconciliation_last_run_timestamp_seconds", "Unix time of the last reconciliation cycle.", []),
      loopHealthyRecon: r.gauge(
        "reconciliation_loop_healthy",
        "1 when the reconciliation loop runs for every profile.",
        [],
      ),
      lockContention: r.counter(
        "reconciliation_lock_contention_total",
        "Reconciliation attempts that found the profile lock held.",
        ["profile_id"],
      ),
      lockHeld: r.gauge(
        "reconciliation_lock_held",
        "1 while the reconciliation lock of the profile is held by another worker.",
        ["profile_id"],
      ),
      parityMismatch: r.gauge(
        "reconciliation_parity_mismatch_trades",
        "Lifecycle slices whose open quantity differs from the exchange position.",
        [],
      ),
      parityQuarantined: r.gauge(
        "reconciliation_parity_quarantined_trades",
        "Slices quarantined because they lack sub-tag attribution.",
        [],
      ),
      parityAutoClosed: r.counter(
        "reconciliation_parity_auto_closed_trades_total",
        "Ghost slices closed by a synthetic EXIT.",
        [],
      ),
      parityMax: r.gauge(
        "reconciliation_parity_max_mismatch_notional_usd",
        "Largest slice mismatch notional in the latest parity check (USD).",
        [],
      ),
      parityTotal: r.gauge(
        "reconciliation_parity_total_mismatch_notional_usd",
        "Cumulative mismatch notional in the latest parity check (USD).",
        [],
      ),
      watchdogTriggered: r.gauge(
        "reconciliation_integrity_watchdog_triggered",
        "1 while the integrity watchdog holds trading paused.",
        [],
      ),
      watchdogTrips: r.counter("reconciliation_integrity_watchdog_trips_total", "Integrity watchdog trips.", []),
      tradingPaused: r.gauge("trading_paused", "1 while new entries are paused bot-wide.", []),
      httpResponses: r.counter("http_responses_total", "HTTP responses served by the bot API, by status code.", [
        "code",
      ]),
      wsRejections: r.counter(
        "websocket_auth_rejections_total",
        "Websocket connections rejected at authentication.",
        [],
      ),
      stale: r.gauge("stale_pending_orders", "Non-terminal orders older than the order SLA, by profile.", [
        "profile_id",
      ]),
      staleOldest: r.gauge(
        "stale_pending_orders_oldest_age_seconds",
        "Age of the oldest stale non-terminal order.",
        [],
      ),
      quarantined: r.gauge("quarantined_orders", "Orders quarantined with status unknown awaiting manual review.", []),
      ordersPlaced: r.counter("orders_placed_total", "Orders sent to the exchange.", ["profile_id", "intent"]),
      fills: r.counter("order_fills_total", "Order fills received from the exchange.", ["profile_id", "intent"]),
      openPositions: r.gauge("open_positions", "Open lifecycle slices held by the bot.", ["profile_id"]),
      exchangeLatency: r.histogram(
        "exchange_request_duration_seconds",
        "Latency of requests to the exchange API.",
        [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      ),
      supabaseUp: r.gauge("supabase_up", "1 when the Supabase API answers.", []),
    };
    for (const code of ["200", "401", "403"]) this.m.httpResponses.touch({ code });
    this.m.wsRejections.touch();
    this.m.mismatchTotal.touch();
    this.m.missingFromExchange.touch();
    this.m.missingInDb.touch();
    this.m.parityAutoClosed.touch();
    this.m.watchdogTrips.touch();
    for (const id of this.profiles.keys()) {
      this.m.violations.touch({ profile_id: id });
      this.m.lockContention.touch({ profile_id: id });
    }
    this.registerRoutes();
    this.registerControls();
  }

  start(): void {
    this.clock.every(this.cfg.tradingTickSeconds * SECOND, () => this.tradingTick());
    this.clock.every(this.cfg.reconciliationIntervalSeconds * SECOND, () => this.reconciliationCycle());
    this.clock.every(this.cfg.orderSyncIntervalSeconds * SECOND, () => this.orderStatusSync());
  }

  protected override authGate(): { status: number; message: string } | null {
    return this.supabaseDown
      ? { status: 401, message: "token verification failed: Supabase auth unreachable (JWT issuance failing)" }
      : null;
  }

  protected override afterResponse(req: SimRequest, res: SimResponse): void {
    if (req.path.startsWith("/api/") || req.path.startsWith("/control/"))
      this.m.httpResponses.inc(1, { code: String(res.status) });
  }

  protected override onRestart(): void {
    this.lockContentionCount = 0;
    this.parityAutoClosed = 0;
    this.log("info", "startup", "process restarted; counters start from zero");
  }

  log(level: LogEvent["level"], source: string, message: string, fields: Record<string, unknown> = {}): void {
    this.events.push({ ts: this.iso(), level, source, message, ...fields });
  }

  nextId(prefix: string): string {
    this.seq++;
    return `${prefix}-${this.seq.toString().padStart(6, "0")}-${this.rng.hex(6)}`;
  }

  available(p: ProfileState): number {
    return p.allocated - p.reservedForOrders - p.reservedForPositions + p.realizedPnl;
  }

  profile(id: string): ProfileState {
    const p = this.profiles.get(id);
    if (!p) throw new Error(`unknown profile ${id}`);
    return p;
  }

  firstProfileId(offset = 0): string {
    const ids = [...this.profiles.keys()];
    return ids[offset % ids.length] as string;
  }

  // ---------------------------------------------------------------- trading loop

  private tradingTick(): void {
    const now = this.clock.now();
    this.prices.step();
    this.backgroundTraffic();
    this.m.exchangeLatency.observe(this.rng.logNormal(0.08, 0.4), {}, 1 + this.rng.poisson(4));
    this.m.exchangeLatency.observe(this.rng.logNormal(0.12, 0.6), {}, this.rng.poisson(1));

    for (const xo of [...this.exchangeOrders.values()]) {
      if (!xo.acked && !this.ackOutage.has(xo.profileId)) {
        xo.acked = true;
        const o = this.orders.get(xo.orderId);
        if (o && o.status === "pending_new") this.setOrderStatus(o, "new");
      }
      if (xo.acked && !xo.stuck && xo.fillAt <= now) this.fill(xo);
    }

    for (const p of this.profiles.values()) {
      // Fault ignores-halt: a paused (inactive) profile keeps placing entries.
      const canEnter = (p.status === "active" || this.ignoresHalt) && !p.violation.active && !this.watchdog.paused;
      const openSlices = [...this.slices.values()].filter((s) => s.profileId === p.id);
      const pendingEntries = [...this.exchangeOrders.values()].filter(
        (o) => o.profileId === p.id && o.intent === "entry",
      ).length;
      if (canEnter && this.ackOutage.has(p.id)) {
        // The strategy keeps retrying entries the venue never acknowledges (small clips).
        if (this.rng.chance(0.3)) this.placeEntry(p, p.allocated * 0.004);
      } else if (canEnter && openSlices.length + pendingEntries < 3 && this.rng.chance(0.06)) {
        this.placeEntry(p, p.allocated * this.rng.float(0.04, 0.1));
      }
      for (const s of openSlices) {
        if (!s.exiting && s.parity.state === "ok" && now - s.openedAt > MINUTE && this.rng.chance(0.012))
          this.placeExit(s);
      }
    }
    this.capitalWatchdog();
  }

  private backgroundTraffic(): void {
    // Dashboard and API clients polling the bot.
    this.m.httpResponses.inc(this.rng.poisson(12), { code: "200" });
    if (this.supabaseDown) {
      this.m.httpResponses.inc(this.rng.poisson(9), { code: "401" });
      this.m.httpResponses.inc(this.rng.poisson(3), { code: "403" });
      this.m.wsRejections.inc(this.rng.poisson(4));
    } else {
      this.m.httpResponses.inc(this.rng.poisson(0.04), { code: "401" });
      this.m.wsRejections.inc(this.rng.poisson(0.01));
    }
  }

  private setOrderStatus(o: BotOrder, status: OrderStatus): void {
    o.status = status;
    o.updatedAt = this.clock.now();
  }

  placeEntry(p: ProfileState, notional: number, opts: { stuck?: boolean; symbol?: string } = {}): BotOrder | null {
    if (!opts.stuck && this.available(p) < notional * 1.1) return null;
    const symbol = opts.symbol ?? this.rng.pick(p.symbols);
    const price = this.prices.get(symbol);
    const qty = round6(notional / price);
    const now = this.clock.now();
    const orderId = this.nextId("ord");
    const order: BotOrder = {
      orderId,
      clientOrderId: `${p.id}:${orderId}`,
      profileId: p.id,
      symbol,
      intent: "entry",
      qty,
      price,
      notional: round2(qty * price),
      status: "pending_new",
      createdAt: now,
      updatedAt: now,
      sliceId: null,
    };
    this.orders.set(orderId, order);
    this.exchangeOrders.set(orderId, {
      orderId,
      profileId: p.id,
      symbol,
      intent: "entry",
      qty,
      price,
      notional: order.notional,
      acked: false,
      fillAt: now + this.rng.int(5, 120) * SECOND,
      sliceId: null,
      stuck: opts.stuck ?? false,
    });
    p.reservedForOrders += order.notional;
    this.m.ordersPlaced.inc(1, { profile_id: p.id, intent: "entry" });
    return order;
  }

  private placeExit(s: Slice): void {
    const price = this.prices.get(s.symbol);
    const now = this.clock.now();
    const orderId = this.nextId("ord");
    s.exiting = true;
    const notional = round2(s.qty * price);
    this.orders.set(orderId, {
      orderId,
      clientOrderId: `${s.profileId}:${orderId}`,
      profileId: s.profileId,
      symbol: s.symbol,
      intent: "exit",
      qty: s.qty,
      price,
      notional,
      status: "pending_new",
      createdAt: now,
      updatedAt: now,
      sliceId: s.sliceId,
    });
    this.exchangeOrders.set(orderId, {
      orderId,
      profileId: s.profileId,
      symbol: s.symbol,
      intent: "exit",
      qty: s.qty,
      price,
      notional,
      acked: false,
      fillAt: now + this.rng.int(5, 40) * SECOND,
      sliceId: s.sliceId,
      stuck: false,
    });
    this.m.ordersPlaced.inc(1, { profile_id: s.profileId, intent: "exit" });
  }

  private fill(xo: ExchangeOrder): void {
    const now = this.clock.now();
    this.exchangeOrders.delete(xo.orderId);
    const p = this.profiles.get(xo.profileId);
    const o = this.orders.get(xo.orderId);
    if (xo.intent === "exit" && xo.sliceId && !this.exchangePositions.has(xo.sliceId)) {
      // Reduce-only exit with no position behind it: the venue rejects it.
      if (o) this.setOrderStatus(o, "rejected");
      const s = this.slices.get(xo.sliceId);
      if (s) s.exiting = false;
      return;
    }
    this.exchangeFills.set(xo.orderId, { orderId: xo.orderId, at: now });
    if (o) this.setOrderStatus(o, "filled");
    this.m.fills.inc(1, { profile_id: xo.profileId, intent: xo.intent });
    if (!p) return;
    const price = this.prices.get(xo.symbol) * (1 + this.rng.normal(0, 0.0004));
    if (xo.intent === "entry") {
      const sliceId = this.nextId("slice");
      const notional = round2(xo.qty * price);
      p.reservedForOrders = Math.max(0, p.reservedForOrders - xo.notional);
      p.reservedForPositions += notional;
      this.slices.set(sliceId, {
        sliceId,
        profileId: p.id,
        symbol: xo.symbol,
        qty: xo.qty,
        entryPrice: price,
        notional,
        openedAt: now,
        subTag: p.id,
        exiting: false,
        parity: { confirmations: 0, state: "ok", mismatchNotionalUsd: 0, exchangeQty: xo.qty },
      });
      this.exchangePositions.set(sliceId, {
        sliceId,
        profileId: p.id,
        symbol: xo.symbol,
        qty: xo.qty,
        entryPrice: price,
        notional,
        subTag: p.id,
      });
      if (o) o.sliceId = sliceId;
    } else if (xo.sliceId) {
      const s = this.slices.get(xo.sliceId);
      this.exchangePositions.delete(xo.sliceId);
      if (s) {
        const pnl = s.qty * (price - s.entryPrice) - s.notional * 0.0006;
        p.realizedPnl += pnl;
        p.reservedForPositions = Math.max(0, p.reservedForPositions - s.notional);
        this.slices.delete(s.sliceId);
      }
    }
  }

  capitalWatchdog(): void {
    for (const p of this.profiles.values()) {
      const avail = this.available(p);
      if (avail < -0.005) {
        if (!p.violation.active) {
          p.violation = { active: true, since: this.clock.now(), delta: avail };
          this.m.violations.inc(1, { profile_id: p.id });
          this.log(
            "critical",
            "capital_watchdog",
            `capital invariant violated for profile ${p.id}: available ${round2(avail)} USD`,
            {
              profile_id: p.id,
              delta: round2(avail),
            },
          );
        } else {
          p.violation.delta = avail;
        }
      } else if (p.violation.active) {
        this.log("info", "capital_watchdog", `capital invariant restored for profile ${p.id}`, {
          profile_id: p.id,
          available: round2(avail),
        });
        p.violation = { active: false, since: null, delta: 0 };
      }
    }
  }

  // ---------------------------------------------------------------- reconciliation

  lockHeld(profileId: string): LockState | null {
    const l = this.locks.get(profileId);
    if (!l) return null;
    if (l.until <= this.clock.now()) {
      this.locks.delete(profileId);
      return null;
    }
    return l;
  }

  holdLock(profileId: string, holder: string, durationMs: number): void {
    const now = this.clock.now();
    this.locks.set(profileId, { holder, since: now, until: now + durationMs });
  }

  releaseLock(profileId: string): void {
    this.locks.delete(profileId);
  }

  private reconciliationCycle(): void {
    const started = this.clock.now();
    const cycle = {
      mismatch: 0,
      missingFromExchange: 0,
      missingInDb: 0,
      parityMismatchTrades: 0,
      parityMaxNotional: 0,
      parityTotalNotional: 0,
    };
    const noGo: typeof this.lastCycle.noGo = [];
    const profileMismatchNotional = new Map<string, number>();
    let reconciledAny = false;
    for (const p of this.profiles.values()) {
      if (this.lockHeld(p.id)) {
        this.lockContentionCount++;
        this.m.lockContention.inc(1, { profile_id: p.id });
        p.lockSkipStreak++;
        if (p.lockSkipStreak === 2) {
          this.log(
            "error",
            "reconciliation",
            `reconciliation for profile ${p.id} blocked by lock contention for 2 cycles`,
            { profile_id: p.id },
          );
        }
        continue;
      }
      reconciledAny = true;
      const r = this.reconcileProfile(p, noGo, { periodic: true });
      cycle.mismatch += r.mismatch;
      cycle.missingFromExchange += r.missingFromExchange;
      cycle.missingInDb += r.missingInDb;
      if (this.flags.ENABLE_RECON_POSITION_PARITY_HEARTBEAT) {
        const par = this.parityHeartbeat(p);
        cycle.parityMismatchTrades += par.trades;
        cycle.parityTotalNotional += par.total;
        cycle.parityMaxNotional = Math.max(cycle.parityMaxNotional, par.max);
        profileMismatchNotional.set(p.id, par.total);
      }
    }
    this.m.cycles.inc();
    this.m.cycleDuration.observe(this.rng.logNormal(0.18, 0.5));
    // Fills the cycle saw but could not attach: what the exchange reports after this reconciliation.
    const strayFills = reconciledAny ? this.strayFills.map((f) => ({ ...f })) : this.lastCycle.strayFills;
    this.lastCycle = { at: reconciledAny ? started : this.lastCycle.at, ...cycle, noGo, strayFills };
    if (this.flags.ENABLE_RECON_POSITION_PARITY_HEARTBEAT)
      this.integrityWatchdog(profileMismatchNotional, cycle.parityMismatchTrades);
    this.capitalWatchdog();
  }

  /** One profile's reconciliation: compare, route through lifecycle-safe handlers, rebuild reservations. */
  reconcileProfile(
    p: ProfileState,
    noGo: typeof this.lastCycle.noGo = [],
    o: { periodic?: boolean } = {},
  ): {
    mismatch: number;
    missingFromExchange: number;
    missingInDb: number;
    reservationsBefore: Record<string, number>;
    reservationsAfter: Record<string, number>;
  } {
    const now = this.clock.now();
    let missingFromExchange = 0;
    let missingInDb = 0;
    let statusMismatch = 0;
    const fix = !p.handlersFail;
    for (const o of this.orders.values()) {
      if (o.profileId !== p.id || o.status !== "new" || this.exchangeOrders.has(o.orderId)) continue;
      if (this.exchangeFills.has(o.orderId)) {
        statusMismatch++;
        if (fix) this.reconcileFill(o);
      } else {
        missingFromExchange++;
        if (fix) {
          this.setOrderStatus(o, "cancelled");
          if (o.sliceId) {
            const s = this.slices.get(o.sliceId);
            if (s) s.exiting = false;
          }
          this.log("info", "reconciliation", `reconcileCancel: order ${o.orderId} not on exchange, cancelled`, {
            profile_id: p.id,
            order_id: o.orderId,
          });
        }
      }
    }
    for (const xo of this.exchangeOrders.values()) {
      if (xo.profileId !== p.id || this.orders.has(xo.orderId)) continue;
      missingInDb++;
      if (fix) {
        this.orders.set(xo.orderId, {
          orderId: xo.orderId,
          clientOrderId: `${p.id}:${xo.orderId}`,
          profileId: p.id,
          symbol: xo.symbol,
          intent: xo.intent,
          qty: xo.qty,
          price: xo.price,
          notional: xo.notional,
          status: xo.acked ? "new" : "pending_new",
          createdAt: now,
          updatedAt: now,
          sliceId: xo.sliceId,
        });
        this.log("info", "reconciliation", `reconcileEntryFill: adopted exchange order ${xo.orderId}`, {
          profile_id: p.id,
          order_id: xo.orderId,
        });
      }
    }
    for (const xp of this.exchangePositions.values()) {
      if (xp.profileId !== p.id || this.slices.has(xp.sliceId)) continue;
      // An exchange position the bot believes closed: never adopted automatically (NO_GO).
      missingInDb++;
      noGo.push({
        sliceId: xp.sliceId,
        profileId: p.id,
        symbol: xp.symbol,
        reason: "exchange_position_without_open_trade",
      });
    }
    const before = {
      reserved_for_orders: round2(p.reservedForOrders),
      reserved_for_positions: round2(p.reservedForPositions),
    };
    // Rebuild reservations from exchange truth (seed 000: stale reservations self-repair here).
    let rfo = 0;
    for (const xo of this.exchangeOrders.values())
      if (xo.profileId === p.id && xo.intent === "entry") rfo += xo.notional;
    let rfp = 0;
    for (const xp of this.exchangePositions.values()) if (xp.profileId === p.id) rfp += xp.notional;
    if (p.staleHold && o.periodic && now < p.staleHold.until) rfo += p.staleHold.amount;
    else delete p.staleHold;
    p.reservedForOrders = rfo;
    p.reservedForPositions = rfp;
    const mismatch = missingFromExchange + missingInDb + statusMismatch;
    if (mismatch > 0) {
      this.m.mismatchTotal.inc(mismatch);
      this.m.missingFromExchange.inc(missingFromExchange);
      this.m.missingInDb.inc(missingInDb);
      this.log(
        fix ? "warn" : "error",
        "reconciliation",
        `profile ${p.id}: ${mismatch} mismatches${fix ? " routed to lifecycle-safe handlers" : "; handlers could not correct them"}`,
        {
          profile_id: p.id,
          missing_from_exchange: missingFromExchange,
          missing_in_db: missingInDb,
          status_mismatch: statusMismatch,
        },
      );
    }
    p.lastReconciledAt = now;
    p.lockSkipStreak = 0;
    return {
      mismatch,
      missingFromExchange,
      missingInDb,
      reservationsBefore: before,
      reservationsAfter: { reserved_for_orders: round2(rfo), reserved_for_positions: round2(rfp) },
    };
  }

  private reconcileFill(o: BotOrder): void {
    this.setOrderStatus(o, "filled");
    const p = this.profile(o.profileId);
    if (o.intent === "entry") {
      const sliceId = this.nextId("slice");
      const xp = [...this.exchangePositions.values()].find((x) => x.sliceId === o.sliceId);
      const qty = xp?.qty ?? o.qty;
      this.slices.set(sliceId, {
        sliceId,
        profileId: p.id,
        symbol: o.symbol,
        qty,
        entryPrice: o.price,
        notional: o.notional,
        openedAt: this.clock.now(),
        subTag: p.id,
        exiting: false,
        parity: { confirmations: 0, state: "ok", mismatchNotionalUsd: 0, exchangeQty: qty },
      });
      if (xp && o.sliceId) {
        this.exchangePositions.delete(o.sliceId);
        this.exchangePositions.set(sliceId, { ...xp, sliceId });
      }
      o.sliceId = sliceId;
    }
    this.log("info", "reconciliation", `reconcileEntryFill: order ${o.orderId} filled on exchange`, {
      profile_id: p.id,
      order_id: o.orderId,
    });
  }

  // ---------------------------------------------------------------- parity heartbeat (seed 001)

  private parityHeartbeat(p: ProfileState): { trades: number; total: number; max: number } {
    let trades = 0;
    let total = 0;
    let max = 0;
    const f = this.flags;
    for (const s of [...this.slices.values()]) {
      if (s.profileId !== p.id) continue;
      const xp = this.exchangePositions.get(s.sliceId);
      const exQty = xp?.qty ?? 0;
      const diff = s.qty - exQty;
      if (Math.abs(diff) <= s.qty * 1e-6) {
        s.parity = { confirmations: 0, state: "ok", mismatchNotionalUsd: 0, exchangeQty: exQty };
        continue;
      }
      const notional = round2(Math.abs(diff) * this.prices.get(s.symbol));
      trades++;
      total += notional;
      max = Math.max(max, notional);
      const confirmations = s.parity.confirmations + 1;
      s.parity = { ...s.parity, confirmations, mismatchNotionalUsd: notional, exchangeQty: exQty };
      if (f.RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION && !s.subTag) {
        if (s.parity.state !== "quarantined") {
          s.parity.state = "quarantined";
          this.log("warn", "parity", `slice ${s.sliceId} has no sub-tag attribution; quarantined instead of closed`, {
            profile_id: p.id,
            slice_id: s.sliceId,
          });
        }
      } else if (diff > 0 && confirmations >= f.RECON_POSITION_PARITY_CONFIRMATIONS) {
        if (f.RECON_POSITION_PARITY_DRY_RUN) {
          if (s.parity.state !== "would_close") {
            this.parityDryRunWouldClose++;
            this.log("info", "parity", `dry-run: would apply synthetic EXIT to ghost slice ${s.sliceId}`, {
              profile_id: p.id,
              slice_id: s.sliceId,
            });
          }
          s.parity.state = "would_close";
        } else {
          this.syntheticExit(s);
        }
      } else {
        s.parity.state = "confirming";
      }
    }
    return { trades, total: round2(total), max };
  }

  private syntheticExit(s: Slice): void {
    const now = this.clock.now();
    const orderId = this.nextId("synthetic-exit");
    this.orders.set(orderId, {
      orderId,
      clientOrderId: `${s.profileId}:${orderId}`,
      profileId: s.profileId,
      symbol: s.symbol,
      intent: "exit",
      qty: s.qty,
      price: this.prices.get(s.symbol),
      notional: round2(s.qty * this.prices.get(s.symbol)),
      status: "filled",
      createdAt: now,
      updatedAt: now,
      sliceId: s.sliceId,
      synthetic: true,
    });
    this.slices.delete(s.sliceId);
    this.parityAutoClosed++;
    this.m.parityAutoClosed.inc();
    this.log(
      "warn",
      "parity",
      `synthetic EXIT applied to ghost slice ${s.sliceId} after ${s.parity.confirmations} confirmations`,
      {
        profile_id: s.profileId,
        slice_id: s.sliceId,
        notional_usd: s.parity.mismatchNotionalUsd,
      },
    );
  }

  private integrityWatchdog(byProfile: Map<string, number>, mismatchTrades: number): void {
    const f = this.flags;
    const now = this.clock.now();
    const breach = [...byProfile].find(
      ([id, total]) => total > f.RECON_POSITION_PARITY_MAX_NOTIONAL_PCT * this.profile(id).allocated,
    );
    const w = this.watchdog;
    if (breach && !w.paused) {
      w.paused = true;
      w.since = now;
      w.source = "parity_watchdog";
      w.cleanCycleStreak = 0;
      w.trips++;
      this.m.watchdogTrips.inc();
      this.log(
        "critical",
        "integrity_watchdog",
        `parity mismatch notional ${breach[1]} USD on profile ${breach[0]} exceeds ${f.RECON_POSITION_PARITY_MAX_NOTIONAL_PCT} of allocated capital; trading paused`,
        {
          profile_id: breach[0],
          mismatch_notional_usd: breach[1],
        },
      );
      return;
    }
    if (!w.paused) return;
    w.cleanCycleStreak = mismatchTrades === 0 ? w.cleanCycleStreak + 1 : 0;
    const pausedFor = now - (w.since ?? now);
    const cooled = w.lastResumeAt === null || now - w.lastResumeAt >= f.RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS;
    if (
      f.ENABLE_RECON_WATCHDOG_AUTO_RESUME &&
      w.source === "parity_watchdog" &&
      pausedFor >= f.RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS &&
      w.cleanCycleStreak >= f.RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES &&
      cooled
    ) {
      w.paused = false;
      w.since = null;
      w.source = null;
      w.lastResumeAt = now;
      w.cleanCycleStreak = 0;
      this.log(
        "info",
        "integrity_watchdog",
        `trading auto-resumed after ${w.cleanCycleStreak} clean reconciliation cycles`,
        {},
      );
    }
  }

  // ---------------------------------------------------------------- order status sync (seed 002)

  private orderStatusSync(): void {
    const now = this.clock.now();
    for (const o of this.orders.values()) {
      if (o.status !== "pending_new") continue;
      const xo = this.exchangeOrders.get(o.orderId);
      if (xo) {
        if (xo.acked) this.setOrderStatus(o, "new");
        continue;
      }
      if (this.exchangeFills.has(o.orderId)) continue;
      if (now - o.createdAt > QUARANTINE_AGE_MS) {
        this.quarantine(o, "missing_on_exchange_over_24h");
      } else if (now - o.createdAt > STALE_ORDER_SLA_MS) {
        this.setOrderStatus(o, "rejected");
        if (o.sliceId) {
          const s = this.slices.get(o.sliceId);
          if (s) s.exiting = false;
        }
        this.log("info", "order_sync", `[OrderSync] order ${o.orderId} not found on exchange; marked rejected`, {
          profile_id: o.profileId,
          order_id: o.orderId,
        });
      }
    }
    // Forget terminal history after two hours; fills older than a day.
    for (const [id, o] of this.orders)
      if (!NON_TERMINAL.has(o.status) && o.status !== "unknown" && now - o.updatedAt > 2 * HOUR) this.orders.delete(id);
    for (const [id, f] of this.exchangeFills) if (now - f.at > 24 * HOUR) this.exchangeFills.delete(id);
  }

  quarantine(o: BotOrder, reason: string): void {
    this.setOrderStatus(o, "unknown");
    this.quarantinedOrders.push({
      orderId: o.orderId,
      profileId: o.profileId,
      symbol: o.symbol,
      since: this.iso(),
      reason,
    });
    this.log("warn", "quarantine", `[QUARANTINE] order ${o.orderId} marked unknown (${reason})`, {
      profile_id: o.profileId,
      order_id: o.orderId,
    });
  }

  staleOrders(): { backlog: number; oldestAgeSeconds: number; byProfile: Record<string, number> } {
    const now = this.clock.now();
    const byProfile: Record<string, number> = {};
    for (const id of this.profiles.keys()) byProfile[id] = 0;
    let backlog = 0;
    let oldest = 0;
    for (const o of this.orders.values()) {
      if (!NON_TERMINAL.has(o.status)) continue;
      const age = now - o.createdAt;
      if (age <= STALE_ORDER_SLA_MS) continue;
      backlog++;
      byProfile[o.profileId] = (byProfile[o.profileId] ?? 0) + 1;
      oldest = Math.max(oldest, age);
    }
    return { backlog, oldestAgeSeconds: Math.round(oldest / 1000), byProfile };
  }

  // ---------------------------------------------------------------- HTTP

  private refreshGauges(): void {
    const stale = this.staleOrders();
    for (const p of this.profiles.values()) {
      const l = { profile_id: p.id };
      this.m.available.set(round2(this.available(p)), l);
      this.m.violationActive.set(p.violation.active ? 1 : 0, l);
      this.m.allocated.set(p.allocated, l);
      this.m.reservedOrders.set(round2(p.reservedForOrders), l);
      this.m.reservedPositions.set(round2(p.reservedForPositions), l);
      this.m.realized.set(round2(p.realizedPnl), l);
      this.m.loopHealthy.set(p.violation.active ? 0 : 1, l);
      this.m.profileActive.set(p.status === "active" ? 1 : 0, l);
      this.m.lockHeld.set(this.lockHeld(p.id) ? 1 : 0, l);
      this.m.stale.set(stale.byProfile[p.id] ?? 0, l);
      this.m.openPositions.set([...this.slices.values()].filter((s) => s.profileId === p.id).length, l);
    }
    this.m.staleOldest.set(stale.oldestAgeSeconds);
    this.m.quarantined.set([...this.orders.values()].filter((o) => o.status === "unknown").length);
    this.m.mismatchCount.set(this.lastCycle.mismatch);
    this.m.lastRun.set(this.lastCycle.at === null ? 0 : this.lastCycle.at / 1000);
    this.m.loopHealthyRecon.set(this.reconciliationLoopHealthy() ? 1 : 0);
    this.m.parityMismatch.set(this.lastCycle.parityMismatchTrades);
    this.m.parityQuarantined.set(this.quarantinedSliceCount());
    this.m.parityMax.set(this.lastCycle.parityMaxNotional);
    this.m.parityTotal.set(this.lastCycle.parityTotalNotional);
    this.m.watchdogTriggered.set(this.watchdog.paused ? 1 : 0);
    this.m.tradingPaused.set(this.watchdog.paused ? 1 : 0);
    this.m.supabaseUp.set(this.supabaseDown ? 0 : 1);
  }

  private quarantinedSliceCount(): number {
    return [...this.slices.values()].filter((s) => s.parity.state === "quarantined").length;
  }

  reconciliationLoopHealthy(): boolean {
    return [...this.profiles.values()].every((p) => p.lockSkipStreak < 2 && !p.handlersFail);
  }

  metricsText(): string {
    this.refreshGauges();
    return this.metrics.render(this.cfg.healthFields === "runbook" ? RUNBOOK_METRIC_FAMILIES : undefined);
  }

  health(): Record<string, unknown> {
    const full = this.fullHealth();
    if (this.cfg.healthFields === "full") return full;
    const out: Record<string, unknown> = {};
    for (const k of [...HEALTH_ENVELOPE, ...RUNBOOK_HEALTH_FIELDS]) out[k] = full[k];
    return out;
  }

  /** The whole health document: the runbook's fields and everything this simulator adds. */
  private fullHealth(): Record<string, unknown> {
    const stale = this.staleOrders();
    const w = this.watchdog;
    const profiles = [...this.profiles.values()].map((p) => {
      const slices = [...this.slices.values()].filter((s) => s.profileId === p.id);
      const mismatched = slices.filter((s) => s.parity.state !== "ok");
      const lock = this.lockHeld(p.id);
      return {
        profile_id: p.id,
        allocated: round2(p.allocated),
        reserved_for_orders: round2(p.reservedForOrders),
        reserved_for_positions: round2(p.reservedForPositions),
        realized_pnl: round2(p.realizedPnl),
        available_capital: round2(this.available(p)),
        status: p.status,
        tradingLoopHealthy: !p.violation.active,
        capitalInvariantViolations: p.violation.active ? 1 : 0,
        capitalInvariantViolationsTotal: this.m.violations.get({ profile_id: p.id }),
        violationSince: p.violation.since === null ? null : this.iso(p.violation.since),
        lastReconciledAt: p.lastReconciledAt === null ? null : this.iso(p.lastReconciledAt),
        reconciliationLock: lock ? { held: true, holder: lock.holder, since: this.iso(lock.since) } : { held: false },
        openSlices: slices.length,
        exposureUsd: round2(slices.reduce((a, x) => a + x.notional, 0)),
        parity: {
          mismatchedSlices: mismatched.length,
          quarantinedSlices: mismatched.filter((s) => s.parity.state === "quarantined").length,
          maxConfirmations: Math.max(0, ...mismatched.map((s) => s.parity.confirmations)),
          requiredConfirmations: this.flags.RECON_POSITION_PARITY_CONFIRMATIONS,
          slices: mismatched.map((s) => ({
            sliceId: s.sliceId,
            symbol: s.symbol,
            botQty: s.qty,
            exchangeQty: s.parity.exchangeQty,
            confirmations: s.parity.confirmations,
            state: s.parity.state,
            subTag: s.subTag,
            mismatchNotionalUsd: s.parity.mismatchNotionalUsd,
          })),
        },
      };
    });
    return {
      system: this.name,
      kind: this.kind,
      simulated: true,
      time: this.iso(),
      tradingLoopHealthy: profiles.every((p) => p.tradingLoopHealthy),
      reconciliationLoopHealthy: this.reconciliationLoopHealthy(),
      capitalInvariantViolations: profiles.filter((p) => p.capitalInvariantViolations > 0).length,
      lockContentionCount: this.lockContentionCount,
      reconciliationMismatchCount: this.lastCycle.mismatch,
      reconciliationMissingFromExchange: this.lastCycle.missingFromExchange,
      reconciliationMissingInDb: this.lastCycle.missingInDb,
      reconciliationLastRun: this.lastCycle.at === null ? null : this.iso(this.lastCycle.at),
      reconciliationParityMismatchTrades: this.lastCycle.parityMismatchTrades,
      reconciliationParityQuarantinedTrades: this.quarantinedSliceCount(),
      reconciliationParityAutoClosedTrades: this.parityAutoClosed,
      reconciliationParityDryRunWouldClose: this.parityDryRunWouldClose,
      reconciliationParityMaxMismatchNotionalUsd: this.lastCycle.parityMaxNotional,
      reconciliationParityTotalMismatchNotionalUsd: this.lastCycle.parityTotalNotional,
      reconciliationIntegrityWatchdogTriggered: w.paused && w.source === "parity_watchdog",
      watchdog: {
        paused: w.paused,
        since: w.since === null ? null : this.iso(w.since),
        source: w.source,
        cleanCycleStreak: w.cleanCycleStreak,
        lastResumeAt: w.lastResumeAt === null ? null : this.iso(w.lastResumeAt),
      },
      flags: { ...this.flags },
      profiles,
      staleOrders: stale,
      quarantinedOrders: this.quarantinedOrders.map((q) => ({ ...q })),
      reconciliationNoGo: this.lastCycle.noGo,
      reconciliationStaleFills: this.lastCycle.strayFills.filter((f) => f.reason === "stale_fill").length,
      reconciliationUnknownFills: this.lastCycle.strayFills.filter((f) => f.reason === "unknown_fill").length,
      reconciliationUnattributedFills: this.lastCycle.strayFills.map((f) => ({ ...f, at: this.iso(f.at) })),
      positions: {
        bot: [...this.slices.values()].map((s) => ({
          sliceId: s.sliceId,
          profileId: s.profileId,
          symbol: s.symbol,
          qty: s.qty,
          entryPrice: round2(s.entryPrice),
          subTag: s.subTag,
        })),
        exchange: [...this.exchangePositions.values()].map((x) => ({
          sliceId: x.sliceId,
          profileId: x.profileId,
          symbol: x.symbol,
          qty: x.qty,
          entryPrice: round2(x.entryPrice),
          subTag: x.subTag,
          trackedByBot: this.slices.has(x.sliceId),
        })),
      },
      events: this.events.recent(50),
    };
  }

  private ready(): SimResponse {
    const checks = {
      supabase: this.supabaseDown ? { ok: false, detail: "Supabase API unreachable" } : { ok: true },
      jwt: this.supabaseDown ? { ok: false, detail: "JWT issuance failing; token refresh rejected" } : { ok: true },
      exchange: { ok: true },
      tradingLoop: {
        ok: !this.watchdog.paused,
        detail: this.watchdog.paused ? "paused by integrity watchdog" : undefined,
      },
    };
    const degraded = Object.entries(checks)
      .filter(([k, v]) => !v.ok && k !== "tradingLoop")
      .map(([k]) => k);
    return json(degraded.length ? 503 : 200, {
      status: degraded.length ? "degraded" : "ready",
      degraded,
      checks,
      time: this.iso(),
    });
  }

  /** The bot's Supabase project: its capital ledger served the way PostgREST does under /rest/v1 (postgrest.ts). */
  private readonly ledgerApi: PostgrestOptions = {
    apiKey: simSupabaseKey(this.credential),
    tables: [
      capitalLedgerTable(
        () => this.profiles.values(),
        () => this.iso(),
      ),
    ],
    unavailable: () => this.supabaseDown,
  };

  override handle(req: SimRequest): SimResponse {
    return handlePostgrest(req, this.ledgerApi) ?? super.handle(req);
  }

  private registerRoutes(): void {
    this.route("GET", "/internal/health", () => json(200, this.health()));
    this.route("GET", "/health", () =>
      json(200, {
        status: "ok",
        staleOrders: this.staleOrders(),
        quarantinedOrders: this.quarantinedOrders.map((q) => ({ ...q })),
        time: this.iso(),
      }),
    );
    this.route("GET", "/metrics", () => ({
      status: 200,
      body: this.metricsText(),
      contentType: PROMETHEUS_CONTENT_TYPE,
    }));
    this.route("GET", "/health/live", () => json(200, { status: "live", time: this.iso() }));
    this.route("GET", "/health/ready", () => this.ready());
    this.route(
      "GET",
      "/api/status",
      () =>
        json(200, {
          system: this.name,
          status: this.watchdog.paused ? "paused" : "running",
          profiles: [...this.profiles.values()].map((p) => ({
            profile_id: p.id,
            status: p.status,
            tradingLoopHealthy: !p.violation.active,
          })),
          time: this.iso(),
        }),
      { auth: true },
    );
    const trade = () => json(422, { error: "not_supported", message: "the simulator does not accept manual trades" });
    this.route("POST", "/api/trade", trade, { auth: true });
    this.route("GET", "/api/trade", trade, { auth: true });
  }

  // ---------------------------------------------------------------- controls

  private registerControls(): void {
    const ProfileParams = z.object({ profileId: z.string().min(1) });
    const unknownProfile = (id: string) =>
      rejected(404, "unknown_profile", `no profile "${id}"; known: ${[...this.profiles.keys()].join(", ")}`);
    this.controls.register({
      name: "pause-profile",
      description: "Set the profile inactive: no new ENTRY orders.",
      params: ProfileParams,
      run: ({ profileId }, ctx) => {
        const p = this.profiles.get(profileId);
        if (!p) return unknownProfile(profileId);
        const changed = p.status !== "inactive";
        p.status = "inactive";
        this.log("warn", "control", `profile ${profileId} paused by ${ctx.actor} (${ctx.ticketId}): ${ctx.reason}`, {
          profile_id: profileId,
        });
        return accepted("pause-profile", this.iso(), { profileId, status: p.status, changed });
      },
    });
    this.controls.register({
      name: "resume-profile",
      description: "Set the profile active again.",
      params: ProfileParams,
      run: ({ profileId }, ctx) => {
        const p = this.profiles.get(profileId);
        if (!p) return unknownProfile(profileId);
        const changed = p.status !== "active";
        p.status = "active";
        this.log("info", "control", `profile ${profileId} resumed by ${ctx.actor} (${ctx.ticketId}): ${ctx.reason}`, {
          profile_id: profileId,
        });
        return accepted("resume-profile", this.iso(), { profileId, status: p.status, changed });
      },
    });
    this.controls.register({
      name: "trigger-reconciliation",
      description: "Run a reconciliation cycle for one profile now (refused while its lock is held).",
      params: ProfileParams,
      run: ({ profileId }) => {
        const p = this.profiles.get(profileId);
        if (!p) return unknownProfile(profileId);
        const lock = this.lockHeld(profileId);
        if (lock) {
          return rejected(
            409,
            "lock_held",
            `reconciliation lock for profile ${profileId} is held by ${lock.holder} since ${this.iso(lock.since)}; retry once it is released`,
            {
              holder: lock.holder,
              since: this.iso(lock.since),
            },
          );
        }
        const r = this.reconcileProfile(p);
        this.capitalWatchdog();
        return accepted("trigger-reconciliation", this.iso(), {
          profileId,
          mismatches: r.mismatch,
          missingFromExchange: r.missingFromExchange,
          missingInDb: r.missingInDb,
          reservationsBefore: r.reservationsBefore,
          reservationsAfter: r.reservationsAfter,
          availableCapital: round2(this.available(p)),
          invariantHolds: !p.violation.active,
        });
      },
    });
    this.controls.register({
      name: "quarantine-order",
      description: "Mark an order unknown and hold it for manual review.",
      params: z.object({ orderId: z.string().min(1) }),
      run: ({ orderId }, ctx) => {
        const o = this.orders.get(orderId);
        if (!o) return rejected(404, "unknown_order", `no order "${orderId}"`);
        if (o.status === "unknown")
          return rejected(409, "already_quarantined", `order ${orderId} is already quarantined`);
        const previous = o.status;
        this.quarantine(o, `manual: ${ctx.reason} (${ctx.ticketId})`);
        return accepted("quarantine-order", this.iso(), { orderId, previousStatus: previous, status: "unknown" });
      },
    });
  }

  // ---------------------------------------------------------------- scenario hooks

  /**
   * Adds reservations the exchange does not back. They vanish at the next reconciliation, or, with
   * `holdMs`, at the first periodic cycle after that long (an operator's reconciliation: at once).
   */
  injectStaleReservation(profileId: string, factor = 1.25, holdMs = 0): number {
    const p = this.profile(profileId);
    const extra = round2(Math.max(0, this.available(p)) + p.allocated * (factor - 1));
    p.reservedForOrders += extra;
    if (holdMs > 0) p.staleHold = { amount: extra, until: this.clock.now() + holdMs };
    return extra;
  }

  /** Real orders on the exchange that over-commit the profile and never fill. */
  injectOverAllocation(profileId: string, factor = 1.3): string[] {
    const p = this.profile(profileId);
    const need = Math.max(0, this.available(p)) + p.allocated * (factor - 1);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const o = this.placeEntry(p, need / 2, { stuck: true });
      if (o) ids.push(o.orderId);
    }
    return ids;
  }

  cancelOrders(ids: string[]): void {
    for (const id of ids) {
      const xo = this.exchangeOrders.get(id);
      if (xo) this.exchangeOrders.delete(id);
      const o = this.orders.get(id);
      if (o && NON_TERMINAL.has(o.status)) this.setOrderStatus(o, "cancelled");
    }
  }

  /** DB drift: orders the exchange lacks, an exchange order the DB lacks, a fill the DB missed. */
  injectDivergence(profileId: string): void {
    const p = this.profile(profileId);
    const now = this.clock.now();
    const symbol = p.symbols[0] as string;
    const price = this.prices.get(symbol);
    const mk = (status: OrderStatus): BotOrder => {
      const orderId = this.nextId("ord");
      const qty = round6((p.allocated * 0.01) / price);
      return {
        orderId,
        clientOrderId: `${p.id}:${orderId}`,
        profileId: p.id,
        symbol,
        intent: "entry",
        qty,
        price,
        notional: round2(qty * price),
        status,
        createdAt: now - MINUTE,
        updatedAt: now - MINUTE,
        sliceId: null,
      };
    };
    for (let i = 0; i < 2; i++) {
      const o = mk("new");
      this.orders.set(o.orderId, o);
      p.reservedForOrders += o.notional;
    }
    const x = mk("new");
    this.exchangeOrders.set(x.orderId, {
      orderId: x.orderId,
      profileId: p.id,
      symbol,
      intent: "entry",
      qty: x.qty,
      price,
      notional: x.notional,
      acked: true,
      fillAt: now + 10 * MINUTE,
      sliceId: null,
      stuck: false,
    });
    const filled = mk("new");
    const sliceKey = this.nextId("xpos");
    filled.sliceId = sliceKey;
    this.orders.set(filled.orderId, filled);
    this.exchangeFills.set(filled.orderId, { orderId: filled.orderId, at: now - 30 * SECOND });
    this.exchangePositions.set(sliceKey, {
      sliceId: sliceKey,
      profileId: p.id,
      symbol,
      qty: filled.qty,
      entryPrice: price,
      notional: filled.notional,
      subTag: p.id,
    });
  }

  /** A lifecycle slice the bot holds open while the exchange position is gone. */
  injectGhostSlice(
    profileId: string,
    opts: { attributed: boolean; notionalFraction: number; symbol?: string },
  ): string {
    const p = this.profile(profileId);
    const symbol = opts.symbol ?? (p.symbols[0] as string);
    const price = this.prices.get(symbol);
    const qty = round6((p.allocated * opts.notionalFraction) / price);
    const sliceId = this.nextId("slice");
    this.slices.set(sliceId, {
      sliceId,
      profileId: p.id,
      symbol,
      qty,
      entryPrice: price,
      notional: round2(qty * price),
      openedAt: this.clock.now() - 10 * MINUTE,
      subTag: opts.attributed ? p.id : null,
      exiting: false,
      parity: { confirmations: 0, state: "ok", mismatchNotionalUsd: 0, exchangeQty: qty },
    });
    return sliceId;
  }

  /** Exchange position open while the bot closed the trade (its exit was rejected). */
  injectGhostPosition(profileId: string): { sliceId: string; exitOrderId: string } {
    const p = this.profile(profileId);
    const symbol = p.symbols[0] as string;
    const price = this.prices.get(symbol);
    const qty = round6((p.allocated * 0.08) / price);
    const sliceId = this.nextId("slice");
    const now = this.clock.now();
    this.exchangePositions.set(sliceId, {
      sliceId,
      profileId: p.id,
      symbol,
      qty,
      entryPrice: price,
      notional: round2(qty * price),
      subTag: p.id,
    });
    const exitOrderId = this.nextId("ord");
    this.orders.set(exitOrderId, {
      orderId: exitOrderId,
      clientOrderId: `${p.id}:${exitOrderId}`,
      profileId: p.id,
      symbol,
      intent: "exit",
      qty,
      price,
      notional: round2(qty * price),
      status: "pending_new",
      createdAt: now - 30 * HOUR,
      updatedAt: now - 30 * HOUR,
      sliceId,
    });
    this.log("error", "order_sync", `exit order ${exitOrderId} rejected by venue; trade marked closed locally`, {
      profile_id: p.id,
      order_id: exitOrderId,
    });
    return { sliceId, exitOrderId };
  }

  /** Orders over a day old that the exchange never saw. */
  injectAncientOrders(profileId: string, n: number): string[] {
    const p = this.profile(profileId);
    const now = this.clock.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const symbol = this.rng.pick(p.symbols);
      const price = this.prices.get(symbol);
      const orderId = this.nextId("ord");
      const qty = round6((p.allocated * 0.005) / price);
      this.orders.set(orderId, {
        orderId,
        clientOrderId: `${p.id}:${orderId}`,
        profileId: p.id,
        symbol,
        intent: "entry",
        qty,
        price,
        notional: round2(qty * price),
        status: "pending_new",
        createdAt: now - 26 * HOUR - i * MINUTE,
        updatedAt: now - 26 * HOUR,
        sliceId: null,
      });
      ids.push(orderId);
    }
    return ids;
  }

  /** The venue stops acknowledging: drop every unacknowledged order of these profiles. */
  venueRejectUnacked(profileIds: Iterable<string>): void {
    const set = new Set(profileIds);
    for (const xo of [...this.exchangeOrders.values()])
      if (set.has(xo.profileId) && !xo.acked) this.exchangeOrders.delete(xo.orderId);
  }

  removeExchangePosition(sliceId: string): void {
    this.exchangePositions.delete(sliceId);
  }
}
