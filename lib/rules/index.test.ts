import { describe, expect, it } from "vitest";
import {
  RULES,
  RUNBOOKS,
  evaluateRules,
  resolveParams,
  ruleById,
  trackFindings,
  validateThresholds,
  type Finding,
} from "./index";
import { RuleHarness, T0 } from "./testing";

describe("catalog", () => {
  it("every rule has a unique id, a known runbook, a description and valid defaults", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z0-9_.-]+$/);
      expect(Object.keys(RUNBOOKS)).toContain(r.runbook);
      expect(r.description.length).toBeGreaterThan(30);
      expect(r.params.safeParse({}).success).toBe(true);
    }
  });
});

describe("thresholds", () => {
  it("validateThresholds names the bad override's path", () => {
    const problems = validateThresholds([
      { kind: "spot-exchange", thresholds: { settlement_lag: { t2Seconds: 5, t3Seconds: 30 } } },
      { kind: "spot-exchange", thresholds: { settlement_lag: { t2Seconds: "fast", t9: 1 }, nope: {} } },
      { kind: "trading-bot", thresholds: { settlement_lag: { t2Seconds: 1 } } },
      { kind: "spot-exchange", thresholds: { settlement_lag: { t2Seconds: 40 } } },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^targets\[1\]\.thresholds\.settlement_lag\.t2Seconds: .*number/),
      "targets[1].thresholds.settlement_lag.t9: unknown parameter (known: t2Seconds, t3Seconds, prolongedMinutes)",
      'targets[1].thresholds.nope: unknown rule "nope"',
      "targets[2].thresholds.settlement_lag: rule settlement_lag applies to spot-exchange, not trading-bot",
      "targets[3].thresholds.settlement_lag.t2Seconds: t2Seconds must be below t3Seconds",
    ]);
  });
  it("resolveParams keeps the valid overrides and drops the bad ones", () => {
    const rule = ruleById("settlement_lag")!;
    expect(resolveParams(rule, { thresholds: { settlement_lag: { t2Seconds: 10, t3Seconds: "x" } } })).toEqual({
      t2Seconds: 10,
      t3Seconds: 30,
      prolongedMinutes: 10,
    });
    expect(resolveParams(rule, { thresholds: {} })).toEqual(rule.defaults);
  });
});

describe("evaluateRules", () => {
  it("evaluates the rules of each target's kind only, and includes ok findings", () => {
    const h = new RuleHarness("spot-exchange").hold(T0, T0 + 10_000, "ledger_settlement_lag_p99_seconds", 1);
    const all = evaluateRules(h.ctx(T0 + 10_000));
    expect(all.every((f) => RULES.find((r) => r.id === f.ruleId)!.kinds.includes("spot-exchange"))).toBe(true);
    expect(all.find((f) => f.ruleId === "settlement_lag")?.state).toBe("ok");
  });
  it("a rule that throws yields one unknown finding instead of failing", () => {
    const bad = {
      ...ruleById("settlement_lag")!,
      evaluate: () => {
        throw new Error("boom");
      },
    };
    const f = evaluateRules(new RuleHarness("spot-exchange").ctx(T0), [bad]);
    expect(f).toMatchObject([{ state: "unknown", summary: "Rule could not be evaluated: boom" }]);
  });
});

describe("trackFindings", () => {
  const base = (state: Finding["state"], now: number, extra: Partial<Finding> = {}): Finding => ({
    id: "r|s|e",
    ruleId: "r",
    system: "s",
    kind: "spot-exchange",
    entity: "e",
    state,
    severity: "SEV2",
    title: "t",
    summary: `is ${state}`,
    since: now,
    lastEvaluated: now,
    evidence: { values: [] },
    runbook: "split-brain",
    ...extra,
  });
  it("keeps since while the state holds and records transitions and escalations", () => {
    let prev = new Map<string, Finding>();
    let r = trackFindings(prev, [base("warning", 100)], 100);
    expect(r.transitions).toEqual([
      { findingId: "r|s|e", from: null, to: "warning", severity: "SEV2", at: 100, summary: "is warning" },
    ]);
    prev = new Map(r.findings.map((f) => [f.id, f]));
    r = trackFindings(prev, [base("warning", 200)], 200);
    expect(r.findings[0]!.since).toBe(100);
    expect(r.transitions).toEqual([]);
    prev = new Map(r.findings.map((f) => [f.id, f]));
    r = trackFindings(prev, [base("warning", 300, { severity: "SEV1" })], 300);
    expect(r.transitions).toMatchObject([{ from: "warning", to: "warning", severity: "SEV1" }]);
    prev = new Map(r.findings.map((f) => [f.id, f]));
    r = trackFindings(prev, [base("ok", 400)], 400);
    expect(r.findings[0]).toMatchObject({ state: "ok", since: 400 });
    expect(r.transitions).toMatchObject([{ from: "warning", to: "ok" }]);
  });
  it("new ok findings make no transition; a vanished non-ok finding clears once, then is dropped", () => {
    expect(trackFindings(new Map(), [base("ok", 1)], 1).transitions).toEqual([]);
    const prev = new Map([["r|s|e", base("critical", 1, { escalationDueAt: 5, escalation: "x" })]]);
    const r = trackFindings(prev, [], 10);
    expect(r.findings).toMatchObject([{ state: "ok", since: 10 }]);
    expect(r.findings[0]!.escalationDueAt).toBeUndefined();
    expect(r.transitions).toMatchObject([{ from: "critical", to: "ok", at: 10 }]);
    expect(trackFindings(new Map(r.findings.map((f) => [f.id, f])), [], 20).findings).toEqual([]);
  });
  it("a vanished non-ok finding of a system that is not fresh turns Unknown with what was last known, never ok", () => {
    const prev = new Map([["r|s|e", base("critical", 1, { escalationDueAt: 5 })]]);
    const dark = (f: Finding) => f.system !== "s";
    const r = trackFindings(prev, [], 10, dark);
    expect(r.findings).toMatchObject([
      { state: "unknown", since: 10, summary: "Unknown — s's telemetry for it is not fresh; last known: is critical" },
    ]);
    expect(r.findings[0]!.escalationDueAt).toBeUndefined();
    expect(r.transitions).toMatchObject([{ from: "critical", to: "unknown", at: 10 }]);
    // Still dark: held as Unknown, no new transition; fresh again and still not reported: cleared.
    const held = trackFindings(new Map(r.findings.map((f) => [f.id, f])), [], 20, dark);
    expect(held.findings).toMatchObject([{ state: "unknown", since: 10 }]);
    expect(held.transitions).toEqual([]);
    const back = trackFindings(new Map(held.findings.map((f) => [f.id, f])), [], 30);
    expect(back.findings).toMatchObject([{ state: "ok" }]);
    expect(back.transitions).toMatchObject([{ from: "unknown", to: "ok" }]);
  });
});
