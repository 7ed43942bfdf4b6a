// Simulated spot exchange (seed 004): matching engine per symbol with symbol modes, an outbox to
// Kafka, a ledger consumer settling trades into Postgres, a websocket fan-out edge, edge auth, and
// a leader lease with fencing tokens. Queues are modelled as FIFOs so lag emerges from rates.

import { z } from "zod";
import type { SystemKind } from "@/lib/telemetry/model";
import type { SpotExchangeConfig } from "../config";
import { accepted, rejected } from "../core/control";
import { json } from "../core/http";
import { PROMETHEUS_CONTENT_TYPE } from "../core/metrics";
import { SimSystem, type SystemContext } from "../core/system";
import { PriceBook, SECOND, round4 } from "../core/util";

export const SYMBOL_MODES = ["NORMAL", "CANCEL_ONLY", "SOFT_HALT", "HARD_HALT"] as const;
export type SymbolMode = (typeof SYMBOL_MODES)[number];

export interface SymbolState {
  symbol: string;
  mode: SymbolMode;
  baseTps: number;
  openOrders: number;
  seq: number;
  trades: number;
  lastTps: number;
  /** Average notional of one resting order (USD), fixed per symbol. */
  avgOrderUsd: number;
  /** Trades per tick over the last minute (oldest first), for the blast-radius preview. */
  recentTrades: number[];
  /** New orders per second the symbol accepts (settlement-lag policy over T2); null: no throttle. */
  throttle: number | null;
  /** New orders accepted in the last tick. */
  lastNewOrders: number;
}

/** A withdrawal waiting to be paid out (processed after a short review unless withdrawals are halted). */
interface PendingWithdrawal {
  at: number;
  amountUsd: number;
}
const WITHDRAWAL_REVIEW_MS = 30 * SECOND;

interface Batch {
  ts: number;
  n: number;
}

class Fifo {
  private items: Batch[] = [];
  total = 0;
  push(ts: number, n: number): void {
    if (n <= 0) return;
    this.items.push({ ts, n });
    this.total += n;
  }
  /** Takes up to `n` messages from the head, calling `each` per consumed chunk. */
  take(n: number, each: (b: Batch) => void): number {
    let left = Math.floor(n);
    let taken = 0;
    while (left > 0 && this.items.length > 0) {
      const head = this.items[0]!;
      const k = Math.min(head.n, left);
      each({ ts: head.ts, n: k });
      head.n -= k;
      left -= k;
      taken += k;
      if (head.n === 0) this.items.shift();
    }
    this.total -= taken;
    return taken;
  }
  oldest(): number | null {
    return this.items[0]?.ts ?? null;
  }
}

const NODES = ["engine-a", "engine-b"] as const;
const PG_NODES = ["pg-a", "pg-b"] as const;
const API_KEYS = ["key-mm-01", "key-mm-02", "key-retail-01", "key-arb-01"];
const WS_CAPACITY_MSGS_PER_S = 150_000;
const PRODUCE_RATE = 50_000;
const LEDGER_CAPACITY = 3_000;
/** Subscription operations per connection per minute the edge allows normally, and under protection. */
const SUBSCRIPTION_LIMIT_NORMAL = 60;
const SUBSCRIPTION_LIMIT_PROTECTIVE = 6;
/** Messages one subscribe costs the edge per level of book depth (the snapshot it sends). */
const SUBSCRIBE_COST_PER_LEVEL = 0.25;

export class SpotExchange extends SimSystem {
  readonly kind: SystemKind = "spot-exchange";
  readonly cfg: SpotExchangeConfig;
  readonly symbols = new Map<string, SymbolState>();
  readonly prices: PriceBook;
  withdrawalsHalted = false;
  /**
   * Fault `ignores-halt`: the exchange reports a symbol's halt (and the withdrawals halt) as set
   * but keeps trading the symbol and paying out — what the console's post-control watch catches.
   */
  ignoresHalt = false;
  readonly pendingWithdrawals: PendingWithdrawal[] = [];
  private readonly withdrawalRng;
  conflation = false;
  bookDepthDefault: number;
  wsClients: number;
  wsClientTarget: number;
  wsBacklogPerConn = 2;
  wsLoadRatio = 0;
  /** Subscription operations each connection attempts per minute (a client surge re-subscribes a lot). */
  subscriptionDemandPerMinute = 6;
  /** Per-connection limit on subscription operations per minute, and whether the protective one is on. */
  subscriptionLimitPerMinute = SUBSCRIPTION_LIMIT_NORMAL;
  brokersUp = 3;
  pgPrimary: (typeof PG_NODES)[number] = "pg-a";
  readonly pgDown = new Set<string>();
  private analyticsLag = 0;
  /** Share of nominal ledger capacity available (settlement lag scenario lowers it). */
  ledgerCapacityFactor = 1;
  /** Absolute ledger capacity override (msgs/s) when set. */
  ledgerCapacityOverride: number | null = null;
  leader: { node: string; fencingToken: number } = { node: "engine-a", fencingToken: 7 };
  splitBrain: { node: string; fencingToken: number; symbols: string[] } | null = null;
  doublePostings = 0;
  private readonly outbox = new Fifo();
  private readonly ledgerQueue = new Fifo();
  private engineTradeSeq = 0;
  private ledgerTradeSeq = 0;
  private lagSamples: { at: number; lag: number; n: number }[] = [];
  private tick = 0;
  private readonly m;

  constructor(ctx: SystemContext, cfg: SpotExchangeConfig) {
    super(ctx);
    this.cfg = cfg;
    this.prices = new PriceBook(this.rng.fork("prices"), 0.0008);
    this.withdrawalRng = this.rng.fork("withdrawals");
    this.bookDepthDefault = cfg.bookDepthDefault;
    this.wsClients = cfg.wsClients;
    this.wsClientTarget = cfg.wsClients;
    cfg.symbols.forEach((symbol, i) => {
      this.symbols.set(symbol, {
        symbol,
        mode: "NORMAL",
        baseTps: Math.max(3, Math.round(40 / (1 + i * 0.6))),
        openOrders: 2000 + i * 150,
        seq: 1_000_000 * (i + 1),
        trades: 0,
        lastTps: 0,
        avgOrderUsd: Math.round(2500 / (1 + i * 0.4)),
        recentTrades: [],
        throttle: null,
        lastNewOrders: 0,
      });
      this.prices.get(symbol);
    });
    const r = this.metrics;
    const sym = ["symbol"];
    this.m = {
      apiLatency: r.histogram(
        "trading_api_request_duration_seconds",
        "Trading API request latency.",
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      ),
      apiRequests: r.counter("trading_api_requests_total", "Trading API requests by outcome.", ["outcome"]),
      apiErrors: r.counter("trading_api_errors_total", "Trading API errors by reason.", ["reason"]),
      queueDepth: r.gauge("engine_queue_depth", "Commands waiting in the matching engine input queue.", []),
      loopP99: r.gauge("engine_loop_duration_p99_seconds", "99th percentile of the matching engine loop duration.", []),
      walP99: r.gauge("engine_wal_fsync_duration_p99_seconds", "99th percentile of WAL fsync duration.", []),
      cpu: r.gauge("engine_cpu_usage_ratio", "Matching engine CPU usage (0-1).", []),
      trades: r.counter("engine_trades_total", "Trades executed, by symbol.", sym),
      seqEvents: r.counter("engine_sequenced_events_total", "Events sequenced by the engine, by symbol.", sym),
      lastSeq: r.gauge("engine_last_seq", "Last sequence number assigned, by symbol.", sym),
      symbolMode: r.gauge("engine_symbol_mode", "1 for the current mode of the symbol.", ["symbol", "mode"]),
      openOrders: r.gauge("engine_open_orders", "Resting orders in the book, by symbol.", sym),
      throttle: r.gauge(
        "engine_symbol_throttle_orders_per_second",
        "New orders per second the symbol accepts while throttled (0: not throttled).",
        sym,
      ),
      rejections: r.counter("trading_api_rejections_total", "Orders rejected by symbol mode.", ["symbol", "reason"]),
      kafkaProduced: r.counter("kafka_produced_messages_total", "Messages published from the outbox to Kafka.", []),
      kafkaProducerErrors: r.counter("kafka_producer_errors_total", "Kafka produce errors.", []),
      kafkaPending: r.gauge(
        "kafka_producer_pending_messages",
        "Messages waiting in the outbox for Kafka (produce lag).",
        [],
      ),
      kafkaConsumerLag: r.gauge(
        "kafka_consumer_lag_messages",
        "Messages published but not yet consumed, by consumer group.",
        ["group"],
      ),
      kafkaBrokersUp: r.gauge("kafka_brokers_up", "Kafka brokers answering.", []),
      kafkaBrokerUp: r.gauge("kafka_broker_up", "1 when the broker answers.", ["broker"]),
      settlementLag: r.histogram(
        "ledger_settlement_lag_seconds",
        "Time from trade to ledger settlement.",
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      ),
      settlementP99: r.gauge(
        "ledger_settlement_lag_p99_seconds",
        "99th percentile of settlement lag over the last 30 seconds (includes the oldest unsettled trade).",
        [],
      ),
      settled: r.counter("ledger_settled_trades_total", "Trades settled into the ledger.", []),
      dbTxErrors: r.counter("ledger_db_transaction_errors_total", "Ledger database transaction errors.", []),
      invariantChecks: r.counter("invariant_checks_total", "Ledger invariant checks run.", []),
      invariantViolations: r.counter("invariant_violation_total", "Ledger invariant checks that failed.", []),
      engineSeq: r.gauge("engine_trade_seq", "Trades sequenced by the engine (engine_seq).", []),
      ledgerSeq: r.gauge("ledger_trade_seq", "Trades applied by the ledger (ledger_seq).", []),
      seqMismatch: r.gauge(
        "ledger_seq_mismatch",
        "engine_seq vs ledger_seq difference not explained by in-flight trades.",
        [],
      ),
      withdrawalsHalted: r.gauge("withdrawals_halted", "1 while withdrawals are halted.", []),
      pgUp: r.gauge("postgres_up", "1 when the Postgres node answers.", ["node"]),
      pgPrimary: r.gauge("postgres_primary", "1 for the current Postgres primary.", ["node"]),
      wsClients: r.gauge("ws_connected_clients", "Connected websocket clients.", []),
      wsSent: r.counter("ws_messages_sent_total", "Websocket messages sent to clients.", []),
      wsClose: r.counter("ws_close_total", "Websocket connections closed, by reason.", ["reason"]),
      wsBacklog: r.gauge("ws_connection_backlog_messages", "Average outbound backlog per websocket connection.", []),
      wsPublishLag: r.gauge("ws_publish_lag_seconds", "Delay between an event and its websocket publish.", []),
      wsDegraded: r.gauge(
        "ws_degraded",
        "1 while market data is degraded (clients told to resync from snapshots).",
        [],
      ),
      wsConflation: r.gauge(
        "ws_conflation_enabled",
        "1 when aggressive conflation of book and candle updates is on.",
        [],
      ),
      wsBookDepth: r.gauge("ws_book_depth_default", "Default order book depth sent to subscribers.", []),
      wsSubOps: r.counter("ws_subscription_ops_total", "Subscribe/unsubscribe operations served.", []),
      wsSubLimited: r.counter(
        "ws_subscription_rate_limited_total",
        "Subscribe/unsubscribe operations refused by the per-connection rate limit.",
        [],
      ),
      wsSubLimit: r.gauge(
        "ws_subscription_rate_limit_per_minute",
        "Subscription operations one connection may make per minute.",
        [],
      ),
      edgeCpu: r.gauge("edge_cpu_usage_ratio", "Edge gateway CPU usage (0-1).", []),
      authFail: r.counter("auth_fail_total", "Edge authentication failures, by reason.", ["reason"]),
      replay: r.counter("replay_detect_total", "Replayed signed requests detected at the edge.", []),
      rateLimit: r.counter("rate_limit_drops_total", "Requests dropped by per-key rate limits.", ["api_key"]),
      leaseHolder: r.gauge("leader_lease_holder", "1 when the node believes it holds the leader lease.", ["node"]),
      fencing: r.gauge("leader_fencing_token", "Fencing token the node writes with.", ["node"]),
      fencingRejects: r.counter(
        "fencing_token_rejections_total",
        "Writes rejected for a stale fencing token (FENCING_TOKEN).",
        [],
      ),
      dupSeq: r.counter("duplicate_seq_total", "Duplicate sequence numbers detected, by symbol.", sym),
      hashDivergence: r.counter("state_hash_divergence_total", "State hash mismatches between leader and standby.", []),
    };
    for (const reason of ["NORMAL", "GOING_AWAY", "SLOW_CONSUMER"]) this.m.wsClose.touch({ reason });
    for (const reason of ["bad_signature", "expired_timestamp", "unknown_key"]) this.m.authFail.touch({ reason });
    for (const k of API_KEYS) this.m.rateLimit.touch({ api_key: k });
    for (const s of this.symbols.keys()) this.m.dupSeq.touch({ symbol: s });
    this.m.invariantViolations.touch();
    this.m.hashDivergence.touch();
    this.m.replay.touch();
    this.m.fencingRejects.touch();
    this.m.dbTxErrors.touch();
    this.m.kafkaProducerErrors.touch();
    this.m.wsSubOps.touch();
    this.m.wsSubLimited.touch();
    this.registerRoutes();
    this.registerControls();
  }

  start(): void {
    this.clock.every(SECOND, () => this.onTick());
    this.clock.every(10 * SECOND, () => this.invariantCheck());
  }

  symbol(name: string): SymbolState {
    const s = this.symbols.get(name);
    if (!s) throw new Error(`unknown symbol ${name}`);
    return s;
  }

  firstSymbol(): string {
    return this.symbols.keys().next().value as string;
  }

  nominalTradeRate(): number {
    let t = 0;
    for (const s of this.symbols.values()) t += s.baseTps;
    return t;
  }

  get pgUp(): boolean {
    return !this.pgDown.has(this.pgPrimary);
  }

  ledgerCapacity(): number {
    if (!this.pgUp) return 0;
    return this.ledgerCapacityOverride ?? LEDGER_CAPACITY * this.ledgerCapacityFactor;
  }

  private onTick(): void {
    const now = this.clock.now();
    const rng = this.rng;
    this.tick++;
    this.prices.step();
    let requests = 0;
    let tradesTotal = 0;
    for (const s of this.symbols.values()) {
      let newOrders = 0;
      let cancels = 0;
      let trades = 0;
      const attempts = rng.poisson(s.baseTps * 3);
      if (s.mode === "NORMAL" || this.ignoresHalt) {
        // A throttled symbol accepts at most `throttle` new orders a second; trading slows with them.
        const accept = s.throttle === null || this.ignoresHalt ? attempts : Math.min(attempts, s.throttle);
        if (accept < attempts) this.m.rejections.inc(attempts - accept, { symbol: s.symbol, reason: "throttled" });
        newOrders = accept;
        const share = s.throttle === null || this.ignoresHalt ? 1 : Math.min(1, s.throttle / (s.baseTps * 3));
        trades = rng.poisson(s.baseTps * share);
        cancels = rng.poisson(s.openOrders * 0.01);
      } else if (s.mode === "CANCEL_ONLY") {
        cancels = Math.min(s.openOrders, rng.poisson(Math.max(1, s.openOrders * 0.02)));
        this.m.rejections.inc(attempts, { symbol: s.symbol, reason: "cancel_only" });
      } else {
        this.m.rejections.inc(attempts, {
          symbol: s.symbol,
          reason: s.mode === "SOFT_HALT" ? "soft_halt" : "hard_halt",
        });
      }
      s.openOrders = Math.max(0, s.openOrders + newOrders - cancels - Math.round(trades * 0.6));
      const events = newOrders + cancels + trades;
      s.seq += events;
      s.trades += trades;
      s.lastTps = trades;
      s.lastNewOrders = newOrders;
      s.recentTrades.push(trades);
      if (s.recentTrades.length > 60) s.recentTrades.shift();
      tradesTotal += trades;
      requests += attempts + cancels;
      this.m.trades.inc(trades, { symbol: s.symbol });
      this.m.seqEvents.inc(events, { symbol: s.symbol });
      if (this.splitBrain?.symbols.includes(s.symbol) && events > 0 && rng.chance(0.5))
        this.m.dupSeq.inc(rng.int(1, 3), { symbol: s.symbol });
    }
    this.engineTradeSeq += tradesTotal;
    this.outbox.push(now, tradesTotal);

    // Trading API latency grows with engine queue depth.
    const load = tradesTotal / Math.max(1, this.nominalTradeRate());
    const queueDepth = Math.max(0, Math.round(12 + 10 * load + rng.normal(0, 3) + (this.splitBrain ? 40 : 0)));
    const median = 0.003 * (1 + queueDepth / 150);
    const chunks = 6;
    for (let i = 0; i < chunks; i++)
      this.m.apiLatency.observe(rng.logNormal(median, 0.7), {}, Math.round(requests / chunks));
    this.m.apiRequests.inc(requests, { outcome: "ok" });
    const errors = rng.poisson(requests * 0.0005);
    this.m.apiErrors.inc(errors, { reason: "internal" });
    if (!this.pgUp) this.m.apiErrors.inc(rng.poisson(5), { reason: "db_unavailable" });
    this.m.queueDepth.set(queueDepth);
    this.m.loopP99.set(round4(rng.logNormal(0.0018, 0.15) * (1 + queueDepth / 200)));
    this.m.walP99.set(round4(rng.logNormal(0.0025, 0.2)));
    this.m.cpu.set(round4(Math.min(0.99, 0.2 + 0.35 * load + rng.normal(0, 0.02))));

    // Outbox → Kafka → ledger consumer → Postgres.
    if (this.brokersUp > 0) {
      const moved = this.outbox.take(PRODUCE_RATE, (b) => this.ledgerQueue.push(b.ts, b.n));
      this.m.kafkaProduced.inc(moved);
    } else if (this.outbox.total > 0) {
      this.m.kafkaProducerErrors.inc(rng.poisson(20));
    }
    const capacity = this.brokersUp > 0 ? this.ledgerCapacity() : 0;
    this.ledgerQueue.take(capacity * rng.float(0.95, 1.05), (b) => {
      const lag = Math.max(0.02, (now - b.ts) / 1000 + rng.logNormal(0.08, 0.3));
      this.m.settlementLag.observe(lag, {}, b.n);
      this.lagSamples.push({ at: now, lag, n: b.n });
      this.m.settled.inc(b.n);
      this.ledgerTradeSeq += b.n;
    });
    if (!this.pgUp) this.m.dbTxErrors.inc(rng.poisson(40));
    else this.m.dbTxErrors.inc(rng.poisson(0.01));
    this.lagSamples = this.lagSamples.filter((s) => now - s.at < 30 * SECOND);

    this.analyticsLag = this.brokersUp > 0 ? rng.int(0, 50) : this.analyticsLag + tradesTotal;
    this.withdrawalsTick(now);
    this.wsTick(tradesTotal);
    this.edgeTick();
    if (this.splitBrain) {
      this.m.fencingRejects.inc(rng.poisson(3));
    }
  }

  /** Withdrawals arrive about every 4 s and are paid out after review, unless withdrawals are halted. */
  private withdrawalsTick(now: number): void {
    const r = this.withdrawalRng;
    for (let n = r.poisson(0.25); n > 0; n--)
      this.pendingWithdrawals.push({ at: now, amountUsd: Math.round(r.logNormal(1800, 0.9) * 100) / 100 });
    if (this.withdrawalsHalted && !this.ignoresHalt) return;
    while (this.pendingWithdrawals.length && now - this.pendingWithdrawals[0]!.at >= WITHDRAWAL_REVIEW_MS) {
      this.pendingWithdrawals.shift();
      this.withdrawalsPaid++;
    }
  }

  /** Withdrawals paid out since start (the watch reads its growth while withdrawals are halted). */
  withdrawalsPaid = 0;

  private wsTick(trades: number): void {
    const rng = this.rng;
    const step =
      Math.sign(this.wsClientTarget - this.wsClients) *
      Math.min(
        Math.abs(this.wsClientTarget - this.wsClients),
        Math.max(20, Math.abs(this.wsClientTarget - this.wsClients) * 0.1),
      );
    this.wsClients = Math.max(0, Math.round(this.wsClients + step + rng.normal(0, 3)));
    const clients = Math.max(1, this.wsClients);
    const perClient =
      (this.brokersUp > 0 ? 10 * Math.min(2, trades / Math.max(1, this.nominalTradeRate())) : 0.5) +
      this.bookDepthDefault * 0.8 * (this.conflation ? 0.25 : 1);
    // Subscription churn: each subscribe sends a book snapshot; the per-connection limit refuses the rest.
    const wanted = (clients * this.subscriptionDemandPerMinute) / 60;
    const served = (clients * Math.min(this.subscriptionDemandPerMinute, this.subscriptionLimitPerMinute)) / 60;
    this.m.wsSubOps.inc(Math.round(served));
    this.m.wsSubLimited.inc(Math.round(wanted - served));
    const load = clients * perClient + served * this.bookDepthDefault * SUBSCRIBE_COST_PER_LEVEL;
    this.wsLoadRatio = load / WS_CAPACITY_MSGS_PER_S;
    const sent = Math.min(load, WS_CAPACITY_MSGS_PER_S);
    this.m.wsSent.inc(Math.round(sent));
    if (load > WS_CAPACITY_MSGS_PER_S) {
      this.wsBacklogPerConn = Math.min(5000, this.wsBacklogPerConn + (load - WS_CAPACITY_MSGS_PER_S) / clients);
      const closes = rng.poisson(clients * 0.002 * (this.wsLoadRatio - 1) * 10);
      this.m.wsClose.inc(closes, { reason: "SLOW_CONSUMER" });
    } else {
      this.wsBacklogPerConn = Math.max(
        1 + rng.next() * 2,
        this.wsBacklogPerConn * 0.85 - (WS_CAPACITY_MSGS_PER_S - load) / clients,
      );
    }
    this.m.wsClose.inc(rng.poisson(0.4), { reason: "NORMAL" });
    this.m.wsClose.inc(rng.poisson(0.1), { reason: "GOING_AWAY" });
    this.m.wsClients.set(this.wsClients);
    this.m.wsBacklog.set(round4(this.wsBacklogPerConn));
    this.m.wsPublishLag.set(round4(this.wsBacklogPerConn / Math.max(1, perClient)));
    this.m.edgeCpu.set(round4(Math.min(0.99, 0.15 + 0.6 * Math.min(this.wsLoadRatio, 1.4) + rng.normal(0, 0.01))));
  }

  private edgeTick(): void {
    const rng = this.rng;
    this.m.authFail.inc(rng.poisson(0.05), { reason: "bad_signature" });
    this.m.authFail.inc(rng.poisson(0.1), { reason: "expired_timestamp" });
    this.m.authFail.inc(rng.poisson(0.02), { reason: "unknown_key" });
    this.m.replay.inc(rng.poisson(0.005));
    for (const k of API_KEYS) this.m.rateLimit.inc(rng.poisson(0.03), { api_key: k });
  }

  private invariantCheck(): void {
    this.m.invariantChecks.inc();
    if (this.doublePostings > 0) this.m.invariantViolations.inc();
    if (this.splitBrain) this.m.hashDivergence.inc();
  }

  settlementLagP99(): number {
    const now = this.clock.now();
    const oldest = Math.min(this.ledgerQueue.oldest() ?? now, this.outbox.oldest() ?? now);
    const pending = (now - oldest) / 1000;
    const samples = [...this.lagSamples].sort((a, b) => a.lag - b.lag);
    const total = samples.reduce((acc, s) => acc + s.n, 0);
    let p99 = 0;
    if (total > 0) {
      let acc = 0;
      for (const s of samples) {
        acc += s.n;
        if (acc >= total * 0.99) {
          p99 = s.lag;
          break;
        }
      }
    }
    return round4(Math.max(p99, pending));
  }

  private refreshGauges(): void {
    const inFlight = this.outbox.total + this.ledgerQueue.total;
    this.m.kafkaPending.set(this.outbox.total);
    this.m.kafkaConsumerLag.set(this.ledgerQueue.total, { group: "ledger-settlement" });
    this.m.kafkaConsumerLag.set(this.analyticsLag, { group: "analytics" });
    this.m.kafkaBrokersUp.set(this.brokersUp);
    for (let b = 0; b < 3; b++) this.m.kafkaBrokerUp.set(b < this.brokersUp ? 1 : 0, { broker: `broker-${b}` });
    this.m.settlementP99.set(this.settlementLagP99());
    this.m.engineSeq.set(this.engineTradeSeq);
    this.m.ledgerSeq.set(this.ledgerTradeSeq + this.doublePostings);
    this.m.seqMismatch.set(this.ledgerTradeSeq + this.doublePostings + inFlight - this.engineTradeSeq);
    this.m.withdrawalsHalted.set(this.withdrawalsHalted ? 1 : 0);
    for (const n of PG_NODES) {
      this.m.pgUp.set(this.pgDown.has(n) ? 0 : 1, { node: n });
      this.m.pgPrimary.set(n === this.pgPrimary ? 1 : 0, { node: n });
    }
    for (const s of this.symbols.values()) {
      this.m.lastSeq.set(s.seq, { symbol: s.symbol });
      this.m.openOrders.set(s.openOrders, { symbol: s.symbol });
      for (const mode of SYMBOL_MODES) this.m.symbolMode.set(s.mode === mode ? 1 : 0, { symbol: s.symbol, mode });
    }
    for (const n of NODES) {
      const holds = n === this.leader.node || n === this.splitBrain?.node;
      this.m.leaseHolder.set(holds ? 1 : 0, { node: n });
      this.m.fencing.set(
        n === this.splitBrain?.node
          ? this.splitBrain.fencingToken
          : n === this.leader.node
            ? this.leader.fencingToken
            : 0,
        { node: n },
      );
    }
    this.m.wsDegraded.set(this.brokersUp === 0 ? 1 : 0);
    this.m.wsConflation.set(this.conflation ? 1 : 0);
    this.m.wsBookDepth.set(this.bookDepthDefault);
    this.m.wsSubLimit.set(this.subscriptionLimitPerMinute);
    for (const s of this.symbols.values()) this.m.throttle.set(s.throttle ?? 0, { symbol: s.symbol });
  }

  metricsText(): string {
    this.refreshGauges();
    return this.metrics.render();
  }

  adminState(): Record<string, unknown> {
    const t = this.cfg.settlementLag;
    const p99 = this.settlementLagP99();
    return {
      system: this.name,
      kind: this.kind,
      simulated: true,
      time: this.iso(),
      symbols: [...this.symbols.values()].map((s) => {
        const bids = Math.ceil(s.openOrders / 2);
        return {
          symbol: s.symbol,
          mode: s.mode,
          openOrders: s.openOrders,
          openOrdersNotionalUsd: Math.round(s.openOrders * s.avgOrderUsd),
          lastPrice: round4(this.prices.get(s.symbol)),
          tradesLastSecond: s.lastTps,
          newOrdersLastSecond: s.lastNewOrders,
          throttleOrdersPerSecond: s.throttle,
          tradesLastMinute: s.recentTrades.reduce((a, b) => a + b, 0),
          restingLiquidityUsd: {
            bids: Math.round(bids * s.avgOrderUsd),
            asks: Math.round((s.openOrders - bids) * s.avgOrderUsd),
          },
          lastSeq: s.seq,
        };
      }),
      withdrawalsHalted: this.withdrawalsHalted,
      pendingWithdrawals: {
        count: this.pendingWithdrawals.length,
        amountUsd: Math.round(this.pendingWithdrawals.reduce((a, w) => a + w.amountUsd, 0) * 100) / 100,
      },
      withdrawalsPaidTotal: this.withdrawalsPaid,
      conflation: this.conflation,
      bookDepthDefault: this.bookDepthDefault,
      leader: {
        node: this.leader.node,
        fencingToken: this.leader.fencingToken,
        contender: this.splitBrain ? { node: this.splitBrain.node, fencingToken: this.splitBrain.fencingToken } : null,
      },
      postgres: { primary: this.pgPrimary, up: this.pgUp },
      kafka: {
        brokersUp: this.brokersUp,
        brokersTotal: 3,
        outboxPending: this.outbox.total,
        ledgerConsumerLag: this.ledgerQueue.total,
      },
      settlement: {
        lagP99Seconds: p99,
        t2Seconds: t.t2Seconds,
        t3Seconds: t.t3Seconds,
        policy: p99 > t.t3Seconds ? "halt" : p99 > t.t2Seconds ? "throttle" : "normal",
      },
      websocket: {
        clients: this.wsClients,
        backlogPerConnection: round4(this.wsBacklogPerConn),
        loadRatio: round4(this.wsLoadRatio),
        subscriptionLimitPerMinute: this.subscriptionLimitPerMinute,
        subscriptionLimitNormalPerMinute: SUBSCRIPTION_LIMIT_NORMAL,
      },
    };
  }

  private registerRoutes(): void {
    this.route("GET", "/metrics", () => ({
      status: 200,
      body: this.metricsText(),
      contentType: PROMETHEUS_CONTENT_TYPE,
    }));
    this.route("GET", "/admin/state", () => json(200, this.adminState()), { auth: true });
    this.route("GET", "/health/live", () => json(200, { status: "live", time: this.iso() }));
    this.route("GET", "/health/ready", () => {
      const degraded = [...(this.pgUp ? [] : ["postgres"]), ...(this.brokersUp > 0 ? [] : ["kafka"])];
      return json(degraded.length ? 503 : 200, {
        status: degraded.length ? "degraded" : "ready",
        degraded,
        time: this.iso(),
      });
    });
  }

  private registerControls(): void {
    const Symbol = z.string().min(1);
    const unknown = (s: string) =>
      rejected(404, "unknown_symbol", `no symbol "${s}"; known: ${[...this.symbols.keys()].join(", ")}`);
    this.controls.register({
      name: "symbol-mode",
      description:
        'SetSymbolMode(symbol, NORMAL|CANCEL_ONLY|SOFT_HALT|HARD_HALT); scope "all" sets every symbol in one call.',
      params: z
        .object({ symbol: Symbol.optional(), scope: z.literal("all").optional(), mode: z.enum(SYMBOL_MODES) })
        .superRefine((p, ctx) => {
          if (p.scope && p.symbol !== undefined)
            ctx.addIssue({ code: "custom", path: ["scope"], message: 'give either a symbol or scope "all", not both' });
          if (!p.scope && p.symbol === undefined)
            ctx.addIssue({ code: "custom", path: ["symbol"], message: 'required (or scope "all")' });
        }),
      run: (p) => {
        const mode = p.mode;
        if (p.scope === "all") {
          // Exchange-wide: every listed symbol in one step, so no symbol is left behind half-way.
          const symbols = [...this.symbols.values()].map((s) => {
            const previousMode = s.mode;
            s.mode = mode;
            return { symbol: s.symbol, previousMode };
          });
          return accepted("symbol-mode", this.iso(), { scope: "all", mode, symbols });
        }
        const symbol = p.symbol!;
        const s = this.symbols.get(symbol);
        if (!s) return unknown(symbol);
        const previous = s.mode;
        s.mode = mode;
        return accepted("symbol-mode", this.iso(), { symbol, mode, previousMode: previous });
      },
    });
    this.controls.register({
      name: "cancel-all",
      description: "CancelAll(symbol): cancel every resting order of the symbol.",
      params: z.object({ symbol: Symbol }),
      run: ({ symbol }) => {
        const s = this.symbols.get(symbol);
        if (!s) return unknown(symbol);
        const cancelled = s.openOrders;
        s.openOrders = 0;
        s.seq += cancelled;
        this.m.seqEvents.inc(cancelled, { symbol });
        return accepted("cancel-all", this.iso(), { symbol, cancelled });
      },
    });
    this.controls.register({
      name: "withdrawals-halt",
      description: "WithdrawalsHalt(on/off).",
      params: z.object({ on: z.boolean() }),
      run: ({ on }) => {
        const previous = this.withdrawalsHalted;
        this.withdrawalsHalted = on;
        return accepted("withdrawals-halt", this.iso(), { withdrawalsHalted: on, previous });
      },
    });
    this.controls.register({
      name: "conflation",
      description: "Turn aggressive conflation of book and candle updates on or off.",
      params: z.object({ on: z.boolean() }),
      run: ({ on }) => {
        const previous = this.conflation;
        this.conflation = on;
        return accepted("conflation", this.iso(), { conflation: on, previous });
      },
    });
    this.controls.register({
      name: "symbol-throttle",
      description:
        "Throttle new orders for a symbol (settlement lag over T2): { symbol, ordersPerSecond } caps new orders a second; { symbol, off: true } lifts it. Cancels always pass.",
      params: z
        .object({
          symbol: Symbol,
          ordersPerSecond: z.number().int().min(1).max(100_000).optional(),
          off: z.literal(true).optional(),
        })
        .refine((p) => (p.ordersPerSecond === undefined) !== (p.off === undefined), {
          message: "give either ordersPerSecond or off: true",
        }),
      run: (p) => {
        const s = this.symbols.get(p.symbol);
        if (!s) return unknown(p.symbol);
        const previous = s.throttle;
        s.throttle = p.off ? null : p.ordersPerSecond!;
        return accepted("symbol-throttle", this.iso(), {
          symbol: p.symbol,
          throttleOrdersPerSecond: s.throttle,
          previous,
        });
      },
    });
    this.controls.register({
      name: "subscription-rate-limit",
      description: `Protective per-connection limit on subscription operations (WS fan-out overload; protects the server): { on: true, perMinute? } sets it (default ${SUBSCRIPTION_LIMIT_PROTECTIVE}, below the normal ${SUBSCRIPTION_LIMIT_NORMAL}); { on: false } restores the normal limit.`,
      params: z.object({
        on: z.boolean(),
        perMinute: z.number().int().min(1).max(100_000).optional(),
      }),
      run: (p) => {
        if (p.on && p.perMinute !== undefined && p.perMinute >= SUBSCRIPTION_LIMIT_NORMAL)
          return rejected(
            400,
            "not_protective",
            `perMinute ${p.perMinute} is not below the normal limit of ${SUBSCRIPTION_LIMIT_NORMAL}: the protective limit must be tighter`,
          );
        if (!p.on && p.perMinute !== undefined)
          return rejected(400, "invalid_params", "perMinute goes with on: true; off restores the normal limit");
        const previous = this.subscriptionLimitPerMinute;
        this.subscriptionLimitPerMinute = p.on
          ? (p.perMinute ?? SUBSCRIPTION_LIMIT_PROTECTIVE)
          : SUBSCRIPTION_LIMIT_NORMAL;
        return accepted("subscription-rate-limit", this.iso(), {
          subscriptionLimitPerMinute: this.subscriptionLimitPerMinute,
          previous,
        });
      },
    });
    this.controls.register({
      name: "book-depth",
      description: "Set the default order book depth sent to subscribers.",
      params: z.object({ depth: z.number().int().min(1).max(1000) }),
      run: ({ depth }) => {
        const previous = this.bookDepthDefault;
        this.bookDepthDefault = depth;
        return accepted("book-depth", this.iso(), { bookDepthDefault: depth, previous });
      },
    });
  }
}
