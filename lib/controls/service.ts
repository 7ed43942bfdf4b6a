import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { and, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { controlRequests, findings as findingsTable, type ControlRequestRow, type ControlState } from "../db/schema";
import { appendAudit, type AuditEntry } from "../audit/log";
import { canonicalJson } from "../audit/chain";
import { requireRole, roleAtLeast, type Actor, type Role } from "../auth/roles";
import { effectiveTimeoutMs, type FleetConfig, type TargetConfig } from "../config/fleet";
import { Conflict, Invalid, NotFound, RateLimited } from "../errors";
import {
  DEFAULT_SETTINGS,
  coerceParams,
  describeRequest,
  findControl,
  paramIssues,
  policyFor,
  reasonProblem,
  type BlastFact,
  type Condition,
  type ControlDef,
  type ControlPolicy,
  type ControlSettings,
  type Preview,
  type Verification,
} from "./catalog";
import { auditLog } from "../db/schema";
import { callControl, readTargetState, type CallOutcome, type StateRead, type TargetAccess } from "./target-client";
import type { TargetState } from "./state";

// The audited control executor. One verb per function, each authorising inside:
//   executeControl: validate → authorise → (same key? first answer) → confirm → rate limit →
//     record + audit `requested` in one transaction (no audit row, no call) → call → audit outcome
//     → re-read the target → audit verification.
//   approveControl / rejectControl: a second person with the needed role decides a critical request.
//   recoverInterruptedControls: start-up sweep for calls that never got an outcome.
// Exactly-once per idempotency key comes from the unique key column: only the transaction that
// inserts the row calls the target; every other submission with that key waits for its outcome.

export interface ControlDeps {
  db: Db;
  config: FleetConfig;
  /** Resolves a secret named by the fleet config (lib/env readNamedSecret in production). */
  secret(name: string): string | undefined;
  now?: () => Date;
  /** Overrides for the critical list and the second-person rule (defaults: DESIGN.md). */
  settings?: Partial<ControlSettings>;
  /** Timeout for the control call and state reads; default max(target timeout, 5 s). */
  callTimeoutMs?: number;
}

export const ControlRequestInput = z.object({
  target: z.string({ error: "choose a system" }).trim().min(1, "choose a system"),
  control: z.string({ error: "choose a control" }).trim().min(1, "choose a control"),
  params: z.record(z.string(), z.unknown()).default({}),
  reason: z.unknown().optional(),
  ticketId: z.unknown().optional(),
  idempotencyKey: z
    .string()
    .trim()
    .min(8, "idempotency key too short")
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, "idempotency key has unexpected characters")
    .optional(),
  confirm: z.string().optional(),
  /** A commander's reason to send a restore although a runbook condition fails (audited as an override). */
  override: z.string().max(2000, "keep the override reason under 2000 characters").optional(),
  /** The incident the request was made from (the incident room's control links); empty = none. */
  incidentId: z
    .union([
      z.literal("").transform(() => undefined),
      z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "not an incident id"),
    ])
    .optional(),
});
export type ControlRequestInput = z.input<typeof ControlRequestInput>;

export interface ControlRequestView {
  id: string;
  idempotencyKey: string;
  target: string;
  targetKind: string;
  control: string;
  title: string;
  /** The request in words with its parameters: "Set symbol mode: BTC-USD → CANCEL_ONLY". */
  description: string;
  params: Record<string, unknown>;
  reason: string;
  ticketId: string;
  tier: string;
  requiredRole: string;
  state: ControlState;
  requestedBy: string;
  requestedById: string;
  approvalRequired: boolean;
  approvalExpiresAt: number | null;
  approvedBy: string | null;
  decisionNote: string | null;
  preview: string | null;
  resultSummary: string | null;
  /** The target's answer body, where it gave one (a dry run's plan lives here). */
  answer: unknown;
  verification: Verification | null;
  createdAt: number;
  finishedAt: number | null;
  /** True when this submission found an earlier one with the same key and returned its result. */
  replayed: boolean;
  /** For a restoring request: the protection it lifts (why the halt was put on). Filled by withRestores. */
  restores?: Protection | null;
}

/** The succeeded protective request a restore would lift, from its record and audit row. */
export interface Protection {
  requestId: string;
  description: string;
  reason: string;
  ticketId: string;
  by: string;
  approvedBy: string | null;
  at: number;
  /** The `requested` audit row of that request (the audit log's row number). */
  auditSeq: number | null;
}

/** A preview older than this is read again before the control is sent (an approval can take minutes). */
export const PREVIEW_MAX_AGE_MS = 30_000;

// States a replay returns at once (pending_approval included: it waits for a person, not for us).
const SETTLED: ControlState[] = ["succeeded", "failed", "outcome_unknown", "expired", "rejected", "pending_approval"];

function settingsOf(deps: ControlDeps): ControlSettings {
  return { ...DEFAULT_SETTINGS, ...deps.settings };
}
function nowOf(deps: ControlDeps): Date {
  return new Date(Math.floor((deps.now?.() ?? new Date()).getTime()));
}
/** How long a control call to `t` may take before it counts as outcome unknown. */
export function callTimeoutFor(config: FleetConfig, t: TargetConfig): number {
  return t.controlTimeoutMs ?? Math.max(effectiveTimeoutMs(config, t), 5000);
}
function timeoutFor(deps: ControlDeps, t: TargetConfig): number {
  return deps.callTimeoutMs ?? callTimeoutFor(deps.config, t);
}
function access(deps: ControlDeps, t: TargetConfig, timeoutMs = timeoutFor(deps, t)): TargetAccess {
  return {
    target: t,
    token: t.credentials.bearerTokenEnv ? deps.secret(t.credentials.bearerTokenEnv) : undefined,
    timeoutMs,
  };
}

export function toView(row: ControlRequestRow, replayed = false): ControlRequestView {
  const def = findControl(row.targetKind, row.control);
  const result = row.result as { body?: unknown } | null;
  return {
    id: row.id,
    idempotencyKey: row.idempotencyKey,
    target: row.target,
    targetKind: row.targetKind,
    control: row.control,
    title: def?.title ?? row.control,
    description: describeRequest(row.targetKind, row.control, row.params as Record<string, unknown>),
    params: row.params as Record<string, unknown>,
    reason: row.reason,
    ticketId: row.ticketId,
    tier: row.tier,
    requiredRole: row.requiredRole,
    state: row.state,
    requestedBy: row.actorName,
    requestedById: row.actorId,
    approvalRequired: row.approvalRequired,
    approvalExpiresAt: row.approvalExpiresAt?.getTime() ?? null,
    approvedBy: row.approverName,
    decisionNote: row.decisionNote,
    preview: row.preview,
    resultSummary: row.resultSummary,
    answer: result?.body ?? null,
    verification: (row.verification as Verification | null) ?? null,
    createdAt: row.createdAt.getTime(),
    finishedAt: row.finishedAt?.getTime() ?? null,
    replayed,
  };
}

interface Parsed {
  target: TargetConfig;
  def: ControlDef;
  params: Record<string, unknown>;
  policy: ControlPolicy;
  reason: string;
  ticketId: string;
  idempotencyKey: string | undefined;
  confirm: string | undefined;
  override: string | undefined;
  incidentId: string | undefined;
}

/**
 * Validates everything a request carries and names each bad field: target, control, params.<x>,
 * reason, ticketId. `forPreview` skips reason and ticket (a preview changes nothing).
 */
function parseRequest(deps: ControlDeps, input: unknown, forPreview = false): Parsed {
  const base = ControlRequestInput.safeParse(input ?? {});
  const fieldErrors: Record<string, string[]> = {};
  const add = (k: string, m: string) => (fieldErrors[k] ??= []).push(m);
  if (!base.success) {
    for (const i of base.error.issues) add(i.path.join(".") || "form", i.message);
    throw new Invalid(`${Object.keys(fieldErrors)[0]}: ${Object.values(fieldErrors)[0]?.[0]}`, fieldErrors);
  }
  const b = base.data;
  if (!forPreview) {
    const rp = reasonProblem(b.reason);
    if (rp) add("reason", rp);
    const ticket = typeof b.ticketId === "string" ? b.ticketId.trim() : "";
    if (!ticket) add("ticketId", "a ticket ID is required");
    else if (!new RegExp(deps.config.controls.ticketPattern).test(ticket))
      add("ticketId", "must look like ABC-123 (the configured ticket pattern)");
  }
  const target = deps.config.targets.find((t) => t.name === b.target);
  if (!target) add("target", `no system named "${b.target}" in the fleet`);
  const def = target ? findControl(target.kind, b.control) : undefined;
  if (target && !def) add("control", `${target.name} (${target.kind}) has no control "${b.control}"`);
  let params: Record<string, unknown> = {};
  if (def) {
    const parsed = def.schema.safeParse(coerceParams(def, b.params));
    if (!parsed.success) Object.assign(fieldErrors, paramIssues(parsed.error));
    else params = parsed.data;
  }
  const keys = Object.keys(fieldErrors);
  if (keys.length) throw new Invalid(`${keys[0]}: ${fieldErrors[keys[0]!]![0]}`, fieldErrors);
  return {
    target: target!,
    def: def!,
    params,
    policy: policyFor(def!, params, target!.name, settingsOf(deps)),
    reason: typeof b.reason === "string" ? b.reason.trim() : "",
    ticketId: typeof b.ticketId === "string" ? b.ticketId.trim() : "",
    idempotencyKey: b.idempotencyKey,
    confirm: b.confirm,
    override: typeof b.override === "string" && b.override.trim() ? b.override.trim() : undefined,
    incidentId: b.incidentId,
  };
}

function fingerprintOf(actorId: string, p: Parsed): string {
  return createHash("sha256")
    .update(canonicalJson({ actorId, target: p.target.name, control: p.def.id, params: p.params }))
    .digest("hex");
}

function auditBase(
  row: ControlRequestRow,
): Pick<AuditEntry, "action" | "target" | "params" | "reason" | "ticketId" | "idempotencyKey"> {
  return {
    action: `control.${row.control}`,
    target: row.target,
    params: row.params,
    reason: row.reason,
    ticketId: row.ticketId,
    idempotencyKey: row.idempotencyKey,
  };
}

function requesterOf(row: ControlRequestRow): AuditEntry["actor"] {
  return { id: row.actorId, username: row.actorName, role: row.actorRole as Role };
}

async function byKey(db: Db, key: string): Promise<ControlRequestRow | undefined> {
  const [row] = await db.select().from(controlRequests).where(eq(controlRequests.idempotencyKey, key));
  return row;
}
async function byId(db: Db, id: string): Promise<ControlRequestRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await db.select().from(controlRequests).where(eq(controlRequests.id, id));
  return row;
}

/** Same key again: refuse if it was for something else, else wait for the first outcome and return it. */
async function replay(
  deps: ControlDeps,
  row: ControlRequestRow,
  fingerprint: string,
  waitMs: number,
): Promise<ControlRequestView> {
  if (row.fingerprint !== fingerprint) {
    throw new Conflict(
      "This idempotency key was already used for a different request; nothing was sent. Start a new form to make a new request.",
    );
  }
  const deadline = Date.now() + waitMs;
  let current = row;
  while (!SETTLED.includes(current.state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const again = await byId(deps.db, row.id);
    if (!again) break;
    current = again;
  }
  return toView(current, true);
}

async function rateLimit(deps: ControlDeps, actor: Actor, p: Parsed, now: Date): Promise<void> {
  const limit = deps.config.controls.rateLimitPerMinute;
  const [row] = await deps.db
    .select({ n: sql<number>`count(*)::int` })
    .from(controlRequests)
    .where(
      and(eq(controlRequests.actorId, actor.id), gte(controlRequests.createdAt, new Date(now.getTime() - 60_000))),
    );
  if (Number(row?.n ?? 0) < limit) return;
  await appendAudit(deps.db, {
    actor,
    action: `control.${p.def.id}`,
    target: p.target.name,
    params: p.params,
    reason: p.reason,
    ticketId: p.ticketId,
    idempotencyKey: p.idempotencyKey ?? null,
    outcome: "rate_limited",
    responseSummary: `more than ${limit} control requests in a minute`,
  });
  throw new RateLimited(
    `You have made ${limit} control requests in the last minute (the limit). Wait a minute and submit again; nothing was sent.`,
  );
}

function previewText(
  read: StateRead,
  def: ControlDef,
  params: Record<string, unknown>,
  target: string,
): { text: string; preview: Preview | null } {
  if (!read.ok) return { text: `current state unavailable (${read.error})`, preview: null };
  const pv = def.preview(read.state, params, target);
  const blast = (pv.blast ?? []).map((f) => `${f.label}: ${f.value}`);
  return { text: [pv.change, ...pv.notes, ...blast].join("; "), preview: pv };
}

/**
 * The latest succeeded protective request on the same subject as this restoring one (a NORMAL
 * after a HARD_HALT of the symbol or of every symbol, withdrawals on after the halt, a resume after
 * the pause), with its `requested` audit row: why the protection was put on.
 */
export async function protectionBehind(
  db: Db,
  target: string,
  kind: string,
  control: string,
  params: Record<string, unknown>,
  before: Date,
): Promise<Protection | null> {
  const def = findControl(kind, control);
  if (!def?.subject || def.direction(params) !== "restoring") return null;
  const subject = def.subject(params);
  if (!subject) return null;
  const rows = await db
    .select()
    .from(controlRequests)
    .where(
      and(
        eq(controlRequests.target, target),
        eq(controlRequests.state, "succeeded"),
        lt(controlRequests.createdAt, before),
      ),
    )
    .orderBy(desc(controlRequests.createdAt))
    .limit(200);
  const covers = (s: string) =>
    s === subject ||
    (subject.startsWith("symbol:") && (s === "symbol:*" || subject === "symbol:*") && s.startsWith("symbol:"));
  for (const r of rows) {
    const d = findControl(r.targetKind, r.control);
    const p = r.params as Record<string, unknown>;
    if (!d?.subject) continue;
    const s = d.subject(p);
    if (!s || !covers(s)) continue;
    // The latest control on the subject decides: if it already restored, there is no protection to lift.
    if (d.direction(p) !== "protective") return null;
    const [audit] = await db
      .select({ seq: auditLog.seq })
      .from(auditLog)
      .where(and(eq(auditLog.idempotencyKey, r.idempotencyKey), eq(auditLog.outcome, "requested")))
      .limit(1);
    return {
      requestId: r.id,
      description: describeRequest(r.targetKind, r.control, p),
      reason: r.reason,
      ticketId: r.ticketId,
      by: r.actorName,
      approvedBy: r.approverName,
      at: (r.finishedAt ?? r.createdAt).getTime(),
      auditSeq: audit ? Number(audit.seq) : null,
    };
  }
  return null;
}

/** Rules whose open finding means the exchange's ledger does not balance. */
const LEDGER_RULES = ["exchange_ledger_invariant", "ledger_seq_mismatch"];

/**
 * The runbook's conditions for this request, live: the control's own (from the target's state)
 * and, for withdrawals back on, that no ledger finding is open on the exchange (the ledger
 * invariant runbook: do not reopen withdrawals before the ledger balances). Empty for
 * anything but a restore.
 */
export async function conditionsFor(
  db: Db,
  target: TargetConfig,
  def: ControlDef,
  params: Record<string, unknown>,
  read: StateRead,
): Promise<Condition[]> {
  if (def.direction(params) !== "restoring") return [];
  const out = def.conditions?.(read.ok ? read.state : null, params) ?? [];
  if (def.id === "withdrawals-halt") {
    const open = await db
      .select({ ruleId: findingsTable.ruleId, severity: findingsTable.severity, state: findingsTable.state })
      .from(findingsTable)
      .where(
        and(
          eq(findingsTable.system, target.name),
          inArray(findingsTable.ruleId, LEDGER_RULES),
          sql`${findingsTable.state} <> 'ok'`,
        ),
      );
    out.push({
      id: "ledger-balances",
      label: "The ledger balances: no ledger finding open on this exchange",
      source: "Ledger invariant violation runbook: do not reopen withdrawals before the ledger balances",
      ok: open.length === 0,
      detail: open.length
        ? `${open.map((f) => `${f.ruleId} ${f.severity} ${f.state}`).join(", ")}`
        : "no ledger finding open",
    });
  }
  return out;
}

/** Views with `restores` filled for restoring requests. */
export async function withRestores(db: Db, views: ControlRequestView[]): Promise<ControlRequestView[]> {
  return Promise.all(
    views.map(async (v) => ({
      ...v,
      restores: await protectionBehind(db, v.target, v.targetKind, v.control, v.params, new Date(v.createdAt)),
    })),
  );
}

export interface ControlPreview {
  target: string;
  control: string;
  title: string;
  policy: ControlPolicy;
  change: string;
  notes: string[];
  /** The blast radius read live from the target (empty when it reports none). */
  blast: BlastFact[];
  /** When the target was read (ms). */
  readAt: number;
  /** For a restore: the protection it lifts. */
  restores: Protection | null;
  /** For a restore: the runbook's conditions, checked now. */
  conditions: Condition[];
  stateError: string | null;
}

/** What the control would change, read from the target now. Changes nothing; responder or above. */
export async function previewControl(deps: ControlDeps, actor: Actor | null, input: unknown): Promise<ControlPreview> {
  requireRole(actor, "responder");
  const p = parseRequest(deps, input, true);
  requireRole(actor, p.policy.role);
  const read = await readTargetState(access(deps, p.target, Math.min(timeoutFor(deps, p.target), 3000)));
  const pv = read.ok ? p.def.preview(read.state, p.params, p.target.name) : null;
  return {
    target: p.target.name,
    control: p.def.id,
    title: p.def.title,
    policy: p.policy,
    change: pv?.change ?? "current state unavailable",
    notes: pv?.notes ?? [],
    blast: pv?.blast ?? [],
    readAt: nowOf(deps).getTime(),
    restores: await protectionBehind(deps.db, p.target.name, p.target.kind, p.def.id, p.params, nowOf(deps)),
    conditions: await conditionsFor(deps.db, p.target, p.def, p.params, read),
    stateError: read.ok ? null : read.error,
  };
}

export async function executeControl(
  deps: ControlDeps,
  actor: Actor | null,
  input: unknown,
): Promise<ControlRequestView> {
  // The lowest role any control needs, before anything else: anonymous callers and viewers learn nothing.
  requireRole(actor, "responder");
  const p = parseRequest(deps, input);
  requireRole(actor, p.policy.role);
  const db = deps.db;
  const fingerprint = fingerprintOf(actor.id, p);
  const key = p.idempotencyKey ?? randomUUID();
  const waitMs = timeoutFor(deps, p.target) * 2 + 2000;

  const existing = await byKey(db, key);
  if (existing) return replay(deps, existing, fingerprint, waitMs);

  if (p.policy.confirm !== null && (p.confirm ?? "").trim() !== p.policy.confirm) {
    throw new Invalid(`confirm: type ${p.policy.confirm} to confirm`, {
      confirm: [`type ${p.policy.confirm} exactly to confirm`],
    });
  }
  const now = nowOf(deps);
  await rateLimit(deps, actor, p, now);

  const before = await readTargetState(access(deps, p.target, Math.min(timeoutFor(deps, p.target), 3000)));
  // A restore whose runbook condition fails (or cannot be checked) is refused, unless a commander
  // overrides it with a reason: the override is audited with the conditions it overrode.
  const failing = (await conditionsFor(db, p.target, p.def, p.params, before)).filter((c) => c.ok !== true);
  if (failing.length && !p.override) {
    const msgs = failing.map(
      (c) => `${c.label} — ${c.ok === null ? "cannot be checked" : "fails"}: ${c.detail} (${c.source})`,
    );
    throw new Invalid(`conditions: ${msgs[0]}`, { conditions: msgs });
  }
  if (failing.length && p.override) {
    if (!roleAtLeast(actor.role, "commander"))
      throw new Invalid("override: only a commander can override a runbook condition", {
        override: ["only a commander can override a runbook condition"],
      });
    const rp = reasonProblem(p.override);
    if (rp) throw new Invalid(`override: ${rp}`, { override: [rp.replace("reason", "reason for the override")] });
  }
  const overridden =
    failing.length && p.override
      ? {
          reason: p.override,
          conditions: failing.map((c) => ({ id: c.id, label: c.label, ok: c.ok, detail: c.detail, source: c.source })),
        }
      : null;
  const { text: preview, preview: pv } = previewText(before, p.def, p.params, p.target.name);
  const ttlMs = deps.config.controls.approvalTtlMinutes * 60_000;
  const restores = await protectionBehind(db, p.target.name, p.target.kind, p.def.id, p.params, now);

  // Record and audit `requested` together: if the audit write fails the row rolls back and no call is made.
  const inserted = await db.transaction(async (tx) => {
    const rows = await tx
      .insert(controlRequests)
      .values({
        idempotencyKey: key,
        fingerprint,
        actorId: actor.id,
        actorName: actor.username,
        actorRole: actor.role,
        target: p.target.name,
        targetKind: p.target.kind,
        control: p.def.id,
        params: p.params,
        reason: p.reason,
        ticketId: p.ticketId,
        tier: p.policy.tier,
        requiredRole: p.policy.role,
        state: p.policy.secondPerson ? "pending_approval" : "executing",
        preview,
        approvalRequired: p.policy.secondPerson,
        approvalExpiresAt: p.policy.secondPerson ? new Date(now.getTime() + ttlMs) : null,
        createdAt: now,
        updatedAt: now,
        startedAt: p.policy.secondPerson ? null : now,
        incidentId: p.incidentId ?? null,
      })
      .onConflictDoNothing({ target: controlRequests.idempotencyKey })
      .returning();
    const row = rows[0];
    if (!row) return null;
    await appendAudit(tx as unknown as Db, {
      ...auditBase(row),
      actor,
      params: {
        ...p.params,
        tier: p.policy.tier,
        direction: p.policy.direction,
        role: p.policy.role,
        secondPerson: p.policy.secondPerson,
        watchMinutes: p.policy.watchMinutes,
        preview,
        // The blast radius as read from the target when the request was made.
        blastRadius: pv?.blast ?? null,
        previewReadAt: now.toISOString(),
        ...(before.ok ? {} : { previewError: before.error }),
        ...(overridden ? { override: overridden } : {}),
        ...(restores
          ? {
              restores: {
                request: restores.requestId,
                auditSeq: restores.auditSeq,
                control: restores.description,
                reason: restores.reason,
                ticketId: restores.ticketId,
                by: restores.by,
              },
            }
          : {}),
        ...(p.incidentId ? { incident: p.incidentId } : {}),
      },
      outcome: "requested",
      responseSummary: p.policy.secondPerson
        ? `waiting for a second ${p.policy.role} (expires ${new Date(now.getTime() + ttlMs).toISOString()})`
        : null,
      at: now,
    });
    if (overridden) {
      await appendAudit(tx as unknown as Db, {
        ...auditBase(row),
        actor,
        reason: overridden.reason,
        params: { ...p.params, override: overridden.conditions },
        outcome: "override",
        responseSummary:
          `sent although the runbook requires: ${overridden.conditions.map((c) => `${c.label} (${c.detail})`).join("; ")}`.slice(
            0,
            1000,
          ),
        at: now,
      });
    }
    return row;
  });
  if (!inserted) {
    const first = await byKey(db, key);
    if (!first)
      throw new Conflict(
        "A request with this key was being recorded at the same moment and did not complete; nothing was sent. Submit again.",
      );
    return replay(deps, first, fingerprint, waitMs);
  }
  if (inserted.state === "pending_approval") return { ...toView(inserted), restores };
  return run(deps, inserted, p.target, before.ok ? before.state : null);
}

/** Calls the target for a row already in `executing`, then records outcome and verification. */
async function run(
  deps: ControlDeps,
  row: ControlRequestRow,
  target: TargetConfig,
  before: TargetState | null,
): Promise<ControlRequestView> {
  const db = deps.db;
  const def = findControl(row.targetKind, row.control)!;
  const params = row.params as Record<string, unknown>;
  const outcome: CallOutcome = await callControl(access(deps, target), row.control, {
    reason: row.reason,
    ticketId: row.ticketId,
    actor: row.approverName ? `${row.actorName} (approved by ${row.approverName})` : row.actorName,
    idempotencyKey: row.idempotencyKey,
    params,
  });
  const finished = nowOf(deps);
  let state: ControlState;
  let summary: string;
  let result: unknown;
  if (outcome.kind === "answer") {
    const ok = outcome.status >= 200 && outcome.status < 300;
    state = ok ? "succeeded" : "failed";
    const body = outcome.body as { message?: unknown; error?: unknown } | null;
    summary = ok
      ? `HTTP ${outcome.status}: ${canonicalJson((outcome.body as { result?: unknown } | null)?.result ?? outcome.body).slice(0, 300)}`
      : `HTTP ${outcome.status}: ${typeof body?.message === "string" ? body.message : typeof body?.error === "string" ? body.error : "refused"}`;
    result = { status: outcome.status, body: outcome.body };
  } else if (outcome.kind === "not_delivered") {
    state = "failed";
    summary = `not delivered: ${outcome.detail}`;
    result = { error: outcome.detail, delivered: false };
  } else {
    state = "outcome_unknown";
    summary = `outcome unknown: ${outcome.detail} — the target may or may not have acted; check it, then re-send with the same key`;
    result = { error: outcome.detail, delivered: "unknown" };
  }
  const [updated] = await db
    .update(controlRequests)
    .set({ state, result: result as object, resultSummary: summary, updatedAt: finished, finishedAt: finished })
    .where(eq(controlRequests.id, row.id))
    .returning();
  await safeAudit(db, {
    ...auditBase(row),
    actor: requesterOf(row),
    approval: approvalOf(row),
    outcome: state === "outcome_unknown" ? "outcome_unknown" : state,
    responseSummary: summary,
    at: finished,
  });
  if (state !== "succeeded") return toView(updated!);

  const after = await readTargetState(access(deps, target, Math.min(timeoutFor(deps, target), 3000)));
  const verification: Verification = after.ok
    ? def.verify(after.state, params, (outcome as { body: unknown }).body, before)
    : { ok: null, message: `could not re-read the target: ${after.error}` };
  const [verified] = await db
    .update(controlRequests)
    .set({ verification, updatedAt: nowOf(deps) })
    .where(eq(controlRequests.id, row.id))
    .returning();
  await safeAudit(db, {
    ...auditBase(row),
    actorName: "system",
    outcome: verification.ok === true ? "verified" : verification.ok === false ? "not_verified" : "unverified",
    responseSummary: verification.message,
  });
  return toView(verified!);
}

function approvalOf(row: ControlRequestRow): unknown {
  return row.approvalRequired
    ? { requestedBy: row.actorName, approvedBy: row.approverName, decidedAt: row.decidedAt?.toISOString() ?? null }
    : null;
}

/** After the call has been made, an audit failure must not hide the outcome: log it; the request row keeps it. */
async function safeAudit(db: Db, entry: AuditEntry): Promise<void> {
  try {
    await appendAudit(db, entry);
  } catch (err) {
    console.error(
      `[watchfloor] audit write failed after a control call (${entry.action} ${entry.outcome}, key ${entry.idempotencyKey}):`,
      err,
    );
  }
}

async function loadForDecision(deps: ControlDeps, actor: Actor, id: string): Promise<ControlRequestRow> {
  const row = await byId(deps.db, id);
  if (!row) throw new NotFound("No such control request.");
  requireRole(actor, row.requiredRole as Role);
  if (row.actorId === actor.id)
    throw new Conflict("You requested this control; a second person must approve or reject it.");
  if (row.state !== "pending_approval") throw new Conflict(`This request is already ${row.state.replace("_", " ")}.`);
  if (row.approvalExpiresAt && row.approvalExpiresAt.getTime() <= nowOf(deps).getTime()) {
    await expirePendingApprovals(deps);
    throw new Conflict(
      "This request expired before it was approved; nothing was sent. The requester can submit it again.",
    );
  }
  return row;
}

/** A second user with the needed role approves a critical request; the call is then made once. */
export async function approveControl(
  deps: ControlDeps,
  actor: Actor | null,
  requestId: unknown,
): Promise<ControlRequestView> {
  requireRole(actor, "responder");
  const row = await loadForDecision(deps, actor, String(requestId ?? ""));
  const target = deps.config.targets.find((t) => t.name === row.target);
  if (!target) throw new NotFound(`System ${row.target} is no longer in the fleet config; nothing was sent.`);
  const now = nowOf(deps);
  const approved = await deps.db.transaction(async (tx) => {
    const [r] = await tx
      .update(controlRequests)
      .set({ state: "approved", approverId: actor.id, approverName: actor.username, decidedAt: now, updatedAt: now })
      .where(and(eq(controlRequests.id, row.id), eq(controlRequests.state, "pending_approval")))
      .returning();
    if (!r) return null;
    await appendAudit(tx as unknown as Db, {
      ...auditBase(r),
      actor,
      approval: { requestedBy: r.actorName, approvedBy: actor.username, decidedAt: now.toISOString() },
      outcome: "approved",
      at: now,
    });
    return r;
  });
  if (!approved) throw new Conflict("Someone else decided this request a moment ago.");
  const before = await readTargetState(access(deps, target, Math.min(timeoutFor(deps, target), 3000)));
  // The preview the requester saw may be minutes old: one older than 30 s is read again and
  // recorded before the call, so the audit shows the reach the control had when it was sent.
  const age = nowOf(deps).getTime() - row.createdAt.getTime();
  if (age > PREVIEW_MAX_AGE_MS) {
    const def = findControl(row.targetKind, row.control)!;
    const { text, preview: pv } = previewText(before, def, row.params as Record<string, unknown>, row.target);
    await appendAudit(deps.db, {
      ...auditBase(row),
      actorName: "system",
      params: {
        ...(row.params as Record<string, unknown>),
        preview: text,
        blastRadius: pv?.blast ?? null,
        previewReadAt: nowOf(deps).toISOString(),
        previousPreviewAgeSeconds: Math.round(age / 1000),
      },
      outcome: "preview_refreshed",
      responseSummary:
        `preview read again before the call (the one shown was ${Math.round(age / 1000)} s old): ${text}`.slice(
          0,
          1000,
        ),
    });
    await deps.db
      .update(controlRequests)
      .set({ preview: text, updatedAt: nowOf(deps) })
      .where(eq(controlRequests.id, row.id));
  }
  const [executing] = await deps.db
    .update(controlRequests)
    .set({ state: "executing", startedAt: nowOf(deps), updatedAt: nowOf(deps) })
    .where(and(eq(controlRequests.id, row.id), eq(controlRequests.state, "approved")))
    .returning();
  if (!executing) throw new Conflict("This request changed state while it was being approved; nothing was sent.");
  return run(deps, executing, target, before.ok ? before.state : null);
}

export async function rejectControl(
  deps: ControlDeps,
  actor: Actor | null,
  requestId: unknown,
  note?: unknown,
): Promise<ControlRequestView> {
  requireRole(actor, "responder");
  const row = await loadForDecision(deps, actor, String(requestId ?? ""));
  const text = typeof note === "string" && note.trim() ? note.trim().slice(0, 500) : null;
  const now = nowOf(deps);
  const rejected = await deps.db.transaction(async (tx) => {
    const [r] = await tx
      .update(controlRequests)
      .set({
        state: "rejected",
        approverId: actor.id,
        approverName: actor.username,
        decidedAt: now,
        decisionNote: text,
        updatedAt: now,
        finishedAt: now,
      })
      .where(and(eq(controlRequests.id, row.id), eq(controlRequests.state, "pending_approval")))
      .returning();
    if (!r) return null;
    await appendAudit(tx as unknown as Db, {
      ...auditBase(r),
      actor,
      approval: { requestedBy: r.actorName, rejectedBy: actor.username, decidedAt: now.toISOString(), note: text },
      outcome: "rejected",
      at: now,
    });
    return r;
  });
  if (!rejected) throw new Conflict("Someone else decided this request a moment ago.");
  return toView(rejected);
}

/** Marks pending requests past their approval expiry as expired (audited). Returns how many. */
export async function expirePendingApprovals(deps: Pick<ControlDeps, "db" | "now">): Promise<number> {
  const now = nowOf(deps as ControlDeps);
  const due = await deps.db
    .select()
    .from(controlRequests)
    .where(and(eq(controlRequests.state, "pending_approval"), lt(controlRequests.approvalExpiresAt, now)));
  let n = 0;
  for (const row of due) {
    const done = await deps.db.transaction(async (tx) => {
      const [r] = await tx
        .update(controlRequests)
        .set({ state: "expired", updatedAt: now, finishedAt: now })
        .where(and(eq(controlRequests.id, row.id), eq(controlRequests.state, "pending_approval")))
        .returning();
      if (!r) return false;
      await appendAudit(tx as unknown as Db, {
        ...auditBase(r),
        actorName: "system",
        outcome: "expired",
        responseSummary: "no second person approved it in time; nothing was sent",
      });
      return true;
    });
    if (done) n++;
  }
  return n;
}

/**
 * Start-up recovery: a request left `executing` (the process died mid-call) becomes
 * `outcome_unknown` — the target may have acted — and one left `approved` (died before the call)
 * becomes `failed`, not sent. Only rows untouched for `olderThanMs` are swept, so a call in flight
 * on another console instance is left alone. Returns the rows it marked.
 */
export async function recoverInterruptedControls(
  db: Db,
  opts: { now?: Date; olderThanMs?: number } = {},
): Promise<ControlRequestView[]> {
  const now = opts.now ?? new Date();
  const cutoff = new Date(now.getTime() - (opts.olderThanMs ?? 30_000));
  const stuck = await db
    .select()
    .from(controlRequests)
    .where(and(inArray(controlRequests.state, ["executing", "approved"]), lt(controlRequests.updatedAt, cutoff)));
  const out: ControlRequestView[] = [];
  for (const row of stuck) {
    const unknown = row.state === "executing";
    const summary = unknown
      ? "outcome unknown: the console stopped during the call — check the target, then re-send with the same key"
      : "not sent: the console stopped after approval and before the call; submit again";
    const marked = await db.transaction(async (tx) => {
      const [r] = await tx
        .update(controlRequests)
        .set({ state: unknown ? "outcome_unknown" : "failed", resultSummary: summary, updatedAt: now, finishedAt: now })
        .where(and(eq(controlRequests.id, row.id), eq(controlRequests.state, row.state)))
        .returning();
      if (!r) return null;
      await appendAudit(tx as unknown as Db, {
        ...auditBase(r),
        actorName: "system",
        approval: approvalOf(r),
        outcome: unknown ? "outcome_unknown" : "failed",
        responseSummary: summary,
      });
      return r;
    });
    if (marked) out.push(toView(marked));
  }
  return out;
}

/**
 * Re-sends an `outcome_unknown` request with its original idempotency key: the target either
 * replays the answer it gave the first time or runs the control for the first time — never twice.
 */
export async function resendUnknownControl(
  deps: ControlDeps,
  actor: Actor | null,
  requestId: unknown,
): Promise<ControlRequestView> {
  requireRole(actor, "responder");
  const row = await byId(deps.db, String(requestId ?? ""));
  if (!row) throw new NotFound("No such control request.");
  requireRole(actor, row.requiredRole as Role);
  if (row.state !== "outcome_unknown")
    throw new Conflict(
      `Only requests with an unknown outcome can be re-sent; this one is ${row.state.replace("_", " ")}.`,
    );
  const target = deps.config.targets.find((t) => t.name === row.target);
  if (!target) throw new NotFound(`System ${row.target} is no longer in the fleet config.`);
  const now = nowOf(deps);
  const claimed = await deps.db.transaction(async (tx) => {
    const [r] = await tx
      .update(controlRequests)
      .set({ state: "executing", startedAt: now, updatedAt: now })
      .where(and(eq(controlRequests.id, row.id), eq(controlRequests.state, "outcome_unknown")))
      .returning();
    if (!r) return null;
    await appendAudit(tx as unknown as Db, {
      ...auditBase(r),
      actor,
      approval: approvalOf(r),
      outcome: "resent",
      responseSummary: "re-sent with the original idempotency key",
      at: now,
    });
    return r;
  });
  if (!claimed) throw new Conflict("Someone else is re-sending this request.");
  return run(deps, claimed, target, null);
}

export async function listControlRequests(
  db: Db,
  actor: Actor | null,
  opts: { states?: ControlState[]; limit?: number } = {},
): Promise<ControlRequestView[]> {
  requireRole(actor, "viewer");
  const rows = await db
    .select()
    .from(controlRequests)
    .where(opts.states?.length ? inArray(controlRequests.state, opts.states) : undefined)
    .orderBy(desc(controlRequests.createdAt))
    .limit(Math.min(opts.limit ?? 50, 500));
  return rows.map((r) => toView(r));
}

/** One request by id (what its requester's page polls while it waits for a decision). Viewer or above. */
export async function getControlRequest(db: Db, actor: Actor | null, id: unknown): Promise<ControlRequestView> {
  requireRole(actor, "viewer");
  const row = await byId(db, String(id ?? ""));
  if (!row) throw new NotFound("No such control request.");
  return toView(row);
}

/**
 * Requests waiting for this actor's decision: pending, not expired, not their own, and needing a
 * role they hold. Empty for anyone who could not approve (viewers, and responders while only
 * commander-level controls need a second person).
 */
export async function approvalsWaitingFor(
  deps: Pick<ControlDeps, "db" | "now">,
  actor: Actor | null,
): Promise<ControlRequestView[]> {
  requireRole(actor, "viewer");
  if (!roleAtLeast(actor.role, "responder")) return [];
  const now = nowOf(deps as ControlDeps);
  const rows = await deps.db
    .select()
    .from(controlRequests)
    .where(and(eq(controlRequests.state, "pending_approval"), gte(controlRequests.approvalExpiresAt, now)))
    .orderBy(desc(controlRequests.createdAt))
    .limit(100);
  return rows.map((r) => toView(r)).filter((v) => canDecide(actor, v));
}

/** Whether this actor may decide (approve/reject) this request: the UI's hint; the service re-checks. */
export function canDecide(actor: Actor | null, v: ControlRequestView): boolean {
  return Boolean(
    actor &&
    v.state === "pending_approval" &&
    v.requestedById !== actor.id &&
    roleAtLeast(actor.role, v.requiredRole as Role),
  );
}
