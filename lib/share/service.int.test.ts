import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases } from "../testing/harness";
import { auditLog, incidents, shareLinks } from "../db/schema";
import { verifyAuditChain } from "../audit/log";
import type { Actor, Role } from "../auth/roles";
import { hashShareToken } from "./token";
import * as svc from "./service";

// Share links on PGlite and on a real PostgreSQL 15: who may create and revoke them, that a refusal
// changes nothing, that every change is audited, and how tokens resolve (404 malformed/unknown,
// 410 expired/revoked) on every request.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const ACTORS: Record<Role, Actor> = actorsByRole();
const config = { share: { defaultHours: 24, maxHours: 72 } };

const drivers = bothDatabases(() => pg, "share");

describe.each(drivers)("share links on %s", (_name, open) => {
  let h: DbHandle;
  let clock = Date.parse("2026-12-02T08:00:00Z");
  let deps: svc.ShareDeps;
  const counts = async () => ({
    links: (await h.db.select({ n: sql<number>`count(*)::int` }).from(shareLinks))[0]!.n,
    audit: (await h.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0]!.n,
  });

  beforeAll(async () => {
    h = await open();
    deps = { db: h.db, config, now: () => new Date(clock) };
  });
  afterAll(async () => {
    await h?.close();
  });

  it("only commanders and admins create, list and revoke; a refusal stores and audits nothing", async () => {
    for (const actor of [null, ACTORS.viewer, ACTORS.responder]) {
      const before = await counts();
      await expect(svc.createShareLink(deps, actor, { scope: "board" })).rejects.toThrow(
        actor ? /needs the commander role/ : /Sign in/,
      );
      await expect(svc.listShareLinks(deps, actor)).rejects.toThrow();
      expect(await counts()).toEqual(before);
    }
    const { link, token } = await svc.createShareLink(deps, ACTORS.commander, { scope: "board", label: "Desk status" });
    for (const actor of [null, ACTORS.viewer, ACTORS.responder]) {
      const before = await counts();
      await expect(svc.revokeShareLink(deps, actor, link.id)).rejects.toThrow();
      expect(await counts()).toEqual(before);
      expect((await svc.resolveShareToken(deps, token)).ok).toBe(true);
    }
    expect((await svc.listShareLinks(deps, ACTORS.admin)).map((l) => l.id)).toContain(link.id);
  });

  it("stores only the token's hash, audits creation and revocation, and the chain verifies", async () => {
    const before = await counts();
    const { link, token } = await svc.createShareLink(deps, ACTORS.commander, { scope: "board", hours: "2" });
    expect(link.expiresAt - clock).toBe(2 * 3_600_000);
    const [row] = await h.db.select().from(shareLinks).where(eq(shareLinks.id, link.id));
    expect(row!.tokenHash).toBe(hashShareToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.action, "share.create"));
    expect(audit.at(-1)!.actorName).toBe(ACTORS.commander.username);
    expect(JSON.stringify(audit.at(-1)!.params)).not.toContain(token);
    const revoked = await svc.revokeShareLink(deps, ACTORS.admin, link.id);
    expect(revoked.state).toBe("revoked");
    expect(revoked.revokedBy).toBe(ACTORS.admin.username);
    const after = await counts();
    expect(after.links).toBe(before.links + 1);
    expect(after.audit).toBe(before.audit + 2);
    const rev = await h.db.select().from(auditLog).where(eq(auditLog.action, "share.revoke"));
    expect(rev.at(-1)!.outcome).toBe("revoked");
    await expect(svc.revokeShareLink(deps, ACTORS.admin, link.id)).rejects.toThrow(/already revoked/);
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });

  it("resolves tokens on every request: malformed and unknown 404, expired and revoked 410", async () => {
    const { link, token } = await svc.createShareLink(deps, ACTORS.commander, { scope: "board", hours: 1 });
    expect(await svc.resolveShareToken(deps, token)).toMatchObject({
      ok: true,
      link: { id: link.id, state: "active" },
    });
    expect(await svc.resolveShareToken(deps, "not-a-token")).toEqual({ ok: false, status: 404, reason: "malformed" });
    expect(await svc.resolveShareToken(deps, undefined)).toEqual({ ok: false, status: 404, reason: "malformed" });
    // Same shape, wrong content: a forged token finds nothing.
    const forged = (token[0] === "A" ? "B" : "A") + token.slice(1);
    expect(await svc.resolveShareToken(deps, forged)).toEqual({ ok: false, status: 404, reason: "unknown" });
    clock += 3_600_000 - 1;
    expect((await svc.resolveShareToken(deps, token)).ok).toBe(true);
    clock += 1;
    expect(await svc.resolveShareToken(deps, token)).toEqual({ ok: false, status: 410, reason: "expired" });
    const second = await svc.createShareLink(deps, ACTORS.commander, { scope: "board" });
    expect(second.link.expiresAt - clock).toBe(24 * 3_600_000);
    await svc.revokeShareLink(deps, ACTORS.commander, second.link.id);
    expect(await svc.resolveShareToken(deps, second.token)).toEqual({ ok: false, status: 410, reason: "revoked" });
  });

  it("validates the form and names the field; incident links need an incident that exists", async () => {
    const before = await counts();
    await expect(svc.createShareLink(deps, ACTORS.commander, { scope: "everything" })).rejects.toMatchObject({
      fieldErrors: { scope: [expect.any(String)] },
    });
    await expect(svc.createShareLink(deps, ACTORS.commander, { scope: "board", hours: 73 })).rejects.toMatchObject({
      fieldErrors: { hours: [expect.stringMatching(/at most 72/)] },
    });
    await expect(svc.createShareLink(deps, ACTORS.commander, { scope: "board", hours: 0 })).rejects.toMatchObject({
      fieldErrors: { hours: [expect.any(String)] },
    });
    await expect(
      svc.createShareLink(deps, ACTORS.commander, { scope: "board", label: "x".repeat(81) }),
    ).rejects.toMatchObject({ fieldErrors: { label: [expect.any(String)] } });
    await expect(svc.createShareLink(deps, ACTORS.commander, { scope: "incident" })).rejects.toMatchObject({
      fieldErrors: { incidentId: ["choose an incident"] },
    });
    await expect(
      svc.createShareLink(deps, ACTORS.commander, {
        scope: "incident",
        incidentId: "00000000-0000-0000-0000-000000000000",
      }),
    ).rejects.toMatchObject({ fieldErrors: { incidentId: ["no such incident"] } });
    expect(await counts()).toEqual(before);
    const at = new Date(clock);
    const [inc] = await h.db
      .insert(incidents)
      .values({
        title: "Ghost position",
        severity: "SEV1",
        status: "investigating",
        openedById: ACTORS.commander.id,
        openedByName: ACTORS.commander.username,
        openedAt: at,
        updatedAt: at,
      })
      .returning();
    const exists = async (id: string) => (await h.db.select().from(incidents).where(eq(incidents.id, id))).length > 0;
    const made = await svc.createShareLink(deps, ACTORS.commander, { scope: "incident", incidentId: inc!.id }, exists);
    expect(made.link).toMatchObject({ scope: "incident", incidentId: inc!.id });
  });

  it("a link may point at a fixed moment: stored, audited, and refused when malformed or in the future", async () => {
    const before = await counts();
    await expect(
      svc.createShareLink(deps, ACTORS.commander, { scope: "board", at: "yesterday at three" }),
    ).rejects.toMatchObject({ fieldErrors: { at: [expect.stringMatching(/with its zone/)] } });
    await expect(
      svc.createShareLink(deps, ACTORS.commander, { scope: "board", at: "2026-12-02T07:00:00" }),
    ).rejects.toMatchObject({ fieldErrors: { at: [expect.stringMatching(/with its zone/)] } });
    await expect(
      svc.createShareLink(deps, ACTORS.commander, { scope: "board", at: new Date(clock + 60_000).toISOString() }),
    ).rejects.toMatchObject({ fieldErrors: { at: ["in the future"] } });
    expect(await counts()).toEqual(before);
    const { link, token } = await svc.createShareLink(deps, ACTORS.commander, {
      scope: "board",
      at: "2026-12-02T07:12:00Z",
    });
    expect(link.at).toBe(Date.parse("2026-12-02T07:12:00Z"));
    expect(await svc.resolveShareToken(deps, token)).toMatchObject({ ok: true, link: { at: link.at } });
    const [audit] = await h.db
      .select()
      .from(auditLog)
      .orderBy(sql`seq desc`)
      .limit(1);
    expect(audit).toMatchObject({ action: "share.create", params: { at: "2026-12-02T07:12:00.000Z" } });
    // A live link has no moment.
    expect((await svc.createShareLink(deps, ACTORS.commander, { scope: "board" })).link.at).toBeNull();
  });
});
