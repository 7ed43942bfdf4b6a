import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "../db";
import type { Db } from "../db/client";
import { findingAcks, findingTransitions } from "../db/schema";
import { appendAudit } from "../audit/log";
import { requireRole, type Actor } from "../auth/roles";
import { announce } from "../collector/changes";
import { currentFinding } from "./current";
import { Invalid, NotFound, Conflict } from "../errors";

const FindingId = z.string().min(3).max(400);

/**
 * Acknowledges the current occurrence of a finding (responder or above). Everyone sees who
 * acknowledged and when; the acknowledgement is audited and ends when the finding clears.
 */
export async function acknowledgeFinding(actor: Actor | null, findingId: unknown): Promise<{ by: string; at: number }> {
  requireRole(actor, "responder");
  return acknowledgeFindingIn(await getDb(), actor, findingId);
}

/**
 * The acknowledgement against a given database. The acknowledgement row and its audit record are
 * written in one transaction: if the audit write fails, nothing is acknowledged (fail closed).
 */
export async function acknowledgeFindingIn(
  db: Db,
  actor: Actor | null,
  findingId: unknown,
): Promise<{ by: string; at: number }> {
  requireRole(actor, "responder");
  const parsed = FindingId.safeParse(findingId);
  if (!parsed.success)
    throw new Invalid("finding: missing or malformed finding id", { finding: ["missing or malformed finding id"] });
  const f = await currentFinding(parsed.data, db);
  if (!f) throw new NotFound("That finding does not exist (any more).");
  if (f.state === "ok") throw new Conflict("That finding has already cleared; there is nothing to acknowledge.");
  const at = new Date();
  const inserted = await db.transaction(async (tx) => {
    const rows = await tx
      .insert(findingAcks)
      .values({ findingId: f.id, onset: new Date(f.since), userId: actor.id, userName: actor.displayName, at })
      .onConflictDoNothing()
      .returning();
    if (rows.length === 0) return false;
    // The finding's history (and replay) records the acknowledgement as one of its transitions.
    await tx.insert(findingTransitions).values({
      findingId: f.id,
      kind: "ack",
      fromState: f.state,
      toState: f.state,
      severity: f.severity,
      summary: `Acknowledged by ${actor.displayName}`,
      at,
      finding: f as unknown as object,
      actorName: actor.displayName,
    });
    await appendAudit(tx as unknown as Db, {
      actor,
      action: "finding.acknowledge",
      target: f.id,
      params: { state: f.state, severity: f.severity, since: new Date(f.since).toISOString() },
      outcome: "succeeded",
    });
    return true;
  });
  if (!inserted) {
    const [existing] = await db.select().from(findingAcks).where(eq(findingAcks.findingId, f.id));
    return { by: existing?.userName ?? "someone", at: existing?.at.getTime() ?? at.getTime() };
  }
  announce({ type: "ack", findingId: f.id });
  return { by: actor.displayName, at: at.getTime() };
}
