import { afterEach, describe, expect, it } from "vitest";
import { Collector } from "@/lib/collector/collector";
import { FleetConfig } from "@/lib/config/fleet";
import { loadSimFleetConfig, startFleet, type Fleet } from "@/lib/sim";
import { pollerFor } from "@/lib/telemetry/sources/pollers";
import { RULES, evaluateRules, trackFindings, type Finding } from "./index";

// A fresh start of the demo fleet (config/sim-fleet.yaml, every system) with the console watching
// from the first poll: the console's own Collector polls each system every virtual 2 s (by hand, on
// the simulator's manual clock), the whole rule catalog is evaluated with the collector's store and
// freshness after each answer, findings tracked as the board tracks them. Nothing is wrong in this
// world, so no finding may open — a rule whose evidence has not had time to exist yet (a first
// cycle not yet due, a window not yet covered) is pending, not firing.

const S = 1000;
const POLL = 2 * S;

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

async function watchFromStart(ms: number): Promise<{ opened: string[]; open: Finding[] }> {
  fleet = await startFleet({
    config: loadSimFleetConfig("config/sim-fleet.yaml"),
    seed: 42,
    clock: "manual",
    portBase: 0,
    admin: false,
  });
  const f = fleet;
  const tokenEnv = (name: string) => `SIM_TOKEN_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  const secrets = new Map(f.systems.map((sys) => [tokenEnv(sys.name), sys.credential]));
  const config = FleetConfig.parse({
    defaults: { pollIntervalMs: POLL },
    targets: f.systems.map((sys) => ({
      name: sys.name,
      kind: sys.kind,
      baseUrl: sys.url,
      simulated: true,
      credentials: { bearerTokenEnv: tokenEnv(sys.name) },
      ...(sys.kind === "spot-exchange" ? { thresholds: { settlement_lag: { t2Seconds: 5, t3Seconds: 30 } } } : {}),
    })),
  });
  const collector = new Collector({ config, pollerFor, secret: (name) => secrets.get(name), now: () => f.now() });
  let tracked = new Map<string, Finding>();
  const opened: string[] = [];
  const start = f.now();
  const evaluate = (now: number) => {
    const r = trackFindings(
      tracked,
      evaluateRules(
        {
          now,
          history: collector.store,
          freshness: (system, endpoint) => collector.freshness(system, endpoint),
          droppedFamilies: (system) => collector.droppedFamilies(system),
          sourceProblem: (system, endpoint) => collector.sourceProblem(system, endpoint),
          targets: collector.targetsForRules(),
          watchingSince: start,
        },
        RULES,
      ),
      now,
    );
    tracked = new Map(r.findings.map((x) => [x.id, x]));
    for (const tr of r.transitions)
      if (tr.to !== "ok") opened.push(`+${(now - start) / S}s ${tr.findingId} ${tr.to}/${tr.severity}: ${tr.summary}`);
  };
  // The board evaluates as soon as it starts, before the first poll has answered.
  evaluate(start);
  for (let t = 0; t <= ms; t += POLL) {
    for (const sys of f.systems) {
      await collector.pollTarget(sys.name);
      // As the collector does: each target's answer is evaluated when it arrives, while the other
      // targets may not have answered yet.
      evaluate(f.now());
    }
    f.advance(POLL);
  }
  return { opened, open: [...tracked.values()].filter((x) => x.state !== "ok") };
}

describe("a fresh start of the demo fleet", () => {
  it("opens no finding in the first two minutes", async () => {
    const { opened } = await watchFromStart(120 * S);
    expect(opened).toEqual([]);
  }, 60_000);
});
