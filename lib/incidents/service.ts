import "server-only";
import { and, asc, desc, eq, gte, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import {
  auditLog,
  controlRequests,
  findingAcks,
  findingTransitions,
  incidentEvents,
  incidents,
  users,
  type IncidentEventRow,
  type IncidentRow,
} from "../db/schema";
import { appendAudit, verifyAuditChain } from "../audit/log";
import { requireRole, type Actor } from "../auth/roles";
import { Conflict, Invalid, NotFound } from "../errors";
import type { Finding } from "../rules/types";
import type { SystemKind } from "../telemetry/model";
import {
  describeCheck,
  describeEscalation,
  describeWait,
  evaluateCheck,
  evaluateEscalation,
  evaluateWait,
  resolveCheck,
  type CheckResult,
  type EscalationState,
  type Lookup,
  type Vars,
  type WaitState,
} from "../runbooks/checks";
import type { Runbook } from "../runbooks/parse";
import { communicationUpdate, nextUpdateDue } from "./comms";
import { formatParams, formatValue } from "./format";
import {
  controlLinks,
  findingEntities,
  groupOkFindings,
  requestMatches,
  resolveBlockersOf,
  type OkFindingGroup,
  type RoomControlLink,
} from "./room";
import { buildPostmortem, type PostmortemBundle } from "./export";
import {
  INCIDENT_STATUSES,
  type AffectedEntity,
  type ChecklistStepRun,
  type ControlRun,
  type EvidenceItem,
  type IncidentSeverity,
  type IncidentStatus,
  type IncidentSummary,
  type Person,
  type TimelineEntry,
} from "./types";
import { utcClock } from "../core/time";
import { replayBoard, type ReplayTarget } from "../replay/board-at";
import { incidentMoments, summariseBoard } from "../replay/moments";

// Incidents: open from a finding or by hand, run the runbook's checklist, keep the timeline.
// One verb per function; each validates with zod, authorises inside (requireRole) and writes the
// change, its timeline event and its audit record in one transaction — no audit row, no change.
// Roles (DESIGN.md): viewers read; responders check in, note and tick; commanders open, close and
// own status, severity, commander and communication updates; admins everything.

export interface IncidentDeps {
  db: Db;
  now?: () => Date;
  /** The parsed runbooks (lib/runbooks loadRunbooks). */
  runbooks: () => Promise<Runbook[]>;
  /** Current findings, live where this process runs the board, else from the database. */
  findings: () => Promise<Finding[]>;
  /** Latest telemetry value per (metric, entity) of a system. */
  lookup: (system: string) => Lookup;
  /** The kind of a configured system, for wording (profile / symbol). */
  systemKind: (system: string) => SystemKind | undefined;
  /** The fleet config's `controls.ticketUrlTemplate` (the postmortem links ticket IDs with it). */
  ticketUrlTemplate?: string | null;
  /** The configured targets as replay shows them: the postmortem includes the board at its moments. */
  replayTargets?: () => ReplayTarget[];
}

const SEVERITIES = ["SEV1", "SEV2", "SEV3"] as const;
const IncidentId = z
  .string({ error: "missing incident id" })
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "not an incident id");

/** Status moves a commander may make. Resolved can be reopened (the problem came back). */
export const STATUS_MOVES: Record<IncidentStatus, IncidentStatus[]> = {
  investigating: ["mitigating", "monitoring", "resolved"],
  mitigating: ["investigating", "monitoring", "resolved"],
  monitoring: ["mitigating", "resolved"],
  resolved: ["investigating"],
};

function nowOf(deps: IncidentDeps): Date {
  return new Date(Math.floor((deps.now?.() ?? new Date()).getTime()));
}

function invalid(error: z.ZodError): Invalid {
  const fieldErrors: Record<string, string[]> = {};
  for (const i of error.issues) (fieldErrors[i.path.join(".") || "form"] ??= []).push(i.message);
  const first = Object.keys(fieldErrors)[0]!;
  return new Invalid(`${first}: ${fieldErrors[first]![0]}`, fieldErrors);
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw invalid(r.error);
  return r.data;
}

function entityKind(deps: IncidentDeps, system: string, entity: string): AffectedEntity["kind"] {
  if (entity === "*") return "system";
  const k = deps.systemKind(system);
  if (k === "trading-bot") return "profile";
  if (k === "spot-exchange") return "symbol";
  return /^[a-z0-9]+(-[a-z0-9]+)+$/.test(entity) ? "profile" : "symbol";
}

/** "alpha-bot/eth-grid, spot-exchange/BTC-USD, kraken-futures" → affected entities. */
export function parseAffected(text: string): Array<{ system: string; entity: string }> {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^([A-Za-z0-9._-]+)\s*(?:[/·:]\s*([A-Za-z0-9._*-]+))?$/.exec(s);
      if (!m)
        throw new Invalid(`affected: "${s}" is not system or system/entity`, {
          affected: [`"${s}" is not system or system/entity (e.g. alpha-bot/eth-grid)`],
        });
      return { system: m[1]!, entity: m[2] ?? "*" };
    });
}

// ── Inputs ───────────────────────────────────────────────────────────────────────────────────

const Title = z
  .string({ error: "a title is required" })
  .trim()
  .min(3, "a title needs at least 3 characters")
  .max(200, "at most 200 characters");

export const OpenIncidentInput = z
  .object({
    findingId: z
      .string()
      .trim()
      .max(400)
      .optional()
      .transform((v) => v || undefined),
    title: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => v || undefined),
    severity: z
      .string()
      .trim()
      .max(10)
      .optional()
      .transform((v) => v || undefined),
    affected: z.string().max(2000).optional(),
    runbook: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => v || undefined),
  })
  .strict();
export type OpenIncidentInput = z.input<typeof OpenIncidentInput>;

const StatusInput = z.object({
  id: IncidentId,
  status: z.enum(INCIDENT_STATUSES, { error: "choose a status" }),
  note: z.string().trim().max(2000).optional(),
  /** "resolve" (or "yes"): resolve although steps are open or findings still fire. */
  confirm: z.string().trim().max(20).optional(),
});
const SeverityInput = z.object({
  id: IncidentId,
  severity: z.enum(SEVERITIES, { error: "choose SEV1, SEV2 or SEV3" }),
  note: z.string().trim().max(2000).optional(),
});
const CommanderInput = z.object({
  id: IncidentId,
  personId: z.string({ error: "choose a person" }).trim().min(1, "choose a person").max(200),
});
const ResponderInput = z.object({
  id: IncidentId,
  username: z.string({ error: "a username is required" }).trim().min(1, "a username is required").max(200),
});
const NoteInput = z.object({
  id: IncidentId,
  text: z.string({ error: "write a note" }).trim().min(1, "write a note").max(4000, "at most 4000 characters"),
});
const StepInput = z.object({
  id: IncidentId,
  step: z.string({ error: "missing step" }).trim().min(1, "missing step").max(200),
});
const CommsInput = z.object({
  id: IncidentId,
  text: z
    .string({ error: "the update is empty" })
    .trim()
    .min(10, "the update is too short")
    .max(4000, "at most 4000 characters"),
});

// ── Reading helpers ──────────────────────────────────────────────────────────────────────────

interface Responder extends Person {
  at: number;
}

function summaryOf(row: IncidentRow): IncidentSummary {
  return {
    id: row.id,
    title: row.title,
    severity: row.severity as IncidentSeverity,
    status: row.status as IncidentStatus,
    ...(row.commanderId ? { commander: { id: row.commanderId, name: row.commanderName ?? row.commanderId } } : {}),
    responders: ((row.responders as Responder[]) ?? []).map((r) => ({ id: r.id, name: r.name })),
    affected: (row.affected as AffectedEntity[]) ?? [],
    ...(row.runbook ? { runbook: row.runbook } : {}),
    openedAt: row.openedAt.getTime(),
    openedBy: { id: row.openedById, name: row.openedByName },
    ...(row.resolvedAt ? { resolvedAt: row.resolvedAt.getTime() } : {}),
  };
}

async function loadIncident(db: Db, id: string): Promise<IncidentRow> {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  if (!row) throw new NotFound("No such incident.");
  return row;
}

function affects(affected: AffectedEntity[], f: Pick<Finding, "system" | "entity">): boolean {
  return affected.some((a) => a.system === f.system && (a.entity === "*" || a.entity === f.entity));
}

/** Placeholder values for the runbook's bindings: the first affected profile, symbol and system. */
export function varsFor(affected: AffectedEntity[]): Vars {
  const vars: Vars = {};
  for (const a of affected) {
    vars.system ??= a.system;
    if (a.kind === "profile") vars.profile ??= a.entity;
    if (a.kind === "symbol") vars.symbol ??= a.entity;
  }
  return vars;
}

/** The entity a check reads for counters: the profile or symbol, else the system. */
function primaryEntity(vars: Vars): string {
  return vars.profile ?? vars.symbol ?? "*";
}

// ── Writes ───────────────────────────────────────────────────────────────────────────────────

interface EventSpec {
  kind: IncidentEventRow["kind"];
  text: string;
  ref?: string | null;
  data?: unknown;
  /** Actor; null for the console itself (live checks). */
  actor: Actor | null;
  action: string;
  params?: unknown;
}

/** Applies `change` and records its event and audit row in one transaction. */
async function record(
  deps: IncidentDeps,
  incidentId: string,
  at: Date,
  spec: EventSpec,
  change?: (tx: Db) => Promise<void>,
): Promise<IncidentEventRow> {
  return deps.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    if (change) await change(tx);
    const audit = await appendAudit(tx, {
      ...(spec.actor ? { actor: spec.actor } : { actorName: "system" }),
      action: spec.action,
      target: `incident:${incidentId}`,
      params: spec.params ?? { text: spec.text },
      outcome: "succeeded",
      responseSummary: spec.text.slice(0, 300),
      at,
    });
    const [ev] = await tx
      .insert(incidentEvents)
      .values({
        incidentId,
        at,
        kind: spec.kind,
        actorId: spec.actor?.id ?? null,
        actorName: spec.actor?.displayName ?? "live check",
        text: spec.text,
        ref: spec.ref ?? null,
        data: (spec.data ?? null) as object | null,
        auditSeq: audit.seq,
      })
      .returning();
    return ev!;
  });
}

/**
 * Opens an incident (commander or above): from a finding — title, severity, affected entity and
 * runbook taken from it and its rule — or by hand. The opener becomes the incident commander.
 */
export async function openIncident(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<{ id: string }> {
  requireRole(actor, "commander");
  const p = parse(OpenIncidentInput, input);
  const runbooks = await deps.runbooks();
  let title = p.title;
  let severity = p.severity as IncidentSeverity | undefined;
  let affected: Array<{ system: string; entity: string }> = p.affected ? parseAffected(p.affected) : [];
  let runbook = p.runbook;
  let finding: Finding | undefined;
  if (p.findingId) {
    finding = (await deps.findings()).find((f) => f.id === p.findingId);
    if (!finding)
      throw new Invalid("finding: that finding is not on the board (any more)", {
        findingId: ["that finding is not on the board (any more); open the incident by hand"],
      });
    title ??= `${finding.title}: ${finding.system}${finding.entity === "*" ? "" : ` ${finding.entity}`}`;
    severity ??= finding.severity;
    // The entities the finding is about, when it names them; the system as a whole only when it does not.
    const named = findingEntities(finding).map((e) => ({ system: finding!.system, entity: e.entity }));
    const fromFinding = named.length ? named : [{ system: finding.system, entity: finding.entity }];
    affected = [
      ...fromFinding.filter((n) => !affected.some((a) => a.system === n.system && a.entity === n.entity)),
      ...affected,
    ];
    runbook ??= finding.runbook;
  }
  const fieldErrors: Record<string, string[]> = {};
  const t = Title.safeParse(title ?? "");
  if (!t.success) fieldErrors.title = [t.error.issues[0]!.message];
  if (!severity || !(SEVERITIES as readonly string[]).includes(severity))
    fieldErrors.severity = ["choose SEV1, SEV2 or SEV3"];
  for (const a of affected)
    if (!deps.systemKind(a.system)) (fieldErrors.affected ??= []).push(`no system named "${a.system}" in the fleet`);
  if (runbook && !runbooks.some((r) => r.slug === runbook)) {
    if (finding && !p.runbook)
      runbook = undefined; // the rule's runbook file is missing: open without a checklist
    else fieldErrors.runbook = [`no runbook named "${runbook}"`];
  }
  const keys = Object.keys(fieldErrors);
  if (keys.length) throw new Invalid(`${keys[0]}: ${fieldErrors[keys[0]!]![0]}`, fieldErrors);

  const at = nowOf(deps);
  const aff: AffectedEntity[] = affected.map((a) => ({ ...a, kind: entityKind(deps, a.system, a.entity) }));
  // Counter values at opening: cycle waits and cycle-based escalations count from here.
  const baselines: Record<string, number> = {};
  const rb = runbooks.find((r) => r.slug === runbook);
  if (rb && aff[0]) {
    const vars = varsFor(aff);
    const look = deps.lookup(vars.system!);
    const counters = [
      ...rb.steps.flatMap((s) => (s.binding?.wait && "cycles" in s.binding.wait ? [s.binding.wait.counter] : [])),
      ...rb.escalation.flatMap((e) => (e.binding?.afterCycles !== undefined ? [e.binding.counter] : [])),
    ];
    for (const c of counters) {
      const v = look(c, primaryEntity(vars)) ?? look(c, "*");
      if (v && Number.isFinite(v.value)) baselines[c] = v.value;
    }
  }
  const id = crypto.randomUUID();
  const responders: Responder[] = [{ id: actor.id, name: actor.displayName, at: at.getTime() }];
  await record(
    deps,
    id,
    at,
    {
      kind: "opened",
      text: `Opened ${severity} "${t.data}"${finding ? ` from finding ${finding.id}` : " by hand"}${rb ? ` with runbook ${rb.slug}` : ""}; commander ${actor.displayName}`,
      ref: finding?.id ?? null,
      data: {
        baselines,
        finding: finding
          ? { id: finding.id, state: finding.state, severity: finding.severity, summary: finding.summary }
          : null,
      },
      actor,
      action: "incident.open",
      params: { title: t.data, severity, affected: aff, runbook: rb?.slug ?? null, findingId: finding?.id ?? null },
    },
    async (tx) => {
      await tx.insert(incidents).values({
        id,
        title: t.data!,
        severity: severity!,
        status: "investigating",
        commanderId: actor.id,
        commanderName: actor.displayName,
        responders,
        affected: aff,
        runbook: rb?.slug ?? null,
        sourceFindingId: finding?.id ?? null,
        openedById: actor.id,
        openedByName: actor.displayName,
        openedAt: at,
        updatedAt: at,
      });
    },
  );
  return { id };
}

export async function setStatus(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<IncidentSummary> {
  requireRole(actor, "commander");
  const p = parse(StatusInput, input);
  const row = await loadIncident(deps.db, p.id);
  const from = row.status as IncidentStatus;
  if (from === p.status) throw new Conflict(`The incident is already ${from}.`);
  if (!STATUS_MOVES[from].includes(p.status))
    throw new Conflict(`An incident cannot go from ${from} to ${p.status}; allowed: ${STATUS_MOVES[from].join(", ")}.`);
  // Resolving with steps open or findings still firing needs a confirmation that names them.
  let left: string[] = [];
  if (p.status === "resolved") {
    left = (await getIncidentRoom(deps, actor, row.id)).resolveBlockers;
    if (left.length && !["resolve", "yes"].includes((p.confirm ?? "").toLowerCase())) {
      const message = `Resolve anyway? ${left.join(". ")}.`;
      throw new Invalid(`confirm: ${message}`, { confirm: [message] });
    }
  }
  const at = nowOf(deps);
  const still = left.length
    ? ` — resolved although ${left.map((l) => l.charAt(0).toLowerCase() + l.slice(1)).join("; ")}`
    : "";
  await record(
    deps,
    row.id,
    at,
    {
      kind: "status",
      text: `Status ${from} → ${p.status}${p.note ? `: ${p.note}` : ""}${still}`,
      data: { from, to: p.status, ...(left.length ? { leftOpen: left } : {}) },
      actor,
      action: "incident.status",
      params: { from, to: p.status, note: p.note ?? null, ...(left.length ? { leftOpen: left } : {}) },
    },
    async (tx) => {
      const done = await tx
        .update(incidents)
        .set({ status: p.status, resolvedAt: p.status === "resolved" ? at : null, updatedAt: at })
        .where(and(eq(incidents.id, row.id), eq(incidents.status, from)))
        .returning({ id: incidents.id });
      if (!done.length) throw new Conflict("Someone changed the status at the same moment; reload and try again.");
    },
  );
  return summaryOf(await loadIncident(deps.db, row.id));
}

export async function setSeverity(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<IncidentSummary> {
  requireRole(actor, "commander");
  const p = parse(SeverityInput, input);
  const row = await loadIncident(deps.db, p.id);
  if (row.severity === p.severity) throw new Conflict(`The incident is already ${p.severity}.`);
  const at = nowOf(deps);
  await record(
    deps,
    row.id,
    at,
    {
      kind: "severity",
      text: `Severity ${row.severity} → ${p.severity}${p.note ? `: ${p.note}` : ""}`,
      data: { from: row.severity, to: p.severity },
      actor,
      action: "incident.severity",
      params: { from: row.severity, to: p.severity, note: p.note ?? null },
    },
    async (tx) => {
      await tx.update(incidents).set({ severity: p.severity, updatedAt: at }).where(eq(incidents.id, row.id));
    },
  );
  return summaryOf(await loadIncident(deps.db, row.id));
}

/** Hands command to the actor or to someone who checked in (commander or above). */
export async function setCommander(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<IncidentSummary> {
  requireRole(actor, "commander");
  const p = parse(CommanderInput, input);
  const row = await loadIncident(deps.db, p.id);
  const responders = (row.responders as Responder[]) ?? [];
  const person =
    p.personId === actor.id ? { id: actor.id, name: actor.displayName } : responders.find((r) => r.id === p.personId);
  if (!person)
    throw new Invalid("personId: only yourself or someone who checked in can take command", {
      personId: ["only yourself or someone who checked in can take command"],
    });
  if (row.commanderId === person.id) throw new Conflict(`${person.name} is already the incident commander.`);
  const at = nowOf(deps);
  await record(
    deps,
    row.id,
    at,
    {
      kind: "commander",
      text: `Incident commander ${row.commanderName ?? "none"} → ${person.name}`,
      ref: person.id,
      actor,
      action: "incident.commander",
      params: { from: row.commanderId, to: person.id, name: person.name },
    },
    async (tx) => {
      await tx
        .update(incidents)
        .set({ commanderId: person.id, commanderName: person.name, updatedAt: at })
        .where(eq(incidents.id, row.id));
    },
  );
  return summaryOf(await loadIncident(deps.db, row.id));
}

async function addPerson(
  deps: IncidentDeps,
  actor: Actor,
  row: IncidentRow,
  person: Person,
  kind: "checkin" | "responder",
): Promise<IncidentSummary> {
  const at = nowOf(deps);
  const responders = (row.responders as Responder[]) ?? [];
  const present = responders.some((r) => r.id === person.id);
  const text =
    kind === "checkin"
      ? `${person.name} checked in: on it`
      : `${actor.displayName} added ${person.name} as a responder`;
  await record(
    deps,
    row.id,
    at,
    {
      kind,
      text,
      ref: person.id,
      actor,
      action: kind === "checkin" ? "incident.checkin" : "incident.responder",
      params: { person },
    },
    async (tx) => {
      if (!present) {
        await tx
          .update(incidents)
          .set({
            responders: sql`${incidents.responders} || ${JSON.stringify([{ ...person, at: at.getTime() }])}::jsonb`,
            updatedAt: at,
          })
          .where(eq(incidents.id, row.id));
      }
    },
  );
  return summaryOf(await loadIncident(deps.db, row.id));
}

/** "I'm on it": the actor joins the responders and the check-in goes on the timeline (responder or above). */
export async function checkIn(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<IncidentSummary> {
  requireRole(actor, "responder");
  const p = parse(z.object({ id: IncidentId }), input);
  const row = await loadIncident(deps.db, p.id);
  if (row.status === "resolved") throw new Conflict("The incident is resolved; reopen it to check in.");
  return addPerson(deps, actor, row, { id: actor.id, name: actor.displayName }, "checkin");
}

/** Adds a user by username to the responders (commander or above). */
export async function addResponder(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<IncidentSummary> {
  requireRole(actor, "commander");
  const p = parse(ResponderInput, input);
  const row = await loadIncident(deps.db, p.id);
  const [user] = await deps.db
    .select()
    .from(users)
    .where(and(eq(users.username, p.username), eq(users.status, "active")));
  if (!user)
    throw new Invalid(`username: no active user "${p.username}"`, { username: [`no active user "${p.username}"`] });
  if (((row.responders as Responder[]) ?? []).some((r) => r.id === user.id))
    throw new Conflict(`${user.displayName} is already a responder.`);
  return addPerson(deps, actor, row, { id: user.id, name: user.displayName }, "responder");
}

export async function addNote(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<{ seq: number }> {
  requireRole(actor, "responder");
  const p = parse(NoteInput, input);
  const row = await loadIncident(deps.db, p.id);
  const ev = await record(deps, row.id, nowOf(deps), {
    kind: "note",
    text: p.text,
    actor,
    action: "incident.note",
    params: { text: p.text },
  });
  return { seq: ev.seq };
}

async function runbookOf(deps: IncidentDeps, row: IncidentRow): Promise<Runbook | undefined> {
  if (!row.runbook) return undefined;
  return (await deps.runbooks()).find((r) => r.slug === row.runbook);
}

async function events(db: Db, id: string): Promise<IncidentEventRow[]> {
  return db
    .select()
    .from(incidentEvents)
    .where(eq(incidentEvents.incidentId, id))
    .orderBy(asc(incidentEvents.at), asc(incidentEvents.seq));
}

interface Tick {
  done: boolean;
  by?: string;
  at?: number;
  how?: "manual" | "live check" | "control";
  control?: { requestId: string; requestedBy: string; approvedBy?: string };
}

interface TickData {
  how?: Tick["how"];
  controlRequest?: string;
  requestedBy?: string;
  approvedBy?: string | null;
  /** When the control succeeded (the tick itself is recorded when the console saw it). */
  doneAt?: number;
}

function tickState(evs: IncidentEventRow[]): Map<string, Tick> {
  const m = new Map<string, Tick>();
  for (const e of evs) {
    if (!e.ref) continue;
    const d = (e.data as TickData | null) ?? {};
    if (e.kind === "step") {
      const control =
        d.how === "control" && d.controlRequest
          ? {
              requestId: d.controlRequest,
              requestedBy: d.requestedBy ?? e.actorName ?? "unknown",
              ...(d.approvedBy ? { approvedBy: d.approvedBy } : {}),
            }
          : undefined;
      const by = control
        ? `${control.requestedBy}${control.approvedBy ? ` (approved by ${control.approvedBy})` : ""}`
        : (e.actorName ?? undefined);
      m.set(e.ref, {
        done: true,
        by,
        at: d.doneAt ?? e.at.getTime(),
        how: d.how ?? "manual",
        ...(control ? { control } : {}),
      });
    }
    if (e.kind === "unstep") m.set(e.ref, { done: false, by: e.actorName ?? undefined, at: e.at.getTime() });
  }
  return m;
}

async function changeStep(
  deps: IncidentDeps,
  actor: Actor | null,
  input: unknown,
  done: boolean,
): Promise<{ step: string; done: boolean }> {
  requireRole(actor, "responder");
  const p = parse(StepInput, input);
  const row = await loadIncident(deps.db, p.id);
  if (row.status === "resolved")
    throw new Conflict("The incident is resolved; its checklist is closed. Reopen it to change steps.");
  const rb = await runbookOf(deps, row);
  const step = rb?.steps.find((s) => s.id === p.step);
  if (!step) throw new NotFound(`The checklist has no step "${p.step}".`);
  const current = tickState(await events(deps.db, row.id)).get(step.id);
  if (Boolean(current?.done) === done)
    throw new Conflict(
      done
        ? `Step ${step.index} is already ticked${current?.by ? ` by ${current.by}` : ""}.`
        : `Step ${step.index} is not ticked.`,
    );
  const text = `${done ? "Ticked" : "Unticked"} step ${step.index}: ${step.text.replace(/\s+/g, " ").slice(0, 200)}`;
  await record(deps, row.id, nowOf(deps), {
    kind: done ? "step" : "unstep",
    text,
    ref: step.id,
    data: { how: "manual", index: step.index },
    actor,
    action: done ? "incident.step.tick" : "incident.step.untick",
    params: { step: step.id, index: step.index, how: "manual" },
  });
  return { step: step.id, done };
}

export function tickStep(deps: IncidentDeps, actor: Actor | null, input: unknown) {
  return changeStep(deps, actor, input, true);
}
export function untickStep(deps: IncidentDeps, actor: Actor | null, input: unknown) {
  return changeStep(deps, actor, input, false);
}

/** Records a communication update as posted (commander or above). */
export async function postComms(deps: IncidentDeps, actor: Actor | null, input: unknown): Promise<{ seq: number }> {
  requireRole(actor, "commander");
  const p = parse(CommsInput, input);
  const row = await loadIncident(deps.db, p.id);
  const ev = await record(deps, row.id, nowOf(deps), {
    kind: "comms",
    text: p.text,
    actor,
    action: "incident.comms",
    params: { text: p.text },
  });
  return { seq: ev.seq };
}

// ── Reads ────────────────────────────────────────────────────────────────────────────────────

export interface IncidentListItem extends IncidentSummary {
  openFindings: number;
}

export async function listIncidents(
  deps: IncidentDeps,
  actor: Actor | null,
  opts: { resolvedLimit?: number } = {},
): Promise<{ open: IncidentListItem[]; resolved: IncidentSummary[]; now: number }> {
  requireRole(actor, "viewer");
  const open = await deps.db
    .select()
    .from(incidents)
    .where(ne(incidents.status, "resolved"))
    .orderBy(asc(incidents.severity), desc(incidents.openedAt))
    .limit(200);
  const resolved = await deps.db
    .select()
    .from(incidents)
    .where(eq(incidents.status, "resolved"))
    .orderBy(desc(incidents.resolvedAt))
    .limit(opts.resolvedLimit ?? 20);
  const live = (await deps.findings()).filter((f) => f.state !== "ok");
  return {
    open: open.map((r) => {
      const s = summaryOf(r);
      return { ...s, openFindings: live.filter((f) => affects(s.affected, f)).length };
    }),
    resolved: resolved.map(summaryOf),
    now: nowOf(deps).getTime(),
  };
}

export interface RoomStep extends ChecklistStepRun {
  id: string;
  sectionId: string;
  detail: Runbook["steps"][number]["detail"];
  code: Runbook["steps"][number]["code"];
  /** One link per affected entity the control acts on (one when it needs none). */
  controls: RoomControlLink[];
  /** Said when the control needs an entity the incident does not name yet. */
  scopeNote?: string;
  /** The control request whose success ticked the step. */
  tickedByControl?: { requestId: string; requestedBy: string; approvedBy?: string };
  cautions: Runbook["steps"][number]["cautions"];
  alternatives?: Runbook["steps"][number]["alternatives"];
  check?: { label: string; result: CheckResult };
  wait?: { label: string; state: WaitState };
}

export interface RoomEscalation {
  id: string;
  text: string;
  label?: string;
  state?: EscalationState;
}

export interface RoomControl extends ControlRun {
  id: string;
  state: string;
  requestedBy: string;
  params: Record<string, unknown>;
  requestedAt: number;
  approvalRequired: boolean;
  approvalExpiresAt?: number;
  decisionNote?: string;
  source: "incident" | "controls page";
}

export interface IncidentRoom {
  incident: IncidentSummary;
  commanderId: string | null;
  responderIds: string[];
  runbook: { slug: string; title: string } | null;
  runbookMissing: string | null;
  steps: RoomStep[];
  warnings: Array<{ id: string; text: string }>;
  escalation: RoomEscalation[];
  /** Every finding on the affected entities: open first. */
  findings: Finding[];
  /** The open ones (not ok), once each. */
  openFindings: Finding[];
  /** The ok ones, grouped by rule, for a collapsed list. */
  okFindings: OkFindingGroup[];
  /** Entities the open findings name that the incident's affected field does not. */
  namedByFindings: AffectedEntity[];
  /** Ids of the incident's findings (those on its affected entities, and the one it was opened from). */
  findingIds: string[];
  /** Start of the window the room reads finding history from (an hour before it opened), epoch ms. */
  historySince: number;
  /** The finding the incident was opened from, if any (replay takes its onset from it). */
  sourceFindingId: string | null;
  controls: RoomControl[];
  /** Control requests waiting for a second person. */
  awaitingApproval: RoomControl[];
  timeline: TimelineEntry[];
  comms: string;
  posted: Array<{ at: number; by?: string; text: string }>;
  /** When the next communication update is due, and whether that time has passed. */
  nextUpdate: { dueAt: number; overdue: boolean; basis: "posted" | "first" } | null;
  /** What is still open, for the confirmation resolving asks for (empty: nothing). */
  resolveBlockers: string[];
  statusMoves: IncidentStatus[];
  now: number;
}

const TIMELINE_KIND: Record<IncidentEventRow["kind"], TimelineEntry["kind"]> = {
  opened: "opened",
  status: "status",
  severity: "severity",
  commander: "status",
  responder: "checkin",
  checkin: "checkin",
  note: "note",
  step: "step",
  unstep: "step",
  control: "control",
  comms: "comms",
  finding: "finding",
};

function approvalText(r: {
  approvalRequired: boolean;
  approverName: string | null;
  decidedAt: Date | null;
  state: string;
}): string {
  if (!r.approvalRequired) return "";
  if (!r.approverName) return r.state === "expired" ? "; no second person approved it in time" : "";
  return `; ${r.state === "rejected" ? "rejected" : "approved"} by ${r.approverName}${r.decidedAt ? ` at ${utcClock(r.decidedAt.getTime())}` : ""}`;
}

/**
 * Everything the incident room shows (viewer or above). Live checks that hold, and controls run
 * from the room that succeed, tick their step here — recorded once on the timeline and in the
 * audit log as the console's own action.
 */
export async function getIncidentRoom(deps: IncidentDeps, actor: Actor | null, id: unknown): Promise<IncidentRoom> {
  requireRole(actor, "viewer");
  const incidentId = parse(IncidentId, id);
  const row = await loadIncident(deps.db, incidentId);
  const summary = summaryOf(row);
  const now = nowOf(deps).getTime();
  const rb = await runbookOf(deps, row);

  const allFindings = await deps.findings();
  const related = allFindings.filter((f) => affects(summary.affected, f) || f.id === row.sourceFindingId);
  const openRelated = related.filter((f) => f.state !== "ok");
  // Entities the open findings name, where the incident's affected field names none of that kind
  // on that system: "spot-exchange/*" and a finding about BTC-USD act on BTC-USD.
  const namedByFindings: AffectedEntity[] = [];
  for (const f of openRelated) {
    for (const e of findingEntities(f)) {
      const stated = summary.affected.some((a) => a.system === f.system && a.kind === e.kind && a.entity !== "*");
      if (stated || namedByFindings.some((n) => n.system === f.system && n.entity === e.entity)) continue;
      namedByFindings.push({ system: f.system, entity: e.entity, kind: e.kind });
    }
  }
  const scope: AffectedEntity[] = [...summary.affected, ...namedByFindings];
  const vars = varsFor(scope);
  const look: Lookup = vars.system ? deps.lookup(vars.system) : () => undefined;
  let evs = await events(deps.db, row.id);
  const baselines = ((evs.find((e) => e.kind === "opened")?.data as { baselines?: Record<string, number> } | null)
    ?.baselines ?? {}) as Record<string, number>;

  // Control requests: those made from the room, and those made on the Controls page for an
  // affected system while the incident was open.
  const systems = [...new Set(summary.affected.map((a) => a.system))];
  const until = row.resolvedAt ?? new Date(now + 1);
  const reqs = await deps.db
    .select()
    .from(controlRequests)
    .where(
      systems.length
        ? or(
            eq(controlRequests.incidentId, row.id),
            and(
              isNull(controlRequests.incidentId),
              inArray(controlRequests.target, systems),
              gte(controlRequests.createdAt, row.openedAt),
              lte(controlRequests.createdAt, until),
            ),
          )
        : eq(controlRequests.incidentId, row.id),
    )
    .orderBy(asc(controlRequests.createdAt))
    .limit(200);

  // Live checks and succeeded controls tick their steps while the incident is open.
  if (rb && row.status !== "resolved") {
    const ticks = tickState(evs);
    const used = new Set(
      evs.flatMap((e) =>
        (e.data as { controlRequest?: string } | null)?.controlRequest
          ? [(e.data as { controlRequest: string }).controlRequest]
          : [],
      ),
    );
    const pending: Array<{
      step: Runbook["steps"][number];
      text: string;
      audit: Record<string, unknown>;
      data: Record<string, unknown>;
      actorName: string;
    }> = [];
    for (const s of rb.steps) {
      const c = s.binding?.check;
      // A step a person unticked stays unticked: neither a check nor a control overrides them.
      if (!c || ticks.has(s.id)) continue;
      const r = evaluateCheck(resolveCheck(c, vars), look, now);
      if (r.holds !== true) continue;
      const text = `Step ${s.index} ticked itself: ${describeCheck(resolveCheck(c, vars))} (value ${formatValue(r.value)})`;
      pending.push({
        step: s,
        text,
        actorName: "live check",
        audit: { how: "live check", value: r.value ?? null },
        data: { how: "live check", value: r.value ?? null },
      });
    }
    const claimed = new Set(pending.map((p) => p.step.id));
    for (const r of reqs) {
      if (r.incidentId !== row.id || r.state !== "succeeded" || used.has(r.id)) continue;
      const s = rb.steps.find(
        (st) =>
          st.binding?.control &&
          !ticks.has(st.id) &&
          !claimed.has(st.id) &&
          requestMatches(st.binding, vars, r, st.text),
      );
      if (!s) continue;
      claimed.add(s.id);
      const who = `${r.actorName}${r.approverName ? `, approved by ${r.approverName}` : ""}`;
      const text = `Step ${s.index} ticked: control ${r.control} (${formatParams(r.params as Record<string, unknown>)}) on ${r.target} succeeded — requested by ${who}`;
      const data = {
        how: "control",
        controlRequest: r.id,
        requestedBy: r.actorName,
        approvedBy: r.approverName ?? null,
        doneAt: (r.finishedAt ?? r.createdAt).getTime(),
      };
      pending.push({ step: s, text, actorName: r.actorName, audit: data, data });
    }
    for (const p of pending) {
      await deps.db.transaction(async (t) => {
        const tx = t as unknown as Db;
        // Serialise with other viewers of the same room so a step ticks once.
        await tx.execute(sql`select pg_advisory_xact_lock(7243005, hashtext(${row.id}))`);
        if (tickState(await events(tx, row.id)).get(p.step.id)) return;
        const at = new Date(now);
        const audit = await appendAudit(tx, {
          actorName: "system",
          action: "incident.step.tick",
          target: `incident:${row.id}`,
          params: { step: p.step.id, index: p.step.index, ...p.audit },
          outcome: "succeeded",
          responseSummary: p.text,
          at,
        });
        await tx.insert(incidentEvents).values({
          incidentId: row.id,
          at,
          kind: "step",
          actorId: null,
          actorName: p.actorName,
          text: p.text,
          ref: p.step.id,
          data: { ...p.data, index: p.step.index },
          auditSeq: audit.seq,
        });
      });
    }
    if (pending.length) evs = await events(deps.db, row.id);
  }

  const ticks = tickState(evs);
  const steps: RoomStep[] = (rb?.steps ?? []).map((s) => {
    const t = ticks.get(s.id);
    const b = s.binding;
    const { links, scopeNote } = controlLinks(s, scope, row.id);
    const check = b?.check ? resolveCheck(b.check, vars) : undefined;
    return {
      id: s.id,
      index: s.index,
      text: s.text,
      section: s.section,
      sectionId: s.sectionId,
      detail: s.detail,
      code: s.code,
      cautions: s.cautions,
      ...(s.alternatives ? { alternatives: s.alternatives } : {}),
      done: Boolean(t?.done),
      ...(t?.done ? { doneBy: t.by, doneAt: t.at, how: t.how ?? "manual" } : {}),
      ...(t?.done && t.control ? { tickedByControl: t.control } : {}),
      controls: links,
      ...(scopeNote ? { scopeNote } : {}),
      ...(check ? { check: { label: describeCheck(check), result: evaluateCheck(check, look, now) } } : {}),
      ...(b?.wait
        ? {
            wait: {
              label: describeWait(b.wait),
              state: evaluateWait(
                b.wait,
                {
                  startedAt: row.openedAt.getTime(),
                  baseline: "cycles" in b.wait ? baselines[b.wait.counter] : undefined,
                  entity: primaryEntity(vars),
                },
                look,
                now,
              ),
            },
          }
        : {}),
    };
  });

  const escalation: RoomEscalation[] = (rb?.escalation ?? []).map((e) => {
    if (!e.binding) return { id: e.id, text: e.text };
    const b = { ...e.binding, ...(e.binding.when ? { when: resolveCheck(e.binding.when, vars) } : {}) };
    return {
      id: e.id,
      text: e.text,
      label: describeEscalation(b),
      state: evaluateEscalation(
        b,
        { startedAt: row.openedAt.getTime(), baseline: baselines[b.counter], entity: primaryEntity(vars) },
        look,
        now,
      ),
    };
  });

  const relatedIds = [...new Set([...related.map((f) => f.id), ...(row.sourceFindingId ? [row.sourceFindingId] : [])])];
  // Finding history from a little before the incident opened: the onset belongs on the timeline.
  const since = new Date(row.openedAt.getTime() - 60 * 60_000);
  const transitions = relatedIds.length
    ? await deps.db
        .select()
        .from(findingTransitions)
        .where(
          and(
            inArray(findingTransitions.findingId, relatedIds),
            gte(findingTransitions.at, since),
            // Acknowledgements are merged in from their own table below.
            eq(findingTransitions.kind, "state"),
          ),
        )
        .orderBy(asc(findingTransitions.at))
        .limit(500)
    : [];
  const acks = relatedIds.length
    ? await deps.db
        .select()
        .from(findingAcks)
        .where(and(inArray(findingAcks.findingId, relatedIds), gte(findingAcks.at, since)))
    : [];
  const auditRows = reqs.length
    ? await deps.db
        .select({ seq: auditLog.seq, key: auditLog.idempotencyKey, outcome: auditLog.outcome })
        .from(auditLog)
        .where(
          inArray(
            auditLog.idempotencyKey,
            reqs.map((r) => r.idempotencyKey),
          ),
        )
        .orderBy(asc(auditLog.seq))
    : [];

  const controls: RoomControl[] = reqs.map((r) => {
    const rows = auditRows.filter((a) => a.key === r.idempotencyKey);
    const verification = r.verification as { ok: boolean | null; message: string } | null;
    const decided =
      r.approvalRequired && r.approverName
        ? r.state === "rejected"
          ? { rejectedBy: r.approverName }
          : { approvedBy: r.approverName }
        : {};
    return {
      id: r.id,
      label: r.control,
      target: r.target,
      outcome: r.state.replace(/_/g, " "),
      state: r.state,
      ...(verification ? { verification: verification.message } : {}),
      at: (r.finishedAt ?? r.createdAt).getTime(),
      requestedAt: r.createdAt.getTime(),
      ticketId: r.ticketId,
      ...(rows[0] ? { auditSeq: rows[0].seq } : {}),
      requestedBy: r.actorName,
      params: r.params as Record<string, unknown>,
      approvalRequired: r.approvalRequired,
      ...(r.approvalExpiresAt ? { approvalExpiresAt: r.approvalExpiresAt.getTime() } : {}),
      ...decided,
      ...(r.decidedAt ? { decidedAt: r.decidedAt.getTime() } : {}),
      ...(r.decisionNote ? { decisionNote: r.decisionNote } : {}),
      source: r.incidentId === row.id ? "incident" : "controls page",
    };
  });

  const timeline: TimelineEntry[] = [
    ...evs.map((e) => ({
      at: e.at.getTime(),
      kind: TIMELINE_KIND[e.kind],
      ...(e.actorName ? { actor: e.actorName } : {}),
      text: e.kind === "comms" ? `Communication update posted — ${e.text.replace(/\n+/g, " · ")}` : e.text,
      ...(e.auditSeq !== null ? { auditSeq: e.auditSeq } : {}),
      ...(e.ref ? { ref: e.ref } : {}),
    })),
    ...transitions.map((t) => ({
      at: t.at.getTime(),
      kind: "finding" as const,
      text: `${t.findingId}: ${t.fromState ?? "new"} → ${t.toState} (${t.severity}) — ${t.summary}`,
      ref: t.findingId,
    })),
    ...acks.map((a) => ({
      at: a.at.getTime(),
      kind: "ack" as const,
      actor: a.userName,
      text: `Acknowledged ${a.findingId}`,
      ref: a.findingId,
    })),
    ...reqs.flatMap((r) => {
      const rows = auditRows.filter((a) => a.key === r.idempotencyKey);
      const from = r.incidentId === row.id ? "" : " from the Controls page";
      const params = formatParams(r.params as Record<string, unknown>);
      const what = `Control ${r.control} on ${r.target} (${params})`;
      const out: TimelineEntry[] = [
        {
          at: r.createdAt.getTime(),
          kind: "control",
          actor: r.actorName,
          text: `Control ${r.control} on ${r.target} requested${from} (${params}; ticket ${r.ticketId})${r.approvalRequired ? "; needs a second person to approve" : ""}`,
          ref: r.id,
          ...(rows[0] ? { auditSeq: rows[0].seq } : {}),
        },
      ];
      if (r.approvalRequired && r.approverName && r.decidedAt) {
        const decision = rows.find((a) => a.outcome === "approved" || a.outcome === "rejected");
        out.push({
          at: r.decidedAt.getTime(),
          kind: "control",
          actor: r.approverName,
          text: `${what} ${r.state === "rejected" ? "rejected" : "approved"} by ${r.approverName}${r.decisionNote ? `: ${r.decisionNote}` : ""}`,
          ref: r.id,
          ...(decision ? { auditSeq: decision.seq } : {}),
        });
      }
      if (!r.finishedAt || r.state === "rejected") return out;
      const last = rows.findLast((a) => a.outcome !== "requested" && a.outcome !== "approved");
      const v = r.verification as { message?: string } | null;
      out.push({
        at: r.finishedAt.getTime(),
        kind: "control",
        text: `Control ${r.control} on ${r.target}: ${r.state.replace(/_/g, " ")}${approvalText(r)}${r.resultSummary ? ` — ${r.resultSummary}` : ""}${v?.message ? `; verification: ${v.message}` : ""}`,
        ref: r.id,
        ...(last ? { auditSeq: last.seq } : {}),
      });
      return out;
    }),
  ].sort((a, b) => a.at - b.at);

  const runs: ChecklistStepRun[] = steps.map((s) => ({
    index: s.index,
    text: s.text,
    section: s.section,
    done: s.done,
    ...(s.done ? { doneBy: s.doneBy, doneAt: s.doneAt, how: s.how } : {}),
  }));
  const comms = communicationUpdate({
    incident: { ...summary, affected: scope },
    openFindings: openRelated.map((f) => ({ system: f.system, entity: f.entity, severity: f.severity })),
    steps: runs,
    controls: controls.filter((c) => c.state === "succeeded"),
    now,
  });
  const posted = evs
    .filter((e) => e.kind === "comms")
    .map((e) => ({ at: e.at.getTime(), ...(e.actorName ? { by: e.actorName } : {}), text: e.text }));
  const due =
    summary.status === "resolved"
      ? null
      : nextUpdateDue({ severity: summary.severity, openedAt: summary.openedAt, posted });
  const sorted = related.sort(
    (a, b) => Number(a.state === "ok") - Number(b.state === "ok") || a.severity.localeCompare(b.severity),
  );
  return {
    incident: summary,
    commanderId: row.commanderId,
    responderIds: summary.responders.map((r) => r.id),
    runbook: rb ? { slug: rb.slug, title: rb.title } : null,
    runbookMissing: row.runbook && !rb ? row.runbook : null,
    steps,
    warnings: (rb?.warnings ?? []).map((w) => ({ id: w.id, text: w.text })),
    escalation,
    findings: sorted,
    openFindings: sorted.filter((f) => f.state !== "ok"),
    okFindings: groupOkFindings(sorted),
    namedByFindings,
    findingIds: relatedIds,
    historySince: since.getTime(),
    sourceFindingId: row.sourceFindingId,
    controls,
    awaitingApproval: controls.filter((c) => c.state === "pending_approval"),
    timeline,
    comms,
    posted,
    nextUpdate: due ? { ...due, overdue: now > due.dueAt } : null,
    resolveBlockers: summary.status === "resolved" ? [] : resolveBlockersOf(runs, openRelated),
    statusMoves: STATUS_MOVES[summary.status],
    now,
  };
}

/** The postmortem bundle (viewer or above): timeline, checklist as run, controls, evidence, audit verification. */
export async function exportPostmortem(
  deps: IncidentDeps,
  actor: Actor | null,
  id: unknown,
): Promise<PostmortemBundle> {
  requireRole(actor, "viewer");
  const room = await getIncidentRoom(deps, actor, id);
  const verdict = await verifyAuditChain(deps.db);
  const evidence: EvidenceItem[] = room.findings.map((f) => ({
    findingId: f.id,
    title: f.title,
    severity: f.severity,
    state: f.state,
    summary: f.summary,
    since: f.since,
    values: f.evidence.values.map((v) => ({ label: v.label, value: v.value, ...(v.at ? { at: v.at } : {}) })),
  }));
  return buildPostmortem({
    incident: room.incident,
    timeline: room.timeline,
    checklist: room.steps.map((s) => ({
      index: s.index,
      text: s.text,
      section: s.section,
      done: s.done,
      ...(s.done ? { doneBy: s.doneBy, doneAt: s.doneAt, how: s.how } : {}),
    })),
    warnings: room.warnings.map((w) => w.text),
    controls: room.controls.map(
      ({
        label,
        target,
        outcome,
        verification,
        at,
        ticketId,
        auditSeq,
        params,
        requestedBy,
        approvedBy,
        rejectedBy,
        decidedAt,
        source,
      }) => ({
        label,
        target,
        outcome,
        at,
        params,
        requestedBy,
        source,
        ...(verification ? { verification } : {}),
        ...(ticketId ? { ticketId } : {}),
        ...(auditSeq !== undefined ? { auditSeq } : {}),
        ...(approvedBy ? { approvedBy } : {}),
        ...(rejectedBy ? { rejectedBy } : {}),
        ...(decidedAt !== undefined ? { decidedAt } : {}),
      }),
    ),
    evidence,
    communications: room.posted,
    audit: {
      verified: verdict.ok,
      upToSeq: verdict.ok ? verdict.lastSeq : verdict.badSeq,
      checkedAt: verdict.verifiedAt.getTime(),
    },
    generatedAt: room.now,
    ticketUrlTemplate: deps.ticketUrlTemplate ?? null,
    boards: await boardsAtMoments(deps, room),
  });
}

/** The board at the incident's onset, peak and resolution, rebuilt from the finding history. */
async function boardsAtMoments(
  deps: IncidentDeps,
  room: IncidentRoom,
): Promise<NonNullable<Parameters<typeof buildPostmortem>[0]["boards"]>> {
  if (!deps.replayTargets) return [];
  const i = room.incident;
  const moments = await incidentMoments(deps.db, {
    sourceFindingId: room.sourceFindingId,
    openedAt: i.openedAt,
    resolvedAt: i.resolvedAt ?? null,
    findingIds: room.findingIds,
    now: room.now,
  });
  const targets = deps.replayTargets();
  const out: NonNullable<Parameters<typeof buildPostmortem>[0]["boards"]> = [];
  for (const moment of ["onset", "peak", "resolution"] as const) {
    const at = moments[moment];
    if (at === undefined) continue;
    out.push({ moment, board: summariseBoard(await replayBoard(deps.db, { at, targets })) });
  }
  return out;
}
