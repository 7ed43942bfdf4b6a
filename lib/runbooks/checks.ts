import { z } from "zod";

// Live conditions a runbook binds to its steps and escalation criteria, and their pure
// evaluation. Data that is missing, stale or not a number is "unknown" — never satisfied — so a
// step does not tick itself and an escalation does not stand down on old data.

export const CHECK_OPS = ["==", "!=", "<", "<=", ">", ">="] as const;
export type CheckOp = (typeof CHECK_OPS)[number];

const DURATION =
  /^\s*(?:(\d+)\s*h(?:ours?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?)?)?)?\s*(?:(\d+)\s*s(?:ec(?:onds?)?)?)?\s*$/i;

/** "15m", "90s", "1h30m", "15 minutes" → milliseconds; undefined when it is none of those. */
export function parseDuration(s: string): number | undefined {
  const m = DURATION.exec(s);
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

export const Duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'expected a duration such as "90s", "15m" or "1h30m"' })
  .transform((s) => parseDuration(s)!);

const Name = z.string().trim().min(1);

export const Check = z
  .object({
    /** A sample's metric or health-field name, e.g. `capitalInvariantViolations`. */
    metric: Name,
    /** Profile id, symbol, "*" for the system itself, or a placeholder: `$profile`, `$symbol`, `$system`. */
    entity: Name.default("*"),
    op: z.enum(CHECK_OPS),
    value: z.union([z.number(), z.boolean()]).transform((v) => (typeof v === "boolean" ? (v ? 1 : 0) : v)),
    /** Older data than this is unknown. */
    maxAge: Duration.optional(),
    /** What to call it on screen; generated from metric, op and value when absent. */
    label: z.string().optional(),
  })
  .strict();
export type Check = z.infer<typeof Check>;

export const Wait = z.union([
  z.object({ duration: Duration }).strict(),
  z
    .object({
      cycles: z.number().int().min(1).max(100),
      /** The counter that counts the cycles; the seeds' reconciliation loop by default. */
      counter: Name.default("reconciliation_cycles_total"),
    })
    .strict(),
]);
export type Wait = z.infer<typeof Wait>;

const ParamValue = z.union([z.string(), z.number(), z.boolean()]);

export const StepBinding = z
  .object({
    /** A control the console can run, e.g. `symbol-mode`; the step links to it pre-filled. */
    control: Name.optional(),
    params: z.record(z.string(), ParamValue).optional(),
    /** A condition that ticks the step when it holds. */
    check: Check.optional(),
    /** A timer or a number of cycles to wait. */
    wait: Wait.optional(),
  })
  .strict()
  .refine((b) => b.control || b.check || b.wait, { message: "a step binding needs a control, a check or a wait" })
  .refine((b) => !b.params || b.control, { message: "params need a control", path: ["params"] });
export type StepBinding = z.infer<typeof StepBinding>;

export const EscalationBinding = z
  .object({
    /** The bad condition: escalate if it still holds when the time (or the cycles) run out. */
    when: Check.optional(),
    after: Duration.optional(),
    afterCycles: z.number().int().min(1).max(100).optional(),
    counter: Name.default("reconciliation_cycles_total"),
  })
  .strict()
  .refine((b) => b.after !== undefined || b.afterCycles !== undefined, {
    message: "an escalation binding needs after (a duration) or afterCycles",
  });
export type EscalationBinding = z.infer<typeof EscalationBinding>;

/** The latest value of a metric for an entity; `at` in ms since the epoch. */
export type Lookup = (metric: string, entity: string) => { value: number; at: number } | undefined;

export interface CheckResult {
  holds: boolean | "unknown";
  value: number | undefined;
  at: number | undefined;
  /** Why it is unknown: no data, stale data, a placeholder not filled in, not a number. */
  reason?: "missing" | "stale" | "unresolved" | "nan";
}

/** Data older than this is stale unless the check says otherwise: a generous few poll intervals. */
export const DEFAULT_MAX_AGE_MS = 60_000;

function compare(a: number, op: CheckOp, b: number): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/** Does the condition hold now? Missing, stale, NaN or unresolved placeholders are "unknown". */
export function evaluateCheck(
  check: Pick<Check, "metric" | "entity" | "op" | "value" | "maxAge">,
  lookup: Lookup,
  now: number,
): CheckResult {
  if (check.entity.startsWith("$")) return { holds: "unknown", value: undefined, at: undefined, reason: "unresolved" };
  const got = lookup(check.metric, check.entity);
  if (!got) return { holds: "unknown", value: undefined, at: undefined, reason: "missing" };
  const { value, at } = got;
  if (!Number.isFinite(at) || now - at > (check.maxAge ?? DEFAULT_MAX_AGE_MS))
    return { holds: "unknown", value, at, reason: "stale" };
  if (Number.isNaN(value)) return { holds: "unknown", value, at, reason: "nan" };
  return { holds: compare(value, check.op, check.value), value, at };
}

export interface WaitState {
  done: boolean | "unknown";
  /** Duration waits: time left. */
  remainingMs?: number;
  /** Cycle waits: cycles still to run. */
  cyclesLeft?: number;
}

/**
 * Progress of a wait that started at `startedAt`. Cycle waits count the counter's increase since
 * `baseline` (its value at the start); a counter that went down was reset, so its value counts
 * from zero.
 */
export function evaluateWait(
  wait: Wait,
  start: { startedAt: number; baseline?: number; entity?: string },
  lookup: Lookup,
  now: number,
): WaitState {
  if ("duration" in wait) {
    const remainingMs = Math.max(0, start.startedAt + wait.duration - now);
    return { done: remainingMs === 0, remainingMs };
  }
  const c = evaluateCheck({ metric: wait.counter, entity: start.entity ?? "*", op: ">=", value: 0 }, lookup, now);
  if (c.holds === "unknown" || c.value === undefined || start.baseline === undefined) return { done: "unknown" };
  const ran = c.value >= start.baseline ? c.value - start.baseline : c.value;
  const cyclesLeft = Math.max(0, wait.cycles - ran);
  return { done: cyclesLeft === 0, cyclesLeft };
}

export interface EscalationState {
  /** clear: the condition no longer holds; pending: holds, time left; due: escalate now; unknown: cannot tell yet. */
  state: "clear" | "pending" | "due" | "unknown";
  dueAt?: number;
  remainingMs?: number;
  cyclesLeft?: number;
  check?: CheckResult;
}

/**
 * Where an escalation criterion stands for an incident that started at `startedAt`. It is due
 * when its condition still holds (or cannot be read) once the time or the cycles have run out —
 * data that cannot be read never stands an escalation down.
 */
export function evaluateEscalation(
  b: EscalationBinding,
  start: { startedAt: number; baseline?: number; entity?: string },
  lookup: Lookup,
  now: number,
): EscalationState {
  const check = b.when ? evaluateCheck(b.when, lookup, now) : undefined;
  if (check?.holds === false) return { state: "clear", check };
  const dueAt = b.after !== undefined ? start.startedAt + b.after : undefined;
  const cycles =
    b.afterCycles !== undefined
      ? evaluateWait({ cycles: b.afterCycles, counter: b.counter }, start, lookup, now)
      : undefined;
  const timeUp = dueAt !== undefined && now >= dueAt;
  const cyclesUp = cycles?.done === true;
  const base = {
    ...(dueAt !== undefined ? { dueAt, remainingMs: Math.max(0, dueAt - now) } : {}),
    ...(cycles?.cyclesLeft !== undefined ? { cyclesLeft: cycles.cyclesLeft } : {}),
    ...(check ? { check } : {}),
  };
  if (timeUp || cyclesUp) return { state: "due", ...base };
  return { state: check?.holds === "unknown" ? "unknown" : "pending", ...base };
}

/** "11:40" or "1:02:03" — a countdown as people read it. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** "90 s", "15 min", "1 h 30 min". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120 && s % 60 !== 0) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h ? `${h} h${m ? ` ${m} min` : ""}` : `${m} min`;
}

const ENTITY_WORDS: Record<string, string> = {
  "*": "the system",
  $profile: "this profile",
  $symbol: "this symbol",
  $system: "this system",
};

/** "capitalInvariantViolations for this profile == 0". */
export function describeCheck(c: Pick<Check, "metric" | "entity" | "op" | "value" | "label">): string {
  if (c.label) return c.label;
  const who = ENTITY_WORDS[c.entity] ?? c.entity;
  return `${c.metric} for ${who} ${c.op} ${c.value}`;
}

export function describeWait(w: Wait): string {
  return "duration" in w
    ? `Wait ${formatDuration(w.duration)}`
    : `Wait ${w.cycles} cycle${w.cycles === 1 ? "" : "s"} (${w.counter})`;
}

export function describeEscalation(b: EscalationBinding): string {
  const limits = [
    b.after !== undefined ? formatDuration(b.after) : "",
    b.afterCycles !== undefined ? `${b.afterCycles} cycles` : "",
  ]
    .filter(Boolean)
    .join(" or ");
  return b.when ? `Escalate after ${limits} if ${describeCheck(b.when)} still holds` : `Escalate after ${limits}`;
}

export type Vars = Partial<Record<"profile" | "symbol" | "system", string>>;

/** Fills `$profile`, `$symbol` and `$system` in a string; unknown placeholders stay. */
export function fill(s: string, vars: Vars): string {
  return s.replace(/\$(profile|symbol|system)\b/g, (m, k: keyof Vars) => vars[k] ?? m);
}

export function resolveCheck<C extends { entity: string }>(c: C, vars: Vars): C {
  return { ...c, entity: fill(c.entity, vars) };
}

/**
 * The controls screen, pre-filled: `/controls?target=<system>&control=<name>&<param>=<value>`.
 * Parameters whose placeholder cannot be filled are left for the responder to choose.
 */
export function controlHref(b: Pick<StepBinding, "control" | "params">, vars: Vars = {}): string | undefined {
  if (!b.control) return undefined;
  const q = new URLSearchParams();
  if (vars.system) q.set("target", vars.system);
  q.set("control", b.control);
  for (const [k, v] of Object.entries(b.params ?? {})) {
    const s = typeof v === "string" ? fill(v, vars) : String(v);
    if (!/\$(profile|symbol|system)\b/.test(s)) q.set(k, s);
  }
  return `/controls?${q.toString()}`;
}
