import { NotAuthenticated, NotAuthorised } from "../errors";

export const ROLES = ["viewer", "responder", "commander", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return roleRank(have) >= roleRank(need);
}

/** Who is acting: always re-read from the database, so a disabled user or a changed role takes effect at once. */
export interface Actor {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  sessionId?: string;
  clientAddress?: string;
  /** When the session token behind this request expires (ms since the epoch), if it says. */
  sessionExpiresAt?: number;
}

/**
 * The authorisation check every protected service calls first. Middleware and hidden buttons are
 * conveniences; this is the check.
 */
export function requireRole(actor: Actor | null | undefined, role: Role): asserts actor is Actor {
  if (!actor) throw new NotAuthenticated();
  if (!roleAtLeast(actor.role, role)) {
    throw new NotAuthorised(`This needs the ${role} role; you are signed in as ${actor.role}.`);
  }
}

/** The highest role among an OIDC user's groups, or null when none maps. */
export function roleFromGroups(groups: readonly string[], map: Record<string, Role>): Role | null {
  let best: Role | null = null;
  for (const g of groups) {
    const r = map[g];
    if (r && (!best || roleRank(r) > roleRank(best))) best = r;
  }
  return best;
}

/** Groups claims come as an array, a single string, or a space/comma-separated string. */
export function groupsFromClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string");
  if (typeof claim === "string") return claim.split(/[\s,]+/).filter(Boolean);
  return [];
}
