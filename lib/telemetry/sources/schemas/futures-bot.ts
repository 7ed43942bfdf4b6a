import { z } from "zod";
import { bool, id, isoTime, num, str } from "./common";

// futures-bot documents (seed 003): GET /status and GET /positions.

export const FuturesStatus = z.object({
  status: str,
  cycle: num,
  lastCycleAt: isoTime,
  positions: num,
  equityUsd: num,
  realizedPnlUsd: num,
  marginUtilization: z
    .object({ auction_max_margin_util: num, max_margin_utilization_pct: num, breached: bool })
    .nullish(),
  killSwitch: z.object({ active: bool, reason: str, since: isoTime }).nullish(),
  circuitBreaker: z.object({ state: str, openedAt: isoTime, nextProbeAt: isoTime, consecutiveFailures: num }).nullish(),
  ingest: z
    .object({ outbox: num, delivered: num, batchesSent: num, failures: num, lastStatus: num, lastError: str })
    .nullish(),
});
export type FuturesStatus = z.infer<typeof FuturesStatus>;

/**
 * slOrderId / tpOrderId: null means "this position has no such order" (a finding), while an
 * absent field means "not reported" (no sample). So they are `.nullable().optional()` and the
 * mapper tells the two apart.
 */
export const FuturesPosition = z.object({
  positionId: str,
  symbol: id,
  side: str,
  qty: num,
  entryPrice: num,
  markPrice: num,
  unrealizedPnlUsd: num,
  slOrderId: z.string().nullable().optional(),
  tpOrderId: z.string().nullable().optional(),
  onExchange: bool,
  exchangeQty: num,
});

const Coverage = z.object({ covered: num, missing: num });

export const FuturesPositions = z.object({
  positions: z.array(FuturesPosition).nullish(),
  untracked: z.array(z.object({ symbol: id, side: str, qty: num, entryPrice: num })).nullish(),
  coverage: z.object({ stopLoss: Coverage.nullish(), takeProfit: Coverage.nullish() }).nullish(),
});
export type FuturesPositions = z.infer<typeof FuturesPositions>;

// The NDJSON log record of GET /logs is the shared report record (report-record.ts).
