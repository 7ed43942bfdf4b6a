import { describe, expect, it } from "vitest";
import { budgetLines, comparisonRows, renderMarkdown, type BenchResults } from "./report";
import type { LighthouseResult } from "./lighthouse";
import type { AlertingResult } from "./alerting";
import type { NotifyChannelResult, NotifyResult } from "./notify";

function base(): BenchResults {
  return {
    date: "2026-12-02T00:00:00.000Z",
    machine: { cpus: 2, cpuModel: "test", memoryGiB: 1, os: "test", node: "v20", loadAverageAtStart: [0, 0, 0] },
    settings: {
      pollIntervalMs: 2000,
      changes: 2,
      viewers: [1000],
      autocannon: { connections: 1, seconds: 1 },
      collector: { targets: 1, intervalMs: 5000, seconds: 1 },
      ruleSeries: 1,
    },
    phaseSeconds: {},
    notMeasured: {},
  };
}

const run = (performance: number, accessibility: number) => ({
  performance,
  accessibility,
  fcpMs: 1,
  lcpMs: 2,
  tbtMs: 3,
  siMs: 4,
  a11yFailures: accessibility < 100 ? ["color-contrast"] : [],
  warnings: [],
});

function lighthouse(board: [number, number], status: [number, number]): LighthouseResult {
  const page = (name: string, [p, a]: [number, number]) => ({
    page: name,
    url: "http://127.0.0.1:1/",
    runs: [run(p, a)],
    median: { ...run(p, a) },
    seconds: 1,
  });
  return {
    version: "13",
    chrome: "/usr/bin/chromium",
    chromeFlags: "",
    runsPerPage: 1,
    pages: [page("board", board), page("status view", status)],
  };
}

describe("budget lines", () => {
  it("reports Lighthouse as not measured when the phase did not run", () => {
    const lines = budgetLines(base()).filter((l) => l.line.startsWith("Lighthouse"));
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.status === "not measured")).toBe(true);
  });

  it("meets performance at 95 and misses accessibility below 100, naming the failed audits", () => {
    const r = { ...base(), lighthouse: lighthouse([95, 100], [94, 98]) };
    const by = Object.fromEntries(budgetLines(r).map((l) => [l.line.replace(/ \(median.*$/, ""), l]));
    expect(by["Lighthouse mobile performance ≥ 95: board"]!.status).toBe("met");
    expect(by["Lighthouse mobile accessibility = 100: board"]!.status).toBe("met");
    expect(by["Lighthouse mobile performance ≥ 95: status view"]!.status).toBe("missed");
    const a11y = by["Lighthouse mobile accessibility = 100: status view"]!;
    expect(a11y.status).toBe("missed");
    expect(a11y.figure).toContain("color-contrast");
  });
});

describe("alerting comparison", () => {
  const alerting: AlertingResult = {
    settings: {
      name: "poll cadence",
      scrapeSeconds: 2,
      evaluationSeconds: 2,
      groupWaitSeconds: 0,
      groupIntervalSeconds: 1,
      repeatIntervalSeconds: 3600,
    },
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
    const latency = {
      pollIntervalMs: 2000,
      changes: 2,
      timeouts: 0,
      onset: { n: 1, p50: 900, p95: 900, max: 900 },
      recovery: { n: 1, p50: 1100, p95: 1100, max: 1100 },
      all: { n: 2, p50: 900, p95: 1100, max: 1100 },
      samplesMs: [],
    };
    const rows = comparisonRows({ ...base(), sourceToScreen: latency, alerting: [alerting] });
    expect(rows.map((r) => r.path)).toEqual([
      "Watchfloor: change → screen (board in Chromium)",
      "Prometheus + Alertmanager (poll cadence): change → webhook",
    ]);
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

describe("paging figures", () => {
  const sum = (p50: number, p95: number) => ({ n: 15, p50, p95, max: p95 });
  const channel = (
    path: string,
    direct: boolean,
    onsetP95: number,
    resolutionP95: number,
    allP95: number,
    missed = 0,
  ): NotifyChannelResult => ({
    channel: path,
    path,
    direct,
    onset: sum(900, onsetP95),
    resolution: sum(800, resolutionP95),
    all: { n: 30, p50: 850, p95: allP95, max: allP95 },
    missed,
    samplesMs: [],
  });
  const notify = (channels: NotifyChannelResult[]): NotifyResult => ({
    pollIntervalMs: 2000,
    bot: "alpha-bot",
    rule: "integrity_watchdog",
    changes: 30,
    timeoutMs: 14_000,
    notifyConfig: { channels: [] },
    alertmanager: { route: { receiver: "bench-webhook" }, amtool: "" },
    channels,
    received: {},
    seconds: 90,
  });

  it("checks only the direct channels against poll interval + 500 ms, naming the one that missed", () => {
    const r = {
      ...base(),
      notify: notify([
        channel("Watchfloor → Slack-compatible webhook", true, 2100, 1900, 2400),
        channel("Watchfloor → signed generic webhook", true, 2700, 2000, 2600, 1),
        channel("Watchfloor → Alertmanager → webhook", false, 9000, 9000, 9000),
      ]),
    };
    const lines = budgetLines(r).filter((l) => l.line.startsWith("Change → notification"));
    expect(lines).toHaveLength(2);
    expect(lines[0]!.line).toContain("Slack-compatible webhook");
    expect(lines[0]!.status).toBe("met");
    expect(lines[0]!.figure).toBe("2400 ms; onset p95 2100 ms, resolution p95 1900 ms, n=30");
    expect(lines[1]!.status).toBe("missed");
    expect(lines[1]!.figure).toBe(
      "2600 ms (missed by 100 ms); onset p95 2700 ms, resolution p95 2000 ms, n=30, 1 missed",
    );
  });

  it("reports one not-measured line when the phase did not run", () => {
    const lines = budgetLines({ ...base(), notMeasured: { "change → notification": "skipped by --skip" } }).filter(
      (l) => l.line.startsWith("Change → notification"),
    );
    expect(lines).toEqual([
      {
        line: "Change → notification p95, direct channels ≤ poll interval + 500 ms = 2500 ms",
        status: "not measured",
        figure: "—",
      },
    ]);
    expect(
      renderMarkdown({ ...base(), notMeasured: { "change → notification": "skipped by --skip" }, budget: [] }),
    ).toContain("## Paging: change → notification\n\nNot measured: skipped by --skip");
  });

  it("puts each paging path in the comparison and its table in the Markdown", () => {
    const r = {
      ...base(),
      notify: notify([
        channel("Watchfloor → Slack-compatible webhook", true, 2100, 1900, 2400),
        channel("Watchfloor → Alertmanager → webhook", false, 3100, 2900, 3100),
      ]),
      budget: [],
    };
    expect(comparisonRows(r).map((x) => x.path)).toEqual([
      "Watchfloor → Slack-compatible webhook (change → notification)",
      "Watchfloor → Alertmanager → webhook (change → notification)",
    ]);
    const md = renderMarkdown(r);
    expect(md).toContain(
      "| Watchfloor → Alertmanager → webhook | 15 | 900 / 3100 | 15 | 800 / 2900 | 850 / 3100 / 3100 | 0 |",
    );
    expect(md).toContain('route `{"receiver":"bench-webhook"}`');
  });
});
