import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases, fleetConfigFor } from "../testing/harness";
import { startTestFleet } from "../sim/testing";
import type { Fleet } from "../sim/fleet";
import { auditLog, findingAcks, findingTransitions, incidentEvents, incidents, users } from "../db/schema";
import { verifyAuditChain } from "../audit/log";
import type { Actor, Role } from "../auth/roles";
import { FleetConfig } from "../config/fleet";
import { loadRunbooks, DEFAULT_RUNBOOK_DIR } from "../runbooks/load";
import type { Runbook } from "../runbooks/parse";
import type { Finding } from "../rules/types";
import * as controls from "../controls/service";
import * as svc from "./service";

// The incident service on PGlite and on a real PostgreSQL 15: role refusals change nothing and
// audit nothing, every change has its audit row and timeline event, status moves follow the
// table, live checks tick steps once, and control requests made from the room join its timeline.

let pg: TestPostgres;
let fleet: Fleet;
let runbooks: Runbook[];
let config: FleetConfig;
let secrets: Record<string, string> = {};

beforeAll(async () => {
  [pg, fleet] = await Promise.all([startTestPostgres(), startTestFleet()]);
  runbooks = (await loadRunbooks(DEFAULT_RUNBOOK_DIR)).runbooks;
  ({ config, secrets } = fleetConfigFor(fleet, { controls: { rateLimitPerMinute: 1000 } }));
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  await pg?.stop();
});

const A: Record<Role, Actor> = actorsByRole((role) => `The ${role}`);

const T0 = Date.parse("2026-03-01T10:00:00Z");

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "capital_invariant|alpha-bot|eth-grid",
    ruleId: "capital_invariant",
    system: "alpha-bot",
    kind: "trading-bot",
    entity: "eth-grid",
    state: "critical",
    severity: "SEV2",
    title: "Capital invariant violation",
    summary: "eth-grid has 2 capital invariant violations",
    since: T0 - 60_000,
    lastEvaluated: T0,
    evidence: { values: [{ label: "capitalInvariantViolations", value: 2, at: T0 }] },
    runbook: "capital-invariant-violation",
    ...over,
  };
}

const drivers = bothDatabases(() => pg, "incidents");

describe.each(drivers)("incidents on %s", (_name, open) => {
  let h: DbHandle;
  let deps: svc.IncidentDeps;
  let clock = T0;
  let findings: Finding[] = [];
  // Telemetry as the live checks read it: metric|entity → value, observed "now".
  const telemetry = new Map<string, number>();
  const auditCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(auditLog))[0]!.n;
  const eventCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(incidentEvents))[0]!.n;
  const incidentCount = async () => (await h.db.select({ n: sql<number>`count(*)::int` }).from(incidents))[0]!.n;

  beforeAll(async () => {
    h = await open();
    deps = {
      db: h.db,
      now: () => new Date(clock),
      runbooks: async () => runbooks,
      findings: async () => findings,
      lookup: () => (metric, entity) => {
        const v = telemetry.get(`${metric}|${entity}`);
        return v === undefined ? undefined : { value: v, at: clock };
      },
      systemKind: (name) => config.targets.find((t) => t.name === name)?.kind,
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it("opening from a finding takes title, severity, affected entity and the rule's runbook; refusals leave no trace", async () => {
    findings = [finding()];
    for (const who of [null, A.viewer, A.responder]) {
      const [a, e, n] = [await auditCount(), await eventCount(), await incidentCount()];
      await expect(svc.openIncident(deps, who, { findingId: findings[0]!.id })).rejects.toThrow(
        who ? /needs the commander role/ : /Sign in/,
      );
      expect([await auditCount(), await eventCount(), await incidentCount()]).toEqual([a, e, n]);
    }
    const { id } = await svc.openIncident(deps, A.commander, { findingId: findings[0]!.id });
    const room = await svc.getIncidentRoom(deps, A.viewer, id);
    expect(room.incident).toMatchObject({
      title: "Capital invariant violation: alpha-bot eth-grid",
      severity: "SEV2",
      status: "investigating",
      commander: { name: "The commander" },
      affected: [{ system: "alpha-bot", entity: "eth-grid", kind: "profile" }],
      runbook: "capital-invariant-violation",
    });
    expect(room.steps.length).toBeGreaterThan(3);
    expect(room.warnings.length).toBeGreaterThan(0);
    expect(room.findings.map((f) => f.id)).toEqual([findings[0]!.id]);
    const reconcile = room.steps.find((s) => s.id === "reconcile")!;
    expect(reconcile.controls.map((c) => c.href)).toEqual([
      `/controls?target=alpha-bot&system=alpha-bot&control=trigger-reconciliation&profileId=eth-grid&incident=${id}`,
    ]);
    const [audit] = await h.db.select().from(auditLog).where(eq(auditLog.action, "incident.open"));
    expect(audit).toMatchObject({ actorName: "commander", target: `incident:${id}`, outcome: "succeeded" });
    expect(room.timeline.find((t) => t.kind === "opened")?.auditSeq).toBe(audit!.seq);
  });

  it("opening by hand validates every field and names them", async () => {
    await expect(
      svc.openIncident(deps, A.commander, { title: "x", severity: "SEV9", affected: "nowhere/x", runbook: "no-such" }),
    ).rejects.toMatchObject({
      fieldErrors: { title: [expect.stringMatching(/3 characters/)], severity: [expect.any(String)] },
    });
    await expect(
      svc.openIncident(deps, A.commander, { title: "Manual incident", severity: "SEV3", affected: "nowhere/x" }),
    ).rejects.toMatchObject({ fieldErrors: { affected: [expect.stringMatching(/no system named "nowhere"/)] } });
    await expect(
      svc.openIncident(deps, A.commander, { title: "Manual incident", severity: "SEV3", runbook: "no-such" }),
    ).rejects.toMatchObject({ fieldErrors: { runbook: [expect.any(String)] } });
    const { id } = await svc.openIncident(deps, A.admin, {
      title: "Settlement lag on XRP",
      severity: "SEV2",
      affected: "spot-exchange/XRP-USD",
      runbook: "settlement-lag-spike",
    });
    const room = await svc.getIncidentRoom(deps, A.viewer, id);
    expect(room.incident.affected).toEqual([{ system: "spot-exchange", entity: "XRP-USD", kind: "symbol" }]);
    expect(room.runbook?.slug).toBe("settlement-lag-spike");
  });

  it("roles: responders check in, note and tick; only commanders change status, severity and command; each change is audited once", async () => {
    const { id } = await svc.openIncident(deps, A.commander, {
      title: "Role drill",
      severity: "SEV2",
      affected: "alpha-bot/eth-grid",
      runbook: "capital-invariant-violation",
    });
    const refusals: Array<[Actor | null, () => Promise<unknown>]> = [
      [A.viewer, () => svc.checkIn(deps, A.viewer, { id })],
      [A.viewer, () => svc.addNote(deps, A.viewer, { id, text: "viewer note" })],
      [A.viewer, () => svc.tickStep(deps, A.viewer, { id, step: "reconcile" })],
      [A.responder, () => svc.setStatus(deps, A.responder, { id, status: "mitigating" })],
      [A.responder, () => svc.setSeverity(deps, A.responder, { id, severity: "SEV1" })],
      [A.responder, () => svc.setCommander(deps, A.responder, { id, personId: A.responder.id })],
      [A.responder, () => svc.postComms(deps, A.responder, { id, text: "Incident: something long enough" })],
      [null, () => svc.getIncidentRoom(deps, null, id)],
    ];
    for (const [, call] of refusals) {
      const [a, e] = [await auditCount(), await eventCount()];
      await expect(call()).rejects.toThrow(/needs the (responder|commander) role|Sign in/);
      expect([await auditCount(), await eventCount()]).toEqual([a, e]);
    }
    const before = await auditCount();
    clock += 1000;
    await svc.checkIn(deps, A.responder, { id });
    clock += 1000;
    await svc.addNote(deps, A.responder, { id, text: "Ledger row for eth-grid shows reserved_for_orders twice" });
    clock += 1000;
    await svc.tickStep(deps, A.responder, { id, step: "step-1" });
    await expect(svc.tickStep(deps, A.responder, { id, step: "step-1" })).rejects.toThrow(
      /already ticked by The responder/,
    );
    await expect(svc.tickStep(deps, A.responder, { id, step: "nope" })).rejects.toThrow(/no step "nope"/);
    clock += 1000;
    await svc.untickStep(deps, A.responder, { id, step: "step-1" });
    clock += 1000;
    await svc.setSeverity(deps, A.commander, { id, severity: "SEV1" });
    clock += 1000;
    await svc.setCommander(deps, A.commander, { id, personId: A.responder.id });
    clock += 1000;
    await svc.postComms(deps, A.commander, { id, text: "Incident: Role drill\nSeverity: SEV-1" });
    const rows = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.target, `incident:${id}`));
    expect(rows.map((r) => r.action)).toEqual([
      "incident.open",
      "incident.checkin",
      "incident.note",
      "incident.step.tick",
      "incident.step.untick",
      "incident.severity",
      "incident.commander",
      "incident.comms",
    ]);
    expect(await auditCount()).toBe(before + 7);
    const room = await svc.getIncidentRoom(deps, A.viewer, id);
    expect(room.incident.severity).toBe("SEV1");
    expect(room.incident.commander?.name).toBe("The responder");
    expect(room.incident.responders.map((r) => r.name)).toEqual(["The commander", "The responder"]);
    expect(room.steps.find((s) => s.id === "step-1")?.done).toBe(false);
    const own = room.timeline.filter((t) => t.auditSeq !== undefined);
    expect(own.map((t) => t.kind)).toEqual([
      "opened",
      "checkin",
      "note",
      "step",
      "step",
      "severity",
      "status",
      "comms",
    ]);
    expect(own.map((t) => t.at)).toEqual([...own.map((t) => t.at)].sort((a, b) => a - b));
    expect(own.map((t) => t.auditSeq)).toEqual(rows.map((r) => r.seq));
    expect((await verifyAuditChain(h.db)).ok).toBe(true);
  });

  it("status moves follow the table; resolving stamps the time and closes the checklist; reopening clears it", async () => {
    const { id } = await svc.openIncident(deps, A.commander, {
      title: "Status drill",
      severity: "SEV3",
      affected: "alpha-bot",
      runbook: "capital-invariant-violation",
    });
    await expect(svc.setStatus(deps, A.commander, { id, status: "investigating" })).rejects.toThrow(
      /already investigating/,
    );
    await expect(svc.setStatus(deps, A.commander, { id, status: "closed" })).rejects.toMatchObject({
      fieldErrors: { status: [expect.any(String)] },
    });
    for (const s of ["mitigating", "monitoring"] as const) {
      clock += 1000;
      await svc.setStatus(deps, A.commander, { id, status: s });
    }
    await expect(svc.setStatus(deps, A.commander, { id, status: "investigating" })).rejects.toThrow(
      /cannot go from monitoring to investigating/,
    );
    clock += 1000;
    // Steps are open: resolving asks for a confirmation that names them, and changes nothing until given.
    const before = await auditCount();
    await expect(svc.setStatus(deps, A.commander, { id, status: "resolved" })).rejects.toMatchObject({
      fieldErrors: {
        confirm: [expect.stringMatching(/^Resolve anyway\? \d+ of \d+ checklist steps are not done: 1\. /)],
      },
    });
    expect(await auditCount()).toBe(before);
    const resolved = await svc.setStatus(deps, A.commander, { id, status: "resolved", confirm: "resolve" });
    expect(resolved.resolvedAt).toBe(clock);
    const a = await auditCount();
    await expect(svc.tickStep(deps, A.responder, { id, step: "step-1" })).rejects.toThrow(/resolved/);
    await expect(svc.checkIn(deps, A.responder, { id })).rejects.toThrow(/resolved/);
    expect(await auditCount()).toBe(a);
    const list = await svc.listIncidents(deps, A.viewer);
    expect(list.resolved.map((i) => i.id)).toContain(id);
    expect(list.open.map((i) => i.id)).not.toContain(id);
    clock += 1000;
    const reopened = await svc.setStatus(deps, A.admin, { id, status: "investigating" });
    expect(reopened.resolvedAt).toBeUndefined();
    const statuses = (await svc.getIncidentRoom(deps, A.viewer, id)).timeline
      .filter((t) => t.kind === "status")
      .map((t) => t.text);
    expect(statuses).toEqual([
      "Status investigating → mitigating",
      "Status mitigating → monitoring",
      expect.stringMatching(
        /^Status monitoring → resolved — resolved although \d+ of \d+ checklist steps are not done/,
      ),
      "Status resolved → investigating",
    ]);
  });

  it("a live check ticks its step once when it holds, as the console, and a person can still untick it", async () => {
    findings = [finding()];
    const { id } = await svc.openIncident(deps, A.commander, { findingId: findings[0]!.id });
    telemetry.set("capitalInvariantViolations|eth-grid", 2);
    let room = await svc.getIncidentRoom(deps, A.viewer, id);
    const cleared = () => room.steps.find((s) => s.id === "cleared")!;
    expect(cleared()).toMatchObject({ done: false, check: { result: { holds: false, value: 2 } } });
    const esc = room.escalation.find((e) => e.state)!;
    expect(esc.state).toMatchObject({ state: "pending", remainingMs: 15 * 60_000 });
    clock += 5000;
    telemetry.set("capitalInvariantViolations|eth-grid", 0);
    const a = await auditCount();
    room = await svc.getIncidentRoom(deps, A.viewer, id);
    await svc.getIncidentRoom(deps, A.viewer, id);
    expect(cleared()).toMatchObject({
      done: true,
      how: "live check",
      doneBy: "live check",
      check: { result: { holds: true, value: 0 } },
    });
    expect(await auditCount()).toBe(a + 1);
    const [row] = await h.db
      .select()
      .from(auditLog)
      .where(
        eq(
          auditLog.seq,
          (await auditCount()) > 0 ? (await h.db.select({ s: sql<number>`max(seq)::int` }).from(auditLog))[0]!.s : 0,
        ),
      );
    expect(row).toMatchObject({
      action: "incident.step.tick",
      actorName: "system",
      params: expect.objectContaining({ how: "live check", step: "cleared" }),
    });
    expect(room.escalation.find((e) => e.state)!.state?.state).toBe("clear");
    await svc.untickStep(deps, A.responder, { id, step: "cleared" });
    room = await svc.getIncidentRoom(deps, A.viewer, id);
    expect(cleared().done).toBe(false);
    telemetry.clear();
  });

  it("timeline merges finding transitions, acknowledgements and controls run from the room, in time order", async () => {
    findings = [
      finding({
        id: "ghost_position|alpha-bot|sol-breakout",
        ruleId: "ghost_position",
        entity: "sol-breakout",
        severity: "SEV1",
        title: "Ghost position",
        runbook: "ghost-position",
      }),
    ];
    const fid = findings[0]!.id;
    await h.db.insert(findingTransitions).values({
      findingId: fid,
      fromState: "ok",
      toState: "critical",
      severity: "SEV1",
      summary: "ghost position on sol-breakout",
      at: new Date(clock - 30_000),
    });
    clock += 1000;
    const { id } = await svc.openIncident(deps, A.commander, { findingId: fid });
    await h.db.insert(findingAcks).values({
      findingId: fid,
      onset: new Date(clock - 30_000),
      userId: A.responder.id,
      userName: "The responder",
      at: new Date(clock + 500),
    });
    const ctl: controls.ControlDeps = { db: h.db, config, secret: (n) => secrets[n] };
    const view = await controls.executeControl(ctl, A.responder, {
      target: "alpha-bot",
      control: "trigger-reconciliation",
      params: { profileId: "sol-breakout" },
      reason: "incident drill: reconcile the ghost position",
      ticketId: "OPS-77",
      incidentId: id,
    });
    expect(view.state).toBe("succeeded");
    await expect(
      controls.executeControl(ctl, A.responder, {
        target: "alpha-bot",
        control: "trigger-reconciliation",
        params: { profileId: "sol-breakout" },
        reason: "incident drill: bad incident id",
        ticketId: "OPS-77",
        incidentId: "nope",
      }),
    ).rejects.toMatchObject({ fieldErrors: { incidentId: [expect.any(String)] } });
    clock = Date.now() + 1000;
    const room = await svc.getIncidentRoom(deps, A.viewer, id);
    const kinds = room.timeline.map((t) => t.kind);
    expect(kinds[0]).toBe("finding");
    expect(kinds).toContain("ack");
    expect(room.timeline.filter((t) => t.kind === "control").map((t) => t.text)).toEqual([
      expect.stringMatching(/trigger-reconciliation on alpha-bot requested .*OPS-77/),
      expect.stringMatching(/trigger-reconciliation on alpha-bot: succeeded/),
    ]);
    expect(room.timeline.map((t) => t.at)).toEqual([...room.timeline.map((t) => t.at)].sort((a, b) => a - b));
    expect(room.controls).toHaveLength(1);
    const [requested] = await h.db.select().from(auditLog).where(eq(auditLog.idempotencyKey, view.idempotencyKey));
    expect(requested!.params).toMatchObject({ incident: id });
    expect(room.controls[0]!.auditSeq).toBe(requested!.seq);
    expect(room.comms).toMatch(
      /^Incident: Ghost position: alpha-bot sol-breakout\nSeverity: SEV-1\nImpact: alpha-bot profile sol-breakout/,
    );
    expect(room.comms).toMatch(/Mitigation: trigger-reconciliation on alpha-bot succeeded/);

    const bundle = await svc.exportPostmortem(deps, A.viewer, id);
    expect(bundle.markdown).toMatch(/# Postmortem bundle: Ghost position: alpha-bot sol-breakout/);
    expect(bundle.markdown).toMatch(/Audit chain \| verified up to row \d+/);
    expect(bundle.markdown).toContain(
      "| trigger-reconciliation | alpha-bot | profileId=sol-breakout | OPS-77 | responder | not needed | succeeded |",
    );
    expect(JSON.parse(bundle.json)).toMatchObject({
      format: "watchfloor-postmortem/2",
      incident: { id },
      audit: { verified: true },
    });
    await expect(svc.exportPostmortem(deps, null, id)).rejects.toThrow(/Sign in/);
  });

  it("a control run from the room ticks its step once approved and run; the approver and Controls-page runs are on the timeline and in the postmortem", async () => {
    // A system-wide split-brain finding that names the symbol it is about.
    findings = [
      finding({
        id: "split_brain|spot-exchange|*",
        ruleId: "split_brain",
        system: "spot-exchange",
        kind: "spot-exchange",
        entity: "*",
        severity: "SEV1",
        title: "Split-brain suspected",
        runbook: "split-brain",
        entities: ["XRP-USD"],
      } as Partial<Finding>),
    ];
    clock = Date.now();
    const { id } = await svc.openIncident(deps, A.commander, { findingId: findings[0]!.id });
    let room = await svc.getIncidentRoom(deps, A.viewer, id);
    expect(room.incident.affected).toEqual([{ system: "spot-exchange", entity: "XRP-USD", kind: "symbol" }]);
    const halt = room.steps.find((s) => s.id === "halt")!;
    expect(halt.controls.map((c) => c.params)).toEqual(["symbol=XRP-USD, mode=HARD_HALT"]);
    expect(halt.done).toBe(false);

    // A fleet config that wants a second person on HARD_HALT (controls.policy), so the room shows the wait.
    const ctl: controls.ControlDeps = {
      db: h.db,
      config,
      secret: (n) => secrets[n],
      settings: { policy: { "symbol-mode:HARD_HALT": { role: "commander", secondPerson: true } } },
    };
    const asked = await controls.executeControl(ctl, A.commander, {
      target: "spot-exchange",
      control: "symbol-mode",
      params: { symbol: "XRP-USD", mode: "HARD_HALT" },
      reason: "split-brain drill: stop the symbol",
      ticketId: "OPS-91",
      confirm: "XRP-USD",
      incidentId: id,
    });
    expect(asked.state).toBe("pending_approval");
    clock = Date.now();
    room = await svc.getIncidentRoom(deps, A.viewer, id);
    expect(room.awaitingApproval.map((c) => c.id)).toEqual([asked.id]);
    expect(room.steps.find((s) => s.id === "halt")!.done).toBe(false);

    const ran = await controls.approveControl(ctl, A.admin, asked.id);
    expect(ran.state).toBe("succeeded");
    // The same system from the Controls page, not linked to the incident.
    const aside = await controls.executeControl(ctl, A.responder, {
      target: "spot-exchange",
      control: "symbol-mode",
      params: { symbol: "XRP-USD", mode: "CANCEL_ONLY" },
      reason: "split-brain drill: from the controls page",
      ticketId: "OPS-92",
    });
    expect(aside.state).toBe("succeeded");
    clock = Date.now() + 1000;
    const a = await auditCount();
    room = await svc.getIncidentRoom(deps, A.viewer, id);
    await svc.getIncidentRoom(deps, A.viewer, id);
    // One tick, one audit row, whoever looks and however often.
    expect(await auditCount()).toBe(a + 1);
    const ticked = room.steps.find((s) => s.id === "halt")!;
    expect(ticked).toMatchObject({
      done: true,
      how: "control",
      tickedByControl: { requestId: asked.id, requestedBy: "commander", approvedBy: "admin" },
    });
    // The Controls-page run is no request from the incident: it ticks nothing.
    expect(room.steps.find((s) => s.id === "resume-cancel-only")!.done).toBe(false);
    expect(room.awaitingApproval).toEqual([]);
    expect(room.controls.map((c) => [c.source, c.params, c.approvedBy ?? null])).toEqual([
      ["incident", { symbol: "XRP-USD", mode: "HARD_HALT" }, "admin"],
      ["controls page", { symbol: "XRP-USD", mode: "CANCEL_ONLY" }, null],
    ]);
    const texts = room.timeline.map((t) => t.text);
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Control symbol-mode on spot-exchange \(symbol=XRP-USD, mode=HARD_HALT\) approved by admin$/,
      ),
    );
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Control symbol-mode on spot-exchange: succeeded; approved by admin at \d\d:\d\d:\d\d UTC/,
      ),
    );
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Control symbol-mode on spot-exchange requested from the Controls page \(symbol=XRP-USD, mode=CANCEL_ONLY; ticket OPS-92\)/,
      ),
    );
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Step 1 ticked: control symbol-mode \(symbol=XRP-USD, mode=HARD_HALT\) on spot-exchange succeeded — requested by commander, approved by admin$/,
      ),
    );
    const [tickAudit] = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "incident.step.tick"))
      .orderBy(sql`seq desc`)
      .limit(1);
    expect(tickAudit).toMatchObject({
      actorName: "system",
      target: `incident:${id}`,
      params: expect.objectContaining({ step: "halt", how: "control", controlRequest: asked.id, approvedBy: "admin" }),
    });

    const bundle = await svc.exportPostmortem(deps, A.viewer, id);
    expect(bundle.markdown).toMatch(
      /\| symbol-mode \| spot-exchange \| symbol=XRP-USD, mode=HARD_HALT \| OPS-91 \| commander \| admin at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \| succeeded \|/,
    );
    expect(bundle.markdown).toContain(
      "| symbol-mode (from the Controls page) | spot-exchange | symbol=XRP-USD, mode=CANCEL_ONLY | OPS-92 | responder | not needed | succeeded |",
    );
    expect(bundle.markdown).toMatch(
      /- \*\*[0-9T:-]+Z\*\* — control \(admin\): Control symbol-mode on spot-exchange \(symbol=XRP-USD, mode=HARD_HALT\) approved by admin/,
    );
    expect(bundle.markdown).toMatch(
      /- \[x\] Set the affected symbols to `HARD_HALT`\. — ticked when its control succeeded \(commander \(approved by admin\)\)/,
    );
    const json = JSON.parse(bundle.json) as { controls: Array<{ approvedBy?: string; at: unknown }> };
    expect(json.controls[0]).toMatchObject({
      approvedBy: "admin",
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    // Undo on the simulator for the tests after this one.
    await controls.executeControl({ ...ctl, settings: { secondPerson: false } }, A.commander, {
      target: "spot-exchange",
      control: "symbol-mode",
      params: { symbol: "XRP-USD", mode: "NORMAL" },
      reason: "split-brain drill: put it back",
      ticketId: "OPS-93",
    });
  });

  it("commanders add responders by username; unknown incidents are not found", async () => {
    const { id } = await svc.openIncident(deps, A.commander, { title: "Responder drill", severity: "SEV3" });
    await h.db.insert(users).values({ username: "dana", displayName: "Dana", role: "responder" });
    await expect(svc.addResponder(deps, A.responder, { id, username: "dana" })).rejects.toThrow(/commander role/);
    await expect(svc.addResponder(deps, A.commander, { id, username: "nobody" })).rejects.toMatchObject({
      fieldErrors: { username: [expect.any(String)] },
    });
    const s = await svc.addResponder(deps, A.commander, { id, username: "dana" });
    expect(s.responders.map((r) => r.name)).toContain("Dana");
    await expect(svc.addResponder(deps, A.commander, { id, username: "dana" })).rejects.toThrow(/already a responder/);
    await expect(svc.getIncidentRoom(deps, A.viewer, "00000000-0000-0000-0000-000000000999")).rejects.toThrow(
      /No such incident/,
    );
    await expect(svc.getIncidentRoom(deps, A.viewer, "not-a-uuid")).rejects.toMatchObject({
      fieldErrors: expect.any(Object),
    });
  });
});
