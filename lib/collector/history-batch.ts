import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { sourceStatus } from "../db/schema";
import type { Report, Sample } from "../telemetry/model";
import type { HistorySink, TargetStatus } from "./collector";
import { DbHistorySink, type HistoryOptions } from "./history";

// The history writes of one flush interval together: every poll's samples in the same multi-row
// inserts, reports likewise, and one upsert for the latest status of every target that polled.
// With 200 targets at 5 s, writing per poll meant about 80 statements (and commits) a second on
// the embedded database, which took a third of the collector's CPU in profiles; batched it is a
// handful per flush. The in-memory window the rules read is updated at once as before; only the
// database copy (history charts, other instances' source status) trails by up to `flushMs`, and
// an older status never makes a source look fresher: freshness is recomputed from its times.

export interface BatchedHistoryOptions extends HistoryOptions {
  /** How often buffered writes go to the database (ms). */
  flushMs?: number;
  /** Samples kept waiting at most; beyond it the oldest are dropped (and counted in the log). */
  maxPendingSamples?: number;
  /** After statuses reached the database, with the targets they were for (other instances read them there). */
  onFlushed?: (statusSystems: string[]) => void;
}

export class BatchedHistorySink implements HistorySink {
  private readonly inner: DbHistorySink;
  private samplesQ: Sample[] = [];
  private reportsQ: Report[] = [];
  private statusQ = new Map<string, TargetStatus>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  /** Closed: the poll that was under way when the collector stopped writes nothing after it. */
  private closed = false;
  private readonly flushMs: number;
  private readonly maxPending: number;
  private readonly onFlushed?: (statusSystems: string[]) => void;

  constructor(
    private readonly db: Db,
    o: BatchedHistoryOptions = {},
  ) {
    this.onFlushed = o.onFlushed;
    this.inner = new DbHistorySink(db, o);
    this.flushMs = o.flushMs ?? 1000;
    this.maxPending = o.maxPendingSamples ?? 200_000;
  }

  async samples(samples: Sample[]): Promise<void> {
    if (this.closed) return;
    for (const s of samples) this.samplesQ.push(s);
    if (this.samplesQ.length > this.maxPending) {
      const over = this.samplesQ.length - this.maxPending;
      this.samplesQ.splice(0, over);
      this.dropped += over;
    }
    this.arm();
  }

  async reports(list: Report[]): Promise<void> {
    if (this.closed) return;
    for (const r of list) this.reportsQ.push(r);
    this.arm();
  }

  async status(st: TargetStatus): Promise<void> {
    if (this.closed) return;
    this.statusQ.set(st.name, st);
    this.arm();
  }

  private arm() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
    this.timer.unref?.();
  }

  /** Writes what is buffered now (waits for a flush already under way first). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const samples = this.samplesQ;
    const reports = this.reportsQ;
    const statuses = [...this.statusQ.values()];
    if (!samples.length && !reports.length && !statuses.length) return;
    this.samplesQ = [];
    this.reportsQ = [];
    this.statusQ = new Map();
    const dropped = this.dropped;
    this.dropped = 0;
    this.flushing = (async () => {
      try {
        if (samples.length) await this.inner.samples(samples);
        if (reports.length) await this.inner.reports(reports);
        if (statuses.length) {
          await writeStatuses(this.db, statuses);
          this.onFlushed?.(statuses.map((st) => st.name));
        }
        if (dropped) console.error(`[collector] history fell behind: ${dropped} samples were not stored`);
      } catch (err) {
        console.error(
          `[collector] history write for ${statuses.length || "some"} targets failed:`,
          (err as Error).message,
        );
      }
    })().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /** Stops flushing on a timer; `flush` decides whether what is buffered is written or dropped. */
  async close(o: { flush: boolean }): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (o.flush) await this.flush();
    else {
      while (this.flushing) await this.flushing;
      this.samplesQ = [];
      this.reportsQ = [];
      this.statusQ = new Map();
    }
  }
}

/** The latest status of several targets in one statement (as DbHistorySink.status does for one). */
async function writeStatuses(db: Db, list: TargetStatus[]): Promise<void> {
  const now = new Date();
  const rows = list.map((st) => ({
    system: st.name,
    status: { ...st, lastSamples: st.lastSamples.slice(0, 50) },
    updatedAt: now,
  }));
  await db
    .insert(sourceStatus)
    .values(rows)
    .onConflictDoUpdate({
      target: sourceStatus.system,
      set: { status: sql`excluded.status`, updatedAt: sql`excluded.updated_at` },
    });
}
