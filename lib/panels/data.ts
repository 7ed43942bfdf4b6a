import "server-only";
import { and, asc, eq, gte, inArray, lt, sql, type SQLWrapper } from "drizzle-orm";
import { getDb } from "../db";
import { reports as reportsTable, telemetryRollups, telemetryRollups10m, telemetrySamples } from "../db/schema";
import { getRuntime } from "../collector/runtime";
import type { TelemetryStore } from "../collector/store";
import { planHistoryRead, TIER_10M, TIER_1M, type ReadPlan } from "../collector/tiers";
import type { Report } from "../telemetry/model";
import { bucketPoint, bucketPoints, mergeBuckets, type Bucket } from "./buckets";
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

/** A bucket of one series, read from the database. */
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
export function parseSeriesKey(key: string): { system: string; entity: string; metric: string; labels: Record<string, string> } | null {
  const a = key.indexOf("|");
  const b = key.indexOf("|", a + 1);
  const c = key.lastIndexOf("|");
  if (a < 0 || b < 0 || c <= b) return null;
  const labelsKey = key.slice(c + 1);
  const labels: Record<string, string> = {};
  if (labelsKey) {
    const parts = labelsKey.split(",");
    if (parts.every((p) => p.split("=").length === 2)) for (const p of parts) {
      const [k, v] = p.split("=") as [string, string];
      labels[k] = v;
    }
    else labels._ = labelsKey;
  }
  return { system: key.slice(0, a), entity: key.slice(a + 1, b), metric: key.slice(b + 1, c), labels };
}

/**
 * The value at the newest time in a group, as a plain aggregate: the largest [time, value] pair
 * (arrays compare element by element). Unlike array_agg(… order by …) it needs no sort, so
 * PostgreSQL can aggregate in a hash table.
 */
const lastOf = (time: SQLWrapper, value: SQLWrapper) => sql`(max(array[extract(epoch from ${time})::float8, ${value}]))[2]`;

function pick(row: { max: number; min: number; avg: number; last: number }, agg: Agg): number {
  return row[agg];
}

export class TelemetryReader {
  private latestCache = new Map<string, Promise<Map<string, LatestValue[]>>>();

  constructor(
    readonly now: number,
    private readonly store: TelemetryStore | undefined = getRuntime()?.store,
  ) {}

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
      .selectDistinctOn([telemetrySamples.seriesKey], { metric: telemetrySamples.metric, entity: telemetrySamples.entity, labels: telemetrySamples.labels, value: telemetrySamples.value, at: telemetrySamples.observedAt })
      .from(telemetrySamples)
      .where(and(eq(telemetrySamples.system, system), gte(telemetrySamples.observedAt, new Date(this.now - 6 * 3_600_000))))
      .orderBy(telemetrySamples.seriesKey, sql`${telemetrySamples.observedAt} desc`);
    for (const r of rows) add(r.metric, { entity: r.entity, labels: parseLabels(r.labels), t: r.at.getTime(), v: r.value });
    return out;
  }

  /**
   * Every series of the given metrics of a system in [from, to]. `aggOf` says which value stands
   * for a bucket (or a rollup row): `last` for counters (rates are taken between consecutive
   * values), `max` or `min` for gauges where high or low is bad. No series gets more points than
   * a chart draws (see planHistoryRead), except exact short ranges of a source polled faster than
   * the history resolution.
   */
  async history(system: string, metrics: readonly string[], from: number, to: number, aggOf: (metric: string) => Agg): Promise<Map<string, RawSeries[]>> {
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) throw new RangeError(`A history range must run forwards between two finite times, got ${from} to ${to}.`);
    const plan = planHistoryRead(to - from, MAX_POINTS);
    // The store covers from its oldest point onwards; before that, the database.
    let storeFrom = Infinity;
    const fromStore: { metric: string; key: string; entity: string; labels: Record<string, string>; points: readonly Pt[] }[] = [];
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

    const out = new Map<string, Map<string, { entity: string; labels: Record<string, string>; buckets: Map<number, Bucket> }>>();
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
        const cacheKey = JSON.stringify([system, [...metrics].sort(), plan.bucketMs, plan.rollup, Math.floor(from / 60_000)]);
        let hit = DB_CACHE.get(cacheKey);
        if (!hit || this.now - hit.at > DB_CACHE_MS) {
          hit = { at: this.now, rows: await this.bucketsFromDb(system, metrics, from, dbTo, plan) };
          DB_CACHE.set(cacheKey, hit);
          for (const [k, v] of DB_CACHE) if (this.now - v.at > DB_CACHE_MS) DB_CACHE.delete(k);
        }
        rows = hit.rows;
      } else rows = await this.bucketsFromDb(system, metrics, from, dbTo, plan);
      for (const r of rows) if (r.bucket.b < dbTo) add(r.metric, r.key, r.entity, r.labels, r.bucket);
    }
    for (const s of fromStore) for (const x of bucketPoints(s.points.filter(storeIn), plan.bucketMs)) add(s.metric, s.key, s.entity, s.labels, x);
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
  private async exactHistory(system: string, metrics: readonly string[], from: number, to: number, dbTo: number, fromStore: { metric: string; key: string; entity: string; labels: Record<string, string>; points: readonly Pt[] }[], storeIn: (p: Pt) => boolean, aggOf: (metric: string) => Agg): Promise<Map<string, RawSeries[]>> {
    const out = new Map<string, Map<string, RawSeries>>();
    const get = (metric: string, key: string, entity: string, labels: Record<string, string>) => {
      let m = out.get(metric);
      if (!m) out.set(metric, (m = new Map()));
      let s = m.get(key);
      if (!s) m.set(key, (s = { key, entity, labels, points: [] }));
      return s;
    };
    if (from < dbTo && metrics.length) {
      const db = await getDb();
      const list = [...metrics];
      const T = telemetrySamples;
      const R = telemetryRollups;
      const raw = await db
        .select({ key: T.seriesKey, at: T.observedAt, value: T.value })
        .from(T)
        .where(and(eq(T.system, system), inArray(T.metric, list), gte(T.observedAt, new Date(from)), lt(T.observedAt, new Date(dbTo))))
        .orderBy(asc(T.observedAt));
      const rolled = await db
        .select({ key: R.seriesKey, at: R.bucket, max: R.max, min: R.min, avg: R.avg, last: R.last })
        .from(R)
        .where(and(eq(R.system, system), inArray(R.metric, list), gte(R.bucket, new Date(from)), lt(R.bucket, new Date(dbTo))))
        .orderBy(asc(R.bucket));
      // Rollups only where the raw table has nothing: before each series' first raw point.
      const firstRaw = new Map<string, number>();
      for (const r of raw) if (!firstRaw.has(r.key)) firstRaw.set(r.key, r.at.getTime());
      for (const r of rolled) {
        const t = r.at.getTime();
        const first = firstRaw.get(r.key);
        if (first !== undefined && t + TIER_1M.stepMs > first) continue;
        const k = parseSeriesKey(r.key);
        if (k) get(k.metric, r.key, k.entity, k.labels).points.push({ t, v: Number(pick(r, aggOf(k.metric))) });
      }
      for (const r of raw) {
        const k = parseSeriesKey(r.key);
        if (k) get(k.metric, r.key, k.entity, k.labels).points.push({ t: r.at.getTime(), v: Number(r.value) });
      }
    }
    for (const s of fromStore) {
      const target = get(s.metric, s.key, s.entity, s.labels);
      for (const p of s.points) if (storeIn(p)) target.points.push({ t: p.t, v: p.v });
    }
    const result = new Map<string, RawSeries[]>();
    for (const [metric, m] of out) result.set(metric, [...m.values()].filter((s) => s.points.length > 0));
    return result;
  }

  /**
   * The database part of a bucketed read: the plan's rollup tier, which reaches up to the last
   * rollup run, and the raw samples not rolled up yet (the minutes since that run), each grouped
   * into the plan's buckets in SQL, so at most a chart's worth of rows a series leaves the
   * database and no already-rolled raw sample is read. Every sample is in exactly one of the two,
   * so a bucket holding both merges without counting anything twice. Rollup rows come first: the
   * raw part of a shared bucket is the newer one.
   */
  private async bucketsFromDb(system: string, metrics: readonly string[], from: number, to: number, plan: ReadPlan): Promise<KeyedBucket[]> {
    const db = await getDb();
    const list = [...metrics];
    const w = plan.bucketMs;
    const ws = w / 1000;
    const T = telemetrySamples;
    // Both rollup tables have the same columns; the cast only picks which one the SQL names.
    const R = (plan.rollup === "10m" ? telemetryRollups10m : telemetryRollups) as typeof telemetryRollups;
    const step = plan.rollup === "10m" ? TIER_10M.stepMs : TIER_1M.stepMs;
    const inRollup = and(eq(R.system, system), inArray(R.metric, list), gte(R.bucket, new Date(from)), lt(R.bucket, new Date(to)));
    type Row = { key: string; b: number; at: number; max: number; min: number; avg: number; last: number; n: number };
    let rolled: Row[];
    if (w === step) {
      // The tier's own rows are the buckets.
      const rows = await db.select({ key: R.seriesKey, at: R.bucket, max: R.max, min: R.min, avg: R.avg, last: R.last, n: R.n }).from(R).where(inRollup).orderBy(asc(R.bucket));
      rolled = rows.map((r) => ({ ...r, b: r.at.getTime(), at: r.at.getTime() + step }));
    } else {
      const b = sql<number>`(floor(extract(epoch from ${R.bucket}) / ${ws}) * ${w})::float8`;
      rolled = await db
        .select({
          key: R.seriesKey,
          b,
          at: sql<number>`(extract(epoch from max(${R.bucket})) * 1000 + ${step})::float8`,
          max: sql<number>`max(${R.max})`,
          min: sql<number>`min(${R.min})`,
          avg: sql<number>`sum(${R.avg} * ${R.n}) / sum(${R.n})`,
          last: sql<number>`${lastOf(R.bucket, R.last)}`,
          n: sql<number>`sum(${R.n})::int`,
        })
        .from(R)
        .where(inRollup)
        .groupBy(R.seriesKey, sql`2`);
    }
    const raw: Row[] = await db
      .select({
        key: T.seriesKey,
        b: sql<number>`(floor(extract(epoch from ${T.observedAt}) / ${ws}) * ${w})::float8`,
        at: sql<number>`(extract(epoch from max(${T.observedAt})) * 1000)::float8`,
        max: sql<number>`max(${T.value})`,
        min: sql<number>`min(${T.value})`,
        avg: sql<number>`avg(${T.value})`,
        last: sql<number>`${lastOf(T.observedAt, T.value)}`,
        n: sql<number>`count(*)::int`,
      })
      .from(T)
      // `not rolled` exactly as the partial index says it, so the index serves the read.
      .where(and(sql`not ${T.rolled}`, eq(T.system, system), inArray(T.metric, list), gte(T.observedAt, new Date(from)), lt(T.observedAt, new Date(to))))
      .groupBy(T.seriesKey, sql`2`);
    const out: KeyedBucket[] = [];
    for (const r of [...rolled, ...raw]) {
      const k = parseSeriesKey(r.key);
      if (!k) continue;
      out.push({ metric: k.metric, key: r.key, entity: k.entity, labels: k.labels, bucket: { b: Number(r.b), at: Number(r.at), min: Number(r.min), max: Number(r.max), avg: Number(r.avg), last: Number(r.last), n: Number(r.n) } });
    }
    return out;
  }

  /** Reports of a kind in [from, to], oldest first: the database, plus the store's not yet stored. */
  async reports(system: string, kind: string, from: number, to: number): Promise<Report[]> {
    const db = await getDb();
    const rows = await db
      .select({ id: reportsTable.id, fields: reportsTable.fields, at: reportsTable.observedAt })
      .from(reportsTable)
      .where(and(eq(reportsTable.system, system), eq(reportsTable.kind, kind), gte(reportsTable.observedAt, new Date(from)), lt(reportsTable.observedAt, new Date(to + 1))))
      .orderBy(asc(reportsTable.observedAt));
    const byId = new Map<string, Report>(rows.map((r) => [r.id, { system, kind, id: r.id, fields: (typeof r.fields === "string" ? JSON.parse(r.fields) : r.fields) as Record<string, unknown>, observedAt: r.at.getTime() }]));
    for (const r of this.store?.reportsFor(system, kind, from) ?? []) if (r.observedAt <= to && !byId.has(r.id)) byId.set(r.id, r);
    return [...byId.values()].sort((a, b) => a.observedAt - b.observedAt);
  }
}
