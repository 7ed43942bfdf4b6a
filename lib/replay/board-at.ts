import { and, asc, desc, gt, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { rowsOf, type Db } from "../db/client";
import {
  findingAcks,
  findingTransitions,
  findings as findingsTable,
  incidents,
  silences,
  sourceFreshnessChanges,
} from "../db/schema";
import type { Freshness, SystemKind } from "../core/vocabulary";
import type { Finding, FindingState, Severity } from "../rules/types";
import { incidentFor, type OpenIncidentScope } from "../board/incident-scope";
import {
  CLEARED_WINDOW_MS,
  acksOfOccurrence,
  shapeBoardSnapshot,
  type BoardSnapshot,
  type TileSource,
} from "../board/snapshot";
import { marksFrom, type SilenceMark, type UpcomingMaintenance } from "../notify/marks";
import { STALE_AFTER_INTERVALS } from "../collector/freshness";

// The board as it was at a moment, rebuilt from what the database keeps: each finding's last
// transition at or before the moment (with the finding as it was stored then), acknowledgements,
// silences and incidents as they stood, and each source's freshness from its recorded changes and
// its stored samples. Shaped by the same function as the live board, so both render alike.

/** Raw samples are stored at most once per series per this (lib/collector/history.ts). */
const HISTORY_RESOLUTION_MS = 10_000;

export interface ReplayTarget {
  name: string;
  label: string;
  kind: SystemKind;
  simulated: boolean;
  intervalMs: number;
}

export interface ReplayInfo {
  /** The moment shown. */
  at: number;
  /** The nearest finding transition before and after the moment (step back / forward). */
  prev?: number;
  next?: number;
  /** When the replay was built (the scrubber's end). */
  builtAt?: number;
}

export interface ReplayBoard extends BoardSnapshot {
  replay: ReplayInfo;
}

interface LastTransition {
  findingId: string;
  fromState: string | null;
  toState: string;
  severity: string;
  summary: string;
  at: Date;
  finding: unknown;
}

/** The finding a transition leaves: the stored finding, with the transition's own state and severity. */
function findingOf(t: LastTransition, stored: Finding | undefined): Finding | undefined {
  const base = (t.finding as Finding | null) ?? stored;
  if (!base) return undefined;
  const f: Finding = {
    ...base,
    state: t.toState as FindingState,
    severity: t.severity as Severity,
    summary: t.summary,
  };
  // Rows written before transitions carried their finding: the onset is the transition itself.
  if (!t.finding) f.since = t.at.getTime();
  return f;
}

/** Each finding's last state transition at or before `at`. */
async function lastTransitions(db: Db, at: Date): Promise<LastTransition[]> {
  const rows = await db.execute(sql`
    select distinct on (finding_id) finding_id, from_state, to_state, severity, summary, at, finding
    from ${findingTransitions}
    where kind = 'state' and at <= ${at.toISOString()}::timestamptz
    order by finding_id, at desc, seq desc`);
  return rowsOf<Record<string, unknown>>(rows).map((r) => ({
    findingId: String(r.finding_id),
    fromState: (r.from_state as string | null) ?? null,
    toState: String(r.to_state),
    severity: String(r.severity),
    summary: String(r.summary),
    at: new Date(r.at as string | Date),
    finding: typeof r.finding === "string" ? JSON.parse(r.finding) : r.finding,
  }));
}

/** Incidents open at `at`: opened by then, and not resolved by then. */
async function incidentsOpenAt(db: Db, at: Date): Promise<OpenIncidentScope[]> {
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
    .where(and(lte(incidents.openedAt, at), or(isNull(incidents.resolvedAt), gt(incidents.resolvedAt, at))));
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    sourceFindingId: r.sourceFindingId,
    affected: Array.isArray(r.affected) ? (r.affected as Array<{ system: string; entity: string }>) : [],
    openedAt: r.openedAt.getTime(),
  }));
}

/** Silence marks and maintenance ahead, as they stood at `at` (created by then, not ended by then). */
async function silencesAt(
  db: Db,
  open: readonly Finding[],
  at: Date,
): Promise<{ marks: Map<string, SilenceMark>; upcoming: UpcomingMaintenance[] }> {
  const rows = await db
    .select()
    .from(silences)
    .where(
      and(lte(silences.createdAt, at), gt(silences.endsAt, at), or(isNull(silences.endedAt), gt(silences.endedAt, at))),
    );
  return marksFrom(rows, open, at.getTime());
}

/**
 * Each target's source as it was at `at`: the freshness of its last recorded change, and its data
 * time from the newest stored sample (or one-minute rollup) at or before `at`. A source recorded
 * ok whose newest stored data is older than its staleness budget (plus the storage resolution)
 * reads stale: a collector that stopped writing leaves no change behind, and is not healthy.
 */
export async function sourcesAt(db: Db, targets: readonly ReplayTarget[], at: Date): Promise<TileSource[]> {
  if (targets.length === 0) return [];
  const iso = at.toISOString();
  const changes = await db.execute(sql`
    select distinct on (system) system, freshness, last_success_at, last_error
    from ${sourceFreshnessChanges}
    where at <= ${iso}::timestamptz
    order by system, at desc, seq desc`);
  const bySystem = new Map(
    rowsOf<Record<string, unknown>>(changes).map((r) => [
      String(r.system),
      {
        freshness: String(r.freshness) as Freshness,
        lastSuccessAt: r.last_success_at ? new Date(r.last_success_at as string | Date).getTime() : undefined,
        lastError: r.last_error ? String(r.last_error) : undefined,
      },
    ]),
  );
  const newest = await newestDataAt(
    db,
    targets.map((t) => t.name),
    at,
  );
  const out: TileSource[] = [];
  for (const t of targets) {
    const change = bySystem.get(t.name);
    const dataAt = newest.get(t.name);
    const lastSuccessAt = Math.max(change?.lastSuccessAt ?? -Infinity, dataAt ?? -Infinity);
    let freshness: Freshness = change?.freshness ?? "no_data";
    const budget = STALE_AFTER_INTERVALS * t.intervalMs + HISTORY_RESOLUTION_MS;
    if (freshness === "ok" && (!Number.isFinite(lastSuccessAt) || at.getTime() - lastSuccessAt > budget))
      freshness = "stale";
    const [kind, ...detail] = (change?.lastError ?? "").split(": ");
    out.push({
      name: t.name,
      label: t.label,
      kind: t.kind,
      simulated: t.simulated,
      freshness,
      ...(Number.isFinite(lastSuccessAt) ? { lastSuccessAt } : {}),
      ...(change?.lastError && freshness !== "ok" ? { lastError: { kind: kind!, detail: detail.join(": ") } } : {}),
    });
  }
  return out;
}

/** The newest stored data of each system at or before `at` (raw samples, else the one-minute tier). */
async function newestDataAt(db: Db, systems: readonly string[], at: Date): Promise<Map<string, number>> {
  const iso = at.toISOString();
  const list = JSON.stringify(systems);
  const out = new Map<string, number>();
  // Ten minutes of raw samples tell fresh from stale (a staleness budget is two poll intervals);
  // older data only sets the age shown, to the minute, from the rollups.
  const raw = await db.execute(sql`
    select system, max(observed_at) as t from telemetry_samples
    where system in (select jsonb_array_elements_text(${list}::jsonb)) and observed_at <= ${iso}::timestamptz
      and observed_at > ${iso}::timestamptz - interval '10 minutes'
    group by system`);
  for (const r of rowsOf<{ system: string; t: string | Date }>(raw)) out.set(r.system, new Date(r.t).getTime());
  const missing = systems.filter((s) => !out.has(s));
  if (missing.length) {
    const rolled = await db.execute(sql`
      select system, max(bucket) as t from telemetry_rollups_1m
      where system in (select jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb))
        and bucket <= ${iso}::timestamptz and bucket > ${iso}::timestamptz - interval '1 day'
      group by system`);
    for (const r of rowsOf<{ system: string; t: string | Date }>(rolled)) out.set(r.system, new Date(r.t).getTime());
  }
  return out;
}

/** The nearest finding transitions before and after `at`, for stepping through the history. */
export async function neighbours(db: Db, at: Date): Promise<{ prev?: number; next?: number }> {
  const [before] = await db
    .select({ at: findingTransitions.at })
    .from(findingTransitions)
    .where(lt(findingTransitions.at, at))
    .orderBy(desc(findingTransitions.at))
    .limit(1);
  const [after] = await db
    .select({ at: findingTransitions.at })
    .from(findingTransitions)
    .where(gt(findingTransitions.at, at))
    .orderBy(asc(findingTransitions.at))
    .limit(1);
  return {
    ...(before ? { prev: before.at.getTime() } : {}),
    ...(after ? { next: after.at.getTime() } : {}),
  };
}

/** The board as it was at `at`, marked as a replay (its collector reads "replay"). */
export async function replayBoard(db: Db, o: { at: number; targets: readonly ReplayTarget[] }): Promise<ReplayBoard> {
  const at = new Date(o.at);
  const last = await lastTransitions(db, at);
  // Transitions stored without their finding fall back on the finding's current row.
  const missing = last.filter((t) => !t.finding).map((t) => t.findingId);
  const stored = new Map<string, Finding>();
  if (missing.length) {
    const rows = await db
      .select({ id: findingsTable.id, finding: findingsTable.finding })
      .from(findingsTable)
      .where(inArray(findingsTable.id, missing));
    for (const r of rows) stored.set(r.id, r.finding as Finding);
  }
  const open: Finding[] = [];
  const cleared: Finding[] = [];
  for (const t of last) {
    const f = findingOf(t, stored.get(t.findingId));
    if (!f) continue;
    if (t.toState !== "ok") open.push(f);
    else if (t.fromState !== null && t.fromState !== "ok" && t.at.getTime() > o.at - CLEARED_WINDOW_MS) cleared.push(f);
  }
  const ackRows = open.length
    ? await db
        .select()
        .from(findingAcks)
        .where(
          and(
            inArray(
              findingAcks.findingId,
              open.map((f) => f.id),
            ),
            lte(findingAcks.at, at),
          ),
        )
    : [];
  const scopes = open.length ? await incidentsOpenAt(db, at) : [];
  const { marks, upcoming } = await silencesAt(db, open, at);
  const board = shapeBoardSnapshot({
    generatedAt: o.at,
    collector: "replay",
    sources: await sourcesAt(db, o.targets, at),
    open,
    cleared,
    acks: acksOfOccurrence(open, ackRows),
    covering: (f) => incidentFor(f, scopes),
    silenced: marks,
    upcoming,
  });
  return { ...board, replay: { at: o.at, ...(await neighbours(db, at)) } };
}
