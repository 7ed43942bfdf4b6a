import { describe, expect, it } from "vitest";
import { episodes, parseRange, runLengths, shapeChart, trailingDistinct, yDomain } from "./shape";

const MIN = 60_000;

describe("shapeChart", () => {
  const base = { id: "c", title: "C", from: 0, to: 7 * 86_400_000 };

  it("cuts a week of 10-second points to at most 1,000 rows and reports the raw count", () => {
    const points = Array.from({ length: 60_480 }, (_, i) => ({ t: i * 10_000, v: i % 97 }));
    const c = shapeChart({ ...base, series: [{ key: "a", label: "A", points }] });
    expect(c.rows.length).toBeLessThanOrEqual(1000);
    expect(c.rawPoints).toBe(60_480);
    expect(c.bucketed).toBe(true);
    expect(c.lastAt).toBe(60_479 * 10_000);
    expect(c.latest).toEqual([60_479 % 97]);
    expect(c.state).toBe("ok");
  });

  it("keeps several series at most 1,000 rows each", () => {
    const mk = (k: number) => Array.from({ length: 20_000 }, (_, i) => ({ t: i * 30_000, v: i * k }));
    const c = shapeChart({ ...base, series: [1, 2, 3].map((k) => ({ key: `s${k}`, label: `S${k}`, points: mk(k) })) });
    expect(c.rows.length).toBeLessThanOrEqual(1000);
    expect(c.rows.every((r) => r.v.length === 3)).toBe(true);
  });

  it("drops points outside the range and says empty when nothing is left", () => {
    const c = shapeChart({
      ...base,
      from: 100,
      to: 200,
      series: [
        {
          key: "a",
          label: "A",
          points: [
            { t: 50, v: 1 },
            { t: 300, v: 2 },
          ],
        },
      ],
    });
    expect(c.state).toBe("empty");
    expect(c.rows).toEqual([]);
    expect(c.lastAt).toBeUndefined();
    expect(c.latest).toEqual([null]);
  });

  it("keeps thresholds inside the y-domain even when the data never reaches them", () => {
    const points = Array.from({ length: 100 }, (_, i) => ({ t: i * 1000, v: 0 }));
    const c = shapeChart({
      ...base,
      series: [{ key: "a", label: "A", points }],
      thresholds: [
        { value: 0, label: "target", kind: "target" },
        { value: 1, label: "warning", kind: "warning" },
        { value: 3, label: "critical", kind: "critical" },
      ],
    });
    expect(c.domain[0]).toBeLessThanOrEqual(0);
    expect(c.domain[1]).toBeGreaterThan(3);
  });
});

describe("yDomain", () => {
  it("includes negative values with headroom and starts non-negative data at zero", () => {
    const [lo, hi] = yDomain([-50, 100], [{ value: 0, label: "zero", kind: "zero" }], []);
    expect(lo).toBeLessThan(-50);
    expect(hi).toBeGreaterThan(100);
    expect(yDomain([5, 10], [], [])[0]).toBe(0);
  });
  it("never collapses to a zero-height domain", () => {
    const [lo, hi] = yDomain([0, 0], [], []);
    expect(hi).toBeGreaterThan(lo);
    expect(yDomain([], [], [])).toEqual([0, 1]);
  });
  it("covers bands", () => {
    expect(yDomain([1], [], [{ from: 5, to: 30, label: "T2–T3", kind: "warning" }])[1]).toBeGreaterThan(30);
  });
});

describe("episodes", () => {
  const pts = [0, 1, -2, -5, 3, 4, -1].map((v, i) => ({ t: i * 1000, v }));
  it("finds each run below zero with its worst value, the last one still open", () => {
    expect(episodes(pts, (v) => v < 0)).toEqual([
      { from: 2000, to: 4000, worst: -5 },
      { from: 6000, worst: -1 },
    ]);
  });
  it("ends a run at a gap in the data", () => {
    const gapped = [
      { t: 0, v: -1 },
      { t: 1000, v: -2 },
      { t: 100_000, v: -3 },
    ];
    expect(episodes(gapped, (v) => v < 0, "min", 5000)).toEqual([
      { from: 0, to: 1000, worst: -2 },
      { from: 100_000, worst: -3 },
    ]);
  });
});

describe("runLengths and trailingDistinct", () => {
  it("counts consecutive cycles that hold", () => {
    expect(
      runLengths(
        [1, 1, 0, 2, 3, 1].map((v, i) => ({ t: i, v })),
        (v) => v >= 1,
      ).map((p) => p.v),
    ).toEqual([1, 2, 0, 1, 2, 3]);
  });
  it("counts distinct positions in the trailing 15 minutes, not cycles", () => {
    const cycles = [
      { t: 0, count: 1, keys: ["PF_XBTUSD"] },
      { t: 1 * MIN, count: 1, keys: ["PF_XBTUSD"] },
      { t: 2 * MIN, count: 2, keys: ["PF_XBTUSD", "PF_ETHUSD"] },
      { t: 3 * MIN, count: 1, keys: ["PF_SOLUSD"] },
      { t: 20 * MIN, count: 0, keys: [] },
    ];
    expect(trailingDistinct(cycles, 15 * MIN).map((p) => p.v)).toEqual([1, 1, 2, 3, 0]);
  });
  it("falls back to the largest per-cycle count without issue lists", () => {
    expect(
      trailingDistinct(
        [
          { t: 0, count: 2, keys: [] },
          { t: MIN, count: 1, keys: [] },
        ],
        15 * MIN,
      ).map((p) => p.v),
    ).toEqual([2, 2]);
  });
});

describe("formatting and ranges", () => {
  it("parses a range, falling back on anything unknown", () => {
    expect(parseRange("7d")).toBe("7d");
    expect(parseRange("2w")).toBe("1h");
    expect(parseRange(undefined, "6h")).toBe("6h");
    expect(parseRange(["24h", "1h"])).toBe("24h");
  });
});
