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
  "spot-exchange": [
    "symbol-mode",
    "symbol-throttle",
    "cancel-all",
    "withdrawals-halt",
    "conflation",
    "book-depth",
    "subscription-rate-limit",
  ],
  // Generic exporters are watched, never controlled.
  prometheus: [],
  "http-json": [],
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
    /** Hugo / Docsy: used as the summary when there is no `summary`. */
    description: z.string().optional(),
  })
  // Other teams' front matter carries keys we have no use for (weight, aliases, layout,
  // owner_slack, …): they are kept on the runbook and otherwise ignored.
  .loose()
  .superRefine((fm, ctx) => {
    fm.rules.forEach((id, i) => {
      if (!ruleById(id)) ctx.addIssue({ code: "custom", path: ["rules", i], message: `unknown rule "${id}"` });
    });
    const kinds = fm.systems.length ? fm.systems : SYSTEM_KINDS;
    for (const [key, b] of Object.entries(fm.steps)) {
      if (b.control && !kinds.some((k) => KNOWN_CONTROLS[k].includes(b.control!))) {
        const known = kinds.flatMap((k) => KNOWN_CONTROLS[k]).join(", ");
        ctx.addIssue({
          code: "custom",
          path: ["steps", key, "control"],
          message: `unknown control "${b.control}" (known: ${known})`,
        });
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

/** One of several ways to do a step; the responder picks one. */
export interface Alternative {
  /** "Option A: Restart the pods", or the alternative's own text. */
  label: string;
  /** Its steps, when the alternative has several (inline Markdown). */
  steps: string[];
  detail: Block[];
  code: CodeBlock[];
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
  /** Warnings and danger notes the author put at this item (inline Markdown). */
  cautions: string[];
  /** Set when the item is a choice between alternatives rather than one action. */
  alternatives?: Alternative[];
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
  /** Front matter keys the console does not use, kept as written (weight, aliases, owner_slack, …). */
  extraFrontMatter: Record<string, unknown>;
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
  if (
    /escalat|when to page|paging|on-?call\b|who to (?:call|contact|page|notify)|^contacts?\b|points? of contact/.test(w)
  )
    return "escalation";
  if (/\bnot to do\b|\bdon'?t\b|\bdo not\b|\bnever\b|\bavoid\b|pitfall|anti-?pattern|caution|warning|forbidden/.test(w))
    return "warnings";
  if (/expected|self[- ]?(?:recovery|repair|heal)|auto[- ]?recover|what happens next|outcome/.test(w))
    return "expectation";
  if (
    /symptom|metrics?\b|signal|trigger|detect|alert|indicator|dashboard|descri|overview|impact|background|context|summary|about|severity|what it means|log patterns?|observ|evidence|cause/.test(
      w,
    )
  )
    return "context";
  if (
    /immediate|mitigat|recover|diagnos|\bsteps?\b|procedure|actions?\b|respon|remedia|resol|\bfix|triage|investigat|checklist|what to do|how to|verif|validat|roll ?back|restor|resum|contain|post[- ]?incident|follow[- ]?up|runbook|playbook|handling|workaround|clean ?up/.test(
      w,
    )
  )
    return "steps";
  if (
    /\bcheck|\bscal(?:e|ing)\b|increas|decreas|restart|\bdrain|cordon|fail ?over|\brotat|\bpurg|alternativ|\boptions?\b|approach|choose one|pick one/.test(
      w,
    )
  )
    return "steps";
  return "other";
}

function splitFrontMatter(src: string): { yaml?: string; body: string; bodyLine: number } {
  const lines = src.split("\n");
  if (lines[0]?.trim() !== "---") return { body: src, bodyLine: 1 };
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === "---" || l === "...")
      return { yaml: lines.slice(1, i).join("\n"), body: lines.slice(i + 1).join("\n"), bodyLine: i + 2 };
  }
  return { body: src, bodyLine: 1 };
}

const formatPath = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");

function parseFrontMatter(yamlText: string, file: string): { fm?: FrontMatter; problems: RunbookProblem[] } {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText) ?? {};
  } catch (err) {
    return {
      problems: [{ file, message: `front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}` }],
    };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { problems: [{ file, message: "front matter must be a YAML mapping (key: value lines)" }] };
  const r = FrontMatter.safeParse(raw);
  if (r.success) return { fm: r.data, problems: [] };
  // A field we cannot use is reported, but the title and summary the author wrote are still used.
  const rawMap = raw as Record<string, unknown>;
  const fallback = FrontMatter.safeParse({
    ...(typeof rawMap.title === "string" ? { title: rawMap.title } : {}),
    ...(typeof rawMap.summary === "string" ? { summary: rawMap.summary } : {}),
    ...(typeof rawMap.description === "string" ? { description: rawMap.description } : {}),
  });
  return {
    ...(fallback.success ? { fm: fallback.data } : {}),
    problems: r.error.issues.map((iss) => {
      const keys = iss.code === "unrecognized_keys" ? ` ${iss.keys.map((k) => `"${k}"`).join(", ")}` : "";
      const field = formatPath([...iss.path]) || undefined;
      return {
        file,
        ...(field ? { field } : {}),
        message:
          iss.code === "unrecognized_keys" ? `unknown field${iss.keys.length > 1 ? "s" : ""}${keys}` : iss.message,
      };
    }),
  };
}

const KNOWN_KEYS = new Set([
  "title",
  "severity",
  "severityNote",
  "seed",
  "summary",
  "rules",
  "systems",
  "steps",
  "escalation",
  "description",
]);

function extraKeys(fm: FrontMatter | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fm ?? {})) if (!KNOWN_KEYS.has(k)) out[k] = v;
  return out;
}

function severityIn(text: string): Severity | null {
  const m = /\bSEV[- ]?([123])\b/i.exec(text);
  return m ? (`SEV${m[1]}` as Severity) : null;
}

function humanise(slug: string): string {
  const s = slug.replace(/[-_]+/g, " ").trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : "Untitled runbook";
}

const NEGATIVE = /^\s*(?:do not|don['’]t|never|avoid)\b/i;
/** An item or paragraph that is a caution: "**WARNING**: this deletes …", "Danger: …", "⚠️ Caution — …". */
const CAUTION_TEXT =
  /^\s*(?:⚠️?\s*)?(?:\*\*|__)?(?:warning|danger|caution|attention)(?:\*\*|__)?\s*(?:[:!—–-]|(?:\*\*|__))\s*/i;
const CAUTION_KINDS = /warn|danger|caution|attention|important|error/;
/** "Option A: …", "Alternative 2 —", "Approach B" (as a heading or a list item). */
const ALT_LABEL = /^\s*(?:\*\*|__)?(?:option|alternative|approach|plan)\s+(?:[A-Z]|\d{1,2})\b/i;
/** A heading whose list is a set of alternatives. */
const ALT_HEADING = /alternativ|\boptions\b|approaches|choose one|pick one|one of the following/i;
const ABBREVIATION = /(?:\b(?:e\.g|i\.e|etc|vs|approx|cf|incl|min|max|no)|\b[A-Z])\.$/i;

/**
 * Sentences of a paragraph: a stop (. ! ?) ends one only when followed by whitespace or the end,
 * and never inside a code span, a link, or after a common abbreviation — so `v1.2`,
 * `app.service`, `https://x.y/z` and "e.g. this" stay whole.
 */
export function sentencesOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inCode = false;
  let paren = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "`") inCode = !inCode;
    else if (!inCode && c === "(" && text[i - 1] === "]") paren++;
    else if (!inCode && c === ")" && paren > 0) paren--;
    else if (!inCode && paren === 0 && (c === "." || c === "!" || c === "?")) {
      let j = i;
      while (j + 1 < text.length && /[.!?)"'’”]/.test(text[j + 1]!)) j++;
      if (j + 1 < text.length && !/\s/.test(text[j + 1]!)) continue;
      if (c === "." && ABBREVIATION.test(text.slice(start, i + 1))) continue;
      const sentence = text.slice(start, j + 1).trim();
      if (sentence) out.push(sentence);
      start = j + 1;
      i = j;
    }
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** Hugo / Docsy shortcodes, and reference-style links resolved, before the Markdown is read. */
export function resolveShortcodesAndLinks(body: string): string {
  let out = body.replace(/\{\{[<%]\s*(?:rel)?ref\s+"([^"]+)"\s*[>%]\}\}/g, "$1");
  // Call-out shortcodes become ::: blocks, which the Markdown reader knows.
  out = out.replace(
    /\{\{[<%]\s*(notice|alert|callout|warning|danger|caution|note|tip|info)\b([^}]*?)[%>]\}\}([\s\S]*?)\{\{[<%]\s*\/\1\s*[%>]\}\}/g,
    (_m, name: string, args: string, inner: string) => {
      const generic = name === "notice" || name === "alert" || name === "callout";
      const kind = generic
        ? (/\b(warning|danger|caution|note|info|tip|primary|secondary|success)\b/i.exec(args)?.[1] ?? "note")
        : name;
      const title = /title="([^"]*)"/.exec(args)?.[1];
      return `\n:::${kind.toLowerCase()}${title ? ` ${title}` : ""}\n${inner.trim()}\n:::\n`;
    },
  );
  // Any other shortcode: the tags go, what they wrap stays.
  out = out.replace(/\{\{[<%]\s*\/?[\w.-]+[^}]*?[%>]\}\}/g, "");
  const defs = new Map<string, string>();
  out = out.replace(
    /^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$/gm,
    (_m, id: string, url: string) => {
      defs.set(id.toLowerCase(), url);
      return "";
    },
  );
  if (defs.size) {
    out = out.replace(/\[([^\]]+)\]\[([^\]]*)\]/g, (m, text: string, ref: string) => {
      const url = defs.get((ref || text).toLowerCase());
      return url ? `[${text}](${url})` : m;
    });
  }
  return out;
}

/** Plain inline text of blocks (their paragraphs and list items), for cautions and labels. */
function inlineOf(blocks: readonly Block[]): string {
  const parts: string[] = [];
  for (const b of blocks) {
    if (b.type === "paragraph") parts.push(b.text);
    else if (b.type === "list") parts.push(...b.items.map((it) => it.text));
    else if (b.type === "admonition" || b.type === "quote") parts.push(inlineOf(b.blocks));
  }
  return parts.join(" ").trim();
}

function isCaution(b: Block): boolean {
  return (
    (b.type === "admonition" && CAUTION_KINDS.test(b.kind)) || (b.type === "paragraph" && CAUTION_TEXT.test(b.text))
  );
}

function cautionText(b: Block): string {
  if (b.type === "admonition") {
    const body = inlineOf(b.blocks);
    return b.title && !/^(?:warning|danger|caution)$/i.test(b.title) ? `${b.title}: ${body}` : body;
  }
  return b.type === "paragraph" ? b.text.replace(CAUTION_TEXT, "").trim() : "";
}

/** "Either restart the pods or scale the deployment" → the two alternatives. */
function eitherOr(text: string): string[] | undefined {
  const m = /\beither\s+(.+?),?\s+or\s+(.+?)[.;]?$/i.exec(plainText(text));
  return m ? [m[1]!.trim(), m[2]!.trim()] : undefined;
}

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
  const blocks = parseBlocks(resolveShortcodesAndLinks(body));

  // Title: front matter, else the first heading when it is the document's one top heading.
  const real = blocks.filter((b): b is Extract<Block, { type: "heading" }> => b.type === "heading" && !b.pseudo);
  const minLevel = Math.min(...real.map((b) => b.level));
  const tops = real.filter((b) => b.level === minLevel);
  const titleBlock = tops.length === 1 && tops[0] === real[0] ? tops[0] : undefined;
  const title =
    [fm?.title, titleBlock ? takeMarker(titleBlock.text).text : undefined].find((t) => t && plainText(t)) ??
    humanise(slug);

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
    // Text before the first heading is a peer of the sections that follow, never their parent
    // (a wiki page without an H1 would otherwise pass its role to every section).
    current ??= newSection("Overview", titleBlock ? titleBlock.level + 1 : Number.isFinite(minLevel) ? minLevel : 1);
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
  const push = (
    into: ChecklistItem[],
    prefix: string,
    s: Section,
    rawText: string,
    detail: Block[],
    extra: Partial<ChecklistItem> = {},
  ): ChecklistItem => {
    const { text, id } = takeMarker(rawText);
    const code = detail
      .filter((d): d is Extract<Block, { type: "code" }> => d.type === "code")
      .map((d) => ({ lang: d.lang, code: d.code }));
    const cautions = detail.filter(isCaution).map(cautionText).filter(Boolean);
    const index = into.length + 1;
    const item: ChecklistItem = {
      index,
      id: id ?? `${prefix}-${index}`,
      text,
      section: s.title,
      sectionId: s.id,
      detail: detail.filter((d) => d.type !== "code" && !isCaution(d)),
      code,
      cautions,
      ...extra,
    };
    const either = item.alternatives ? undefined : eitherOr(text);
    if (either) item.alternatives = either.map((label) => ({ label, steps: [], detail: [], code: [] }));
    into.push(item);
    return item;
  };
  const alternativeOf = (label: string, children: Block[]): Alternative => {
    const list = children.find((c): c is Extract<Block, { type: "list" }> => c.type === "list");
    return {
      label,
      steps: list ? list.items.map((it) => it.text) : [],
      detail: children.filter((c) => c.type !== "code" && c !== list),
      code: children
        .filter((c): c is Extract<Block, { type: "code" }> => c.type === "code")
        .map((c) => ({ lang: c.lang, code: c.code })),
    };
  };
  const collect = (
    s: Section,
    into: ChecklistItem[],
    prefix: string,
    opts: { lists: "all" | "ordered"; listsOnly?: boolean } = { lists: "all" },
  ) => {
    const hasList = s.blocks.some(
      (b) => b.type === "list" || b.type === "table" || (b.type === "quote" && b.blocks.some((q) => q.type === "list")),
    );
    const cautionsFor = into === warnings ? undefined : ([] as string[]);
    const before = into.length;
    const lead = s.blocks.find((b) => b.type === "paragraph");
    const place = (text: string) => {
      // A caution written between items belongs to the item after it; one at the end, to the item before.
      if (cautionsFor) cautionsFor.push(text);
      else push(into, prefix, s, text, []);
    };
    const added = (item: ChecklistItem) => {
      if (cautionsFor?.length) item.cautions.unshift(...cautionsFor.splice(0));
    };
    const visit = (bs: Block[]) => {
      for (const b of bs) {
        if (b.type === "list") {
          if (opts.lists === "ordered" && !b.ordered) continue;
          const alts = b.items.filter((it) => ALT_LABEL.test(it.text)).length;
          if (into === steps && (alts >= 2 || ALT_HEADING.test(s.title))) {
            added(
              push(into, prefix, s, lead && lead.type === "paragraph" ? lead.text : s.title, [], {
                alternatives: b.items.map((it) => alternativeOf(it.text, it.children)),
              }),
            );
            continue;
          }
          for (const it of b.items) {
            if (CAUTION_TEXT.test(it.text)) {
              const text = it.text.replace(CAUTION_TEXT, "").trim();
              const last = into.length > before ? into[into.length - 1] : undefined;
              if (last && !cautionsFor?.length) last.cautions.push(text);
              else place(text);
              continue;
            }
            added(push(into, prefix, s, it.text, it.children));
          }
        } else if (b.type === "table") {
          if (!opts.listsOnly)
            for (const row of b.rows) added(push(into, prefix, s, row.filter(Boolean).join(" — "), []));
        } else if (isCaution(b)) {
          place(cautionText(b));
        } else if (b.type === "paragraph" && !hasList && opts.lists === "all" && !opts.listsOnly) {
          added(push(into, prefix, s, b.text, []));
        } else if (b.type === "code") {
          const last = into[into.length - 1];
          if (last && last.sectionId === s.id) last.code.push({ lang: b.lang, code: b.code });
          else if (!opts.listsOnly) added(push(into, prefix, s, "Run:", [b]));
        } else if (b.type === "quote") visit(b.blocks);
      }
    };
    visit(s.blocks);
    if (cautionsFor?.length) {
      const last = into.length > before ? into[into.length - 1] : undefined;
      if (last) last.cautions.push(...cautionsFor);
      else for (const c of cautionsFor) push(warnings, "warning", s, c, []);
    }
  };

  // Runs of sibling sections named "Option A …", "Option B …" are one step with alternatives.
  const consumed = new Set<Section>();
  for (let i = 0; i < sections.length; i++) {
    const run: Section[] = [];
    for (
      let j = i;
      j < sections.length && ALT_LABEL.test(plainText(sections[j]!.title)) && sections[j]!.level === sections[i]!.level;
      j++
    )
      run.push(sections[j]!);
    if (run.length < 2) continue;
    const parent = [...sections.slice(0, i)].reverse().find((p) => p.level < run[0]!.level);
    const anchor = parent && parent.kind === "steps" ? parent : run[0]!;
    for (const r of run) consumed.add(r);
    (anchor as Section & { alternativesAt?: { run: Section[] } }).alternativesAt = { run };
    i += run.length - 1;
  }
  const alternativesStep = (anchor: Section, run: Section[]) => {
    const lead =
      anchor === run[0]
        ? undefined
        : anchor.blocks.find((b): b is Extract<Block, { type: "paragraph" }> => b.type === "paragraph");
    return push(steps, "step", anchor, lead ? lead.text : anchor === run[0] ? "Choose one" : anchor.title, [], {
      alternatives: run.map((r) => {
        const list = r.blocks.find((b): b is Extract<Block, { type: "list" }> => b.type === "list");
        const para = r.blocks.find((b) => b.type === "paragraph");
        return {
          label: r.title,
          steps: list ? list.items.map((it) => it.text) : [],
          detail: para ? [para] : [],
          code: r.blocks
            .filter((b): b is Extract<Block, { type: "code" }> => b.type === "code")
            .map((b) => ({ lang: b.lang, code: b.code })),
        };
      }),
    });
  };

  const anySteps = sections.some((s) => s.kind === "steps");
  for (const s of sections) {
    const alt = (s as Section & { alternativesAt?: { run: Section[] } }).alternativesAt;
    if (consumed.has(s) && !alt) continue;
    const listless = !s.blocks.some((b) => b.type === "list" || b.type === "table");
    if (alt && listless) {
      // Its lead paragraph introduces the choice; it is the step's text, not a step of its own.
    } else if (s.kind === "steps" && !consumed.has(s)) collect(s, steps, "step");
    else if (s.kind === "warnings") collect(s, warnings, "warning");
    else if (s.kind === "escalation") collect(s, escalation, "escalation");
    // With action sections present, the lists of sections that are neither context nor actions
    // still count: a runbook's other lists are not dropped because one heading matched.
    else if (s.kind === "other" && anySteps) collect(s, steps, "step", { lists: "all", listsOnly: true });
    // A call-out in a context section is a standing warning, not lost with the context.
    if (s.kind === "context" || s.kind === "expectation" || (s.kind === "other" && anySteps)) {
      for (const b of s.blocks)
        if (b.type === "admonition" && CAUTION_KINDS.test(b.kind)) push(warnings, "warning", s, cautionText(b), []);
    }
    if (alt) alternativesStep(s, alt.run);
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
        if (b.type === "code") {
          // A command under a paragraph belongs to the step that paragraph became.
          const last = steps[steps.length - 1];
          if (last) last.code.push({ lang: b.lang, code: b.code });
          continue;
        }
        if (isCaution(b)) {
          const last = steps[steps.length - 1];
          if (last) last.cautions.push(cautionText(b));
          else push(warnings, "warning", s, cautionText(b), []);
          continue;
        }
        if (b.type !== "paragraph") continue;
        const keep: string[] = [];
        for (const sentence of sentencesOf(b.text)) {
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
  const bind = <T extends ChecklistItem>(
    items: T[],
    bindings: Record<string, unknown>,
    field: string,
    noun: string,
    set: (item: T, b: never) => void,
  ) => {
    for (const [key, b] of Object.entries(bindings)) {
      const item = items.find((it) => it.id === key || String(it.index) === key);
      if (item) set(item, b as never);
      else
        problems.push({
          file,
          field: `${field}.${key}`,
          message: `no ${noun} with {#${key}} or number ${key} (the runbook has ${items.length} ${noun}${items.length === 1 ? "" : "s"})`,
        });
    }
  };
  if (fm) {
    bind(steps, fm.steps, "steps", "step", (it: Step, b: StepBinding) => (it.binding = b));
    bind(
      escalation,
      fm.escalation,
      "escalation",
      "escalation criterion",
      (it: EscalationCriterion, b: EscalationBinding) => (it.binding = b),
    );
  }

  const severitySection = sections.find((s) => /^(?:severity|priority)\b|\bseverity$/.test(headingWords(s.title)));
  const severityText = severitySection ? blocksText(severitySection.blocks) : undefined;
  const severity =
    fm?.severity ??
    (severityText ? severityIn(severityText) : null) ??
    severityIn(title) ??
    severityIn(sections.map((s) => s.title).join(" "));
  const firstPara = sections[0]?.blocks.find((b) => b.type === "paragraph");
  const summary =
    fm?.summary ??
    fm?.description ??
    (firstPara && sections[0]!.kind !== "steps" ? plainText(firstPara.text) : undefined);
  const severityNote =
    fm?.severityNote ??
    (severityText && severityText.replace(/\s+/g, " ").trim() !== severity
      ? severityText.replace(/\s+/g, " ").trim()
      : undefined);

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
    extraFrontMatter: extraKeys(fm),
    sections,
    steps,
    warnings,
    escalation,
    ...(inferred ? { inferred } : {}),
    problems,
    text: [
      plainText(title),
      summary ?? "",
      ...sections.map((s) => `${plainText(s.title)}\n${blocksText(s.blocks)}`),
    ].join("\n"),
  };
}

export type { Block, ListItem };
