import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFleetConfig, missingSecrets, supabaseLedgerOf } from "../lib/config/fleet";
import { loadSimFleetConfig, startFleet, type Fleet } from "../lib/sim";
import { createSupabaseLedgerSource } from "../lib/telemetry/sources/supabase-ledger";
import { prepareDemoFleet, SIM_FLEET_FILE } from "./demo-fleet";

// What `npm run demo` gives the console: every variable the shipped config/fleet.yaml names is
// set, and beta-bot's ledger is read from its Supabase project through supabase-js. The fleet runs
// here on ephemeral ports (the demo's fixed ports may be taken), so the read goes to the address
// the fleet got; the variables must point at the demo's own ports.

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({
    config: loadSimFleetConfig(SIM_FLEET_FILE),
    seed: 42,
    clock: "manual",
    portBase: 0,
    admin: false,
  });
  fleet.advance(10_000);
});
afterAll(async () => {
  await fleet?.stop();
});

describe("the demo fleet and the shipped fleet config", () => {
  it("sets every variable the config names, and beta-bot's ledger comes from Supabase at the bot's demo port", async () => {
    const env = {} as NodeJS.ProcessEnv;
    await prepareDemoFleet(env);
    for (const v of ["DEMO_PAGERDUTY_ROUTING_KEY", "DEMO_WEBHOOK_SECRET"]) env[v] = "set by the demo's receiver";
    const config = loadFleetConfig("config/fleet.yaml");
    expect(missingSecrets(config, (n) => env[n])).toEqual([]);
    const beta = config.targets.find((t) => t.name === "beta-bot")!;
    const sb = supabaseLedgerOf(beta)!;
    expect(sb).toMatchObject({ table: "capital_ledger", statusColumn: "status" });
    expect(env[sb.urlEnv]).toBe(beta.baseUrl);

    // The key the demo sets opens the simulated bot's ledger; read it where this fleet listens.
    const r = await createSupabaseLedgerSource({
      url: fleet.info("beta-bot").url,
      key: env[sb.keyEnv]!,
      system: "beta-bot",
      statusColumn: sb.statusColumn,
      timeoutMs: 3000,
      maxBytes: 1 << 20,
    }).read();
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const sim = loadSimFleetConfig(SIM_FLEET_FILE).systems.find((s) => s.name === "beta-bot")!;
    expect(r.value.rows.map((x) => x.profileId)).toEqual(
      (sim.kind === "trading-bot" ? sim.profiles.map((p) => p.id) : []).sort(),
    );
  });
});
