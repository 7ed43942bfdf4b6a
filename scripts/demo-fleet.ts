// The simulated fleet for `npm run demo`: the shipped config/fleet.yaml refers to each simulated
// system's credential by an environment variable name; this sets those variables from
// config/sim-fleet.yaml and starts the fleet on real time.
import { loadSimFleetConfig, startFleet } from "../lib/sim";
import { simSupabaseKey } from "../lib/sim/systems/postgrest";

export const SIM_FLEET_FILE = "config/sim-fleet.yaml";

/** `alpha-bot` → `SIM_TOKEN_ALPHA_BOT`, the name config/fleet.yaml uses. */
export function simTokenEnvName(system: string): string {
  return `SIM_TOKEN_${system.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** `beta-bot` → `SIM_SUPABASE_URL_BETA_BOT` / `SIM_SUPABASE_KEY_BETA_BOT`, the names config/fleet.yaml uses. */
export function simSupabaseEnvNames(system: string): { url: string; key: string } {
  const id = system.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return { url: `SIM_SUPABASE_URL_${id}`, key: `SIM_SUPABASE_KEY_${id}` };
}

export async function prepareDemoFleet(env: NodeJS.ProcessEnv) {
  const config = loadSimFleetConfig(SIM_FLEET_FILE);
  for (const s of config.systems) {
    env[simTokenEnvName(s.name)] ||= s.credential;
    if (s.kind === "futures-bot")
      env[`INGEST_TOKEN_${s.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] ||= `ingest-${s.credential}`;
    // A trading bot's Supabase project (its ledger under /rest/v1), for a target with ledger.from: supabase.
    if (s.kind === "trading-bot") {
      env[simSupabaseEnvNames(s.name).url] ||= `http://${config.host}:${s.port}`;
      env[simSupabaseEnvNames(s.name).key] ||= simSupabaseKey(s.credential);
    }
  }
  return {
    async start(o: { seed: number; speed: number; scenarios: string[]; consoleUrl: string }) {
      // Futures bots push their log records to the console's ingest endpoint, as a log shipper would.
      const futures = config.systems.find((s) => s.kind === "futures-bot");
      const ingestToken = futures
        ? env[`INGEST_TOKEN_${futures.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`]
        : undefined;
      const fleet = await startFleet({
        config,
        seed: o.seed,
        clock: { speed: o.speed },
        ingest: ingestToken ? { url: `${o.consoleUrl}/api/ingest`, token: ingestToken } : undefined,
      });
      for (const spec of o.scenarios) {
        const [name, target] = spec.split("@");
        fleet.startScenario(name!, target);
      }
      for (const s of fleet.systems) console.log(`  simulated ${s.kind.padEnd(13)} ${s.name.padEnd(16)} ${s.url}`);
      return { adminUrl: fleet.adminUrl ?? "(admin API off)", stop: () => fleet.stop() };
    },
  };
}
