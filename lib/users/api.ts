import "server-only";
import { getDb } from "../db";
import type { Actor } from "../auth/roles";
import * as svc from "./service";

// Entry points for pages and server actions: each opens the process database and calls the
// service, which authorises the actor itself.

export async function listUsers(actor: Actor | null) {
  return svc.listUsers(await getDb(), actor);
}
export async function createUser(actor: Actor | null, input: unknown) {
  return svc.createUser(await getDb(), actor, input);
}
export async function setUserRole(actor: Actor | null, username: string, role: unknown) {
  return svc.setUserRole(await getDb(), actor, username, role);
}
export async function setUserStatus(actor: Actor | null, username: string, status: "active" | "disabled") {
  return svc.setUserStatus(await getDb(), actor, username, status);
}
