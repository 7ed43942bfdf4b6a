import "server-only";
import { and, asc, eq, gte, inArray, lt, lte, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { getDb } from "../db";
import { rowsOf } from "../db/client";
import { reports as reportsTable, telemetryRollups, telemetryRollups10m, telemetrySamples } from "../db/schema";
import { getLocalCollector } from "../collector/runtime";
import type { TelemetryStore } from "../collector/store";
import { planHistoryRead, TIER_10M, TIER_1M, type ReadPlan } from "../collector/tiers";
import type { Report } from "../telemetry/model";
import { bucketPoint, bucketPoints, bucketStart, mergeBuckets, type Bucket } from "./buckets";
import type { Agg, Pt } from "./downsample";
import { MAX_POINTS } from "./shape";

// Where panel data comes from. The recent window (about 65 minutes, every poll) is in the
// collector runtime's in-memory store when this process runs one; older data, and everything on
// an instance without a runtime, comes from the database: raw samples (≤ 1 point per 10 s per
// series, 6 h), one-minute rollups and ten-minute rollups (7 days each). The range decides the
// detail (collector/tiers.ts): short ranges get exact points, longer ones buckets of a width that
// keeps every series within what a chart draws, read from the coarsest rollup tier that fits, so
// a week never scans a week of minutes. Series from the sources are stitched together per series
// key, older source first.

export interface RawSeries {
  key: string;
  entity: string;
  labels: Record<string, string>;
  points: Pt[];
  /** Width of the buckets each point aggregates; absent for exact points. */
  bucketMs?: number;
}

/** A bucket of one series, read from the database (only its metric's aggregate field is meant to be read). */
interface KeyedBucket {
  metric: string;
  key: string;
  entity: string;
  labels: Record<string, string>;
  bucket: Bucket;
}

export interface LatestValue {
  entity: string;
  labels: Record<string, string>;
  t: number;
  v: number;
}

/** Database reads of long ranges, kept for a minute (see history()). */
const DB_CACHE = new Map<string, { at: number; rows: KeyedBucket[] }>();
const DB_CACHE_MS = 60_000;

function parseLabels(x: unknown): Record<string, string> {
  if (typeof x === "string") {
    try {
      return JSON.parse(x) as Record<string, string>;
    } catch {
      return {};
    }
  }
  return (x ?? {}) as Record<string, string>;
}

/**
 * A series key (`system|entity|metric|k=v,k=v`, see collector/store.ts) back into its parts, so
 * bulk reads need not carry every row's labels. Label values with "," or "=" cannot be split
 * back reliably; such keys give their labels as one `_` entry rather than wrong ones.
 */
export function parseSeriesKey(
  key: string,
): { system: string; entity: string; metric: string; labels: Record<string, string> } | null {
  const a = key.indexOf("|");
  const b = key.indexOf("|", a + 1);
  const c = key.lastIndexOf("|");
  if (a < 0 || b < 0 || c <= b) return null;
  const labelsKey = key.slice(c + 1);
  const labels: Record<string, string> = {};
  if (labelsKey) {
    const parts = labelsKey.split(",");
    if (parts.every((p) => p.split("=").length === 2))
      for (const p of parts) {
        const [k, v] = p.split("=") as [string, string];
        labels[k] = v;
      }
    else labels._ = labelsKey;
  }
  return { system: key.slice(0, a), entity: key.slice(a + 1, b), metric: key.slice(b + 1, c), labels };
}

/** A timestamp as epoch milliseconds (a float: round it after parsing). */
const epochMs = (col: SQLWrapper) => sql`extract(epoch from ${col})::float8 * 1000`;

/** Runs a query whose one row has one column, `rows`, a JSON array (as text), and parses it. */
async function jsonRows<T>(query: SQL): Promise<T[]> {
  const db = await getDb();
  const [row] = rowsOf<{ rows: string | null }>(await db.execute(query));
  return row?.rows ? (JSON.parse(row.rows) as T[]) : [];
}

function pick(row: { max: number; min: number; avg: number; last: number }, agg: Agg): number {
  return row[agg];
}

export class TelemetryReader {
  private latestCache = new Map<string, Promise<Map<string, LatestValue[]>>>();
  private readonly store: TelemetryStore | undefined;

  /**
   * `store`: the recent window to read first (default: this process's collector's); `null` reads
   * the database only, up to `now` (a panel replayed at a past moment).
   */
  constructor(
    readonly now: number,
    store?: TelemetryStore | null,
  ) {
    this.store = store === null ? undefined : (store ?? getLocalCollector()?.store);
  }

  /** Whether the recent window comes from this process's collector (else from the database). */
  get live(): boolean {
    return this.store !== undefined;
  }

  /** Latest value of every series of a system, by metric. */
  latestAll(system: string): Promise<Map<string, LatestValue[]>> {
    let p = this.latestCache.get(system);
    if (!p) {
      p = this.loadLatest(system);
      this.latestCache.set(system, p);
    }
    return p;
  }

  private async loadLatest(system: string): Promise<Map<string, LatestValue[]>> {
    const out = new Map<string, LatestValue[]>();
    const add = (metric: string, v: LatestValue) => {
      let list = out.get(metric);
      if (!list) out.set(metric, (list = []));
      list.push(v);
    };
    const series = this.store?.allSeries(system) ?? [];
    if (series.length) {
      for (const s of series) {
        const p = s.points[s.points.length - 1];
        if (p) add(s.metric, { entity: s.entity, labels: s.labels, t: p.t, v: p.v });
      }
      return out;
    }
    const db = await getDb();
    const rows = await db
      .selectDistinctOn([telemetrySamples.seriesKey], {
        metric: telemetrySamples.metric,
        entity: telemetrySamples.entity,
        labels: telemetrySamples.labels,
        value: telemetrySamples.value,
        at: telemetrySamples.observedAt,
      })
      .from(telemetrySamples)
      .where(
        and(
          eq(telemetrySamples.system, system),
          gte(telemetrySamples.observedAt, new Date(this.now - 6 * 3_600_000)),
          lte(telemetrySamples.observedAt, new Date(this.now)),
        ),
      )
      .orderBy(telemetrySamples.seriesKey, sql`${telemetrySamples.observedAt} desc`);
    for (const r of rows)
      add(r.metric, { entity: r.entity, labels: parseLabels(r.labels), t: r.at.getTime(), v: r.value });
    return out;
  }

  /**
   * Every series of the given metrics of a system in [from, to]. `aggOf` says which value stands
   * for a bucket (or a rollup row): `last` for counters (rates are taken between consecutive
   * values), `max` or `min` for gauges where high or low is bad. No series gets more points than
   * a chart draws (see planHistoryRead), except exact short ranges of a source polled faster than
   * the history resolution.
   */
  async history(
    system: string,
    metrics: readonly string[],
    from: number,
    to: number,
    aggOf: (metric: string) => Agg,
  ): Promise<Map<string, RawSeries[]>> {
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
      throw new RangeError(`A history range must run forwards between two finite times, got ${from} to ${to}.`);
    const plan = planHistoryRead(to - from, MAX_POINTS);
    // The store covers from its oldest point onwards; before that, the database.
    let storeFrom = Infinity;
    const fromStore: {
      metric: string;
      key: string;
      entity: string;
      labels: Record<string, string>;
      points: readonly Pt[];
    }[] = [];
    if (this.store) {
      for (const metric of metrics) {
        for (const s of this.store.seriesFor(system, metric)) {
          if (s.points.length) storeFrom = Math.min(storeFrom, s.points[0]!.t);
          fromStore.push({ metric, key: s.key, entity: s.entity, labels: s.labels, points: s.points });
        }
      }
    }
    const dbTo = Math.min(to, storeFrom);
    const storeIn = (p: Pt) => p.t >= Math.max(from, storeFrom) && p.t <= to;
    if (plan.bucketMs === 0) return this.exactHistory(system, metrics, from, to, dbTo, fromStore, storeIn, aggOf);

    const out = new Map<
      string,
      Map<string, { entity: string; labels: Record<string, string>; buckets: Map<number, Bucket> }>
    >();
    const add = (metric: string, key: string, entity: string, labels: Record<string, string>, x: Bucket) => {
      let m = out.get(metric);
      if (!m) out.set(metric, (m = new Map()));
      let s = m.get(key);
      if (!s) m.set(key, (s = { entity, labels, buckets: new Map() }));
      const had = s.buckets.get(x.b);
      s.buckets.set(x.b, had ? mergeBuckets(had, x) : x);
    };
    if (from < dbTo && metrics.length) {
      let rows: KeyedBucket[];
      // With a live store the database part changes slowly (the newest hour comes from the
      // store), so one read serves every refresh for a minute instead of reading it again.
      if (this.store) {
        const cacheKey = JSON.stringify([
          system,
          [...metrics].sort().map((m) => [m, aggOf(m)]),
          plan.bucketMs,
          plan.rollup,
          Math.floor(from / 60_000),
        ]);
        let hit = DB_CACHE.get(cacheKey);
        if (!hit || this.now - hit.at > DB_CACHE_MS) {
          hit = { at: this.now, rows: await this.bucketsFromDb(system, metrics, from, dbTo, plan, aggOf) };
          DB_CACHE.set(cacheKey, hit);
          for (const [k, v] of DB_CACHE) if (this.now - v.at > DB_CACHE_MS) DB_CACHE.delete(k);
        }
        rows = hit.rows;
      } else rows = await this.bucketsFromDb(system, metrics, from, dbTo, plan, aggOf);
      for (const r of rows) if (r.bucket.b < dbTo) add(r.metric, r.key, r.entity, r.labels, r.bucket);
    }
    for (const s of fromStore)
      for (const x of bucketPoints(s.points.filter(storeIn), plan.bucketMs))
        add(s.metric, s.key, s.entity, s.labels, x);
    const result = new Map<string, RawSeries[]>();
    for (const [metric, m] of out) {
      const agg = aggOf(metric);
      const list: RawSeries[] = [];
      for (const [key, s] of m) {
        const points = [...s.buckets.values()].sort((a, b) => a.b - b.b).map((x) => bucketPoint(x, agg));
        if (points.length) list.push({ key, entity: s.entity, labels: s.labels, points, bucketMs: plan.bucketMs });
      }
      result.set(metric, list);
    }
    return result;
  }

  /** Short ranges: exact points — raw samples and, before a series' first raw sample, one-minute rollups. */
  private async exactHistory(
    system: string,
    metrics: readonly string[],
    from: number,
    to: number,
    dbTo: number,
    fromStore: { metric: string; key: string; entity: string; labels: Record<string, string>; points: readonly Pt[] }[],
    storeIn: (p: Pt) => boolean,
    aggOf: (metric: string) => Agg,
  ): Promise<Map<string, RawSeries[]>> {
    const out = new Map<string, Map<string, RawSeries>>();
    const get = (metric: string, key: string, entity: string, labels: Record<string, string>) => {
      let m = out.get(metric);
      if (!m) out.set(metric, (m = new Map()));
      let s = m.get(key);
      if (!s) m.set(key, (s = { key, entity, labels, points: [] }));
      return s;
    };
    if (from < dbTo && metrics.length) {
      const list = [...metrics];
      const T = telemetrySamples;
      const R = telemetryRollups;
      type RawRow = [key: string, t: number, value: number];
      type RolledRow = [key: string, t: number, max: number, min: number, avg: number, last: number];
      const raw = await jsonRows<RawRow>(sql`
        select coalesce(json_agg(json_build_array(${T.seriesKey}, ${epochMs(T.observedAt)}, ${T.value}) order by ${T.observedAt}), '[]')::text as rows
        from ${T} where ${and(eq(T.system, system), inArray(T.metric, list), gte(T.observedAt, new Date(from)), lt(T.observedAt, new Date(dbTo)))}`);
      const rolled = await jsonRows<RolledRow>(sql`
        select coalesce(json_agg(json_build_array(${R.seriesKey}, ${epochMs(R.bucket)}, ${R.max}, ${R.min}, ${R.avg}, ${R.last}) order by ${R.bucket}), '[]')::text as rows
        from ${R} where ${and(eq(R.system, system), inArray(R.metric, list), gte(R.bucket, new Date(from)), lt(R.bucket, new Date(dbTo)))}`);
      // Rollups only where the raw table has nothing: before each series' first raw point.
      const firstRaw = new Map<string, number>();
      for (const [key, t] of raw) if (!firstRaw.has(key)) firstRaw.set(key, Math.round(t));
      for (const [key, tRaw, max, min, avg, last] of rolled) {
        const t = Math.round(tRaw);
        const first = firstRaw.get(key);
        if (first !== undefined && t + TIER_1M.stepMs > first) continue;
        const k = parseSeriesKey(key);
        if (k)
          get(k.metric, key, k.entity, k.labels).points.push({
            t,
            v: Number(pick({ max, min, avg, last }, aggOf(k.metric))),
          });
      }
      for (const [key, t, value] of raw) {
        const k = parseSeriesKey(key);
        if (k) get(k.metric, key, k.entity, k.labels).points.push({ t: Math.round(t), v: Number(value) });
      }
    }
    for (const s of fromStore) {
      const target = get(s.metric, s.key, s.entity, s.labels);
      for (const p of s.points) if (storeIn(p)) target.points.push({ t: p.t, v: p.v });
    }
    const result = new Map<string, RawSeries[]>();
    for (const [metric, m] of out)
      result.set(
        metric,
        [...m.values()].filter((s) => s.points.length > 0),
      );
    return result;
  }

  /**
   * The database part of a bucketed read: the plan's rollup tier, which reaches up to the last
   * rollup run, and the raw samples not rolled up yet (the minutes since that run), grouped into
   * the plan's buckets. No already-rolled raw sample is read, and every sample is in exactly one
   * of the two, so a bucket holding both merges without counting anything twice. The rows come
   * out of the database as one JSON document and are grouped here: on the embedded database,
   * handing over thousands of rows one by one, or grouping them in SQL, costs several times more
   * than parsing one document (see scripts/measure-7d-db.ts).
   */
  private async bucketsFromDb(
    system: string,
    metrics: readonly string[],
    from: number,
    to: number,
    plan: ReadPlan,
    aggOf: (metric: string) => Agg,
  ): Promise<KeyedBucket[]> {
    const list = [...metrics];
    const w = plan.bucketMs;
    const T = telemetrySamples;
    // Both rollup tables have the same columns; the cast only picks which one the SQL names.
    const R = (plan.rollup === "10m" ? telemetryRollups10m : telemetryRollups) as typeof telemetryRollups;
    const step = plan.rollup === "10m" ? TIER_10M.stepMs : TIER_1M.stepMs;
    type RolledRow = [key: string, t: number, v: number, n: number];
    type RawRow = [key: string, t: number, value: number];
    // Only the value each metric is drawn by leaves the database (a third of the text to build
    // and parse); the bucket carries it in every aggregate field, and only that field is read.
    const byAgg = new Map<Agg, string[]>();
    for (const m of list) byAgg.set(aggOf(m), [...(byAgg.get(aggOf(m)) ?? []), m]);
    const value = sql`case ${sql.join(
      [...byAgg].map(([agg, ms]) => sql`when ${inArray(R.metric, ms)} then ${R[agg]}`),
      sql` `,
    )} end`;
    const rolled = await jsonRows<RolledRow>(sql`
      select coalesce(json_agg(json_build_array(${R.seriesKey}, ${epochMs(R.bucket)}, ${value}, ${R.n})), '[]')::text as rows
      from ${R} where ${and(eq(R.system, system), inArray(R.metric, list), gte(R.bucket, new Date(from)), lt(R.bucket, new Date(to)))}`);
    // `not rolled` exactly as the partial index says it, so the index serves the read.
    const raw = await jsonRows<RawRow>(sql`
      select coalesce(json_agg(json_build_array(${T.seriesKey}, ${epochMs(T.observedAt)}, ${T.value})), '[]')::text as rows
      from ${T} where not ${T.rolled} and ${and(eq(T.system, system), inArray(T.metric, list), gte(T.observedAt, new Date(from)), lt(T.observedAt, new Date(to)))}`);
    const byKey = new Map<string, Map<number, Bucket>>();
    const add = (key: string, x: Bucket) => {
      let m = byKey.get(key);
      if (!m) byKey.set(key, (m = new Map()));
      const had = m.get(x.b);
      m.set(x.b, had ? mergeBuckets(had, x) : x);
    };
    for (const [key, tRaw, vRaw, n] of rolled) {
      const t = Math.round(tRaw);
      const v = Number(vRaw);
      // A rollup row's data ends where the row ends.
      add(key, { b: bucketStart(t, w), at: t + step, min: v, max: v, avg: v, last: v, n: Number(n) });
    }
    const rawByKey = new Map<string, Pt[]>();
    for (const [key, t, value] of raw) {
      let pts = rawByKey.get(key);
      if (!pts) rawByKey.set(key, (pts = []));
      pts.push({ t: Math.round(t), v: Number(value) });
    }
    for (const [key, pts] of rawByKey) for (const x of bucketPoints(pts, w)) add(key, x);
    const out: KeyedBucket[] = [];
    for (const [key, m] of byKey) {
      const k = parseSeriesKey(key);
      if (!k) continue;
      for (const bucket of m.values()) out.push({ metric: k.metric, key, entity: k.entity, labels: k.labels, bucket });
    }
    return out;
  }

  /** Reports of a kind in [from, to], oldest first: the database, plus the store's not yet stored. */
  async reports(system: string, kind: string, from: number, to: number): Promise<Report[]> {
    const db = await getDb();
    const rows = await db
      .select({ id: reportsTable.id, fields: reportsTable.fields, at: reportsTable.observedAt })
      .from(reportsTable)
      .where(
        and(
          eq(reportsTable.system, system),
          eq(reportsTable.kind, kind),
          gte(reportsTable.observedAt, new Date(from)),
          lt(reportsTable.observedAt, new Date(to + 1)),
        ),
      )
      .orderBy(asc(reportsTable.observedAt));
    const byId = new Map<string, Report>(
      rows.map((r) => [
        r.id,
        {
          system,
          kind,
          id: r.id,
          fields: (typeof r.fields === "string" ? JSON.parse(r.fields) : r.fields) as Record<string, unknown>,
          observedAt: r.at.getTime(),
        },
      ]),
    );
    for (const r of this.store?.reportsFor(system, kind, from) ?? [])
      if (r.observedAt <= to && !byId.has(r.id)) byId.set(r.id, r);
    return [...byId.values()].sort((a, b) => a.observedAt - b.observedAt);
  }
}
