import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rowsOf, type DbHandle } from "./client";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { bothDatabases } from "../testing/harness";
import { appendAudit, verifyAuditChain, listAudit } from "../audit/log";
import { createUser, setUserRole, setUserStatus, verifyPassword, listUsers, upsertOidcUser } from "../users/service";
import type { Actor } from "../auth/roles";

// The data layer runs on both the embedded PGlite and a real PostgreSQL 15 server.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const admin: Actor = {
  id: "00000000-0000-0000-0000-00000000a11a",
  username: "test-admin",
  displayName: "Test admin",
  role: "admin",
};
const viewer: Actor = { ...admin, id: "00000000-0000-0000-0000-00000000b0b0", username: "test-viewer", role: "viewer" };

const drivers = bothDatabases(() => pg, "test");

describe.each(drivers)("data layer on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("applies migrations and is idempotent when run again", async () => {
    const { runMigrations, migrationsApplied } = await import("./client");
    await runMigrations(h);
    const m = await migrationsApplied(h);
    expect(m.ok).toBe(true);
    expect(m.applied).toBe(m.expected);
  });

  it("creates users, verifies passwords, changes roles and disables", async () => {
    await createUser(h.db, admin, { username: "dana", password: "correct horse battery", role: "responder" });
    expect((await verifyPassword(h.db, "dana", "correct horse battery"))?.role).toBe("responder");
    expect(await verifyPassword(h.db, "dana", "wrong password!!")).toBeNull();
    expect(await verifyPassword(h.db, "nobody", "whatever password")).toBeNull();
    await setUserRole(h.db, admin, "dana", "commander");
    expect((await verifyPassword(h.db, "dana", "correct horse battery"))?.role).toBe("commander");
    await setUserStatus(h.db, admin, "dana", "disabled");
    expect(await verifyPassword(h.db, "dana", "correct horse battery")).toBeNull();
    const names = (await listUsers(h.db, admin)).map((u) => u.username);
    expect(names).toContain("dana");
  });

  it("refuses user changes from a viewer or anonymous, with nothing changed", async () => {
    await createUser(h.db, admin, { username: "erin", password: "another long password", role: "viewer" });
    const before = (await listAudit(h.db)).length;
    await expect(setUserRole(h.db, viewer, "erin", "admin")).rejects.toThrow(/needs the admin role/);
    await expect(setUserRole(h.db, null, "erin", "admin")).rejects.toThrow(/Sign in/);
    await expect(
      createUser(h.db, viewer, { username: "mallory", password: "long enough password", role: "admin" }),
    ).rejects.toThrow();
    expect((await listUsers(h.db, admin)).find((u) => u.username === "erin")?.role).toBe("viewer");
    expect((await listUsers(h.db, admin)).find((u) => u.username === "mallory")).toBeUndefined();
    expect((await listAudit(h.db)).length).toBe(before);
  });

  it("rejects invalid user input naming the field", async () => {
    await expect(
      createUser(h.db, admin, { username: "Bad Name", password: "short", role: "root" }),
    ).rejects.toMatchObject({
      fieldErrors: { username: expect.any(Array), password: expect.any(Array), role: expect.any(Array) },
    });
  });

  it("maps OIDC users by subject and follows their groups' role", async () => {
    const a = await upsertOidcUser(h.db, {
      subject: "iss|sub-1",
      username: "Olga",
      displayName: "Olga",
      role: "responder",
    });
    const b = await upsertOidcUser(h.db, {
      subject: "iss|sub-1",
      username: "Olga",
      displayName: "Olga",
      role: "commander",
    });
    expect(b.id).toBe(a.id);
    expect(b.role).toBe("commander");
    expect(b.authSource).toBe("oidc");
  });

  it("keeps a verifiable hash chain", async () => {
    for (let i = 0; i < 5; i++)
      await appendAudit(h.db, {
        actorName: "system",
        action: "test.append",
        target: `t${i}`,
        params: { i, nested: { b: 2, a: 1 } },
        outcome: "succeeded",
      });
    const v = await verifyAuditChain(h.db);
    expect(v.ok).toBe(true);
    expect(v.rows).toBeGreaterThanOrEqual(5);
  });

  it("serialises concurrent appends on the chain head", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAudit(h.db, { actorName: "system", action: "test.concurrent", target: `c${i}`, outcome: "succeeded" }),
      ),
    );
    const v = await verifyAuditChain(h.db);
    expect(v.ok).toBe(true);
  });

  it("rejects UPDATE, DELETE and TRUNCATE on the audit table", async () => {
    await expect(h.exec("update audit_log set outcome = 'forged'")).rejects.toThrow(/append-only/);
    await expect(h.exec("delete from audit_log")).rejects.toThrow(/append-only/);
    await expect(h.exec("truncate audit_log")).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });

  it("names the altered row when a row's content is changed behind the triggers' back", async () => {
    const rows = rowsOf<{ seq: number }>(
      await h.db.execute(sql`select seq from audit_log order by seq limit 1 offset 2`),
    );
    const target = Number(rows[0]!.seq);
    await h.exec(
      `alter table audit_log disable trigger audit_log_no_update_delete; update audit_log set target = 'tampered' where seq = ${target}; alter table audit_log enable trigger audit_log_no_update_delete;`,
    );
    const v = await verifyAuditChain(h.db);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.badSeq).toBe(target);
      expect(v.problem).toMatch(/altered/);
    }
  });
});

describe.each(bothDatabases(() => pg, "chainorder"))(
  "audit chain verification after a reorder on %s",
  (_name, open) => {
    let h: DbHandle;
    beforeAll(async () => {
      h = await open();
      for (let i = 0; i < 6; i++)
        await appendAudit(h.db, { actorName: "system", action: "test.order", target: `o${i}`, outcome: "succeeded" });
    });
    afterAll(async () => {
      await h?.close();
    });

    it("names the first moved row when two rows swap places, though every row's own hash still matches its content", async () => {
      const seqs = rowsOf<{ seq: number }>(await h.db.execute(sql`select seq from audit_log order by seq`)).map((r) =>
        Number(r.seq),
      );
      expect((await verifyAuditChain(h.db)).ok).toBe(true);
      // Swap the third and fourth rows' positions: content, prev_hash and hash travel with each row,
      // so nothing is altered, only the order.
      const [a, b] = [seqs[2]!, seqs[3]!];
      await h.exec(
        `alter table audit_log disable trigger audit_log_no_update_delete;
       update audit_log set seq = -1 where seq = ${a};
       update audit_log set seq = ${a} where seq = ${b};
       update audit_log set seq = ${b} where seq = -1;
       alter table audit_log enable trigger audit_log_no_update_delete;`,
      );
      const targets = rowsOf<{ target: string }>(
        await h.db.execute(sql`select target from audit_log order by seq`),
      ).map((r) => r.target);
      expect(targets).toEqual(["o0", "o1", "o3", "o2", "o4", "o5"]);
      const v = await verifyAuditChain(h.db);
      expect(v.ok).toBe(false);
      if (!v.ok) {
        expect(v.badSeq).toBe(a);
        expect(v.problem).toBe(`row ${a} does not link to the row before it (a row was removed or reordered)`);
        expect(v.rows).toBe(2);
      }
    });
  },
);

describe.each(bothDatabases(() => pg, "chaingap"))("audit chain verification on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
    for (let i = 0; i < 6; i++)
      await appendAudit(h.db, { actorName: "system", action: "test.gap", target: `g${i}`, outcome: "succeeded" });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("names the row after a removed row as not linking to the row before it", async () => {
    const seqs = rowsOf<{ seq: number }>(await h.db.execute(sql`select seq from audit_log order by seq`)).map((r) =>
      Number(r.seq),
    );
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
    const removed = seqs[2]!;
    await h.exec(
      `alter table audit_log disable trigger audit_log_no_update_delete; delete from audit_log where seq = ${removed}; alter table audit_log enable trigger audit_log_no_update_delete;`,
    );
    const v = await verifyAuditChain(h.db);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.badSeq).toBe(seqs[3]);
      expect(v.problem).toMatch(/removed or reordered/);
      expect(v.rows).toBe(2);
    }
  });
});
