import { describe, expect, it } from "vitest";
import { budgetLines, comparisonRows, renderMarkdown, type BenchResults } from "./report";
import type { LighthouseResult } from "./lighthouse";
import type { AlertingResult } from "./alerting";

function base(): BenchResults {
  return {
    date: "2026-12-02T00:00:00.000Z",
    machine: { cpus: 2, cpuModel: "test", memoryGiB: 1, os: "test", node: "v20", loadAverageAtStart: [0, 0, 0] },
    settings: { pollIntervalMs: 2000, changes: 2, viewers: [1000], autocannon: { connections: 1, seconds: 1 }, collector: { targets: 1, intervalMs: 5000, seconds: 1 }, ruleSeries: 1 },
    phaseSeconds: {},
    notMeasured: {},
  };
}

const run = (performance: number, accessibility: number) => ({ performance, accessibility, fcpMs: 1, lcpMs: 2, tbtMs: 3, siMs: 4, a11yFailures: accessibility < 100 ? ["color-contrast"] : [], warnings: [] });

function lighthouse(board: [number, number], status: [number, number]): LighthouseResult {
  const page = (name: string, [p, a]: [number, number]) => ({ page: name, url: "http://127.0.0.1:1/", runs: [run(p, a)], median: { ...run(p, a) }, seconds: 1 });
  return { version: "13", chrome: "/usr/bin/chromium", chromeFlags: "", runsPerPage: 1, pages: [page("board", board), page("status view", status)] };
}

describe("budget lines", () => {
  it("reports Lighthouse as not measured when the phase did not run", () => {
    const lines = budgetLines(base()).filter((l) => l.line.startsWith("Lighthouse"));
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.status === "not measured")).toBe(true);
  });

  it("meets performance at 90 and misses accessibility below 100, naming the failed audits", () => {
    const r = { ...base(), lighthouse: lighthouse([90, 100], [89, 98]) };
    const by = Object.fromEntries(budgetLines(r).map((l) => [l.line.replace(/ \(median.*$/, ""), l]));
    expect(by["Lighthouse mobile performance ≥ 90: board"]!.status).toBe("met");
    expect(by["Lighthouse mobile accessibility = 100: board"]!.status).toBe("met");
    expect(by["Lighthouse mobile performance ≥ 90: status view"]!.status).toBe("missed");
    const a11y = by["Lighthouse mobile accessibility = 100: status view"]!;
    expect(a11y.status).toBe("missed");
    expect(a11y.figure).toContain("color-contrast");
  });
});

describe("alerting comparison", () => {
  const alerting: AlertingResult = {
    settings: { name: "poll cadence", scrapeSeconds: 2, evaluationSeconds: 2, groupWaitSeconds: 0, groupIntervalSeconds: 1, repeatIntervalSeconds: 3600 },
    bot: "alpha-bot",
    rule: "groups: []\n",
    route: {},
    promtool: "",
    amtool: "",
    changes: 2,
    timeouts: 0,
    onset: { n: 1, p50: 3000, p95: 3000, max: 3000 },
    resolution: { n: 1, p50: 2500, p95: 2500, max: 2500 },
    samplesMs: [],
    notifications: 2,
    seconds: 10,
  };

  it("puts Watchfloor's change → screen first and each alerting run after it", () => {
    const latency = { pollIntervalMs: 2000, changes: 2, timeouts: 0, onset: { n: 1, p50: 900, p95: 900, max: 900 }, recovery: { n: 1, p50: 1100, p95: 1100, max: 1100 }, all: { n: 2, p50: 900, p95: 1100, max: 1100 }, samplesMs: [] };
    const rows = comparisonRows({ ...base(), sourceToScreen: latency, alerting: [alerting] });
    expect(rows.map((r) => r.path)).toEqual(["Watchfloor: change → screen (board in Chromium)", "Prometheus + Alertmanager (poll cadence): change → webhook"]);
    expect(rows[1]!.onset.p95).toBe(3000);
    expect(rows[0]!.resolution.p95).toBe(1100);
  });

  it("writes the comparison table and the rule into the Markdown", () => {
    const md = renderMarkdown({ ...base(), alerting: [alerting], budget: [] });
    expect(md).toContain("## Alerting: Watchfloor beside Prometheus + Alertmanager");
    expect(md).toContain("| Prometheus + Alertmanager (poll cadence): change → webhook |");
    expect(md).toContain("groups: []");
  });
});
