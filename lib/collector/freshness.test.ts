import { describe, expect, it } from "vitest";
import {
  freshnessOf,
  nextPollDelay,
  recordFailure,
  recordSuccess,
  worstFreshness,
  EMPTY_SOURCE_STATE,
} from "./freshness";
import { PauseTracker } from "./pauses";

const I = 2000;

describe("freshness", () => {
  it("is no_data before any poll and error after a failure with no success", () => {
    expect(freshnessOf(EMPTY_SOURCE_STATE, I, 0)).toBe("no_data");
    expect(freshnessOf(recordFailure(EMPTY_SOURCE_STATE, 10, { kind: "timeout", detail: "x" }), I, 20)).toBe("error");
  });

  it("is ok within two intervals of the last success and stale after, even with no new poll", () => {
    const s = recordSuccess(EMPTY_SOURCE_STATE, 1000);
    expect(freshnessOf(s, I, 1000 + 2 * I)).toBe("ok");
    expect(freshnessOf(s, I, 1000 + 2 * I + 1)).toBe("stale");
  });

  it("is error when the latest attempt failed, ok again after a success", () => {
    let s = recordSuccess(EMPTY_SOURCE_STATE, 1000);
    s = recordFailure(s, 3000, { kind: "http", detail: "HTTP 500" });
    expect(freshnessOf(s, I, 3001)).toBe("error");
    expect(s.consecutiveFailures).toBe(1);
    s = recordSuccess(s, 5000);
    expect(freshnessOf(s, I, 5001)).toBe("ok");
    expect(s.consecutiveFailures).toBe(0);
  });

  it("takes the worst of several", () => {
    expect(worstFreshness(["ok", "stale", "ok"])).toBe("stale");
    expect(worstFreshness(["ok", "error", "stale"])).toBe("error");
    expect(worstFreshness([])).toBe("no_data");
  });

  it("jitters the interval by at most 10% and backs off after repeated failures, capped", () => {
    expect(nextPollDelay(2000, 0, () => 0)).toBe(1800);
    expect(nextPollDelay(2000, 0, () => 1)).toBe(2200);
    expect(nextPollDelay(2000, 1, () => 0.5)).toBe(2000);
    expect(nextPollDelay(2000, 2, () => 0.5)).toBe(4000);
    expect(nextPollDelay(2000, 10, () => 0.5)).toBe(8000);
    expect(nextPollDelay(60_000, 5, () => 0.5)).toBe(60_000);
  });

  it("leaves the console's own pauses out of a source's age, and still turns a dead source stale", () => {
    let t = 0;
    const pauses = new PauseTracker({ now: () => t, beatMs: 100, minPauseMs: 250 });
    pauses.start();
    try {
      const s = recordSuccess(EMPTY_SOURCE_STATE, 0);
      for (t = 100; t <= 300; t += 100) pauses.beat();
      // The process does not run from 300 to 2,600 (no heartbeat): a pause from 400 to 2,600.
      t = 2600;
      expect(pauses.pausedMs(0, t)).toBe(2200);
      // 2.6 s since the last success, 0.4 s of it while the console ran: not stale (I = 0.5 s here).
      expect(freshnessOf(s, 500, t)).toBe("stale");
      expect(freshnessOf(s, 500, t, pauses.pausedMs)).toBe("ok");
      // Running again, no success arrives: stale once two intervals of running time have passed.
      for (t = 2700; t <= 3200; t += 100) pauses.beat();
      expect(freshnessOf(s, 500, 3200, pauses.pausedMs)).toBe("ok");
      t = 3300;
      pauses.beat();
      expect(freshnessOf(s, 500, 3300, pauses.pausedMs)).toBe("stale");
      // A gap shorter than a heartbeat plus the threshold is not a pause.
      t = 3600;
      pauses.beat();
      expect(pauses.recent()).toHaveLength(1);
    } finally {
      pauses.stop();
    }
  });
});
