import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { env } from "../env";
import { reports as reportsTable, sourceStatus, telemetrySamples } from "../db/schema";
import type { Report, Sample } from "../telemetry/model";
import type { HistorySink, TargetStatus } from "./collector";
import { seriesKey } from "./store";

// Writes the collector's output to the database: samples at most once per series per
// `resolutionMs` (the in-memory window keeps every poll for the rules), reports once per id, and
// the latest source status. Rollups (one- and ten-minute tiers, see tiers.ts) and retention run
// separately (rollupAndPrune).

export interface HistoryOptions {
  /** At most one stored point per series per this many ms. */
  resolutionMs?: number;
}

const CHUNK = 500;
const JSON_CHUNK = 5000;

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
      rows.push({
        k: key,
        s: s.system,
        e: s.entity,
        m: s.metric,
        l: s.labels,
        v: s.value,
        t: new Date(s.observedAt).toISOString(),
      });
    }
    // One JSON parameter per statement, unpacked by the database: building a drizzle multi-row
    // insert walked every value of every row in JavaScript, which profiles showed as a tenth of
    // the collector's CPU with 200 targets.
    for (let i = 0; i < rows.length; i += JSON_CHUNK) {
      await this.db.execute(sql`
        insert into ${telemetrySamples} (series_key, system, entity, metric, labels, value, observed_at)
        select r.k, r.s, r.e, r.m, r.l, r.v, r.t
        from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + JSON_CHUNK))}::jsonb)
          as r(k text, s text, e text, m text, l jsonb, v double precision, t timestamptz)`);
    }
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
    const chunk = list
      .slice(i, i + CHUNK)
      .map((r) => ({ system: r.system, id: r.id, kind: r.kind, fields: r.fields, observedAt: new Date(r.observedAt) }));
    const inserted = await db
      .insert(reportsTable)
      .values(chunk)
      .onConflictDoNothing()
      .returning({ id: reportsTable.id });
    stored += inserted.length;
  }
  return { stored, duplicates: list.length - stored };
}

export interface RetentionOptions {
  now: number;
  /** Raw samples older than this are deleted (they are in the rollup tiers by then). Default 6 h. */
  rawWindowMs?: number;
  /** One-minute rollups and reports older than this are deleted. Default 7 days. */
  retentionMs?: number;
  /** Ten-minute rollups older than this are deleted. Default: the same as `retentionMs`. */
  coarseRetentionMs?: number;
  /**
   * Finding transitions and source freshness changes older than this are deleted, except the last
   * one before the cutoff of each finding and source (the state replay starts from). Default:
   * WATCHFLOOR_FINDING_HISTORY_DAYS (30 days).
   */
  findingHistoryMs?: number;
}

/** Ten-minute buckets start on whole ten minutes since the epoch (as the migration's backfill). */
const bin10m = (col: SQL) => sql`date_bin('10 minutes', ${col}, timestamptz '1970-01-01 00:00:00+00')`;

/**
 * One rollup run: every raw sample not yet rolled (up to `now`) is counted into its one-minute
 * bucket and marked rolled; the ten-minute buckets those minutes belong to are recomputed from
 * their minutes; then retention applies. So the tiers reach up to the last run (a long-range read
 * needs raw samples only for the minutes since), each sample is counted once however late it
 * arrives, and a ten-minute bucket always equals the minutes under it. One repeatable-read
 * transaction: every step sees the same samples, even while the collector keeps writing.
 */
export async function rollupAndPrune(db: Db, o: RetentionOptions): Promise<void> {
  // ISO strings with explicit casts: raw SQL parameters must serialise the same on both drivers.
  const upTo = new Date(o.now).toISOString();
  const rawCutoff = new Date(o.now - (o.rawWindowMs ?? 6 * 3_600_000)).toISOString();
  const retentionMs = o.retentionMs ?? 7 * 86_400_000;
  const retentionCutoff = new Date(o.now - retentionMs).toISOString();
  // A ten-minute bucket goes once all of it is past retention.
  const coarseCutoff = new Date(o.now - (o.coarseRetentionMs ?? retentionMs) - 600_000).toISOString();
  const historyCutoff = new Date(
    o.now - (o.findingHistoryMs ?? env().WATCHFLOOR_FINDING_HISTORY_DAYS * 86_400_000),
  ).toISOString();
  await db.transaction(
    async (tx) => {
      // A minute rolled in two runs (its samples straddled a run) merges; the newer part's last wins.
      await tx.execute(sql`
        insert into telemetry_rollups_1m (series_key, system, entity, metric, labels, bucket, avg, min, max, last, n)
        select series_key, min(system), min(entity), min(metric), (array_agg(labels))[1],
               date_trunc('minute', observed_at) as b, avg(value), min(value), max(value),
               (array_agg(value order by observed_at desc))[1], count(*)
        from telemetry_samples where not rolled and observed_at <= ${upTo}::timestamptz
        group by series_key, b
        on conflict (series_key, bucket) do update set
          avg = (telemetry_rollups_1m.avg * telemetry_rollups_1m.n + excluded.avg * excluded.n) / (telemetry_rollups_1m.n + excluded.n),
          min = least(telemetry_rollups_1m.min, excluded.min),
          max = greatest(telemetry_rollups_1m.max, excluded.max),
          last = excluded.last,
          n = telemetry_rollups_1m.n + excluded.n`);
      // The ten-minute buckets to recompute from their minutes: those of the samples just rolled,
      // and those at or after the newest ten-minute bucket (which also fills the tier when it is
      // empty, or behind after an older collector wrote minutes only). Recomputing a whole bucket,
      // rather than adding to it, keeps the two tiers equal by construction.
      await tx.execute(sql`
        with newest as (select max(bucket) as b from telemetry_rollups_10m),
        touched as (
          select distinct series_key, ${bin10m(sql`observed_at`)} as b10
          from telemetry_samples where not rolled and observed_at <= ${upTo}::timestamptz
          union
          select distinct series_key, ${bin10m(sql`bucket`)} as b10
          from telemetry_rollups_1m where bucket >= coalesce((select b from newest), '-infinity'::timestamptz)
        )
        insert into telemetry_rollups_10m (series_key, system, entity, metric, labels, bucket, avg, min, max, last, n)
        select r.series_key, min(r.system), min(r.entity), min(r.metric), (array_agg(r.labels))[1],
               t.b10, sum(r.avg * r.n) / sum(r.n), min(r.min), max(r.max),
               (array_agg(r.last order by r.bucket desc))[1], sum(r.n)::int
        from touched t
        join telemetry_rollups_1m r on r.series_key = t.series_key and r.bucket >= t.b10 and r.bucket < t.b10 + interval '10 minutes'
        group by r.series_key, t.b10
        on conflict (series_key, bucket) do update set
          avg = excluded.avg, min = excluded.min, max = excluded.max, last = excluded.last, n = excluded.n`);
      await tx.execute(
        sql`update telemetry_samples set rolled = true where not rolled and observed_at <= ${upTo}::timestamptz`,
      );
      await tx.execute(sql`delete from telemetry_samples where observed_at < ${rawCutoff}::timestamptz and rolled`);
      await tx.execute(sql`delete from telemetry_rollups_1m where bucket < ${retentionCutoff}::timestamptz`);
      await tx.execute(sql`delete from telemetry_rollups_10m where bucket < ${coarseCutoff}::timestamptz`);
      await tx.execute(sql`delete from reports where observed_at < ${retentionCutoff}::timestamptz`);
      await tx.execute(sql`
        delete from finding_transitions t where t.at < ${historyCutoff}::timestamptz
          and (t.kind <> 'state' or exists (
            select 1 from finding_transitions n where n.finding_id = t.finding_id and n.kind = 'state'
              and n.at < ${historyCutoff}::timestamptz and (n.at, n.seq) > (t.at, t.seq)))`);
      await tx.execute(sql`
        delete from source_freshness_changes c where c.at < ${historyCutoff}::timestamptz
          and exists (
            select 1 from source_freshness_changes n where n.system = c.system
              and n.at < ${historyCutoff}::timestamptz and (n.at, n.seq) > (c.at, c.seq))`);
    },
    { isolationLevel: "repeatable read" },
  );
}
