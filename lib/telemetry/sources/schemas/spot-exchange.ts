import { z } from "zod";
import { bool, id, num, str } from "./common";

// spot-exchange GET /admin/state (seed 004; credential).

/** Seed 004's symbol modes, in order of severity; the index is the sample value. */
export const SYMBOL_MODES = ["NORMAL", "CANCEL_ONLY", "SOFT_HALT", "HARD_HALT"] as const;
export type SymbolMode = (typeof SYMBOL_MODES)[number];

/** Settlement policy per seed 004 §3.2: normal, throttle past T2, halt past T3. */
export const SETTLEMENT_POLICIES = ["normal", "throttle", "halt"] as const;

export const SpotAdminState = z.object({
  symbols: z
    .array(
      z.object({
        symbol: id,
        mode: str,
        openOrders: num,
        openOrdersNotionalUsd: num,
        lastPrice: num,
        tradesLastSecond: num,
        tradesLastMinute: num,
        newOrdersLastSecond: num,
        /** New orders a second the symbol accepts while throttled; null: not throttled. */
        throttleOrdersPerSecond: num,
        restingLiquidityUsd: z.object({ bids: num, asks: num }).nullish(),
        lastSeq: num,
      }),
    )
    .nullish(),
  withdrawalsHalted: bool,
  pendingWithdrawals: z.object({ count: num, amountUsd: num }).nullish(),
  /** Withdrawals paid out since the exchange started (a counter). */
  withdrawalsPaidTotal: num,
  conflation: bool,
  bookDepthDefault: num,
  // contender: null means "nobody contests the lease" (0), absent means "not reported".
  // The contender may be named (a string) or described with its own fencing token (an object).
  leader: z
    .object({
      node: str,
      fencingToken: num,
      contender: z
        .union([z.string(), z.object({ node: str, fencingToken: num })])
        .nullable()
        .optional(),
    })
    .nullish(),
  postgres: z.object({ primary: str, up: bool }).nullish(),
  kafka: z.object({ brokersUp: num, brokersTotal: num, outboxPending: num, ledgerConsumerLag: num }).nullish(),
  settlement: z.object({ lagP99Seconds: num, t2Seconds: num, t3Seconds: num, policy: str }).nullish(),
  websocket: z
    .object({
      clients: num,
      backlogPerConnection: num,
      loadRatio: num,
      /** Subscription operations a connection may make a minute now, and normally. */
      subscriptionLimitPerMinute: num,
      subscriptionLimitNormalPerMinute: num,
    })
    .nullish(),
});
export type SpotAdminState = z.infer<typeof SpotAdminState>;
