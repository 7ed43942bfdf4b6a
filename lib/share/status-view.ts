import type { BoardSnapshot } from "../board/snapshot";
import type { Freshness } from "../collector/freshness";
import type { FindingState, Severity } from "../rules/types";

// What a share link shows: a redaction of the board (and of incidents, when there are any) built
// field by field from an allow-list — never by deleting fields from the internal shapes — so a
// field added to the board later cannot leak by accident. No people (acknowledgers, emails),
// no notes, no evidence values beyond each finding's one-line summary, no source errors (they can
// carry host names), no control parameters, reasons or tickets (nor a maintenance window's ticket
// or author: only its systems and times), and nothing that acts.

export type StatusLane = "SEV1" | "SEV2" | "SEV3" | "unknown";

export interface StatusFinding {
  key: string;
  lane: StatusLane;
  severity: Severity;
  state: FindingState;
  title: string;
  system: string;
  entity: string;
  summary: string;
  since: number;
  /** When the rule last looked at fresh data: the data age shown beside the finding. */
  evaluatedAt: number;
  acknowledged: boolean;
  escalationDueAt?: number;
}

export interface StatusSystem {
  label: string;
  kind: string;
  simulated: boolean;
  freshness: Freshness;
  lastSuccessAt?: number;
}

export interface StatusIncident {
  title: string;
  severity: Severity;
  status: string;
  openedAt: number;
  resolvedAt?: number;
  affected: string[];
  checklist: { done: number; total: number };
  /** beforeResolution: the update was posted before the incident was resolved, so it may describe mitigations since undone. */
  lastUpdate?: { at: number; text: string; beforeResolution?: boolean };
  /** For a resolved incident: findings on its systems and entities that still show on this page. */
  stillShowing?: number;
}

export interface StatusControl {
  title: string;
  target: string;
  state: string;
  since: number;
}

/** A maintenance window scheduled ahead: which systems (by label) and when, nothing more. */
export interface StatusMaintenance {
  systems: string[];
  startsAt: number;
  endsAt: number;
}

export interface StatusSnapshot {
  scope: "board" | "incident";
  label: string | null;
  expiresAt: number;
  generatedAt: number;
  systems: StatusSystem[];
  lanes: Record<StatusLane, StatusFinding[]>;
  incidents: StatusIncident[];
  controls: StatusControl[];
  maintenance: StatusMaintenance[];
  /**
   * Set while the console cannot vouch for what it shows (no collector leader speaks, or its
   * database cannot be read): since when. The reason stays inside the console; readers are told
   * only that the data is not current.
   */
  notCurrentSince?: number;
  /** Set on a link to a fixed moment: the view is the board replayed at that moment, not live. */
  replayAt?: number;
}

/** The parts of an incident the status view may show, from whatever the incident service holds. */
export interface IncidentForStatus {
  title: string;
  severity: Severity;
  status: string;
  openedAt: number;
  resolvedAt?: number;
  affected: Array<{ system: string; entity: string }>;
  checklist: { done: number; total: number };
  lastUpdate?: { at: number; text: string };
}

export interface ControlForStatus {
  title: string;
  target: string;
  state: string;
  updatedAt: number;
}

const IN_PROGRESS = new Set(["pending_approval", "approved", "executing", "outcome_unknown"]);

export function laneOf(f: { state: FindingState; severity: Severity }): StatusLane {
  return f.state === "unknown" ? "unknown" : f.severity;
}

function affects(scope: Array<{ system: string; entity: string }>, system: string, entity: string): boolean {
  return scope.some((a) => a.system === system && (a.entity === "*" || entity === "*" || a.entity === entity));
}

export function buildStatusSnapshot(input: {
  board: BoardSnapshot;
  link: { scope: "board" | "incident"; label: string | null; expiresAt: number };
  incidents?: IncidentForStatus[];
  controls?: ControlForStatus[];
  now: number;
}): StatusSnapshot {
  const { board, link } = input;
  const incidents = input.incidents ?? [];
  // An incident link shows only what touches the incident's systems and entities.
  const scope = link.scope === "incident" ? incidents.flatMap((i) => i.affected) : null;
  const inScope = (system: string, entity: string) => !scope || affects(scope, system, entity);
  // Readers know a system by its label (the tiles show it); findings, incidents and controls use it too.
  const labels = new Map(board.systems.map((s) => [s.name, s.label]));
  const label = (system: string) => labels.get(system) ?? system;

  const lanes: Record<StatusLane, StatusFinding[]> = { SEV1: [], SEV2: [], SEV3: [], unknown: [] };
  for (const f of board.findings) {
    if (f.state === "ok" || !inScope(f.system, f.entity)) continue;
    const lane = laneOf(f);
    lanes[lane].push({
      key: f.id,
      lane,
      severity: f.severity,
      state: f.state,
      title: f.title,
      system: label(f.system),
      entity: f.entity,
      summary: f.summary,
      since: f.since,
      evaluatedAt: f.lastEvaluated,
      acknowledged: Boolean(f.ack),
      ...(f.escalationDueAt !== undefined ? { escalationDueAt: f.escalationDueAt } : {}),
    });
  }
  const systemNames = scope ? new Set(scope.map((a) => a.system)) : null;
  return {
    scope: link.scope,
    label: link.label,
    expiresAt: link.expiresAt,
    // The board feed vouches for a board it does not mark degraded (it watches the leader and
    // rebuilds every few seconds), so that board is current as of now; a degraded one is as old as
    // it was built.
    generatedAt: board.degraded ? Math.min(board.generatedAt, input.now) : input.now,
    ...(board.degraded ? { notCurrentSince: board.degraded.since } : {}),
    systems: board.systems
      .filter((s) => !systemNames || systemNames.has(s.name))
      .map((s) => ({
        label: s.label,
        kind: s.kind,
        simulated: s.simulated,
        freshness: s.freshness,
        ...(s.lastSuccessAt !== undefined ? { lastSuccessAt: s.lastSuccessAt } : {}),
      })),
    lanes,
    incidents: incidents.map((i) => {
      // A resolved incident beside findings that still show on its entities must say so, not
      // contradict them; an update posted before resolving is marked as such.
      const resolved = i.status === "resolved";
      const stillShowing = resolved
        ? board.findings.filter(
            (f) => f.state !== "ok" && inScope(f.system, f.entity) && affects(i.affected, f.system, f.entity),
          ).length
        : 0;
      const before = resolved && i.lastUpdate && i.resolvedAt !== undefined && i.lastUpdate.at < i.resolvedAt;
      return {
        title: i.title,
        severity: i.severity,
        status: i.status,
        openedAt: i.openedAt,
        ...(i.resolvedAt !== undefined ? { resolvedAt: i.resolvedAt } : {}),
        affected: i.affected.map((a) => (a.entity === "*" ? label(a.system) : `${label(a.system)} · ${a.entity}`)),
        checklist: { done: i.checklist.done, total: i.checklist.total },
        ...(i.lastUpdate
          ? {
              lastUpdate: {
                at: i.lastUpdate.at,
                text: i.lastUpdate.text,
                ...(before ? { beforeResolution: true } : {}),
              },
            }
          : {}),
        ...(stillShowing ? { stillShowing } : {}),
      };
    }),
    controls: (input.controls ?? [])
      .filter((c) => IN_PROGRESS.has(c.state))
      .filter((c) => !systemNames || systemNames.has(c.target))
      .map((c) => ({ title: c.title, target: label(c.target), state: c.state, since: c.updatedAt })),
    maintenance: (board.maintenance ?? [])
      .filter((m) => m.startsAt > input.now)
      .filter((m) => !systemNames || m.systems.some((s) => systemNames.has(s)))
      .map((m) => ({
        systems: m.systems.filter((s) => !systemNames || systemNames.has(s)).map(label),
        startsAt: m.startsAt,
        endsAt: m.endsAt,
      })),
  };
}
