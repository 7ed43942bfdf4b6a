import "server-only";
import { requireRole, type Actor } from "../auth/roles";
import { NotFound } from "../errors";
import type { Severity } from "../rules/types";
import path from "node:path";
import { env } from "../env";
import { loadRunbooks, matchesQuery, rulesFor, seedFor, type LoadedRunbooks } from "./load";
import type { Runbook } from "./parse";

// Runbooks for the screens. Viewers and up may read them.

export interface RunbookSummary {
  slug: string;
  title: string;
  severity: Severity | null;
  severityNote?: string;
  seed?: string;
  summary?: string;
  rules: string[];
  steps: number;
  warnings: number;
  escalation: number;
  problems: number;
}

export interface RunbookList {
  runbooks: RunbookSummary[];
  total: number;
  query: string;
  missing: LoadedRunbooks["missing"];
  errors: LoadedRunbooks["errors"];
}

const SEV_ORDER = { SEV1: 0, SEV2: 1, SEV3: 2 } as const;

function summarise(r: Runbook): RunbookSummary {
  const seed = seedFor(r);
  return {
    slug: r.slug,
    title: r.title,
    severity: r.severity,
    ...(r.severityNote ? { severityNote: r.severityNote } : {}),
    ...(seed ? { seed } : {}),
    ...(r.summary ? { summary: r.summary } : {}),
    rules: rulesFor(r),
    steps: r.steps.length,
    warnings: r.warnings.length,
    escalation: r.escalation.length,
    problems: r.problems.length,
  };
}

export async function listRunbooks(actor: Actor | null, opts: { q?: string; dir?: string } = {}): Promise<RunbookList> {
  requireRole(actor, "viewer");
  const loaded = await loadRunbooks(opts.dir ?? runbookDir());
  const query = (opts.q ?? "").trim().slice(0, 200);
  const runbooks = loaded.runbooks
    .filter((r) => matchesQuery(r, query))
    .map(summarise)
    .sort(
      (a, b) =>
        (a.severity ? SEV_ORDER[a.severity] : 3) - (b.severity ? SEV_ORDER[b.severity] : 3) ||
        a.title.localeCompare(b.title),
    );
  return { runbooks, total: loaded.runbooks.length, query, missing: loaded.missing, errors: loaded.errors };
}

export async function getRunbook(
  actor: Actor | null,
  slug: string,
  opts: { dir?: string } = {},
): Promise<{ runbook: Runbook; rules: string[]; seed?: string }> {
  requireRole(actor, "viewer");
  const loaded = await loadRunbooks(opts.dir ?? runbookDir());
  const runbook = loaded.runbooks.find((r) => r.slug === slug);
  if (!runbook) throw new NotFound(`No runbook named "${slug}".`);
  const seed = seedFor(runbook);
  return { runbook, rules: rulesFor(runbook), ...(seed ? { seed } : {}) };
}

/** Does a runbook with this slug exist? (For the board's `?runbook=` links.) */
export async function runbookExists(actor: Actor | null, slug: string, opts: { dir?: string } = {}): Promise<boolean> {
  requireRole(actor, "viewer");
  const loaded = await loadRunbooks(opts.dir ?? runbookDir());
  return loaded.runbooks.some((r) => r.slug === slug);
}

/** The runbook directory from WATCHFLOOR_RUNBOOKS_DIR (default ./runbooks). */
function runbookDir(): string {
  return path.resolve(env().WATCHFLOOR_RUNBOOKS_DIR);
}
