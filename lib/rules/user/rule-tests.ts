import { readFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { TelemetryStore } from "../../collector/store";
import {
  FINDING_STATES,
  SEVERITIES,
  SYSTEM_ENTITY,
  SYSTEM_KINDS,
  type Finding,
  type Freshness,
  type Sample,
} from "../../core/vocabulary";
import { evaluateRules } from "../index";
import type { AnyRule, RuleContext, RuleTarget } from "../types";
import { loadRulesFile } from "./index";
import { parseDuration } from "./schema";

// Unit tests for rules, as `promtool test rules` does them: input series over time (in promtool's
// expanding notation), reports at given times, and the findings expected at given evaluation
// times. Run with `npm run rules -- test <file>`. A failing test prints what was expected and what
// came. Only the findings of the rules under test are compared, and only those that are not ok.

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? (v === 0 ? 0 : undefined) : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a duration (e.g. 30s, 5m, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});

const Expected = z
  .object({
    rule: z.string(),
    entity: z.string().default(SYSTEM_ENTITY),
    state: z.enum(FINDING_STATES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    /** The summary, exactly (optional). */
    summary: z.string().optional(),
    /** Text the summary must contain (optional). */
    summaryContains: z.string().optional(),
  })
  .strict();

const RuleTestCase = z
  .object({
    name: z.string().min(1),
    /** Time between input values (the target's poll interval). */
    interval: duration.default(15_000),
    target: z
      .object({
        name: z.string().default("test-target"),
        kind: z.enum(SYSTEM_KINDS).default("prometheus"),
        /** The label naming a series' entity, as the target's scrape.entityLabel. */
        entityLabel: z.string().optional(),
        thresholds: z
          .record(z.string(), z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])))
          .default({}),
      })
      .strict()
      .default({ name: "test-target", kind: "prometheus", thresholds: {} }),
    input_series: z
      .array(z.object({ series: z.string(), values: z.union([z.string(), z.number()]) }).strict())
      .default([]),
    input_reports: z
      .array(
        z.object({ kind: z.string(), at: duration, fields: z.record(z.string(), z.unknown()).default({}) }).strict(),
      )
      .default([]),
    /** The target's source failing over a span: its findings turn Unknown with the error's kind. */
    source_failures: z
      .array(
        z
          .object({
            from: duration,
            to: duration.optional(),
            kind: z.enum(["timeout", "network", "http", "parse", "schema"]).default("network"),
            detail: z.string().default("failed"),
          })
          .strict(),
      )
      .default([]),
    expected_findings: z.array(z.object({ at: duration, findings: z.array(Expected) }).strict()).min(1),
  })
  .strict();

export const RuleTestFile = z
  .object({
    /** Rules files under test, relative to this file. */
    rule_files: z.array(z.string()).min(1),
    tests: z.array(RuleTestCase).min(1),
  })
  .strict();

/** promtool's expanding notation: `1 2 3`, `1+2x3` (1 3 5 7), `5x2` (5 5 5), `_` (no value), `_x3`. */
export function expandValues(text: string | number): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  for (const tok of String(text).trim().split(/\s+/)) {
    if (!tok) continue;
    let m = /^_(?:x(\d+))?$/.exec(tok);
    if (m) {
      for (let i = 0; i <= Number(m[1] ?? 0); i++) out.push(undefined);
      continue;
    }
    m = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|[+-]?Inf)(?:([+-])(\d+(?:\.\d+)?(?:e[+-]?\d+)?))?x(\d+)$/.exec(tok);
    if (m) {
      const a = Number(m[1]!.replace("Inf", "Infinity"));
      const step = m[2] ? (m[2] === "-" ? -1 : 1) * Number(m[3]) : 0;
      for (let i = 0; i <= Number(m[4]); i++) out.push(a + step * i);
      continue;
    }
    const n = Number(tok.replace("Inf", "Infinity"));
    if (tok === "stale" || (Number.isNaN(n) && tok !== "NaN"))
      throw new Error(`"${tok}" is not a value (use numbers, _ or a+bxn)`);
    out.push(n);
  }
  return out;
}

/** `name{a="b",c="d"}` → name and labels. */
export function parseSeries(text: string): { metric: string; labels: Record<string, string> } {
  const m = /^\s*([A-Za-z_:][A-Za-z0-9_:.]*)\s*(?:\{(.*)\})?\s*$/s.exec(text);
  if (!m) throw new Error(`"${text}" is not a series (name{label="value",…})`);
  const labels: Record<string, string> = {};
  for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g))
    labels[l[1]!] = l[2]!.replace(/\\(.)/g, "$1");
  return { metric: m[1]!, labels };
}

export interface RuleTestResult {
  name: string;
  ok: boolean;
  /** Failure text: per evaluation time, what was expected and what came. */
  failures: string[];
}

function describe(f: {
  rule?: string;
  ruleId?: string;
  entity: string;
  state?: string;
  severity?: string;
  summary?: string;
}): string {
  return `${f.rule ?? f.ruleId} entity=${f.entity}${f.state ? ` state=${f.state}` : ""}${f.severity ? ` severity=${f.severity}` : ""}${f.summary !== undefined ? ` summary=${JSON.stringify(f.summary)}` : ""}`;
}

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

/** Runs one test case against the given rules. */
export function runRuleTest(tc: z.infer<typeof RuleTestCase>, rules: readonly AnyRule[]): RuleTestResult {
  const target: RuleTarget = {
    name: tc.target.name,
    kind: tc.target.kind,
    intervalMs: tc.interval,
    thresholds: tc.target.thresholds,
  };
  const samples: Sample[] = [];
  for (const s of tc.input_series) {
    const { metric, labels } = parseSeries(s.series);
    const entityLabel = tc.target.entityLabel;
    const entity = entityLabel && labels[entityLabel] ? labels[entityLabel]! : SYSTEM_ENTITY;
    expandValues(s.values).forEach((v, i) => {
      if (v !== undefined)
        samples.push({ system: target.name, entity, metric, labels, value: v, observedAt: T0 + i * tc.interval });
    });
  }
  const failures: string[] = [];
  const ruleIds = new Set(rules.map((r) => r.id));
  for (const step of tc.expected_findings) {
    const now = T0 + step.at;
    const store = new TelemetryStore(24 * 3_600_000);
    store.addSamples(samples.filter((s) => s.observedAt <= now).sort((a, b) => a.observedAt - b.observedAt));
    store.addReports(
      tc.input_reports
        .filter((r) => T0 + r.at <= now)
        .map((r, i) => ({
          system: target.name,
          kind: r.kind,
          id: `test-${i}`,
          fields: r.fields,
          observedAt: T0 + r.at,
        })),
    );
    const failure = tc.source_failures.find((f) => step.at >= f.from && (f.to === undefined || step.at < f.to));
    const fresh: Freshness = failure ? "error" : "ok";
    const ctx: RuleContext = {
      now,
      history: store,
      freshness: () => fresh,
      sourceProblem: (_s, endpoint) =>
        failure ? { source: endpoint, kind: failure.kind, detail: failure.detail } : undefined,
      targets: [target],
      watchingSince: T0,
    };
    const got = evaluateRules(ctx, rules).filter((f) => ruleIds.has(f.ruleId) && f.state !== "ok");
    const unmatched = [...got];
    const missing: string[] = [];
    for (const e of step.findings) {
      const i = unmatched.findIndex(
        (f) =>
          f.ruleId === e.rule &&
          f.entity === e.entity &&
          (e.state ? f.state === e.state : f.state !== "unknown") &&
          (!e.severity || f.severity === e.severity) &&
          (e.summary === undefined || f.summary === e.summary) &&
          (e.summaryContains === undefined || f.summary.includes(e.summaryContains)),
      );
      if (i >= 0) unmatched.splice(i, 1);
      else missing.push(describe(e));
    }
    if (missing.length || unmatched.length) {
      const gotText = got.length ? got.map((f: Finding) => `      ${describe(f)}`).join("\n") : "      (no findings)";
      const expText = step.findings.length
        ? step.findings.map((e) => `      ${describe(e)}`).join("\n")
        : "      (no findings)";
      failures.push(`  at ${formatAt(step.at)}:\n    expected:\n${expText}\n    got:\n${gotText}`);
    }
  }
  return { name: tc.name, ok: failures.length === 0, failures };
}

function formatAt(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** Runs a rule test file; rule files are read relative to it. */
export function runRuleTestFile(file: string): { results: RuleTestResult[]; ruleCount: number } {
  const doc = parseDocument(readFileSync(file, "utf8"), { uniqueKeys: true });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message.split("\n")[0]).join("; ")}`);
  const parsed = RuleTestFile.safeParse(doc.toJS());
  if (!parsed.success)
    throw new Error(
      `${file}:\n${parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`,
    );
  const rules: AnyRule[] = [];
  for (const rf of parsed.data.rule_files) rules.push(...loadRulesFile(path.resolve(path.dirname(file), rf)).rules);
  return { results: parsed.data.tests.map((tc) => runRuleTest(tc, rules)), ruleCount: rules.length };
}
