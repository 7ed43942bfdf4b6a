import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBlocks, parseInline } from "./markdown";
import { classifyHeading, parseRunbook } from "./parse";

// The parser over runbooks written in styles other than ours: it must still find the steps, the
// warnings and the escalation criteria.

const texts = (items: { text: string }[]) => items.map((i) => i.text);

describe("runbooks in different styles", () => {
  it("1. our own style with front matter, ids and bindings", () => {
    const r = parseRunbook(
      [
        "---",
        "title: Split-brain suspected",
        "severity: SEV1",
        'seed: "004"',
        "rules: [split_brain]",
        "systems: [spot-exchange]",
        "steps:",
        "  halt: { control: symbol-mode, params: { symbol: $symbol, mode: HARD_HALT } }",
        "  2: { check: { metric: leader_lease_holder, op: '==', value: 1 } }",
        "escalation:",
        "  always: { after: 0s }",
        "---",
        "# Ignored title",
        "",
        "## Signal",
        "- duplicate seq detected",
        "",
        "## Immediate actions",
        "1. Set the symbols to `HARD_HALT`. {#halt}",
        "2. Confirm one leader.",
        "",
        "## When to escalate",
        "- Always. {#always}",
        "",
        "## What NOT to do",
        "- Do not resume straight to NORMAL.",
      ].join("\n"),
      "split-brain",
    );
    expect(r.problems).toEqual([]);
    expect(r.title).toBe("Split-brain suspected");
    expect(r).toMatchObject({ severity: "SEV1", seed: "004", rules: ["split_brain"], hasFrontMatter: true });
    expect(r.steps.map((s) => [s.id, s.text])).toEqual([
      ["halt", "Set the symbols to `HARD_HALT`."],
      ["step-2", "Confirm one leader."],
    ]);
    expect(r.steps[0]!.binding).toEqual({ control: "symbol-mode", params: { symbol: "$symbol", mode: "HARD_HALT" } });
    expect(r.steps[1]!.binding?.check).toMatchObject({
      metric: "leader_lease_holder",
      op: "==",
      value: 1,
      entity: "*",
    });
    expect(r.escalation[0]).toMatchObject({ id: "always", text: "Always.", binding: { after: 0 } });
    expect(texts(r.warnings)).toEqual(["Do not resume straight to NORMAL."]);
    expect(r.sections.find((s) => s.title === "Signal")?.kind).toBe("context");
  });

  it("2. seed-002 style: numbered section headings, `Label:` lines, nested lists, no front matter", () => {
    const r = parseRunbook(
      [
        "## 2) Stale Pending Orders",
        "Trigger:",
        "- Orders remain `pending_new` beyond SLA.",
        "",
        "Severity:",
        "- `SEV-2` (escalate to `SEV-1` if exposure is uncertain).",
        "",
        "Immediate Actions:",
        "1. Check stale backlog via `/health`.",
        "2. Validate broker status.",
        "",
        "Bot Recovery:",
        "1. Allow `OrderStatusSyncService` to run:",
        "   - orders older than 24h become `unknown`.",
        "2. Review quarantined orders.",
        "",
        "Escalation Criteria:",
        "- Backlog > 20 for > 15 minutes.",
        "- Repeated stale growth across multiple profiles.",
      ].join("\n"),
      "stale",
    );
    expect(r.hasFrontMatter).toBe(false);
    expect(r.title).toBe("2) Stale Pending Orders");
    expect(r.severity).toBe("SEV2");
    expect(r.severityNote).toContain("SEV-1 if exposure is uncertain");
    expect(r.steps.map((s) => [s.section, s.text])).toEqual([
      ["Immediate Actions", "Check stale backlog via `/health`."],
      ["Immediate Actions", "Validate broker status."],
      ["Bot Recovery", "Allow `OrderStatusSyncService` to run:"],
      ["Bot Recovery", "Review quarantined orders."],
    ]);
    expect(r.steps[2]!.detail[0]).toMatchObject({
      type: "list",
      items: [{ text: "orders older than 24h become `unknown`." }],
    });
    expect(texts(r.escalation)).toEqual([
      "Backlog > 20 for > 15 minutes.",
      "Repeated stale growth across multiple profiles.",
    ]);
    expect(r.sections.find((s) => s.title === "Trigger")).toMatchObject({ kind: "context", level: 3 });
  });

  it("3. seed-004 style: bold pseudo-headings, `1)` numbering, code fences inside items, CRLF", () => {
    const src = [
      "# RUNBOOK",
      "",
      "### 3.1 Ledger invariant violation (SEV1)",
      "**Signal**",
      "- `invariant_violation_total > 0`",
      "",
      "**Immediate actions**",
      "1) **HALT withdrawals** (mandatory)",
      "2) Set affected symbols to `CANCEL_ONLY`",
      "   ```sh",
      "   curl -X POST /control/symbol-mode",
      "   ```",
      "3) Create forensic bundle:",
      "   - WAL segments + snapshots",
      "",
      "**Recovery**",
      "- If safe: replay settlement",
      "- Postmortem required",
    ].join("\r\n");
    const r = parseRunbook(src, "ledger");
    expect(r.title).toBe("RUNBOOK");
    expect(r.severity).toBe("SEV1");
    expect(texts(r.steps)).toEqual([
      "**HALT withdrawals** (mandatory)",
      "Set affected symbols to `CANCEL_ONLY`",
      "Create forensic bundle:",
      "If safe: replay settlement",
      "Postmortem required",
    ]);
    expect(r.steps[1]!.code).toEqual([{ lang: "sh", code: "curl -X POST /control/symbol-mode" }]);
    expect(r.sections.map((s) => [s.title, s.level, s.kind])).toEqual([
      ["3.1 Ledger invariant violation (SEV1)", 3, "other"],
      ["Signal", 4, "context"],
      ["Immediate actions", 4, "steps"],
      ["Recovery", 4, "steps"],
    ]);
    expect(r.text).not.toContain("\r");
  });

  it("4. setext headings, a table of actions, a blockquote warning and no front matter", () => {
    const r = parseRunbook(
      [
        "Kafka outage",
        "============",
        "",
        "Brokers are gone.",
        "",
        "Symptoms",
        "--------",
        "Producer errors and consumer lag.",
        "",
        "Procedure",
        "---------",
        "| # | action |",
        "|---|--------|",
        "| 1 | Keep the trading core running |",
        "| 2 | Pause analytics \\| sinks |",
        "",
        "Avoid",
        "-----",
        "> Never stop the trading core because Kafka is down.",
      ].join("\n"),
      "kafka",
    );
    expect(r.title).toBe("Kafka outage");
    expect(r.summary).toBe("Brokers are gone.");
    expect(texts(r.steps)).toEqual(["1 — Keep the trading core running", "2 — Pause analytics | sinks"]);
    expect(texts(r.warnings)).toEqual(["Never stop the trading core because Kafka is down."]);
    expect(r.sections.find((s) => s.title === "Symptoms")?.kind).toBe("context");
  });

  it("5. sub-headings without a role inherit their parent's; `*` and `+` bullets; indented code", () => {
    const r = parseRunbook(
      [
        "# Circuit breaker",
        "## Diagnosis",
        "### Check the exchange",
        "* Look at the Kraken status page",
        "+ Probe the API",
        "",
        "      curl https://api.example/health",
        "",
        "## Don't",
        "* restart in a loop",
        "## Escalation",
        "Page the on-call lead if the breaker keeps reopening.",
      ].join("\n"),
      "cb",
    );
    expect(r.sections.find((s) => s.title === "Check the exchange")?.kind).toBe("steps");
    expect(texts(r.steps)).toEqual(["Look at the Kraken status page", "Probe the API"]);
    expect(r.steps[1]!.code[0]?.code).toBe("curl https://api.example/health");
    expect(texts(r.warnings)).toEqual(["restart in a loop"]);
    expect(texts(r.escalation)).toEqual(["Page the on-call lead if the breaker keeps reopening."]);
  });

  it("6. prose only: one step per paragraph, don'ts become warnings, escalation sentences criteria", () => {
    const r = parseRunbook(
      [
        "When the margin alarm fires, look at the positions and check which one is over-leveraged. Reduce it.",
        "",
        "Wait for the system to recover by itself. Do not restart the service while margin is high. If it has not recovered in ten minutes, escalate to the desk lead.",
      ].join("\n"),
      "margin-prose",
    );
    expect(r.title).toBe("Margin prose");
    expect(r.inferred).toBe("prose");
    expect(texts(r.steps)).toEqual([
      "When the margin alarm fires, look at the positions and check which one is over-leveraged. Reduce it.",
      "Wait for the system to recover by itself.",
    ]);
    expect(texts(r.warnings)).toEqual(["Do not restart the service while margin is high."]);
    expect(texts(r.escalation)).toEqual(["If it has not recovered in ten minutes, escalate to the desk lead."]);
  });

  it("7. headings that say nothing: numbered lists anywhere become the steps", () => {
    const r = parseRunbook(
      ["# Thing", "## Part A", "- a note", "1. do one", "2. do two", "## Part B", "- another note"].join("\n"),
      "thing",
    );
    expect(r.inferred).toBe("lists");
    expect(texts(r.steps)).toEqual(["do one", "do two"]);
  });

  it("8. `Step N:` headings, trailing #s, lazy continuation lines and emphasis", () => {
    const r = parseRunbook(
      [
        "# Restore ##",
        "## Step 1: Verify backups",
        "1. Check PITR is ready",
        "and the last base backup is recent.",
        "## Step 2: Restore",
        "- Restore from _backup_",
      ].join("\n"),
      "restore",
    );
    expect(r.title).toBe("Restore");
    expect(texts(r.steps)).toEqual([
      "Check PITR is ready and the last base backup is recent.",
      "Restore from _backup_",
    ]);
    expect(parseInline("Restore from _backup_")).toEqual([
      { t: "text", v: "Restore from " },
      { t: "em", c: [{ t: "text", v: "backup" }] },
    ]);
  });
});

describe("front matter problems", () => {
  const body = "# T\n## Steps\n1. One {#one}\n## When to escalate\n- Late\n";
  it("names the file and the field, and still renders the Markdown as a plain checklist", () => {
    const r = parseRunbook(
      `---\nseverity: SEV9\nrules: [split_brain, no_such_rule]\nsteps:\n  one: { control: launch-rockets }\n  nine: { wait: { duration: 5m } }\nbogus: 1\n---\n${body}`,
      "bad",
      "runbooks/bad.md",
    );
    const named = r.problems.map((p) => `${p.file}: ${p.field ?? ""}: ${p.message}`);
    expect(named).toEqual(expect.arrayContaining([expect.stringMatching(/^runbooks\/bad\.md: severity: /)]));
    // Keys the console does not use are kept and ignored, never a problem.
    expect(named.some((n) => n.includes("bogus"))).toBe(false);
    expect(r.steps.map((s) => s.text)).toEqual(["One"]);
    expect(r.steps[0]!.binding).toBeUndefined();
    expect(texts(r.escalation)).toEqual(["Late"]);
  });

  it("reports unknown rules, unknown controls and bindings to steps that do not exist", () => {
    const r = parseRunbook(
      `---\nrules: [split_brain, no_such_rule]\nsteps:\n  one: { control: launch-rockets }\n---\n${body}`,
      "bad",
    );
    expect(r.problems.map((p) => p.field)).toEqual(["rules[1]", "steps.one.control"]);
    const r2 = parseRunbook(
      `---\nsteps:\n  nine: { wait: { duration: 5m } }\nescalation:\n  1: { after: 15m }\n---\n${body}`,
      "bad2",
    );
    expect(r2.problems).toEqual([
      {
        file: "runbooks/bad2.md",
        field: "steps.nine",
        message: "no step with {#nine} or number nine (the runbook has 1 step)",
      },
    ]);
    expect(r2.escalation[0]!.binding?.after).toBe(900_000);
  });

  it("reports YAML that does not parse and front matter that is not a mapping", () => {
    expect(parseRunbook(`---\nsteps: [unclosed\n---\n${body}`, "y").problems[0]!.message).toMatch(/not valid YAML/);
    expect(parseRunbook(`---\n- a\n---\n${body}`, "y").problems[0]!.message).toMatch(/mapping/);
    expect(parseRunbook(`---\n- a\n---\n${body}`, "y").steps).toHaveLength(1);
  });
});

describe("markdown details", () => {
  it("classifies headings by role", () => {
    expect(classifyHeading("Expected self-recovery")).toBe("expectation");
    expect(classifyHeading("What NOT to do")).toBe("warnings");
    expect(classifyHeading("When to escalate")).toBe("escalation");
    expect(classifyHeading("Metrics to check")).toBe("context");
    expect(classifyHeading("3) Immediate mitigation:")).toBe("steps");
    expect(classifyHeading("Routine operations")).toBe("other");
  });

  it("keeps a list going across blank lines and ends it at a different marker", () => {
    const blocks = parseBlocks("1. a\n\n2. b\n\n- c\n");
    expect(blocks.map((b) => b.type)).toEqual(["list", "list"]);
    expect(blocks[0]).toMatchObject({ ordered: true, items: [{ text: "a" }, { text: "b" }] });
  });

  it("treats an unclosed fence as code to the end and keeps its content verbatim", () => {
    expect(parseBlocks("```\n# not a heading\n- not a list")).toEqual([
      { type: "code", lang: "", code: "# not a heading\n- not a list" },
    ]);
  });

  it("property: never throws and always gives a title, on any input", () => {
    const md = fc
      .array(
        fc.constantFrom(
          "# H",
          "## Steps",
          "**Signal**",
          "Label:",
          "- item",
          "1) one",
          "  - nested",
          "```",
          "~~~",
          "| a | b |",
          "|---|---|",
          "> q",
          "---",
          "===",
          "",
          "text {#x}",
          "    code",
          "\r",
          "\t- tab",
        ),
        { maxLength: 40 },
      )
      .map((ls) => ls.join("\n"));
    fc.assert(
      fc.property(fc.oneof(md, fc.string()), (src) => {
        const r = parseRunbook(src, "p");
        expect(r.title.length).toBeGreaterThan(0);
        for (const s of r.steps) expect(typeof s.text).toBe("string");
      }),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });
});
