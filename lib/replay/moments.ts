import { and, asc, eq, gte, inArray, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { findingTransitions } from "../db/schema";
import type { BoardSnapshot } from "../board/snapshot";

// The moments of an incident a postmortem shows the board at: onset (when the finding it was
// opened from last fired before it was opened; for an incident opened by hand, the first of its
// findings to fire in the hour before), peak (when its firing findings weighed most: SEV1 over any
// number of SEV2s, and so on) and resolution. Firing is warning or critical: a finding that went
// Unknown (no fresh data) is not an onset.

export interface IncidentMoments {
  onset: number;
  peak: number;
  resolution?: number;
}

const WEIGHT: Record<string, number> = { SEV1: 10_000, SEV2: 100, SEV3: 1 };
const FIRING: ReadonlySet<string> = new Set(["warning", "critical"]);

export async function incidentMoments(
  db: Db,
  o: {
    openedAt: number;
    resolvedAt?: number | null;
    findingIds: readonly string[];
    sourceFindingId?: string | null;
    now: number;
  },
): Promise<IncidentMoments> {
  const end = o.resolvedAt ?? o.now;
  if (o.findingIds.length === 0)
    return { onset: o.openedAt, peak: o.openedAt, ...(o.resolvedAt ? { resolution: o.resolvedAt } : {}) };
  const rows = await db
    .select({
      findingId: findingTransitions.findingId,
      fromState: findingTransitions.fromState,
      toState: findingTransitions.toState,
      severity: findingTransitions.severity,
      at: findingTransitions.at,
    })
    .from(findingTransitions)
    .where(
      and(
        eq(findingTransitions.kind, "state"),
        inArray(findingTransitions.findingId, [...o.findingIds]),
        gte(findingTransitions.at, new Date(o.openedAt - 60 * 60_000)),
        lte(findingTransitions.at, new Date(end)),
      ),
    )
    .orderBy(asc(findingTransitions.at), asc(findingTransitions.seq));
  const fires = (r: (typeof rows)[number]) =>
    FIRING.has(r.toState) && !FIRING.has(r.fromState ?? "") && r.at.getTime() <= o.openedAt;
  const own = o.sourceFindingId ? rows.filter((r) => r.findingId === o.sourceFindingId && fires(r)).pop() : undefined;
  const onset = (own ?? rows.find(fires))?.at.getTime() ?? o.openedAt;
  const state = new Map<string, { state: string; severity: string }>();
  let peak = onset;
  let best = -1;
  for (const r of rows) {
    state.set(r.findingId, { state: r.toState, severity: r.severity });
    const t = r.at.getTime();
    if (t < onset) continue;
    let score = 0;
    for (const s of state.values())
      if (FIRING.has(s.state)) score += (WEIGHT[s.severity] ?? 1) * (s.state === "critical" ? 2 : 1);
    if (score > best) {
      best = score;
      peak = t;
    }
  }
  return { onset, peak, ...(o.resolvedAt ? { resolution: o.resolvedAt } : {}) };
}

/** A board in a few lines for a postmortem: the open findings and each source's freshness. */
export interface BoardSummary {
  at: number;
  findings: Array<{
    id: string;
    title: string;
    system: string;
    entity: string;
    severity: string;
    state: string;
    since: number;
    acknowledgedBy?: string;
  }>;
  systems: Array<{ name: string; freshness: string }>;
}

export function summariseBoard(b: BoardSnapshot): BoardSummary {
  return {
    at: b.generatedAt,
    findings: b.findings.map((f) => ({
      id: f.id,
      title: f.title,
      system: f.system,
      entity: f.entity,
      severity: f.severity,
      state: f.state,
      since: f.since,
      ...(f.ack ? { acknowledgedBy: f.ack.by } : {}),
    })),
    systems: b.systems.map((s) => ({ name: s.name, freshness: s.freshness })),
  };
}
