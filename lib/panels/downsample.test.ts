import { describe, expect, it } from "vitest";
import { alignRows, counterIncrease, counterRate, lttb, ratioByTime, sumByTime, type Pt } from "./downsample";

const line = (n: number, f: (i: number) => number, step = 10_000): Pt[] =>
  Array.from({ length: n }, (_, i) => ({ t: i * step, v: f(i) }));

describe("lttb", () => {
  it("returns the input when it is already small enough", () => {
    const pts = line(10, (i) => i);
    expect(lttb(pts, 20)).toEqual(pts);
    expect(lttb(pts, 10)).toEqual(pts);
  });

  it("cuts to exactly the threshold, keeping the first and last point, in time order", () => {
    const pts = line(60_480, (i) => Math.sin(i / 50) * 100);
    const out = lttb(pts, 1000);
    expect(out).toHaveLength(1000);
    expect(out[0]).toEqual(pts[0]);
    expect(out[999]).toEqual(pts[pts.length - 1]);
    for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThan(out[i - 1]!.t);
  });

  it("keeps a single spike that averaging would hide", () => {
    const pts = line(50_000, (i) => (i === 31_337 ? 500 : 1));
    const out = lttb(pts, 500);
    expect(out.some((p) => p.v === 500)).toBe(true);
    expect(Math.max(...out.map((p) => p.v))).toBe(500);
  });

  it("keeps a dip below zero (a capital invariant violation) in a long flat series", () => {
    const pts = line(20_000, (i) => (i >= 10_000 && i < 10_003 ? -250 : 1000));
    expect(Math.min(...lttb(pts, 300).map((p) => p.v))).toBe(-250);
  });

  it("drops non-finite values and handles tiny thresholds", () => {
    const pts: Pt[] = [
      { t: 0, v: 1 },
      { t: 1, v: NaN },
      { t: 2, v: 3 },
      { t: 3, v: Infinity },
      { t: 4, v: 5 },
    ];
    expect(lttb(pts, 10)).toEqual([
      { t: 0, v: 1 },
      { t: 2, v: 3 },
      { t: 4, v: 5 },
    ]);
    expect(lttb(pts, 2)).toEqual([
      { t: 0, v: 1 },
      { t: 4, v: 5 },
    ]);
    expect(lttb(pts, 1)).toEqual([{ t: 4, v: 5 }]);
    expect(lttb([], 100)).toEqual([]);
  });

  it("only ever returns points of the input", () => {
    const pts = line(5000, (i) => (i * 7919) % 113);
    const set = new Set(pts.map((p) => `${p.t}:${p.v}`));
    for (const p of lttb(pts, 137)) expect(set.has(`${p.t}:${p.v}`)).toBe(true);
  });
});

describe("alignRows", () => {
  it("keeps exact rows when the times fit, with null where a series has no point", () => {
    const a = [
      { t: 0, v: 1 },
      { t: 10, v: 2 },
    ];
    const b = [
      { t: 10, v: 5 },
      { t: 20, v: 6 },
    ];
    const { rows, bucketed } = alignRows([a, b], 100);
    expect(bucketed).toBe(false);
    expect(rows).toEqual([
      { t: 0, v: [1, null] },
      { t: 10, v: [2, 5] },
      { t: 20, v: [null, 6] },
    ]);
  });

  it("buckets to at most maxRows, keeping each series' maximum (a spike survives)", () => {
    const a = line(10_000, (i) => (i === 4242 ? 99 : 1));
    const b = line(10_000, () => 2);
    const { rows, bucketed } = alignRows([a, b], 200, "max");
    expect(bucketed).toBe(true);
    expect(rows.length).toBeLessThanOrEqual(200);
    expect(Math.max(...rows.map((r) => r.v[0]!))).toBe(99);
    expect(rows.every((r) => r.v[1] === 2)).toBe(true);
    expect(rows[rows.length - 1]!.t).toBe(a[a.length - 1]!.t);
  });

  it("uses the aggregate per series (min keeps a negative dip)", () => {
    const a = line(5000, (i) => (i === 100 ? -5 : 10));
    const b = line(5000, (i) => (i === 200 ? 50 : 0));
    const { rows } = alignRows([a, b], 50, ["min", "max"]);
    expect(Math.min(...rows.map((r) => r.v[0]!))).toBe(-5);
    expect(Math.max(...rows.map((r) => r.v[1]!))).toBe(50);
  });
});

describe("counters", () => {
  it("rate from consecutive points, per second", () => {
    expect(
      counterRate([
        { t: 0, v: 10 },
        { t: 10_000, v: 30 },
        { t: 20_000, v: 30 },
      ]),
    ).toEqual([
      { t: 10_000, v: 2 },
      { t: 20_000, v: 0 },
    ]);
  });

  it("treats a drop as a reset (the new value is the increase), never a negative rate", () => {
    const r = counterRate([
      { t: 0, v: 1000 },
      { t: 10_000, v: 1100 },
      { t: 20_000, v: 40 },
      { t: 30_000, v: 90 },
    ]);
    expect(r.map((p) => p.v)).toEqual([10, 4, 5]);
    expect(r.every((p) => p.v >= 0)).toBe(true);
  });

  it("skips duplicate times and non-finite values", () => {
    expect(
      counterRate([
        { t: 0, v: 1 },
        { t: 0, v: 2 },
        { t: 1000, v: NaN },
        { t: 2000, v: 4 },
      ]),
    ).toEqual([]);
  });

  it("increase over a window counts a reset as a restart from zero", () => {
    const pts = [
      { t: 0, v: 5 },
      { t: 10, v: 8 },
      { t: 20, v: 2 },
      { t: 30, v: 6 },
    ];
    expect(counterIncrease(pts, 0, 30)).toBe(3 + 2 + 4);
    expect(counterIncrease(pts, 10, 30)).toBe(6);
  });
});

describe("sumByTime / ratioByTime", () => {
  it("sums series that share times and keeps the rest", () => {
    expect(
      sumByTime([
        [
          { t: 1, v: 1 },
          { t: 2, v: 2 },
        ],
        [
          { t: 2, v: 3 },
          { t: 3, v: 4 },
        ],
      ]),
    ).toEqual([
      { t: 1, v: 1 },
      { t: 2, v: 5 },
      { t: 3, v: 4 },
    ]);
  });
  it("divides at equal times and skips a zero denominator", () => {
    expect(
      ratioByTime(
        [
          { t: 1, v: 1 },
          { t: 2, v: 2 },
          { t: 3, v: 3 },
        ],
        [
          { t: 1, v: 4 },
          { t: 2, v: 0 },
        ],
      ),
    ).toEqual([{ t: 1, v: 0.25 }]);
  });
});
