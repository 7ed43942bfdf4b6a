import "server-only";
import path from "node:path";
import { getDb } from "../db";
import { getFleetConfig } from "../config/current";
import { env } from "../env";
import { announce } from "../collector/changes";
import { getLocalCollector } from "../collector/runtime";
import { allFindings, currentFinding } from "../board/current";
import { loadRunbooks } from "../runbooks/load";
import { requireRole, type Actor } from "../auth/roles";
import type { Finding } from "../rules/types";
import type { Lookup } from "../runbooks/checks";
import * as svc from "./service";
import { replayTargets } from "../replay/api";

// Entry points for pages, route handlers and server actions: the process database, the runbook
// directory, the live board and telemetry, then the service, which authorises the actor itself.

function lookupFor(system: string): Lookup {
  const store = getLocalCollector()?.store;
  return (metric, entity) => {
    const p = store?.latest(system, metric, entity);
    return p ? { value: p.v, at: p.t } : undefined;
  };
}

async function deps(): Promise<svc.IncidentDeps> {
  const config = getFleetConfig();
  return {
    db: await getDb(),
    runbooks: async () => (await loadRunbooks(path.resolve(env().WATCHFLOOR_RUNBOOKS_DIR))).runbooks,
    findings: allFindings,
    lookup: lookupFor,
    systemKind: (name) => config.targets.find((t) => t.name === name)?.kind,
    ticketUrlTemplate: config.controls.ticketUrlTemplate ?? null,
    replayTargets,
  };
}

export const listIncidents = async (actor: Actor | null) => svc.listIncidents(await deps(), actor);
export const getIncidentRoom = async (actor: Actor | null, id: unknown) => svc.getIncidentRoom(await deps(), actor, id);
/** Tells the board that the set of open incidents changed: its cards link to the incident covering them. */
function announceIncident(incidentId: string) {
  announce({ type: "incident", incidentId });
}

export const openIncident = async (actor: Actor | null, input: unknown) => {
  const r = await svc.openIncident(await deps(), actor, input);
  announceIncident(r.id);
  return r;
};
export const setStatus = async (actor: Actor | null, input: unknown) => {
  const r = await svc.setStatus(await deps(), actor, input);
  announceIncident(r.id);
  return r;
};
export const setSeverity = async (actor: Actor | null, input: unknown) => svc.setSeverity(await deps(), actor, input);
export const setCommander = async (actor: Actor | null, input: unknown) => svc.setCommander(await deps(), actor, input);
export const checkIn = async (actor: Actor | null, input: unknown) => svc.checkIn(await deps(), actor, input);
export const addResponder = async (actor: Actor | null, input: unknown) => svc.addResponder(await deps(), actor, input);
export const addNote = async (actor: Actor | null, input: unknown) => svc.addNote(await deps(), actor, input);
export const tickStep = async (actor: Actor | null, input: unknown) => svc.tickStep(await deps(), actor, input);
export const untickStep = async (actor: Actor | null, input: unknown) => svc.untickStep(await deps(), actor, input);
export const postComms = async (actor: Actor | null, input: unknown) => svc.postComms(await deps(), actor, input);
export const exportPostmortem = async (actor: Actor | null, id: unknown) =>
  svc.exportPostmortem(await deps(), actor, id);

/** The finding a `?finding=` link names, for pre-filling the open form (viewer or above). */
export async function findingForPrefill(actor: Actor | null, id: string): Promise<Finding | undefined> {
  requireRole(actor, "viewer");
  return currentFinding(id);
}

export { STATUS_MOVES, type IncidentRoom as IncidentRoomView, type IncidentListItem } from "./service";
