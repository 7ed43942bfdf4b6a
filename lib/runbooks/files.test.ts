import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../rules/runbooks";
import { RULES } from "../rules";
import { loadRunbooks, matchesQuery, rulesFor } from "./load";
import { parseRunbook } from "./parse";

// Watchfloor's own runbooks: one file per slug the findings point at, each a usable checklist.

const DIR = path.join(__dirname, "..", "..", "runbooks");
// Playbooks whose seed states no escalation criteria or what-not-to-do are still written with them
// where the seed's facts support it; these are the ones the seeds require.
const SEED_HAS_DONTS = ["capital-invariant-violation", "reconciliation-divergence", "registry-audit-failure"];
const SEED_HAS_ESCALATION = [
  "capital-invariant-violation",
  "reconciliation-divergence",
  "stale-pending-orders",
  "registry-audit-failure",
  "orphan-phantom-spike",
  "persistent-qty-mismatch",
];

describe("runbooks/ files", () => {
  for (const slug of Object.keys(RUNBOOKS)) {
    it(`${slug}.md parses into a checklist without problems`, () => {
      const r = parseRunbook(readFileSync(path.join(DIR, `${slug}.md`), "utf8"), slug);
      expect(r.problems).toEqual([]);
      expect(r.inferred).toBeUndefined();
      expect(r.steps.length).toBeGreaterThan(0);
      expect(r.severity).not.toBeNull();
      if (SEED_HAS_DONTS.includes(slug)) expect(r.warnings.length).toBeGreaterThan(0);
      if (SEED_HAS_ESCALATION.includes(slug)) expect(r.escalation.length).toBeGreaterThan(0);
      // Every rule that points at this runbook is named in its front matter.
      const pointing = RULES.filter((rule) => rule.runbook === slug).map((rule) => rule.id);
      expect(r.rules).toEqual(expect.arrayContaining(pointing));
    });
  }

  it("every runbook has a warning and escalation criteria (ours always state them)", async () => {
    const { runbooks, missing, errors } = await loadRunbooks(DIR);
    expect(missing).toEqual([]);
    expect(errors).toEqual([]);
    const lacking = runbooks
      .filter((r) => !r.warnings.length || (!r.escalation.length && r.slug !== "ghost-position"))
      .map((r) => r.slug);
    expect(lacking).toEqual([]);
  });

  it("binds the capital invariant runbook to its control, live checks and escalation countdown", () => {
    const r = parseRunbook(
      readFileSync(path.join(DIR, "capital-invariant-violation.md"), "utf8"),
      "capital-invariant-violation",
    );
    expect(r.steps.find((s) => s.id === "reconcile")?.binding).toEqual({
      control: "trigger-reconciliation",
      params: { profileId: "$profile" },
    });
    expect(r.steps.find((s) => s.id === "cleared")?.binding?.check).toMatchObject({
      metric: "capitalInvariantViolations",
      entity: "$profile",
      op: "==",
      value: 0,
    });
    expect(r.escalation.find((e) => e.id === "persists")?.binding).toMatchObject({ after: 900_000, afterCycles: 3 });
  });

  it("search matches title, step text and rule ids", async () => {
    const { runbooks } = await loadRunbooks(DIR);
    const hits = (q: string) => runbooks.filter((r) => matchesQuery(r, q)).map((r) => r.slug);
    expect(hits("split-brain")).toEqual(["split-brain"]);
    expect(hits("HARD_HALT")).toContain("split-brain");
    expect(hits("ws_slow_consumer")).toEqual(["ws-fanout-overload"]);
    expect(hits("no-such-words-anywhere")).toEqual([]);
    expect(rulesFor({ slug: "kafka-outage", rules: [] })).toEqual(["kafka_outage"]);
  });

  it("a missing directory is reported, not thrown", async () => {
    const l = await loadRunbooks(path.join(DIR, "does-not-exist"));
    expect(l.runbooks).toEqual([]);
    expect(l.errors[0]?.message).toMatch(/cannot read/);
    expect(l.missing.length).toBe(Object.keys(RUNBOOKS).length);
  });
});
