import "server-only";
import { userRules } from "../rules/user";
import { and, asc, eq } from "drizzle-orm";
import { getDb } from "../db";
import { findingAcks, findingTransitions } from "../db/schema";
import { requireRole, type Actor } from "../auth/roles";
import { currentFinding } from "./current";
import { NotFound } from "../errors";
import { ruleById } from "../rules";
import { getFleetConfig } from "../config/current";
import type { Finding } from "../rules/types";
import { incidentFor, listOpenIncidentScopes, type IncidentLink } from "./incident-links";

export interface FindingDetail {
  finding: Finding;
  /** The system's label from the fleet config (its name when it has none or is no longer configured). */
  systemLabel: string;
  rule?: { id: string; title: string; description: string; seed: string; defaults: Record<string, unknown> };
  transitions: Array<{ from: string | null; to: string; severity: string; summary: string; at: number }>;
  acks: Array<{ by: string; at: number; onset: number }>;
  /** Who acknowledged the current occurrence (the one that began at `finding.since`), if anyone. */
  currentAck?: { by: string; at: number };
  /** The open incident that covers this finding, if one does. */
  incident?: IncidentLink;
  now: number;
}

export async function getFindingDetail(actor: Actor | null, id: string): Promise<FindingDetail> {
  requireRole(actor, "viewer");
  const db = await getDb();
  const finding = await currentFinding(id, db);
  if (!finding) throw new NotFound(`No finding ${id}.`);
  // A built-in rule, or one of the operator's own (the rules file in force).
  const rule = ruleById(finding.ruleId) ?? ruleById(finding.ruleId, userRules());
  const transitions = await db
    .select()
    .from(findingTransitions)
    .where(and(eq(findingTransitions.findingId, id), eq(findingTransitions.kind, "state")))
    .orderBy(asc(findingTransitions.at))
    .limit(500);
  const acks = await db.select().from(findingAcks).where(eq(findingAcks.findingId, id));
  const onset = finding.since;
  const current = acks.find((a) => a.onset.getTime() === onset);
  const incident = incidentFor(finding, await listOpenIncidentScopes(db));
  const system = finding.system;
  const target = getFleetConfig().targets.find((t) => t.name === system);
  return {
    finding,
    systemLabel: target?.label ?? system,
    rule: rule
      ? { id: rule.id, title: rule.title, description: rule.description, seed: rule.seed, defaults: rule.defaults }
      : undefined,
    transitions: transitions.map((t) => ({
      from: t.fromState,
      to: t.toState,
      severity: t.severity,
      summary: t.summary,
      at: t.at.getTime(),
    })),
    acks: acks.map((a) => ({ by: a.userName, at: a.at.getTime(), onset: a.onset.getTime() })),
    ...(current && finding.state !== "ok" ? { currentAck: { by: current.userName, at: current.at.getTime() } } : {}),
    ...(incident ? { incident } : {}),
    now: Date.now(),
  };
}
