import { z } from "zod";
import { bool, id, isoTime, num, str } from "./common";

// trading-bot documents (seeds 000, 001, 002): GET /internal/health and GET /api/status.
// Field names are the seeds' own; see common.ts for the optional/strict rules.

const ReconciliationLock = z.object({ held: bool, holder: str, since: isoTime });

const ParitySlice = z.object({
  sliceId: str,
  symbol: str,
  botQty: num,
  exchangeQty: num,
  confirmations: num,
  state: str,
  subTag: str,
  mismatchNotionalUsd: num,
});

export const LedgerProfile = z.object({
  profile_id: id,
  allocated: num,
  reserved_for_orders: num,
  reserved_for_positions: num,
  realized_pnl: num,
  available_capital: num,
  status: str,
  tradingLoopHealthy: bool,
  capitalInvariantViolations: num,
  capitalInvariantViolationsTotal: num,
  violationSince: isoTime,
  lastReconciledAt: isoTime,
  reconciliationLock: ReconciliationLock.nullish(),
  openSlices: num,
  /** Notional of the profile's open positions (USD). */
  exposureUsd: num,
  parity: z
    .object({
      mismatchedSlices: num,
      quarantinedSlices: num,
      maxConfirmations: num,
      requiredConfirmations: num,
      slices: z.array(ParitySlice).nullish(),
    })
    .nullish(),
});
export type LedgerProfile = z.infer<typeof LedgerProfile>;

export const StaleOrders = z.object({
  backlog: num,
  oldestAgeSeconds: num,
  byProfile: z.record(z.string(), z.number()).nullish(),
});

export const QuarantinedOrder = z.object({ orderId: str, profileId: str, symbol: str, since: isoTime, reason: str });

const NoGoEntry = z.object({ sliceId: str, profileId: str, symbol: str, reason: str });
/** An exchange fill reconciliation could not attach to a trade (stale or unattributed). */
const UnattributedFill = z.object({ fillId: str, profileId: str, symbol: str, at: isoTime, reason: str });

const BotPosition = z.object({ sliceId: str, profileId: str, symbol: str, qty: num, entryPrice: num, subTag: str });
const ExchangePosition = BotPosition.extend({ trackedByBot: bool });

/** Flag values as the bot reports them: booleans, numbers, or (from env-style configs) strings. */
const FlagValue = z.union([z.boolean(), z.number(), z.string()]).nullable();

export const TradingBotHealth = z.object({
  tradingLoopHealthy: bool,
  reconciliationLoopHealthy: bool,
  capitalInvariantViolations: num,
  lockContentionCount: num,
  reconciliationMismatchCount: num,
  reconciliationMissingFromExchange: num,
  reconciliationMissingInDb: num,
  reconciliationLastRun: isoTime,
  reconciliationParityMismatchTrades: num,
  reconciliationParityQuarantinedTrades: num,
  reconciliationParityAutoClosedTrades: num,
  reconciliationParityDryRunWouldClose: num,
  reconciliationParityMaxMismatchNotionalUsd: num,
  reconciliationParityTotalMismatchNotionalUsd: num,
  reconciliationIntegrityWatchdogTriggered: bool,
  watchdog: z
    .object({ paused: bool, since: isoTime, source: str, cleanCycleStreak: num, lastResumeAt: isoTime })
    .nullish(),
  flags: z.record(z.string(), FlagValue).nullish(),
  profiles: z.array(LedgerProfile).nullish(),
  staleOrders: StaleOrders.nullish(),
  quarantinedOrders: z.array(QuarantinedOrder).nullish(),
  reconciliationNoGo: z.array(NoGoEntry).nullish(),
  reconciliationStaleFills: num,
  reconciliationUnknownFills: num,
  reconciliationUnattributedFills: z.array(UnattributedFill).nullish(),
  positions: z.object({ bot: z.array(BotPosition).nullish(), exchange: z.array(ExchangePosition).nullish() }).nullish(),
});
export type TradingBotHealth = z.infer<typeof TradingBotHealth>;

/** GET /health: the incident runbook's stale-backlog check (and the quarantined orders). */
export const TradingBotPlainHealth = z.object({
  staleOrders: StaleOrders.nullish(),
  quarantinedOrders: z.array(QuarantinedOrder).nullish(),
});
export type TradingBotPlainHealth = z.infer<typeof TradingBotPlainHealth>;

/** GET /api/status (credential). */
export const TradingBotApiStatus = z.object({
  status: str,
  profiles: z.array(z.object({ profile_id: id, status: str, tradingLoopHealthy: bool })).nullish(),
});
export type TradingBotApiStatus = z.infer<typeof TradingBotApiStatus>;
