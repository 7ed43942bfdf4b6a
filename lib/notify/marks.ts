import "server-only";
import { and, gt, isNull } from "drizzle-orm";
import { getDb } from "../db";
import type { Db } from "../db/client";
import { silences } from "../db/schema";
import type { Finding } from "../rules/types";
import { silenceFor, type ActiveSilence, type SilenceMatchers } from "./plan";

// What the board shows about silences: the mark on a muted finding's card, and maintenance
// windows scheduled ahead.

export interface SilenceMark {
  kind: "silence" | "maintenance";
  until: number;
  ticketId: string;
  by: string;
}

/** A maintenance window scheduled ahead: the systems it silences, when, under which ticket, by whom. */
export interface UpcomingMaintenance {
  systems: string[];
  startsAt: number;
  endsAt: number;
  ticketId: string;
  by: string;
}

/**
 * For the board: which of these findings a running silence or maintenance window mutes, and until
 * when, by whom, under which ticket. Also the maintenance windows scheduled ahead, per system.
 */
export async function silenceMarks(
  findings: readonly Finding[],
  now = Date.now(),
  database?: Db,
): Promise<{ marks: Map<string, SilenceMark>; upcoming: UpcomingMaintenance[] }> {
  const db = database ?? (await getDb());
  const rows = await db
    .select()
    .from(silences)
    .where(and(isNull(silences.endedAt), gt(silences.endsAt, new Date(now))));
  return marksFrom(rows, findings, now);
}

/**
 * The silence marks of `findings` and the maintenance ahead, from silence rows in force at `now`
 * (the live board reads those in force now; replay those in force at a past moment).
 */
export function marksFrom(
  rows: readonly (typeof silences.$inferSelect)[],
  findings: readonly Finding[],
  now: number,
): { marks: Map<string, SilenceMark>; upcoming: UpcomingMaintenance[] } {
  const active: ActiveSilence[] = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    matchers: r.matchers as SilenceMatchers,
    startsAt: r.startsAt.getTime(),
    endsAt: r.endsAt.getTime(),
    ticketId: r.ticketId,
    createdByName: r.createdByName,
  }));
  const marks = new Map<string, SilenceMark>();
  for (const f of findings) {
    const s = silenceFor(active, f, now);
    if (s) marks.set(f.id, { kind: s.kind, until: s.endsAt, ticketId: s.ticketId, by: s.createdByName });
  }
  const upcoming = active
    .filter((s) => s.kind === "maintenance" && s.startsAt > now)
    .sort((a, b) => a.startsAt - b.startsAt)
    .map((s) => ({
      systems: s.matchers.system ?? [],
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      ticketId: s.ticketId,
      by: s.createdByName,
    }));
  return { marks, upcoming };
}
