import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { auditLog } from "../db/schema";
import { verifyAuditChain } from "../audit/log";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases } from "../testing/harness";
import * as svc from "./service";

// The routine-checks service on PGlite and PostgreSQL 15, on a virtual clock: who may record a
// check done, field errors for bad input with nothing recorded, one audit row per completion (the
// store), and the view's done / due / overdue as the days, weeks and months turn.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const A = actorsByRole((r) => `${r[0]!.toUpperCase()}${r.slice(1)} User`);
const D = 86_400_000;
// Wednesday 2026-03-11, 10:00 UTC.
const T0 = Date.parse("2026-03-11T10:00:00Z");

describe.each(bothDatabases(() => pg, "routine"))("routine checks on %s", (_name, open) => {
  let h: DbHandle;
  let now = T0;
  let d: svc.RoutineDeps;
  const audits = async () =>
    (
      await h.db
        .select({ n: sql<number>`count(*)::int` })
        .from(auditLog)
        .where(eq(auditLog.action, svc.ROUTINE_ACTION))
    )[0]!.n;
  const one = async (system: string, check: string) =>
    (await svc.listRoutineChecks(d, A.viewer)).find((s) => s.system === system && s.check.id === check)!;

  beforeAll(async () => {
    h = await open();
    d = {
      db: h.db,
      targets: [
        { name: "spot-exchange", kind: "spot-exchange" },
        { name: "alpha-bot", kind: "trading-bot" },
      ],
      ticketPattern: "^[A-Z][A-Z0-9]+-\\d+$",
      now: () => now,
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lists the exchange's seven checks, all overdue before anything is recorded; bots have none", async () => {
    const list = await svc.listRoutineChecks(d, A.viewer);
    expect(list.map((s) => `${s.system}/${s.check.id}:${s.state}`)).toEqual([
      "spot-exchange/reconciliation-summary:overdue",
      "spot-exchange/invariants-check:overdue",
      "spot-exchange/settlement-lag-report:overdue",
      "spot-exchange/restore-rehearsal:overdue",
      "spot-exchange/chaos-drills:overdue",
      "spot-exchange/dr-exercise:overdue",
      "spot-exchange/access-review:overdue",
    ]);
    await expect(svc.listRoutineChecks(d, null)).rejects.toThrow(/Sign in/);
  });

  it("a responder records a check done: one audit row with who, when and the note; a viewer or bad input records nothing", async () => {
    const before = await audits();
    await expect(
      svc.markRoutineCheckDone(d, A.viewer, { system: "spot-exchange", check: "invariants-check" }),
    ).rejects.toThrow(/needs the responder role/);
    await expect(
      svc.markRoutineCheckDone(d, null, { system: "spot-exchange", check: "invariants-check" }),
    ).rejects.toThrow(/Sign in/);
    await expect(
      svc.markRoutineCheckDone(d, A.responder, { system: "alpha-bot", check: "invariants-check" }),
    ).rejects.toMatchObject({
      fieldErrors: { system: [expect.stringMatching(/no exchange named "alpha-bot".*spot-exchange/)] },
    });
    await expect(
      svc.markRoutineCheckDone(d, A.responder, { system: "spot-exchange", check: "coffee" }),
    ).rejects.toMatchObject({
      fieldErrors: { check: [expect.stringMatching(/no routine check "coffee"/)] },
    });
    await expect(
      svc.markRoutineCheckDone(d, A.responder, {
        system: "spot-exchange",
        check: "invariants-check",
        ticketId: "ops 1",
      }),
    ).rejects.toMatchObject({ fieldErrors: { ticketId: [expect.stringMatching(/ticket ID/)] } });
    await expect(svc.markRoutineCheckDone(d, A.responder, {})).rejects.toMatchObject({
      fieldErrors: { system: ["choose the exchange"], check: ["choose the check"] },
    });
    expect(await audits()).toBe(before);

    const done = await svc.markRoutineCheckDone(d, A.responder, {
      system: "spot-exchange",
      check: "invariants-check",
      note: "all 14 invariants pass",
      ticketId: "OPS-7",
    });
    expect(done).toMatchObject({ state: "done", dueBy: Date.parse("2026-03-13T00:00:00Z") });
    const rows = await h.db.select().from(auditLog).where(eq(auditLog.action, svc.ROUTINE_ACTION));
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({
      actorName: "responder",
      target: "routine:spot-exchange:invariants-check",
      reason: "all 14 invariants pass",
      ticketId: "OPS-7",
      outcome: "succeeded",
      params: { system: "spot-exchange", check: "invariants-check", period: "daily", by: "Responder User" },
    });
    expect(rows.at(-1)!.at.getTime()).toBe(T0);
    expect(await one("spot-exchange", "invariants-check")).toMatchObject({
      state: "done",
      last: { at: T0, by: "Responder User", note: "all 14 invariants pass", auditSeq: Number(rows.at(-1)!.seq) },
    });
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });

  it("as the clock turns: the daily check is due the next day and overdue the day after; the weekly and monthly hold their period", async () => {
    now = T0 + 5 * 60_000;
    await svc.markRoutineCheckDone(d, A.commander, { system: "spot-exchange", check: "restore-rehearsal" });
    await svc.markRoutineCheckDone(d, A.commander, { system: "spot-exchange", check: "dr-exercise" });
    now = T0 + D; // Thursday
    expect((await one("spot-exchange", "invariants-check")).state).toBe("due");
    expect((await one("spot-exchange", "restore-rehearsal")).state).toBe("done");
    now = T0 + 2 * D; // Friday: Wednesday's was the last; Thursday passed without one
    expect((await one("spot-exchange", "invariants-check")).state).toBe("overdue");
    now = Date.parse("2026-03-16T00:00:00Z"); // Monday: a new week
    expect(await one("spot-exchange", "restore-rehearsal")).toMatchObject({
      state: "due",
      dueBy: Date.parse("2026-03-23T00:00:00Z"),
      last: { by: "Commander User" },
    });
    expect((await one("spot-exchange", "dr-exercise")).state).toBe("done");
    now = Date.parse("2026-04-02T00:00:00Z");
    expect((await one("spot-exchange", "dr-exercise")).state).toBe("due");
    // A later completion supersedes the earlier one.
    await svc.markRoutineCheckDone(d, A.admin, {
      system: "spot-exchange",
      check: "dr-exercise",
      note: "failover drill",
    });
    expect(await one("spot-exchange", "dr-exercise")).toMatchObject({
      state: "done",
      last: { by: "Admin User", note: "failover drill" },
    });
    now = T0;
  });
});
