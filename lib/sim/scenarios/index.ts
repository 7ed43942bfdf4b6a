// The scenario library: one scenario per playbook in the seeds, each with its timeline as data.

import type { SystemKind } from "@/lib/telemetry/model";
import type { ScenarioDef, SimSystem } from "../core/system";
import { futuresBotScenarios } from "./futures-bot";
import { spotExchangeScenarios } from "./spot-exchange";
import { tradingBotScenarios } from "./trading-bot";

export const SCENARIOS: readonly ScenarioDef<SimSystem>[] = [
  ...tradingBotScenarios,
  ...futuresBotScenarios,
  ...spotExchangeScenarios,
];

export interface ScenarioDescription {
  name: string;
  kind: SystemKind;
  seed: string;
  playbook: string;
  description: string;
  recovery: "self" | "control" | "none";
  recoveryNote: string;
  timeline: { atMs: number; at: string; label: string }[];
}

export function formatOffset(ms: number): string {
  if (ms === 0) return "T+0";
  const parts: string[] = [];
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s) parts.push(`${s}s`);
  return `T+${parts.join("")}`;
}

export function describeScenario(def: ScenarioDef<SimSystem>): ScenarioDescription {
  return {
    name: def.name,
    kind: def.kind,
    seed: def.seed,
    playbook: def.playbook,
    description: def.description,
    recovery: def.recovery,
    recoveryNote: def.recoveryNote,
    timeline: def.steps.map((s) => ({ atMs: s.at, at: formatOffset(s.at), label: s.label })),
  };
}

export function listScenarios(): ScenarioDescription[] {
  return SCENARIOS.map(describeScenario);
}

export function findScenario(name: string): ScenarioDef<SimSystem> | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
