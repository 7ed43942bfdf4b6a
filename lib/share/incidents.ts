import "server-only";
import path from "node:path";
import { and, asc, desc, eq, gt, inArray, ne, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { incidentEvents, incidents } from "../db/schema";
import { env } from "../env";
import { loadRunbooks } from "../runbooks/load";
import type { Severity } from "../rules/types";
import type { IncidentForStatus } from "./status-view";

// Incidents as the status view shows them: status, severity, affected entities, checklist progress
// (steps ticked and not unticked, of the runbook's steps) and the last posted communication update.
// Read straight from the incident tables so that a status poll never needs a signed-in actor.

const RESOLVED_SHOWN_MS = 24 * 3_600_000;
const RUNBOOK_TTL_MS = 30_000;
let stepCounts: { at: number; counts: Map<string, number> } | null = null;

async function runbookStepCounts(now: number): Promise<Map<string, number>> {
  if (stepCounts && now - stepCounts.at < RUNBOOK_TTL_MS) return stepCounts.counts;
  const loaded = await loadRunbooks(path.resolve(/*turbopackIgnore: true*/ env().WATCHFLOOR_RUNBOOKS_DIR));
  stepCounts = { at: now, counts: new Map(loaded.runbooks.map((r) => [r.slug, r.steps.length])) };
  return stepCounts.counts;
}

export async function incidentExists(db: Db, id: string): Promise<boolean> {
  const [row] = await db.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, id));
  return Boolean(row);
}

/** One incident (for an incident link), or the open ones and those resolved in the last day (for a board link). */
export async function incidentsForStatus(db: Db, incidentId: string | null, now: number): Promise<IncidentForStatus[]> {
  const rows = await db
    .select()
    .from(incidents)
    .where(
      incidentId
        ? eq(incidents.id, incidentId)
        : or(ne(incidents.status, "resolved"), gt(incidents.resolvedAt, new Date(now - RESOLVED_SHOWN_MS))),
    )
    .orderBy(asc(incidents.severity), desc(incidents.openedAt))
    .limit(incidentId ? 1 : 20);
  if (!rows.length) return [];
  const events = await db
    .select({
      incidentId: incidentEvents.incidentId,
      kind: incidentEvents.kind,
      ref: incidentEvents.ref,
      text: incidentEvents.text,
      at: incidentEvents.at,
    })
    .from(incidentEvents)
    .where(
      and(
        inArray(
          incidentEvents.incidentId,
          rows.map((r) => r.id),
        ),
        inArray(incidentEvents.kind, ["step", "unstep", "comms"]),
      ),
    )
    .orderBy(asc(incidentEvents.seq));
  const counts = await runbookStepCounts(now);
  return rows.map((r) => {
    const ticked = new Set<string>();
    let lastUpdate: { at: number; text: string } | undefined;
    for (const e of events) {
      if (e.incidentId !== r.id) continue;
      if (e.kind === "step" && e.ref) ticked.add(e.ref);
      else if (e.kind === "unstep" && e.ref) ticked.delete(e.ref);
      else if (e.kind === "comms") lastUpdate = { at: e.at.getTime(), text: e.text };
    }
    const total = r.runbook ? (counts.get(r.runbook) ?? 0) : 0;
    const affected = (Array.isArray(r.affected) ? r.affected : []) as Array<{ system?: unknown; entity?: unknown }>;
    return {
      title: r.title,
      severity: r.severity as Severity,
      status: r.status,
      openedAt: r.openedAt.getTime(),
      ...(r.resolvedAt ? { resolvedAt: r.resolvedAt.getTime() } : {}),
      affected: affected
        .filter((a) => typeof a.system === "string")
        .map((a) => ({ system: a.system as string, entity: typeof a.entity === "string" ? a.entity : "*" })),
      checklist: { done: Math.min(ticked.size, total || ticked.size), total: total || ticked.size },
      ...(lastUpdate ? { lastUpdate } : {}),
    };
  });
}

/** Incidents a commander may share: open ones first, then the most recent. */
export async function incidentChoices(
  db: Db,
): Promise<Array<{ id: string; title: string; severity: string; status: string }>> {
  const rows = await db
    .select({ id: incidents.id, title: incidents.title, severity: incidents.severity, status: incidents.status })
    .from(incidents)
    .orderBy(desc(incidents.openedAt))
    .limit(50);
  return rows.sort((a, b) => Number(a.status === "resolved") - Number(b.status === "resolved"));
}
