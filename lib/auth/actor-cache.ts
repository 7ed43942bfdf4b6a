import { createHash } from "node:crypto";
import type { Actor } from "./roles";

// A short-lived cache of verified sessions. Without it every request decrypts the session JWT
// (two key derivations and an AES-GCM round trip through getServerSession) and reads the user row
// from the database, which on the embedded database waits behind the collector's writes; in CPU
// profiles of the board API that was most of each request.
//
// What it keeps: for the hash of a session token, the user the token named and that user's row
// (active, role) as read at most SESSION_CACHE_MS ago — never past the token's own expiry.
// Revocation: disabling a user or changing a role through lib/users drops that user's entries in
// this process at once (forgetUser). Another console instance sharing the same PostgreSQL (or
// `npm run users` against it) is seen within SESSION_CACHE_MS, after which the row is read again.
// Invalid, expired and disabled tokens are never cached: they are checked in full every time.

/** How long a verified session and its user row are trusted before both are checked again. */
export const SESSION_CACHE_MS = 5_000;
const MAX_ENTRIES = 10_000;

export type CachedActor = Omit<Actor, "clientAddress">;

interface Entry {
  actor: CachedActor;
  until: number;
}

export class VerifiedSessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by forgetUser, so a row read before a change is not cached after it. */
  private generation = 0;

  constructor(
    private readonly ttlMs = SESSION_CACHE_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get(tokenHash: string, now: number): CachedActor | undefined {
    const e = this.entries.get(tokenHash);
    if (!e) return undefined;
    if (now >= e.until) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return e.actor;
  }

  /** A marker to pass to set(): the entry is not kept if a user changed in between. */
  mark(): number {
    return this.generation;
  }

  /** Keeps `actor` for the token until the cache window ends or the token expires, whichever is first. */
  set(tokenHash: string, actor: CachedActor, now: number, tokenExpiresAt?: number, mark = this.generation): void {
    if (mark !== this.generation) return;
    const until = Math.min(now + this.ttlMs, tokenExpiresAt ?? Infinity);
    if (until <= now) return;
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (Map keeps insertion order): drop what has expired, then the oldest if still full.
      for (const [k, e] of this.entries) if (now >= e.until) this.entries.delete(k);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(tokenHash, { actor, until });
  }

  /** Drops every cached session of a user (disabled, role changed): the next request reads the row again. */
  forgetUser(userId: string): void {
    this.generation++;
    for (const [k, e] of this.entries) if (e.actor.id === userId) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}

const KEY = Symbol.for("watchfloor.verified-session-cache");
/** The process-wide cache, shared by every route bundle (like the database handle). */
export function sessionCache(): VerifiedSessionCache {
  const g = globalThis as { [KEY]?: VerifiedSessionCache };
  g[KEY] ??= new VerifiedSessionCache();
  return g[KEY];
}

/** Called by lib/users whenever a user's status or role changes. */
export function forgetCachedUser(userId: string): void {
  sessionCache().forgetUser(userId);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export interface ActorRow {
  id: string;
  username: string;
  displayName: string;
  role: Actor["role"];
}

export interface ResolveDeps {
  /** Verifies and decrypts the session token: its claims, or null when it is not valid. */
  verify(token: string): Promise<Record<string, unknown> | null>;
  /** The user if it exists and is active, else undefined. */
  activeUser(id: string): Promise<ActorRow | undefined>;
  cache: VerifiedSessionCache;
  now: () => number;
}

/** The user behind a session token, from the cache or verified and read afresh; null when refused. */
export async function resolveSessionActor(token: string | undefined, deps: ResolveDeps): Promise<CachedActor | null> {
  if (!token) return null;
  const key = hashToken(token);
  const hit = deps.cache.get(key, deps.now());
  if (hit) return hit;
  let claims: Awaited<ReturnType<ResolveDeps["verify"]>>;
  try {
    claims = await deps.verify(token);
  } catch {
    return null;
  }
  const id = claims?.uid;
  if (typeof id !== "string" || !id) return null;
  const mark = deps.cache.mark();
  const row = await deps.activeUser(id);
  if (!row) return null;
  const actor: CachedActor = { id: row.id, username: row.username, displayName: row.displayName, role: row.role };
  if (typeof claims?.sid === "string") actor.sessionId = claims.sid;
  const exp = typeof claims?.exp === "number" ? claims.exp * 1000 : undefined;
  if (exp !== undefined) actor.sessionExpiresAt = exp;
  deps.cache.set(key, actor, deps.now(), exp, mark);
  return actor;
}
