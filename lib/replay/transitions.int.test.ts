import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { findingTransitions, findings, silences, sourceFreshnessChanges, sourceStatus } from "../db/schema";
import type { Finding } from "../rules/types";
import { startTestPostgres, type TestPostgres } from "../testing/postgres";
import { actorsByRole, bothDatabases } from "../testing/harness";
import { NotifyConfig } from "../notify/config";
import * as notify from "../notify/service";
import { DbHistorySink, rollupAndPrune } from "../collector/history";
import { TelemetryReader } from "../panels/data";
import { replayBoard } from "./board-at";

// What the finding history keeps besides the board engine's state transitions: a silence in force
// is a transition of each open finding it mutes (written with the silence, the finding copied
// from its stored row), source freshness changes are recorded from the source status the
// collector writes, and retention keeps each finding's and source's last change before the cutoff
// so a replay at the edge of the kept history still knows what was open.
// On the embedded PGlite and on a real PostgreSQL 15.

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

const A = actorsByRole((r) => `${r[0]!.toUpperCase()}${r.slice(1)} User`);
const T0 = Date.parse("2026-12-01T10:00:00Z");
const D = 86_400_000;
const ID = "settlement_lag|spot-exchange|*";

const finding: Finding = {
  id: ID,
  ruleId: "settlement_lag",
  system: "spot-exchange",
  kind: "spot-exchange",
  entity: "*",
  state: "critical",
  severity: "SEV1",
  title: "Settlement lag",
  summary: "settlement is 40 s behind",
  since: T0 - 60_000,
  lastEvaluated: T0,
  evidence: { values: [{ label: "lag seconds", value: 40 }] },
  runbook: "x",
};

describe.each(bothDatabases(() => pg, "transitions"))("finding history on %s", (_name, open) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
    await h.db.insert(findings).values({
      id: ID,
      ruleId: finding.ruleId,
      system: finding.system,
      entity: finding.entity,
      state: finding.state,
      severity: finding.severity,
      finding: finding as unknown as object,
      since: new Date(finding.since),
      updatedAt: new Date(T0),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a silence in force is a transition of each open finding it mutes, with the finding as stored", async () => {
    const d: notify.NotifyDeps = {
      db: h.db,
      config: NotifyConfig.parse({ channels: [], routes: [] }),
      ticketPattern: "^[A-Z][A-Z0-9]+-\\d+$",
      now: () => T0,
      findings: async () => [finding],
    };
    const { silence } = await notify.createSilence(d, A.responder, {
      matchers: { system: ["spot-exchange"] },
      endsAt: new Date(T0 + 3_600_000).toISOString(),
      reason: "Settlement backlog being drained by the team",
      ticketId: "OPS-9",
    });
    // One scheduled for later mutes nothing yet: no transition.
    await notify.createSilence(d, A.responder, {
      matchers: { system: ["spot-exchange"] },
      startsAt: new Date(T0 + 2 * 3_600_000).toISOString(),
      endsAt: new Date(T0 + 3 * 3_600_000).toISOString(),
      reason: "Planned settlement maintenance",
      ticketId: "OPS-10",
    });
    const rows = await h.db.select().from(findingTransitions).where(eq(findingTransitions.kind, "silence"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      findingId: ID,
      fromState: "critical",
      toState: "critical",
      severity: "SEV1",
      actorName: "Responder User",
      at: new Date(T0),
      detail: { silenceId: silence.id, ticketId: "OPS-9" },
      finding: { id: ID, evidence: { values: [{ label: "lag seconds", value: 40 }] } },
    });
    expect(await h.db.select().from(silences)).toHaveLength(2);
  });

  it("records each change of a source's freshness at its poll time, not each poll", async () => {
    const status = (freshness: string, okAt: number, errAt?: number) => ({
      name: "spot-exchange",
      freshness,
      lastSuccessAt: okAt,
      ...(errAt ? { lastError: { kind: "timeout", detail: "no answer in 5 s", at: errAt } } : {}),
    });
    const write = async (st: object) =>
      h.db
        .insert(sourceStatus)
        .values({ system: "spot-exchange", status: st, updatedAt: new Date() })
        .onConflictDoUpdate({ target: sourceStatus.system, set: { status: st, updatedAt: new Date() } });
    await write(status("ok", T0 - 10_000));
    await write(status("ok", T0 - 5000));
    await write(status("error", T0 - 5000, T0));
    await write(status("error", T0 - 5000, T0 + 5000));
    await write(status("ok", T0 + 10_000, T0 + 5000));
    const rows = await h.db.select().from(sourceFreshnessChanges).orderBy(asc(sourceFreshnessChanges.seq));
    expect(rows.map((r) => [r.freshness, r.at.getTime(), r.lastError])).toEqual([
      ["ok", T0 - 10_000, null],
      ["error", T0, "timeout: no answer in 5 s"],
      ["ok", T0 + 10_000, "timeout: no answer in 5 s"],
    ]);
    const targets = [
      { name: "spot-exchange", label: "Exchange", kind: "spot-exchange" as const, simulated: true, intervalMs: 5000 },
    ];
    const during = await replayBoard(h.db, { at: T0 + 1000, targets });
    expect(during.systems[0]).toMatchObject({
      freshness: "error",
      lastError: "timeout: no answer in 5 s",
    });
    // Recorded ok, but nothing stored for far longer than its staleness budget: stale, not healthy.
    const later = await replayBoard(h.db, { at: T0 + 10 * 60_000, targets });
    expect(later.systems[0]!.freshness).toBe("stale");
    expect((await replayBoard(h.db, { at: T0 - 60_000, targets })).systems[0]!.freshness).toBe("no_data");
  });

  it("retention drops history older than the cutoff but keeps each finding's and source's last change before it", async () => {
    const now = T0 + 40 * D;
    const state = (at: number, to: string) => ({
      findingId: ID,
      kind: "state" as const,
      fromState: "ok",
      toState: to,
      severity: "SEV1",
      summary: to,
      at: new Date(at),
    });
    await h.db.delete(findingTransitions);
    await h.db
      .insert(findingTransitions)
      .values([
        state(now - 35 * D, "warning"),
        state(now - 33 * D, "critical"),
        { ...state(now - 32 * D, "critical"), kind: "ack" as const, actorName: "R" },
        state(now - 1 * D, "ok"),
      ]);
    await rollupAndPrune(h.db, { now, findingHistoryMs: 30 * D });
    const kept = await h.db.select().from(findingTransitions).orderBy(asc(findingTransitions.at));
    expect(kept.map((t) => [t.kind, t.toState, (now - t.at.getTime()) / D])).toEqual([
      ["state", "critical", 33],
      ["state", "ok", 1],
    ]);
    // The board replayed at the cutoff still has the finding open (critical since before it).
    const atCutoff = await replayBoard(h.db, { at: now - 30 * D, targets: [] });
    expect(atCutoff.findings.map((f) => [f.id, f.state])).toEqual([[ID, "critical"]]);
    // The source's changes (all 40 days old): only the last one stays.
    const sources = await h.db.select().from(sourceFreshnessChanges);
    expect(sources.map((r) => r.freshness)).toEqual(["ok"]);
    expect(sources[0]!.at.getTime()).toBe(T0 + 10_000);
  });

  it("a panel replayed at a moment reads telemetry up to that moment only", async () => {
    const KEY = Symbol.for("watchfloor.db");
    const g = globalThis as Record<symbol, unknown>;
    g[KEY] = Promise.resolve(h); // the reader opens the database through lib/db
    try {
      const sink = new DbHistorySink(h.db, { resolutionMs: 1000 });
      const sample = (t: number, value: number) => ({
        system: "spot-exchange",
        entity: "*",
        metric: "engine_queue_depth",
        labels: {},
        value,
        observedAt: t,
      });
      await sink.samples([sample(T0 - 60_000, 1), sample(T0 - 30_000, 2), sample(T0 + 30_000, 3)]);
      const then = new TelemetryReader(T0, null);
      expect((await then.latestAll("spot-exchange")).get("engine_queue_depth")?.map((v) => v.v)).toEqual([2]);
      const hist = await then.history("spot-exchange", ["engine_queue_depth"], T0 - 3_600_000, T0, () => "max");
      expect(hist.get("engine_queue_depth")?.[0]?.points.map((p) => p.v)).toEqual([1, 2]);
      // The live reader (no moment) sees the newest value.
      const nowReader = new TelemetryReader(T0 + 60_000, null);
      expect((await nowReader.latestAll("spot-exchange")).get("engine_queue_depth")?.map((v) => v.v)).toEqual([3]);
    } finally {
      delete g[KEY];
    }
  });
});
