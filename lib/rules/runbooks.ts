// Runbook slugs the findings point at: one per playbook in the seeds, plus the console's own
// (telemetry-dark) and two for seed 004 dashboards that have no playbook of their own. The
// runbooks module renders these; the slugs are the contract between the two.

export const RUNBOOKS = {
  "capital-invariant-violation": { title: "Capital invariant violation", seed: "000" },
  "reconciliation-divergence": { title: "Reconciliation divergence", seed: "001" },
  "ghost-position": { title: "Ghost position (exchange open, bot closed)", seed: "002" },
  "stale-pending-orders": { title: "Stale pending orders", seed: "002" },
  "auth-failures": { title: "Auth failures (API/WebSocket)", seed: "002" },
  "registry-audit-failure": { title: "Registry audit failure", seed: "003" },
  "orphan-phantom-spike": { title: "Orphan/phantom spike", seed: "003" },
  "persistent-qty-mismatch": { title: "Persistent qty_mismatch", seed: "003" },
  "high-dedupe": { title: "High dedupe with low new adjustments", seed: "003" },
  "kill-switch-recovery": { title: "Kill switch recovery", seed: "003" },
  "circuit-breaker-open": { title: "Circuit breaker open", seed: "003" },
  "position-import": { title: "Position not tracked / position import", seed: "003" },
  "missing-stop-loss": { title: "Missing stop-loss / take-profit orders", seed: "003" },
  "margin-critical": { title: "System halted with margin_critical", seed: "003" },
  "ledger-invariant-violation": { title: "Ledger invariant violation", seed: "004" },
  "settlement-lag-spike": { title: "Settlement lag spike", seed: "004" },
  "split-brain": { title: "Split-brain suspected", seed: "004" },
  "ws-fanout-overload": { title: "WS fan-out overload", seed: "004" },
  "kafka-outage": { title: "Kafka/Redpanda outage", seed: "004" },
  "postgres-failover": { title: "Postgres failover / corruption", seed: "004" },
  "trading-api-degradation": {
    title: "Trading API latency and errors (spot exchange dashboards; no playbook)",
    seed: "004",
  },
  "edge-auth-anomaly": { title: "Edge auth failures and replays (spot exchange dashboards; no playbook)", seed: "004" },
  "telemetry-dark": { title: "Telemetry dark: exposure unknown", seed: "console" },
} as const satisfies Record<string, { title: string; seed: string }>;

export type RunbookSlug = keyof typeof RUNBOOKS;
