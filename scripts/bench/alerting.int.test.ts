import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSimFleetConfig, startFleet, type Fleet } from "../../lib/sim";
import { PROMTOOL_BIN } from "../../lib/testing/prometheus";
import { ALERT_NAME, measureAlerting, watchdogRule } from "./alerting";

// The benchmark's Prometheus + Alertmanager path against the real Debian binaries, at a 1 s
// cadence so it takes seconds: the rule must fire on the pause and resolve on the resume.

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({
    config: loadSimFleetConfig("config/sim-fleet.yaml"),
    seed: 7,
    clock: { speed: 1 },
    portBase: 0,
    host: "127.0.0.1",
    admin: false,
  });
});
afterAll(async () => {
  await fleet?.stop();
});

describe("alerting comparison", () => {
  it("writes a rule file promtool accepts, on the gauge the watchdog change flips", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-rule-"));
    try {
      const file = path.join(dir, "rules.yml");
      writeFileSync(file, watchdogRule("alpha-bot", 2));
      const r = spawnSync(PROMTOOL_BIN, ["check", "rules", file], { encoding: "utf8" });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(watchdogRule("alpha-bot", 2)).toContain(
        'reconciliation_integrity_watchdog_triggered{job="alpha-bot"} == 1',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("times a firing and a resolved notification for a pause and a resume", async () => {
    const r = await measureAlerting({
      fleet,
      bot: "alpha-bot",
      settings: {
        name: "test",
        scrapeSeconds: 1,
        evaluationSeconds: 1,
        groupWaitSeconds: 0,
        groupIntervalSeconds: 1,
        repeatIntervalSeconds: 3600,
      },
      changes: 2,
      ports: { from: 19090, to: 19099, taken: new Set() },
      deadline: Date.now() + 55_000,
    });
    expect(r.timeouts).toBe(0);
    expect(r.samplesMs.map((s) => s.kind)).toEqual(["onset", "resolution"]);
    // Each change was timed from the change to its notification (how long is the bench's figure).
    for (const s of r.samplesMs) expect(s.ms).toBeGreaterThan(0);
    expect(r.rule).toContain(ALERT_NAME);
    expect(r.promtool).toMatch(/SUCCESS/);
  }, 60_000);
});
