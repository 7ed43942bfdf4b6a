// Scenarios for the spot exchange, one per incident playbook in seed 004.

import { defineScenario, type ScenarioRunContext } from "../core/system";
import { MINUTE, SECOND } from "../core/util";
import type { SpotExchange } from "../systems/spot-exchange";

function symbolOf(sys: SpotExchange, ctx: ScenarioRunContext): string {
  const s = ctx.options.symbol;
  if (typeof s === "string") {
    sys.symbol(s);
    return s;
  }
  return sys.firstSymbol();
}

export const spotExchangeScenarios = [
  defineScenario<SpotExchange>({
    name: "ledger-invariant-violation",
    kind: "spot-exchange",
    seed: "004",
    playbook: "Ledger invariant violation (SEV1)",
    description:
      "A consumer retry double-posts settlements: invariant_violation_total rises at every invariant check and ledger_seq stays ahead of engine_seq (ledger_seq_mismatch > 0).",
    recovery: "control",
    recoveryNote:
      "withdrawals-halt on (mandatory) and symbol-mode CANCEL_ONLY (or SOFT_HALT); replay settlement — stopping the scenario repairs the ledger.",
    steps: [
      {
        at: 0,
        label: "Three trades are posted twice by a retrying ledger consumer.",
        run: (sys) => void (sys.doublePostings = 3),
      },
      {
        at: 10 * SECOND,
        label: "Invariant check fails: invariant_violation_total +1 (every 10 s); ledger_seq_mismatch 3 persists.",
      },
    ],
    stop: (sys) => void (sys.doublePostings = 0),
  }),
  defineScenario<SpotExchange>({
    name: "settlement-lag",
    kind: "spot-exchange",
    seed: "004",
    playbook: "Settlement lag spike (T2 throttle, T3 halt)",
    description:
      "Postgres slows down (locks, disk IO): ledger throughput drops below the trade rate, the settlement backlog grows and settlement lag p99 passes T2 (5 s) then T3 (30 s).",
    recovery: "self",
    recoveryNote:
      "DB recovers after 12 minutes and the backlog drains. SOFT_HALT on busy symbols reduces inflow so the lag stops growing.",
    steps: [
      {
        at: 0,
        label: "Ledger throughput falls to 85% of the nominal trade rate.",
        run: (sys) => void (sys.ledgerCapacityOverride = sys.nominalTradeRate() * 0.85),
      },
      { at: 40 * SECOND, label: "ledger_settlement_lag_p99_seconds over T2 (5 s): throttle policy." },
      { at: 4 * MINUTE, label: "p99 over T3 (30 s): SOFT_HALT policy." },
      {
        at: 12 * MINUTE,
        label: "Postgres recovers; the ledger drains the backlog and p99 returns under T2.",
        run: (sys) => void (sys.ledgerCapacityOverride = null),
      },
    ],
    stop: (sys) => void (sys.ledgerCapacityOverride = null),
  }),
  defineScenario<SpotExchange>({
    name: "split-brain",
    kind: "spot-exchange",
    seed: "004",
    playbook: "Split-brain suspected (SEV1)",
    description:
      "engine-b claims the leader lease with a newer fencing token while engine-a keeps writing: both report leader_lease_holder 1, stale writes are rejected (FENCING_TOKEN), duplicate_seq_total rises for the symbol and state hashes diverge.",
    recovery: "control",
    recoveryNote:
      "symbol-mode HARD_HALT stops sequencing (and duplicates) for the symbol; resume CANCEL_ONLY, then NORMAL. Stopping the scenario resyncs the standby.",
    steps: [
      {
        at: 0,
        label: "engine-b takes the lease with fencing token +1 while engine-a still sequences the symbol.",
        run: (sys, ctx) => {
          sys.splitBrain = {
            node: "engine-b",
            fencingToken: sys.leader.fencingToken + 1,
            symbols: [symbolOf(sys, ctx)],
          };
        },
      },
      {
        at: 10 * SECOND,
        label:
          "duplicate_seq_total{symbol} and state_hash_divergence_total rising; fencing_token_rejections_total rising.",
      },
    ],
    stop: (sys) => void (sys.splitBrain = null),
  }),
  defineScenario<SpotExchange>({
    name: "ws-fanout-overload",
    kind: "spot-exchange",
    seed: "004",
    playbook: "WS fan-out overload",
    description:
      'Websocket clients quadruple; outbound load exceeds edge capacity: backlog per connection grows, ws_close_total{reason="SLOW_CONSUMER"} rises, edge CPU high, publish lag up.',
    recovery: "control",
    recoveryNote:
      "conflation on and/or book-depth 20 bring load under capacity; subscription-rate-limit on sheds the re-subscribe churn; the surge itself ends after 30 minutes.",
    steps: [
      {
        at: 0,
        label:
          "Client surge: connected clients ramp to 4x and re-subscribe (30 subscription operations a minute each).",
        run: (sys) => {
          sys.wsClientTarget = sys.cfg.wsClients * 4;
          sys.subscriptionDemandPerMinute = 30;
        },
      },
      {
        at: MINUTE,
        label: "SLOW_CONSUMER closes climbing; ws_connection_backlog_messages and edge_cpu_usage_ratio high.",
      },
      {
        at: 30 * MINUTE,
        label: "Surge over; clients back to normal.",
        run: (sys) => {
          sys.wsClientTarget = sys.cfg.wsClients;
          sys.subscriptionDemandPerMinute = 6;
        },
      },
    ],
    stop: (sys) => {
      sys.wsClientTarget = sys.cfg.wsClients;
      sys.subscriptionDemandPerMinute = 6;
    },
  }),
  defineScenario<SpotExchange>({
    name: "kafka-outage",
    kind: "spot-exchange",
    seed: "004",
    playbook: "Kafka/Redpanda outage",
    description:
      "All brokers go down: producer errors, the outbox grows (trading core keeps running on WAL/outbox), ledger settlement stalls, websocket market data degrades.",
    recovery: "self",
    recoveryNote: "Brokers return after 8 minutes; the outbox drains and the ledger consumer catches up.",
    steps: [
      { at: 0, label: "Brokers unavailable: kafka_brokers_up 0.", run: (sys) => void (sys.brokersUp = 0) },
      {
        at: 30 * SECOND,
        label:
          "kafka_producer_errors_total and kafka_producer_pending_messages rising; settlement lag growing; ws_degraded 1.",
      },
      {
        at: 8 * MINUTE,
        label: "Brokers restored; outbox drains, consumer lag falls back to near zero.",
        run: (sys) => void (sys.brokersUp = 3),
      },
    ],
    stop: (sys) => void (sys.brokersUp = 3),
  }),
  defineScenario<SpotExchange>({
    name: "postgres-failover",
    kind: "spot-exchange",
    seed: "004",
    playbook: "Postgres failover",
    description:
      "The Postgres primary fails: ledger transaction errors spike and settlement stops until the standby is promoted 90 seconds later; the ledger then catches up.",
    recovery: "self",
    recoveryNote:
      "Standby promoted after 90 s. Operators freeze withdrawals (withdrawals-halt) and use CANCEL_ONLY or SOFT_HALT meanwhile.",
    steps: [
      {
        at: 0,
        label:
          'pg-a (primary) down: postgres_up{node="pg-a"} 0, ledger_db_transaction_errors_total climbing, /health/ready 503.',
        run: (sys) => void sys.pgDown.add("pg-a"),
      },
      {
        at: 90 * SECOND,
        label: 'pg-b promoted: postgres_primary{node="pg-b"} 1; settlement resumes and lag drains.',
        run: (sys) => void (sys.pgPrimary = "pg-b"),
      },
    ],
    stop: (sys) => {
      sys.pgDown.clear();
      sys.pgPrimary = "pg-a";
    },
  }),
];
