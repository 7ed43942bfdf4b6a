import { describe, expect, it } from "vitest";
import {
  cleanStreak,
  countInWindow,
  coversWindow,
  cyclesWithGaps,
  distinctInWindow,
  dominatesFor,
  heldFor,
  heldLongerThan,
  increase,
  latestReported,
  persistentCycles,
  repeatedAcrossRestarts,
  risingEdges,
  sustainedIncrease,
} from "./windows";

const S = 1000;
const M = 60 * S;
const pts = (...pairs: [number, number][]) => pairs.map(([t, v]) => ({ t, v }));

describe("cyclesWithGaps (per cycle; a cycle that failed to report is not clean)", () => {
  it("keeps reported cycles and inserts the missing ones between them", () => {
    const c = cyclesWithGaps(
      [
        { t: 0, value: 1 },
        { t: 60 * S, value: 2 },
        { t: 180 * S, value: 3 },
      ],
      60 * S,
      180 * S,
    );
    expect(c.map((x) => [x.t / S, x.value])).toEqual([
      [0, 1],
      [60, 2],
      [120, null],
      [180, 3],
    ]);
  });
  it("adds cycles that are overdue at now, but not one that is merely due", () => {
    const reported = [{ t: 0, value: 0 }];
    expect(cyclesWithGaps(reported, 60 * S, 89 * S)).toHaveLength(1);
    expect(cyclesWithGaps(reported, 60 * S, 91 * S).map((x) => x.value)).toEqual([0, null]);
    expect(cyclesWithGaps(reported, 60 * S, 200 * S).map((x) => x.value)).toEqual([0, null, null]);
  });
  it("latestReported skips missing cycles", () => {
    expect(
      latestReported([
        { t: 1, value: 5 },
        { t: 2, value: null },
      ]),
    ).toEqual({ t: 1, value: 5 });
    expect(latestReported([])).toBeUndefined();
  });
});

describe("persistentCycles and cleanStreak", () => {
  const cyc = (...v: (number | null)[]) => v.map((value, i) => ({ t: i * 60 * S, value }));
  it("counts the trailing bad run and where it began", () => {
    expect(persistentCycles(cyc(0, 1, 2, 1), (v) => v >= 1)).toEqual({ count: 3, since: 60 * S });
    expect(persistentCycles(cyc(1, 1, 0), (v) => v >= 1)).toEqual({ count: 0 });
  });
  it("a missing cycle neither breaks a bad run nor counts towards it", () => {
    expect(persistentCycles(cyc(1, null, 1), (v) => v >= 1)).toEqual({ count: 2, since: 0 });
  });
  it("a missing cycle ends a clean streak", () => {
    expect(cleanStreak(cyc(1, 0, 0, 0), (v) => v === 0)).toBe(3);
    expect(cleanStreak(cyc(1, 0, null, 0), (v) => v === 0)).toBe(1);
    expect(cleanStreak(cyc(0, 0, null), (v) => v === 0)).toBe(0);
  });
});

describe("count within a window (>= 3 in 15 minutes)", () => {
  const ev = [{ t: 0 }, { t: 5 * M }, { t: 14 * M }];
  it("counts events in (now - window, now]", () => {
    expect(countInWindow(ev, 14 * M, 15 * M)).toBe(3);
    // At exactly 15 minutes after the first event, it has left the window.
    expect(countInWindow(ev, 15 * M, 15 * M)).toBe(2);
  });
  it("weights and distinct keys", () => {
    expect(
      countInWindow(
        [
          { t: 1, n: 2 },
          { t: 2, n: 3 },
        ],
        2,
        10,
        (e) => e.n,
      ),
    ).toBe(5);
    expect(
      distinctInWindow(
        [
          { t: 1, k: "a" },
          { t: 2, k: "a" },
          { t: 3, k: "b" },
          { t: -100, k: "c" },
        ],
        3,
        10,
        (e) => e.k,
      ).sort(),
    ).toEqual(["a", "b"]);
  });
});

describe("heldFor (> 20 for > 15 minutes)", () => {
  const series = pts(...Array.from({ length: 17 }, (_, i) => [i * M, i >= 1 ? 25 : 5] as [number, number]));
  it("measures the trailing run", () => {
    const h = heldFor(series, (v) => v > 20, 16 * M, 2 * M);
    expect(h).toEqual({ holding: true, since: 1 * M, durationMs: 15 * M });
    // Exactly 15 minutes is not "more than 15 minutes".
    expect(heldLongerThan(h, 15 * M)).toBe(false);
    expect(
      heldLongerThan(
        heldFor(series, (v) => v > 20, 16 * M + 1, 2 * M),
        15 * M,
      ),
    ).toBe(true);
  });
  it("breaks on a gap and needs a recent latest point", () => {
    const gappy = pts([0, 30], [M, 30], [10 * M, 30], [11 * M, 30]);
    expect(heldFor(gappy, (v) => v > 20, 11 * M, 2 * M).since).toBe(10 * M);
    expect(heldFor(gappy, (v) => v > 20, 20 * M, 2 * M).holding).toBe(false);
    expect(heldFor([], () => true, 0, 1).holding).toBe(false);
  });
});

describe("increase (counters, reset-aware)", () => {
  it("uses the last point before the window as the baseline", () => {
    expect(increase(pts([0, 10], [M, 12], [2 * M, 15]), 30 * S, 2 * M)).toBe(5);
    expect(increase(pts([0, 10], [M, 12], [2 * M, 15]), M, 2 * M)).toBe(3);
  });
  it("treats a drop as a restart from zero", () => {
    expect(increase(pts([0, 100], [M, 110], [2 * M, 4]), 0, 2 * M)).toBe(14);
  });
  it("counts only what was observed without a baseline", () => {
    expect(increase(pts([5 * M, 7], [6 * M, 9]), 0, 10 * M)).toBe(2);
    expect(coversWindow(pts([5 * M, 7]), 10 * M, 5 * M)).toBe(true);
    expect(coversWindow(pts([5 * M, 7]), 10 * M, 6 * M)).toBe(false);
  });
});

describe("sustainedIncrease (over 30 minutes)", () => {
  it("needs every slice covered and rising", () => {
    const rising = pts(...Array.from({ length: 30 }, (_, i) => [(i + 1) * M, Math.floor(i / 10)] as [number, number]));
    expect(sustainedIncrease(rising, 30 * M, 30 * M).increasing).toBe(true);
    const flat = rising.map((p) => ({ ...p, v: 1 }));
    expect(sustainedIncrease(flat, 30 * M, 30 * M).increasing).toBe(false);
    // Only 20 minutes of data: the first slice is empty.
    expect(sustainedIncrease(rising.slice(10), 30 * M, 30 * M).increasing).toBe(false);
  });
});

describe("dominatesFor (deduped dominates logged for > 30 minutes)", () => {
  it("pairs points and measures the run", () => {
    const a = pts(...Array.from({ length: 32 }, (_, i) => [i * M, 40] as [number, number]));
    const b = pts(...Array.from({ length: 32 }, (_, i) => [i * M, i < 2 ? 50 : 1] as [number, number]));
    const d = dominatesFor(a, b, 31 * M, { ratio: 2, minA: 5, maxGapMs: 2 * M });
    expect(d.since).toBe(2 * M);
    expect(d.durationMs).toBe(29 * M);
    expect(dominatesFor(pts([0, 3]), pts([0, 0]), 0, { ratio: 2, minA: 5, maxGapMs: M }).holding).toBe(false);
  });
});

describe("risingEdges and repeatedAcrossRestarts", () => {
  it("finds onsets", () => {
    expect(risingEdges(pts([0, 1], [1, 1], [2, 0], [3, 1]), (v) => v > 0)).toEqual([0, 3]);
  });
  it("counts consecutive restarts followed by the event", () => {
    expect(repeatedAcrossRestarts([0, 10 * M, 20 * M], [M, 11 * M, 21 * M], 25 * M)).toBe(3);
    expect(repeatedAcrossRestarts([0, 10 * M, 20 * M], [M, 21 * M], 25 * M)).toBe(1);
    // The latest restart without an event yet is skipped during its grace period only.
    expect(repeatedAcrossRestarts([0, 10 * M, 20 * M], [M, 11 * M], 20 * M + 30 * S, 2 * M)).toBe(2);
    expect(repeatedAcrossRestarts([0, 10 * M, 20 * M], [M, 11 * M], 25 * M, 2 * M)).toBe(0);
  });
});
