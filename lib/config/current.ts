import "server-only";
import { env, readNamedSecret } from "../env";
import { RULES, validateThresholds } from "../rules";
import { loadStartupUserRules, userRules } from "../rules/user";
import { validatePolicyKeys } from "../controls/catalog";
import { ConfigError, loadFleetConfig, missingSecrets, type FleetConfig } from "./fleet";

// The fleet config the running process uses: loaded and checked once, then read by every service
// through getFleetConfig(). Start-up (lib/boot.ts) and the CLI scripts call loadStartupConfig()
// to fail early with a message that names the field.

export function loadStartupConfig(): FleetConfig {
  const e = env();
  const cfg = loadFleetConfig(e.WATCHFLOOR_FLEET_CONFIG);
  // The rules file first: a bad one stops start-up naming file:line, rule and field.
  loadStartupUserRules();
  // Threshold overrides are checked against the rule catalog here: an unknown rule, a rule of
  // another kind or a bad parameter would otherwise be dropped silently and the seed default used.
  const problems = [
    ...validateThresholds(cfg.targets, [...RULES, ...userRules()]),
    ...validatePolicyKeys(Object.keys(cfg.controls.policy)),
    ...(cfg.controls.criticalControls ?? []).flatMap((k, i) => validatePolicyKeys([k], "controls.criticalControls").map((m) => m.replace(`controls.criticalControls.${k}:`, `controls.criticalControls[${i}]: "${k}" is an`))),
    ...missingSecrets(cfg, readNamedSecret),
  ];
  if (problems.length) throw new ConfigError(e.WATCHFLOOR_FLEET_CONFIG, problems);
  return cfg;
}

const KEY = Symbol.for("watchfloor.fleet");
export function getFleetConfig(): FleetConfig {
  const g = globalThis as { [KEY]?: FleetConfig };
  g[KEY] ??= loadStartupConfig();
  return g[KEY];
}
