import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "../db/client";
import { createDatabase, startTestPostgres, type TestPostgres } from "../testing/postgres";
import type { Report } from "../telemetry/model";
import { storeReports } from "./history";
import { ReportReader } from "./report-reader";
import { TelemetryStore } from "./store";

// The leader's reader of stored reports, on both databases: it reads what any instance stored,
// each report once, and, on PostgreSQL, a report whose insert commits after a later one's is
// still read (the sequence number is taken at insert, visibility comes at commit).

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const drivers: Array<[string, () => Promise<{ h: DbHandle; url?: string }>]> = [
  ["PGlite", async () => ({ h: await openDatabase({ dataDir: "memory://" }) })],
  [
    "PostgreSQL 15",
    async () => {
      const url = await createDatabase(pg.url, `wf_reader_${process.pid}`);
      return { h: await openDatabase({ url }), url };
    },
  ],
];

const report = (id: string, at = Date.now()): Report => ({
  system: "kraken-futures",
  kind: "THRESHOLD_MISMATCH",
  id,
  fields: { parameter: "max_leverage" },
  observedAt: at,
});

const idsIn = (store: TelemetryStore) =>
  store
    .reportsFor("kraken-futures", "THRESHOLD_MISMATCH")
    .map((r) => r.id)
    .sort();

describe.each(drivers)("report reader on %s", (name, open) => {
  let h: DbHandle;
  let url: string | undefined;
  beforeAll(async () => {
    ({ h, url } = await open());
  });
  afterAll(async () => {
    await h?.close();
  });

  it("reads what was stored after it started, once, and tells which systems got new reports", async () => {
    const store = new TelemetryStore();
    const told: string[][] = [];
    const reader = new ReportReader({ db: h.db, store, onReports: (s) => told.push([...s]) });
    await reader.warmUp();
    await storeReports(h.db, [report("a-1"), report("a-2")]);
    await reader.read();
    await storeReports(h.db, [report("a-3"), report("a-2")]);
    await reader.read();
    await reader.read();
    expect(idsIn(store)).toEqual(["a-1", "a-2", "a-3"]);
    expect(reader.added).toBe(3);
    expect(told).toEqual([["kraken-futures"], ["kraken-futures"]]);
  });

  it("a new leader's reader starts with the rules' window, not with what arrives next", async () => {
    const store = new TelemetryStore();
    const reader = new ReportReader({ db: h.db, store, onReports: () => {} });
    await storeReports(h.db, [report("old", Date.now() - 2 * store.windowMs)]);
    await reader.warmUp();
    expect(idsIn(store)).toEqual(["a-1", "a-2", "a-3"]);
  });

  it("reads a backlog larger than one batch", async () => {
    const store = new TelemetryStore();
    const reader = new ReportReader({ db: h.db, store, onReports: () => {}, batch: 7 });
    await reader.warmUp();
    await storeReports(
      h.db,
      Array.from({ length: 50 }, (_, i) => report(`b-${i}`)),
    );
    await reader.read();
    expect(idsIn(store).filter((id) => id.startsWith("b-"))).toHaveLength(50);
  });

  it.runIf(name === "PostgreSQL 15")(
    "reads an insert that commits after a later one (two instances storing at once)",
    async () => {
      const store = new TelemetryStore();
      const reader = new ReportReader({ db: h.db, store, onReports: () => {} });
      await reader.warmUp();
      const { default: postgres } = await import("postgres");
      const other = postgres(url!, { max: 1, onnotice: () => {} });
      try {
        let commitSlow!: () => void;
        let inserted!: () => void;
        const slowCanCommit = new Promise<void>((r) => (commitSlow = r));
        const slowInserted = new Promise<void>((r) => (inserted = r));
        // The slow transaction takes its sequence number first and commits last.
        const slow = other.begin(async (tx) => {
          await tx`insert into reports (system, id, kind, fields, observed_at)
                   values ('kraken-futures', 'slow', 'THRESHOLD_MISMATCH', '{}'::jsonb, now())`;
          inserted();
          await slowCanCommit;
        });
        await slowInserted;
        await storeReports(h.db, [report("fast")]);
        await reader.read();
        expect(idsIn(store)).toContain("fast");
        expect(idsIn(store)).not.toContain("slow");
        commitSlow();
        await slow;
        await reader.read();
        expect(idsIn(store)).toContain("slow");
      } finally {
        await other.end({ timeout: 2 });
      }
    },
  );
});
