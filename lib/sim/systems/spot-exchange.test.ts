import { afterEach, describe, expect, it } from "vitest";
import type { Fleet } from "../fleet";
import { parseExposition } from "../core/metrics";
import { control, getJson, getMetrics, http, metric, startTestFleet } from "../testing";

const MIN = 60_000;
let fleet: Fleet;
afterEach(() => fleet?.stop());

type State = {
  symbols: { symbol: string; mode: string; openOrders: number }[];
  withdrawalsHalted: boolean;
  conflation: boolean;
  bookDepthDefault: number;
  leader: { node: string; fencingToken: number; contender: { node: string; fencingToken: number } | null };
  settlement: { lagP99Seconds: number; policy: string };
};

async function start(): Promise<void> {
  fleet = await startTestFleet({ kinds: ["spot-exchange"] });
  fleet.advance(MIN);
}
const x = () => fleet.info("spot-exchange");
const m = () => getMetrics(x());
const state = () => getJson<State>(x(), "/admin/state", x().credential);

describe("spot-exchange endpoints", () => {
  it("exports consistent histograms and moving per-symbol counters", async () => {
    await start();
    fleet.advance(5 * MIN);
    const text = await m();
    const samples = parseExposition(text);
    const histos = new Set(
      samples.filter((s) => s.name.endsWith("_bucket")).map((s) => s.name.slice(0, -"_bucket".length)),
    );
    expect(histos).toEqual(new Set(["trading_api_request_duration_seconds", "ledger_settlement_lag_seconds"]));
    for (const h of histos) {
      const buckets = samples.filter((s) => s.name === `${h}_bucket`);
      const values = buckets.map((b) => b.value);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
      expect(buckets.at(-1)!.labels.le).toBe("+Inf");
      expect(buckets.at(-1)!.value).toBe(metric(text, `${h}_count`));
      expect(metric(text, `${h}_count`)).toBeGreaterThan(0);
    }
    for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"])
      expect(metric(text, "engine_trades_total", { symbol: s })).toBeGreaterThan(0);
    for (const fam of [
      "engine_queue_depth",
      "engine_loop_duration_p99_seconds",
      "engine_wal_fsync_duration_p99_seconds",
      "engine_cpu_usage_ratio",
      "kafka_producer_pending_messages",
      "ledger_settlement_lag_p99_seconds",
      "ledger_db_transaction_errors_total",
      "invariant_violation_total",
      "engine_trade_seq",
      "ledger_trade_seq",
      "ws_connected_clients",
      "ws_messages_sent_total",
      "ws_connection_backlog_messages",
      "replay_detect_total",
      "leader_fencing_token",
      "duplicate_seq_total",
      "state_hash_divergence_total",
    ]) {
      expect(() => metric(text, fam)).not.toThrow();
    }
    expect(metric(text, "ws_close_total", { reason: "SLOW_CONSUMER" })).toBe(0);
    expect(metric(text, "auth_fail_total")).toBeGreaterThanOrEqual(0);
    expect(metric(text, "leader_lease_holder")).toBe(1);
    expect((await http(x().url + "/admin/state")).status).toBe(401);
    const st = await state();
    expect(st.symbols.map((s) => s.mode)).toEqual(["NORMAL", "NORMAL", "NORMAL", "NORMAL"]);
    expect(st).toMatchObject({
      withdrawalsHalted: false,
      conflation: false,
      bookDepthDefault: 50,
      leader: { node: "engine-a", contender: null },
    });
  });

  it("symbol modes really change trading: HARD_HALT stops the symbol, CANCEL_ONLY only cancels", async () => {
    await start();
    expect((await control(x(), "symbol-mode", { symbol: "BTC-USD", mode: "HARD_HALT" })).status).toBe(200);
    expect((await control(x(), "symbol-mode", { symbol: "ETH-USD", mode: "CANCEL_ONLY" })).status).toBe(200);
    const a = await m();
    const ethOpen0 = (await state()).symbols.find((s) => s.symbol === "ETH-USD")!.openOrders;
    fleet.advance(MIN);
    const b = await m();
    const d = (name: string, symbol: string) => metric(b, name, { symbol }) - metric(a, name, { symbol });
    expect(d("engine_trades_total", "BTC-USD")).toBe(0);
    expect(d("engine_sequenced_events_total", "BTC-USD")).toBe(0);
    expect(d("engine_trades_total", "ETH-USD")).toBe(0);
    expect(d("engine_sequenced_events_total", "ETH-USD")).toBeGreaterThan(0);
    expect(d("engine_trades_total", "SOL-USD")).toBeGreaterThan(0);
    expect(metric(b, "trading_api_rejections_total", { symbol: "ETH-USD", reason: "cancel_only" })).toBeGreaterThan(0);
    expect((await state()).symbols.find((s) => s.symbol === "ETH-USD")!.openOrders).toBeLessThan(ethOpen0);
    expect(metric(b, "engine_symbol_mode", { symbol: "BTC-USD", mode: "HARD_HALT" })).toBe(1);
    const cancel = await control<{ result: { cancelled: number } }>(x(), "cancel-all", { symbol: "SOL-USD" });
    expect(cancel.body.result.cancelled).toBeGreaterThan(0);
    expect((await state()).symbols.find((s) => s.symbol === "SOL-USD")!.openOrders).toBe(0);
    expect((await control(x(), "symbol-mode", { symbol: "NOPE-USD", mode: "NORMAL" })).status).toBe(404);
  });

  it("symbol-mode with scope all sets every symbol in one call, and refuses a symbol and a scope together", async () => {
    await start();
    await control(x(), "symbol-mode", { symbol: "ETH-USD", mode: "CANCEL_ONLY" });
    const r = await control<{
      result: { scope: string; mode: string; symbols: { symbol: string; previousMode: string }[] };
    }>(x(), "symbol-mode", { scope: "all", mode: "SOFT_HALT" });
    expect(r.status).toBe(200);
    expect(r.body.result.symbols).toEqual([
      { symbol: "BTC-USD", previousMode: "NORMAL" },
      { symbol: "ETH-USD", previousMode: "CANCEL_ONLY" },
      { symbol: "SOL-USD", previousMode: "NORMAL" },
      { symbol: "XRP-USD", previousMode: "NORMAL" },
    ]);
    expect((await state()).symbols.map((s) => s.mode)).toEqual(["SOFT_HALT", "SOFT_HALT", "SOFT_HALT", "SOFT_HALT"]);
    const a = await m();
    fleet.advance(MIN);
    const b = await m();
    for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"])
      expect(metric(b, "engine_trades_total", { symbol: s })).toBe(metric(a, "engine_trades_total", { symbol: s }));
    const both = await control<{ field: string }>(x(), "symbol-mode", {
      scope: "all",
      symbol: "BTC-USD",
      mode: "NORMAL",
    });
    expect(both.status).toBe(400);
    expect(both.body.field).toBe("params.scope");
    expect((await control<{ field: string }>(x(), "symbol-mode", { mode: "NORMAL" })).body.field).toBe("params.symbol");
    expect((await state()).symbols.map((s) => s.mode)).toEqual(["SOFT_HALT", "SOFT_HALT", "SOFT_HALT", "SOFT_HALT"]);
  });
});

describe("spot-exchange scenarios", () => {
  it("ledger-invariant-violation: violations every check, seq mismatch persists; halt withdrawals and CANCEL_ONLY", async () => {
    await start();
    const a = await m();
    fleet.startScenario("ledger-invariant-violation");
    fleet.advance(MIN);
    const b = await m();
    expect(metric(b, "invariant_violation_total") - metric(a, "invariant_violation_total")).toBe(6);
    expect(metric(b, "ledger_seq_mismatch")).toBe(3);
    expect((await control(x(), "withdrawals-halt", { on: true })).status).toBe(200);
    expect((await control(x(), "symbol-mode", { symbol: "BTC-USD", mode: "CANCEL_ONLY" })).status).toBe(200);
    fleet.advance(MIN);
    const c = await m();
    expect(metric(c, "withdrawals_halted")).toBe(1);
    expect(metric(c, "engine_trades_total", { symbol: "BTC-USD" })).toBe(
      metric(b, "engine_trades_total", { symbol: "BTC-USD" }),
    );
    expect(metric(c, "ledger_seq_mismatch")).toBe(3);
    expect((await state()).withdrawalsHalted).toBe(true);
    fleet.stopScenario("spot-exchange");
    fleet.advance(MIN);
    const d = await m();
    expect(metric(d, "ledger_seq_mismatch")).toBe(0);
    expect(metric(d, "invariant_violation_total")).toBe(metric(c, "invariant_violation_total"));
  });

  it("settlement-lag: p99 past T2 then T3; SOFT_HALT stops the growth; recovers when the DB does", async () => {
    await start();
    fleet.startScenario("settlement-lag");
    fleet.advance(MIN);
    let p99 = metric(await m(), "ledger_settlement_lag_p99_seconds");
    expect(p99).toBeGreaterThan(5);
    expect(p99).toBeLessThan(30);
    expect((await state()).settlement.policy).toBe("throttle");
    fleet.advance(3.5 * MIN);
    p99 = metric(await m(), "ledger_settlement_lag_p99_seconds");
    expect(p99).toBeGreaterThan(30);
    expect((await state()).settlement.policy).toBe("halt");
    const text = await m();
    expect(metric(text, "ledger_settlement_lag_seconds_bucket", { le: "30" })).toBeLessThan(
      metric(text, "ledger_settlement_lag_seconds_count"),
    );
    for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"])
      await control(x(), "symbol-mode", { symbol: s, mode: "SOFT_HALT" });
    fleet.advance(2 * MIN);
    expect(metric(await m(), "ledger_settlement_lag_p99_seconds")).toBeLessThan(5);
    for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"])
      await control(x(), "symbol-mode", { symbol: s, mode: "NORMAL" });
    fleet.advance(5.5 * MIN);
    expect(metric(await m(), "ledger_settlement_lag_p99_seconds")).toBeGreaterThan(5);
    fleet.advance(2 * MIN);
    expect(metric(await m(), "ledger_settlement_lag_p99_seconds")).toBeLessThan(5);
  });

  it("split-brain: two lease holders, duplicate seqs, divergent hashes; HARD_HALT stops the duplicates", async () => {
    await start();
    fleet.startScenario("split-brain", "spot-exchange", { symbol: "ETH-USD" });
    fleet.advance(MIN);
    const a = await m();
    expect(metric(a, "leader_lease_holder")).toBe(2);
    expect(metric(a, "leader_fencing_token", { node: "engine-b" })).toBeGreaterThan(
      metric(a, "leader_fencing_token", { node: "engine-a" }),
    );
    expect(metric(a, "duplicate_seq_total", { symbol: "ETH-USD" })).toBeGreaterThan(0);
    expect(metric(a, "duplicate_seq_total", { symbol: "BTC-USD" })).toBe(0);
    expect(metric(a, "state_hash_divergence_total")).toBeGreaterThan(0);
    expect(metric(a, "fencing_token_rejections_total")).toBeGreaterThan(0);
    expect((await state()).leader.contender).toMatchObject({ node: "engine-b" });
    await control(x(), "symbol-mode", { symbol: "ETH-USD", mode: "HARD_HALT" });
    fleet.advance(MIN);
    const b = await m();
    expect(metric(b, "duplicate_seq_total", { symbol: "ETH-USD" })).toBe(
      metric(a, "duplicate_seq_total", { symbol: "ETH-USD" }),
    );
    expect(metric(b, "engine_trades_total", { symbol: "ETH-USD" })).toBe(
      metric(a, "engine_trades_total", { symbol: "ETH-USD" }),
    );
  });

  it("ws-fanout-overload: SLOW_CONSUMER closes and backlog rise; conflation brings load under capacity", async () => {
    await start();
    fleet.startScenario("ws-fanout-overload");
    fleet.advance(2 * MIN);
    const a = await m();
    fleet.advance(MIN);
    const b = await m();
    expect(
      metric(b, "ws_close_total", { reason: "SLOW_CONSUMER" }) -
        metric(a, "ws_close_total", { reason: "SLOW_CONSUMER" }),
    ).toBeGreaterThan(0);
    expect(metric(b, "ws_connected_clients")).toBeGreaterThan(4000);
    expect(metric(b, "ws_connection_backlog_messages")).toBeGreaterThan(100);
    expect(metric(b, "edge_cpu_usage_ratio")).toBeGreaterThan(0.7);
    await control(x(), "conflation", { on: true });
    await control(x(), "book-depth", { depth: 20 });
    fleet.advance(MIN);
    const c = await m();
    fleet.advance(MIN);
    const d = await m();
    expect(metric(d, "ws_close_total", { reason: "SLOW_CONSUMER" })).toBe(
      metric(c, "ws_close_total", { reason: "SLOW_CONSUMER" }),
    );
    expect(metric(d, "ws_connection_backlog_messages")).toBeLessThan(10);
    expect(metric(d, "ws_conflation_enabled")).toBe(1);
    expect(metric(d, "ws_book_depth_default")).toBe(20);
  });

  it("ws-fanout-overload: the protective subscription limit refuses the re-subscribe churn and cuts the edge's load", async () => {
    await start();
    fleet.startScenario("ws-fanout-overload");
    fleet.advance(2 * MIN);
    const load = async () =>
      (await getJson<{ websocket: { loadRatio: number } }>(x(), "/admin/state", x().credential)).websocket.loadRatio;
    const before = await load();
    const a = await m();
    expect(metric(a, "ws_subscription_rate_limit_per_minute")).toBe(60);
    expect((await control(x(), "subscription-rate-limit", { on: true, perMinute: 60 })).status).toBe(400);
    expect((await control(x(), "subscription-rate-limit", { on: true })).status).toBe(200);
    fleet.advance(MIN);
    const b = await m();
    expect(metric(b, "ws_subscription_rate_limit_per_minute")).toBe(6);
    // 4,800 connections want 30 a minute each; 6 pass: about 1,900 a second refused.
    expect(
      metric(b, "ws_subscription_rate_limited_total") - metric(a, "ws_subscription_rate_limited_total"),
    ).toBeGreaterThan(60 * 1500);
    expect(await load()).toBeLessThan(before - 0.1);
    expect((await control(x(), "subscription-rate-limit", { on: false })).status).toBe(200);
    expect(
      (await getJson<{ websocket: { subscriptionLimitPerMinute: number } }>(x(), "/admin/state", x().credential))
        .websocket.subscriptionLimitPerMinute,
    ).toBe(60);
  });

  it("settlement lag over T2: a throttled symbol rejects new orders beyond the cap, trades slower, and the cap lifts", async () => {
    await start();
    const a = await m();
    expect((await control(x(), "symbol-throttle", { symbol: "BTC-USD", ordersPerSecond: 5 })).status).toBe(200);
    expect((await control(x(), "symbol-throttle", { symbol: "BTC-USD" })).status).toBe(400);
    fleet.advance(MIN);
    const b = await m();
    expect(metric(b, "engine_symbol_throttle_orders_per_second", { symbol: "BTC-USD" })).toBe(5);
    const rejected = metric(b, "trading_api_rejections_total", { symbol: "BTC-USD", reason: "throttled" });
    expect(rejected).toBeGreaterThan(60 * 100);
    const tradesBtc =
      metric(b, "engine_trades_total", { symbol: "BTC-USD" }) - metric(a, "engine_trades_total", { symbol: "BTC-USD" });
    // BTC-USD trades about 40 a second unthrottled; 5 new orders a second allow about 5/120 of that.
    expect(tradesBtc).toBeLessThan(60 * 10);
    const st = await getJson<{ symbols: { symbol: string; throttleOrdersPerSecond: number | null }[] }>(
      x(),
      "/admin/state",
      x().credential,
    );
    expect(st.symbols.find((s) => s.symbol === "BTC-USD")?.throttleOrdersPerSecond).toBe(5);
    expect(st.symbols.find((s) => s.symbol === "ETH-USD")?.throttleOrdersPerSecond).toBeNull();
    expect((await control(x(), "symbol-throttle", { symbol: "BTC-USD", off: true })).status).toBe(200);
    fleet.advance(MIN);
    const c = await m();
    expect(metric(c, "trading_api_rejections_total", { symbol: "BTC-USD", reason: "throttled" })).toBe(rejected);
    expect(
      metric(c, "engine_trades_total", { symbol: "BTC-USD" }) - metric(b, "engine_trades_total", { symbol: "BTC-USD" }),
    ).toBeGreaterThan(60 * 20);
  });

  it("kafka-outage: producer errors, outbox and consumer lag grow, WS degraded; catches up after recovery", async () => {
    await start();
    fleet.startScenario("kafka-outage");
    fleet.advance(MIN);
    const a = await m();
    fleet.advance(MIN);
    const b = await m();
    expect(metric(b, "kafka_brokers_up")).toBe(0);
    expect(metric(b, "kafka_producer_errors_total")).toBeGreaterThan(metric(a, "kafka_producer_errors_total"));
    expect(metric(b, "kafka_producer_pending_messages")).toBeGreaterThan(metric(a, "kafka_producer_pending_messages"));
    expect(metric(b, "ws_degraded")).toBe(1);
    expect(metric(b, "ledger_settlement_lag_p99_seconds")).toBeGreaterThan(30);
    expect(metric(b, "engine_trades_total")).toBeGreaterThan(metric(a, "engine_trades_total"));
    expect((await http(x().url + "/health/ready")).status).toBe(503);
    fleet.advance(7 * MIN);
    const c = await m();
    expect(metric(c, "kafka_brokers_up")).toBe(3);
    expect(metric(c, "kafka_producer_pending_messages")).toBe(0);
    expect(metric(c, "kafka_consumer_lag_messages", { group: "ledger-settlement" })).toBeLessThan(1000);
    fleet.advance(MIN);
    expect(metric(await m(), "ledger_settlement_lag_p99_seconds")).toBeLessThan(5);
  });

  it("postgres-failover: tx errors and stalled settlement until the standby is promoted", async () => {
    await start();
    fleet.startScenario("postgres-failover");
    fleet.advance(MIN);
    const a = await m();
    expect(metric(a, "postgres_up", { node: "pg-a" })).toBe(0);
    expect(metric(a, "ledger_db_transaction_errors_total")).toBeGreaterThan(1000);
    expect(metric(a, "ledger_settlement_lag_p99_seconds")).toBeGreaterThan(30);
    expect((await http(x().url + "/health/ready")).status).toBe(503);
    fleet.advance(MIN);
    const b = await m();
    expect(metric(b, "postgres_primary", { node: "pg-b" })).toBe(1);
    expect((await http(x().url + "/health/ready")).status).toBe(200);
    fleet.advance(MIN);
    const c = await m();
    expect(metric(c, "ledger_settlement_lag_p99_seconds")).toBeLessThan(5);
    expect(
      metric(c, "ledger_db_transaction_errors_total") - metric(b, "ledger_db_transaction_errors_total"),
    ).toBeLessThan(5);
  });

  it("postgres-failover with the seed's immediate actions: withdrawals frozen, CANCEL_ONLY / SOFT_HALT stop new trades so the unsettled backlog stops growing; the freeze outlasts the failover", async () => {
    await start();
    const s0 = await m();
    fleet.startScenario("postgres-failover");
    fleet.advance(10_000);
    const s1 = await m();
    // Primary down, trading still NORMAL: trades keep arriving and pile up unsettled.
    expect(metric(s1, "postgres_up", { node: "pg-a" })).toBe(0);
    expect(metric(s1, "engine_trades_total")).toBeGreaterThan(metric(s0, "engine_trades_total"));
    expect(metric(s1, "kafka_consumer_lag_messages", { group: "ledger-settlement" })).toBeGreaterThan(
      metric(s0, "kafka_consumer_lag_messages", { group: "ledger-settlement" }),
    );

    // Seed 004 §3.6: 1) freeze withdrawals, 2) CANCEL_ONLY or SOFT_HALT depending on impact — through the control contract.
    const freeze = await control<{ ok: boolean; result: { withdrawalsHalted: boolean; previous: boolean } }>(
      x(),
      "withdrawals-halt",
      { on: true },
      { reason: "postgres primary down", ticketId: "OPS-604" },
    );
    expect(freeze.status).toBe(200);
    expect(freeze.body).toMatchObject({ ok: true, result: { withdrawalsHalted: true, previous: false } });
    const cancelOnly = await control<{ result: { mode: string; previousMode: string } }>(x(), "symbol-mode", {
      symbol: "BTC-USD",
      mode: "CANCEL_ONLY",
    });
    expect(cancelOnly.status).toBe(200);
    expect(cancelOnly.body.result).toMatchObject({ mode: "CANCEL_ONLY", previousMode: "NORMAL" });
    for (const symbol of ["ETH-USD", "SOL-USD", "XRP-USD"])
      expect((await control(x(), "symbol-mode", { symbol, mode: "SOFT_HALT" })).status).toBe(200);
    const btcOpen0 = (await state()).symbols.find((s) => s.symbol === "BTC-USD")!.openOrders;

    const a = await m();
    fleet.advance(60_000); // still before the standby is promoted (90 s)
    const b = await m();
    expect(metric(b, "postgres_primary", { node: "pg-a" })).toBe(1);
    expect(metric(b, "postgres_up", { node: "pg-a" })).toBe(0);
    expect(metric(b, "withdrawals_halted")).toBe(1);
    // No new trades on any symbol, so nothing new waits for the ledger while Postgres is down.
    expect(metric(b, "engine_trades_total")).toBe(metric(a, "engine_trades_total"));
    expect(metric(b, "kafka_consumer_lag_messages", { group: "ledger-settlement" })).toBe(
      metric(a, "kafka_consumer_lag_messages", { group: "ledger-settlement" }),
    );
    expect(metric(b, "kafka_consumer_lag_messages", { group: "ledger-settlement" })).toBeGreaterThan(0);
    // CANCEL_ONLY still lets clients cancel (the book shrinks); SOFT_HALT rejects new orders.
    expect(metric(b, "trading_api_rejections_total", { symbol: "BTC-USD", reason: "cancel_only" })).toBeGreaterThan(0);
    expect(metric(b, "engine_sequenced_events_total", { symbol: "BTC-USD" })).toBeGreaterThan(
      metric(a, "engine_sequenced_events_total", { symbol: "BTC-USD" }),
    );
    expect((await state()).symbols.find((s) => s.symbol === "BTC-USD")!.openOrders).toBeLessThan(btcOpen0);
    for (const symbol of ["ETH-USD", "SOL-USD", "XRP-USD"]) {
      expect(metric(b, "trading_api_rejections_total", { symbol, reason: "soft_halt" })).toBeGreaterThan(0);
      expect(metric(b, "engine_sequenced_events_total", { symbol })).toBe(
        metric(a, "engine_sequenced_events_total", { symbol }),
      );
      expect(metric(b, "engine_symbol_mode", { symbol, mode: "SOFT_HALT" })).toBe(1);
    }
    const st = await state();
    expect(st.withdrawalsHalted).toBe(true);
    expect(st.symbols.map((s) => s.mode)).toEqual(["CANCEL_ONLY", "SOFT_HALT", "SOFT_HALT", "SOFT_HALT"]);

    // pg-b is promoted at 90 s: the backlog drains, but the freeze stays until an operator lifts it.
    fleet.advance(90_000);
    const c = await m();
    expect(metric(c, "postgres_primary", { node: "pg-b" })).toBe(1);
    expect(metric(c, "kafka_consumer_lag_messages", { group: "ledger-settlement" })).toBe(0);
    expect(metric(c, "ledger_settlement_lag_p99_seconds")).toBeLessThan(5);
    expect(metric(c, "withdrawals_halted")).toBe(1);
    expect(metric(c, "engine_trades_total")).toBe(metric(a, "engine_trades_total"));

    expect((await control(x(), "withdrawals-halt", { on: false })).status).toBe(200);
    for (const symbol of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"])
      await control(x(), "symbol-mode", { symbol, mode: "NORMAL" });
    fleet.advance(MIN);
    const d = await m();
    expect(metric(d, "withdrawals_halted")).toBe(0);
    expect(metric(d, "engine_trades_total")).toBeGreaterThan(metric(c, "engine_trades_total"));
  });

  it("postgres-failover: a control without a ticket ID is refused and changes nothing", async () => {
    await start();
    fleet.startScenario("postgres-failover");
    fleet.advance(10_000);
    const r = await control<{ error: string; field: string }>(
      x(),
      "withdrawals-halt",
      { on: true },
      { ticketId: null },
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "missing_field", field: "ticketId" });
    expect(metric(await m(), "withdrawals_halted")).toBe(0);
    expect((await state()).withdrawalsHalted).toBe(false);
  });
});

describe("spot-exchange blast radius and the ignores-halt fault", () => {
  type Blast = {
    symbols: {
      symbol: string;
      mode: string;
      openOrders: number;
      openOrdersNotionalUsd: number;
      tradesLastSecond: number;
      tradesLastMinute: number;
      restingLiquidityUsd: { bids: number; asks: number };
    }[];
    pendingWithdrawals: { count: number; amountUsd: number };
    withdrawalsPaidTotal: number;
  };
  const blast = () => getJson<Blast>(x(), "/admin/state", x().credential);

  it("reports open-order notional, last-minute trades, resting liquidity and pending withdrawals; a withdrawals halt lets them pile up", async () => {
    await start();
    const a = await blast();
    const btc = a.symbols.find((s) => s.symbol === "BTC-USD")!;
    expect(btc.openOrdersNotionalUsd).toBeGreaterThan(btc.openOrders);
    expect(btc.restingLiquidityUsd.bids + btc.restingLiquidityUsd.asks).toBe(btc.openOrdersNotionalUsd);
    expect(btc.tradesLastMinute).toBeGreaterThan(btc.tradesLastSecond);
    expect(a.withdrawalsPaidTotal).toBeGreaterThan(0);
    expect((await control(x(), "withdrawals-halt", { on: true })).status).toBe(200);
    fleet.advance(2 * MIN);
    const b = await blast();
    expect(b.withdrawalsPaidTotal).toBe(a.withdrawalsPaidTotal);
    expect(b.pendingWithdrawals.count).toBeGreaterThan(a.pendingWithdrawals.count);
    expect(b.pendingWithdrawals.amountUsd).toBeGreaterThan(a.pendingWithdrawals.amountUsd);
    // A halted symbol stops trading: no trades in the last minute once a minute has passed.
    expect((await control(x(), "symbol-mode", { symbol: "BTC-USD", mode: "HARD_HALT" })).status).toBe(200);
    fleet.advance(MIN + 1000);
    expect((await blast()).symbols.find((s) => s.symbol === "BTC-USD")!.tradesLastMinute).toBe(0);
  });

  it("ignores-halt: the halt is reported as set but the symbol keeps trading and withdrawals keep paying out, until cleared", async () => {
    await start();
    expect((await control(x(), "symbol-mode", { symbol: "BTC-USD", mode: "HARD_HALT" })).status).toBe(200);
    expect((await control(x(), "withdrawals-halt", { on: true })).status).toBe(200);
    await fleet.setFault("spot-exchange", "ignores-halt");
    expect(fleet.fault("spot-exchange")?.fault).toBe("ignores-halt");
    const before = metric(await m(), "engine_trades_total", { symbol: "BTC-USD" });
    const paid = (await blast()).withdrawalsPaidTotal;
    fleet.advance(MIN);
    const st = await blast();
    expect(st.symbols.find((s) => s.symbol === "BTC-USD")!.mode).toBe("HARD_HALT");
    expect(metric(await m(), "engine_trades_total", { symbol: "BTC-USD" })).toBeGreaterThan(before);
    expect(st.withdrawalsPaidTotal).toBeGreaterThan(paid);
    await fleet.clearFault("spot-exchange");
    fleet.advance(2000);
    const held = metric(await m(), "engine_trades_total", { symbol: "BTC-USD" });
    fleet.advance(MIN);
    expect(metric(await m(), "engine_trades_total", { symbol: "BTC-USD" })).toBe(held);
  });

  it("ignores-halt is refused for a system that has no halt it could ignore", async () => {
    fleet = await startTestFleet({ kinds: ["futures-bot"] });
    await expect(fleet.setFault(fleet.systems[0]!.name, "ignores-halt")).rejects.toThrow(
      /applies to a spot exchange or a trading bot/,
    );
  });
});
