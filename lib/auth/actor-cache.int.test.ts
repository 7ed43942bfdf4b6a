import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { openDatabase, type DbHandle } from "../db/client";
import { users } from "../db/schema";
import { getActiveUserById, setUserRole, setUserStatus } from "../users/service";
import { SESSION_CACHE_MS, VerifiedSessionCache, resolveSessionActor, type ResolveDeps } from "./actor-cache";
import type { Actor } from "./roles";

// The verified-session cache on a real (embedded) database, on a virtual clock: a user disabled
// through lib/users is refused on the next request; one disabled behind this process's back
// (another instance, the users CLI) is refused once the cache window has passed; an expired or
// unverifiable token is refused and never cached.

let h: DbHandle;
const admin: Actor = { id: "system", username: "system:test", displayName: "test", role: "admin" };
let clock = Date.parse("2026-12-01T00:00:00.000Z");
let reads = 0;
let userId = "";

/** Tokens here are the user id in clear; verify() stands in for the JWT decryption. */
function deps(cache: VerifiedSessionCache, exp?: number): ResolveDeps {
  return {
    verify: async (t) =>
      t.startsWith("bad") ? null : { uid: t.split("#")[0], sid: "s-1", exp: exp ?? clock / 1000 + 3600 },
    activeUser: async (id) => {
      reads++;
      return getActiveUserById(h.db, id);
    },
    cache,
    now: () => clock,
  };
}

beforeAll(async () => {
  h = await openDatabase({ dataDir: "memory://" });
  // Inserted directly: a password (a bcrypt hash) plays no part here.
  const [u] = await h.db
    .insert(users)
    .values({ username: "cached-viewer", displayName: "Cached Viewer", role: "viewer" })
    .returning();
  userId = u!.id;
}, 300_000); // opening the embedded database can take a minute on a loaded machine
afterAll(async () => {
  await h?.close();
});

describe("verified-session cache", () => {
  it("serves repeated requests within the window from one database read", async () => {
    const cache = new VerifiedSessionCache();
    reads = 0;
    const a = await resolveSessionActor(`${userId}#one`, deps(cache));
    const b = await resolveSessionActor(`${userId}#one`, deps(cache));
    expect(a).toMatchObject({ id: userId, username: "cached-viewer", role: "viewer", sessionId: "s-1" });
    expect(b).toEqual(a);
    expect(reads).toBe(1);
  });

  it("refuses a user disabled through lib/users on the very next request", async () => {
    // The process-wide cache is the one lib/users clears.
    const { sessionCache } = await import("./actor-cache");
    const cache = sessionCache();
    expect(await resolveSessionActor(`${userId}#two`, deps(cache))).not.toBeNull();
    await setUserStatus(h.db, admin, "cached-viewer", "disabled");
    expect(await resolveSessionActor(`${userId}#two`, deps(cache))).toBeNull();
    await setUserStatus(h.db, admin, "cached-viewer", "active");
    expect(await resolveSessionActor(`${userId}#two`, deps(cache))).not.toBeNull();
    await setUserRole(h.db, admin, "cached-viewer", "responder");
    expect((await resolveSessionActor(`${userId}#two`, deps(cache)))?.role).toBe("responder");
    await setUserRole(h.db, admin, "cached-viewer", "viewer");
  });

  it("refuses a user disabled elsewhere once the window has passed", async () => {
    const cache = new VerifiedSessionCache();
    expect(await resolveSessionActor(`${userId}#three`, deps(cache))).not.toBeNull();
    // Another instance (or the users CLI) writes the row; this process is not told.
    await h.db.update(users).set({ status: "disabled" }).where(eq(users.id, userId));
    clock += SESSION_CACHE_MS - 1;
    expect(await resolveSessionActor(`${userId}#three`, deps(cache))).not.toBeNull();
    clock += 1;
    expect(await resolveSessionActor(`${userId}#three`, deps(cache))).toBeNull();
    // Refusals are not cached: re-enabled, the same token works again at once.
    await h.db.update(users).set({ status: "active" }).where(eq(users.id, userId));
    expect(await resolveSessionActor(`${userId}#three`, deps(cache))).not.toBeNull();
  });

  it("never keeps a session past its token's expiry, and never caches an invalid token", async () => {
    const cache = new VerifiedSessionCache();
    const exp = (clock + 1000) / 1000;
    expect(await resolveSessionActor(`${userId}#four`, deps(cache, exp))).not.toBeNull();
    clock += 1000;
    expect(cache.get(await hashOf(`${userId}#four`), clock)).toBeUndefined();
    expect(await resolveSessionActor("bad-token", deps(cache))).toBeNull();
    expect(await resolveSessionActor(undefined, deps(cache))).toBeNull();
    expect(await resolveSessionActor("no-such-user#x", deps(cache))).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("does not cache a row read before the user changed", async () => {
    const cache = new VerifiedSessionCache();
    const d = deps(cache);
    const slow: ResolveDeps = {
      ...d,
      activeUser: async (id) => {
        const row = await d.activeUser(id);
        cache.forgetUser(id); // the user changes while this request is reading
        return row;
      },
    };
    expect(await resolveSessionActor(`${userId}#five`, slow)).not.toBeNull();
    expect(cache.size).toBe(0);
  });
});

async function hashOf(token: string) {
  const { hashToken } = await import("./actor-cache");
  return hashToken(token);
}
