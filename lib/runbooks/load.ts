import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { RULES } from "../rules";
import { RUNBOOKS, type RunbookSlug } from "../rules/runbooks";
import { parseRunbook, type Runbook } from "./parse";

// Reads runbook files from a directory. Every `.md` file but the README is a runbook named by its
// file name; a file that cannot be read is reported, not thrown.

export const DEFAULT_RUNBOOK_DIR = path.join(process.cwd(), "runbooks");

const SLUG = /^[a-z0-9][a-z0-9._-]*$/i;

export interface LoadedRunbooks {
  runbooks: Runbook[];
  /** Slugs the rules point at that have no file. */
  missing: RunbookSlug[];
  /** Files that could not be read. */
  errors: { file: string; message: string }[];
}

/** How problems name a file: relative to the working directory when it is inside it. */
function displayName(dir: string, name: string): string {
  const rel = path.relative(process.cwd(), path.join(dir, name));
  return rel.startsWith("..") ? path.join(dir, name) : rel.split(path.sep).join("/");
}

export async function loadRunbooks(dir: string = DEFAULT_RUNBOOK_DIR): Promise<LoadedRunbooks> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(
      (n) => n.toLowerCase().endsWith(".md") && n.toLowerCase() !== "readme.md" && SLUG.test(n.slice(0, -3)),
    );
  } catch (err) {
    return {
      runbooks: [],
      missing: Object.keys(RUNBOOKS) as RunbookSlug[],
      errors: [{ file: dir, message: `cannot read the runbook directory: ${(err as Error).message}` }],
    };
  }
  const runbooks: Runbook[] = [];
  const errors: LoadedRunbooks["errors"] = [];
  for (const name of names.sort()) {
    const file = displayName(dir, name);
    try {
      runbooks.push(parseRunbook(await readFile(path.join(dir, name), "utf8"), name.slice(0, -3), file));
    } catch (err) {
      errors.push({ file, message: (err as Error).message });
    }
  }
  const have = new Set(runbooks.map((r) => r.slug));
  const missing = (Object.keys(RUNBOOKS) as RunbookSlug[]).filter((s) => !have.has(s));
  return { runbooks, missing, errors };
}

/** Rule ids that handle a runbook: those its front matter names plus those whose findings point at it. */
export function rulesFor(r: Pick<Runbook, "slug" | "rules">): string[] {
  const fromCatalog = RULES.filter((rule) => rule.runbook === r.slug).map((rule) => rule.id);
  return [...new Set([...r.rules, ...fromCatalog])];
}

/** Seed of a runbook: front matter, else the slug table. */
export function seedFor(r: Pick<Runbook, "slug" | "seed">): string | undefined {
  return r.seed ?? (RUNBOOKS as Record<string, { seed: string }>)[r.slug]?.seed;
}

/** Case-insensitive match of every word of the query against title, rules and text. */
export function matchesQuery(r: Runbook, q: string): boolean {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = `${r.title}\n${r.slug}\n${rulesFor(r).join(" ")}\n${r.text}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}
