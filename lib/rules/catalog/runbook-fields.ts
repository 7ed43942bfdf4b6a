import { SYSTEM_ENTITY } from "../../telemetry/model";

// The trading bot's telemetry the runbooks name, as the samples the console maps them to. A
// trading-bot rule must reach its verdict from these alone; the richer fields the simulator adds
// (per-profile ledger and loop state, parity detail, watchdog state, flags, positions, lock state)
// may only refine it. Rule tests run once with every sample and once with only these
// (RuleHarness `fields: "runbook"`); the simulator's `healthFields: runbook` mode serves only
// these too, the stale backlog and quarantined orders on the plain /health the incident runbook
// names (the console polls it).

/** `/internal/health` fields of the capital-invariant and reconciliation runbooks. */
export const TRADING_BOT_RUNBOOK_HEALTH = [
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
 * `/metrics` series the runbooks name, plus the auth-failure runbook's two signals (401/403
 * responses, websocket auth rejections) under their conventional names.
 */
export const TRADING_BOT_RUNBOOK_METRICS = [
  "capital_invariant_violations_total",
  "available_capital_gauge",
  "reconciliation_mismatch_count",
  "reconciliation_mismatch_total",
  "reconciliation_missing_from_exchange_total",
  "reconciliation_missing_in_db_total",
  "http_responses_total",
  "websocket_auth_rejections_total",
] as const;

/**
 * The incident runbook's checks: the stale backlog and quarantined (`unknown`) orders on `/health`,
 * and the status codes of `/health/live`, `/health/ready` and the authenticated `/api/status`.
 */
export const TRADING_BOT_RUNBOOK_CHECKS = [
  "staleOrders.backlog",
  "staleOrders.oldestAgeSeconds",
  "quarantinedOrders",
  "quarantinedOrder",
  "http_status",
] as const;

export const TRADING_BOT_RUNBOOK_SAMPLES: ReadonlySet<string> = new Set<string>([
  ...TRADING_BOT_RUNBOOK_HEALTH,
  ...TRADING_BOT_RUNBOOK_METRICS,
  ...TRADING_BOT_RUNBOOK_CHECKS,
]);

/** Whether a trading-bot sample is one the runbooks name (the health fields only bot-wide). */
export function isRunbookSample(metric: string, entity: string): boolean {
  if (!TRADING_BOT_RUNBOOK_SAMPLES.has(metric)) return false;
  // The health fields are bot-wide in the runbook; per-profile copies are the simulator's.
  return !(TRADING_BOT_RUNBOOK_HEALTH as readonly string[]).includes(metric) || entity === SYSTEM_ENTITY;
}
