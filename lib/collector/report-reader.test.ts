import { describe, expect, it } from "vitest";
import { trackHoles, type ReadState } from "./report-reader";

const start = (cursor: number): ReadState => ({ cursor, holes: new Map() });

describe("trackHoles: the leader's reader reads every stored report, however the inserts interleave", () => {
  it("moves the cursor over a contiguous run, with no holes", () => {
    expect(trackHoles(start(10), [11, 12, 13], 0, 10_000)).toEqual({ cursor: 13, holes: new Map() });
  });

  it("moves past a skipped number and remembers it as a hole, with when it was first seen", () => {
    const s = trackHoles(start(10), [11, 13, 14], 1_000, 10_000);
    expect(s.cursor).toBe(14);
    expect([...s.holes]).toEqual([[12, 1_000]]);
  });

  it("drops a hole once it is read (an insert that committed late)", () => {
    const a = trackHoles(start(10), [11, 13, 14], 1_000, 10_000);
    const b = trackHoles(a, [12], 5_000, 10_000);
    expect(b).toEqual({ cursor: 14, holes: new Map() });
  });

  it("forgets a hole that stays empty for the grace period (a duplicate or a rolled-back insert)", () => {
    const a = trackHoles(start(10), [11, 13], 1_000, 10_000);
    expect(trackHoles(a, [], 10_999, 10_000).holes.has(12)).toBe(true);
    expect(trackHoles(a, [], 11_000, 10_000).holes.has(12)).toBe(false);
  });

  it("times each hole from when it was first seen", () => {
    const a = trackHoles(start(0), [1, 3], 0, 10_000);
    const b = trackHoles(a, [5], 4_000, 10_000);
    expect([...b.holes].sort()).toEqual([
      [2, 0],
      [4, 4_000],
    ]);
    const c = trackHoles(b, [], 10_000, 10_000);
    expect([...c.holes]).toEqual([[4, 4_000]]);
  });

  it("a hole read in the same pass as newer numbers is not kept", () => {
    const a = trackHoles(start(10), [11, 13], 0, 10_000);
    expect(trackHoles(a, [12, 14, 15], 1, 10_000)).toEqual({ cursor: 15, holes: new Map() });
  });

  it("stays put when nothing new was read", () => {
    expect(trackHoles(start(7), [], 0, 10_000)).toEqual({ cursor: 7, holes: new Map() });
  });
});
