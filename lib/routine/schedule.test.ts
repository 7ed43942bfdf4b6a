import { describe, expect, it } from "vitest";
import { ROUTINE_CHECKS, nextPeriodStart, periodStart, previousPeriodStart, routineCheck, statusOf } from "./schedule";

// The runbook's routine operations against a virtual clock: UTC days, ISO weeks from Monday,
// calendar months; done for the current period, due by its end, overdue once a period was missed.

const at = (iso: string) => Date.parse(iso);
const mark = (iso: string) => ({ at: at(iso), by: "casey", note: null, auditSeq: 1 });

describe("routine schedule", () => {
  it("lists the spot exchange runbook's daily, weekly and monthly checks", () => {
    expect(ROUTINE_CHECKS.map((c) => `${c.period}:${c.id}`)).toEqual([
      "daily:reconciliation-summary",
      "daily:invariants-check",
      "daily:settlement-lag-report",
      "weekly:restore-rehearsal",
      "weekly:chaos-drills",
      "monthly:dr-exercise",
      "monthly:access-review",
    ]);
  });

  it("periods are UTC calendar periods: a Sunday belongs to the week that began on Monday; months have their own length", () => {
    const sunday = at("2026-03-08T23:59:59.999Z");
    expect(new Date(periodStart("weekly", sunday)).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(new Date(nextPeriodStart("weekly", sunday)).toISOString()).toBe("2026-03-09T00:00:00.000Z");
    expect(new Date(previousPeriodStart("weekly", sunday)).toISOString()).toBe("2026-02-23T00:00:00.000Z");
    expect(new Date(nextPeriodStart("monthly", at("2026-02-14T12:00:00Z"))).toISOString()).toBe(
      "2026-03-01T00:00:00.000Z",
    );
    expect(new Date(previousPeriodStart("monthly", at("2026-03-01T00:00:00Z"))).toISOString()).toBe(
      "2026-02-01T00:00:00.000Z",
    );
    expect(new Date(periodStart("daily", at("2026-03-08T00:00:00Z"))).toISOString()).toBe("2026-03-08T00:00:00.000Z");
  });

  it("a daily check done today is done until midnight UTC; tomorrow it is due; the day after, overdue", () => {
    const c = routineCheck("invariants-check")!;
    const done = mark("2026-03-10T09:00:00Z");
    expect(statusOf(c, "spot", done, at("2026-03-10T23:59:59Z"))).toMatchObject({
      state: "done",
      dueBy: at("2026-03-12T00:00:00Z"),
    });
    expect(statusOf(c, "spot", done, at("2026-03-11T00:00:00Z"))).toMatchObject({
      state: "due",
      dueBy: at("2026-03-12T00:00:00Z"),
    });
    expect(statusOf(c, "spot", done, at("2026-03-12T00:00:00Z")).state).toBe("overdue");
  });

  it("never recorded is overdue, not healthy", () => {
    expect(statusOf(routineCheck("dr-exercise")!, "spot", null, at("2026-03-10T00:00:00Z"))).toMatchObject({
      state: "overdue",
      dueBy: at("2026-04-01T00:00:00Z"),
      last: null,
    });
  });

  it("a monthly check done on the last day of last month is due this month, not overdue", () => {
    const c = routineCheck("access-review")!;
    expect(statusOf(c, "spot", mark("2026-02-28T18:00:00Z"), at("2026-03-20T00:00:00Z")).state).toBe("due");
    expect(statusOf(c, "spot", mark("2026-01-31T18:00:00Z"), at("2026-03-20T00:00:00Z")).state).toBe("overdue");
  });
});
