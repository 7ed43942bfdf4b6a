import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TelemetryStore } from "../../collector/store";
import { RULES } from "../index";
import { UserRuleSet, builtInRuleIds, unexportedMetricWarnings } from "./index";
import { runRuleTestFile, expandValues } from "./rule-tests";
import { RulesFileError, formatProblem, parseDuration, parseRulesFile } from "./schema";
import { compileUserRule } from "./evaluate";

const GOOD = `rules:
  - id: disk_low
    type: threshold
    metric: node_filesystem_avail_bytes
    op: "<"
    value: 100
    for: 1m
    severity: SEV2
    summary: "{{target}} low: {{value | bytes}}"
    runbook: https://wiki.example/disk
`;

function problems(text: string): string[] {
  try {
    parseRulesFile(text, "rules.yaml", builtInRuleIds());
  } catch (e) {
    if (e instanceof RulesFileError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe("rules file validation", () => {
  it("accepts a good file", () => {
    expect(parseRulesFile(GOOD, "rules.yaml")).toHaveLength(1);
  });

  it("names file:line, rule and field for an unknown field", () => {
    const text = GOOD.replace("    for: 1m\n", "    for: 1m\n    fro: 2m\n");
    expect(problems(text)).toEqual(["rules.yaml:8: rule disk_low: fro: unknown field"]);
  });

  it("names a bad duration", () => {
    expect(problems(GOOD.replace("for: 1m", "for: 5 minutes"))).toEqual([
      'rules.yaml:7: rule disk_low: for: "5 minutes" is not a duration (e.g. 30s, 5m, 1h30m)',
    ]);
    expect(problems(GOOD.replace("for: 1m", "for: 5"))).toEqual([
      "rules.yaml:7: rule disk_low: for: 5 has no unit: write a duration such as 30s, 5m or 1h30m",
    ]);
  });

  it("names a duplicate id and a built-in rule's id", () => {
    const twice = GOOD + GOOD.replace("rules:\n", "");
    expect(problems(twice)).toEqual(["rules.yaml:11: rule disk_low: id: duplicate id (also rule #1)"]);
    expect(problems(GOOD.replace("id: disk_low", "id: telemetry_dark"))).toEqual([
      "rules.yaml:2: rule telemetry_dark: id: is the id of a built-in rule; pick another",
    ]);
  });

  it("names an unknown placeholder, a bad severity and a bad type", () => {
    expect(problems(GOOD.replace("{{value | bytes}}", "{{valu}}"))).toEqual([
      "rules.yaml:9: rule disk_low: summary: unknown placeholder {{valu}} (known: target, kind, entity, metric, value, threshold, op, for, window, count, cycles, age, rule, labels.<name>)",
    ]);
    expect(problems(GOOD.replace("SEV2", "SEV9"))[0]).toBe(
      "rules.yaml:8: rule disk_low: severity: must be one of SEV1, SEV2, SEV3",
    );
    expect(problems(GOOD.replace("type: threshold", "type: thresold"))[0]).toMatch(
      /^rules.yaml:3: rule disk_low: type: type must be one of threshold/,
    );
  });

  it("reports YAML syntax errors with their line", () => {
    expect(problems("rules:\n  - id: x\n    type: [unclosed\n")[0]).toMatch(/^rules.yaml:\d+: /);
  });

  it("parses durations", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("5 m")).toBeUndefined();
  });
});

describe("the rules file in force", () => {
  let dir: string;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("re-reads a changed file, keeps the last good rules on a bad edit and says so, recovers on a fix", () => {
    dir = mkdtempSync(path.join(tmpdir(), "wf-rules-"));
    const file = path.join(dir, "rules.yaml");
    writeFileSync(file, GOOD);
    let now = 1_000;
    const set = new UserRuleSet(file, () => now, 1000);
    set.loadOrThrow();
    expect(set.current().map((r) => r.id)).toEqual(["disk_low"]);

    writeFileSync(file, GOOD + GOOD.replace("rules:\n", "").replace("disk_low", "disk_very_low"));
    now += 1000;
    expect(set.current().map((r) => r.id)).toEqual(["disk_low", "disk_very_low"]);
    expect(set.status().rejected).toBeUndefined();

    writeFileSync(file, GOOD.replace("for: 1m", "for: soon"));
    now += 1000;
    expect(set.current().map((r) => r.id)).toEqual(["disk_low", "disk_very_low"]);
    expect(set.status().rejected?.problems).toEqual([
      `${file}:7: rule disk_low: for: "soon" is not a duration (e.g. 30s, 5m, 1h30m)`,
    ]);

    writeFileSync(file, GOOD.replace("value: 100", "value: 200"));
    now += 1000;
    expect(set.current().map((r) => r.id)).toEqual(["disk_low"]);
    expect(set.status()).toMatchObject({ present: true, count: 1 });
    expect(set.status().rejected).toBeUndefined();
  });

  it("refuses a bad file at start-up", () => {
    dir = mkdtempSync(path.join(tmpdir(), "wf-rules-"));
    const file = path.join(dir, "rules.yaml");
    writeFileSync(file, GOOD.replace('op: "<"', 'op: "<<"'));
    expect(() => new UserRuleSet(file).loadOrThrow()).toThrow(
      /rules.yaml:5: rule disk_low: op: must be one of > >= < <= == !=/,
    );
  });

  it("warns about a metric no target it applies to exports", () => {
    const specs = parseRulesFile(GOOD, "rules.yaml");
    const w = unexportedMetricWarnings(specs, [
      { name: "host-a", kind: "prometheus", metrics: new Set(["node_load1"]) },
      { name: "bot", kind: "trading-bot", metrics: new Set(["node_filesystem_avail_bytes"]) },
    ]);
    expect(w).toEqual([
      "rules.yaml:4: rule disk_low: no target it applies to (host-a) exports node_filesystem_avail_bytes",
    ]);
    expect(
      unexportedMetricWarnings(specs, [
        { name: "host-a", kind: "prometheus", metrics: new Set(["node_filesystem_avail_bytes"]) },
      ]),
    ).toEqual([]);
  });
});

describe("user rule evaluation", () => {
  const T = 1_700_000_000_000;
  function ctx(store: TelemetryStore, now: number, fresh: "ok" | "error" = "ok") {
    return {
      now,
      history: store,
      freshness: () => fresh,
      sourceProblem: () => (fresh === "ok" ? undefined : { source: "/metrics", kind: "http", detail: "HTTP 503" }),
      targets: [],
    };
  }
  const target = { name: "host-a", kind: "prometheus" as const, intervalMs: 15_000, thresholds: {} };

  it("fires a threshold only after `for`, and turns Unknown with the error's kind when the source fails", () => {
    const rule = compileUserRule(parseRulesFile(GOOD, "r.yaml")[0]!);
    const store = new TelemetryStore(3_600_000);
    for (let i = 0; i <= 8; i++)
      store.addSamples([
        {
          system: "host-a",
          entity: "*",
          metric: "node_filesystem_avail_bytes",
          labels: {},
          value: 50,
          observedAt: T + i * 15_000,
        },
      ]);
    const at = (n: number, fresh: "ok" | "error" = "ok") =>
      rule.evaluate(ctx(store, T + n * 15_000, fresh), target, { value: 100 });
    expect(at(3)[0]).toMatchObject({ state: "ok" }); // 45 s of 1 m
    expect(at(3)[0]!.summary).toContain("(pending)");
    expect(at(4)[0]).toMatchObject({ state: "critical", severity: "SEV2", summary: "host-a low: 50 B" });
    const down = at(5, "error")[0]!;
    expect(down.state).toBe("unknown");
    expect(down.summary).toContain("http: HTTP 503");
    // A per-target override of the value is honoured (fleet config thresholds).
    expect(rule.evaluate(ctx(store, T + 8 * 15_000), target, { value: 10 })[0]).toMatchObject({ state: "ok" });
  });
});

describe("rule tests (npm run rules -- test)", () => {
  let dir: string;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("expands promtool's notation", () => {
    expect(expandValues("1+2x3 _ 5x2 10-1x1")).toEqual([1, 3, 5, 7, undefined, 5, 5, 5, 10, 9]);
  });

  it("passes the shipped example tests", () => {
    const { results } = runRuleTestFile(path.resolve(__dirname, "../../../config/rules.example.test.yaml"));
    expect(results.filter((r) => !r.ok).map((r) => r.failures)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(8);
  });

  it("prints what was expected and what came when a test fails", () => {
    dir = mkdtempSync(path.join(tmpdir(), "wf-rules-"));
    writeFileSync(path.join(dir, "r.yaml"), GOOD);
    writeFileSync(
      path.join(dir, "t.yaml"),
      `rule_files: [r.yaml]
tests:
  - name: fires too early?
    interval: 15s
    input_series:
      - { series: node_filesystem_avail_bytes, values: "50x10" }
    expected_findings:
      - at: 30s
        findings: [{ rule: disk_low, severity: SEV2 }]
`,
    );
    const { results } = runRuleTestFile(path.join(dir, "t.yaml"));
    expect(results[0]!.ok).toBe(false);
    expect(results[0]!.failures.join("\n")).toBe(
      "  at 30s:\n    expected:\n      disk_low entity=* severity=SEV2\n    got:\n      (no findings)",
    );
  });

  it("every example rule id is free of the built-in catalog", () => {
    const text = readFileSync(path.resolve(__dirname, "../../../config/rules.example.yaml"), "utf8");
    const ids = parseRulesFile(text, "x").map((r) => r.id);
    for (const id of ids) expect(RULES.some((r) => r.id === id)).toBe(false);
  });
});

describe("the shipped rules file", () => {
  it("holds the example host rules as tested in config/rules.example.test.yaml", () => {
    const read = (f: string) => parseRulesFile(readFileSync(path.resolve(__dirname, "../../..", f), "utf8"), f);
    const shipped = read("config/rules.yaml");
    const examples = new Map(read("config/rules.example.yaml").map((r) => [r.id, r]));
    expect(shipped.map((r) => r.id)).toEqual([
      "host_filesystem_filling",
      "host_memory_low",
      "host_down",
      "host_clock_skew",
    ]);
    for (const r of shipped) expect(r).toEqual(examples.get(r.id));
  });
});
