import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { count, eq, inArray } from "drizzle-orm";
import { openDatabase, type DbHandle } from "../db/client";
import { createDatabase, startTestPostgres, type TestPostgres } from "../testing/postgres";
import { reports, telemetryRollups, telemetrySamples } from "../db/schema";
import { DbHistorySink, rollupAndPrune, storeReports } from "./history";

// History on both databases: samples thinned to the history resolution, reports stored once per
// id, raw samples rolled into one-minute buckets past the raw window, and retention applied.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const drivers: Array<[string, () => Promise<DbHandle>]> = [
  ["PGlite", () => openDatabase({ dataDir: "memory://" })],
  ["PostgreSQL 15", async () => openDatabase({ url: await createDatabase(pg.url, `wf_hist_${process.pid}`) })],
];

const T0 = Date.parse("2026-11-20T00:00:00.000Z");
const sample = (value: number, t: number, metric = "allocated") => ({
  system: "alpha-bot",
  entity: "p1",
  metric,
  labels: { profile_id: "p1" },
  value,
  observedAt: t,
});

describe.each(drivers)("history on %s", (_n, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("keeps at most one point per series per resolution, skips non-finite values and histogram buckets", async () => {
    const sink = new DbHistorySink(h.db, { resolutionMs: 10_000 });
    const points = Array.from({ length: 60 }, (_, i) => sample(100 + i, T0 + i * 2000)); // 2 minutes at 2 s
    for (const p of points) await sink.samples([p]);
    await sink.samples([sample(Number.NaN, T0 + 200_000), sample(1, T0 + 200_000, "latency_seconds_bucket")]);
    const rows = await h.db.select().from(telemetrySamples);
    expect(rows).toHaveLength(12);
    expect(rows.every((r) => r.metric === "allocated" && Number.isFinite(r.value))).toBe(true);
    const first = rows.find((r) => r.observedAt.getTime() === T0)!;
    expect(first).toMatchObject({
      seriesKey: expect.any(String),
      system: "alpha-bot",
      entity: "p1",
      labels: { profile_id: "p1" },
      value: 100,
      rolled: false,
    });
  });

  it("stores every field exactly, labels with quotes and non-ASCII included, in batches larger than one statement", async () => {
    const sink = new DbHistorySink(h.db, { resolutionMs: 1 });
    const odd = {
      system: "beta-bot",
      entity: 'p "quoted" \\ ü',
      metric: "odd_metric",
      labels: { profile_id: 'p "quoted" \\ ü', note: "a,b}{" },
      value: -1.5e-7,
      observedAt: T0 + 123,
    };
    const many = Array.from({ length: 6001 }, (_, i) => ({
      ...sample(i, T0 + i),
      system: "gamma-bot",
      entity: `e${i}`,
      labels: { profile_id: `e${i}` },
    }));
    await sink.samples([odd, ...many]);
    const [row] = await h.db.select().from(telemetrySamples).where(eq(telemetrySamples.system, "beta-bot"));
    expect(row).toMatchObject({ entity: odd.entity, metric: "odd_metric", labels: odd.labels, value: -1.5e-7 });
    expect(row!.observedAt.getTime()).toBe(T0 + 123);
    const [counted] = await h.db
      .select({ n: count() })
      .from(telemetrySamples)
      .where(eq(telemetrySamples.system, "gamma-bot"));
    expect(counted?.n).toBe(6001);
    await h.db.delete(telemetrySamples).where(inArray(telemetrySamples.system, ["beta-bot", "gamma-bot"]));
  });

  it("rolls raw samples past the raw window into one-minute buckets and applies retention", async () => {
    await rollupAndPrune(h.db, { now: T0 + 3 * 60_000, rawWindowMs: 60_000, retentionMs: 7 * 86_400_000 });
    const raw = await h.db.select().from(telemetrySamples);
    expect(raw.every((r) => r.observedAt.getTime() >= T0 + 2 * 60_000)).toBe(true);
    const rolled = await h.db.select().from(telemetryRollups);
    expect(rolled.map((r) => r.bucket.toISOString()).sort()).toEqual([
      "2026-11-20T00:00:00.000Z",
      "2026-11-20T00:01:00.000Z",
    ]);
    const first = rolled.find((r) => r.bucket.getTime() === T0)!;
    expect(first).toMatchObject({ n: 6, min: 100, max: 125, last: 125 });
    expect(first.avg).toBeCloseTo((100 + 105 + 110 + 115 + 120 + 125) / 6);
    // Past retention, rollups go too.
    await rollupAndPrune(h.db, { now: T0 + 8 * 86_400_000, rawWindowMs: 60_000, retentionMs: 7 * 86_400_000 });
    expect(await h.db.select().from(telemetryRollups)).toHaveLength(0);
  });

  it("stores each report once per system and id", async () => {
    const r = {
      system: "kraken-futures",
      kind: "RECONCILIATION_REPORT",
      id: "r-1",
      fields: { orphaned: 1 },
      observedAt: T0,
    };
    expect(await storeReports(h.db, [r, { ...r, id: "r-2" }])).toEqual({ stored: 2, duplicates: 0 });
    expect(await storeReports(h.db, [r])).toEqual({ stored: 0, duplicates: 1 });
    expect(await h.db.select().from(reports)).toHaveLength(2);
  });
});
