import { describe, expect, it } from "vitest";
import { advanceFloor, type FloorState } from "./report-reader";

const start = (floor: number): FloorState => ({ floor, holes: new Map() });

describe("advanceFloor: the leader's reader moves over every stored report exactly once", () => {
  it("moves over a contiguous run", () => {
    expect(advanceFloor(start(10), [11, 12, 13], 0, 10_000)).toEqual({ floor: 13, holes: new Map() });
  });

  it("stops below a hole (an insert not yet committed) and remembers when it was seen", () => {
    const s = advanceFloor(start(10), [11, 13, 14], 1_000, 10_000);
    expect(s.floor).toBe(11);
    expect([...s.holes]).toEqual([[12, 1_000]]);
  });

  it("moves on once the hole is filled, however late", () => {
    const a = advanceFloor(start(10), [11, 13, 14], 1_000, 10_000);
    // The next pass re-reads everything above the floor: 12 has committed since.
    const b = advanceFloor(a, [12, 13, 14, 15], 5_000, 10_000);
    expect(b).toEqual({ floor: 15, holes: new Map() });
  });

  it("passes a hole that stays empty for the grace period (a rolled-back insert)", () => {
    const a = advanceFloor(start(10), [11, 13], 1_000, 10_000);
    const b = advanceFloor(a, [13], 9_000, 10_000);
    expect(b.floor).toBe(11);
    const c = advanceFloor(b, [13, 14], 11_000, 10_000);
    expect(c).toEqual({ floor: 14, holes: new Map() });
  });

  it("times each hole from when it was first seen, not from the first hole", () => {
    const a = advanceFloor(start(0), [1, 3, 5], 0, 10_000);
    expect([...a.holes]).toEqual([
      [2, 0],
      [4, 0],
    ]);
    // 2 fills at 4 s; 4 is still open, first seen at 0, so it is passed at 10 s, not before.
    const b = advanceFloor(a, [2, 3, 5], 4_000, 10_000);
    expect(b.floor).toBe(3);
    expect(advanceFloor(b, [5], 9_999, 10_000).floor).toBe(3);
    expect(advanceFloor(b, [5], 10_000, 10_000).floor).toBe(5);
  });

  it("stays put when nothing new was read", () => {
    const s = advanceFloor(start(7), [], 0, 10_000);
    expect(s).toEqual({ floor: 7, holes: new Map() });
  });
});
