import { TelemetryStore, type Point, type Series } from "../collector/store";
import type { Freshness } from "../collector/freshness";
import { SYSTEM_ENTITY, type SystemKind } from "../telemetry/model";
import { isRunbookSample } from "./catalog/runbook-fields";
import { RULES, evaluateRules, resolveParams, ruleById } from "./index";
import { resolveRuleSource } from "./define";
import type {
  Confirmation,
  ControlWatch,
  Finding,
  RuleContext,
  RuleTarget,
  TelemetryHistory,
  ThresholdValue,
} from "./types";

// Test helper: a hand-built history on a virtual clock. Values are added with explicit timestamps;
// freshness is whatever the test says (default ok), per target or per endpoint.
//
// Fields: a trading-bot harness in `runbook` mode keeps only the samples the runbooks name
// (catalog/runbook-fields.ts) and drops the rest, as a real bot that exports nothing more would
// leave them out. Tests write what the full simulator serves and run in both modes (FIELD_MODES).

export type FieldMode = "full" | "runbook";
export const FIELD_MODES: readonly FieldMode[] = ["runbook", "full"];

export const T0 = Date.parse("2026-01-05T00:00:00.000Z");

export class RuleHarness {
  readonly store = new TelemetryStore(10 * 60 * 60_000);
  private readonly fresh = new Map<string, Freshness>();
  private reportSeq = 0;
  readonly target: RuleTarget;
  /** Commander confirmations the rules see, by finding id (confirm()). */
  readonly confirmations = new Map<string, Confirmation>();
  /** When the console began watching (unset: no start-up grace). */
  watchingSince?: number;
  /** Which samples the harness keeps (trading-bot only; other kinds keep everything). */
  readonly fields: FieldMode;
  /** Post-control watches the rules see. */
  watches: ControlWatch[] = [];

  constructor(
    kind: SystemKind,
    o: {
      name?: string;
      intervalMs?: number;
      thresholds?: Record<string, Record<string, ThresholdValue>>;
      fields?: FieldMode;
    } = {},
  ) {
    this.target = {
      name: o.name ?? `test-${kind}`,
      kind,
      intervalMs: o.intervalMs ?? 2000,
      thresholds: o.thresholds ?? {},
    };
    this.fields = o.fields ?? "full";
  }

  /** One value at time t (dropped in runbook mode when the runbooks do not name it). */
  at(
    t: number,
    metric: string,
    value: number | boolean,
    entity: string = SYSTEM_ENTITY,
    labels: Record<string, string> = {},
  ): this {
    if (this.fields === "runbook" && this.target.kind === "trading-bot" && !isRunbookSample(metric, entity))
      return this;
    this.store.addSamples([
      {
        system: this.target.name,
        entity,
        metric,
        labels,
        value: typeof value === "boolean" ? (value ? 1 : 0) : value,
        observedAt: t,
      },
    ]);
    return this;
  }

  /** The same value polled every `step` ms over [from, to]. */
  hold(
    from: number,
    to: number,
    metric: string,
    value: number | boolean | ((t: number) => number),
    o: { entity?: string; labels?: Record<string, string>; step?: number } = {},
  ): this {
    const step = o.step ?? this.target.intervalMs;
    for (let t = from; t <= to; t += step)
      this.at(t, metric, typeof value === "function" ? value(t) : value, o.entity, o.labels);
    return this;
  }

  report(t: number, kind: string, fields: Record<string, unknown>): this {
    this.store.addReports([{ system: this.target.name, kind, id: `r-${++this.reportSeq}`, fields, observedAt: t }]);
    return this;
  }

  /** A commander confirms the finding of `ruleId` for `entity` handled at `at`. */
  confirm(ruleId: string, at: number, entity: string = SYSTEM_ENTITY, by = "Casey Commander"): this {
    const id = `${ruleId}|${this.target.name}|${entity}`;
    this.confirmations.set(id, {
      findingId: id,
      by,
      at,
      reason: "Double postings reversed, ledger balanced",
      ticketId: "OPS-42",
    });
    return this;
  }

  /** Families the last scrape left out (a partial /metrics read). */
  dropped: string[] = [];

  freshness(f: Freshness, endpoint?: string): this {
    // A part's name ("ledger") stands for the endpoint that feeds it on this target.
    this.fresh.set(endpoint === undefined ? "*" : resolveRuleSource(this.target, endpoint), f);
    return this;
  }

  /** The history as it was at `now`: later points and reports are not visible yet. */
  historyAt(now: number): TelemetryHistory {
    const clip = (s: Series): Series => ({ ...s, points: s.points.filter((p) => p.t <= now) });
    const store = this.store;
    return {
      seriesFor: (system, metric, entity) =>
        store
          .seriesFor(system, metric, entity)
          .map(clip)
          .filter((s) => s.points.length > 0),
      latest: (system, metric, entity) => {
        let best: (Point & { series: Series }) | undefined;
        for (const s of store.seriesFor(system, metric, entity).map(clip)) {
          const p = s.points[s.points.length - 1];
          if (p && (!best || p.t > best.t)) best = { ...p, series: s };
        }
        return best;
      },
      reportsFor: (system, kind, since) => store.reportsFor(system, kind, since).filter((r) => r.observedAt <= now),
      allSeries: (system) =>
        store
          .allSeries(system)
          .map(clip)
          .filter((s) => s.points.length > 0),
    };
  }

  ctx(now: number): RuleContext {
    return {
      now,
      history: this.historyAt(now),
      freshness: (_system, endpoint) =>
        (endpoint !== undefined ? this.fresh.get(endpoint) : undefined) ?? this.fresh.get("*") ?? "ok",
      droppedFamilies: () => this.dropped,
      targets: [this.target],
      confirmations: this.confirmations,
      watches: this.watches,
      ...(this.watchingSince !== undefined ? { watchingSince: this.watchingSince } : {}),
    };
  }

  /** Findings of one rule at `now`. */
  run(ruleId: string, now: number): Finding[] {
    const rule = ruleById(ruleId);
    if (!rule) throw new Error(`no rule ${ruleId}`);
    return rule.evaluate(this.ctx(now), this.target, resolveParams(rule, this.target));
  }

  /** The finding of one rule for one entity (throws when absent, so a test cannot pass vacuously). */
  one(ruleId: string, now: number, entity: string = SYSTEM_ENTITY): Finding {
    const f = this.run(ruleId, now).find((x) => x.entity === entity);
    if (!f)
      throw new Error(
        `no ${ruleId} finding for ${entity} at +${(now - T0) / 1000}s; got ${JSON.stringify(this.run(ruleId, now).map((x) => [x.entity, x.state]))}`,
      );
    return f;
  }

  all(now: number): Finding[] {
    return evaluateRules(this.ctx(now), RULES);
  }
}
