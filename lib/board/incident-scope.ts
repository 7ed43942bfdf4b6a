import { ne } from "drizzle-orm";
import type { Db } from "../db/client";
import { incidents } from "../db/schema";
import type { Finding } from "../rules/types";

// Which open incident already covers a finding, so the board and the finding page link to it
// instead of inviting a second incident for the same problem, and chat messages link to it too.
// (No "server-only" here: the collector process's notifier reads it as well.)

export interface IncidentLink {
  id: string;
  title: string;
  severity: string;
}

export interface OpenIncidentScope extends IncidentLink {
  sourceFindingId: string | null;
  affected: Array<{ system: string; entity: string }>;
  openedAt: number;
}

export async function listOpenIncidentScopes(db: Db): Promise<OpenIncidentScope[]> {
  const rows = await db
    .select({
      id: incidents.id,
      title: incidents.title,
      severity: incidents.severity,
      affected: incidents.affected,
      sourceFindingId: incidents.sourceFindingId,
      openedAt: incidents.openedAt,
    })
    .from(incidents)
    .where(ne(incidents.status, "resolved"));
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    sourceFindingId: r.sourceFindingId,
    affected: Array.isArray(r.affected) ? (r.affected as Array<{ system: string; entity: string }>) : [],
    openedAt: r.openedAt.getTime(),
  }));
}

/**
 * The open incident that covers a finding: the one opened from it, else the oldest one whose
 * affected systems and entities include it (the same match the incident room uses to list its
 * findings, so the board and the room agree).
 */
export function incidentFor(
  f: Pick<Finding, "id" | "system" | "entity">,
  open: readonly OpenIncidentScope[],
): IncidentLink | undefined {
  const own = open.filter((i) => i.sourceFindingId === f.id);
  const covering = own.length
    ? own
    : open.filter((i) => i.affected.some((a) => a.system === f.system && (a.entity === "*" || a.entity === f.entity)));
  const first = [...covering].sort((a, b) => a.openedAt - b.openedAt)[0];
  return first ? { id: first.id, title: first.title, severity: first.severity } : undefined;
}
