import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunbook, type ChecklistItem, type Runbook } from "./parse";

// Runbooks written in other teams' house styles (lib/runbooks/fixtures/*.md), each with the
// checklist a responder must get from it, written by hand beside it (*.expected.json).

const DIR = path.join(import.meta.dirname, "fixtures");

interface ExpectedStep {
  section: string;
  text: string;
  cautions?: string[];
  code?: string[];
  alternatives?: Array<{ label: string; steps: string[] }>;
}
interface Expected {
  title: string;
  summary?: string;
  severity?: string;
  inferred?: string;
  extraFrontMatter?: string[];
  steps: ExpectedStep[];
  warnings: string[];
  escalation: string[];
}

function stepOf(s: ChecklistItem): ExpectedStep {
  const out: ExpectedStep = { section: s.section, text: s.text };
  if (s.cautions.length) out.cautions = s.cautions;
  if (s.code.length) out.code = s.code.map((c) => c.code);
  if (s.alternatives) out.alternatives = s.alternatives.map((a) => ({ label: a.label, steps: a.steps }));
  return out;
}

function checklist(r: Runbook, want: Expected): Expected {
  const got: Expected = {
    title: r.title,
    steps: r.steps.map(stepOf),
    warnings: r.warnings.map((w) => w.text),
    escalation: r.escalation.map((e) => e.text),
  };
  if (want.summary !== undefined) got.summary = r.summary;
  if (want.severity !== undefined) got.severity = r.severity ?? undefined;
  if (want.inferred !== undefined) got.inferred = r.inferred;
  if (want.extraFrontMatter !== undefined) got.extraFrontMatter = Object.keys(r.extraFrontMatter).sort();
  return got;
}

const names = readdirSync(DIR)
  .filter((n) => n.endsWith(".md"))
  .sort();

describe("runbooks in other teams' house styles", () => {
  it("has at least five house styles, each with its expected checklist", () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const n of names) expect(readdirSync(DIR)).toContain(n.replace(/\.md$/, ".expected.json"));
  });

  it.each(names)("%s gives the expected checklist, with no problems", (name) => {
    const slug = name.replace(/\.md$/, "");
    const r = parseRunbook(readFileSync(path.join(DIR, name), "utf8"), slug, `fixtures/${name}`);
    const want = JSON.parse(readFileSync(path.join(DIR, `${slug}.expected.json`), "utf8")) as Expected;
    expect(r.problems).toEqual([]);
    expect(checklist(r, want)).toEqual(want);
    // Nothing shows a template shortcode raw.
    expect(r.text).not.toMatch(/\{\{[<%]/);
  });
});
