import "server-only";
import { z } from "zod";
import { getFleetConfig } from "../config/current";
import { getDb } from "../db";
import { appendAudit } from "../audit/log";
import { requireRole, type Actor } from "../auth/roles";
import { announce } from "../collector/changes";
import { currentFinding } from "./current";
import { reasonProblem } from "../controls/catalog";
import { Conflict, Invalid, NotFound } from "../errors";
import type { Confirmation } from "../rules/types";
import { CONFIRM_ACTION } from "./engine";

// A commander's confirmation that the violations a counter-based finding has counted so far were
// handled (the ledger invariant, the registry audit). The confirmation *is* an audit record: one
// append to the hash-chained, append-only log, so there is no confirmation without its audit and
// none can be rewritten. The board engine reads these records and the rule treats everything
// counted up to that moment as dealt with; a new increase fires the finding again.

export const ConfirmHandledInput = z.object({
  findingId: z.string().min(3).max(400),
  reason: z.unknown(),
  ticketId: z.unknown(),
});
export type ConfirmHandledInput = z.infer<typeof ConfirmHandledInput>;

/** Validates the form and names each bad field (reason, ticketId, findingId). */
function parseInput(input: unknown, ticketPattern: string): { findingId: string; reason: string; ticketId: string } {
  const base = ConfirmHandledInput.safeParse(input ?? {});
  const fieldErrors: Record<string, string[]> = {};
  const add = (k: string, m: string) => (fieldErrors[k] ??= []).push(m);
  if (!base.success) add("findingId", "missing or malformed finding id");
  const b = base.success ? base.data : { findingId: "", reason: undefined, ticketId: undefined };
  const rp = reasonProblem(b.reason);
  if (rp) add("reason", rp);
  const ticket = typeof b.ticketId === "string" ? b.ticketId.trim() : "";
  if (!ticket) add("ticketId", "a ticket ID is required");
  else if (!new RegExp(ticketPattern).test(ticket))
    add("ticketId", "must look like ABC-123 (the configured ticket pattern)");
  const keys = Object.keys(fieldErrors);
  if (keys.length) throw new Invalid(`${keys[0]}: ${fieldErrors[keys[0]!]![0]}`, fieldErrors);
  return { findingId: b.findingId, reason: (b.reason as string).trim(), ticketId: ticket };
}

/**
 * Confirms that a confirmable finding's violations were handled (commander or above). Fails closed:
 * the audit append is the confirmation, so when it fails nothing is confirmed.
 */
export async function confirmFindingHandled(actor: Actor | null, input: unknown): Promise<Confirmation> {
  requireRole(actor, "commander");
  const p = parseInput(input, getFleetConfig().controls.ticketPattern);
  const f = await currentFinding(p.findingId);
  if (!f) throw new NotFound("That finding does not exist (any more).");
  if (f.state === "ok" || !f.confirmable)
    throw new Conflict(
      f.state === "ok"
        ? "That finding has already cleared; there is nothing to confirm."
        : "This finding cannot be confirmed as handled: it clears when its signal does.",
    );
  const db = await getDb();
  const row = await appendAudit(db, {
    actor,
    action: CONFIRM_ACTION,
    target: f.id,
    reason: p.reason,
    ticketId: p.ticketId,
    params: { by: actor.displayName, covers: f.confirmable, state: f.state, severity: f.severity, summary: f.summary },
    outcome: "succeeded",
  });
  const confirmation: Confirmation = {
    findingId: f.id,
    by: actor.displayName,
    at: row.at.getTime(),
    reason: p.reason,
    ticketId: p.ticketId,
  };
  // The evaluator (on this instance or the leader) re-reads confirmations from the audit log.
  announce({ type: "confirm", findingId: f.id });
  return confirmation;
}
