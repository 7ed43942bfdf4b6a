import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { FleetConfig } from "../config/fleet";
import { openDatabase, type DbHandle } from "../db/client";
import { sourceStatus } from "../db/schema";
import { startTestFleet } from "../sim/testing";
import type { Fleet } from "../sim";
import { pollerFor } from "../telemetry/sources/pollers";
import { storeReports } from "./history";
import { CollectorRuntime, type CollectorRuntimeEvent } from "./runtime";

// The collector stage as the leader runs it, against a simulated fleet on loopback and the
// embedded database: it polls every target into its window, stores the sources' status where other
// instances read it (and says when), reads reports that another instance stored, and on a stop that
// hands over leadership writes nothing more.

let fleet: Fleet;
let h: DbHandle;
let rt: CollectorRuntime;
const events: CollectorRuntimeEvent[] = [];
const tokens = new Map<string, string>();

const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  fleet = await startTestFleet({ clock: { speed: 1 } });
  h = await openDatabase({ dataDir: "memory://" });
  const targets = fleet.systems.map((s) => {
    const env = `TOKEN_${s.name.toUpperCase().replace(/-/g, "_")}`;
    tokens.set(env, s.credential);
    return { name: s.name, kind: s.kind, baseUrl: s.url, simulated: true, credentials: { bearerTokenEnv: env } };
  });
  const config = FleetConfig.parse({ defaults: { pollIntervalMs: 500, timeoutMs: 400 }, targets });
  rt = new CollectorRuntime({ config, db: h.db, pollerFor, secret: (n) => tokens.get(n), userAgent: "runtime-test" });
  rt.events.on("change", (e: CollectorRuntimeEvent) => events.push(e));
  await rt.start();
}, 60_000);

afterAll(async () => {
  await rt?.stop({ flush: false });
  await h?.close();
  await fleet?.stop();
});

describe("collector runtime", () => {
  it("polls every target, by its own user agent, into the window", async () => {
    await waitFor("every target fresh", () => fleet.systems.every((s) => rt.collector.freshness(s.name) === "ok"));
    for (const s of fleet.systems) {
      expect(rt.store.allSeries(s.name).length, s.name).toBeGreaterThan(0);
      expect(Object.keys(fleet.requestStats(s.name).byAgent)).toContain("runtime-test");
    }
  });

  it("stores each source's status for the other instances, and says which were stored", async () => {
    await waitFor("statuses stored", () =>
      events.some((e) => e.type === "statuses_stored" && e.systems.length === fleet.systems.length),
    );
    for (const s of fleet.systems) {
      const [row] = await h.db.select().from(sourceStatus).where(eq(sourceStatus.system, s.name));
      expect((row?.status as { freshness?: string } | undefined)?.freshness, s.name).toBe("ok");
    }
  });

  it("reads reports another instance stored, once, and says for which system", async () => {
    const futures = fleet.systems.find((s) => s.kind === "futures-bot")!.name;
    const at = Date.now();
    const stored = [1, 2, 3].map((i) => ({
      system: futures,
      kind: "THRESHOLD_MISMATCH",
      id: `elsewhere-${at}-${i}`,
      fields: { parameter: "max_leverage" },
      observedAt: at,
    }));
    await storeReports(h.db, stored);
    rt.readReports();
    await waitFor("the stored reports in the window", () =>
      stored.every((r) => rt.store.reportsFor(futures, "THRESHOLD_MISMATCH").some((x) => x.id === r.id)),
    );
    expect(events.some((e) => e.type === "stored_reports" && e.systems.includes(futures))).toBe(true);
    // Read again: nothing new.
    const before = rt.reports.added;
    rt.readReports();
    await new Promise((r) => setTimeout(r, 300));
    expect(rt.reports.added).toBe(before);
  });

  it("after a stop without flushing (leadership lost), polls and writes nothing more", async () => {
    await rt.stop({ flush: false });
    const polled = fleet.systems.map((s) => fleet.requestStats(s.name).byAgent["runtime-test"]?.count ?? 0);
    const [row] = await h.db.select().from(sourceStatus).limit(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fleet.systems.map((s) => fleet.requestStats(s.name).byAgent["runtime-test"]?.count ?? 0)).toEqual(polled);
    const [again] = await h.db.select().from(sourceStatus).where(eq(sourceStatus.system, row!.system));
    expect(again!.updatedAt.getTime()).toBe(row!.updatedAt.getTime());
  });
});
