import { describe, expect, it } from "vitest";
import { RuleHarness, T0 } from "../testing";

const S = 1000;
const M = 60 * S;
const spot = (thresholds = {}) => new RuleHarness("spot-exchange", { thresholds });

describe("ledger (seed 004 §3.1)", () => {
  // The drill: the counter rises by one at every invariant check (every 10 s) from +1 min to
  // +2 min, then stays at 6; the exchange keeps running its checks every 10 s throughout.
  const violations = (t: number) => (t < T0 + M ? 0 : t < T0 + 2 * M ? 1 + Math.floor((t - T0 - M) / 10_000) : 6);
  const drill = (h = spot(), o: { checks?: boolean; counter?: (t: number) => number } = {}) => {
    h.hold(T0, T0 + 40 * M, "invariant_violation_total", o.counter ?? violations).hold(
      T0,
      T0 + 40 * M,
      "withdrawals_halted",
      0,
    );
    if (o.checks !== false) h.hold(T0, T0 + 40 * M, "invariant_checks_total", (t) => Math.floor((t - T0) / 10_000));
    return h;
  };
  const LEDGER = "exchange_ledger_invariant";

  it("invariant_violation_total increasing is SEV1 critical at once", () => {
    const h = drill();
    expect(h.one(LEDGER, T0 + 50 * S).state).toBe("ok");
    const f = h.one(LEDGER, T0 + 90 * S);
    expect(f).toMatchObject({
      state: "critical",
      severity: "SEV1",
      runbook: "ledger-invariant-violation",
      escalationDueAt: T0 + M,
    });
    expect(f.summary).toMatch(/withdrawals NOT halted/);
    expect(f.summary).toMatch(/scope unknown/);
    expect(f.confirmable).toMatch(/4 invariant violations/);
    expect(h.freshness("stale", "/metrics").one(LEDGER, T0 + 90 * S).state).toBe("unknown");
  });

  it("stays SEV1 critical after the violations stop, until the counter has not grown for the window and a check has passed since", () => {
    const h = drill();
    // Last rise at +1 min 50 s (the counter reaches 6); 15 minutes of quiet end at +16 min 50 s.
    const quietEnds = T0 + M + 50 * S + 15 * M;
    const before = h.one(LEDGER, quietEnds - 2 * S);
    expect(before).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(before.summary).toMatch(/last 14 min 58 s ago/);
    expect(before.summary).toMatch(/2 s to go\); a commander can also confirm/);
    const after = h.one(LEDGER, quietEnds + 2 * S);
    expect(after.state).toBe("ok");
    expect(after.summary).toMatch(/\d+ invariant checks passed since.*stays 6/);
    expect(h.one(LEDGER, T0 + 35 * M).state).toBe("ok");
  });

  it("without any invariant check since the last violation it does not clear by itself", () => {
    const h = drill(spot(), { checks: false });
    // Checks ran until the violations, then stopped being counted.
    h.hold(T0, T0 + 2 * M - 10 * S, "invariant_checks_total", (t) => Math.floor((t - T0) / 10_000)).hold(
      T0 + 2 * M,
      T0 + 40 * M,
      "invariant_checks_total",
      11,
    );
    const f = h.one(LEDGER, T0 + 25 * M);
    expect(f).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(f.summary).toMatch(/no invariant check has run since the last violation/);
  });

  it("an exchange that reports no check count clears on the window alone", () => {
    const h = drill(spot(), { checks: false });
    expect(h.one(LEDGER, T0 + 16 * M).state).toBe("critical");
    expect(h.one(LEDGER, T0 + 17 * M).state).toBe("ok");
  });

  it("a total already above zero when first seen is SEV1 critical, not a warning", () => {
    const h = spot()
      .hold(T0, T0 + 40 * M, "invariant_violation_total", 3)
      .hold(T0, T0 + 40 * M, "invariant_checks_total", (t) => 100 + Math.floor((t - T0) / 10_000));
    const f = h.one(LEDGER, T0 + 30 * S);
    expect(f).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(f.summary).toMatch(/already above zero when first seen/);
    expect(h.one(LEDGER, T0 + 15 * M + 2 * S).state).toBe("ok");
  });

  it("a commander's confirmation returns it to ok, shown as confirmed by … at …; a new increase fires it again", () => {
    const h = drill();
    h.confirm(LEDGER, T0 + 3 * M);
    const f = h.one(LEDGER, T0 + 3 * M + 2 * S);
    expect(f.state).toBe("ok");
    expect(f.confirmed).toMatchObject({ by: "Casey Commander", at: T0 + 3 * M, ticketId: "OPS-42" });
    expect(f.summary).toMatch(/earlier violations confirmed handled at 00:03 UTC/);
    expect(f.summary).not.toMatch(/Casey|OPS-42/);
    // A new violation after the confirmation.
    const h2 = drill(spot(), { counter: (t) => (t >= T0 + 5 * M ? 7 : violations(t)) });
    h2.confirm(LEDGER, T0 + 3 * M);
    const again = h2.one(LEDGER, T0 + 5 * M + 2 * S);
    expect(again).toMatchObject({ state: "critical", severity: "SEV1", escalationDueAt: T0 + 5 * M });
    expect(again.summary).toMatch(/new since it was confirmed handled at 00:03 UTC/);
    expect(again.summary).not.toMatch(/Casey/);
  });

  it("a confirmation made while the counter still rises holds only until the next rise", () => {
    const h = drill();
    h.confirm(LEDGER, T0 + 85 * S);
    expect(h.one(LEDGER, T0 + 88 * S).state).toBe("ok");
    expect(h.one(LEDGER, T0 + 92 * S).state).toBe("critical");
  });

  it("one finding per symbol when the exchange labels the counter by symbol", () => {
    const h = spot()
      .hold(T0, T0 + 5 * M, "invariant_violation_total", (t) => (t < T0 + M ? 0 : 2), {
        entity: "ETH-USD",
        labels: { symbol: "ETH-USD" },
      })
      .hold(T0, T0 + 5 * M, "invariant_violation_total", 0, { entity: "BTC-USD", labels: { symbol: "BTC-USD" } });
    expect(h.one(LEDGER, T0 + 2 * M, "ETH-USD")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(h.one(LEDGER, T0 + 2 * M, "ETH-USD").summary).not.toMatch(/scope unknown/);
    expect(h.one(LEDGER, T0 + 2 * M, "BTC-USD").state).toBe("ok");
  });

  it("the window is a per-target threshold", () => {
    const h = drill(spot({ exchange_ledger_invariant: { windowMinutes: 0.5 } }));
    expect(h.one(LEDGER, T0 + 2 * M + 10 * S).state).toBe("critical");
    expect(h.one(LEDGER, T0 + 2 * M + 25 * S).state).toBe("ok");
  });
  it("engine/ledger seq mismatch persisting > 30 s", () => {
    const h = spot().hold(T0, T0 + M, "ledger_seq_mismatch", (t) => (t < T0 + 10 * S ? 0 : 3));
    expect(h.one("ledger_seq_mismatch", T0 + 40 * S)).toMatchObject({ state: "warning", escalationDueAt: T0 + 40 * S });
    expect(h.one("ledger_seq_mismatch", T0 + 42 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
  });
});

describe("settlement_lag (seed 004 §3.2: T2/T3 policy)", () => {
  const lag = (h: RuleHarness) =>
    h.hold(T0, T0 + 20 * M, "ledger_settlement_lag_p99_seconds", (t) =>
      t < T0 + M ? 1 : t < T0 + 2 * M ? 5 + (t - T0 - M) / 10_000 : 45,
    );
  it("T2 throttle warning, T3 critical, SEV1 when over T2 for longer than 10 minutes; exactly T2 does not fire", () => {
    const h = lag(spot());
    expect(h.one("settlement_lag", T0 + M).state).toBe("ok"); // 5 s = T2, not above it
    expect(h.one("settlement_lag", T0 + 90 * S)).toMatchObject({
      state: "warning",
      severity: "SEV2",
      escalationDueAt: T0 + 11 * M + 2 * S,
    });
    expect(h.one("settlement_lag", T0 + 3 * M)).toMatchObject({
      state: "critical",
      severity: "SEV2",
      escalationDueAt: T0 + 11 * M + 2 * S,
    });
    expect(h.one("settlement_lag", T0 + 11 * M + 2 * S).severity).toBe("SEV2");
    expect(h.one("settlement_lag", T0 + 11 * M + 4 * S).severity).toBe("SEV1");
  });
  it("lag between T2 and T3 that lasts becomes SEV1 too", () => {
    const h = spot().hold(T0, T0 + 20 * M, "ledger_settlement_lag_p99_seconds", 12);
    expect(h.one("settlement_lag", T0 + 10 * M)).toMatchObject({
      state: "warning",
      severity: "SEV2",
      escalationDueAt: T0 + 10 * M,
    });
    expect(h.one("settlement_lag", T0 + 10 * M + 2 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
    const shorter = spot({ settlement_lag: { prolongedMinutes: 3 } }).hold(
      T0,
      T0 + 5 * M,
      "ledger_settlement_lag_p99_seconds",
      12,
    );
    expect(shorter.one("settlement_lag", T0 + 3 * M + 2 * S).severity).toBe("SEV1");
  });
  it("T2/T3 are per-target policy", () => {
    const h = lag(spot({ settlement_lag: { t2Seconds: 50, t3Seconds: 60 } }));
    expect(h.one("settlement_lag", T0 + 3 * M).state).toBe("ok");
  });
  it("the exchange's own T2/T3 win over the console's, and the card says so", () => {
    const h = spot()
      .hold(T0, T0 + 5 * M, "ledger_settlement_lag_p99_seconds", 12)
      .hold(T0, T0 + 5 * M, "settlement.t2Seconds", 20)
      .hold(T0, T0 + 5 * M, "settlement.t3Seconds", 60);
    const f = h.one("settlement_lag", T0 + 5 * M);
    expect(f.state).toBe("ok");
    expect(f.summary).toMatch(/T2 20 s, the exchange's policy/);
    h.hold(T0 + 5 * M + 2 * S, T0 + 6 * M, "ledger_settlement_lag_p99_seconds", 25)
      .hold(T0 + 5 * M + 2 * S, T0 + 6 * M, "settlement.t2Seconds", 20)
      .hold(T0 + 5 * M + 2 * S, T0 + 6 * M, "settlement.t3Seconds", 60);
    expect(h.one("settlement_lag", T0 + 6 * M)).toMatchObject({ state: "warning", severity: "SEV2" });
    const fallback = spot()
      .hold(T0, T0 + M, "ledger_settlement_lag_p99_seconds", 12)
      .hold(T0, T0 + M, "settlement.t2Seconds", 20);
    expect(
      fallback.one("settlement_lag", T0 + M).evidence.values.find((v) => v.label === "T2 / T3 (s)")?.value,
    ).toMatch(/console config/);
  });
});

describe("split_brain (seed 004 §3.3)", () => {
  it("duplicate seq per symbol, two lease holders and fencing-token anomalies are all SEV1", () => {
    const h = spot()
      .hold(T0, T0 + M, "duplicate_seq_total", (t) => (t < T0 + 30 * S ? 0 : 4), {
        entity: "BTC-USD",
        labels: { symbol: "BTC-USD" },
      })
      .hold(T0, T0 + M, "duplicate_seq_total", 0, { entity: "ETH-USD", labels: { symbol: "ETH-USD" } })
      .hold(T0, T0 + M, "leader_lease_holder", 1, { labels: { node: "engine-a" } })
      .hold(T0, T0 + M, "leader_lease_holder", (t) => (t < T0 + 30 * S ? 0 : 1), { labels: { node: "engine-b" } })
      .hold(T0, T0 + M, "state_hash_divergence_total", 0)
      .hold(T0, T0 + M, "fencing_token_rejections_total", (t) => (t < T0 + 10 * S ? 0 : 5));
    expect(h.one("split_brain", T0 + 20 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(h.one("split_brain", T0 + 20 * S).summary).toMatch(/FENCING_TOKEN/);
    expect(h.one("split_brain", T0 + M)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      runbook: "split-brain",
      affected: ["BTC-USD"],
    });
    expect(h.one("split_brain", T0 + M, "BTC-USD")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(h.one("split_brain", T0 + M, "ETH-USD").state).toBe("ok");
  });

  /**
   * Duplicates on BTC-USD from T0+30 s to T0+1 min while engine-b also holds the lease (token 8 vs
   * engine-a's 7). The other node gives up the lease at T0+2 min (engine-a unless it is the keeper). `resume` adds the runbook's recovery of
   * the symbol: HARD_HALT at T0+1 min, CANCEL_ONLY at T0+3 min, NORMAL at T0+4 min.
   */
  function episode(resume: boolean, keeper: "engine-a" | "engine-b" = "engine-b", until = T0 + 20 * M) {
    const gives = keeper === "engine-b" ? "engine-a" : "engine-b";
    const h = spot()
      .hold(T0, until, "duplicate_seq_total", (t) => (t < T0 + 30 * S ? 0 : t < T0 + M ? 4 : 9), {
        entity: "BTC-USD",
        labels: { symbol: "BTC-USD" },
      })
      .hold(T0, until, "leader_lease_holder", (t) => (t < T0 + 2 * M ? 1 : 0), { labels: { node: gives } })
      .hold(T0, until, "leader_lease_holder", (t) => (t < T0 + 30 * S && keeper === "engine-b" ? 0 : 1), {
        labels: { node: keeper },
      })
      .hold(T0, until, "leader_fencing_token", 7, { labels: { node: "engine-a" } })
      .hold(T0, until, "leader_fencing_token", 8, { labels: { node: "engine-b" } })
      .hold(T0, until, "state_hash_divergence_total", 0)
      .hold(T0, until, "fencing_token_rejections_total", 0);
    h.hold(T0, until, "symbol_mode", (t) => (!resume || t < T0 + M ? 0 : t < T0 + 3 * M ? 3 : t < T0 + 4 * M ? 1 : 0), {
      entity: "BTC-USD",
    });
    return h;
  }
  it("holds past the 5-minute window while the symbol was never resumed in CANCEL_ONLY, then NORMAL", () => {
    const h = episode(false);
    expect(h.one("split_brain", T0 + 15 * M, "BTC-USD")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(h.one("split_brain", T0 + 15 * M, "BTC-USD").summary).toMatch(/resume in CANCEL_ONLY, then NORMAL/);
    // Leadership is settled (one leader, the highest token, quiet): the exchange-wide finding clears.
    expect(h.one("split_brain", T0 + 15 * M).state).toBe("ok");
  });
  it("clears once one leader holds the highest token, the symbol resumed CANCEL_ONLY → NORMAL, and 5 minutes passed", () => {
    const h = episode(true);
    const open = h.one("split_brain", T0 + 6 * M - 2 * S, "BTC-USD");
    expect(open.state).toBe("critical"); // last duplicate at T0+1 min
    // Shown as a time a responder can read, not milliseconds since 1970.
    expect(open.evidence.values.find((v) => v.label === "last duplicate")?.value).toBe(
      `${new Date(T0 + M).toISOString().slice(0, 10)} ${new Date(T0 + M).toISOString().slice(11, 19)} UTC`,
    );
    expect(h.one("split_brain", T0 + 6 * M, "BTC-USD").state).toBe("ok");
    // The exchange-wide finding also waits 5 minutes after two nodes last held the lease (T0+1 min 58 s).
    expect(h.one("split_brain", T0 + 6 * M).state).toBe("critical");
    expect(h.one("split_brain", T0 + 6 * M + 58 * S).state).toBe("ok");
  });
  it("the wrong node keeping the lease (a lower fencing token) holds it", () => {
    const h = episode(true, "engine-a");
    const f = h.one("split_brain", T0 + 10 * M, "BTC-USD");
    expect(f.state).toBe("critical");
    expect(f.summary).toMatch(/does not hold the highest fencing token/);
  });
});

describe("replay_detect (seed 004: SEV1 signing compromise)", () => {
  it("a replay burst warns; a flood, or replays that do not stop, are a suspected signing compromise (SEV1)", () => {
    // 12 replays per 5 minutes (2.4 a minute) from T0+1 min: warning, and SEV1 after 15 minutes of it.
    const steady = spot().hold(T0, T0 + 30 * M, "replay_detect_total", (t) =>
      t < T0 + M ? 0 : Math.floor(((t - T0 - M) / M) * 2.4),
    );
    expect(steady.one("replay_detect", T0 + 4 * M).state).toBe("ok");
    const warn = steady.one("replay_detect", T0 + 7 * M);
    expect(warn).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(steady.one("replay_detect", warn.since + 15 * M)).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(steady.one("replay_detect", warn.since + 15 * M + 10 * S)).toMatchObject({
      state: "critical",
      severity: "SEV1",
    });
    const flood = spot().hold(T0, T0 + 3 * M, "replay_detect_total", (t) => (t < T0 + M ? 0 : 150));
    expect(flood.one("replay_detect", T0 + 2 * M)).toMatchObject({ state: "critical", severity: "SEV1" });
  });
});

describe("ws, kafka, postgres, api, edge", () => {
  it("SLOW_CONSUMER growth: warning, critical with edge strain", () => {
    const h = spot()
      .hold(T0, T0 + 6 * M, "ws_close_total", (t) => Math.floor((t - T0) / 20_000), {
        labels: { reason: "SLOW_CONSUMER" },
      })
      .hold(T0, T0 + 6 * M, "edge_cpu_usage_ratio", (t) => (t < T0 + 5 * M ? 0.5 : 0.9));
    expect(h.one("ws_slow_consumer", T0 + 2 * M).state).toBe("ok"); // 6 closes
    expect(h.one("ws_slow_consumer", T0 + 4 * M)).toMatchObject({ state: "warning", severity: "SEV3" });
    expect(h.one("ws_slow_consumer", T0 + 6 * M)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
  it("Kafka: all brokers down is a SEV2 outage", () => {
    const h = spot()
      .hold(T0, T0 + M, "kafka_brokers_up", (t) => (t < T0 + 30 * S ? 3 : 0))
      .hold(T0, T0 + M, "kafka_producer_errors_total", 0);
    expect(h.one("kafka_outage", T0 + 20 * S).state).toBe("ok");
    expect(h.one("kafka_outage", T0 + M)).toMatchObject({ state: "critical", severity: "SEV2", since: T0 + 30 * S });
  });
  it("Kafka: one broker down, or ledger consumer lag of 2 million, is the runbook's SEV2 (not SEV3)", () => {
    const broker = spot()
      .hold(T0, T0 + M, "kafka_brokers_up", 2)
      .hold(T0, T0 + M, "kafka_producer_errors_total", 0)
      .hold(T0, T0 + M, "kafka_broker_up", 1, { labels: { broker: "0" } })
      .hold(T0, T0 + M, "kafka_broker_up", 0, { labels: { broker: "1" } });
    expect(broker.one("kafka_outage", T0 + M)).toMatchObject({ state: "warning", severity: "SEV2" });
    const lag = spot()
      .hold(T0, T0 + M, "kafka_brokers_up", 3)
      .hold(T0, T0 + M, "kafka_producer_errors_total", 0)
      .hold(T0, T0 + M, "kafka_consumer_lag_messages", 2_000_000, { labels: { group: "ledger-settlement" } });
    expect(lag.one("kafka_outage", T0 + M)).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(lag.one("kafka_outage", T0 + M).summary).toMatch(/2,000,000/);
  });
  it("Postgres primary down: SEV2, SEV1 without failover in 5 minutes", () => {
    const h = spot()
      .hold(T0, T0 + 6 * M, "postgres_up", (t) => (t < T0 + 10 * S ? 1 : 0), { labels: { node: "pg-a" } })
      .hold(T0, T0 + 6 * M, "postgres_up", 1, { labels: { node: "pg-b" } })
      .hold(T0, T0 + 6 * M, "postgres_primary", 1, { labels: { node: "pg-a" } })
      .hold(T0, T0 + 6 * M, "postgres_primary", 0, { labels: { node: "pg-b" } });
    expect(h.one("postgres_health", T0 + M)).toMatchObject({
      state: "critical",
      severity: "SEV2",
      escalationDueAt: T0 + 5 * M + 10 * S,
    });
    expect(h.one("postgres_health", T0 + 6 * M).severity).toBe("SEV1");
  });
  it("Postgres corruption signals are SEV1 at once: checksum failures, replication errors, ledger invariant failures around a node outage", () => {
    const healthy = (h: RuleHarness) =>
      h
        .hold(T0, T0 + 2 * M, "postgres_up", 1, { labels: { node: "pg-a" } })
        .hold(T0, T0 + 2 * M, "postgres_primary", 1, { labels: { node: "pg-a" } });
    const checksum = healthy(spot()).hold(
      T0,
      T0 + 2 * M,
      "pg_stat_database_checksum_failures",
      (t) => (t < T0 + M ? 0 : 2),
      { labels: { datname: "ledger" } },
    );
    expect(checksum.one("postgres_health", T0 + M - 2 * S).state).toBe("ok");
    expect(checksum.one("postgres_health", T0 + M + 2 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(checksum.one("postgres_health", T0 + M + 2 * S).summary).toMatch(/2 checksum failures/);
    const repl = healthy(spot()).hold(T0, T0 + 2 * M, "postgres_replication_errors_total", (t) => (t < T0 + M ? 0 : 1));
    expect(repl.one("postgres_health", T0 + 2 * M)).toMatchObject({ state: "critical", severity: "SEV1" });
    // The ledger invariant failing after the primary went down and came back: corruption suspected.
    const ledger = spot()
      .hold(T0, T0 + 4 * M, "postgres_up", (t) => (t >= T0 + M && t < T0 + 2 * M ? 0 : 1), { labels: { node: "pg-a" } })
      .hold(T0, T0 + 4 * M, "postgres_primary", 1, { labels: { node: "pg-a" } })
      .hold(T0, T0 + 4 * M, "invariant_violation_total", (t) => (t < T0 + 3 * M ? 0 : 1));
    expect(ledger.one("postgres_health", T0 + 3 * M - 2 * S).state).toBe("ok");
    expect(ledger.one("postgres_health", T0 + 3 * M + 2 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
    // The same invariant failure with Postgres up throughout is the ledger rule's, not corruption.
    const noOutage = healthy(spot()).hold(T0, T0 + 2 * M, "invariant_violation_total", (t) => (t < T0 + M ? 0 : 1));
    expect(noOutage.one("postgres_health", T0 + 2 * M).state).toBe("ok");
  });
  it("API latency over threshold for more than 5 minutes; error rate tiers", () => {
    const lat = spot().hold(T0, T0 + 6 * M, "trading_api_request_duration_seconds:p99_window", 0.4);
    expect(lat.one("api_latency", T0 + 5 * M).state).toBe("ok");
    expect(lat.one("api_latency", T0 + 5 * M + 2 * S)).toMatchObject({ state: "warning", severity: "SEV3" });
    const err = (rate: number) =>
      spot()
        .hold(T0, T0 + 5 * M, "trading_api_requests_total", (t) => (t - T0) / 10, { labels: { outcome: "ok" } })
        .hold(T0, T0 + 5 * M, "trading_api_errors_total", (t) => ((t - T0) / 10) * rate, {
          labels: { reason: "internal" },
        })
        .one("api_error_rate", T0 + 5 * M);
    expect(err(0.005).state).toBe("ok");
    expect(err(0.02)).toMatchObject({ state: "warning", severity: "SEV3" });
    expect(err(0.1)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
  it("edge auth failures per reason and replay detects", () => {
    const h = spot()
      .hold(T0, T0 + 5 * M, "auth_fail_total", (t) => (t - T0) / 500, { labels: { reason: "bad_signature" } })
      .hold(T0, T0 + 5 * M, "auth_fail_total", 1, { labels: { reason: "unknown_key" } })
      .hold(T0, T0 + 5 * M, "replay_detect_total", (t) => Math.floor((t - T0) / 20_000));
    expect(h.one("edge_auth_failures", T0 + 5 * M, "bad_signature")).toMatchObject({
      state: "warning",
      severity: "SEV3",
    });
    expect(h.one("edge_auth_failures", T0 + 5 * M, "unknown_key").state).toBe("ok");
    expect(h.one("replay_detect", T0 + 5 * M)).toMatchObject({ state: "warning", severity: "SEV2" });
  });
});
