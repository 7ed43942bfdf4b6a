import "server-only";
import { getDb } from "../db";
import { getFleetConfig } from "../config/current";
import type { Actor } from "../auth/roles";
import * as svc from "./service";

// Entry points for the routine-checks screen and its action: the process database and fleet
// config, then the service, which authorises the actor itself.

async function deps(): Promise<svc.RoutineDeps> {
  const cfg = getFleetConfig();
  return { db: await getDb(), targets: cfg.targets, ticketPattern: cfg.controls.ticketPattern };
}

export async function listRoutineChecks(actor: Actor | null) {
  return svc.listRoutineChecks(await deps(), actor);
}
export async function markRoutineCheckDone(actor: Actor | null, input: unknown) {
  return svc.markRoutineCheckDone(await deps(), actor, input);
}
