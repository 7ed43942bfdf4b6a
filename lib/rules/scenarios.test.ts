import { afterEach, describe, expect, it } from "vitest";
import { Collector } from "@/lib/collector/collector";
import { FleetConfig } from "@/lib/config/fleet";
import { startFleet, type Fleet } from "@/lib/sim";
import { control, testConfig } from "@/lib/sim/testing";
import type { SystemKind } from "@/lib/telemetry/model";
import { pollerFor } from "@/lib/telemetry/sources/pollers";
import { RULES, evaluateRules, trackFindings, type Finding } from "./index";

// The rules against the simulated world: a one-kind fleet on a manual clock and ephemeral ports,
// polled every virtual 2 s by the console's own Collector (real pollers, its store, its per-endpoint
// freshness and source names) and evaluated with what the collector says, as the board engine
// does. Each scenario is a seed playbook; the expected finding must appear and, where the seed
// promises self-recovery, clear again.

const S = 1000;
const M = 60 * S;
const POLL = 2 * S;

interface Run {
  fleet: Fleet;
  /** Advances the clock by `ms` in poll steps, polling and evaluating after each step. */
  run(ms: number): Promise<void>;
  /** The tracked finding now. */
  finding(ruleId: string, entity?: string): Finding | undefined;
  /** Every (state, severity) a finding went through, in order. */
  history(ruleId: string, entity?: string): string[];
  /** Non-ok findings right now. */
  open(): Finding[];
}

const fleets: Fleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
});

async function world(kind: SystemKind, o: { healthFields?: "full" | "runbook" } = {}): Promise<Run> {
  const simConfig = testConfig([kind], (cfg) => {
    for (const sys of cfg.systems) if (sys.kind === "trading-bot" && o.healthFields) sys.healthFields = o.healthFields;
  });
  const fleet = await startFleet({ config: simConfig, seed: 7, clock: "manual", portBase: 0, admin: false });
  fleets.push(fleet);
  const sys = fleet.systems[0]!;
  const config = FleetConfig.parse({
    targets: [
      {
        name: sys.name,
        kind,
        baseUrl: sys.url,
        simulated: true,
        pollIntervalMs: POLL,
        credentials: { bearerTokenEnv: "SIM_TOKEN" },
      },
    ],
  });
  // Polled by hand (pollTarget) at each virtual step instead of on the collector's real-time timers.
  const collector = new Collector({
    config,
    pollerFor,
    secret: (name) => (name === "SIM_TOKEN" ? sys.credential : undefined),
    now: () => fleet.now(),
  });
  let tracked = new Map<string, Finding>();
  const seen = new Map<string, string[]>();

  async function step() {
    await collector.pollTarget(sys.name);
    const now = fleet.now();
    const current = evaluateRules(
      {
        now,
        history: collector.store,
        freshness: (system, endpoint) => collector.freshness(system, endpoint),
        droppedFamilies: (system) => collector.droppedFamilies(system),
        sourceProblem: (system, endpoint) => collector.sourceProblem(system, endpoint),
        targets: collector.targetsForRules(),
      },
      RULES,
    );
    const r = trackFindings(tracked, current, now);
    tracked = new Map(r.findings.map((f) => [f.id, f]));
    for (const f of r.findings) {
      const list = seen.get(f.id) ?? [];
      const label = `${f.state}/${f.severity}`;
      if (list[list.length - 1] !== label) list.push(label);
      seen.set(f.id, list);
    }
  }

  const id = (ruleId: string, entity = "*") => `${ruleId}|${sys.name}|${entity}`;
  return {
    fleet,
    async run(ms) {
      for (let t = 0; t < ms; t += POLL) {
        fleet.advance(POLL);
        await step();
      }
    },
    finding: (ruleId, entity) => tracked.get(id(ruleId, entity)),
    history: (ruleId, entity) => seen.get(id(ruleId, entity)) ?? [],
    open: () => [...tracked.values()].filter((f) => f.state !== "ok"),
  };
}

/** Findings that may legitimately be open in a quiet simulated world (seeded noise). */
const NOISE = new Set(["recon_qty_mismatch", "recon_pending_adopted", "missing_take_profit", "missing_stop_loss"]);

describe("rules against the simulated fleet (seed playbooks)", () => {
  it("trading-bot: quiet world, then capital-invariant-self-repair fires and clears", async () => {
    const w = await world("trading-bot");
    await w.run(90 * S);
    expect(
      w
        .open()
        .filter((f) => !NOISE.has(f.ruleId))
        .map((f) => `${f.ruleId}:${f.entity}:${f.summary}`),
    ).toEqual([]);
    w.fleet.startScenario("capital-invariant-self-repair", "alpha-bot", { profileId: "btc-momentum" });
    await w.run(20 * S);
    expect(w.finding("capital_invariant", "btc-momentum")).toMatchObject({ state: "critical", severity: "SEV2" });
    await w.run(60 * S);
    expect(w.finding("capital_invariant", "btc-momentum")?.state).toBe("ok");
    expect(w.history("capital_invariant", "btc-momentum")).toEqual(["ok/SEV2", "critical/SEV2", "ok/SEV2"]);
  });

  it("trading-bot: capital-invariant-persistent escalates after three reconciliation cycles", async () => {
    const w = await world("trading-bot");
    await w.run(10 * S);
    w.fleet.startScenario("capital-invariant-persistent", "alpha-bot", { profileId: "eth-momentum" });
    await w.run(30 * S);
    const f = w.finding("capital_invariant", "eth-momentum");
    expect(f).toMatchObject({ state: "critical", severity: "SEV2" });
    expect(f!.escalationDueAt).toBeGreaterThan(w.fleet.now());
    await w.run(2 * M);
    expect(w.finding("capital_invariant", "eth-momentum")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(w.finding("capital_invariant", "eth-momentum")!.escalationDueAt).toBeLessThanOrEqual(w.fleet.now());
  });

  it("trading-bot: parity-watchdog-trip pauses trading and auto-resumes", async () => {
    const w = await world("trading-bot");
    await w.run(10 * S);
    w.fleet.startScenario("parity-watchdog-trip", "alpha-bot");
    await w.run(M);
    expect(w.finding("integrity_watchdog")).toMatchObject({ state: "critical", severity: "SEV2" });
    expect(w.finding("auto_resume_blocked")?.state).toBe("ok");
    await w.run(16 * M);
    expect(w.finding("integrity_watchdog")?.state).toBe("ok");
    // The ghost slices were confirmed (warning) and closed by the heartbeat before the budget ran out.
    expect(w.history("parity_mismatch", "btc-momentum")).toEqual(["ok/SEV3", "warning/SEV3", "ok/SEV3"]);
  }, 60_000);

  it("trading-bot: stale-pending-orders warns, escalates to SEV1 after > 20 for > 15 min, quarantines, and recovers", async () => {
    const w = await world("trading-bot");
    await w.run(10 * S);
    w.fleet.startScenario("stale-pending-orders", "alpha-bot");
    await w.run(2 * M);
    expect(w.finding("quarantined_orders")).toMatchObject({ state: "warning", severity: "SEV3" });
    await w.run(8 * M);
    expect(w.finding("stale_pending_orders")?.state).toMatch(/warning|critical/);
    await w.run(14 * M);
    expect(w.history("stale_pending_orders")).toContain("critical/SEV1");
    await w.run(3 * M);
    expect(w.finding("stale_pending_orders")?.state).toBe("ok");
  }, 60_000);

  it("futures-bot: orphan-phantom-spike reaches critical, kill-switch-invariant is SEV1", async () => {
    const w = await world("futures-bot");
    await w.run(3 * M);
    expect(
      w
        .open()
        .filter((f) => !NOISE.has(f.ruleId))
        .map((f) => `${f.ruleId}:${f.entity}:${f.summary}`),
    ).toEqual([]);
    w.fleet.startScenario("orphan-phantom-spike", "kraken-futures");
    await w.run(4 * M);
    expect(w.finding("recon_orphaned")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(w.finding("recon_phantom")?.state).toMatch(/warning|critical/);
    w.fleet.startScenario("kill-switch-invariant", "kraken-futures");
    await w.run(M);
    expect(w.finding("kill_switch")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(w.history("invariant_violation_report", "max_position_notional")).toContain("critical/SEV1");
  });

  it("trading-bot: stale and unknown fills after reconciliation escalate at once, and clear when resolved", async () => {
    const w = await world("trading-bot");
    await w.run(M);
    w.fleet.startScenario("stale-unknown-fills", "alpha-bot");
    await w.run(2 * M);
    const f = w.finding("reconciliation_unknown_fills");
    expect(f).toMatchObject({ state: "critical", severity: "SEV2", affected: ["eth-momentum"] });
    expect(f?.summary).toMatch(/1 stale fill and 1 unknown fill after reconciliation/);
    expect(f?.escalationDueAt).toBeLessThanOrEqual(w.fleet.now());
    w.fleet.stopScenario("alpha-bot", "stale-unknown-fills");
    await w.run(M);
    expect(w.finding("reconciliation_unknown_fills")?.state).toBe("ok");
  });

  it("futures-bot: after an orphan/phantom spike the counts must trend down; the position sync makes them", async () => {
    const w = await world("futures-bot");
    await w.run(2 * M);
    w.fleet.startScenario("orphan-phantom-spike", "kraken-futures");
    await w.run(6 * M);
    // Nothing done: the counts stay where the spike left them.
    expect(w.finding("recon_trend_down")).toMatchObject({ state: "critical", severity: "SEV2" });
    const sys = w.fleet.systems[0]!;
    const dry = await control<{ result: { planId: string } }>(sys, "sync-positions", {});
    expect((await control(sys, "sync-positions", { execute: true, planId: dry.body.result.planId })).status).toBe(200);
    await w.run(2 * M);
    expect(w.finding("recon_trend_down")).toMatchObject({ state: "ok" });
    expect(w.finding("recon_trend_down")?.summary).toMatch(/trended down over 3 cycles \(5 → (5 → )*0/);
  }, 60_000);

  it("spot-exchange: quiet world, settlement-lag passes T2 then T3 and recovers", async () => {
    const w = await world("spot-exchange");
    await w.run(90 * S);
    expect(
      w
        .open()
        .filter((f) => !NOISE.has(f.ruleId))
        .map((f) => `${f.ruleId}:${f.entity}:${f.summary}`),
    ).toEqual([]);
    w.fleet.startScenario("settlement-lag", "spot-exchange");
    await w.run(6 * M);
    expect(w.history("settlement_lag")).toEqual(expect.arrayContaining(["warning/SEV2", "critical/SEV2"]));
    await w.run(12 * M);
    expect(w.finding("settlement_lag")?.state).toBe("ok");
  }, 60_000);

  it("spot-exchange: split-brain is SEV1 for the system and the symbol", async () => {
    const w = await world("spot-exchange");
    await w.run(10 * S);
    w.fleet.startScenario("split-brain", "spot-exchange");
    await w.run(30 * S);
    expect(w.finding("split_brain")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(w.finding("split_brain", "BTC-USD")).toMatchObject({ state: "critical", severity: "SEV1" });
  });
});

// The same playbooks against a simulated bot that serves only the fields the runbooks name (no
// per-profile ledger, parity detail, watchdog object, flags, positions or lock state): each rule
// must still reach its finding, on the bot where the runbook's field is bot-wide.
describe("rules against a trading bot that serves only the runbook's fields", () => {
  it("quiet world, then capital-invariant-persistent fires for the profile and escalates after three cycles", async () => {
    const w = await world("trading-bot", { healthFields: "runbook" });
    await w.run(90 * S);
    expect(
      w
        .open()
        .filter((f) => !NOISE.has(f.ruleId))
        .map((f) => `${f.ruleId}:${f.entity}:${f.summary}`),
    ).toEqual([]);
    w.fleet.startScenario("capital-invariant-persistent", "alpha-bot", { profileId: "eth-momentum" });
    await w.run(30 * S);
    expect(w.finding("capital_invariant", "eth-momentum")).toMatchObject({ state: "critical", severity: "SEV2" });
    await w.run(2 * M);
    expect(w.finding("capital_invariant", "eth-momentum")).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(w.finding("trading_loop_unhealthy")).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(w.finding("trading_loop_unhealthy")!.summary).toMatch(/still function/);
  });

  it("stale-pending-orders: the backlog from the plain /health warns and escalates to SEV1", async () => {
    const w = await world("trading-bot", { healthFields: "runbook" });
    await w.run(10 * S);
    w.fleet.startScenario("stale-pending-orders", "alpha-bot");
    await w.run(2 * M);
    expect(w.finding("quarantined_orders")).toMatchObject({ state: "warning", severity: "SEV3" });
    await w.run(22 * M);
    expect(w.history("stale_pending_orders")).toContain("critical/SEV1");
  }, 60_000);

  it("reconciliation-lock-contention is critical on the bot from lockContentionCount", async () => {
    const w = await world("trading-bot", { healthFields: "runbook" });
    await w.run(10 * S);
    w.fleet.startScenario("reconciliation-lock-contention", "alpha-bot");
    await w.run(100 * S);
    expect(w.finding("lock_contention")).toMatchObject({ state: "critical", severity: "SEV2" });
  });

  it("parity-watchdog-trip: the pause is critical, auto-resume is awaited, and both clear", async () => {
    const w = await world("trading-bot", { healthFields: "runbook" });
    await w.run(10 * S);
    w.fleet.startScenario("parity-watchdog-trip", "alpha-bot");
    await w.run(M);
    expect(w.finding("integrity_watchdog")).toMatchObject({ state: "critical", severity: "SEV2" });
    expect(w.finding("auto_resume_blocked")?.state).toBe("ok");
    expect(w.history("parity_mismatch")).toContain("warning/SEV3");
    await w.run(16 * M);
    expect(w.finding("integrity_watchdog")?.state).toBe("ok");
    expect(w.history("auto_resume_blocked")).not.toContain("critical/SEV2");
  }, 60_000);
});
