import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "../db/client";
import { reports, sourceStatus, telemetrySamples } from "../db/schema";
import type { TargetStatus } from "./collector";
import { BatchedHistorySink } from "./history-batch";

// Batched history writes: what several polls hand over is stored by one flush with the same
// thinning as per-poll writes, the latest status per target wins, and a sink closed without
// flushing (leadership lost) writes nothing more.

let h: DbHandle;
beforeAll(async () => {
  h = await openDatabase({ dataDir: "memory://" });
}, 300_000); // opening the embedded database can take a minute on a loaded machine
afterAll(async () => {
  await h?.close();
});

const T0 = Date.parse("2026-11-20T00:00:00.000Z");
const sample = (value: number, t: number, system = "alpha-bot") => ({
  system,
  entity: "p1",
  metric: "allocated",
  labels: { profile_id: "p1" },
  value,
  observedAt: t,
});
const status = (name: string, pollCount: number): TargetStatus => ({
  name,
  label: name,
  kind: "trading-bot",
  baseUrl: "http://x",
  simulated: true,
  intervalMs: 5000,
  freshness: "ok",
  pollCount,
  endpoints: [],
  lastSamples: [],
});

describe("batched history sink", () => {
  it("stores buffered polls on flush, thinned to the resolution, with the latest status per target", async () => {
    const sink = new BatchedHistorySink(h.db, { resolutionMs: 10_000, flushMs: 3_600_000 });
    for (let i = 0; i < 12; i++) {
      await sink.samples([sample(100 + i, T0 + i * 5000), sample(i, T0 + i * 5000, "beta-bot")]);
      await sink.status(status(i % 2 ? "alpha-bot" : "beta-bot", i));
    }
    await sink.reports([
      { system: "kraken-futures", kind: "RECONCILIATION_REPORT", id: "r-1", fields: {}, observedAt: T0 },
    ]);
    expect(await h.db.select().from(telemetrySamples)).toHaveLength(0);
    await sink.flush();
    const rows = await h.db.select().from(telemetrySamples);
    expect(rows.filter((r) => r.system === "alpha-bot").map((r) => r.value)).toEqual([100, 102, 104, 106, 108, 110]);
    expect(rows.filter((r) => r.system === "beta-bot")).toHaveLength(6);
    const st = await h.db.select().from(sourceStatus);
    expect(Object.fromEntries(st.map((r) => [r.system, (r.status as TargetStatus).pollCount]))).toEqual({
      "alpha-bot": 11,
      "beta-bot": 10,
    });
    expect(await h.db.select().from(reports)).toHaveLength(1);
    await sink.close({ flush: true });
  });

  it("writes nothing buffered after being closed without flushing", async () => {
    const sink = new BatchedHistorySink(h.db, { flushMs: 3_600_000 });
    await sink.samples([sample(1, T0 + 999_000, "gamma-bot")]);
    await sink.status(status("gamma-bot", 1));
    await sink.close({ flush: false });
    await sink.flush();
    expect((await h.db.select().from(telemetrySamples)).some((r) => r.system === "gamma-bot")).toBe(false);
    expect((await h.db.select().from(sourceStatus)).some((r) => r.system === "gamma-bot")).toBe(false);
  });

  // A poll under way when the collector stopped (leadership lost, shutdown) ends after the close:
  // what it brings is not written, and no flush is armed against a database that may be gone.
  it("takes nothing after being closed", async () => {
    const sink = new BatchedHistorySink(h.db, { flushMs: 10 });
    await sink.close({ flush: true });
    await sink.samples([sample(1, T0 + 998_000, "delta-bot")]);
    await sink.status(status("delta-bot", 1));
    await new Promise((r) => setTimeout(r, 50));
    await sink.flush();
    expect((await h.db.select().from(telemetrySamples)).some((r) => r.system === "delta-bot")).toBe(false);
    expect((await h.db.select().from(sourceStatus)).some((r) => r.system === "delta-bot")).toBe(false);
  });
});
