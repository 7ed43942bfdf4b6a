import { describe, expect, it } from "vitest";
import { bucketPoint, bucketPoints, bucketStart, mergeBuckets, type Bucket } from "./buckets";

const M = 60_000;

describe("bucketPoints", () => {
  it("groups points into epoch-aligned buckets with min, max, avg, last and count", () => {
    const pts = [
      { t: 10 * M + 5_000, v: 4 },
      { t: 10 * M + 30_000, v: 1 },
      { t: 11 * M, v: 7 },
      { t: 11 * M + 59_999, v: 3 },
      { t: 12 * M, v: 9 },
    ];
    expect(bucketPoints(pts, 2 * M)).toEqual([
      { b: 10 * M, at: 11 * M + 59_999, min: 1, max: 7, avg: 15 / 4, last: 3, n: 4 },
      { b: 12 * M, at: 12 * M, min: 9, max: 9, avg: 9, last: 9, n: 1 },
    ]);
  });

  it("leaves out values that cannot be drawn and keeps the newest value as last whatever the order", () => {
    const got = bucketPoints(
      [
        { t: 2_000, v: 5 },
        { t: 1_000, v: Number.NaN },
        { t: 1_500, v: 2 },
        { t: 3_000, v: Number.POSITIVE_INFINITY },
      ],
      M,
    );
    expect(got).toEqual([{ b: 0, at: 2_000, min: 2, max: 5, avg: 3.5, last: 5, n: 2 }]);
    expect(bucketPoints([], M)).toEqual([]);
  });

  it("rejects a width that is not a positive number", () => {
    expect(() => bucketPoints([], 0)).toThrow(/positive number of milliseconds, got 0/);
    expect(() => bucketPoints([], Number.NaN)).toThrow(RangeError);
  });
});

describe("bucketStart", () => {
  it("aligns to the epoch, also before it", () => {
    expect(bucketStart(20 * M + 1, 20 * M)).toBe(20 * M);
    expect(bucketStart(-1, 20 * M)).toBe(-20 * M);
  });
});

describe("mergeBuckets", () => {
  const rolled: Bucket = { b: 0, at: 10 * M, min: 2, max: 8, avg: 5, last: 6, n: 60 };
  const raw: Bucket = { b: 0, at: 15 * M, min: 1, max: 4, avg: 2, last: 3, n: 30 };

  it("combines parts of one bucket as if they had been one: weighted average, newer last", () => {
    expect(mergeBuckets(rolled, raw)).toEqual({
      b: 0,
      at: 15 * M,
      min: 1,
      max: 8,
      avg: (5 * 60 + 2 * 30) / 90,
      last: 3,
      n: 90,
    });
  });

  it("keeps the last value of whichever part is newer, whatever order they come in", () => {
    expect(mergeBuckets(raw, rolled).last).toBe(3);
  });

  it("ignores an empty part", () => {
    expect(mergeBuckets(rolled, { ...raw, n: 0 })).toBe(rolled);
    expect(mergeBuckets({ ...rolled, n: 0 }, raw)).toBe(raw);
  });
});

describe("bucketPoint", () => {
  it("draws a bucket by the metric's aggregate at the end of its data", () => {
    const x: Bucket = { b: 0, at: 9 * M, min: 1, max: 4, avg: 2, last: 3, n: 5 };
    expect(bucketPoint(x, "max")).toEqual({ t: 9 * M, v: 4 });
    expect(bucketPoint(x, "min")).toEqual({ t: 9 * M, v: 1 });
    expect(bucketPoint(x, "avg")).toEqual({ t: 9 * M, v: 2 });
    expect(bucketPoint(x, "last")).toEqual({ t: 9 * M, v: 3 });
  });
});
