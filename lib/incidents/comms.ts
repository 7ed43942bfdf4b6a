import type { AffectedEntity, ChecklistStepRun, ControlRun, IncidentSummary } from "./types";
import { utcMinute } from "../core/time";

// The communication update for the incident channel, following the five-line template of the
// trading-bot runbook (seed 002): Incident, Severity, Impact, Mitigation, Next Update (UTC).

export interface CommsInput {
  incident: IncidentSummary;
  /** Open findings on the affected entities, as "system · entity: summary". */
  openFindings: Array<{ system: string; entity: string; severity: string }>;
  steps: ChecklistStepRun[];
  controls: ControlRun[];
  now: number;
  /** Minutes until the next update; shorter for higher severity by default. */
  nextUpdateMinutes?: number;
}

const DEFAULT_CADENCE: Record<string, number> = { SEV1: 15, SEV2: 30, SEV3: 60 };

/** "SEV1" → "SEV-1", the template's spelling. */
export function templateSeverity(s: string): string {
  return s.replace(/^SEV(\d)$/, "SEV-$1");
}

function wordFor(a: AffectedEntity): string {
  if (a.entity === "*") return "";
  if (a.kind === "profile" || (!a.kind && /[a-z]-[a-z]/.test(a.entity) && !/^[A-Z]/.test(a.entity))) return "profile";
  return "symbol";
}

/** "alpha-bot profiles eth-grid, sol-breakout; spot-exchange symbol BTC-USD" */
export function describeImpact(affected: AffectedEntity[], openFindings: CommsInput["openFindings"]): string {
  const bySystem = new Map<string, { profiles: Set<string>; symbols: Set<string>; whole: boolean }>();
  const add = (system: string, entity: string, kind?: AffectedEntity["kind"]) => {
    let g = bySystem.get(system);
    if (!g) bySystem.set(system, (g = { profiles: new Set(), symbols: new Set(), whole: false }));
    if (entity === "*") g.whole = true;
    else if (wordFor({ system, entity, kind }) === "profile") g.profiles.add(entity);
    else g.symbols.add(entity);
  };
  for (const a of affected) add(a.system, a.entity, a.kind);
  for (const f of openFindings) if (!bySystem.has(f.system)) add(f.system, f.entity);
  if (bySystem.size === 0) return "Under assessment; no affected profiles, symbols or orders identified yet";
  const parts = [...bySystem.entries()].map(([system, g]) => {
    const bits: string[] = [];
    if (g.profiles.size)
      bits.push(`${g.profiles.size === 1 ? "profile" : "profiles"} ${[...g.profiles].sort().join(", ")}`);
    if (g.symbols.size) bits.push(`${g.symbols.size === 1 ? "symbol" : "symbols"} ${[...g.symbols].sort().join(", ")}`);
    if (!bits.length || g.whole) bits.push("whole system");
    return `${system} ${bits.join(" and ")}`;
  });
  const open = openFindings.length;
  return `${parts.join("; ")}${open ? ` (${open} open finding${open === 1 ? "" : "s"})` : ""}`;
}

export function describeMitigation(steps: ChecklistStepRun[], controls: ControlRun[], status: string): string {
  const done = [
    ...controls.map((c) => ({
      at: c.at,
      text: `${c.label} on ${c.target} ${c.outcome}${c.verification ? ` (${c.verification})` : ""}`,
    })),
    ...steps
      .filter((s) => s.done && s.doneAt !== undefined)
      .map((s) => ({ at: s.doneAt!, text: s.text.replace(/\.$/, "") })),
  ].sort((a, b) => b.at - a.at);
  if (done.length === 0)
    return status === "investigating" ? "Investigating; no mitigation applied yet" : "No mitigation recorded yet";
  const shown = done.slice(0, 3).map((d) => d.text);
  const more = done.length - shown.length;
  return `${shown.join("; ")}${more > 0 ? `; and ${more} earlier action${more === 1 ? "" : "s"}` : ""}`;
}

/** The five-line update, ready to paste into the incident channel. */
export function communicationUpdate(input: CommsInput): string {
  const { incident, now } = input;
  const minutes = input.nextUpdateMinutes ?? DEFAULT_CADENCE[incident.severity] ?? 30;
  const title = incident.status === "resolved" ? `${incident.title} (resolved)` : incident.title;
  return [
    `Incident: ${title}`,
    `Severity: ${templateSeverity(incident.severity)}`,
    `Impact: ${describeImpact(incident.affected, input.openFindings)}`,
    `Mitigation: ${describeMitigation(input.steps, input.controls, incident.status)}`,
    `Next Update: ${incident.status === "resolved" ? "none planned (resolved)" : utcMinute(now + minutes * 60_000)}`,
  ].join("\n");
}

const NEXT_UPDATE = /^Next Update:\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::(\d{2}))?\s*(?:UTC|Z)?\s*$/im;

/**
 * When the next communication update is due: the "Next Update" time the last posted update
 * promised; when it promised none (or none was posted), the severity's cadence after the last
 * update or, before the first, after opening.
 */
export function nextUpdateDue(input: {
  severity: string;
  openedAt: number;
  posted: Array<{ at: number; text: string }>;
}): { dueAt: number; basis: "posted" | "first" } {
  const last = input.posted[input.posted.length - 1];
  const cadence = (DEFAULT_CADENCE[input.severity] ?? 30) * 60_000;
  if (!last) return { dueAt: input.openedAt + cadence, basis: "first" };
  const m = NEXT_UPDATE.exec(last.text);
  const promised = m ? Date.parse(`${m[1]}T${m[2]}:${m[3] ?? "00"}Z`) : NaN;
  return { dueAt: Number.isFinite(promised) ? promised : last.at + cadence, basis: "posted" };
}
