import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HISTORY_TIERS, planHistoryRead } from "./tiers";

const H = 3_600_000;
const D = 24 * H;

/** Most buckets of width w that a range of r ms can touch when it is not aligned to w. */
const bucketsTouched = (r: number, w: number) => Math.ceil(r / w) + 1;

describe("planHistoryRead", () => {
  it("reads exact points for an hour and ten-minute rollups for a week", () => {
    expect(planHistoryRead(H, 1000)).toEqual({ tier: "raw", rollup: "1m", bucketMs: 0 });
    expect(planHistoryRead(6 * H, 1000)).toEqual({ tier: "1m", rollup: "1m", bucketMs: 60_000 });
    expect(planHistoryRead(D, 1000)).toEqual({ tier: "1m", rollup: "1m", bucketMs: 120_000 });
    expect(planHistoryRead(2 * D, 1000)).toEqual({ tier: "10m", rollup: "10m", bucketMs: 600_000 });
    expect(planHistoryRead(7 * D, 1000)).toEqual({ tier: "10m", rollup: "10m", bucketMs: 1_200_000 });
  });

  it("switches to the ten-minute tier once it still gives a quarter of the points a chart draws", () => {
    // 250 ten-minute buckets = 41 h 40 min.
    expect(planHistoryRead(250 * 600_000 - 1, 1000).tier).toBe("1m");
    expect(planHistoryRead(250 * 600_000, 1000).tier).toBe("10m");
  });

  it("property: never more buckets than the chart draws, widths are whole multiples of the tier step, the ten-minute tier only under widths it divides", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 * D }), fc.integer({ min: 2, max: 5000 }), (range, maxPoints) => {
        const p = planHistoryRead(range, maxPoints);
        const step = HISTORY_TIERS.find((t) => t.name === p.tier)!.stepMs;
        if (p.bucketMs === 0) {
          // Exact points only from the raw tier, and only when its spacing fits.
          expect(p.tier).toBe("raw");
          expect(bucketsTouched(range, step)).toBeLessThanOrEqual(maxPoints);
          return;
        }
        expect(p.bucketMs % step).toBe(0);
        expect(bucketsTouched(range, p.bucketMs)).toBeLessThanOrEqual(maxPoints);
        if (p.rollup === "10m") expect(p.bucketMs % 600_000).toBe(0);
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });

  it("property: a longer range never reads a finer tier", () => {
    const order = HISTORY_TIERS.map((t) => t.name);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 * D }), fc.integer({ min: 1, max: 30 * D }), (a, b) => {
        const [short, long] = a < b ? [a, b] : [b, a];
        expect(order.indexOf(planHistoryRead(long, 1000).tier)).toBeGreaterThanOrEqual(
          order.indexOf(planHistoryRead(short, 1000).tier),
        );
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });

  it("rejects a range or a point budget it cannot plan, saying which", () => {
    expect(() => planHistoryRead(0, 1000)).toThrow(/positive number of milliseconds, got 0/);
    expect(() => planHistoryRead(-H, 1000)).toThrow(RangeError);
    expect(() => planHistoryRead(Number.NaN, 1000)).toThrow(/got NaN/);
    expect(() => planHistoryRead(H, 1)).toThrow(/at least 2 points/);
    expect(() => planHistoryRead(H, 10.5)).toThrow(/got 10.5/);
  });
});
