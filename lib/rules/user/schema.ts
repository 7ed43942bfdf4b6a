import { LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { SEVERITIES, SYSTEM_KINDS } from "../../core/vocabulary";

// The operator's own rules: a YAML file of declarative rules over any sample (a metric of an
// exporter, a field of a health JSON, a built-in system's metric) or report. Validated as a whole;
// every problem names the file and line, the rule and the field:
//   config/rules.yaml:14: rule host_memory_low: for: "5 minuts" is not a duration (e.g. 30s, 5m, 1h30m)
// README "Rules of your own" describes the format.

const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "1h30m" → 5_400_000; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** 300000 → "5m"; the largest units that divide it. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [u, size] of [
    ["w", UNIT_MS.w!],
    ["d", UNIT_MS.d!],
    ["h", UNIT_MS.h!],
    ["m", UNIT_MS.m!],
    ["s", UNIT_MS.s!],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return rest > 0 ? `${out}${Math.round(rest)}ms` : out;
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === "number") {
    if (v === 0) return 0;
    ctx.addIssue({ code: "custom", message: `${v} has no unit: write a duration such as 30s, 5m or 1h30m` });
    return z.NEVER;
  }
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a duration (e.g. 30s, 5m, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});

export const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
export type Comparison = (typeof COMPARISONS)[number];
const op = z.enum(COMPARISONS, { error: `must be one of ${COMPARISONS.join(" ")}` });

export function compare(a: number, o: Comparison, b: number): boolean {
  switch (o) {
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

const METRIC = /^[A-Za-z_:][A-Za-z0-9_:.]*$/;
const metricName = z.string().regex(METRIC, "must be a metric or field name (letters, digits, _ : .)");
/** Label matchers: `value` (equal), `!=value`, `=~regex`, `!~regex` (regexes anchored, as in PromQL). */
const labelMatchers = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a label name"), z.string());

export const TEMPLATE_FIELDS = [
  "target",
  "kind",
  "entity",
  "metric",
  "value",
  "threshold",
  "op",
  "for",
  "window",
  "count",
  "cycles",
  "age",
  "rule",
] as const;
export const TEMPLATE_FILTERS = ["percent", "bytes", "duration", "round", "fixed2"] as const;
const PLACEHOLDER = /\{\{\s*([^}|]+?)\s*(?:\|\s*([^}]+?)\s*)?\}\}/g;

/** Problems with a summary template's placeholders (unknown names or filters). */
export function templateProblems(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    const filter = m[2];
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name) && !/^labels\.[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      out.push(`unknown placeholder {{${name}}} (known: ${TEMPLATE_FIELDS.join(", ")}, labels.<name>)`);
    if (filter !== undefined && !(TEMPLATE_FILTERS as readonly string[]).includes(filter))
      out.push(`unknown filter "${filter}" in {{${m[0].slice(2, -2).trim()}}} (known: ${TEMPLATE_FILTERS.join(", ")})`);
  }
  return out;
}

const common = {
  id: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,62}$/, "must be lower-case letters, digits, _ . or - (starting with a letter)"),
  title: z.string().trim().min(1).max(120).optional(),
  description: z.string().max(2000).optional(),
  /** Which targets the rule judges: by kind and/or by name (default: every prometheus and http-json target). */
  targets: z
    .object({
      kinds: z
        .array(z.enum(SYSTEM_KINDS, { error: `must be one of ${SYSTEM_KINDS.join(", ")}` }))
        .min(1)
        .optional(),
      /** Target names; `*` matches any run of characters (`host-*`). */
      names: z
        .array(z.string().regex(/^[a-z0-9*][a-z0-9*-]*$/, "must be a target name, * for any characters"))
        .min(1)
        .optional(),
    })
    .strict()
    .optional(),
  severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(", ")}` }),
  /** The board state when firing; default critical for SEV1/SEV2, warning for SEV3. */
  state: z.enum(["warning", "critical"], { error: "must be warning or critical" }).optional(),
  summary: z.string().min(1).max(400),
  /** A console runbook slug or an http(s) link to your own runbook. */
  runbook: z
    .string()
    .refine((r) => /^https?:\/\/\S+$/.test(r) || /^[a-z0-9-]+$/.test(r), "must be an http(s) URL or a runbook slug"),
  escalation: z
    .object({
      /** How long the finding must hold before it escalates. */
      after: duration,
      severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(", ")}` }),
      /** The escalation criterion in words (shown on the finding). */
      text: z.string().min(1).max(200).optional(),
    })
    .strict()
    .optional(),
  /** Label naming the entity of a series (e.g. mountpoint); default: the sample's entity, else its labels. */
  entityLabel: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a label name")
    .optional(),
};

const seriesSelector = {
  metric: metricName,
  labels: labelMatchers.optional(),
  /** Divide by the series of this metric with the same labels (e.g. available / size). */
  divideBy: metricName.optional(),
  /** Compare the absolute value (a clock offset of -0.2 s is as bad as +0.2 s). */
  abs: z.boolean().optional(),
};

export const ThresholdRule = z
  .object({
    ...common,
    ...seriesSelector,
    type: z.literal("threshold"),
    op,
    value: z.number(),
    /** How long the condition must hold before the rule fires (default 0: at once). */
    for: duration.default(0),
  })
  .strict();

export const ConsecutiveRule = z
  .object({
    ...common,
    ...seriesSelector,
    type: z.literal("consecutive"),
    op,
    value: z.number(),
    /** Fires when the last N polled values all meet the condition. */
    cycles: z.number().int().min(1).max(1000),
  })
  .strict();

export const CountRule = z
  .object({
    ...common,
    type: z.literal("count"),
    /** Count reports of this kind (a log report such as ORDER_REJECTED_BY_VENUE) … */
    report: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, "must be an upper-case report kind")
      .optional(),
    /** … whose fields equal these values; */
    where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** or count polled values of a metric that meet `when` (e.g. { op: ">", value: 0 }). */
    metric: metricName.optional(),
    labels: labelMatchers.optional(),
    when: z.object({ op, value: z.number() }).strict().optional(),
    window: duration,
    /** Compared with the count: fires when `count op value`. */
    op: op.default(">="),
    value: z.number(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.report === !r.metric)
      ctx.addIssue({
        code: "custom",
        path: ["report"],
        message: "name either report (a report kind) or metric (with when)",
      });
    if (r.metric && !r.when)
      ctx.addIssue({
        code: "custom",
        path: ["when"],
        message: "required with metric: the condition a value must meet to count",
      });
    if (r.report && (r.when || r.labels))
      ctx.addIssue({
        code: "custom",
        path: [r.when ? "when" : "labels"],
        message: "is for metric counts; reports are filtered with where",
      });
    if (r.metric && r.where)
      ctx.addIssue({
        code: "custom",
        path: ["where"],
        message: "is for report counts; metrics are filtered with labels",
      });
  });

export const RateRule = z
  .object({
    ...common,
    metric: metricName,
    labels: labelMatchers.optional(),
    type: z.literal("rate"),
    /** Per-second increase of a counter over the window (reset-aware). */
    window: duration,
    op,
    value: z.number(),
  })
  .strict();

export const AbsentRule = z
  .object({
    ...common,
    metric: metricName,
    labels: labelMatchers.optional(),
    type: z.literal("absent"),
    /** Fires when no value of the metric is newer than this (a target that does not answer included). */
    for: duration,
  })
  .strict();

const RULE_TYPES = ["threshold", "consecutive", "count", "rate", "absent"] as const;

export const UserRuleSpec = z.discriminatedUnion(
  "type",
  [ThresholdRule, ConsecutiveRule, CountRule, RateRule, AbsentRule],
  {
    error: `type must be one of ${RULE_TYPES.join(", ")}`,
  },
);
export type UserRuleSpec = z.infer<typeof UserRuleSpec>;

export const RulesFile = z
  .object({
    rules: z.array(UserRuleSpec),
  })
  .strict();

export interface RuleFileProblem {
  file: string;
  line?: number;
  /** The rule's id (or its position when it has no id). */
  rule?: string;
  /** The field, e.g. `for` or `escalation.after`. */
  field?: string;
  message: string;
}

/**
 * Where each parsed rule's metric is written (file:line), for warnings found after loading. Kept
 * on the rule object itself (not in a module-level map): the server's bundles may each hold their
 * own copy of this module, while the rules in force are shared.
 */
const LOCATION = Symbol.for("watchfloor.rule-location");
export function metricLine(spec: object): { file: string; line?: number } | undefined {
  return (spec as { [LOCATION]?: { file: string; line?: number } })[LOCATION];
}

export function formatProblem(p: RuleFileProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  return `${where}: ${p.rule ? `rule ${p.rule}: ` : ""}${p.field ? `${p.field}: ` : ""}${p.message}`;
}

export class RulesFileError extends Error {
  constructor(
    public readonly file: string,
    public readonly problems: RuleFileProblem[],
  ) {
    super(`Invalid rules file ${file}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`);
    this.name = "RulesFileError";
  }
}

function lineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // The deepest node of the path that exists (an unknown key's own line, else its object's).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The line of a key in a map (where the key is written), for unknown-key messages. */
function lineOfKey(doc: Document, lc: LineCounter, path: readonly PropertyKey[], key: string): number | undefined {
  const map = doc.getIn(path as unknown[], true) as
    { items?: Array<{ key?: { value?: unknown; range?: number[] } }> } | undefined;
  const pair = map?.items?.find((i) => i.key?.value === key);
  if (pair?.key?.range) return lc.linePos(pair.key.range[0]!).line;
  return lineOf(doc, lc, path);
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/**
 * Parses and validates a rules file. Throws RulesFileError naming file:line, rule and field for
 * every problem (YAML syntax, unknown fields, bad durations, duplicate ids, bad templates).
 */
export function parseRulesFile(
  text: string,
  file: string,
  reservedIds: ReadonlySet<string> = new Set(),
): UserRuleSpec[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lc });
  if (doc.errors.length)
    throw new RulesFileError(
      file,
      doc.errors.map((e) => ({ file, line: lc.linePos(e.pos[0]).line, message: e.message.split("\n")[0]! })),
    );
  const raw = doc.toJS() as unknown;
  if (raw === null || raw === undefined) return [];
  const rawRules = (raw as { rules?: unknown }).rules;
  const ruleName = (i: number) => {
    const r = Array.isArray(rawRules) ? (rawRules[i] as { id?: unknown } | undefined) : undefined;
    return typeof r?.id === "string" ? r.id : `#${i + 1}`;
  };
  const problems: RuleFileProblem[] = [];
  const result = RulesFile.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
      const inRule = path[0] === "rules" && typeof path[1] === "number";
      const rule = inRule ? ruleName(path[1] as number) : undefined;
      const rest = inRule ? path.slice(2) : path;
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys)
          problems.push({
            file,
            line: lineOfKey(doc, lc, path, k),
            rule,
            field: fieldPath([...rest, k]),
            message: "unknown field",
          });
        continue;
      }
      problems.push({
        file,
        line: lineOf(doc, lc, path),
        rule,
        field: fieldPath(rest) || undefined,
        message: issue.message.replace(/^Invalid input: /, ""),
      });
    }
    throw new RulesFileError(file, problems);
  }
  const seen = new Map<string, number>();
  result.data.rules.forEach((r, i) => {
    const line = lineOf(doc, lc, ["rules", i, "id"]);
    const first = seen.get(r.id);
    if (first !== undefined)
      problems.push({ file, line, rule: r.id, field: "id", message: `duplicate id (also rule #${first + 1})` });
    else seen.set(r.id, i);
    if (reservedIds.has(r.id))
      problems.push({ file, line, rule: r.id, field: "id", message: "is the id of a built-in rule; pick another" });
    for (const m of templateProblems(r.summary))
      problems.push({ file, line: lineOf(doc, lc, ["rules", i, "summary"]), rule: r.id, field: "summary", message: m });
    for (const [k, v] of Object.entries(r.labels ?? {})) {
      const re = /^(=~|!~)(.*)$/.exec(v);
      if (!re) continue;
      try {
        new RegExp(re[2]!);
      } catch {
        problems.push({
          file,
          line: lineOf(doc, lc, ["rules", i, "labels", k]),
          rule: r.id,
          field: `labels.${k}`,
          message: "is not a valid regular expression",
        });
      }
    }
  });
  if (problems.length) throw new RulesFileError(file, problems);
  result.data.rules.forEach((r, i) =>
    Object.defineProperty(r, LOCATION, {
      value: { file, line: lineOf(doc, lc, ["rules", i, "metric" in r && r.metric ? "metric" : "id"]) },
      enumerable: false,
    }),
  );
  return result.data.rules;
}
