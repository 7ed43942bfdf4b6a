import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { reports as reportsTable, sourceStatus, telemetrySamples } from "../db/schema";
import type { Report, Sample } from "../telemetry/model";
import type { HistorySink, TargetStatus } from "./collector";
import { seriesKey } from "./store";

// Writes the collector's output to the database: samples at most once per series per
// `resolutionMs` (the in-memory window keeps every poll for the rules), reports once per id, and
// the latest source status. Rollups and retention run separately (rollupAndPrune).

export interface HistoryOptions {
  /** At most one stored point per series per this many ms. */
  resolutionMs?: number;
}

const CHUNK = 500;

/** Histogram buckets are kept in memory only; their quantiles are stored as their own series. */
function worthStoring(s: Sample): boolean {
  return Number.isFinite(s.value) && !s.metric.endsWith("_bucket");
}

export class DbHistorySink implements HistorySink {
  private readonly lastWritten = new Map<string, number>();
  private readonly resolutionMs: number;

  constructor(
    private readonly db: Db,
    o: HistoryOptions = {},
    private readonly onWrite?: (system: string) => void,
  ) {
    this.resolutionMs = o.resolutionMs ?? 10_000;
  }

  async samples(samples: Sample[]): Promise<void> {
    const rows = [];
    for (const s of samples) {
      if (!worthStoring(s)) continue;
      const key = seriesKey(s);
      const last = this.lastWritten.get(key);
      if (last !== undefined && s.observedAt - last < this.resolutionMs) continue;
      this.lastWritten.set(key, s.observedAt);
      rows.push({ seriesKey: key, system: s.system, entity: s.entity, metric: s.metric, labels: s.labels, value: s.value, observedAt: new Date(s.observedAt) });
    }
    for (let i = 0; i < rows.length; i += CHUNK) await this.db.insert(telemetrySamples).values(rows.slice(i, i + CHUNK));
  }

  async reports(list: Report[]): Promise<void> {
    await storeReports(this.db, list);
  }

  async status(st: TargetStatus): Promise<void> {
    const value = { ...st, lastSamples: st.lastSamples.slice(0, 50) };
    const now = new Date();
    await this.db
      .insert(sourceStatus)
      .values({ system: st.name, status: value, updatedAt: now })
      .onConflictDoUpdate({ target: sourceStatus.system, set: { status: value, updatedAt: now } });
    this.onWrite?.(st.name);
  }
}

/** Stores reports durably; a report already stored (same system and id) is not stored again. */
export async function storeReports(db: Db, list: Report[]): Promise<{ stored: number; duplicates: number }> {
  let stored = 0;
  for (let i = 0; i < list.length; i += CHUNK) {
    const chunk = list.slice(i, i + CHUNK).map((r) => ({ system: r.system, id: r.id, kind: r.kind, fields: r.fields, observedAt: new Date(r.observedAt) }));
    const inserted = await db.insert(reportsTable).values(chunk).onConflictDoNothing().returning({ id: reportsTable.id });
    stored += inserted.length;
  }
  return { stored, duplicates: list.length - stored };
}

export interface RetentionOptions {
  now: number;
  /** Raw samples older than this are rolled up into one-minute buckets. Default 6 h. */
  rawWindowMs?: number;
  /** Rollups and reports older than this are deleted. Default 7 days. */
  retentionMs?: number;
}

/** Rolls raw samples past the raw window into one-minute buckets, then applies retention. */
export async function rollupAndPrune(db: Db, o: RetentionOptions): Promise<void> {
  // ISO strings with explicit casts: raw SQL parameters must serialise the same on both drivers.
  const rawCutoff = new Date(o.now - (o.rawWindowMs ?? 6 * 3_600_000)).toISOString();
  const retentionCutoff = new Date(o.now - (o.retentionMs ?? 7 * 86_400_000)).toISOString();
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into telemetry_rollups_1m (series_key, system, entity, metric, labels, bucket, avg, min, max, last, n)
      select series_key, min(system), min(entity), min(metric), (array_agg(labels))[1],
             date_trunc('minute', observed_at) as b, avg(value), min(value), max(value),
             (array_agg(value order by observed_at desc))[1], count(*)
      from telemetry_samples where observed_at < ${rawCutoff}::timestamptz
      group by series_key, b
      on conflict (series_key, bucket) do update set
        avg = (telemetry_rollups_1m.avg * telemetry_rollups_1m.n + excluded.avg * excluded.n) / (telemetry_rollups_1m.n + excluded.n),
        min = least(telemetry_rollups_1m.min, excluded.min),
        max = greatest(telemetry_rollups_1m.max, excluded.max),
        last = excluded.last,
        n = telemetry_rollups_1m.n + excluded.n`);
    await tx.execute(sql`delete from telemetry_samples where observed_at < ${rawCutoff}::timestamptz`);
    await tx.execute(sql`delete from telemetry_rollups_1m where bucket < ${retentionCutoff}::timestamptz`);
    await tx.execute(sql`delete from reports where observed_at < ${retentionCutoff}::timestamptz`);
  });
}
