import "server-only";
import { and, asc, gt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { reports as reportsTable } from "../db/schema";
import type { Report } from "../telemetry/model";
import type { TelemetryStore } from "./store";

// The leader's rules see every stored report, whichever instance received it: reports are stored
// where they arrive (push ingest on any instance, pulls on the leader), each with a sequence number,
// and the leader reads everything after the last number it has accounted for. A change message
// ("reports up to N") only wakes the reader early; the reader also runs on the evaluator's tick, so
// a lost message delays a report by a second at most and loses nothing.
//
// Sequence numbers are taken when a transaction inserts, so a later number can become visible
// before an earlier one (two ingest requests at once), and a rolled-back insert leaves a hole for
// good. The reader therefore only moves its floor over numbers it has seen; a hole is waited for
// (re-read on each pass) for `gapGraceMs`, then passed.

export interface FloorState {
  /** Every seq ≤ floor has been read (or given up on). */
  floor: number;
  /** Holes above the floor, with when each was first noticed. */
  holes: Map<number, number>;
}

/**
 * Moves the floor over the seqs just read (ascending, all > floor): up to the first hole younger
 * than `graceMs`. Returns the new state; holes below the new floor are forgotten.
 */
export function advanceFloor(state: FloorState, seqs: readonly number[], now: number, graceMs: number): FloorState {
  const seen = new Set(seqs);
  const holes = new Map(state.holes);
  let floor = state.floor;
  const top = seqs.length ? seqs[seqs.length - 1]! : floor;
  while (floor < top) {
    const next = floor + 1;
    if (seen.has(next)) {
      holes.delete(next);
      floor = next;
      continue;
    }
    const since = holes.get(next) ?? now;
    holes.set(next, since);
    if (now - since < graceMs) break;
    holes.delete(next);
    floor = next;
  }
  // Holes above where the floor stopped are remembered from this pass too, so their grace runs.
  for (let s = floor + 1; s < top; s++) if (!seen.has(s) && !holes.has(s)) holes.set(s, now);
  for (const s of holes.keys()) if (s <= floor || s > top) holes.delete(s);
  return { floor, holes };
}

export interface ReportReaderOptions {
  db: Db;
  store: TelemetryStore;
  /** Called with the systems that received reports not seen before. */
  onReports: (systems: Set<string>) => void;
  /** Rows per query (a larger backlog is read in several). */
  batch?: number;
  /** How long a hole in the sequence is waited for (an insert not yet committed). */
  gapGraceMs?: number;
  now?: () => number;
}

export class ReportReader {
  private state: FloorState = { floor: 0, holes: new Map() };
  private reading: Promise<void> | null = null;
  private again = false;
  private readonly now: () => number;
  /** Reports added to the window by this reader (a figure for the sources screen and tests). */
  added = 0;

  constructor(private readonly o: ReportReaderOptions) {
    this.now = o.now ?? Date.now;
  }

  get floor(): number {
    return this.state.floor;
  }

  /**
   * On becoming leader: the reports of the rules' window, whoever stored them. The floor starts
   * below everything received in the last grace period, so inserts still in flight are read next.
   */
  async warmUp(): Promise<void> {
    const now = this.now();
    const grace = this.o.gapGraceMs ?? 10_000;
    const rows = await this.o.db
      .select()
      .from(reportsTable)
      .where(gt(reportsTable.observedAt, new Date(now - this.o.store.windowMs)))
      .orderBy(asc(reportsTable.seq));
    this.take(rows);
    const [{ max, recent } = { max: null, recent: null }] = await this.o.db
      .select({
        max: sql<string | null>`max(${reportsTable.seq})`,
        recent: sql<
          string | null
        >`min(${reportsTable.seq}) filter (where ${reportsTable.receivedAt} > ${new Date(now - grace)})`,
      })
      .from(reportsTable);
    const floor = recent !== null ? Number(recent) - 1 : max !== null ? Number(max) : 0;
    this.state = { floor, holes: new Map() };
  }

  /** Reads everything stored after the floor. Concurrent calls share one pass (and ask for another). */
  read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        const batch = this.o.batch ?? 2000;
        for (;;) {
          const rows = await this.o.db
            .select()
            .from(reportsTable)
            .where(and(gt(reportsTable.seq, this.state.floor)))
            .orderBy(asc(reportsTable.seq))
            .limit(batch);
          this.take(rows);
          const before = this.state.floor;
          this.state = advanceFloor(
            this.state,
            rows.map((r) => r.seq),
            this.now(),
            this.o.gapGraceMs ?? 10_000,
          );
          // A full batch that moved the floor: there is more. Otherwise the rest waits for a hole.
          if (rows.length < batch || this.state.floor === before) break;
        }
      } finally {
        this.reading = null;
        if (this.again) {
          this.again = false;
          void this.read().catch((err: Error) => console.error("[collector] reading reports failed:", err.message));
        }
      }
    })();
    return this.reading;
  }

  private take(rows: (typeof reportsTable.$inferSelect)[]) {
    if (!rows.length) return;
    const list: Report[] = rows.map((r) => ({
      system: r.system,
      id: r.id,
      kind: r.kind,
      fields: r.fields as Record<string, unknown>,
      observedAt: r.observedAt.getTime(),
    }));
    const fresh = this.o.store.addReports(list);
    if (!fresh.length) return;
    this.added += fresh.length;
    this.o.onReports(new Set(fresh.map((r) => r.system)));
  }
}
