import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import { openDatabase, type DbHandle } from "../db/client";
import { findingTransitions, findings as findingsTable } from "../db/schema";
import { RuleHarness, T0 } from "../rules/testing";
import type { Freshness } from "../collector/freshness";
import { BoardEngine } from "./engine";

// The evaluator stage on a virtual clock over the embedded database: it evaluates the rules over
// the view it is handed, tells the pipeline only when findings changed, and stores each finding
// and each transition once. The expectations are the runbook's (a negative available capital is a
// capital-invariant violation; a source that is not fresh makes its findings Unknown), not the
// engine's own output.

const S = 1000;
const ID = "capital_invariant|alpha-bot|eth-grid";

let h: DbHandle;
beforeAll(async () => {
  h = await openDatabase({ dataDir: "memory://" });
});
afterAll(async () => {
  await h?.close();
});

describe("board engine", () => {
  const bot = new RuleHarness("trading-bot", { name: "alpha-bot" });
  let clock = T0;
  let fresh: Freshness = "ok";
  let catching = false;
  const versions: number[] = [];
  let evaluations = 0;
  let engine: BoardEngine;

  /** Capital per profile as the bot reports it, every poll from `from` to `to`. */
  function capital(from: number, to: number, ethGrid: number) {
    for (const metric of ["available_capital", "available_capital_gauge"]) {
      bot.hold(from, to, metric, 5000, { entity: "btc-grid" });
      bot.hold(from, to, metric, ethGrid, { entity: "eth-grid" });
    }
    const violations = ethGrid < 0 ? 1 : 0;
    bot.hold(from, to, "capitalInvariantViolations", 0, { entity: "btc-grid" });
    bot.hold(from, to, "capitalInvariantViolations", violations, { entity: "eth-grid" });
    bot.hold(from, to, "capitalInvariantViolations", violations);
    bot.hold(from, to, "lastReconciledAt", (t) => t, { entity: "eth-grid" });
    bot.hold(from, to, "reconciliationLastRun", (t) => t);
  }

  const rows = async () =>
    (await h.db.select().from(findingsTable).where(eq(findingsTable.id, ID))).map((r) => r.state);
  const transitions = async () =>
    (
      await h.db
        .select()
        .from(findingTransitions)
        .where(eq(findingTransitions.findingId, ID))
        .orderBy(asc(findingTransitions.at))
    ).map((t) => `${t.fromState ?? "-"}→${t.toState}`);

  beforeAll(() => {
    engine = new BoardEngine({
      inputs: {
        history: bot.store,
        targetsForRules: () => [bot.target],
        freshness: () => fresh,
        droppedFamilies: () => [],
        sourceProblem: () => (fresh === "ok" ? undefined : { source: "/internal/health", kind: "timeout" }),
        catchingUp: () => catching,
      },
      db: h.db,
      onChange: (v) => versions.push(v),
      onEvaluated: () => evaluations++,
      now: () => clock,
    });
  });

  it("stores nothing and tells nobody while every profile is healthy", async () => {
    capital(T0, T0 + 20 * S, 800);
    clock = T0 + 20 * S;
    await engine.evaluate();
    expect(evaluations).toBe(1);
    expect(versions).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it("a violation: one change, the finding and its transition stored, the healthy profile untouched", async () => {
    capital(T0 + 22 * S, T0 + 40 * S, -1240);
    clock = T0 + 40 * S;
    await engine.evaluate();
    expect(versions).toEqual([1]);
    expect(engine.findings.get(ID)).toMatchObject({ state: "critical", entity: "eth-grid" });
    expect(engine.findings.get("capital_invariant|alpha-bot|btc-grid")?.state ?? "ok").toBe("ok");
    expect(await rows()).toEqual(["critical"]);
    expect(await transitions()).toEqual(["ok→critical"]);
  });

  it("the same evidence evaluated again changes nothing", async () => {
    await engine.evaluate();
    expect(versions).toEqual([1]);
    expect(await transitions()).toEqual(["ok→critical"]);
  });

  it("a source that is not fresh turns the finding Unknown, never ok", async () => {
    fresh = "stale";
    clock = T0 + 42 * S;
    await engine.evaluate();
    expect(engine.findings.get(ID)?.state).toBe("unknown");
    expect(versions).toEqual([1, 2]);
    expect(await rows()).toEqual(["unknown"]);
    expect(await transitions()).toEqual(["ok→critical", "critical→unknown"]);
  });

  it("recovery: stored as ok, kept on the board as cleared", async () => {
    fresh = "ok";
    capital(T0 + 48 * S, T0 + 60 * S, 900);
    clock = T0 + 60 * S;
    await engine.evaluate();
    expect(engine.findings.get(ID)?.state).toBe("ok");
    expect(engine.cleared.has(ID)).toBe(true);
    expect(await rows()).toEqual(["ok"]);
    expect((await transitions()).at(-1)).toBe("unknown→ok");
  });

  // A real failure of the write: the transitions table is away (renamed) while a violation opens
  // and deepens; once it is back, the next evaluation, with nothing new to report, stores both.
  it("a write that fails is kept and stored with the next evaluation: no transition is lost", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await h.db.execute(sql`ALTER TABLE finding_transitions RENAME TO finding_transitions_away`);
      capital(T0 + 62 * S, T0 + 70 * S, -500);
      clock = T0 + 70 * S;
      await engine.evaluate();
      expect(engine.findings.get(ID)?.state).toBe("critical");
      expect(engine.unsavedCount()).toBeGreaterThan(0);
      expect(String(errors.mock.calls.at(-1)?.[0])).toMatch(/persisting findings failed/);
      await h.db.execute(sql`ALTER TABLE finding_transitions_away RENAME TO finding_transitions`);
      expect(await rows()).toEqual(["ok"]);
      expect((await transitions()).at(-1)).toBe("unknown→ok");
      const before = versions.length;
      clock = T0 + 71 * S;
      await engine.evaluate();
      expect(engine.unsavedCount()).toBe(0);
      expect(await rows()).toEqual(["critical"]);
      // Every transition once, in order: none lost, none written twice.
      expect(await transitions()).toEqual(["ok→critical", "critical→unknown", "unknown→ok", "ok→critical"]);
      // Stored with the time it happened, not the time of the retry.
      const last = await h.db
        .select()
        .from(findingTransitions)
        .where(eq(findingTransitions.findingId, ID))
        .orderBy(asc(findingTransitions.at));
      expect(new Date(last.at(-1)!.at).getTime()).toBe(T0 + 70 * S);
      // Other instances are told, so they read it.
      expect(versions.length).toBe(before + 1);
    } finally {
      errors.mockRestore();
    }
  });

  // Right after the console's own pause, a target whose polls are due is not evaluated: with no
  // recent samples the rule would see nothing for the profile, and the open finding would be
  // cleared although nothing was repaired. It is evaluated again once the polls have landed.
  it("leaves a target that is catching up after a pause as it was, and evaluates it once caught up", async () => {
    const before = (await transitions()).length;
    catching = true;
    clock = T0 + 200 * S; // no samples since T0 + 70 s
    await engine.evaluate();
    expect(engine.findings.get(ID)?.state).toBe("critical");
    expect(await rows()).toEqual(["critical"]);
    expect((await transitions()).length).toBe(before);
    catching = false;
    capital(T0 + 195 * S, T0 + 200 * S, -700);
    await engine.evaluate();
    expect(engine.findings.get(ID)?.state).toBe("critical");
    // Never cleared in between (an escalation of the still-open violation may be recorded).
    expect((await transitions()).slice(before).filter((t) => t.endsWith("→ok"))).toEqual([]);
  });
});
