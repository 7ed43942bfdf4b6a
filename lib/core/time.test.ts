import { describe, expect, it } from "vitest";
import { age, duration, isoSeconds, utcClock, utcDateTime, utcMinute } from "./time";

const t = Date.UTC(2026, 10, 21, 13, 1, 0, 456);

describe("time words", () => {
  it("writes clock times in UTC whatever the machine's zone", () => {
    expect(isoSeconds(t)).toBe("2026-11-21T13:01:00Z");
    expect(utcClock(t)).toBe("13:01:00 UTC");
    expect(utcDateTime(t)).toBe("2026-11-21 13:01:00 UTC");
    expect(utcMinute(t)).toBe("2026-11-21 13:01 UTC");
  });

  it("writes ages at a glance and durations to the second", () => {
    expect([
      age(-5),
      age(12_400),
      age(4 * 60_000 + 59_000),
      age(2 * 3_600_000 + 5 * 60_000),
      age(3 * 86_400_000 + 7_200_000),
    ]).toEqual(["0 s", "12 s", "4 min", "2 h 5 min", "3 d"]);
    expect([
      duration(59_400),
      duration(90_000),
      duration(120_000),
      duration(2 * 3_600_000 + 5 * 60_000),
      duration(3 * 3_600_000),
      duration(76 * 3_600_000),
    ]).toEqual(["59 s", "1 min 30 s", "2 min", "2 h 5 min", "3 h", "3 d 4 h"]);
  });
});
