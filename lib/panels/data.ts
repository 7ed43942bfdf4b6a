import "server-only";
import { and, asc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { getDb } from "../db";
import { reports as reportsTable, telemetryRollups, telemetrySamples } from "../db/schema";
import { getRuntime } from "../collector/runtime";
import type { TelemetryStore } from "../collector/store";
import type { Report } from "../telemetry/model";
import type { Agg, Pt } from "./downsample";

// Where panel data comes from. The recent window (about 65 minutes, every poll) is in the
// collector runtime's in-memory store when this process runs one; older data, and everything on
// an instance without a runtime, comes from the database: raw samples (≤ 1 point per 10 s per
// series, 6 h) and one-minute rollups (7 days). Series from the sources are stitched together
// per series key, older source first.

export interface RawSeries {
  key: string;
  entity: string;
  labels: Record<string, string>;
  points: Pt[];
}

export interface LatestValue {
  entity: string;
  labels: Record<string, string>;
  t: number;
  v: number;
}

/** Ranges longer than this are bucketed in SQL (a week has 1,000 rows a chart anyway). */
const BUCKET_RAW_FROM_MS = 12 * 3_600_000;

/** Database reads of long ranges, kept for a minute (see history()). */
const DB_CACHE = new Map<string, { at: number; rows: { metric: string; key: string; entity: string; labels: Record<string, string>; points: Pt[] }[] }>();
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

/** Bucket width for a long range: whole minutes, about a thousand buckets over the range. */
export function bucketSeconds(rangeMs: number): number {
  return Math.max(60, Math.ceil(rangeMs / 1000 / 1000 / 60) * 60);
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
   * Every series of the given metrics of a system in [from, to]. `aggOf` says which rollup value
   * stands for a minute: `last` for counters (rates are taken between consecutive values), `max`
   * or `min` for gauges where high or low is bad.
   */
  async history(system: string, metrics: readonly string[], from: number, to: number, aggOf: (metric: string) => Agg): Promise<Map<string, RawSeries[]>> {
    const out = new Map<string, Map<string, RawSeries>>();
    const get = (metric: string, key: string, entity: string, labels: Record<string, string>) => {
      let m = out.get(metric);
      if (!m) out.set(metric, (m = new Map()));
      let s = m.get(key);
      if (!s) m.set(key, (s = { key, entity, labels, points: [] }));
      return s;
    };
    // The store covers from its oldest point onwards; before that, the database.
    let storeFrom = Infinity;
    const fromStore: { metric: string; key: string; entity: string; labels: Record<string, string>; points: Pt[] }[] = [];
    if (this.store) {
      for (const metric of metrics) {
        for (const s of this.store.seriesFor(system, metric)) {
          if (s.points.length) storeFrom = Math.min(storeFrom, s.points[0]!.t);
          fromStore.push({ metric, key: s.key, entity: s.entity, labels: s.labels, points: s.points });
        }
      }
    }
    const dbTo = Math.min(to, storeFrom);
    if (from < dbTo && metrics.length) {
      // Long ranges: the database part changes slowly (the newest hour comes from the store), so
      // one read serves every refresh for a minute instead of scanning a week again each time.
      if (to - from > BUCKET_RAW_FROM_MS && this.store) {
        const bucketMs = bucketSeconds(to - from) * 1000;
        const key = JSON.stringify([system, [...metrics].sort(), bucketMs, Math.floor(from / 60_000)]);
        let hit = DB_CACHE.get(key);
        if (!hit || this.now - hit.at > DB_CACHE_MS) {
          const rows: { metric: string; key: string; entity: string; labels: Record<string, string>; points: Pt[] }[] = [];
          await this.fromDb(system, metrics, from, dbTo, aggOf, (metric, k, entity, labels) => {
            let r = rows.find((x) => x.key === k && x.metric === metric);
            if (!r) rows.push((r = { metric, key: k, entity, labels, points: [] }));
            return r;
          });
          hit = { at: this.now, rows };
          DB_CACHE.set(key, hit);
          for (const [k, v] of DB_CACHE) if (this.now - v.at > DB_CACHE_MS) DB_CACHE.delete(k);
        }
        for (const r of hit.rows) {
          const target = get(r.metric, r.key, r.entity, r.labels);
          for (const p of r.points) if (p.t < dbTo) target.points.push(p);
        }
      } else await this.fromDb(system, metrics, from, dbTo, aggOf, get);
    }
    for (const s of fromStore) {
      const target = get(s.metric, s.key, s.entity, s.labels);
      for (const p of s.points) if (p.t >= Math.max(from, storeFrom) && p.t <= to) target.points.push({ t: p.t, v: p.v });
    }
    const result = new Map<string, RawSeries[]>();
    for (const [metric, m] of out) result.set(metric, [...m.values()].filter((s) => s.points.length > 0));
    return result;
  }

  private async fromDb(system: string, metrics: readonly string[], from: number, to: number, aggOf: (metric: string) => Agg, get: (metric: string, key: string, entity: string, labels: Record<string, string>) => RawSeries) {
    const db = await getDb();
    const list = [...metrics];
    const T = telemetrySamples;
    const R = telemetryRollups;
    type Row = { key: string; t: number; max: number; min: number; avg: number; last: number };
    let raw: Row[];
    let rolled: Row[];
    // Long ranges are bucketed in SQL to about a thousand buckets a series, so a week moves
    // ~1,000 rows per series out of the database instead of ~10,000 rollups and 2,000 raw points.
    // A bucket's "last" is its maximum: only counters use it, and a counter only grows — except
    // across a restart, where the bucket then reads high and the next step reads as a reset
    // (never a negative rate). Sorting every bucket to find its true last value costs a second.
    const bucketS = to - from > BUCKET_RAW_FROM_MS ? bucketSeconds(to - from) : 0;
    if (bucketS) {
      const rawT = sql<number>`(floor(extract(epoch from ${T.observedAt}) / ${bucketS}) * ${bucketS * 1000})::float8`;
      raw = await db
        .select({ key: T.seriesKey, t: rawT, max: sql<number>`max(${T.value})`, min: sql<number>`min(${T.value})`, avg: sql<number>`avg(${T.value})`, last: sql<number>`max(${T.value})` })
        .from(T)
        .where(and(eq(T.system, system), inArray(T.metric, list), gte(T.observedAt, new Date(from)), lt(T.observedAt, new Date(to))))
        .groupBy(T.seriesKey, sql`2`)
        .orderBy(sql`2`);
      const rolT = sql<number>`(floor(extract(epoch from ${R.bucket}) / ${bucketS}) * ${bucketS * 1000})::float8`;
      rolled = await db
        .select({ key: R.seriesKey, t: rolT, max: sql<number>`max(${R.max})`, min: sql<number>`min(${R.min})`, avg: sql<number>`sum(${R.avg} * ${R.n}) / nullif(sum(${R.n}), 0)`, last: sql<number>`max(${R.last})` })
        .from(R)
        .where(and(eq(R.system, system), inArray(R.metric, list), gte(R.bucket, new Date(from)), lt(R.bucket, new Date(to))))
        .groupBy(R.seriesKey, sql`2`)
        .orderBy(sql`2`);
    } else {
      const rows = await db
        .select({ key: T.seriesKey, at: T.observedAt, value: T.value })
        .from(T)
        .where(and(eq(T.system, system), inArray(T.metric, list), gte(T.observedAt, new Date(from)), lt(T.observedAt, new Date(to))))
        .orderBy(asc(T.observedAt));
      raw = rows.map((r) => ({ key: r.key, t: r.at.getTime(), max: r.value, min: r.value, avg: r.value, last: r.value }));
      const rrows = await db
        .select({ key: R.seriesKey, at: R.bucket, max: R.max, min: R.min, avg: R.avg, last: R.last })
        .from(R)
        .where(and(eq(R.system, system), inArray(R.metric, list), gte(R.bucket, new Date(from)), lt(R.bucket, new Date(to))))
        .orderBy(asc(R.bucket));
      rolled = rrows.map((r) => ({ key: r.key, t: r.at.getTime(), max: r.max, min: r.min, avg: r.avg, last: r.last }));
    }
    // Rollups only where the raw table has nothing: before each series' first raw point.
    const firstRaw = new Map<string, number>();
    for (const r of raw) if (!firstRaw.has(r.key) || r.t < firstRaw.get(r.key)!) firstRaw.set(r.key, Number(r.t));
    const span = bucketS ? bucketS * 1000 : 60_000;
    const add = (r: Row) => {
      const k = parseSeriesKey(r.key);
      if (!k) return;
      get(k.metric, r.key, k.entity, k.labels).points.push({ t: Number(r.t), v: Number(pick(r, aggOf(k.metric))) });
    };
    for (const r of rolled) {
      const first = firstRaw.get(r.key);
      if (first !== undefined && Number(r.t) + span > first) continue;
      add(r);
    }
    for (const r of raw) add(r);
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
