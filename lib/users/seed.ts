import "server-only";
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { ROLES, type Actor, type Role } from "../auth/roles";
import { countUsers, createUser } from "./service";

export interface SeededUser {
  username: string;
  role: Role;
  password: string;
}

const DEMO_NAMES: Record<Role, [string, string]> = {
  viewer: ["viewer", "Vera Viewer"],
  responder: ["responder", "Rafael Responder"],
  commander: ["commander", "Chloe Commander"],
  admin: ["admin", "Ada Admin"],
};

/**
 * First start only: when there are no users at all, create one per role with a random password.
 * Returns the credentials so the caller can print them once; they are stored only as hashes.
 */
export async function seedDemoUsers(db: Db): Promise<SeededUser[]> {
  if ((await countUsers(db)) > 0) return [];
  const system: Actor = { id: "system", username: "system:first-start", displayName: "First start", role: "admin" };
  const out: SeededUser[] = [];
  for (const role of ROLES) {
    const [username, displayName] = DEMO_NAMES[role];
    const password = randomBytes(12).toString("base64url");
    await createUser(db, system, { username, displayName, password, role });
    out.push({ username, role, password });
  }
  return out;
}
