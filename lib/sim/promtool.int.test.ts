import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimFleetConfig } from "./config";
import { startFleet, type Fleet } from "./fleet";
import { getMetrics } from "./testing";

// Lint findings allowed only for these metric names, fixed by the seed runbooks (seed 000).
const ALLOWED_FINDINGS: Record<string, RegExp> = {
  available_capital_gauge: /should not include type 'gauge'/,
  reconciliation_mismatch_count: /should not have "_count" suffix/,
};

function promtoolPath(): string {
  for (const p of ["/usr/bin/promtool", "/usr/local/bin/promtool"]) if (existsSync(p)) return p;
  const which = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new Error(
    "promtool not found: install the Debian package `prometheus` (apt-get install prometheus), which provides /usr/bin/promtool",
  );
}

function check(text: string): { code: number; findings: { metric: string; message: string }[]; output: string } {
  const r = spawnSync(promtoolPath(), ["check", "metrics"], { input: text, encoding: "utf8" });
  if (r.error) throw r.error;
  const output = `${r.stdout}${r.stderr}`;
  const findings = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf(" ");
      return { metric: l.slice(0, i), message: l.slice(i + 1) };
    });
  return { code: r.status ?? -1, findings, output };
}

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({
    config: loadSimFleetConfig("config/sim-fleet.yaml"),
    seed: 42,
    clock: "manual",
    portBase: 0,
  });
  fleet.advance(5 * 60_000);
  // Exercise rarely-touched series too.
  fleet.startScenario("auth-failure-spike", "alpha-bot");
  fleet.startScenario("parity-watchdog-trip", "beta-bot");
  fleet.startScenario("ws-fanout-overload");
  fleet.startScenario("split-brain");
  fleet.advance(3 * 60_000);
});
afterAll(() => fleet?.stop());

describe("promtool check metrics", () => {
  it("finds promtool (the prometheus Debian package)", () => {
    expect(promtoolPath()).toMatch(/promtool$/);
  });

  it("passes the spot exchange metrics with no findings", async () => {
    const r = check(await getMetrics(fleet.info("spot-exchange")));
    expect(r.output).toBe("");
    expect(r.code).toBe(0);
  });

  it.each(["alpha-bot", "beta-bot"])("passes %s metrics; lint findings only for the seed-fixed names", async (name) => {
    const r = check(await getMetrics(fleet.info(name)));
    expect(r.code, r.output).not.toBe(1);
    expect(r.code).toBe(3);
    expect(r.findings.map((f) => f.metric).sort()).toEqual(Object.keys(ALLOWED_FINDINGS).sort());
    for (const f of r.findings) expect(f.message).toMatch(ALLOWED_FINDINGS[f.metric]!);
  });

  it("detects a format error when metrics are malformed (the check can fail)", async () => {
    await fleet.setFault("spot-exchange", "malformed-metrics");
    try {
      const r = check(await getMetrics(fleet.info("spot-exchange")));
      expect(r.code).toBe(1);
    } finally {
      await fleet.clearFault("spot-exchange");
    }
  });
});
