import { describe, expect, it } from "vitest";
import { RESTART_EVIDENCE_MS, TelemetryStore, seriesKey } from "./store";

describe("telemetry store", () => {
  it("keeps points per series, reports changes, ignores out-of-order values and prunes by window", () => {
    const st = new TelemetryStore(1000);
    const s = (value: number, t: number, entity = "p1") => ({
      system: "a",
      entity,
      metric: "allocated",
      labels: { profile_id: entity },
      value,
      observedAt: t,
    });
    expect(st.addSamples([s(1, 100), s(5, 100, "p2")])).toHaveLength(2);
    expect(st.addSamples([s(1, 200)])).toHaveLength(0);
    expect(st.addSamples([s(2, 300)])).toHaveLength(1);
    st.addSamples([s(9, 250)]);
    expect(st.latest("a", "allocated", "p1")?.v).toBe(2);
    expect(st.seriesFor("a", "allocated")).toHaveLength(2);
    st.prune(1250);
    expect(st.seriesFor("a", "allocated", "p1")[0]?.points.map((p) => p.t)).toEqual([300]);
    expect(st.seriesFor("a", "allocated", "p2")).toHaveLength(0);
    expect(seriesKey(s(1, 1))).toBe("a|p1|allocated|profile_id=p1");
  });

  it("stores each report once per system and id", () => {
    const st = new TelemetryStore();
    const r = { system: "f", kind: "RECONCILIATION_REPORT", id: "r1", fields: {}, observedAt: 1 };
    expect(st.addReports([r, r])).toHaveLength(1);
    expect(st.addReports([r])).toHaveLength(0);
    expect(st.reportsFor("f", "RECONCILIATION_REPORT")).toHaveLength(1);
  });

  it("keeps each system's reports in time order, whatever order they arrive in", () => {
    const st = new TelemetryStore();
    const r = (system: string, id: string, observedAt: number) => ({
      system,
      kind: "RECONCILIATION_REPORT",
      id,
      fields: {},
      observedAt,
    });
    st.addReports([r("f", "a", 10), r("f", "b", 20), r("g", "x", 5)]);
    st.addReports([r("f", "c", 15), r("f", "d", 30)]);
    st.addReports([r("g", "y", 6)]);
    expect(st.reportsFor("f").map((x) => x.id)).toEqual(["a", "c", "b", "d"]);
    expect(st.reportsFor("g").map((x) => x.id)).toEqual(["x", "y"]);
  });

  it("a flood of one kind keeps only the newest of that kind and never pushes out another kind", () => {
    const st = new TelemetryStore(65 * 60_000, 100);
    const rep = (kind: string, i: number) => ({
      system: "f",
      kind,
      id: `${kind}-${i}`,
      fields: { i },
      observedAt: 1000 + i,
    });
    st.addReports([rep("KILL_SWITCH_ACTIVATED", 0)]);
    for (let batch = 0; batch < 50; batch++)
      st.addReports(Array.from({ length: 40 }, (_, j) => rep("RECONCILIATION_REPORT", batch * 40 + j + 1)));
    const recon = st.reportsFor("f", "RECONCILIATION_REPORT");
    expect(recon.length).toBeGreaterThanOrEqual(100);
    expect(recon.length).toBeLessThanOrEqual(125);
    expect(recon.at(-1)!.id).toBe("RECONCILIATION_REPORT-2000");
    // The newest ones, in order, with nothing missing between them.
    expect(recon.map((r) => r.fields.i)).toEqual(
      Array.from({ length: recon.length }, (_, k) => 2000 - recon.length + 1 + k),
    );
    expect(st.reportsFor("f", "KILL_SWITCH_ACTIVATED").map((r) => r.id)).toEqual(["KILL_SWITCH_ACTIVATED-0"]);
  });

  it("keeps the latest registry audit report past the window: it describes the system until a later one", () => {
    const st = new TelemetryStore(1000);
    st.addReports([
      { system: "f", kind: "REGISTRY_AUDIT_REPORT", id: "a-1", fields: { violations_total: 1 }, observedAt: 100 },
      { system: "f", kind: "REGISTRY_AUDIT_REPORT", id: "a-2", fields: { violations_total: 2 }, observedAt: 200 },
      { system: "f", kind: "RECONCILIATION_REPORT", id: "r-1", fields: {}, observedAt: 200 },
    ]);
    // Past the restart-evidence time as well, only the latest audit is left.
    st.prune(200 + RESTART_EVIDENCE_MS + 1);
    expect(st.reportsFor("f").map((r) => r.id)).toEqual(["a-2"]);
  });

  it("keeps restart evidence for a day past the window: audits, a cycle counter starting again, adoptions", () => {
    const st = new TelemetryStore(1000);
    st.addReports([
      { system: "f", kind: "REGISTRY_AUDIT_REPORT", id: "a-1", fields: { violations_total: 0 }, observedAt: 100 },
      { system: "f", kind: "CYCLE_SUMMARY", id: "c-1", fields: { cycle: 1 }, observedAt: 100 },
      { system: "f", kind: "CYCLE_SUMMARY", id: "c-2", fields: { cycle: 2 }, observedAt: 130 },
      { system: "f", kind: "RECONCILIATION_REPORT", id: "r-1", fields: { pending_adopted: 1 }, observedAt: 160 },
      { system: "f", kind: "RECONCILIATION_REPORT", id: "r-2", fields: { pending_adopted: 0 }, observedAt: 220 },
    ]);
    st.prune(3 * 60 * 60_000);
    expect(st.reportsFor("f").map((r) => r.id)).toEqual(["a-1", "c-1", "r-1"]);
    st.prune(160 + RESTART_EVIDENCE_MS + 1);
    expect(st.reportsFor("f").map((r) => r.id)).toEqual(["a-1"]);
  });

  it("counts follow pruning: reports that aged out do not count towards the cap", () => {
    const st = new TelemetryStore(1000, 10);
    const rep = (i: number, t: number) => ({ system: "f", kind: "K", id: `k-${i}`, fields: {}, observedAt: t });
    st.addReports(Array.from({ length: 12 }, (_, i) => rep(i, 100)));
    st.prune(1500); // all 12 are older than the window
    expect(st.reportsFor("f")).toHaveLength(0);
    // 12 is within the 1.25× slack: held as they are (stale counts would have trimmed to 10).
    st.addReports(Array.from({ length: 12 }, (_, i) => rep(100 + i, 2000)));
    expect(st.reportsFor("f")).toHaveLength(12);
    st.addReports([rep(200, 2001)]);
    expect(st.reportsFor("f")).toHaveLength(10);
  });
});
