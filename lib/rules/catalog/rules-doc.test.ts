import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "../index";

// docs/rules.md is the table of every rule against its runbook sentence. It must not go stale:
// every rule has a row, and the row names every parameter with its default value.

const doc = readFileSync(join(process.cwd(), "docs/rules.md"), "utf8");
const rows = new Map<string, string>();
for (const line of doc.split("\n")) {
  const m = /^\| `([a-z0-9_]+)` \|/.exec(line);
  if (m) rows.set(m[1]!, line);
}

describe("docs/rules.md", () => {
  it("has one row per rule and no row for a rule that does not exist", () => {
    expect(RULES.map((r) => r.id).filter((id) => !rows.has(id))).toEqual([]);
    const ids = new Set(RULES.map((r) => r.id));
    expect([...rows.keys()].filter((id) => !ids.has(id))).toEqual([]);
  });

  for (const rule of RULES) {
    it(`${rule.id}: quotes its runbook and names each parameter with its default`, () => {
      const row = rows.get(rule.id) ?? "";
      expect(row, "a quoted runbook sentence").toMatch(/"[^"]{8,}"/);
      for (const [name, value] of Object.entries(rule.defaults)) {
        expect(row, `${name} = ${String(value)}`).toContain(`\`${name}\` ${String(value)}`);
      }
    });
  }
});
