import type { Finding } from "../rules/types";
import { fill, type StepBinding, type Vars } from "../runbooks/checks";
import type { AffectedEntity, ChecklistStepRun } from "./types";

// The incident room's pure parts: which profiles and symbols a finding names, the control links a
// step offers for them, which control request carries out a step, what resolving would leave
// open, and ok findings folded to one line per rule.

const SYMBOL_RE = /^[A-Z0-9]+([-/_.][A-Z0-9]+)+$/;
const PROFILE_RE = /^[a-z0-9]+(-[a-z0-9]+)+$/;

/**
 * The profiles and symbols a finding is about: the entities it carries (`entities`, as a list of
 * names or `{ kind, id }`, or as `{ symbols, profiles }`) and its own entity when that names a
 * profile or a symbol. A flag, a reason or the system itself ("*") is no entity to act on.
 */
export function findingEntities(
  f: Pick<Finding, "system" | "kind" | "entity">,
): Array<{ entity: string; kind: "profile" | "symbol" }> {
  const out = new Map<string, "profile" | "symbol">();
  const guess = (e: string): "profile" | "symbol" | undefined =>
    f.kind === "spot-exchange"
      ? SYMBOL_RE.test(e)
        ? "symbol"
        : undefined
      : f.kind === "trading-bot"
        ? PROFILE_RE.test(e)
          ? "profile"
          : undefined
        : SYMBOL_RE.test(e)
          ? "symbol"
          : undefined;
  const add = (e: unknown, kind?: unknown) => {
    if (typeof e !== "string" || !e.trim() || e === "*") return;
    const k = kind === "symbol" || kind === "profile" ? kind : guess(e.trim());
    if (k) out.set(e.trim(), k);
  };
  // The symbols or profiles the finding's signal names (Finding.affected, for a finding about the
  // whole system), then any other shape of entity list a finding may carry.
  const affected = (f as { affected?: unknown }).affected;
  if (Array.isArray(affected)) for (const e of affected) add(e);
  const carried = (f as { entities?: unknown }).entities;
  if (Array.isArray(carried)) {
    for (const c of carried) {
      if (typeof c === "string") add(c);
      else if (c && typeof c === "object") {
        const o = c as Record<string, unknown>;
        add(
          o.id ?? o.entity ?? o.name ?? o.symbol ?? o.profile ?? o.profileId,
          o.kind ?? (o.symbol ? "symbol" : o.profile || o.profileId ? "profile" : undefined),
        );
      }
    }
  } else if (carried && typeof carried === "object") {
    const o = carried as Record<string, unknown>;
    for (const e of Array.isArray(o.symbols) ? o.symbols : []) add(e, "symbol");
    for (const e of Array.isArray(o.profiles) ? o.profiles : []) add(e, "profile");
  }
  add(f.entity);
  return [...out.entries()].map(([entity, kind]) => ({ entity, kind }));
}

export interface RoomControlLink {
  name: string;
  href: string;
  /** The parameters the link fills in, as `k=v, k=v`. */
  params: string;
}

/** Findings in a good state, one line per rule however many entities it watches. */
export interface OkFindingGroup {
  ruleId: string;
  title: string;
  severity: string;
  entities: string[];
  findingIds: string[];
}

const PLACEHOLDER = /\$(profile|symbol|system)\b/;

/** "Put the affected symbols in CANCEL_ONLY; if you cannot tell which symbols, use a global SOFT_HALT." */
function runbookFallback(text: string): string | undefined {
  const m = /global\s+`?([A-Z_]+)`?/.exec(text);
  return m ? m[1] : undefined;
}

/**
 * The control links of a step: one per affected entity the control acts on, never with an empty
 * `symbol=$symbol`. When the incident names no such entity, one link without it and a note — with
 * the runbook's own fallback (a global SOFT_HALT) where the step states one.
 */
export function controlLinks(
  step: { text: string; binding?: Pick<StepBinding, "control" | "params"> },
  scope: AffectedEntity[],
  incidentId: string,
): { links: RoomControlLink[]; scopeNote?: string } {
  const b = step.binding;
  if (!b?.control) return { links: [] };
  const system = scope[0]?.system;
  const params = Object.entries(b.params ?? {});
  const needs = new Set(
    params.flatMap(([, v]) =>
      typeof v === "string" ? [...v.matchAll(/\$(profile|symbol)\b/g)].map((m) => m[1] as "profile" | "symbol") : [],
    ),
  );
  const link = (vars: Vars, extra: Record<string, string> = {}): RoomControlLink => {
    const q = new URLSearchParams();
    if (vars.system) {
      q.set("target", vars.system);
      q.set("system", vars.system);
    }
    q.set("control", b.control!);
    const shown: string[] = [];
    for (const [k, v] of params) {
      const val = typeof v === "string" ? fill(v, vars) : String(v);
      if (PLACEHOLDER.test(val)) continue;
      const final = extra[k] ?? val;
      q.set(k, final);
      shown.push(`${k}=${final}`);
    }
    for (const [k, v] of Object.entries(extra))
      if (!q.has(k)) {
        q.set(k, v);
        shown.push(`${k}=${v}`);
      }
    q.set("incident", incidentId);
    return { name: b.control!, href: `/controls?${q.toString()}`, params: shown.join(", ") };
  };
  if (needs.size === 0) return { links: [link({ ...(system ? { system } : {}) })] };
  const kind = needs.has("symbol") ? "symbol" : "profile";
  const entities = scope.filter((a) => a.kind === kind && a.entity !== "*");
  if (entities.length) return { links: entities.slice(0, 8).map((a) => link({ system: a.system, [kind]: a.entity })) };
  const fallback = kind === "symbol" ? runbookFallback(step.text) : undefined;
  if (fallback)
    return {
      links: [link({ ...(system ? { system } : {}) }, { mode: fallback, scope: "all" })],
      scopeNote: `scope unknown — runbook fallback: global ${fallback}`,
    };
  return {
    links: [link({ ...(system ? { system } : {}) })],
    scopeNote: `scope unknown — no ${kind} is named yet; choose the ${kind} on the control form`,
  };
}

/** Does a control request carry out this step's binding? Placeholders the incident cannot fill match any value. */
export function requestMatches(
  b: Pick<StepBinding, "control" | "params">,
  vars: Vars,
  r: { control: string; params: unknown },
  stepText?: string,
): boolean {
  if (b.control !== r.control) return false;
  const got = (r.params ?? {}) as Record<string, unknown>;
  // The runbook's exchange-wide fallback ("if you cannot tell which symbols, use a global
  // SOFT_HALT") carries out the step too: it is what the room offers when the scope is unknown.
  if (got.scope === "all" && stepText !== undefined && runbookFallback(stepText) === got.mode) return true;
  return Object.entries(b.params ?? {}).every(([k, v]) => {
    const want = typeof v === "string" ? fill(v, vars) : String(v);
    if (PLACEHOLDER.test(want)) return true;
    return String(got[k]) === want;
  });
}

/** Text cut at a word boundary near `max` characters, with an ellipsis when cut. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max / 2)).replace(/[\s,;:—-]+$/, "")}…`;
}

/** What resolving would leave behind: open checklist steps and findings that still fire. */
export function resolveBlockersOf(
  steps: Array<Pick<ChecklistStepRun, "index" | "text" | "done">>,
  open: Array<Pick<Finding, "title" | "system" | "entity" | "state" | "severity">>,
): string[] {
  const out: string[] = [];
  const left = steps.filter((s) => !s.done);
  if (left.length) {
    const names = left
      .slice(0, 6)
      .map((s) => `${s.index}. ${shorten(s.text.replace(/\s+/g, " ").replace(/\.$/, ""), 80)}`);
    out.push(
      `${left.length} of ${steps.length} checklist step${steps.length === 1 ? "" : "s"} ${left.length === 1 ? "is" : "are"} not done: ${names.join("; ")}${left.length > names.length ? `; and ${left.length - names.length} more` : ""}`,
    );
  }
  const firing = open
    .filter((f) => f.state === "critical" || f.state === "warning")
    .sort((a, b) => a.severity.localeCompare(b.severity));
  if (firing.length) {
    const names = firing
      .slice(0, 4)
      .map((f) => `${f.severity} ${f.title} on ${f.system}${f.entity === "*" ? "" : ` ${f.entity}`}`);
    out.push(
      `${firing.length} finding${firing.length === 1 ? "" : "s"} on the affected entities still fire${firing.length === 1 ? "s" : ""}: ${names.join("; ")}${firing.length > names.length ? `; and ${firing.length - names.length} more` : ""}`,
    );
  }
  return out;
}

/** Ok findings grouped by rule: "Split-brain suspected — ok on 9 symbols", not nine lines. */
export function groupOkFindings(findings: Finding[]): OkFindingGroup[] {
  const groups = new Map<string, OkFindingGroup>();
  for (const f of findings) {
    if (f.state !== "ok") continue;
    const key = `${f.ruleId}|${f.system}`;
    let g = groups.get(key);
    if (!g)
      groups.set(key, (g = { ruleId: f.ruleId, title: f.title, severity: f.severity, entities: [], findingIds: [] }));
    if (!g.findingIds.includes(f.id)) {
      g.findingIds.push(f.id);
      g.entities.push(f.entity === "*" ? f.system : `${f.system} ${f.entity}`);
    }
  }
  return [...groups.values()].sort((a, b) => a.severity.localeCompare(b.severity) || a.title.localeCompare(b.title));
}
