import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ruleById } from "../rules";
import { SEVERITIES, type Severity } from "../rules/types";
import { SYSTEM_KINDS, type SystemKind } from "../telemetry/model";
import { EscalationBinding, StepBinding } from "./checks";
import { blocksText, normaliseNewlines, parseBlocks, plainText, type Block, type ListItem } from "./markdown";

// A runbook file → a checklist, by its structure. Headings become sections and each section is
// classified by its title: action-like sections give steps, "What NOT to do" gives standing
// warnings, "When to escalate" gives escalation criteria, "Symptoms" / "Metrics to check" /
// "Signal" give context. Optional YAML front matter names the rules the runbook handles and binds
// steps to controls, live checks and waits. Never throws: a bad front matter is reported as a
// problem and the Markdown still becomes a plain checklist.

/** Controls the console can run per system kind (docs/simulator.md, "Controls"). */
export const KNOWN_CONTROLS: Record<SystemKind, readonly string[]> = {
  "trading-bot": ["pause-profile", "resume-profile", "trigger-reconciliation", "quarantine-order"],
  "futures-bot": ["sync-positions", "recover-sl-order-ids", "kill-switch"],
  "spot-exchange": ["symbol-mode", "cancel-all", "withdrawals-halt", "conflation", "book-depth"],
};

export const SECTION_KINDS = ["steps", "warnings", "escalation", "context", "expectation", "other"] as const;
export type SectionKind = (typeof SECTION_KINDS)[number];

export const FrontMatter = z
  .object({
    title: z.string().trim().min(1).optional(),
    severity: z.enum(SEVERITIES).optional(),
    /** Free text beside the severity, e.g. "SEV1 if prolonged". */
    severityNote: z.string().optional(),
    seed: z.union([z.string(), z.number()]).transform(String).optional(),
    summary: z.string().optional(),
    /** Rule ids (lib/rules catalog) whose findings this runbook handles. */
    rules: z.array(z.string().trim().min(1)).default([]),
    systems: z.array(z.enum(SYSTEM_KINDS)).default([]),
    /** Step bindings, keyed by a step's `{#id}` marker or its 1-based number. */
    steps: z.record(z.string(), StepBinding).default({}),
    /** Escalation criteria bindings, keyed the same way. */
    escalation: z.record(z.string(), EscalationBinding).default({}),
  })
  .strict()
  .superRefine((fm, ctx) => {
    fm.rules.forEach((id, i) => {
      if (!ruleById(id)) ctx.addIssue({ code: "custom", path: ["rules", i], message: `unknown rule "${id}"` });
    });
    const kinds = fm.systems.length ? fm.systems : SYSTEM_KINDS;
    for (const [key, b] of Object.entries(fm.steps)) {
      if (b.control && !kinds.some((k) => KNOWN_CONTROLS[k].includes(b.control!))) {
        const known = kinds.flatMap((k) => KNOWN_CONTROLS[k]).join(", ");
        ctx.addIssue({ code: "custom", path: ["steps", key, "control"], message: `unknown control "${b.control}" (known: ${known})` });
      }
    }
  });
export type FrontMatter = z.infer<typeof FrontMatter>;

export interface RunbookProblem {
  /** e.g. `runbooks/split-brain.md` */
  file: string;
  /** The front matter field, dotted: `steps.halt.params`. */
  field?: string;
  message: string;
}

export interface CodeBlock {
  lang: string;
  code: string;
}

export interface Section {
  /** Anchor id: the heading's `{#id}` marker or a slug of its title. */
  id: string;
  title: string;
  /** 1-6 for headings, one deeper than the enclosing heading for bold/"Label:" pseudo-headings. */
  level: number;
  kind: SectionKind;
  blocks: Block[];
}

export interface ChecklistItem {
  /** 1-based across the whole runbook. */
  index: number;
  /** The `{#id}` marker, else `step-<index>` / `warning-<index>` / `escalation-<index>`. */
  id: string;
  /** Inline Markdown. */
  text: string;
  /** The section it came from (its title), e.g. "Immediate mitigation". */
  section: string;
  sectionId: string;
  /** Nested lists and paragraphs under the item. */
  detail: Block[];
  /** Code blocks under the item, copyable. */
  code: CodeBlock[];
}

export interface Step extends ChecklistItem {
  binding?: StepBinding;
}

export interface EscalationCriterion extends ChecklistItem {
  binding?: EscalationBinding;
}

export interface Runbook {
  slug: string;
  file: string;
  title: string;
  severity: Severity | null;
  severityNote?: string;
  seed?: string;
  summary?: string;
  /** Rule ids from the front matter. */
  rules: string[];
  systems: SystemKind[];
  hasFrontMatter: boolean;
  sections: Section[];
  steps: Step[];
  warnings: ChecklistItem[];
  escalation: EscalationCriterion[];
  /** How the steps were found when no section reads as actions: from lists, or from prose. */
  inferred?: "lists" | "prose";
  problems: RunbookProblem[];
  /** Plain text of everything, for search. */
  text: string;
}

const MARKER = /\s*\{#([A-Za-z0-9][\w-]*)\}\s*$/;

function takeMarker(text: string): { text: string; id?: string } {
  const m = MARKER.exec(text);
  return m ? { text: text.slice(0, m.index).trimEnd(), id: m[1] } : { text };
}

const slugify = (s: string) =>
  plainText(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "") || "section";

/** "3.1 Ledger invariant violation (SEV1)", "Step 2: Recovery", "1) Ghost Position" → the words. */
function headingWords(title: string): string {
  return plainText(title)
    .toLowerCase()
    .replace(/^(?:step|phase|part)\s*\d+[:.)-]?\s*/, "")
    .replace(/^[\d.)\s-]+/, "")
    .replace(/[:.]+$/, "")
    .trim();
}

/** A section's role, from its title. Order matters: "Expected self-recovery" is not a recovery. */
export function classifyHeading(title: string): SectionKind {
  const w = headingWords(title);
  if (/escalat|when to page|paging/.test(w)) return "escalation";
  if (/\bnot to do\b|\bdon'?t\b|\bdo not\b|\bnever\b|\bavoid\b|pitfall|anti-?pattern|caution|warning|forbidden/.test(w)) return "warnings";
  if (/expected|self[- ]?(?:recovery|repair|heal)|auto[- ]?recover|what happens next|outcome/.test(w)) return "expectation";
  if (/symptom|metrics?\b|signal|trigger|detect|alert|indicator|dashboard|descri|overview|impact|background|context|summary|about|severity|what it means|log patterns?|observ|evidence|cause/.test(w)) return "context";
  if (/immediate|mitigat|recover|diagnos|\bsteps?\b|procedure|actions?\b|respon|remedia|resol|\bfix|triage|investigat|checklist|what to do|how to|verif|validat|rollback|restor|resum|contain|post[- ]?incident|follow[- ]?up|runbook|playbook|handling|workaround|clean ?up/.test(w)) return "steps";
  return "other";
}

function splitFrontMatter(src: string): { yaml?: string; body: string; bodyLine: number } {
  const lines = src.split("\n");
  if (lines[0]?.trim() !== "---") return { body: src, bodyLine: 1 };
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === "---" || l === "...") return { yaml: lines.slice(1, i).join("\n"), body: lines.slice(i + 1).join("\n"), bodyLine: i + 2 };
  }
  return { body: src, bodyLine: 1 };
}

const formatPath = (path: readonly PropertyKey[]) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");

function parseFrontMatter(yamlText: string, file: string): { fm?: FrontMatter; problems: RunbookProblem[] } {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText) ?? {};
  } catch (err) {
    return { problems: [{ file, message: `front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}` }] };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { problems: [{ file, message: "front matter must be a YAML mapping (key: value lines)" }] };
  const r = FrontMatter.safeParse(raw);
  if (r.success) return { fm: r.data, problems: [] };
  return {
    problems: r.error.issues.map((iss) => {
      const keys = iss.code === "unrecognized_keys" ? ` ${iss.keys.map((k) => `"${k}"`).join(", ")}` : "";
      const field = formatPath([...iss.path]) || undefined;
      return { file, ...(field ? { field } : {}), message: iss.code === "unrecognized_keys" ? `unknown field${iss.keys.length > 1 ? "s" : ""}${keys}` : iss.message };
    }),
  };
}

function severityIn(text: string): Severity | null {
  const m = /\bSEV[- ]?([123])\b/i.exec(text);
  return m ? (`SEV${m[1]}` as Severity) : null;
}

function humanise(slug: string): string {
  const s = slug.replace(/[-_]+/g, " ").trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : "Untitled runbook";
}

const SENTENCE = /[^.!?]+(?:[.!?]+(?=\s|$)|$)/g;
const NEGATIVE = /^\s*(?:do not|don['’]t|never|avoid)\b/i;

/**
 * Parses one runbook file. `slug` is the file name without `.md`; `file` is how problems name
 * the file (e.g. `runbooks/split-brain.md`).
 */
export function parseRunbook(source: string, slug: string, file = `runbooks/${slug}.md`): Runbook {
  const src = normaliseNewlines(source);
  const { yaml, body } = splitFrontMatter(src);
  const problems: RunbookProblem[] = [];
  let fm: FrontMatter | undefined;
  if (yaml !== undefined) {
    const r = parseFrontMatter(yaml, file);
    fm = r.fm;
    problems.push(...r.problems);
  }
  const blocks = parseBlocks(body);

  // Title: front matter, else the first heading when it is the document's top heading.
  const firstHeading = blocks.find((b): b is Extract<Block, { type: "heading" }> => b.type === "heading" && !b.pseudo);
  const minLevel = Math.min(...blocks.filter((b) => b.type === "heading" && !b.pseudo).map((b) => (b as { level: number }).level));
  const titleBlock = firstHeading && firstHeading.level === minLevel && blocks.filter((b) => b.type === "heading" && !b.pseudo && b.level === minLevel).length === 1 ? firstHeading : undefined;
  const title = [fm?.title, titleBlock ? takeMarker(titleBlock.text).text : undefined].find((t) => t && plainText(t)) ?? humanise(slug);

  // Sections, with pseudo-headings placed one level under the enclosing real heading.
  const sections: Section[] = [];
  const usedIds = new Set<string>();
  const newSection = (rawTitle: string, level: number): Section => {
    const { text, id } = takeMarker(rawTitle);
    let sid = id ?? slugify(text);
    for (let n = 2; usedIds.has(sid); n++) sid = `${id ?? slugify(text)}-${n}`;
    usedIds.add(sid);
    const s: Section = { id: sid, title: text, level, kind: classifyHeading(text), blocks: [] };
    sections.push(s);
    return s;
  };
  let current: Section | undefined;
  let realLevel = titleBlock ? titleBlock.level : 0;
  for (const b of blocks) {
    if (b === titleBlock) continue;
    if (b.type === "heading") {
      const level = b.pseudo ? realLevel + 1 : b.level;
      if (!b.pseudo) realLevel = b.level;
      current = newSection(b.text, level);
      continue;
    }
    if (b.type === "hr") continue;
    current ??= newSection("Overview", Math.max(1, realLevel + 1));
    current.blocks.push(b);
  }
  // A section without a role of its own takes its enclosing section's ("### Step A" under "## Diagnosis").
  const stack: Section[] = [];
  for (const s of sections) {
    while (stack.length && stack[stack.length - 1]!.level >= s.level) stack.pop();
    if (s.kind === "other") s.kind = [...stack].reverse().find((p) => p.kind !== "other")?.kind ?? "other";
    stack.push(s);
  }
  if (sections[0]?.title === "Overview" && sections[0].kind === "other") sections[0].kind = "context";

  const steps: Step[] = [];
  const warnings: ChecklistItem[] = [];
  const escalation: EscalationCriterion[] = [];
  const push = (into: ChecklistItem[], prefix: string, s: Section, rawText: string, detail: Block[]) => {
    const { text, id } = takeMarker(rawText);
    const code = detail.filter((d): d is Extract<Block, { type: "code" }> => d.type === "code").map((d) => ({ lang: d.lang, code: d.code }));
    const index = into.length + 1;
    into.push({ index, id: id ?? `${prefix}-${index}`, text, section: s.title, sectionId: s.id, detail: detail.filter((d) => d.type !== "code"), code });
  };
  const collect = (s: Section, into: ChecklistItem[], prefix: string, opts: { lists: "all" | "ordered" } = { lists: "all" }) => {
    const hasList = s.blocks.some((b) => b.type === "list" || b.type === "table" || (b.type === "quote" && b.blocks.some((q) => q.type === "list")));
    const visit = (bs: Block[]) => {
      for (const b of bs) {
        if (b.type === "list") {
          if (opts.lists === "ordered" && !b.ordered) continue;
          for (const it of b.items) push(into, prefix, s, it.text, it.children);
        } else if (b.type === "table") {
          for (const row of b.rows) push(into, prefix, s, row.filter(Boolean).join(" — "), []);
        } else if (b.type === "paragraph" && !hasList && opts.lists === "all") {
          push(into, prefix, s, b.text, []);
        } else if (b.type === "code") {
          const last = into[into.length - 1];
          if (last && last.sectionId === s.id) last.code.push({ lang: b.lang, code: b.code });
          else push(into, prefix, s, "Run:", [b]);
        } else if (b.type === "quote") visit(b.blocks);
      }
    };
    visit(s.blocks);
  };
  for (const s of sections) {
    if (s.kind === "steps") collect(s, steps, "step");
    else if (s.kind === "warnings") collect(s, warnings, "warning");
    else if (s.kind === "escalation") collect(s, escalation, "escalation");
  }

  // No action-like section: numbered lists anywhere unclaimed, then any list, then the prose.
  let inferred: Runbook["inferred"];
  const unclaimed = sections.filter((s) => s.kind === "other");
  if (!steps.length) {
    for (const s of unclaimed) collect(s, steps, "step", { lists: "ordered" });
    if (!steps.length) for (const s of unclaimed) collect(s, steps, "step", { lists: "all" });
    if (steps.length) inferred = "lists";
  }
  if (!steps.length) {
    const prose = sections.filter((s) => s.kind === "other" || (s.kind === "context" && s.title === "Overview"));
    const pool = prose.length ? prose : sections;
    for (const s of pool) {
      for (const b of s.blocks) {
        if (b.type !== "paragraph") continue;
        const sentences = b.text.match(SENTENCE)?.map((x) => x.trim()).filter(Boolean) ?? [b.text];
        const keep: string[] = [];
        for (const sentence of sentences) {
          if (NEGATIVE.test(sentence)) push(warnings, "warning", s, sentence, []);
          else if (/\bescalat|\bpage (?:the|a|an)\b/i.test(sentence)) push(escalation, "escalation", s, sentence, []);
          else keep.push(sentence);
        }
        if (keep.length) push(steps, "step", s, keep.join(" "), []);
      }
    }
    if (steps.length) inferred = "prose";
  }

  // Bind front matter to steps and escalation criteria by `{#id}` or by number.
  const bind = <T extends ChecklistItem>(items: T[], bindings: Record<string, unknown>, field: string, noun: string, set: (item: T, b: never) => void) => {
    for (const [key, b] of Object.entries(bindings)) {
      const item = items.find((it) => it.id === key || String(it.index) === key);
      if (item) set(item, b as never);
      else problems.push({ file, field: `${field}.${key}`, message: `no ${noun} with {#${key}} or number ${key} (the runbook has ${items.length} ${noun}${items.length === 1 ? "" : "s"})` });
    }
  };
  if (fm) {
    bind(steps, fm.steps, "steps", "step", (it: Step, b: StepBinding) => (it.binding = b));
    bind(escalation, fm.escalation, "escalation", "escalation criterion", (it: EscalationCriterion, b: EscalationBinding) => (it.binding = b));
  }

  const severitySection = sections.find((s) => /^severity$/.test(headingWords(s.title)));
  const severityText = severitySection ? blocksText(severitySection.blocks) : undefined;
  const severity = fm?.severity ?? (severityText ? severityIn(severityText) : null) ?? severityIn(title) ?? severityIn(sections.map((s) => s.title).join(" "));
  const firstPara = sections[0]?.blocks.find((b) => b.type === "paragraph");
  const summary = fm?.summary ?? (firstPara && sections[0]!.kind !== "steps" ? plainText(firstPara.text) : undefined);
  const severityNote = fm?.severityNote ?? (severityText && severityText.replace(/\s+/g, " ").trim() !== severity ? severityText.replace(/\s+/g, " ").trim() : undefined);

  return {
    slug,
    file,
    title: plainText(title),
    severity,
    ...(severityNote ? { severityNote } : {}),
    ...(fm?.seed ? { seed: fm.seed } : {}),
    ...(summary ? { summary } : {}),
    rules: fm?.rules ?? [],
    systems: fm?.systems ?? [],
    hasFrontMatter: yaml !== undefined,
    sections,
    steps,
    warnings,
    escalation,
    ...(inferred ? { inferred } : {}),
    problems,
    text: [plainText(title), summary ?? "", ...sections.map((s) => `${plainText(s.title)}\n${blocksText(s.blocks)}`)].join("\n"),
  };
}

export type { Block, ListItem };
