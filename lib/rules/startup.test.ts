import { afterEach, describe, expect, it } from "vitest";
import {
  freshnessOf,
  recordFailure,
  recordSuccess,
  worstFreshness,
  EMPTY_SOURCE_STATE,
  type SourceState,
} from "@/lib/collector/freshness";
import { TelemetryStore } from "@/lib/collector/store";
import type { TargetConfig } from "@/lib/config/fleet";
import { loadSimFleetConfig, startFleet, type Fleet } from "@/lib/sim";
import { pollerFor } from "@/lib/telemetry/sources/pollers";
import { RULES, evaluateRules, trackFindings, type Finding, type RuleTarget } from "./index";

// A fresh start of the demo fleet (config/sim-fleet.yaml, every system) with the console watching
// from the first poll: the real pollers every virtual 2 s into one TelemetryStore, the whole rule
// catalog evaluated after each poll, findings tracked as the board tracks them. Nothing is wrong
// in this world, so no finding may open — a rule whose evidence has not had time to exist yet
// (a first cycle not yet due, a window not yet covered) is pending, not firing.

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
  const systems = f.systems.map((sys) => {
    const target: TargetConfig = {
      name: sys.name,
      kind: sys.kind,
      baseUrl: sys.url,
      simulated: true,
      credentials: {},
      thresholds: {},
    };
    return { sys, target, poller: pollerFor(sys.kind), cursor: undefined as string | undefined };
  });
  const ruleTargets: RuleTarget[] = systems.map(({ sys }) => ({
    name: sys.name,
    kind: sys.kind,
    intervalMs: POLL,
    thresholds:
      sys.kind === "spot-exchange"
        ? { settlement_lag: { t2Seconds: 5, t3Seconds: 30 } }
        : ({} as RuleTarget["thresholds"]),
  }));
  const store = new TelemetryStore();
  const endpoints = new Map<string, SourceState>();
  const key = (system: string, path: string) => `${system} ${path}`;
  const freshness = (system: string, endpoint?: string) => {
    const now = f.now();
    if (endpoint !== undefined)
      return freshnessOf(endpoints.get(key(system, endpoint)) ?? EMPTY_SOURCE_STATE, POLL, now);
    return worstFreshness(
      [...endpoints.entries()].filter(([k]) => k.startsWith(`${system} `)).map(([, s]) => freshnessOf(s, POLL, now)),
    );
  };
  let tracked = new Map<string, Finding>();
  const opened: string[] = [];
  const start = f.now();
  const evaluate = (now: number) => {
    const r = trackFindings(
      tracked,
      evaluateRules({ now, history: store, freshness, targets: ruleTargets, watchingSince: start }, RULES),
      now,
    );
    tracked = new Map(r.findings.map((x) => [x.id, x]));
    for (const tr of r.transitions)
      if (tr.to !== "ok") opened.push(`+${(now - start) / S}s ${tr.findingId} ${tr.to}/${tr.severity}: ${tr.summary}`);
  };
  // The board evaluates as soon as it starts, before the first poll has answered.
  evaluate(start);
  for (let t = 0; t <= ms; t += POLL) {
    const now = f.now();
    for (const s of systems) {
      const out = await s.poller({
        target: s.target,
        token: s.sys.credential,
        timeoutMs: 5000,
        maxBytes: 50 * 1024 * 1024,
        now,
        cursor: s.cursor,
      });
      s.cursor = out.cursor ?? s.cursor;
      for (const e of out.endpoints) {
        const k = key(s.sys.name, e.path);
        const prev = endpoints.get(k) ?? EMPTY_SOURCE_STATE;
        endpoints.set(
          k,
          e.ok ? recordSuccess(prev, now) : recordFailure(prev, now, e.error ?? { kind: "http", detail: "failed" }),
        );
      }
      store.addSamples(out.samples);
      store.addReports(out.reports);
      store.prune(now);
      // As the collector does: each target's answer is evaluated when it arrives, while the other
      // targets may not have answered yet.
      evaluate(now);
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
