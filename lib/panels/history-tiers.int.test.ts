import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { MIGRATIONS_DIR, type DbHandle } from "../db/client";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { bothDatabases } from "../testing/harness";
import { telemetryRollups, telemetryRollups10m, telemetrySamples } from "../db/schema";
import { DbHistorySink, rollupAndPrune } from "../collector/history";
import type { Sample } from "../telemetry/model";
import { TelemetryReader } from "./data";
import type { Agg } from "./downsample";

// A week of samples through the real write path (history sink, a rollup run every 6 hours of the
// week), on both databases: the ten-minute tier agrees with the one-minute tier and with the
// samples themselves, and the panels' reader returns twenty-minute buckets for 7 days (from the
// ten-minute tier and the samples not rolled yet) and exact samples for 1 hour.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const drivers = bothDatabases(() => pg, "tiers");

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const T0 = Date.parse("2026-11-20T00:00:00.000Z");
const END = T0 + 7 * D;
const STEP = 30_000; // two samples a minute, so every minute has a real min, max, avg and last
/** The last rollup run; the 20 minutes after it stay raw, not rolled. */
const LAST_RUN = END - 20 * MIN;
const SYSTEM = "spot-exchange";
const GAUGE = "engine_queue_depth";
const COUNTER = "engine_trades_total";
const aggOf = (m: string): Agg => (m === COUNTER ? "last" : "max");

/** Deterministic, uneven values: a slow swing, a jitter, and a spike now and then. */
function gauge(i: number): number {
  return Math.round((50 + 40 * Math.sin(i / 97) + ((i * 7919) % 23) + (i % 611 === 0 ? 400 : 0)) * 100) / 100;
}
/** A counter that restarts once, mid-week. */
function counter(i: number): number {
  const half = (7 * D) / STEP / 2;
  return i < half ? i * 3 + (i % 5) : (i - half) * 2;
}

const truth: { metric: string; t: number; v: number }[] = [];
for (let i = 0; T0 + i * STEP < END; i++) {
  truth.push({ metric: GAUGE, t: T0 + i * STEP, v: gauge(i) });
  truth.push({ metric: COUNTER, t: T0 + i * STEP, v: counter(i) });
}
const asSample = (x: { metric: string; t: number; v: number }): Sample => ({
  system: SYSTEM,
  entity: "*",
  metric: x.metric,
  labels: {},
  value: x.v,
  observedAt: x.t,
});

interface Agg4 {
  min: number;
  max: number;
  avg: number;
  last: number;
  n: number;
}
function aggregate(xs: { t: number; v: number }[]): Agg4 {
  const sorted = [...xs].sort((a, b) => a.t - b.t);
  return {
    min: Math.min(...sorted.map((x) => x.v)),
    max: Math.max(...sorted.map((x) => x.v)),
    avg: sorted.reduce((a, x) => a + x.v, 0) / sorted.length,
    last: sorted[sorted.length - 1]!.v,
    n: sorted.length,
  };
}
/** The samples of each metric by minute, for looking buckets up without scanning the week. */
const byMinute = new Map<string, { t: number; v: number }[]>();
for (const x of truth) {
  const k = `${x.metric}|${Math.floor(x.t / MIN) * MIN}`;
  byMinute.set(k, [...(byMinute.get(k) ?? []), x]);
}
/** The true buckets of width w (whole minutes) of a metric's samples in [from, to), oldest first. */
function truthBuckets(metric: string, w: number, from: number, to: number): Agg4[] {
  const out: Agg4[] = [];
  for (let b = Math.floor(from / w) * w; b < to; b += w) {
    const xs: { t: number; v: number }[] = [];
    for (let m = b; m < b + w; m += MIN)
      for (const x of byMinute.get(`${metric}|${m}`) ?? []) if (x.t >= from && x.t < to) xs.push(x);
    if (xs.length) out.push(aggregate(xs));
  }
  return out;
}
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe.each(drivers)("rollup tiers on %s", (_n, open) => {
  let h: DbHandle;
  const KEY = Symbol.for("watchfloor.db");
  const g = globalThis as Record<symbol, unknown>;
  beforeAll(async () => {
    h = await open();
    g[KEY] = Promise.resolve(h); // the reader opens the database through lib/db
    const sink = new DbHistorySink(h.db, { resolutionMs: STEP });
    // Hour by hour through the sink, with a rollup run every 6 hours, as the collector does.
    let nextRun = T0 + 6 * H;
    for (let from = T0; from < END; from += H) {
      if (from >= nextRun && nextRun <= LAST_RUN) {
        await rollupAndPrune(h.db, { now: nextRun });
        nextRun += 6 * H;
      }
      if (from < LAST_RUN && from + H > LAST_RUN) {
        await sink.samples(truth.filter((x) => x.t >= from && x.t < LAST_RUN).map(asSample));
        await rollupAndPrune(h.db, { now: LAST_RUN });
        await sink.samples(truth.filter((x) => x.t >= LAST_RUN && x.t < from + H).map(asSample));
      } else await sink.samples(truth.filter((x) => x.t >= from && x.t < from + H).map(asSample));
    }
  }, 600_000);
  afterAll(async () => {
    delete g[KEY];
    await h?.close();
  });

  it("keeps every ten-minute bucket equal to the one-minute buckets under it, and both equal to the samples", async () => {
    const fine = await h.db.select().from(telemetryRollups);
    const coarse = await h.db.select().from(telemetryRollups10m);
    expect(coarse.length).toBe(Math.ceil((LAST_RUN - T0) / (10 * MIN)) * 2);
    const minutes = new Map<string, typeof fine>();
    for (const r of fine) {
      const k = `${r.metric}|${Math.floor(r.bucket.getTime() / (10 * MIN)) * 10 * MIN}`;
      minutes.set(k, [...(minutes.get(k) ?? []), r]);
    }
    expect(minutes.size).toBe(coarse.length);
    let checked = 0;
    for (const c of coarse) {
      const under = (minutes.get(`${c.metric}|${c.bucket.getTime()}`) ?? []).sort(
        (a, b) => a.bucket.getTime() - b.bucket.getTime(),
      );
      expect(under.length).toBeGreaterThan(0);
      const n = under.reduce((a, r) => a + r.n, 0);
      const want = {
        min: Math.min(...under.map((r) => r.min)),
        max: Math.max(...under.map((r) => r.max)),
        avg: under.reduce((a, r) => a + r.avg * r.n, 0) / n,
        last: under[under.length - 1]!.last,
        n,
      };
      const got = { min: c.min, max: c.max, avg: c.avg, last: c.last, n: c.n };
      const fromSamples = truthBuckets(
        c.metric,
        10 * MIN,
        c.bucket.getTime(),
        Math.min(c.bucket.getTime() + 10 * MIN, LAST_RUN),
      )[0]!;
      for (const k of ["min", "max", "avg", "last", "n"] as const) {
        if (!close(got[k], want[k]) || !close(got[k], fromSamples[k]))
          throw new Error(
            `${c.metric} ${c.bucket.toISOString()} ${k}: 10m ${got[k]}, from 1m ${want[k]}, from samples ${fromSamples[k]}`,
          );
      }
      checked++;
    }
    expect(checked).toBe(coarse.length);
    // Every one-minute bucket agrees with its samples too.
    for (const r of fine) {
      const want = truthBuckets(r.metric, MIN, r.bucket.getTime(), r.bucket.getTime() + MIN)[0]!;
      expect([r.min, r.max, r.last, r.n]).toEqual([want.min, want.max, want.last, want.n]);
      expect(r.avg).toBeCloseTo(want.avg, 9);
    }
  });

  it("keeps raw samples for the raw window only, and those since the last run not rolled", async () => {
    const raw = await h.db
      .select({ t: telemetrySamples.observedAt, rolled: telemetrySamples.rolled })
      .from(telemetrySamples);
    expect(Math.min(...raw.map((r) => r.t.getTime()))).toBeGreaterThanOrEqual(LAST_RUN - 6 * H);
    const unrolled = raw.filter((r) => !r.rolled);
    expect(unrolled.every((r) => r.t.getTime() >= LAST_RUN)).toBe(true);
    expect(unrolled).toHaveLength(((20 * MIN) / STEP) * 2);
  });

  it("reads 7 days as twenty-minute buckets from the ten-minute tier and the unrolled samples, with the true values", async () => {
    const reader = new TelemetryReader(END, undefined);
    const hist = await reader.history(SYSTEM, [GAUGE, COUNTER], END - 7 * D, END, aggOf);
    for (const metric of [GAUGE, COUNTER]) {
      const [s] = hist.get(metric)!;
      expect(s!.bucketMs).toBe(20 * MIN);
      const want = truthBuckets(metric, 20 * MIN, END - 7 * D, END);
      expect(s!.points.length).toBe(want.length);
      expect(s!.points.length).toBeLessThanOrEqual(1000);
      expect(s!.points.map((p) => p.v)).toEqual(want.map((b) => b[aggOf(metric)]));
      // Points sit at the end of their data: twenty minutes apart, the newest at the newest sample.
      const gaps = s!.points.slice(1).map((p, i) => p.t - s!.points[i]!.t);
      expect(gaps.slice(0, -1).every((d) => d === 20 * MIN)).toBe(true);
      expect(s!.points[s!.points.length - 1]!.t).toBe(END - STEP);
    }
  });

  it("reads 1 hour as the exact samples", async () => {
    const reader = new TelemetryReader(END, undefined);
    const hist = await reader.history(SYSTEM, [GAUGE, COUNTER], END - H, END, aggOf);
    for (const metric of [GAUGE, COUNTER]) {
      const [s] = hist.get(metric)!;
      expect(s!.bucketMs).toBeUndefined();
      expect(s!.points).toEqual(
        truth.filter((x) => x.metric === metric && x.t >= END - H).map((x) => ({ t: x.t, v: x.v })),
      );
    }
  });

  it("fills the ten-minute tier again from the one-minute tier when it is missing (at migration and at rollup time)", async () => {
    const before = (await h.db.select().from(telemetryRollups10m))
      .map(
        (r) => `${r.seriesKey}|${r.bucket.toISOString()}|${r.min}|${r.max}|${r.avg.toPrecision(12)}|${r.last}|${r.n}`,
      )
      .sort();
    // The migration's backfill statement, as shipped.
    const migration = readFileSync(path.join(MIGRATIONS_DIR, "0007_rollups_10m.sql"), "utf8").split(
      "--> statement-breakpoint",
    );
    const backfill = migration.find((s) => s.includes('INSERT INTO "telemetry_rollups_10m"'))!;
    await h.exec(`delete from telemetry_rollups_10m; ${backfill}`);
    const afterMigration = (await h.db.select().from(telemetryRollups10m))
      .map(
        (r) => `${r.seriesKey}|${r.bucket.toISOString()}|${r.min}|${r.max}|${r.avg.toPrecision(12)}|${r.last}|${r.n}`,
      )
      .sort();
    expect(afterMigration).toEqual(before);
    // A rollup run with the tier empty fills it too (just before the samples not rolled yet).
    await h.exec("delete from telemetry_rollups_10m");
    await rollupAndPrune(h.db, { now: LAST_RUN - 1 });
    const afterRun = (await h.db.select().from(telemetryRollups10m))
      .map(
        (r) => `${r.seriesKey}|${r.bucket.toISOString()}|${r.min}|${r.max}|${r.avg.toPrecision(12)}|${r.last}|${r.n}`,
      )
      .sort();
    expect(afterRun).toEqual(before);
  });
});
