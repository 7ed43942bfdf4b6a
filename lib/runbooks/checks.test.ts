import { describe, expect, it } from "vitest";
import {
  Check,
  EscalationBinding,
  Wait,
  controlHref,
  describeCheck,
  evaluateCheck,
  evaluateEscalation,
  evaluateWait,
  formatCountdown,
  parseDuration,
  type Lookup,
} from "./checks";

const NOW = 1_700_000_000_000;
const table =
  (rows: Record<string, { value: number; at: number }>): Lookup =>
  (metric, entity) =>
    rows[`${metric}|${entity}`];
const check = (o: Record<string, unknown>) => Check.parse(o);

describe("evaluateCheck", () => {
  const c = check({ metric: "capitalInvariantViolations", entity: "eth-grid", op: "==", value: 0 });

  it("holds when the fresh value satisfies the condition, and reports the value and its time", () => {
    expect(
      evaluateCheck(c, table({ "capitalInvariantViolations|eth-grid": { value: 0, at: NOW - 5_000 } }), NOW),
    ).toEqual({ holds: true, value: 0, at: NOW - 5_000 });
  });

  it("does not hold when the fresh value fails the condition", () => {
    expect(
      evaluateCheck(c, table({ "capitalInvariantViolations|eth-grid": { value: 2, at: NOW } }), NOW),
    ).toMatchObject({ holds: false, value: 2 });
  });

  it("is unknown — never satisfied — when the value is missing, stale or NaN", () => {
    expect(evaluateCheck(c, table({}), NOW)).toMatchObject({ holds: "unknown", reason: "missing" });
    expect(
      evaluateCheck(c, table({ "capitalInvariantViolations|eth-grid": { value: 0, at: NOW - 61_000 } }), NOW),
    ).toMatchObject({ holds: "unknown", value: 0, reason: "stale" });
    expect(
      evaluateCheck(c, table({ "capitalInvariantViolations|eth-grid": { value: Number.NaN, at: NOW } }), NOW),
    ).toMatchObject({ holds: "unknown", reason: "nan" });
    expect(
      evaluateCheck(c, table({ "capitalInvariantViolations|eth-grid": { value: 0, at: Number.NaN } }), NOW),
    ).toMatchObject({ holds: "unknown", reason: "stale" });
  });

  it("honours a check's own maxAge", () => {
    const strict = check({ metric: "m", op: ">", value: 1, maxAge: "10s" });
    expect(evaluateCheck(strict, table({ "m|*": { value: 5, at: NOW - 11_000 } }), NOW).holds).toBe("unknown");
    expect(evaluateCheck(strict, table({ "m|*": { value: 5, at: NOW - 9_000 } }), NOW).holds).toBe(true);
  });

  it("is unknown while the entity is still a placeholder, without asking the lookup", () => {
    let asked = 0;
    const r = evaluateCheck(
      check({ metric: "m", entity: "$profile", op: "==", value: 0 }),
      () => (asked++, { value: 0, at: NOW }),
      NOW,
    );
    expect(r).toMatchObject({ holds: "unknown", reason: "unresolved" });
    expect(asked).toBe(0);
  });

  it("supports every operator and booleans as 1/0", () => {
    const at = NOW;
    const v = (value: number) => () => ({ value, at });
    const cases: [string, number | boolean, number, boolean][] = [
      ["==", 3, 3, true],
      ["!=", 3, 3, false],
      ["<", 3, 2, true],
      ["<=", 3, 3, true],
      [">", 3, 3, false],
      [">=", 3, 4, true],
      ["==", true, 1, true],
      ["==", false, 1, false],
    ];
    for (const [op, value, actual, holds] of cases)
      expect(evaluateCheck(check({ metric: "m", op, value }), v(actual), NOW).holds, `${actual} ${op} ${value}`).toBe(
        holds,
      );
  });
});

describe("waits and escalation", () => {
  it("counts a duration down", () => {
    const w = Wait.parse({ duration: "15m" });
    expect(evaluateWait(w, { startedAt: NOW - 60_000 }, table({}), NOW)).toEqual({
      done: false,
      remainingMs: 14 * 60_000,
    });
    expect(evaluateWait(w, { startedAt: NOW - 16 * 60_000 }, table({}), NOW)).toEqual({ done: true, remainingMs: 0 });
  });

  it("counts cycles from a baseline, through a counter reset, and is unknown without data", () => {
    const w = Wait.parse({ cycles: 3 });
    const at = (v: number) => table({ "reconciliation_cycles_total|*": { value: v, at: NOW } });
    expect(evaluateWait(w, { startedAt: NOW, baseline: 10 }, at(12), NOW)).toEqual({ done: false, cyclesLeft: 1 });
    expect(evaluateWait(w, { startedAt: NOW, baseline: 10 }, at(13), NOW)).toEqual({ done: true, cyclesLeft: 0 });
    expect(evaluateWait(w, { startedAt: NOW, baseline: 10 }, at(1), NOW)).toEqual({ done: false, cyclesLeft: 2 });
    expect(evaluateWait(w, { startedAt: NOW, baseline: 10 }, table({}), NOW)).toEqual({ done: "unknown" });
  });

  const esc = EscalationBinding.parse({
    when: { metric: "capitalInvariantViolations", entity: "eth-grid", op: ">", value: 0 },
    after: "15m",
    afterCycles: 3,
  });
  const start = { startedAt: NOW - 200_000, baseline: 100 };
  const world = (violations: number | undefined, cycles: number) =>
    table({
      ...(violations === undefined ? {} : { "capitalInvariantViolations|eth-grid": { value: violations, at: NOW } }),
      "reconciliation_cycles_total|*": { value: cycles, at: NOW },
    });

  it("is pending with a countdown while the condition holds and time is left", () => {
    const s = evaluateEscalation(esc, start, world(1, 101), NOW);
    expect(s).toMatchObject({ state: "pending", dueAt: NOW - 200_000 + 900_000, remainingMs: 700_000, cyclesLeft: 2 });
    expect(formatCountdown(s.remainingMs!)).toBe("11:40");
  });

  it("is due when the time or the cycles run out with the condition still holding", () => {
    expect(evaluateEscalation(esc, { ...start, startedAt: NOW - 900_000 }, world(1, 101), NOW).state).toBe("due");
    expect(evaluateEscalation(esc, start, world(1, 103), NOW).state).toBe("due");
  });

  it("stands down when the condition no longer holds, but not on unreadable data", () => {
    expect(evaluateEscalation(esc, { ...start, startedAt: NOW - 2_000_000 }, world(0, 110), NOW).state).toBe("clear");
    expect(evaluateEscalation(esc, start, world(undefined, 101), NOW).state).toBe("unknown");
    expect(evaluateEscalation(esc, { ...start, startedAt: NOW - 2_000_000 }, world(undefined, 101), NOW).state).toBe(
      "due",
    );
  });

  it("rejects a binding with no limit and a bad duration, naming the field", () => {
    expect(EscalationBinding.safeParse({ when: { metric: "m", op: ">", value: 0 } }).success).toBe(false);
    const r = EscalationBinding.safeParse({ after: "soon" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["after"]);
  });
});

describe("helpers", () => {
  it("parses durations", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("15 minutes")).toBe(900_000);
    expect(parseDuration("soon")).toBeUndefined();
    expect(parseDuration("")).toBeUndefined();
  });

  it("pre-fills the controls screen and leaves unknown placeholders to the responder", () => {
    expect(
      controlHref(
        { control: "symbol-mode", params: { symbol: "$symbol", mode: "HARD_HALT" } },
        { system: "spot-exchange", symbol: "BTC-USD" },
      ),
    ).toBe("/controls?target=spot-exchange&control=symbol-mode&symbol=BTC-USD&mode=HARD_HALT");
    expect(controlHref({ control: "symbol-mode", params: { symbol: "$symbol", mode: "HARD_HALT" } })).toBe(
      "/controls?control=symbol-mode&mode=HARD_HALT",
    );
    expect(controlHref({})).toBeUndefined();
  });

  it("describes checks in words", () => {
    expect(describeCheck(check({ metric: "capitalInvariantViolations", entity: "$profile", op: "==", value: 0 }))).toBe(
      "capitalInvariantViolations for this profile == 0",
    );
  });
});
