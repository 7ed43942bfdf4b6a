import "server-only";
import { EnvError, env, readNamedSecret } from "./env";
import { ConfigError, loadFleetConfig, missingSecrets, type FleetConfig } from "./config/fleet";
import { validateThresholds } from "./rules";

// Start-up checks shared by the server (instrumentation) and the CLI scripts: a bad environment
// variable or fleet config stops the process with a message that names the field.

export function loadStartupConfig(): FleetConfig {
  const e = env();
  const cfg = loadFleetConfig(e.WATCHFLOOR_FLEET_CONFIG);
  // Threshold overrides are checked against the rule catalog here: an unknown rule, a rule of
  // another kind or a bad parameter would otherwise be dropped silently and the seed default used.
  const problems = [...validateThresholds(cfg.targets), ...missingSecrets(cfg, readNamedSecret)];
  if (problems.length) throw new ConfigError(e.WATCHFLOOR_FLEET_CONFIG, problems);
  return cfg;
}

const KEY = Symbol.for("watchfloor.fleet");
export function getFleetConfig(): FleetConfig {
  const g = globalThis as { [KEY]?: FleetConfig };
  g[KEY] ??= loadStartupConfig();
  return g[KEY];
}

/** Formats a start-up failure for a human, or rethrows what is not a known start-up problem. */
export function describeStartupError(err: unknown): string {
  if (err instanceof EnvError || err instanceof ConfigError) return err.message;
  if (err instanceof Error && err.name === "DatabaseInUseError") return err.message;
  return `Start-up failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
}

/** Server start-up: validate, open and migrate, start the collector; on failure print the reason and exit. */
export async function bootOrExit(): Promise<void> {
  const { getDatabase } = await import("./db");
  try {
    loadStartupConfig();
    await getDatabase();
    // Before anything else can start a call: requests a previous process left mid-call.
    const { startControlRecovery } = await import("./controls/api");
    await startControlRecovery();
    if (env().WATCHFLOOR_COLLECTOR !== "off") {
      const { startCollector } = await import("./collector/start");
      await startCollector();
    }
  } catch (err) {
    console.error(`\n[watchfloor] ${describeStartupError(err)}\n`);
    process.exit(1);
  }
}
