import type { z } from "zod";
import { formatPath } from "../config/fleet";
import { SYSTEM_ENTITY } from "../telemetry/model";
import { CONSOLE_RULES } from "./catalog/console";
import { CONTROL_RULES } from "./catalog/controls";
import { FUTURES_BOT_RULES } from "./catalog/futures-bot";
import { SPOT_EXCHANGE_RULES } from "./catalog/spot-exchange";
import { TRADING_BOT_RULES } from "./catalog/trading-bot";
import { findingId } from "./define";
import type { AnyRule, Finding, RuleContext, RuleParams, RuleTarget, Transition } from "./types";

// The rule catalog and its evaluation: (rules, history, now) → findings, pure.

export * from "./types";
export { defineRule, findingId } from "./define";
export { RUNBOOKS, type RunbookSlug } from "./runbooks";
export { FLAG_DEFAULTS } from "./catalog/trading-bot";
export { PRIMARY_ENDPOINTS } from "./catalog/console";

export const RULES: readonly AnyRule[] = [
  ...TRADING_BOT_RULES,
  ...FUTURES_BOT_RULES,
  ...SPOT_EXCHANGE_RULES,
  ...CONSOLE_RULES,
  ...CONTROL_RULES,
];

export function ruleById(id: string, rules: readonly AnyRule[] = RULES): AnyRule | undefined {
  return rules.find((r) => r.id === id);
}

/**
 * A rule's parameters for a target: seed defaults merged with the target's overrides. An override
 * that does not validate is dropped (validateThresholds reports it), the rest still apply.
 */
export function resolveParams(rule: AnyRule, target: Pick<RuleTarget, "thresholds">): RuleParams {
  // Validating the overrides costs more than many rules do, and the board evaluates every rule for
  // every target each second: remember the result per rule and override object (the fleet
  // config's, which is not changed in place once loaded).
  const overrides = target.thresholds?.[rule.id];
  let cache = resolvedParams.get(rule);
  if (!cache) resolvedParams.set(rule, (cache = { byOverrides: new WeakMap() }));
  if (overrides === undefined) return (cache.none ??= resolveParamsNow(rule, target));
  if (typeof overrides !== "object" || overrides === null) return resolveParamsNow(rule, target);
  let params = cache.byOverrides.get(overrides);
  if (!params) cache.byOverrides.set(overrides, (params = resolveParamsNow(rule, target)));
  return params;
}

const resolvedParams = new WeakMap<AnyRule, { none?: RuleParams; byOverrides: WeakMap<object, RuleParams> }>();

function resolveParamsNow(rule: AnyRule, target: Pick<RuleTarget, "thresholds">): RuleParams {
  const overrides = { ...(target.thresholds[rule.id] ?? {}) };
  for (let attempt = 0; attempt < 8; attempt++) {
    const r = (rule.params as z.ZodType<RuleParams>).safeParse(overrides);
    if (r.success) return r.data;
    let dropped = false;
    for (const issue of r.error.issues) {
      const keys = issue.path.length
        ? [String(issue.path[0])]
        : "keys" in issue && Array.isArray(issue.keys)
          ? issue.keys.map(String)
          : [];
      for (const k of keys) if (k in overrides) dropped = delete overrides[k] || dropped;
    }
    if (!dropped) break;
  }
  return rule.defaults;
}

/**
 * Problems with per-target threshold overrides, each naming its path:
 * `targets[2].thresholds.settlement_lag.t2Seconds: Invalid input: expected number, received string`.
 */
export function validateThresholds(
  targets: readonly Pick<RuleTarget, "kind" | "thresholds">[],
  rules: readonly AnyRule[] = RULES,
): string[] {
  const problems: string[] = [];
  targets.forEach((t, i) => {
    for (const [ruleId, overrides] of Object.entries(t.thresholds ?? {})) {
      const base = ["targets", i, "thresholds", ruleId];
      const rule = ruleById(ruleId, rules);
      if (!rule) {
        problems.push(`${formatPath(base)}: unknown rule "${ruleId}"`);
        continue;
      }
      if (!rule.kinds.includes(t.kind)) {
        problems.push(`${formatPath(base)}: rule ${ruleId} applies to ${rule.kinds.join(", ")}, not ${t.kind}`);
        continue;
      }
      const r = (rule.params as z.ZodType<RuleParams>).safeParse(overrides);
      if (r.success) continue;
      for (const issue of r.error.issues) {
        if (issue.code === "unrecognized_keys") {
          for (const k of issue.keys)
            problems.push(
              `${formatPath([...base, k])}: unknown parameter (known: ${Object.keys(rule.defaults).join(", ") || "none"})`,
            );
        } else
          problems.push(
            `${formatPath([...base, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))])}: ${issue.message}`,
          );
      }
    }
  });
  return problems;
}

/**
 * Evaluates every rule for every target of its kinds. Findings include `ok` ones for entities that
 * were checked, so the board can show recovery. A rule that throws yields one `unknown` finding
 * for the target instead of taking the board down.
 */
export function evaluateRules(ctx: RuleContext, rules: readonly AnyRule[] = RULES): Finding[] {
  const out: Finding[] = [];
  for (const target of ctx.targets) {
    for (const rule of rules) {
      if (!rule.kinds.includes(target.kind)) continue;
      try {
        out.push(...rule.evaluate(ctx, target, resolveParams(rule, target)));
      } catch (err) {
        out.push({
          id: findingId(rule.id, target.name, SYSTEM_ENTITY),
          ruleId: rule.id,
          system: target.name,
          kind: target.kind,
          entity: SYSTEM_ENTITY,
          state: "unknown",
          severity: "SEV3",
          title: rule.title,
          summary: `Rule could not be evaluated: ${(err as Error).message}`,
          since: ctx.now,
          lastEvaluated: ctx.now,
          evidence: { values: [] },
          runbook: rule.runbook,
        });
      }
    }
  }
  return out;
}

const STATE_RANK = { ok: 0, unknown: 1, warning: 2, critical: 3 } as const;
const SEVERITY_RANK = { SEV1: 0, SEV2: 1, SEV3: 2 } as const;

/** Board order: critical before warning before unknown before ok; SEV1 first; then oldest first. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    STATE_RANK[b.state] - STATE_RANK[a.state] ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    a.since - b.since ||
    a.id.localeCompare(b.id)
  );
}

/**
 * Carries findings from one evaluation to the next: `since` is kept while the state does not
 * change (the earlier of the two when a rule reports its own start), and every state change — and
 * every severity change, i.e. an escalation — is recorded as a transition. A finding that was not
 * ok and is no longer produced (its entity is gone: a position closed, a record aged out) turns
 * ok once, so the board shows the recovery; an ok finding that is no longer produced is dropped.
 * Unless the sources it was judged from are not fresh (`fresh` says so): then nobody can tell that
 * it went away, and it turns Unknown with what was last known, never ok.
 */
export function trackFindings(
  previous: ReadonlyMap<string, Finding>,
  current: readonly Finding[],
  now: number,
  fresh: (finding: Finding) => boolean = () => true,
): { findings: Finding[]; transitions: Transition[] } {
  const findings: Finding[] = [];
  const transitions: Transition[] = [];
  const seen = new Set<string>();
  for (const f of current) {
    seen.add(f.id);
    const prev = previous.get(f.id);
    if (prev && prev.state === f.state) {
      findings.push({ ...f, since: Math.min(prev.since, f.since) });
      if (prev.severity !== f.severity)
        transitions.push({
          findingId: f.id,
          from: prev.state,
          to: f.state,
          severity: f.severity,
          at: now,
          summary: f.summary,
        });
      continue;
    }
    const since = prev ? Math.max(f.since, Math.min(prev.lastEvaluated, now)) : f.since;
    findings.push({ ...f, since: prev ? since : f.since });
    if (prev || f.state !== "ok")
      transitions.push({
        findingId: f.id,
        from: prev?.state ?? null,
        to: f.state,
        severity: f.severity,
        at: now,
        summary: f.summary,
      });
  }
  /** A finding that is no longer produced leaves its state once, with a transition. */
  const leave = (prev: Finding, state: "ok" | "unknown", summary: string) => {
    const f: Finding = { ...prev, state, since: now, lastEvaluated: now, summary };
    delete f.escalationDueAt;
    delete f.escalation;
    findings.push(f);
    transitions.push({ findingId: prev.id, from: prev.state, to: state, severity: prev.severity, at: now, summary });
  };
  for (const [id, prev] of previous) {
    if (seen.has(id) || prev.state === "ok") continue;
    if (fresh(prev)) leave(prev, "ok", `Cleared — no longer reported (was: ${prev.summary})`);
    else if (prev.state === "unknown") findings.push({ ...prev, lastEvaluated: now });
    else
      leave(prev, "unknown", `Unknown — ${prev.system}'s telemetry for it is not fresh; last known: ${prev.summary}`);
  }
  return { findings, transitions };
}
