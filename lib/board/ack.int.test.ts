import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/roles";
import type { DbHandle } from "../db/client";
import { findingAcks, findings, auditLog } from "../db/schema";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { bothDatabases } from "../testing/harness";
import { acknowledgeFindingIn } from "./ack";

// Acknowledging is checked inside the service: a viewer (or nobody) is refused with nothing
// stored and nothing audited; a responder's acknowledgement is stored once and audited, in one
// transaction with its audit row: when the audit write fails, nothing is acknowledged.
// On the embedded PGlite and on a real PostgreSQL 15.

const viewer: Actor = { id: "00000000-0000-0000-0000-0000000000a1", username: "v", displayName: "Vee", role: "viewer" };
const responder: Actor = {
  id: "00000000-0000-0000-0000-0000000000a2",
  username: "r",
  displayName: "Arr",
  role: "responder",
};
const FINDING = "capital_invariant|alpha-bot|eth-grid";
const OTHER = "parity|alpha-bot|sol-breakout";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

async function seedFinding(h: DbHandle, id: string) {
  const [ruleId, system, entity] = id.split("|") as [string, string, string];
  const since = new Date("2026-11-21T10:00:00.000Z");
  await h.db.insert(findings).values({
    id,
    ruleId,
    system,
    entity,
    state: "critical",
    severity: "SEV1",
    finding: {
      id,
      ruleId,
      system,
      entity,
      state: "critical",
      severity: "SEV1",
      since: since.getTime(),
      lastEvaluated: since.getTime(),
      title: "t",
      summary: "s",
      evidence: { values: [] },
      runbook: "capital-invariant-violation",
      kind: "trading-bot",
    },
    since,
    updatedAt: since,
  });
}

describe.each(bothDatabases(() => pg, "ack"))("acknowledgeFinding on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
    await seedFinding(h, FINDING);
    await seedFinding(h, OTHER);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses viewers and anonymous callers, storing and auditing nothing", async () => {
    await expect(acknowledgeFindingIn(h.db, viewer, FINDING)).rejects.toThrow(/needs the responder role/);
    await expect(acknowledgeFindingIn(h.db, null, FINDING)).rejects.toThrow(/Sign in/);
    expect(await h.db.select().from(findingAcks)).toHaveLength(0);
    expect(await h.db.select().from(auditLog)).toHaveLength(0);
  });

  it("when the audit write fails, the finding is not acknowledged", async () => {
    await h.exec(`create or replace function wf_test_fail_audit() returns trigger as $$ begin raise exception 'audit storage unavailable (test)'; end; $$ language plpgsql;
      create trigger wf_test_fail_audit before insert on audit_log for each row execute function wf_test_fail_audit();`);
    try {
      await expect(acknowledgeFindingIn(h.db, responder, OTHER)).rejects.toSatisfy((e: Error) =>
        /audit storage unavailable/.test(`${e.message} ${String((e as { cause?: unknown }).cause)}`),
      );
    } finally {
      await h.exec("drop trigger wf_test_fail_audit on audit_log; drop function wf_test_fail_audit();");
    }
    expect(await h.db.select().from(findingAcks)).toHaveLength(0);
    expect(await h.db.select().from(auditLog)).toHaveLength(0);
    // With the audit log back, the same acknowledgement goes through (nothing half-written blocks it).
    expect((await acknowledgeFindingIn(h.db, responder, OTHER)).by).toBe("Arr");
    expect((await h.db.select().from(findingAcks)).map((a) => a.findingId)).toEqual([OTHER]);
  });

  it("stores a responder's acknowledgement once, audited, for this occurrence", async () => {
    const first = await acknowledgeFindingIn(h.db, responder, FINDING);
    expect(first.by).toBe("Arr");
    const again = await acknowledgeFindingIn(h.db, responder, FINDING);
    expect(again.by).toBe("Arr");
    const acks = (await h.db.select().from(findingAcks)).filter((a) => a.findingId === FINDING);
    expect(acks).toHaveLength(1);
    expect(acks[0]!.onset.toISOString()).toBe("2026-11-21T10:00:00.000Z");
    const audit = (await h.db.select().from(auditLog)).filter((a) => a.target === FINDING);
    expect(audit.map((a) => [a.action, a.target, a.actorName])).toEqual([["finding.acknowledge", FINDING, "r"]]);
  });

  it("names what is wrong with a bad id or an unknown finding", async () => {
    await expect(acknowledgeFindingIn(h.db, responder, "")).rejects.toThrow(/finding: missing or malformed/);
    await expect(acknowledgeFindingIn(h.db, responder, "nope|x|y")).rejects.toThrow(/does not exist/);
  });
});
