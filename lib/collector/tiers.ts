// The tiers telemetry history is kept in, finest first, and which of them a read of a given range
// should use. Pure: the rollup writer (history.ts) and the panel reader (panels/data.ts) share it.
//
//   raw   ≤ 1 point per series per 10 s (the history resolution), for the raw window (6 h)
//   1m    one-minute min/max/avg/last, rolled from raw samples by every rollup run (7 days)
//   10m   ten-minute min/max/avg/last, recomputed from the one-minute tier in the same run (7 days)
// The rollup tiers reach up to the last rollup run (every 5 minutes); raw samples since then are
// marked not rolled, and a bucketed read takes only those from the raw table.

export type TierName = "raw" | "1m" | "10m";

export interface Tier {
  name: TierName;
  /** Spacing of the tier's points (for raw, the default history resolution). */
  stepMs: number;
}

export const RAW_TIER: Tier = { name: "raw", stepMs: 10_000 };
export const TIER_1M: Tier = { name: "1m", stepMs: 60_000 };
export const TIER_10M: Tier = { name: "10m", stepMs: 600_000 };

/** Finest first. */
export const HISTORY_TIERS: readonly Tier[] = [RAW_TIER, TIER_1M, TIER_10M];

export type RollupTierName = "1m" | "10m";

export interface ReadPlan {
  /** The tier whose spacing sets the detail of the read. */
  tier: TierName;
  /** The rollup table read for the part of the range older than the raw samples. */
  rollup: RollupTierName;
  /**
   * Width of the buckets every source is grouped into, a whole multiple of the tier's step and
   * aligned to the epoch; 0 when the range is short enough for exact points.
   */
  bucketMs: number;
}

/**
 * Which tier and bucket width a read of `rangeMs` uses so that no series returns more than
 * `maxPoints` points (what a chart draws): the coarsest tier that still gives at least a quarter
 * of `maxPoints` over the range (enough to show a shape), in buckets of the smallest multiple of
 * its step that fits. With the charts' 1,000 points: 1 h reads exact raw points, 6 h one-minute
 * buckets, 24 h two-minute buckets from the one-minute tier, anything from about 42 h on reads
 * the ten-minute tier (7 days: twenty-minute buckets, 504 points).
 */
export function planHistoryRead(rangeMs: number, maxPoints: number): ReadPlan {
  if (!Number.isFinite(rangeMs) || rangeMs <= 0)
    throw new RangeError(`A history range must be a positive number of milliseconds, got ${rangeMs}.`);
  if (!Number.isInteger(maxPoints) || maxPoints < 2)
    throw new RangeError(`A history read must allow at least 2 points a series, got ${maxPoints}.`);
  const enough = Math.max(1, Math.floor(maxPoints / 4));
  let tier = RAW_TIER;
  for (const t of HISTORY_TIERS) if (rangeMs / t.stepMs >= enough) tier = t;
  // A range not aligned to the step touches one bucket more than range / width: keep one spare.
  const k = Math.max(1, Math.ceil(rangeMs / ((maxPoints - 1) * tier.stepMs)));
  const bucketMs = tier === RAW_TIER && k === 1 ? 0 : k * tier.stepMs;
  const rollup: RollupTierName = bucketMs > 0 && bucketMs % TIER_10M.stepMs === 0 ? "10m" : "1m";
  return { tier: tier.name, rollup, bucketMs };
}
