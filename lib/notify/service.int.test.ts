import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { auditLog, notifyOutbox, silences } from "../db/schema";
import { verifyAuditChain } from "../audit/log";
import type { Finding } from "../rules/types";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases } from "../testing/harness";
import { NotifyConfig } from "./config";
import * as svc from "./service";

// Silences and the test send on PGlite and PostgreSQL 15: who may do what, field errors for bad
// input, the preview of matching findings, the SEV1 limit that needs a commander, extend/end only,
// and an audit row for every change (none for a refusal).

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const A = actorsByRole((r) => `${r[0]!.toUpperCase()}${r.slice(1)} User`);
const T0 = Date.parse("2026-12-01T10:00:00Z");
const H = 3_600_000;
const config = NotifyConfig.parse({
  channels: [
    { name: "chat", type: "slack", url: "http://127.0.0.1:10/slack" },
    { name: "pager", type: "pagerduty", url: "http://127.0.0.1:10/pd", routingKeyEnv: "PD" },
  ],
  routes: [{ channels: ["chat"] }],
});

const current: Finding[] = [
  {
    id: "settlement_lag|spot-exchange|*",
    ruleId: "settlement_lag",
    system: "spot-exchange",
    kind: "spot-exchange",
    entity: "*",
    state: "critical",
    severity: "SEV1",
    title: "Settlement lag",
    summary: "settlement is 40 s behind",
    since: T0,
    lastEvaluated: T0,
    evidence: { values: [] },
    runbook: "x",
  },
  {
    id: "parity|alpha-bot|eth-grid",
    ruleId: "parity",
    system: "alpha-bot",
    kind: "trading-bot",
    entity: "eth-grid",
    state: "warning",
    severity: "SEV2",
    title: "Parity",
    summary: "parity drift",
    since: T0,
    lastEvaluated: T0,
    evidence: { values: [] },
    runbook: "x",
  },
];

describe.each(bothDatabases(() => pg, "silences"))("silences on %s", (_name, open) => {
  let h: DbHandle;
  let d: svc.NotifyDeps;
  let changed = 0;
  const audits = async () =>
    (await h.db.select().from(auditLog).orderBy(auditLog.seq)).map((r) => [r.action, r.actorName, r.ticketId]);

  beforeAll(async () => {
    h = await open();
    d = {
      db: h.db,
      config,
      ticketPattern: "^[A-Z][A-Z0-9]+-\\d+$",
      now: () => T0,
      findings: async () => current,
      onSilencesChanged: () => changed++,
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it("previews which current findings a silence would mute, warning when it matches nothing", async () => {
    const p = await svc.previewSilence(d, A.responder, { system: ["spot-exchange"] });
    expect(p.matching.map((f) => f.id)).toEqual(["settlement_lag|spot-exchange|*"]);
    expect(p.warnings).toEqual([]);
    const none = await svc.previewSilence(d, A.responder, { system: ["beta-bot"] });
    expect(none.matching).toEqual([]);
    expect(none.warnings[0]).toMatch(/matches no current finding/);
    expect((await svc.previewSilence(d, A.responder, {})).matching).toHaveLength(2);
  });

  it("refuses viewers and bad input with field errors, storing and auditing nothing", async () => {
    const good = {
      matchers: { system: ["alpha-bot"], severity: ["SEV2"] },
      endsAt: T0 + H,
      reason: "replacing the disk",
      ticketId: "OPS-12",
    };
    await expect(svc.createSilence(d, A.viewer, good)).rejects.toThrow(/needs the responder role/);
    const invalid = async (input: unknown) => {
      try {
        await svc.createSilence(d, A.responder, input);
      } catch (e) {
        return (e as { fieldErrors: Record<string, string[]> }).fieldErrors;
      }
      throw new Error("accepted");
    };
    expect(await invalid({ ...good, reason: "", ticketId: "" })).toEqual({
      reason: ["give a reason (at least 3 characters)"],
      ticketId: ["a ticket ID is required"],
    });
    expect((await invalid({ ...good, ticketId: "see slack" })).ticketId![0]).toMatch(/must look like a ticket ID/);
    expect((await invalid({ ...good, startsAt: T0 + 2 * H, endsAt: T0 + H })).endsAt).toEqual([
      "must be after the start",
    ]);
    expect((await invalid({ ...good, endsAt: T0 + 200 * H })).endsAt).toEqual(["a silence may last at most 168 h"]);
    expect((await invalid({ ...good, kind: "maintenance", matchers: {} }))["matchers.system"]).toEqual([
      "a maintenance window names the system(s) it covers",
    ]);
    expect((await invalid({ ...good, matchers: { severity: ["SEV4"] } }))["matchers.severity"]).toEqual([
      "must be SEV1, SEV2 or SEV3",
    ]);
    expect(await h.db.select().from(silences)).toEqual([]);
    expect(await audits()).toEqual([]);
  });

  it("a SEV1 silence longer than the limit needs a commander; a responder may set a shorter one", async () => {
    const long = {
      matchers: { system: ["spot-exchange"] },
      endsAt: T0 + 5 * H,
      reason: "exchange upgrade",
      ticketId: "OPS-20",
    };
    await expect(svc.createSilence(d, A.responder, long)).rejects.toThrow(/longer than 4 h needs a commander/);
    const { silence, warnings } = await svc.createSilence(d, A.commander, long);
    expect(warnings).toEqual([]);
    expect(silence).toMatchObject({
      kind: "silence",
      ticketId: "OPS-20",
      createdByName: "Commander User",
      matchers: { system: ["spot-exchange"] },
    });
    const short = await svc.createSilence(d, A.responder, { ...long, endsAt: T0 + 2 * H, ticketId: "OPS-21" });
    // Excluding SEV1 lifts the limit for a responder.
    await svc.createSilence(d, A.responder, {
      matchers: { severity: ["SEV2", "SEV3"] },
      endsAt: T0 + 24 * H,
      reason: "noisy week",
      ticketId: "OPS-22",
    });
    expect(await audits()).toEqual([
      ["silence.create", "commander", "OPS-20"],
      ["silence.create", "responder", "OPS-21"],
      ["silence.create", "responder", "OPS-22"],
    ]);
    expect(changed).toBe(3);

    // Extend only: an earlier end is refused; a responder may not take SEV1 past the limit.
    await expect(svc.extendSilence(d, A.responder, short.silence.id, T0 + H)).rejects.toThrow(/only be extended/);
    await expect(svc.extendSilence(d, A.responder, short.silence.id, T0 + 6 * H)).rejects.toThrow(/needs a commander/);
    const ext = await svc.extendSilence(d, A.responder, short.silence.id, T0 + 3 * H);
    expect(ext.endsAt.getTime()).toBe(T0 + 3 * H);
    const ended = await svc.endSilence(d, A.responder, short.silence.id);
    expect(ended).toMatchObject({ endedByName: "Responder User" });
    await expect(svc.endSilence(d, A.responder, short.silence.id)).rejects.toThrow(/already ended/);
    expect((await svc.listSilences(d, A.viewer)).map((s) => s.ticketId).sort()).toEqual(["OPS-20", "OPS-22"]);
    expect((await audits()).slice(3)).toEqual([
      ["silence.extend", "responder", "OPS-21"],
      ["silence.end", "responder", "OPS-21"],
    ]);
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });

  it("only an admin may queue a test notification, which is audited; PagerDuty's test also resolves", async () => {
    await expect(svc.sendTestNotification(d, A.commander, "chat")).rejects.toThrow(/needs the admin role/);
    await expect(svc.sendTestNotification(d, A.admin, "nope")).rejects.toThrow(/no channel named "nope"/);
    const before = (await h.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0]!.n;
    await svc.sendTestNotification(d, A.admin, "chat");
    await svc.sendTestNotification(d, A.admin, "pager");
    const rows = await h.db.select().from(notifyOutbox).orderBy(notifyOutbox.id);
    expect(rows.map((r) => [r.channel, r.event, r.status])).toEqual([
      ["chat", "test", "pending"],
      ["pager", "test", "pending"],
      ["pager", "resolve", "pending"],
    ]);
    expect((rows[1]!.payload as { event_action: string }).event_action).toBe("trigger");
    expect((rows[2]!.payload as { event_action: string }).event_action).toBe("resolve");
    const after = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    expect(after.slice(before).map((r) => [r.action, r.target, r.actorName])).toEqual([
      ["notify.test", "chat", "admin"],
      ["notify.test", "pager", "admin"],
    ]);
    expect(await svc.listDeliveries(d, A.viewer).catch((e) => (e as Error).message)).toMatch(
      /needs the responder role/,
    );
    expect((await svc.listDeliveries(d, A.responder)).map((r) => r.channel)).toEqual(["pager", "pager", "chat"]);
  });
});
