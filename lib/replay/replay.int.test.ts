import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { findingAcks, findingTransitions, sourceFreshnessChanges } from "../db/schema";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases } from "../testing/harness";
import {
  freshnessOf,
  recordFailure,
  recordSuccess,
  worstFreshness,
  EMPTY_SOURCE_STATE,
  type SourceState,
} from "../collector/freshness";
import { TelemetryStore } from "../collector/store";
import { DbHistorySink } from "../collector/history";
import { BoardEngine } from "../board/engine";
import { acksOfOccurrence, shapeBoardSnapshot, type BoardSnapshot } from "../board/snapshot";
import { acknowledgeFindingIn } from "../board/ack";
import type { TargetConfig } from "../config/fleet";
import { startFleet, type Fleet } from "../sim";
import { testConfig } from "../sim/testing";
import { pollerFor } from "../telemetry/sources/pollers";
import { replayBoard, type ReplayTarget } from "./board-at";
import { incidentMoments } from "./moments";
import { listChanges } from "./changes";

// The board replayed at a moment must be the board that was live at that moment. A simulated
// exchange on a virtual clock runs the settlement-lag playbook (warning at T2, critical at T3,
// recovery), polled every virtual 2 s into the real board engine persisting to the database;
// the live board is taken at five moments (quiet, onset, critical, escalated to SEV1, recovered)
// and the board rebuilt from the database for each of those moments is compared with it: the
// same findings with the same states, severities and onsets (so the same ages), the same
// recently cleared findings, and every source with the same freshness.
// On the embedded PGlite and on a real PostgreSQL 15.

const S = 1000;
const M = 60 * S;
const POLL = 2 * S;
const SETTLEMENT = "settlement_lag|spot-exchange|*";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const fleets: Fleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
});

/** What a moment's comparison looks at: the finding cards, the cleared list and the tiles. */
function view(b: BoardSnapshot) {
  return {
    at: b.generatedAt,
    findings: b.findings.map((f) => ({
      id: f.id,
      state: f.state,
      severity: f.severity,
      since: f.since,
      age: b.generatedAt - f.since,
      ack: f.ack?.by ?? null,
    })),
    cleared: b.cleared.map((f) => ({ id: f.id, since: f.since })),
    systems: b.systems.map((s) => ({ name: s.name, freshness: s.freshness })),
  };
}

describe.each(bothDatabases(() => pg, "replay"))("replayed board on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("equals the live board at five moments through onset, escalation and recovery", async () => {
    const fleet = await startFleet({
      config: testConfig(["spot-exchange"]),
      seed: 7,
      clock: "manual",
      portBase: 0,
      admin: false,
    });
    fleets.push(fleet);
    const sys = fleet.systems[0]!;
    const target: TargetConfig = {
      name: sys.name,
      kind: "spot-exchange",
      baseUrl: sys.url,
      simulated: true,
      credentials: {},
      thresholds: {},
    };
    const replayTargets: ReplayTarget[] = [
      { name: sys.name, label: sys.name, kind: "spot-exchange", simulated: true, intervalMs: POLL },
    ];
    const poller = pollerFor("spot-exchange");
    const store = new TelemetryStore();
    const sink = new DbHistorySink(h.db);
    const endpoints = new Map<string, SourceState>();
    let cursor: string | undefined;
    let polls = 0;
    const freshness = (_system: string, endpoint?: string) => {
      const now = fleet.now();
      if (endpoint !== undefined) return freshnessOf(endpoints.get(endpoint) ?? EMPTY_SOURCE_STATE, POLL, now);
      return worstFreshness([...endpoints.values()].map((s) => freshnessOf(s, POLL, now)));
    };
    const engine = new BoardEngine({
      inputs: {
        history: store,
        targetsForRules: () => [
          { name: sys.name, kind: "spot-exchange", intervalMs: POLL, thresholds: {}, sources: {} },
        ],
        freshness,
        droppedFamilies: () => [],
        sourceProblem: () => undefined,
      },
      db: h.db,
      onChange: () => {},
      now: () => fleet.now(),
    });

    async function step() {
      const now = fleet.now();
      const out = await poller({
        target,
        token: sys.credential,
        timeoutMs: 5000,
        maxBytes: 50 * 1024 * 1024,
        now,
        cursor,
      });
      cursor = out.cursor ?? cursor;
      for (const e of out.endpoints) {
        const prev = endpoints.get(e.path) ?? EMPTY_SOURCE_STATE;
        endpoints.set(
          e.path,
          e.ok ? recordSuccess(prev, now) : recordFailure(prev, now, e.error ?? { kind: "http", detail: "failed" }),
        );
      }
      store.addSamples(out.samples);
      store.addReports(out.reports);
      store.prune(now);
      polls++;
      await sink.samples(out.samples);
      const successes = [...endpoints.values()].map((s) => s.lastSuccessAt ?? 0);
      await sink.status({
        name: sys.name,
        label: sys.name,
        kind: "spot-exchange",
        baseUrl: sys.url,
        simulated: true,
        intervalMs: POLL,
        freshness: freshness(sys.name),
        lastSuccessAt: Math.max(...successes),
        lastAttemptAt: now,
        pollCount: polls,
        endpoints: [],
        lastSamples: [],
      });
      await engine.evaluate();
    }

    /** The live board now: the engine's findings and their acknowledgements, shaped as the live board is. */
    async function live(): Promise<BoardSnapshot> {
      const now = fleet.now();
      const all = [...engine.findings.values()];
      const open = all.filter((f) => f.state !== "ok");
      const ackRows = await h.db.select().from(findingAcks);
      return shapeBoardSnapshot({
        generatedAt: now,
        collector: "leader",
        sources: [
          { name: sys.name, label: sys.name, kind: "spot-exchange", simulated: true, freshness: freshness(sys.name) },
        ],
        open,
        cleared: all.filter((f) => f.state === "ok" && engine.cleared.has(f.id)),
        acks: acksOfOccurrence(open, ackRows),
        covering: () => undefined,
        silenced: new Map(),
        upcoming: [],
      });
    }

    const moments: BoardSnapshot[] = [];
    const settlement = () => engine.findings.get(SETTLEMENT);
    async function advance(ms: number) {
      for (let t = 0; t < ms; t += POLL) {
        fleet.advance(POLL);
        await step();
      }
    }
    async function advanceUntil(done: () => boolean, limitMs: number) {
      for (let t = 0; t < limitMs && !done(); t += POLL) {
        fleet.advance(POLL);
        await step();
      }
      expect(done()).toBe(true);
    }

    await advance(90 * S);
    moments.push(await live()); // 1: quiet, before the playbook starts
    fleet.startScenario("settlement-lag", "spot-exchange");
    await advanceUntil(() => settlement()?.state === "warning", 6 * M);
    await advance(20 * S);
    moments.push(await live()); // 2: onset (T2 passed: warning)
    await advanceUntil(() => settlement()?.state === "critical", 8 * M);
    await advance(10 * S);
    moments.push(await live()); // 3: T3 passed: critical
    await advance(10 * S);
    // A responder acknowledges it (the acknowledgement takes its time from the clock).
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(fleet.now());
    try {
      await acknowledgeFindingIn(h.db, actorsByRole().responder, SETTLEMENT);
    } finally {
      vi.useRealTimers();
    }
    await advanceUntil(() => settlement()?.severity === "SEV1", 12 * M);
    await advance(10 * S);
    moments.push(await live()); // 4: escalated to SEV1, acknowledged
    await advanceUntil(() => settlement()?.state === "ok", 14 * M);
    await advance(30 * S);
    moments.push(await live()); // 5: recovered, in the recently cleared list

    // The playbook went where the runbook says: nothing, warning, critical, critical, cleared.
    const stateAt = (b: BoardSnapshot) =>
      b.findings.find((f) => f.id === SETTLEMENT)?.state ??
      (b.cleared.some((f) => f.id === SETTLEMENT) ? "cleared" : "none");
    expect(moments.map(stateAt)).toEqual(["none", "warning", "critical", "critical", "cleared"]);
    expect(moments[3]!.findings.find((f) => f.id === SETTLEMENT)).toMatchObject({
      severity: "SEV1",
      ack: { by: "responder" },
    });

    for (const m of moments) {
      const replayed = await replayBoard(h.db, { at: m.generatedAt, targets: replayTargets });
      expect(view(replayed)).toEqual(view(m));
      expect(replayed.collector).toBe("replay");
      // Data age: the newest stored data is within the storage resolution of the live poll.
      expect(m.generatedAt - replayed.systems[0]!.lastSuccessAt!).toBeLessThanOrEqual(10 * S + POLL);
    }
    // Stepping: the escalation moment's neighbours are the transitions around it.
    const r3 = await replayBoard(h.db, { at: moments[2]!.generatedAt, targets: replayTargets });
    expect(r3.replay.prev).toBeLessThanOrEqual(moments[2]!.generatedAt);
    expect(r3.replay.next).toBeGreaterThan(moments[2]!.generatedAt);
    // The transitions carry the finding as it was, evidence included.
    const stored = await h.db.select().from(findingTransitions).where(eq(findingTransitions.findingId, SETTLEMENT));
    expect(stored.map((t) => t.toState)).toEqual(expect.arrayContaining(["warning", "critical", "ok"]));
    for (const t of stored)
      expect(t.finding).toMatchObject({ id: SETTLEMENT, state: t.toState, evidence: expect.anything() });
    expect((await h.db.select().from(sourceFreshnessChanges)).map((c) => c.freshness)[0]).toBe("ok");
    // An incident opened at the second moment: its onset is the warning, its peak the escalation
    // to SEV1, and the replayed board at each has the finding as it was then.
    const m = await incidentMoments(h.db, {
      openedAt: moments[1]!.generatedAt,
      resolvedAt: moments[4]!.generatedAt,
      findingIds: [SETTLEMENT],
      now: moments[4]!.generatedAt,
    });
    expect(m.onset).toBeGreaterThan(moments[0]!.generatedAt);
    expect(m.onset).toBeLessThanOrEqual(moments[1]!.generatedAt);
    expect(m.peak).toBeGreaterThan(moments[2]!.generatedAt);
    expect(m.peak).toBeLessThanOrEqual(moments[3]!.generatedAt);
    expect(m.resolution).toBe(moments[4]!.generatedAt);
    const atOnset = await replayBoard(h.db, { at: m.onset, targets: replayTargets });
    const atPeak = await replayBoard(h.db, { at: m.peak, targets: replayTargets });
    expect(atOnset.findings.find((f) => f.id === SETTLEMENT)?.state).toBe("warning");
    expect(atPeak.findings.find((f) => f.id === SETTLEMENT)).toMatchObject({ state: "critical", severity: "SEV1" });
    // What changed before the onset: nothing opened in the quiet window but the noise the quiet
    // board already had, and the finding itself is not its own cause.
    const before = await listChanges(h.db, { from: m.onset - 30 * M, to: m.onset, exclude: SETTLEMENT });
    expect(before.filter((c) => c.kind === "finding" && c.href.includes(encodeURIComponent(SETTLEMENT)))).toEqual([]);
    expect(before.filter((c) => c.kind === "finding").length).toBe(moments[0]!.findings.length);
    // The acknowledgement is one of the finding's transitions, at the time it was made.
    const acks = stored.filter((t) => t.kind === "ack");
    expect(acks.map((t) => [t.actorName, t.toState, t.at.getTime()])).toEqual([
      ["responder", "critical", moments[2]!.generatedAt + 10 * S],
    ]);
  }, 240_000);
});
