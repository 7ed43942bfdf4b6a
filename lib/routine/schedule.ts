// The spot exchange runbook's routine operations (§4) as a schedule: which checks are done daily,
// weekly and monthly, and — from when each was last recorded done — whether it is done for the
// current period, due by the period's end, or overdue (the previous period passed without it).
// Pure: no clock, no database. Periods are UTC calendar periods: a day from midnight, an ISO week
// from Monday, a month from the 1st.

export const PERIODS = ["daily", "weekly", "monthly"] as const;
export type Period = (typeof PERIODS)[number];

export interface RoutineCheck {
  id: string;
  period: Period;
  title: string;
  /** The runbook's words for it. */
  runbook: string;
  /** Where it is done, when the runbook says (staging). */
  where?: string;
}

/** The spot exchange runbook, "Routine operations". */
export const ROUTINE_CHECKS: readonly RoutineCheck[] = [
  { id: "reconciliation-summary", period: "daily", title: "Reconciliation summary", runbook: "reconciliation summary" },
  { id: "invariants-check", period: "daily", title: "Invariants check", runbook: "invariants check" },
  { id: "settlement-lag-report", period: "daily", title: "Settlement lag report", runbook: "settlement lag report" },
  {
    id: "restore-rehearsal",
    period: "weekly",
    title: "Restore rehearsal",
    runbook: "restore rehearsal (staging)",
    where: "staging",
  },
  { id: "chaos-drills", period: "weekly", title: "Chaos drills", runbook: "chaos drills (staging)", where: "staging" },
  { id: "dr-exercise", period: "monthly", title: "DR exercise", runbook: "DR exercise" },
  {
    id: "access-review",
    period: "monthly",
    title: "Access review (RBAC, MFA, JIT)",
    runbook: "access review (RBAC/MFA/JIT)",
  },
];

/** The system kinds whose runbook lists routine operations. */
export const ROUTINE_KINDS = ["spot-exchange"] as const;

export function routineCheck(id: string): RoutineCheck | undefined {
  return ROUTINE_CHECKS.find((c) => c.id === id);
}

const DAY = 86_400_000;

/** Start of the UTC period that contains `t`. */
export function periodStart(period: Period, t: number): number {
  const d = new Date(t);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === "daily") return day;
  if (period === "weekly") return day - ((d.getUTCDay() + 6) % 7) * DAY; // back to Monday
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the UTC period after the one that contains `t`. */
export function nextPeriodStart(period: Period, t: number): number {
  const start = periodStart(period, t);
  if (period === "daily") return start + DAY;
  if (period === "weekly") return start + 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Start of the UTC period before the one that contains `t`. */
export function previousPeriodStart(period: Period, t: number): number {
  return periodStart(period, periodStart(period, t) - 1);
}

export const PERIOD_WORDS: Record<Period, { current: string; noun: string }> = {
  daily: { current: "today", noun: "day" },
  weekly: { current: "this week", noun: "week" },
  monthly: { current: "this month", noun: "month" },
};

export interface DoneMark {
  at: number;
  by: string;
  note: string | null;
  /** The audit row that records it. */
  auditSeq: number;
}

export interface CheckStatus {
  check: RoutineCheck;
  system: string;
  /** done: recorded for the current period; due: not yet, the previous period was; overdue: the previous period passed without it (or it was never recorded). */
  state: "done" | "due" | "overdue";
  /** When it must be done by: the end of the current period, or of the next one once done. */
  dueBy: number;
  last: DoneMark | null;
}

/** Where one check stands at `now`, from its latest recorded completion. */
export function statusOf(check: RoutineCheck, system: string, last: DoneMark | null, now: number): CheckStatus {
  const start = periodStart(check.period, now);
  const end = nextPeriodStart(check.period, now);
  if (last && last.at >= start)
    return { check, system, state: "done", dueBy: nextPeriodStart(check.period, end), last };
  const missedPrevious = !last || last.at < previousPeriodStart(check.period, now);
  return { check, system, state: missedPrevious ? "overdue" : "due", dueBy: end, last };
}
