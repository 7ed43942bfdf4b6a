import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { openDatabase, type DbHandle } from "../db/client";
import { auditLog, users } from "../db/schema";

// Single sign-on roles on a real (embedded) database: the sign-in callback next-auth calls after
// the provider answers, with the groups claim as providers send it. What is checked is what the
// database holds afterwards — the user's row and role, and the audit row — against roles written
// out by hand from the README's OIDC_ROLE_MAP default and OIDC_DEFAULT_ROLE.

// The console's database handle is this test's database.
const shared = vi.hoisted(() => ({ handle: undefined as DbHandle | undefined }));
vi.mock("../db", () => ({ getDb: async () => shared.handle!.db }));

const ISSUER = "http://127.0.0.1:9/issuer";
const saved = { ...process.env };

beforeAll(async () => {
  shared.handle = await openDatabase({ dataDir: "memory://" });
});
afterAll(async () => {
  await shared.handle?.close();
});
afterEach(() => {
  process.env = { ...saved };
});

/** Signs `username` in through the OIDC callback with this groups claim; returns what it answered. */
async function oidcSignIn(env: Record<string, string>, username: string, groups: unknown) {
  process.env = {
    ...saved,
    NEXTAUTH_SECRET: "s".repeat(40),
    NEXTAUTH_URL: "http://localhost:3000",
    OIDC_ISSUER: ISSUER,
    OIDC_CLIENT_ID: "wf",
    OIDC_CLIENT_SECRET: "wf-secret",
    ...env,
  };
  vi.resetModules();
  const { getAuthOptions } = await import("./options");
  const user: { id: string; role?: string } = { id: "provider-id" };
  const answer = await getAuthOptions().callbacks!.signIn!({
    user,
    account: { provider: "oidc" },
    profile: { sub: `sub-${username}`, preferred_username: username, groups },
  } as never);
  return { answer, user };
}

const rowOf = async (username: string) =>
  (await shared.handle!.db.select().from(users).where(eq(users.username, username)))[0];
const signInAudit = async (username: string) =>
  (
    await shared
      .handle!.db.select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "auth.sign_in"), eq(auditLog.actorName, username)))
      .orderBy(auditLog.seq)
  ).map((r) => ({ outcome: r.outcome, params: r.params }));

describe("single sign-on: the role comes from the groups claim", () => {
  it("the highest mapped role wins, whatever the order of the groups", async () => {
    const orders = [
      ["watchfloor-viewers", "watchfloor-commanders", "watchfloor-responders"],
      ["watchfloor-commanders", "watchfloor-responders", "watchfloor-viewers"],
      ["watchfloor-responders", "watchfloor-viewers", "watchfloor-commanders", "staff"],
    ];
    for (const [i, groups] of orders.entries()) {
      const name = `olga-${i}`;
      const { answer, user } = await oidcSignIn({}, name, groups);
      expect(answer, groups.join(",")).toBe(true);
      const row = await rowOf(name);
      expect(row?.role, groups.join(",")).toBe("commander");
      expect(row?.authSource).toBe("oidc");
      expect(row?.oidcSubject).toBe(`${ISSUER}|sub-${name}`);
      // next-auth carries the user on into the session: it is the database row.
      expect(user).toMatchObject({ id: row!.id, role: "commander" });
      expect(await signInAudit(name)).toEqual([{ outcome: "succeeded", params: { groups } }]);
    }
  });

  it("admins outrank commanders; a string claim counts as well as an array", async () => {
    await oidcSignIn({}, "ada", "watchfloor-commanders watchfloor-admins");
    expect((await rowOf("ada"))?.role).toBe("admin");
    await oidcSignIn({}, "rita", "staff,watchfloor-responders");
    expect((await rowOf("rita"))?.role).toBe("responder");
  });

  it("the role follows the groups at every sign-in, down as well as up", async () => {
    await oidcSignIn({}, "dev", ["watchfloor-commanders"]);
    expect((await rowOf("dev"))?.role).toBe("commander");
    await oidcSignIn({}, "dev", ["watchfloor-viewers"]);
    expect((await rowOf("dev"))?.role).toBe("viewer");
    expect((await shared.handle!.db.select().from(users).where(eq(users.username, "dev"))).length).toBe(1);
  });

  it("a user in no mapped group is refused, recorded and not created; OIDC_DEFAULT_ROLE gives them that role", async () => {
    const refused = await oidcSignIn({}, "nora", ["staff", "WATCHFLOOR-ADMINS"]);
    expect(refused.answer).toBe("/signin?error=NoRole");
    expect(await rowOf("nora")).toBeUndefined();
    expect(await signInAudit("nora")).toEqual([
      { outcome: "denied_no_role", params: { groups: ["staff", "WATCHFLOOR-ADMINS"] } },
    ]);

    const defaulted = await oidcSignIn({ OIDC_DEFAULT_ROLE: "viewer" }, "nora", ["staff"]);
    expect(defaulted.answer).toBe(true);
    expect((await rowOf("nora"))?.role).toBe("viewer");
    // A mapped group still wins over the default.
    await oidcSignIn({ OIDC_DEFAULT_ROLE: "viewer" }, "nora", ["staff", "watchfloor-responders"]);
    expect((await rowOf("nora"))?.role).toBe("responder");
  });

  it("a custom OIDC_ROLE_MAP replaces the default one", async () => {
    await oidcSignIn({ OIDC_ROLE_MAP: "ops=responder,sre-leads=admin" }, "omar", ["watchfloor-commanders", "ops"]);
    expect((await rowOf("omar"))?.role).toBe("responder");
  });
});
