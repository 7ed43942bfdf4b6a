import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "../db";
import type { Db } from "../db/client";
import { findings as findingsTable, incidents } from "../db/schema";
import { getFleetConfig } from "../config/current";
import { effectivePollIntervalMs } from "../config/fleet";
import { env } from "../env";
import { requireRole, type Actor } from "../auth/roles";
import { Invalid, NotFound } from "../errors";
import type { Finding } from "../rules/types";
import { replayBoard, type ReplayBoard, type ReplayTarget } from "./board-at";
import { DEFAULT_WINDOW_MINUTES, listChanges, type Change } from "./changes";
import { incidentMoments, type IncidentMoments } from "./moments";

// Entry points for pages and route handlers: parse the moment, authorise, read the process
// database. The read model itself (board-at.ts, changes.ts) takes its database and targets.

export type { ReplayBoard, Change };

/** The configured targets as replay shows their tiles. */
export function replayTargets(): ReplayTarget[] {
  const cfg = getFleetConfig();
  return cfg.targets.map((t) => ({
    name: t.name,
    label: t.label ?? t.name,
    kind: t.kind,
    simulated: t.simulated,
    intervalMs: effectivePollIntervalMs(cfg, t),
  }));
}

/**
 * A moment from a URL or form: an ISO 8601 time with its zone (2026-12-05T03:12:00Z) or epoch
 * milliseconds. Refused, naming the problem: malformed, in the future, or older than the history
 * kept (WATCHFLOOR_FINDING_HISTORY_DAYS).
 */
export function parseMoment(
  input: unknown,
  now = Date.now(),
  keepDays = env().WATCHFLOOR_FINDING_HISTORY_DAYS,
): number {
  const text = typeof input === "number" ? String(input) : typeof input === "string" ? input.trim() : "";
  if (!text) throw new Invalid("at: missing moment", { at: ["missing moment"] });
  let t: number;
  if (/^\d{10,16}$/.test(text)) t = Number(text);
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) t = Date.parse(text);
  else t = NaN;
  if (!Number.isFinite(t)) {
    const msg = `not a moment: "${text.slice(0, 40)}" (use an ISO 8601 time with its zone, e.g. 2026-12-05T03:12:00Z)`;
    throw new Invalid(`at: ${msg}`, { at: [msg] });
  }
  if (t > now + 1000) throw new Invalid("at: that moment is in the future", { at: ["in the future"] });
  if (t < now - keepDays * 86_400_000) {
    const msg = `older than the ${keepDays} days of finding history kept`;
    throw new Invalid(`at: ${msg}`, { at: [msg] });
  }
  return t;
}

/** What is wrong with a moment, in words, or null when it can be replayed. */
export function momentProblem(input: unknown): string | null {
  try {
    parseMoment(input);
    return null;
  } catch (err) {
    if (err instanceof Invalid) return err.message;
    throw err;
  }
}

/** The board as it was at a moment (viewer or above). */
export async function getReplayBoard(actor: Actor | null, at: unknown): Promise<ReplayBoard> {
  requireRole(actor, "viewer");
  const now = Date.now();
  const t = parseMoment(at, now);
  const board = await replayBoard(await getDb(), { at: t, targets: replayTargets() });
  return { ...board, replay: { ...board.replay, builtAt: now } };
}

/** The same without a user check: for the shared status view, which checks its token itself. */
export async function readReplayBoard(at: number): Promise<ReplayBoard> {
  return replayBoard(await getDb(), { at, targets: replayTargets() });
}

export interface ChangesBefore {
  /** The onset the window ends at. */
  onset: number;
  windowMinutes: number;
  changes: Change[];
}

function windowOf(input: unknown): number {
  if (input === undefined || input === null || input === "") return DEFAULT_WINDOW_MINUTES;
  const n = Number(input);
  if (!Number.isInteger(n) || n < 1 || n > 24 * 60)
    throw new Invalid("window: must be whole minutes from 1 to 1440", { window: ["whole minutes from 1 to 1440"] });
  return n;
}

async function changesBefore(db: Db, onset: number, windowMinutes: number, exclude?: string): Promise<ChangesBefore> {
  return {
    onset,
    windowMinutes,
    changes: await listChanges(db, { from: onset - windowMinutes * 60_000, to: onset, exclude }),
  };
}

/**
 * What changed in the window before a finding's onset (viewer or above). `onset`: the caller
 * already has the finding (the finding page reads the live one); else it is read from the table.
 */
export async function getChangesBeforeFinding(
  actor: Actor | null,
  findingId: string,
  o: { onset?: number; window?: unknown } = {},
): Promise<ChangesBefore> {
  requireRole(actor, "viewer");
  const d = await getDb();
  let onset = o.onset;
  if (onset === undefined) {
    const [row] = await d.select().from(findingsTable).where(eq(findingsTable.id, findingId));
    if (!row) throw new NotFound(`No finding ${findingId}.`);
    onset = (row.finding as Finding).since;
  }
  return changesBefore(d, onset, windowOf(o.window), findingId);
}

/**
 * What changed in the window before an incident's onset: before the onset of the finding it was
 * opened from, else before it was opened (viewer or above).
 */
export async function getChangesBeforeIncident(
  actor: Actor | null,
  incidentId: string,
  onset: number,
  windowInput?: unknown,
  db?: Db,
): Promise<ChangesBefore> {
  requireRole(actor, "viewer");
  const d = db ?? (await getDb());
  const [row] = await d
    .select({ id: incidents.id, sourceFindingId: incidents.sourceFindingId })
    .from(incidents)
    .where(eq(incidents.id, incidentId));
  if (!row) throw new NotFound("No such incident.");
  return changesBefore(d, onset, windowOf(windowInput), row.sourceFindingId ?? undefined);
}

/** What changed in the window before a moment (the replayed board's own list; viewer or above). */
export async function getChangesBeforeMoment(
  actor: Actor | null,
  at: number,
  windowInput?: unknown,
): Promise<ChangesBefore> {
  requireRole(actor, "viewer");
  return changesBefore(await getDb(), at, windowOf(windowInput));
}

export interface IncidentReplay {
  moments: IncidentMoments;
  changes: ChangesBefore;
}

/**
 * The incident room's replay: its onset, peak and resolution, and what changed in the window
 * before the onset (viewer or above).
 */
export async function getIncidentReplay(
  actor: Actor | null,
  incident: {
    id: string;
    openedAt: number;
    resolvedAt?: number | null;
    findingIds: readonly string[];
    sourceFindingId?: string | null;
  },
  windowInput?: unknown,
): Promise<IncidentReplay> {
  requireRole(actor, "viewer");
  const db = await getDb();
  const moments = await incidentMoments(db, { ...incident, now: Date.now() });
  return { moments, changes: await getChangesBeforeIncident(actor, incident.id, moments.onset, windowInput, db) };
}
