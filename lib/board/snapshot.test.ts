import { describe, expect, it } from "vitest";
import { degradedSnapshot, type BoardSnapshot } from "./snapshot";

// The board shown while a current one cannot be built: marked degraded, and nothing on it fresh.

const last: BoardSnapshot = {
  generatedAt: 1_000,
  collector: "leader",
  systems: [
    { name: "alpha-bot", label: "Alpha", kind: "trading-bot", simulated: true, freshness: "ok", lastSuccessAt: 900 },
    {
      name: "spot-exchange",
      label: "Spot",
      kind: "spot-exchange",
      simulated: true,
      freshness: "error",
      lastError: "timeout: no answer",
    },
    { name: "kraken-futures", label: "Kraken", kind: "futures-bot", simulated: true, freshness: "no_data" },
  ],
  findings: [{ id: "f1" } as BoardSnapshot["findings"][number]],
  cleared: [],
};

describe("degradedSnapshot", () => {
  it("keeps the last board but shows no source as fresh, and says since when and why", () => {
    const d = degradedSnapshot(last, {
      reason: "the console cannot read its database (connection refused)",
      since: 5_000,
      collector: "follower",
      systems: [],
    });
    expect(d.degraded).toEqual({ reason: "the console cannot read its database (connection refused)", since: 5_000 });
    expect(d.systems.map((s) => s.freshness)).toEqual(["stale", "error", "no_data"]);
    expect(d.generatedAt).toBe(1_000);
    expect(d.collector).toBe("follower");
    expect(d.findings.map((f) => f.id)).toEqual(["f1"]);
    expect(last.systems[0]!.freshness).toBe("ok");
  });

  it("with no board built yet, lists the configured systems with no data", () => {
    const d = degradedSnapshot(null, {
      reason: "r",
      since: 7,
      collector: "not running",
      systems: [{ name: "a", label: "A", kind: "trading-bot", simulated: false }],
    });
    expect(d.systems).toEqual([{ name: "a", label: "A", kind: "trading-bot", simulated: false, freshness: "no_data" }]);
    expect(d.findings).toEqual([]);
    expect(d.generatedAt).toBe(7);
  });
});
