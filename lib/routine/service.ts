import { and, desc, eq, gte, like } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { auditLog } from "../db/schema";
import { appendAudit } from "../audit/log";
import { requireRole, type Actor } from "../auth/roles";
import { Invalid } from "../errors";
import {
  ROUTINE_CHECKS,
  ROUTINE_KINDS,
  previousPeriodStart,
  routineCheck,
  statusOf,
  type CheckStatus,
  type DoneMark,
} from "./schedule";

// The routine-checks screen's service: the spot exchange runbook's daily, weekly and monthly
// checks per exchange, and who recorded each done and when. A completion is recorded as an audit
// row (action `routine.check.done`, target `routine:<system>:<check>`): the append-only,
// hash-chained log is where it is stored, so a record cannot be edited or removed afterwards and a
// later completion supersedes an earlier one. Routine checks are not findings: they never page.

export const ROUTINE_ACTION = "routine.check.done";

export interface RoutineDeps {
  db: Db;
  /** The fleet's targets; routine checks apply to the kinds whose runbook lists them. */
  targets: readonly { name: string; kind: string }[];
  ticketPattern: string;
  now?: () => number;
}

const targetOf = (system: string, check: string) => `routine:${system}:${check}`;

/** Systems whose runbook lists routine operations. */
export function routineSystems(d: Pick<RoutineDeps, "targets">): string[] {
  return d.targets.filter((t) => (ROUTINE_KINDS as readonly string[]).includes(t.kind)).map((t) => t.name);
}

/** Every routine check of every exchange, with its latest recorded completion. */
export async function listRoutineChecks(d: RoutineDeps, actor: Actor | null): Promise<CheckStatus[]> {
  requireRole(actor, "viewer");
  const now = (d.now ?? Date.now)();
  const systems = routineSystems(d);
  if (!systems.length) return [];
  // Only the latest completion of each check matters; two months back covers every period's previous one.
  const since = new Date(previousPeriodStart("monthly", now) - 86_400_000);
  const rows = await d.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, ROUTINE_ACTION), like(auditLog.target, "routine:%"), gte(auditLog.at, since)))
    .orderBy(desc(auditLog.seq))
    .limit(5000);
  const latest = new Map<string, DoneMark>();
  for (const r of rows) {
    if (!r.target || latest.has(r.target) || r.outcome !== "succeeded") continue;
    const p = (r.params ?? {}) as { by?: string };
    latest.set(r.target, {
      at: r.at.getTime(),
      by: p.by ?? r.actorName ?? "?",
      note: r.reason,
      auditSeq: Number(r.seq),
    });
  }
  return systems.flatMap((system) =>
    ROUTINE_CHECKS.map((c) => statusOf(c, system, latest.get(targetOf(system, c.id)) ?? null, now)),
  );
}

const MarkInput = z.object({
  system: z.string({ error: "choose the exchange" }).trim().min(1, "choose the exchange"),
  check: z.string({ error: "choose the check" }).trim().min(1, "choose the check"),
  note: z
    .string()
    .trim()
    .max(1000, "keep the note under 1000 characters")
    .optional()
    .transform((s) => (s ? s : undefined)),
  ticketId: z
    .string()
    .trim()
    .max(80, "a ticket ID is at most 80 characters")
    .optional()
    .transform((s) => (s ? s : undefined)),
});

/**
 * Records a routine check done now by the actor (a responder or above): one audit row. Unknown
 * exchanges and checks, and a ticket ID that does not look like one, are refused with the field
 * named and nothing recorded.
 */
export async function markRoutineCheckDone(d: RoutineDeps, actor: Actor | null, input: unknown): Promise<CheckStatus> {
  requireRole(actor, "responder");
  const parsed = MarkInput.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (fieldErrors[i.path.join(".") || "input"] ??= []).push(i.message);
    throw new Invalid(Object.entries(fieldErrors)[0]!.join(": "), fieldErrors);
  }
  const { system, check: checkId, note, ticketId } = parsed.data;
  const systems = routineSystems(d);
  if (!systems.includes(system))
    throw new Invalid(`system: no exchange named "${system}"`, {
      system: [`no exchange named "${system}" (routine checks are kept for: ${systems.join(", ") || "none"})`],
    });
  const check = routineCheck(checkId);
  if (!check)
    throw new Invalid(`check: no routine check "${checkId}"`, {
      check: [`no routine check "${checkId}" (known: ${ROUTINE_CHECKS.map((c) => c.id).join(", ")})`],
    });
  if (ticketId && !new RegExp(d.ticketPattern).test(ticketId))
    throw new Invalid("ticketId: not a ticket ID", { ticketId: ["does not look like a ticket ID, e.g. OPS-123"] });
  const now = (d.now ?? Date.now)();
  const row = await appendAudit(d.db, {
    actor,
    action: ROUTINE_ACTION,
    target: targetOf(system, check.id),
    params: { system, check: check.id, period: check.period, by: actor.displayName },
    reason: note ?? null,
    ticketId: ticketId ?? null,
    outcome: "succeeded",
    responseSummary: `${check.title} (${check.period}) done on ${system}`,
    at: new Date(now),
  });
  return statusOf(
    check,
    system,
    { at: row.at.getTime(), by: actor.displayName, note: note ?? null, auditSeq: Number(row.seq) },
    now,
  );
}
