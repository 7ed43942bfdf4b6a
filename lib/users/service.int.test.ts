import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import bcrypt from "bcryptjs";
import { eq } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { auditLog, users } from "../db/schema";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases } from "../testing/harness";
import { createUser, setUserRole, setUserStatus, upsertOidcUser, verifyPassword } from "./service";

// User changes fail closed: each change and its audit row are written in one transaction, so when
// the audit log cannot be written the change does not happen. On PGlite and PostgreSQL 15.

const { admin } = actorsByRole();

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const auditFailure = /audit storage unavailable/;
const failsOnAudit = (e: Error) => auditFailure.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`);

describe.each(bothDatabases(() => pg, "users"))("user changes on %s", (_name, open) => {
  let h: DbHandle;
  const userRow = async (username: string) => (await h.db.select().from(users).where(eq(users.username, username)))[0];
  const auditFor = async (username: string) =>
    (
      await h.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.target, `user:${username}`))
    ).map((a) => a.action);
  const breakAudit = () =>
    h.exec(`create or replace function wf_test_fail_audit() returns trigger as $$ begin raise exception 'audit storage unavailable (test)'; end; $$ language plpgsql;
      create trigger wf_test_fail_audit before insert on audit_log for each row execute function wf_test_fail_audit();`);
  const repairAudit = () => h.exec("drop trigger wf_test_fail_audit on audit_log; drop function wf_test_fail_audit();");

  beforeAll(async () => {
    h = await open();
    await createUser(h.db, admin, { username: "olive", password: "a long enough password", role: "viewer" });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("writes each change together with its audit row", async () => {
    await setUserRole(h.db, admin, "olive", "responder");
    await setUserStatus(h.db, admin, "olive", "disabled");
    await setUserStatus(h.db, admin, "olive", "active");
    expect((await userRow("olive"))?.role).toBe("responder");
    expect(await auditFor("olive")).toEqual(["user.create", "user.set_role", "user.disable", "user.enable"]);
  });

  it("when the audit write fails, no user is created, no role or status changes", async () => {
    const before = await userRow("olive");
    await breakAudit();
    try {
      await expect(
        createUser(h.db, admin, { username: "pavel", password: "a long enough password", role: "commander" }),
      ).rejects.toSatisfy(failsOnAudit);
      await expect(setUserRole(h.db, admin, "olive", "commander")).rejects.toSatisfy(failsOnAudit);
      await expect(setUserStatus(h.db, admin, "olive", "disabled")).rejects.toSatisfy(failsOnAudit);
      await expect(
        upsertOidcUser(h.db, { subject: "sub-quinn", username: "quinn", displayName: "Quinn", role: "viewer" }),
      ).rejects.toSatisfy(failsOnAudit);
    } finally {
      await repairAudit();
    }
    expect(await userRow("pavel")).toBeUndefined();
    expect(await userRow("quinn")).toBeUndefined();
    const after = await userRow("olive");
    expect([after?.role, after?.status]).toEqual(["responder", "active"]);
    expect(after?.updatedAt.getTime()).toBe(before?.updatedAt.getTime());
    expect(await auditFor("pavel")).toEqual([]);
    expect(await auditFor("olive")).toEqual(["user.create", "user.set_role", "user.disable", "user.enable"]);
  });

  it("an OIDC role change from the groups claim is not applied without its audit row", async () => {
    await upsertOidcUser(h.db, { subject: "sub-rhea", username: "rhea", displayName: "Rhea", role: "viewer" });
    await breakAudit();
    try {
      await expect(
        upsertOidcUser(h.db, { subject: "sub-rhea", username: "rhea", displayName: "Rhea", role: "admin" }),
      ).rejects.toSatisfy(failsOnAudit);
    } finally {
      await repairAudit();
    }
    expect((await userRow("rhea"))?.role).toBe("viewer");
    await upsertOidcUser(h.db, { subject: "sub-rhea", username: "rhea", displayName: "Rhea", role: "admin" });
    expect((await userRow("rhea"))?.role).toBe("admin");
    expect(await auditFor("rhea")).toEqual(["user.create", "user.set_role"]);
  });
});

// Sign-in does not tell which accounts exist by how long it takes: every password check spends one
// bcrypt comparison at the cost real hashes are stored with, whether the user exists, is disabled
// or signs in only through single sign-on. Checked by what is compared, not by a clock.
describe.each(bothDatabases(() => pg, "signin"))("password check on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
    await createUser(h.db, admin, { username: "paula", password: "paula's long password", role: "responder" });
    await createUser(h.db, admin, { username: "dora", password: "dora's long password", role: "viewer" });
    await setUserStatus(h.db, admin, "dora", "disabled");
    await upsertOidcUser(h.db, { subject: "iss|sso-sam", username: "sso-sam", displayName: "Sam", role: "viewer" });
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("spends exactly one bcrypt comparison at the stored cost for known, wrong, unknown, disabled and SSO-only users", async () => {
    const [paula] = await h.db.select().from(users).where(eq(users.username, "paula"));
    const storedCost = paula!.passwordHash!.split("$")[2];
    expect(storedCost, "a bcrypt hash is stored").toMatch(/^\d\d$/);
    const compare = vi.spyOn(bcrypt, "compare");
    const cases: Array<[who: string, username: string, password: string, signsIn: boolean]> = [
      ["the right password", "paula", "paula's long password", true],
      ["a wrong password", "paula", "not paula's password", false],
      ["an unknown user", "no-such-user", "paula's long password", false],
      ["an empty username", "", "paula's long password", false],
      ["a disabled user's right password", "dora", "dora's long password", false],
      ["a user who signs in only through SSO", "sso-sam", "any password at all", false],
    ];
    for (const [who, username, password, signsIn] of cases) {
      compare.mockClear();
      expect((await verifyPassword(h.db, username, password)) !== null, who).toBe(signsIn);
      expect(compare, `${who}: one comparison`).toHaveBeenCalledTimes(1);
      const hash = String(compare.mock.calls[0]![1]);
      expect(hash, `${who}: compared against a bcrypt hash`).toMatch(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/);
      expect(hash.split("$")[2], `${who}: at the stored cost`).toBe(storedCost);
    }
  });
});
