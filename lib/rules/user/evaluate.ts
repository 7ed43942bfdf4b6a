import { z } from "zod";
import {
  GENERIC_KINDS,
  SYSTEM_ENTITY,
  SYSTEM_KINDS,
  type Point,
  type Series,
  type SystemKind,
} from "../../core/vocabulary";
import { defineRule, inStartGrace, sourceFreshness } from "../define";
import type { RunbookSlug } from "../runbooks";
import type { AnyRule, EvidenceValue, RuleContext, RuleTarget, Severity, Verdict } from "../types";
import { heldFor, increase } from "../windows";
import { maxGapMs } from "../catalog/common";
import { compare, formatDuration, type Comparison, type UserRuleSpec } from "./schema";

// A user rule (schema.ts) as a catalog rule: the same defineRule plumbing as the built-in rules,
// so a source past its freshness budget or failing makes the finding Unknown with the error's kind
// and detail, and a partial read that left out the rule's metric does too. Absent rules are about
// freshness themselves: they judge the last value's age even when the target does not answer.
//
// Each series of the metric (after the label matchers) is one entity: the value of `entityLabel`,
// else the sample's entity (a profile, a symbol, an http-json array element), else its labels.
// Per target, the rule's `value` can be overridden in the fleet config like any threshold
// (`thresholds: { <rule id>: { value: 0.5 } }`).

/** The source names a user rule depends on, per kind: a generic target's one endpoint. */
const SOURCES: Partial<Record<SystemKind, readonly string[]>> = {
  prometheus: ["/metrics"],
  "http-json": ["/health"],
};

export function ruleKinds(spec: UserRuleSpec): readonly SystemKind[] {
  if (spec.targets?.kinds) return spec.targets.kinds;
  if (spec.targets?.names) return SYSTEM_KINDS;
  return GENERIC_KINDS;
}

/** The metrics a rule reads (for "no target exports it" warnings). */
export function ruleMetrics(spec: UserRuleSpec): string[] {
  const out: string[] = [];
  if ("metric" in spec && spec.metric) out.push(spec.metric);
  if ("divideBy" in spec && spec.divideBy) out.push(spec.divideBy);
  return out;
}

type Matcher = (labels: Record<string, string>) => boolean;

/** Label matchers compiled once per rule (regexes anchored, as in PromQL). */
export function compileMatchers(matchers: Record<string, string> | undefined): Matcher {
  if (!matchers || !Object.keys(matchers).length) return () => true;
  const tests = Object.entries(matchers).map(([k, m]): Matcher => {
    if (m.startsWith("=~")) {
      const re = new RegExp(`^(?:${m.slice(2)})$`);
      return (l) => re.test(l[k] ?? "");
    }
    if (m.startsWith("!~")) {
      const re = new RegExp(`^(?:${m.slice(2)})$`);
      return (l) => !re.test(l[k] ?? "");
    }
    if (m.startsWith("!=")) {
      const v = m.slice(2);
      return (l) => (l[k] ?? "") !== v;
    }
    return (l) => (l[k] ?? "") === m;
  });
  return (l) => tests.every((t) => t(l));
}

const matcherCache = new WeakMap<object, Matcher>();
function labelMatches(labels: Record<string, string>, matchers: Record<string, string> | undefined): boolean {
  if (!matchers) return true;
  let m = matcherCache.get(matchers);
  if (!m) matcherCache.set(matchers, (m = compileMatchers(matchers)));
  return m(labels);
}

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(",");
}

interface Selected {
  entity: string;
  labels: Record<string, string>;
  points: Point[];
}

/** The rule's series on this target (divided when `divideBy` is set), one per entity. */
function select(ctx: RuleContext, target: RuleTarget, spec: UserRuleSpec & { metric: string }): Selected[] {
  const series = ctx.history.seriesFor(target.name, spec.metric).filter((s) => labelMatches(s.labels, spec.labels));
  const divideBy = "divideBy" in spec ? spec.divideBy : undefined;
  let divisors: Map<string, Series> | undefined;
  if (divideBy) divisors = new Map(ctx.history.seriesFor(target.name, divideBy).map((s) => [labelKey(s.labels), s]));
  const out: Selected[] = [];
  const used = new Set<string>();
  for (const s of series) {
    let points = s.points;
    if (divisors) {
      const d = divisors.get(labelKey(s.labels));
      if (!d) continue;
      const byT = new Map(d.points.map((p) => [p.t, p.v]));
      points = [];
      for (const p of s.points) {
        const den = byT.get(p.t);
        if (den !== undefined && den !== 0) points.push({ t: p.t, v: p.v / den });
      }
    }
    let entity =
      spec.entityLabel !== undefined
        ? (s.labels[spec.entityLabel] ?? SYSTEM_ENTITY)
        : s.entity !== SYSTEM_ENTITY
          ? s.entity
          : Object.keys(s.labels).length
            ? `{${labelKey(s.labels)}}`
            : SYSTEM_ENTITY;
    if (used.has(entity)) entity = `${entity} {${labelKey(s.labels)}}`;
    used.add(entity);
    if ("abs" in spec && spec.abs) points = points.map((p) => ({ t: p.t, v: Math.abs(p.v) }));
    out.push({ entity, labels: s.labels, points });
  }
  return out;
}

function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Math.round(v * 1000) / 1000);
}

function fmtBytes(v: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let x = Math.abs(v);
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${v < 0 ? "-" : ""}${Math.round(x * 10) / 10} ${units[i]}`;
}

export type TemplateValues = { [name: string]: string | number | undefined | Record<string, string> } & {
  labels?: Record<string, string>;
};

/** Fills `{{name}}` and `{{name | filter}}` placeholders (names and filters were checked at load). */
export function renderSummary(template: string, values: TemplateValues): string {
  return template.replace(/\{\{\s*([^}|]+?)\s*(?:\|\s*([^}]+?)\s*)?\}\}/g, (_, name: string, filter?: string) => {
    const raw = name.startsWith("labels.") ? values.labels?.[name.slice(7)] : values[name === "labels" ? "" : name];
    if (raw === undefined || typeof raw === "object") return "?";
    if (typeof raw === "string" && filter === undefined) return raw;
    const n = typeof raw === "number" ? raw : Number(raw);
    switch (filter) {
      case "percent":
        return Number.isFinite(n) ? `${Math.round(n * 1000) / 10}%` : String(raw);
      case "bytes":
        return Number.isFinite(n) ? fmtBytes(n) : String(raw);
      case "duration":
        return Number.isFinite(n) ? formatDuration(Math.round(n * 1000)) : String(raw);
      case "round":
        return Number.isFinite(n) ? String(Math.round(n)) : String(raw);
      case "fixed2":
        return Number.isFinite(n) ? n.toFixed(2) : String(raw);
      default:
        return typeof raw === "number" ? fmtNumber(raw) : raw;
    }
  });
}

function firingState(spec: UserRuleSpec): "warning" | "critical" {
  return spec.state ?? (spec.severity === "SEV3" ? "warning" : "critical");
}

function escalated(spec: UserRuleSpec, since: number | undefined, now: number) {
  if (!spec.escalation || since === undefined) return { severity: spec.severity as Severity };
  const dueAt = since + spec.escalation.after;
  return {
    severity: (now >= dueAt ? spec.escalation.severity : spec.severity) as Severity,
    escalationDueAt: dueAt,
    escalation:
      spec.escalation.text ??
      `Firing for longer than ${formatDuration(spec.escalation.after)}: ${spec.escalation.severity}`,
  };
}

const ev = (label: string, value: EvidenceValue["value"], at?: number): EvidenceValue =>
  at === undefined ? { label, value } : { label, value, at };

/** Target names with `*` globs as one anchored pattern. */
export function namePattern(names: readonly string[]): RegExp {
  return new RegExp(
    `^(?:${names
      .map((n) =>
        n
          .split("*")
          .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*"),
      )
      .join("|")})$`,
  );
}

/** Compiles a user rule into a catalog rule. */
export function compileUserRule(spec: UserRuleSpec): AnyRule {
  const kinds = ruleKinds(spec);
  const names = spec.targets?.names ? namePattern(spec.targets.names) : undefined;
  const title = spec.title ?? spec.id.replace(/[_.-]+/g, " ");
  const params = z
    .object({ value: z.number().default(spec.type === "absent" ? spec.for / 1000 : spec.value) })
    .strict();
  const sources: Partial<Record<SystemKind, readonly string[]>> = {};
  for (const k of kinds) if (SOURCES[k]) sources[k] = SOURCES[k];
  const description =
    spec.description ??
    `Your rule (${spec.type}) from the rules file: ${describe(spec)}. ${spec.severity}; ${spec.escalation ? `escalates to ${spec.escalation.severity} after ${formatDuration(spec.escalation.after)}` : "no escalation"}.`;

  const rule = defineRule({
    id: spec.id,
    kinds,
    title,
    description,
    seed: "rules file",
    runbook: spec.runbook as RunbookSlug,
    sources,
    ignoreFreshness: spec.type === "absent",
    params,
    check(ctx, target, p) {
      const base = { target: target.name, kind: target.kind, rule: spec.id };
      const fire = (
        entity: string,
        values: TemplateValues,
        evidence: EvidenceValue[],
        firing: boolean,
        okText: string,
        since?: number,
      ): Verdict => {
        const thresholds = { value: p.value };
        if (!firing)
          return {
            entity,
            state: "ok",
            severity: spec.severity,
            summary: okText,
            evidence: { values: evidence, thresholds },
          };
        const esc = escalated(spec, since, ctx.now);
        const v: Verdict = {
          entity,
          state: firingState(spec),
          severity: esc.severity,
          summary: renderSummary(spec.summary, { ...base, entity, ...values }),
          evidence: { values: evidence, thresholds },
        };
        if (since !== undefined) v.since = since;
        if (esc.escalationDueAt !== undefined) v.escalationDueAt = esc.escalationDueAt;
        if (esc.escalation !== undefined) v.escalation = esc.escalation;
        return v;
      };
      // While the source is failing, a series whose values stopped still gets its (Unknown)
      // finding; while it answers, a series that left the exposition is simply gone.
      const sourceDown = sourceFreshness(ctx, target, sources[target.kind]) !== "ok";
      const gap = sourceDown ? Infinity : maxGapMs(target);
      const out: Verdict[] = [];
      switch (spec.type) {
        case "threshold":
        case "consecutive": {
          const pred = (v: number) => compare(v, spec.op as Comparison, p.value);
          for (const s of select(ctx, target, spec)) {
            const last = s.points[s.points.length - 1];
            if (!last || ctx.now - last.t > gap) continue; // gone from the exposition: nothing to judge
            const vals: TemplateValues = {
              value: last.v,
              threshold: p.value,
              op: spec.op,
              metric: spec.metric,
              labels: s.labels,
            };
            const evidence = [ev(spec.metric + (spec.divideBy ? ` / ${spec.divideBy}` : ""), last.v, last.t)];
            if (spec.type === "threshold") {
              const held = heldFor(s.points, pred, ctx.now, gap);
              const firing = held.holding && held.durationMs >= spec.for;
              vals.for = formatDuration(spec.for);
              const okText = held.holding
                ? `${fmtNumber(last.v)} ${spec.op} ${p.value} for ${formatDuration(held.durationMs)} of ${formatDuration(spec.for)} (pending)`
                : `${spec.metric} ${fmtNumber(last.v)}: not ${spec.op} ${p.value}`;
              out.push(fire(s.entity, vals, evidence, firing, okText, held.since));
            } else {
              const lastN = s.points.slice(-spec.cycles);
              const firing = lastN.length === spec.cycles && lastN.every((x) => pred(x.v));
              let run = 0;
              for (let i = s.points.length - 1; i >= 0 && pred(s.points[i]!.v); i--) run++;
              vals.cycles = spec.cycles;
              vals.count = run;
              const since = firing ? s.points[s.points.length - run]?.t : undefined;
              out.push(
                fire(
                  s.entity,
                  vals,
                  evidence,
                  firing,
                  `${run} of ${spec.cycles} consecutive values ${spec.op} ${p.value}`,
                  since,
                ),
              );
            }
          }
          break;
        }
        case "rate": {
          for (const s of select(ctx, target, spec)) {
            const from = ctx.now - spec.window;
            const inside = s.points.filter((x) => x.t > from);
            const last = s.points[s.points.length - 1];
            if (!last || ctx.now - last.t > gap || inside.length < 2) continue; // too few values for a rate yet
            const baseline = [...s.points].reverse().find((x) => x.t <= from);
            const start = baseline ?? inside[0]!;
            const span = (last.t - start.t) / 1000;
            if (span <= 0) continue;
            const rate = increase(s.points, from, ctx.now) / span;
            const firing = compare(rate, spec.op, p.value);
            const vals: TemplateValues = {
              value: rate,
              threshold: p.value,
              op: spec.op,
              metric: spec.metric,
              window: formatDuration(spec.window),
              labels: s.labels,
            };
            out.push(
              fire(
                s.entity,
                vals,
                [
                  ev(
                    `rate(${spec.metric}) per second over ${formatDuration(spec.window)}`,
                    Math.round(rate * 1e6) / 1e6,
                    last.t,
                  ),
                ],
                firing,
                `rate ${fmtNumber(rate)}/s: not ${spec.op} ${p.value}`,
                firing ? from : undefined,
              ),
            );
          }
          break;
        }
        case "count": {
          const from = ctx.now - spec.window;
          let count = 0;
          let first: number | undefined;
          if (spec.report) {
            for (const r of ctx.history.reportsFor(target.name, spec.report, from)) {
              if (r.observedAt <= from) continue;
              if (spec.where && !Object.entries(spec.where).every(([k, v]) => r.fields[k] === v)) continue;
              count++;
              if (first === undefined || r.observedAt < first) first = r.observedAt;
            }
          } else if (spec.metric && spec.when) {
            for (const s of ctx.history.seriesFor(target.name, spec.metric)) {
              if (!labelMatches(s.labels, spec.labels)) continue;
              for (const x of s.points)
                if (x.t > from && compare(x.v, spec.when.op, spec.when.value)) {
                  count++;
                  if (first === undefined || x.t < first) first = x.t;
                }
            }
          }
          const firing = compare(count, spec.op, p.value);
          const what = spec.report ?? spec.metric!;
          out.push(
            fire(
              SYSTEM_ENTITY,
              {
                value: count,
                count,
                threshold: p.value,
                op: spec.op,
                metric: what,
                window: formatDuration(spec.window),
              },
              [ev(`${what} in the last ${formatDuration(spec.window)}`, count)],
              firing,
              `${count} × ${what} in ${formatDuration(spec.window)}: not ${spec.op} ${p.value}`,
              firing ? first : undefined,
            ),
          );
          break;
        }
        case "absent": {
          const forMs = p.value * 1000;
          const series = select(ctx, target, spec);
          const problem = ctx.sourceProblem?.(target.name, SOURCES[target.kind]?.[0] ?? "/metrics");
          const why = problem
            ? ` — ${problem.source}${problem.kind ? ` is failing (${problem.kind}: ${(problem.detail ?? "").slice(0, 120)})` : " is not answering"}`
            : "";
          if (!series.length) {
            if (inStartGrace(ctx, target)) return [];
            // Never seen in the recent window: absent for at least as long as the console has looked.
            const watched = ctx.watchingSince !== undefined ? ctx.now - ctx.watchingSince : Infinity;
            const firing = watched >= forMs;
            const v = fire(
              SYSTEM_ENTITY,
              { metric: spec.metric, for: formatDuration(forMs), age: "never seen" },
              [ev(spec.metric, null)],
              firing,
              `${spec.metric} not seen yet (absent for less than ${formatDuration(forMs)})`,
            );
            if (firing) v.summary += why;
            out.push(v);
            break;
          }
          for (const s of series) {
            const last = s.points[s.points.length - 1];
            if (!last) continue;
            const age = ctx.now - last.t;
            const firing = age > forMs;
            const v = fire(
              s.entity,
              {
                metric: spec.metric,
                for: formatDuration(forMs),
                age: formatDuration(Math.round(age / 1000) * 1000),
                value: last.v,
                labels: s.labels,
              },
              [ev(`${spec.metric} last seen`, new Date(last.t).toISOString(), last.t)],
              firing,
              `${spec.metric} seen ${formatDuration(Math.round(age / 1000) * 1000)} ago`,
              firing ? last.t + forMs : undefined,
            );
            if (firing) v.summary += why;
            out.push(v);
          }
          break;
        }
      }
      return out;
    },
  });
  if (!names) return rule;
  // A rule for some targets by name skips the others before any freshness is looked up: with
  // hundreds of rules each owned by a group of hosts, most rule × target pairs are not its own.
  const mine = new Map<string, boolean>();
  const evaluate = rule.evaluate;
  return {
    ...rule,
    evaluate(ctx, target, params) {
      let own = mine.get(target.name);
      if (own === undefined) mine.set(target.name, (own = names.test(target.name)));
      return own ? evaluate(ctx, target, params) : [];
    },
  };
}

function describe(spec: UserRuleSpec): string {
  switch (spec.type) {
    case "threshold":
      return `${spec.abs ? "|" : ""}${spec.metric}${spec.divideBy ? ` / ${spec.divideBy}` : ""}${spec.abs ? "|" : ""} ${spec.op} ${spec.value}${spec.for ? ` for ${formatDuration(spec.for)}` : ""}`;
    case "consecutive":
      return `${spec.metric}${spec.divideBy ? ` / ${spec.divideBy}` : ""} ${spec.op} ${spec.value} for ${spec.cycles} consecutive polls`;
    case "rate":
      return `rate of ${spec.metric} over ${formatDuration(spec.window)} ${spec.op} ${spec.value}/s`;
    case "count":
      return `count of ${spec.report ?? `${spec.metric} ${spec.when?.op} ${spec.when?.value}`} in ${formatDuration(spec.window)} ${spec.op} ${spec.value}`;
    case "absent":
      return `no value of ${spec.metric} newer than ${formatDuration(spec.for)}`;
  }
}
