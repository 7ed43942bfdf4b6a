import "server-only";
import { requireRole, type Actor } from "./auth/roles";
import { getFleetConfig } from "./config/current";
import { effectivePollIntervalMs } from "./config/fleet";

export interface TargetSummary {
  name: string;
  label: string;
  kind: string;
  baseUrl: string;
  simulated: boolean;
  pollIntervalMs: number;
}

/** The monitored systems as configured (no credentials). */
export function listTargets(actor: Actor | null): TargetSummary[] {
  requireRole(actor, "viewer");
  const cfg = getFleetConfig();
  return cfg.targets.map((t) => ({
    name: t.name,
    label: t.label ?? t.name,
    kind: t.kind,
    baseUrl: t.baseUrl,
    simulated: t.simulated,
    pollIntervalMs: effectivePollIntervalMs(cfg, t),
  }));
}
