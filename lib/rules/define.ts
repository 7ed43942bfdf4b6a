import type { z } from "zod";
import { STALE_AFTER_INTERVALS, worstFreshness, type Freshness } from "../collector/freshness";
import type { SystemKind } from "../telemetry/model";
import type { RunbookSlug } from "./runbooks";
import type { Finding, Rule, RuleContext, RuleParams, RuleTarget, TelemetryHistory, Verdict } from "./types";

// defineRule: a rule is data (id, title, seed, runbook, parameter schema with seed defaults) plus
// a pure `check` returning one verdict per checked entity. evaluate() adds what every finding has
// in common, and turns verdicts unknown when the rule's sources are not fresh: a rule never shows
// an old value as healthy (DESIGN.md).

export interface RuleSpec<P extends RuleParams> {
  id: string;
  kinds: readonly SystemKind[];
  title: string;
  description: string;
  seed: string;
  runbook: RunbookSlug;
  sources?: Partial<Record<SystemKind, readonly string[]>>;
  /** For rules about freshness itself (telemetry-dark): never turned unknown. */
  ignoreFreshness?: boolean;
  params: z.ZodType<P>;
  check(ctx: RuleContext, target: RuleTarget, params: P): Verdict[];
}

export function findingId(ruleId: string, system: string, entity: string): string {
  return `${ruleId}|${system}|${entity}`;
}

const FRESHNESS_WORDS: Record<Exclude<Freshness, "ok">, string> = {
  stale: "telemetry is stale",
  error: "telemetry source is failing",
  no_data: "no telemetry received yet",
};

/**
 * Why the rule's sources are not fresh, in words: the first source that is not fresh and, when its
 * last read failed, the error's kind (e.g. "the ledger (Supabase /rest/v1/capital_ledger) is failing
 * — http: HTTP 401: Invalid API key"). Falls back to the plain freshness words.
 */
function freshnessWords(
  ctx: RuleContext,
  target: RuleTarget,
  sources: readonly string[] | undefined,
  fresh: Exclude<Freshness, "ok">,
): string {
  if (!ctx.sourceProblem || !sources?.length) return FRESHNESS_WORDS[fresh];
  for (const s of sources) {
    const p = ctx.sourceProblem(target.name, resolveRuleSource(target, s));
    if (!p) continue;
    if (p.kind) return `${p.source} is failing — ${p.kind}: ${(p.detail ?? "").slice(0, 160)}`;
    return `${FRESHNESS_WORDS[fresh]} (${p.source})`;
  }
  return FRESHNESS_WORDS[fresh];
}

/**
 * Source names that stand for a part rather than an endpoint, and the endpoint that feeds the part
 * unless the target says otherwise (RuleTarget.sources): a trading bot's ledger is in its health
 * document by default.
 */
const DEFAULT_SOURCES: Partial<Record<SystemKind, Readonly<Record<string, string>>>> = {
  "trading-bot": { ledger: "/internal/health" },
};

/** The endpoint a rule's source name stands for on this target. */
export function resolveRuleSource(target: RuleTarget, source: string): string {
  const own = target.sources;
  if (own && Object.hasOwn(own, source)) return own[source]!;
  const defaults = DEFAULT_SOURCES[target.kind];
  return defaults && Object.hasOwn(defaults, source) ? defaults[source]! : source;
}

/** Freshness of the sources a rule depends on, for one target. */
export function sourceFreshness(
  ctx: RuleContext,
  target: RuleTarget,
  sources: readonly string[] | undefined,
): Freshness {
  if (!sources || sources.length === 0) return ctx.freshness(target.name);
  return worstFreshness(
    [...new Set(sources.map((s) => resolveRuleSource(target, s)))].map((s) => ctx.freshness(target.name, s)),
  );
}

/**
 * True while the console has been watching for less than the time a target's first answer may
 * take (the stale budget of two poll intervals plus half an interval of jitter).
 */
export function inStartGrace(ctx: RuleContext, target: RuleTarget): boolean {
  return (
    ctx.watchingSince !== undefined && ctx.now - ctx.watchingSince <= (STALE_AFTER_INTERVALS + 0.5) * target.intervalMs
  );
}

const FAMILY_SUFFIX = /^(?:_bucket|_sum|_count|_total|_created|_gsum|_gcount|_info|:.+)?$/;

/** Whether a metric the rules read comes from a family (its samples, or quantiles derived from it). */
export function metricOfFamily(metric: string, family: string): boolean {
  return metric.startsWith(family) && FAMILY_SUFFIX.test(metric.slice(family.length));
}

/**
 * The history a rule reads, watching for metrics of families the last scrape left out; the first
 * one read is passed to `hit`.
 */
function watchedHistory(
  history: TelemetryHistory,
  system: string,
  dropped: readonly string[],
  hit: (family: string) => void,
): TelemetryHistory {
  const check = (sys: string, metric: string) => {
    if (sys !== system) return;
    const family = dropped.find((f) => metricOfFamily(metric, f));
    if (family !== undefined) hit(family);
  };
  return {
    seriesFor: (sys, metric, entity) => (check(sys, metric), history.seriesFor(sys, metric, entity)),
    latest: (sys, metric, entity) => (check(sys, metric), history.latest(sys, metric, entity)),
    reportsFor: (sys, kind, since) => history.reportsFor(sys, kind, since),
    allSeries: (sys) => history.allSeries(sys),
  };
}

export function defineRule<P extends RuleParams>(spec: RuleSpec<P>): Rule<P> {
  const defaults = spec.params.parse({});
  return {
    id: spec.id,
    kinds: spec.kinds,
    title: spec.title,
    description: spec.description,
    seed: spec.seed,
    runbook: spec.runbook,
    sources: spec.sources ?? {},
    params: spec.params,
    defaults,
    evaluate(ctx, target, params) {
      const fresh = spec.ignoreFreshness ? "ok" : sourceFreshness(ctx, target, spec.sources?.[target.kind]);
      // Pending: the console has only just started watching and this rule's sources have not
      // answered yet. No finding rather than an "unknown" one that clears a second later.
      if (fresh === "no_data" && inStartGrace(ctx, target)) return [];
      const dropped = spec.ignoreFreshness ? [] : (ctx.droppedFamilies?.(target.name) ?? []);
      let unreadFamily: string | undefined;
      const readCtx = dropped.length
        ? { ...ctx, history: watchedHistory(ctx.history, target.name, dropped, (f) => (unreadFamily ??= f)) }
        : ctx;
      return spec.check(readCtx, target, params).map((v): Finding => {
        const unread = fresh === "ok" && unreadFamily !== undefined && v.state !== "unknown";
        const stale = fresh !== "ok" && v.state !== "unknown";
        const f: Finding = {
          id: findingId(spec.id, target.name, v.entity),
          ruleId: spec.id,
          system: target.name,
          kind: target.kind,
          entity: v.entity,
          state: stale || unread ? "unknown" : v.state,
          severity: v.severity,
          title: spec.title,
          summary: stale
            ? `Unknown — ${freshnessWords(ctx, target, spec.sources?.[target.kind], fresh as Exclude<Freshness, "ok">)}; last known: ${v.summary}`
            : unread
              ? `Unknown — the metric family ${unreadFamily} could not be read in the last scrape (partial source); last known: ${v.summary}`
              : v.summary,
          since: stale || unread ? ctx.now : (v.since ?? ctx.now),
          lastEvaluated: ctx.now,
          evidence: v.evidence,
          runbook: v.runbook ?? spec.runbook,
        };
        if (v.escalationDueAt !== undefined) f.escalationDueAt = v.escalationDueAt;
        if (v.escalation !== undefined) f.escalation = v.escalation;
        if (v.confirmed !== undefined) f.confirmed = v.confirmed;
        if (v.confirmable !== undefined) f.confirmable = v.confirmable;
        if (v.affected !== undefined && v.affected.length) f.affected = v.affected;
        if (v.control !== undefined) f.control = v.control;
        return f;
      });
    },
  };
}
