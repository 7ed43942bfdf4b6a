import { describe, expect, it } from "vitest";
import {
  freshnessOf,
  nextPollDelay,
  recordFailure,
  recordSuccess,
  worstFreshness,
  EMPTY_SOURCE_STATE,
} from "./freshness";

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
});
