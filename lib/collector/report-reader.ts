import "server-only";
import { asc, gt, inArray, sql } from "drizzle-orm";
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
// Sequence numbers are taken when an insert runs, so a later number can become visible before an
// earlier one (two ingest requests at once), and an insert that stores nothing (a duplicate, a
// rolled-back transaction) leaves a hole for good. The reader keeps a cursor (the highest number
// read) and the holes below it; each pass it asks for the holes again, until each has been open
// for `gapGraceMs`, then forgets it.

export interface ReadState {
  /** The highest seq read. */
  cursor: number;
  /** Numbers below the cursor not read yet, with when each was first noticed. */
  holes: Map<number, number>;
}

/**
 * The state after a pass that read `seqs` (any order): the cursor moves to the highest, numbers
 * skipped over become holes, holes that were read or have waited `graceMs` are dropped.
 */
export function trackHoles(state: ReadState, seqs: readonly number[], now: number, graceMs: number): ReadState {
  const holes = new Map(state.holes);
  for (const s of seqs) holes.delete(s);
  let cursor = state.cursor;
  const above = [...seqs].filter((s) => s > cursor).sort((x, y) => x - y);
  const seen = new Set(above);
  for (const top of above.slice(-1)) {
    for (let s = cursor + 1; s < top; s++) if (!seen.has(s)) holes.set(s, now);
    cursor = top;
  }
  for (const [s, since] of holes) if (now - since >= graceMs) holes.delete(s);
  // A flood of duplicates (each burns a number) must not grow this without bound: past the cap the
  // oldest holes are given up first.
  if (holes.size > MAX_HOLES) {
    const drop = [...holes].sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, holes.size - MAX_HOLES);
    for (const [s] of drop) holes.delete(s);
  }
  return { cursor, holes };
}

/** Holes waited for at most (see trackHoles). */
export const MAX_HOLES = 50_000;
/** Numbers per hole query (well under PostgreSQL's 65,535 parameters). */
const HOLE_QUERY_CHUNK = 5_000;

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
  private state: ReadState = { cursor: 0, holes: new Map() };
  private reading: Promise<void> | null = null;
  private again = false;
  private readonly now: () => number;
  /** Reports added to the window by this reader (a figure for the sources screen and tests). */
  added = 0;
  /** False until warmUp has succeeded: read() warms up first (a failed warm-up is retried). */
  private warm = false;

  constructor(private readonly o: ReportReaderOptions) {
    this.now = o.now ?? Date.now;
  }

  get cursor(): number {
    return this.state.cursor;
  }

  /** Numbers below the cursor still waited for. */
  get waitingFor(): number {
    return this.state.holes.size;
  }

  /**
   * On becoming leader: the reports of the rules' window, whoever stored them. Everything received
   * in the last grace period counts as a hole, so inserts still in flight are read next.
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
    const [row] = await this.o.db
      .select({
        max: sql<string | null>`max(${reportsTable.seq})`,
        recent: sql<
          string | null
        >`min(${reportsTable.seq}) filter (where ${reportsTable.receivedAt} > ${new Date(now - grace).toISOString()}::timestamptz)`,
      })
      .from(reportsTable);
    const max = row?.max != null ? Number(row.max) : 0;
    const from = row?.recent != null ? Number(row.recent) : max + 1;
    const read = new Set(rows.map((r) => r.seq));
    const holes = new Map<number, number>();
    for (let s = from; s <= max; s++) if (!read.has(s)) holes.set(s, now);
    this.state = { cursor: max, holes };
    this.warm = true;
  }

  /** Reads everything stored after the cursor, and the holes. Concurrent calls share one pass (and ask for another). */
  read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        // Never read from the start of time: without a warm-up the cursor is 0.
        if (!this.warm) await this.warmUp();
        const batch = this.o.batch ?? 2000;
        const grace = this.o.gapGraceMs ?? 10_000;
        const wanted = [...this.state.holes.keys()];
        for (let i = 0; i < wanted.length; i += HOLE_QUERY_CHUNK) {
          try {
            const rows = await this.o.db
              .select()
              .from(reportsTable)
              .where(inArray(reportsTable.seq, wanted.slice(i, i + HOLE_QUERY_CHUNK)));
            this.take(rows);
            this.state = trackHoles(
              this.state,
              rows.map((r) => r.seq),
              this.now(),
              grace,
            );
          } catch (err) {
            // The holes are asked for again next pass; new reports must not wait for them.
            console.error("[collector] reading late reports failed:", (err as Error).message);
            break;
          }
        }
        for (;;) {
          const rows = await this.o.db
            .select()
            .from(reportsTable)
            .where(gt(reportsTable.seq, this.state.cursor))
            .orderBy(asc(reportsTable.seq))
            .limit(batch);
          this.take(rows);
          this.state = trackHoles(
            this.state,
            rows.map((r) => r.seq),
            this.now(),
            grace,
          );
          if (rows.length < batch) break;
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
