import "server-only";
import { inArray } from "drizzle-orm";
import { getDb } from "../db";
import { findingAcks } from "../db/schema";
import { openAndCleared } from "./current";
import { readSources, type SourceView } from "../sources";
import type { Freshness } from "../collector/freshness";
import type { Finding } from "../rules/types";
import { incidentFor, listOpenIncidentScopes, type IncidentLink } from "./incident-links";
import { silenceMarks, type SilenceMark, type UpcomingMaintenance } from "../notify/marks";

// What the board (and, later, the status view) shows: systems with their freshness, open
// findings with their acknowledgement, and findings that cleared recently. Built once per change
// and shared by every viewer.

export { CLEARED_WINDOW_MS } from "./current";

export interface SystemTile {
  name: string;
  label: string;
  kind: string;
  simulated: boolean;
  freshness: Freshness;
  /**
   * Fresh, but the last scrape left families out (lines it could not read); findings reading
   * them are Unknown. The sources screen has the lines and rules.
   */
  partial?: { families: string[]; issues: number };
  lastSuccessAt?: number;
  lastError?: string;
}

export interface BoardFinding extends Finding {
  ack?: { by: string; at: number };
  /** The open incident that already covers this finding: the board links to it instead of offering a new one. */
  incident?: IncidentLink;
  /** Paging: a silence or maintenance window mutes this finding's notifications (it stays here). */
  silenced?: SilenceMark;
}

export interface BoardSnapshot {
  generatedAt: number;
  collector: string;
  systems: SystemTile[];
  findings: BoardFinding[];
  cleared: BoardFinding[];
  /** Paging: maintenance windows scheduled ahead (not yet started), soonest first. */
  maintenance?: UpcomingMaintenance[];
  /**
   * Set when the console cannot build a current board (its database is unreachable or too slow).
   * The rest of the snapshot is then the last one it could build, with no source shown as fresh.
   */
  degraded?: { reason: string; since: number };
}

const SEVERITY_ORDER = { SEV1: 0, SEV2: 1, SEV3: 2 } as const;

function byUrgency(a: Finding, b: Finding) {
  if (a.state === "unknown" && b.state !== "unknown") return 1;
  if (b.state === "unknown" && a.state !== "unknown") return -1;
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.state === "critical" ? -1 : 0) - (b.state === "critical" ? -1 : 0) ||
    a.since - b.since
  );
}

export async function buildBoardSnapshot(now = Date.now()): Promise<BoardSnapshot> {
  const sources = await readSources();
  const { open, cleared } = await openAndCleared(now);
  let acks = new Map<string, { by: string; at: number }>();
  let covering: (f: Finding) => IncidentLink | undefined = () => undefined;
  if (open.length) {
    const db = await getDb();
    const scopes = await listOpenIncidentScopes(db);
    covering = (f) => incidentFor(f, scopes);
    const rows = await db
      .select()
      .from(findingAcks)
      .where(
        inArray(
          findingAcks.findingId,
          open.map((f) => f.id),
        ),
      );
    acks = acksOfOccurrence(open, rows);
  }
  // Paging: silences mute notifications only; the board marks the findings they cover, and
  // announces maintenance windows ahead of time.
  const { marks: silenced, upcoming } = await silenceMarks(open, now);
  return shapeBoardSnapshot({
    generatedAt: now,
    collector: sources.collector.role,
    sources: sources.sources,
    open,
    cleared,
    acks,
    covering,
    silenced,
    upcoming,
  });
}

/** Acknowledgements of the current occurrence of each finding (an ack ends when its finding clears). */
export function acksOfOccurrence(
  open: readonly Finding[],
  rows: readonly { findingId: string; onset: Date; userName: string; at: Date }[],
): Map<string, { by: string; at: number }> {
  const acks = new Map<string, { by: string; at: number }>();
  const onset = new Map(open.map((f) => [f.id, f.since]));
  for (const r of rows)
    if (onset.get(r.findingId) === r.onset.getTime()) acks.set(r.findingId, { by: r.userName, at: r.at.getTime() });
  return acks;
}

/** A source as the board's tile reads it (the sources view, live or as replayed at a moment). */
export type TileSource = Pick<SourceView, "name" | "label" | "kind" | "simulated" | "freshness" | "lastSuccessAt"> & {
  partial?: { droppedFamilies: string[]; issueCount: number };
  lastError?: { kind: string; detail: string };
};

export interface BoardParts {
  generatedAt: number;
  collector: string;
  sources: readonly TileSource[];
  open: Finding[];
  cleared: Finding[];
  acks: ReadonlyMap<string, { by: string; at: number }>;
  covering: (f: Finding) => IncidentLink | undefined;
  silenced: ReadonlyMap<string, SilenceMark>;
  upcoming: UpcomingMaintenance[];
}

/**
 * The board from its parts: lanes in urgency order, marks, the recently cleared. Pure, so the live
 * board and the board replayed at a moment (lib/replay) are shaped by the same code.
 */
export function shapeBoardSnapshot(p: BoardParts): BoardSnapshot {
  const { open, cleared, acks, covering, silenced, upcoming } = p;
  return {
    generatedAt: p.generatedAt,
    collector: p.collector,
    systems: p.sources.map((s) => ({
      name: s.name,
      label: s.label,
      kind: s.kind,
      simulated: s.simulated,
      freshness: s.freshness,
      ...(s.partial ? { partial: { families: s.partial.droppedFamilies, issues: s.partial.issueCount } } : {}),
      lastSuccessAt: s.lastSuccessAt,
      lastError: s.lastError ? `${s.lastError.kind}: ${s.lastError.detail}` : undefined,
    })),
    findings: open.sort(byUrgency).map((f) => ({
      ...f,
      ack: acks.get(f.id),
      incident: covering(f),
      ...(silenced.has(f.id) ? { silenced: silenced.get(f.id) } : {}),
    })),
    cleared: cleared.sort((a, b) => b.since - a.since).slice(0, 50),
    ...(upcoming.length ? { maintenance: upcoming } : {}),
  };
}

/**
 * The board to show while a current one cannot be built: the last good snapshot (or the configured
 * systems with no data), marked degraded, with every fresh source shown as stale, since nothing in it
 * is current any more. Findings stay as last known: hiding an open SEV1 would be worse than an old one.
 */
export function degradedSnapshot(
  last: BoardSnapshot | null,
  input: {
    reason: string;
    since: number;
    collector: string;
    systems: Array<Pick<SystemTile, "name" | "label" | "kind" | "simulated">>;
  },
): BoardSnapshot {
  const systems: SystemTile[] = last
    ? last.systems.map((s) => ({ ...s, freshness: s.freshness === "ok" ? "stale" : s.freshness, partial: undefined }))
    : input.systems.map((s) => ({ ...s, freshness: "no_data" }));
  return {
    generatedAt: last?.generatedAt ?? input.since,
    collector: input.collector,
    systems,
    findings: last?.findings ?? [],
    cleared: last?.cleared ?? [],
    ...(last?.maintenance ? { maintenance: last.maintenance } : {}),
    degraded: { reason: input.reason, since: input.since },
  };
}
