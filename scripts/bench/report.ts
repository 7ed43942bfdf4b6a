// The benchmark's results, the budget lines from the design (met / missed by how much) and the
// Markdown written beside the JSON.
import { PARSER_BUDGET_MB_S, type ParserResult } from "./parser";
import { INGEST_BUDGET_LINES_S, type IngestResult } from "./ingest";
import type { FaultPollResult } from "./fault-polls";
import type { LatencyResult } from "./latency";
import type { ViewerResult } from "./viewers";
import type { CannonFigures } from "./http";
import type { RouteJs } from "./bundle";
import type { AlertingResult, AlertingSettings } from "./alerting";
import { WATCHDOG_METRIC } from "./alerting";
import type { LighthouseResult } from "./lighthouse";
import type { NotifyResult } from "./notify";

/** The step-up's pass mark: delivery p99 at or under this, with no errors. */
export const VIEWER_STEP_P99_MS = 250;

export interface ViewerStepUp {
  steps: number[];
  largestPassing: number | null;
  /** The first count that failed or could not be tried (null: every step passed). */
  stoppedAt: number | null;
  stopReason: string;
  openFileLimit: number;
}

export type { ExportersResult } from "./exporters-types";
import type { ExportersResult } from "./exporters-types";

export interface CollectorResult {
  /** Polling and parsing alone (no history writes, no rule evaluation). */
  pollingOnly: {
    windowSeconds: number;
    pollsInWindow: number;
    expectedPolls: number;
    cpuPercentOfOneCore: number;
    cpuMsPerCycle: number;
  };
  /** Polling, parsing and the history writes, no rule evaluation (absent in older results). */
  withHistory?: CollectorResult["pollingOnly"];
  targets: number;
  windowRequestedSeconds: number;
  intervalMs: number;
  windowSeconds: number;
  pollsInWindow: number;
  expectedPolls: number;
  cpuPercentOfOneCore: number;
  cpuMsPerCycle: number;
  cpuMsPerPoll: number | null;
  rssMiB: number;
  totalSeries: number;
  /** Error lines the collector logged during the run (failed polls or history writes). */
  errorLogLines?: number;
  firstErrorLogLine?: string;
  rules: { series: number; targets: number; findings: number; runs: number; p50Ms: number; maxMs: number };
}

export interface BenchResults {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    os: string;
    node: string;
    loadAverageAtStart: number[];
  };
  settings: {
    pollIntervalMs: number;
    changes: number;
    viewers: number[];
    autocannon: { connections: number; seconds: number };
    collector: { targets: number; intervalMs: number; seconds: number };
    ruleSeries: number;
    alerting?: { changes: number; productionChanges: number; fast: AlertingSettings; production: AlertingSettings };
    notifyChanges?: number;
    lighthouseRuns?: number;
    quick?: boolean;
    maxMinutes?: number;
  };
  /** Wall time of each phase, in seconds. */
  phaseSeconds: Record<string, number>;
  sourceToScreen?: LatencyResult;
  viewers?: ViewerResult[];
  viewerStepUp?: ViewerStepUp;
  /** Two console instances on one PostgreSQL (leader and follower), the viewers split between them. */
  instances?: {
    count: number;
    viewers: ViewerResult;
    rssMiBPerInstance: number[];
    noViewerCpuPercentOfOneCore?: number;
  };
  lighthouse?: LighthouseResult;
  alerting?: AlertingResult[];
  /** Change at the source → notification at Watchfloor's channels (bench phase "notify"). */
  notify?: NotifyResult;
  boardApi?: {
    staticFile: CannonFigures;
    board: CannonFigures;
    status?: CannonFigures;
    health: CannonFigures;
    ratio: number;
    statusRatio?: number;
  };
  firstLoadJs?: RouteJs[];
  collector?: CollectorResult;
  /** Generic exporter targets and rules of your own (bench phase "exporters"). */
  exporters?: ExportersResult;
  parser?: ParserResult;
  /** Lines per second through each log-shipper receiver (bench phase "ingest"). */
  ingest?: IngestResult;
  faultPolls?: FaultPollResult;
  notMeasured: Record<string, string>;
  durationSeconds?: number;
  budget?: BudgetLine[];
}

export interface BudgetLine {
  line: string;
  status: "met" | "missed" | "not measured";
  figure: string;
}

function check(
  line: string,
  value: number | undefined,
  limit: number,
  unit: string,
  higherIsBetter = false,
  fmt = (v: number) => String(v),
): BudgetLine {
  if (value === undefined || Number.isNaN(value)) return { line, status: "not measured", figure: "—" };
  const ok = higherIsBetter ? value >= limit : value <= limit;
  const by = Math.abs(value - limit);
  const u = unit ? ` ${unit}` : "";
  return {
    line,
    status: ok ? "met" : "missed",
    figure: `${fmt(value)}${u}${ok ? "" : ` (missed by ${fmt(Math.round(by * 100) / 100)}${u})`}`,
  };
}

export function budgetLines(r: BenchResults): BudgetLine[] {
  const out: BudgetLine[] = [];
  const poll = r.settings.pollIntervalMs;
  const s = r.sourceToScreen;
  const limit = poll + 500;
  out.push(check(`Source → screen p95 (onset) ≤ poll interval + 500 ms = ${limit} ms`, s?.onset.p95, limit, "ms"));
  out.push(check(`Source → screen p95 (recovery) ≤ ${limit} ms`, s?.recovery.p95, limit, "ms"));
  // Paging, direct channels only (Alertmanager's own grouping sits between Watchfloor and its receivers).
  const direct = r.notify?.channels.filter((c) => c.direct) ?? [];
  if (!direct.length)
    out.push(
      check(
        `Change → notification p95, direct channels ≤ poll interval + 500 ms = ${limit} ms`,
        undefined,
        limit,
        "ms",
      ),
    );
  for (const c of direct) {
    const line = check(
      `Change → notification p95 (${c.path.replace(/^Watchfloor → /, "")}, onset and resolution) ≤ poll interval + 500 ms = ${limit} ms`,
      c.all.p95,
      limit,
      "ms",
    );
    if (line.status !== "not measured")
      line.figure += `; onset p95 ${fms(c.onset.p95)}, resolution p95 ${fms(c.resolution.p95)}, n=${c.all.n}${c.missed ? `, ${c.missed} missed` : ""}`;
    out.push(line);
  }
  const v1000 = r.viewers?.find((v) => v.viewers === 1000) ?? r.viewers?.[0];
  const n = v1000?.viewers ?? 1000;
  out.push(check(`${n} viewers: connection errors = 0`, v1000?.errorCount, 0, "errors"));
  out.push(check(`${n} viewers: p99 change → delivery ≤ 500 ms`, v1000?.deliveryMs.p99, 500, "ms"));
  out.push(
    check(
      `${n} viewers: server RSS ≤ 600 MB`,
      v1000 ? Math.round(v1000.serverRssMiB.peak * 1.048576) : undefined,
      600,
      "MB",
    ),
  );
  out.push(
    check(
      `${n} viewers: upstream polls per target per interval do not grow with viewers (≤ no-viewer figure${v1000 ? ` ${v1000.baselinePolls.max}` : ""} + 0.1)`,
      v1000?.polls.max,
      (v1000?.baselinePolls.max ?? 1) + 0.1,
      "polls/interval",
    ),
  );
  // The scale budgets: 5,000 live viewers on one server.
  const v5000 = r.viewers?.find((v) => v.viewers === 5000);
  out.push(check("5000 viewers: connection errors = 0", v5000?.errorCount, 0, "errors"));
  out.push(check("5000 viewers: p99 change → delivery ≤ 250 ms", v5000?.deliveryMs.p99, 250, "ms"));
  out.push(check("5000 viewers: server RSS ≤ 1 GiB", v5000?.serverRssMiB.peak, 1024, "MiB"));
  out.push(
    check(
      `5000 viewers: upstream polls per target per interval do not grow with viewers (≤ no-viewer figure${v5000 ? ` ${v5000.baselinePolls.max}` : ""} + 0.1)`,
      v5000?.polls.max,
      (v5000?.baselinePolls.max ?? 1) + 0.1,
      "polls/interval",
    ),
  );
  out.push(
    check(
      "Board API ≥ 70% of the static file's throughput",
      r.boardApi ? Math.round(r.boardApi.ratio * 1000) / 10 : undefined,
      70,
      "%",
      true,
    ),
  );
  out.push(
    check(
      "Status API ≥ 70% of the static file's throughput",
      r.boardApi?.statusRatio !== undefined ? Math.round(r.boardApi.statusRatio * 1000) / 10 : undefined,
      70,
      "%",
      true,
    ),
  );
  const js = (route: string) => r.firstLoadJs?.find((x) => x.route === route)?.gzipKiB;
  out.push(check("Board first-load JS ≤ 150 KB gzip (KB = 1024 bytes)", js("/"), 150, "KiB"));
  out.push(check("Status view first-load JS ≤ 130 KB gzip (KB = 1024 bytes)", js("/status/[token]"), 130, "KiB"));
  const col = check(
    `Collector ≤ 10% of one core for ${r.settings.collector.targets} targets at ${r.settings.collector.intervalMs / 1000} s (full runtime: polling, history, rules)`,
    r.collector?.cpuPercentOfOneCore,
    10,
    "% of one core",
  );
  if (r.collector) {
    col.figure += `; polling and parsing alone ${r.collector.pollingOnly.cpuPercentOfOneCore}%`;
    if (r.collector.withHistory)
      col.figure += `, with the history writes ${r.collector.withHistory.cpuPercentOfOneCore}%`;
  }
  out.push(col);
  const prom = r.parser?.modes.find((m) => m.mode === "prometheus");
  const om = r.parser?.modes.find((m) => m.mode === "openmetrics");
  const parser = check(
    `Metrics parser ≥ ${PARSER_BUDGET_MB_S} MB/s of CPU time for a 50,000-line 0.0.4 exposition`,
    prom?.mbPerSecond,
    PARSER_BUDGET_MB_S,
    "MB/s",
    true,
  );
  if (om) parser.figure += `; OpenMetrics with its semantic checks ${om.mbPerSecond} MB/s`;
  out.push(parser);
  for (const name of ["Elasticsearch bulk", "Loki push (protobuf + snappy)", "Loki push (JSON)"]) {
    const x = r.ingest?.receivers.find((y) => y.receiver === name);
    // Per second of the bench process's CPU time, as the parser's budget: one core, whatever else
    // the machine is running (older results carry only the wall-clock figure).
    const ingest = check(
      `Ingest ≥ ${INGEST_BUDGET_LINES_S.toLocaleString("en")} lines/s of CPU time through ${name} (1 KB lines, batches of 500, to stored, one core)`,
      x?.linesPerCpuSecond ?? x?.linesPerSecond,
      INGEST_BUDGET_LINES_S,
      "lines/s",
      true,
    );
    if (x) ingest.figure += `; ${x.linesPerSecond.toLocaleString("en")} lines/s of wall time`;
    out.push(ingest);
  }
  const fp = r.faultPolls;
  const faults = check(
    `A poll under any simulator fault ends within its timeout + 700 ms${fp ? ` (${fp.timeoutMs} ms timeout)` : ""}`,
    fp?.worstMs,
    (fp?.timeoutMs ?? 300) + 700,
    "ms",
  );
  out.push(faults);
  for (const page of ["board", "status view"]) {
    const lh = r.lighthouse?.pages.find((p) => p.page === page);
    const n = lh ? ` (median of ${lh.runs.filter((x) => !x.error).length})` : "";
    out.push(check(`Lighthouse mobile performance ≥ 95: ${page}${n}`, lh?.median.performance, 95, "", true));
    const a11y = check(`Lighthouse mobile accessibility = 100: ${page}${n}`, lh?.median.accessibility, 100, "", true);
    if (lh?.median.a11yFailures.length) a11y.figure += `; failed audits: ${lh.median.a11yFailures.join(", ")}`;
    out.push(a11y);
  }
  return out;
}

const f = (v: number | undefined | null) => (v === undefined || v === null || Number.isNaN(v) ? "—" : String(v));
const fms = (v: number | undefined | null) => (f(v) === "—" ? "—" : `${v} ms`);

export interface ComparisonRow {
  path: string;
  settings: string;
  onset: { n: number; p50: number; p95: number };
  resolution: { n: number; p50: number; p95: number };
  note: string;
}

/** Watchfloor's change → screen beside Prometheus + Alertmanager's change → notification. */
export function comparisonRows(r: BenchResults): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const s = r.sourceToScreen;
  if (s)
    rows.push({
      path: "Watchfloor: change → screen (board in Chromium)",
      settings: `poll ${s.pollIntervalMs / 1000} s`,
      onset: s.onset,
      resolution: s.recovery,
      note: `${s.changes} changes${s.timeouts ? `, ${s.timeouts} timed out` : ""}`,
    });
  for (const c of r.notify?.channels ?? []) {
    rows.push({
      path: `${c.path} (change → notification)`,
      settings: `poll ${r.notify!.pollIntervalMs / 1000} s${c.direct ? "" : ", Alertmanager group_wait 0 s, group_interval 1 s"}`,
      onset: c.onset,
      resolution: c.resolution,
      note: `${r.notify!.changes} changes${c.missed ? `, ${c.missed} without a notification` : ""}`,
    });
  }
  for (const a of r.alerting ?? []) {
    const t = a.settings;
    rows.push({
      path: `Prometheus + Alertmanager (${t.name}): change → webhook`,
      settings: `scrape ${t.scrapeSeconds} s, evaluation ${t.evaluationSeconds} s, group_wait ${t.groupWaitSeconds} s, group_interval ${t.groupIntervalSeconds} s`,
      onset: a.onset,
      resolution: a.resolution,
      note: `${a.changes} change${a.changes === 1 ? "" : "s"}${a.timeouts ? `, ${a.timeouts} without a notification` : ""}`,
    });
  }
  return rows;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const L: string[] = [];
  L.push(`# Watchfloor benchmark — ${r.date}`);
  L.push("");
  L.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverageAtStart.join(" / ")} (shared machine). Run took ${f(r.durationSeconds)} s${r.settings.quick ? " (--quick)" : ""}. Everything on loopback; the simulated fleet runs in the bench process, the SSE clients and autocannon in processes of their own.`,
  );
  L.push("");
  L.push("## Budget");
  L.push("");
  L.push("| budget line | status | figure |");
  L.push("|---|---|---|");
  for (const b of r.budget ?? []) L.push(`| ${b.line} | ${b.status} | ${b.figure} |`);
  L.push("");
  const s = r.sourceToScreen;
  L.push("## Source → screen");
  L.push("");
  if (s) {
    L.push(
      `A simulated trading bot's integrity watchdog is paused or resumed directly in the simulator (timestamped when made); an open board in headless Chromium records, with a MutationObserver, when the SEV2 finding appears or leaves. Poll interval ${s.pollIntervalMs} ms; changes land at a random phase of the poll cycle; ${s.changes} changes, ${s.timeouts} timed out (15 s).`,
    );
    L.push("");
    L.push("| change | n | p50 ms | p95 ms | max ms |");
    L.push("|---|---|---|---|---|");
    for (const [k, v] of [
      ["onset", s.onset],
      ["recovery", s.recovery],
      ["all", s.all],
    ] as const)
      L.push(`| ${k} | ${v.n} | ${f(v.p50)} | ${f(v.p95)} | ${f(v.max)} |`);
  } else L.push(`Not measured: ${r.notMeasured["source → screen"] ?? "—"}`);
  L.push("");
  const two = r.instances;
  if (two) {
    const v = two.viewers;
    L.push(`## ${two.count} instances on one PostgreSQL`);
    L.push("");
    L.push(
      `${two.count} console instances on this machine share a PostgreSQL 15 (started for the run): the first holds the collector lock (polls, evaluates, pages), the others follow, their board feeds driven by the leader's change messages over LISTEN/NOTIFY. ${v.viewers} live streams, split evenly, from one client process per instance.`,
    );
    L.push("");
    L.push(
      "| viewers | connected | errors | delivery p50 / p99 / max ms | change → client p50 / p99 ms (missed) | servers' CPU (% of one core, all instances) | RSS per instance at the end MiB | polls per target per interval |",
    );
    L.push("|---|---|---|---|---|---|---|---|");
    L.push(
      `| ${v.viewers} | ${v.connected} | ${v.errorCount} | ${v.deliveryMs.p50} / ${v.deliveryMs.p99} / ${v.deliveryMs.max} | ${v.changeToClientMs.p50} / ${v.changeToClientMs.p99} (${v.changeToClientMs.missed}) | ${v.serverCpuPercentOfOneCore} (${two.noViewerCpuPercentOfOneCore ?? "?"} with no viewers) | ${two.rssMiBPerInstance.join(" + ")} | ${v.polls.max} |`,
    );
    L.push("");
  }
  L.push("## Viewers (live board streams)");
  L.push("");
  if (r.viewers?.length) {
    L.push(
      "Each viewer is a signed-in `GET /api/stream` held open by a separate process on loopback. Delivery = receipt − the snapshot's `generatedAt` for every board event in the measuring window; change → client = receipt − the moment the change was made at the source (includes waiting for the next poll). CPU and RSS are the production server's (`node server.mjs`), from /proc.",
    );
    L.push("");
    L.push(
      "| viewers | connected | errors | delivery p50 / p99 / max ms | change → client p50 / p99 ms | server CPU (% of one core) | server RSS start / peak MiB | client CPU (% of one core) | client event-loop delay p99 / max ms | polls per target per interval (no viewers) |",
    );
    L.push("|---|---|---|---|---|---|---|---|---|---|");
    for (const v of r.viewers)
      L.push(
        `| ${v.viewers} | ${v.connected} | ${v.errorCount}${v.errorCount ? ` ${JSON.stringify(v.errors)}` : ""} | ${f(v.deliveryMs.p50)} / ${f(v.deliveryMs.p99)} / ${f(v.deliveryMs.max)} | ${f(v.changeToClientMs.p50)} / ${f(v.changeToClientMs.p99)} | ${v.serverCpuPercentOfOneCore} | ${v.serverRssMiB.start} / ${v.serverRssMiB.peak} | ${f(v.clientCpuPercentOfOneCore)} | ${f(v.clientLoopDelayMs?.p99)} / ${f(v.clientLoopDelayMs?.max)} | ${v.polls.max} (${v.baselinePolls.max}) |`,
      );
    const idle = r.viewers[0]!.baselinePolls.serverCpuPercentOfOneCore;
    if (idle !== undefined)
      L.push(
        "",
        `With no viewers, over ${r.viewers[0]!.baselinePolls.windowSeconds} s just before the first step, the server took ${idle}% of one core (collector, evaluator, board feed and everything else it runs): the viewers' own share is the difference.`,
      );
    const st = r.viewerStepUp;
    L.push("");
    if (st) {
      L.push(
        `Step-up (${st.steps.join(", ")}; stop at the first step with an error or delivery p99 over ${VIEWER_STEP_P99_MS} ms): largest count holding p99 ≤ ${VIEWER_STEP_P99_MS} ms with no errors: **${st.largestPassing ?? "none"}**; stopped: ${st.stopReason}. Open-file limit (ulimit -n, inherited by the client process and the server): ${st.openFileLimit}.`,
      );
      const last = r.viewers[r.viewers.length - 1]!;
      if (st.stoppedAt === last.viewers && st.largestPassing !== last.viewers) {
        const loop = last.clientLoopDelayMs;
        // The client timestamps receipts, so its own event-loop lateness sits inside the delivery figure.
        const clientBound = !!loop && (loop.max >= last.deliveryMs.p99 / 2 || loop.p99 >= last.deliveryMs.p99 / 4);
        L.push("");
        L.push(
          clientBound
            ? `At ${last.viewers} the client process's own event loop ran late (p99 ${loop.p99} ms, max ${loop.max} ms; CPU ${f(last.clientCpuPercentOfOneCore)}% of one core) by a good part of the delivery p99 (${last.deliveryMs.p99} ms): the client, on the same machine, is part of the bottleneck, and the server alone would do better.`
            : `At ${last.viewers} the client process's own lateness (event-loop delay p99 ${f(loop?.p99)} ms, max ${f(loop?.max)} ms; CPU ${f(last.clientCpuPercentOfOneCore)}% of one core) explains only a small part of the delivery p99 (${last.deliveryMs.p99} ms): the rest is the server's, or the shared machine's.`,
        );
      }
    } else {
      const ok = r.viewers
        .filter((v) => v.errorCount === 0 && v.deliveryMs.p99 <= VIEWER_STEP_P99_MS)
        .map((v) => v.viewers);
      L.push(
        `Largest count holding p99 ≤ ${VIEWER_STEP_P99_MS} ms with no errors in this run: ${ok.length ? Math.max(...ok) : "none"} (counts tried: ${r.viewers.map((v) => v.viewers).join(", ")}).`,
      );
    }
  } else L.push(`Not measured: ${r.notMeasured.viewers ?? "—"}`);
  L.push("");
  L.push("## Alerting: Watchfloor beside Prometheus + Alertmanager");
  L.push("");
  const rows = comparisonRows(r);
  if (r.alerting?.length) {
    const a0 = r.alerting[0]!;
    L.push(
      `The same change at the simulated source: a trading bot's integrity watchdog pauses trading (onset) or resumes it (resolution), made directly in the simulator and timestamped. Watchfloor's \`integrity_watchdog\` rule reads the bot's health document (\`reconciliationIntegrityWatchdogTriggered\`); Prometheus scrapes the same bot's /metrics, where the gauge \`${WATCHDOG_METRIC}\` follows the same state, and evaluates the alerting rule below (no \`for:\`, as Watchfloor's rule also reports on the first poll that shows the pause). Alertmanager (route below, \`send_resolved: true\`) posts to a webhook receiver in the bench process, which timestamps each notification. Each change lands at a random phase of the scrape cycle once the previous change's notification has arrived. Configuration generated into temporary directories and checked with \`promtool check config\` and \`amtool check-config\`.`,
    );
    L.push("");
    L.push(
      `The rule file (shown for the ${a0.settings.name} run; the group's \`interval\` is each run's evaluation interval):`,
    );
    L.push("");
    L.push("```yaml");
    L.push(a0.rule.trimEnd());
    L.push("```");
    L.push("");
    L.push("| path | settings | onset n | onset p50 / p95 ms | resolution n | resolution p50 / p95 ms | notes |");
    L.push("|---|---|---|---|---|---|---|");
    for (const row of rows)
      L.push(
        `| ${row.path} | ${row.settings} | ${row.onset.n} | ${f(row.onset.p50)} / ${f(row.onset.p95)} | ${row.resolution.n} | ${f(row.resolution.p50)} / ${f(row.resolution.p95)} | ${row.note} |`,
      );
    L.push("");
    for (const a of r.alerting) {
      L.push(
        `- **${a.settings.name}** (${a.bot}, ${a.seconds} s): Alertmanager route \`${JSON.stringify(a.route)}\`; ${a.changes} change(s), ${a.notifications} notification(s) received.${a.settings.name === "production defaults" ? " Run in the background beside the other phases on a second copy of the bot, in a fleet Watchfloor does not watch; group_wait 30 s, group_interval 5 min and repeat_interval 12 h are kube-prometheus-stack's Alertmanager defaults. A resolution is sent only at the group's next group_interval tick after the firing notification, so it depends on how long the condition lasted; few changes, so p95 is the maximum." : ""}`,
      );
    }
  } else
    L.push(
      `Not measured: ${
        Object.entries(r.notMeasured)
          .filter(([k]) => k.startsWith("Prometheus"))
          .map(([k, v]) => `${k}: ${v}`)
          .join("; ") || "—"
      }`,
    );
  L.push("");
  L.push("## Paging: change → notification");
  L.push("");
  const nt = r.notify;
  if (nt) {
    L.push(
      `The same watchdog change on ${nt.bot}, timed until Watchfloor's own paging arrives. The console under test ran with the notify config below: its channels post to a local receiver in the bench process (a Slack-compatible incoming webhook and the signed generic webhook, the direct channels), and its Alertmanager channel posts to a real Alertmanager that routes to a webhook on the same receiver${"route" in nt.alertmanager ? ` (route \`${JSON.stringify(nt.alertmanager.route)}\`, \`send_resolved: true\`)` : ` (not measured: ${nt.alertmanager.notMeasured})`}. The receiver timestamps each request when it has read it. Poll interval ${nt.pollIntervalMs} ms; changes land at a random phase of the poll cycle once every channel has reported the previous one; ${nt.changes} changes; a notification not there ${nt.timeoutMs} ms after its change counts as missed.`,
    );
    L.push("");
    L.push(
      "| path | onset n | onset p50 / p95 ms | resolution n | resolution p50 / p95 ms | all p50 / p95 / max ms | missed |",
    );
    L.push("|---|---|---|---|---|---|---|");
    for (const c of nt.channels)
      L.push(
        `| ${c.path} | ${c.onset.n} | ${f(c.onset.p50)} / ${f(c.onset.p95)} | ${c.resolution.n} | ${f(c.resolution.p50)} / ${f(c.resolution.p95)} | ${f(c.all.p50)} / ${f(c.all.p95)} / ${f(c.all.max)} | ${c.missed} |`,
      );
    L.push("");
    L.push("```json");
    L.push(JSON.stringify({ notify: nt.notifyConfig }));
    L.push("```");
  } else L.push(`Not measured: ${r.notMeasured["change → notification"] ?? "—"}`);
  L.push("");
  L.push("## Lighthouse (mobile)");
  L.push("");
  if (r.lighthouse) {
    const lh = r.lighthouse;
    L.push(
      `Lighthouse ${lh.version}, its default mobile form factor and simulated throttling, categories performance and accessibility, Chromium at \`${lh.chrome}\` with \`${lh.chromeFlags}\`; ${lh.runsPerPage} run(s) per page, each a CLI process of its own; figures are the median of the runs, metric by metric. The board is loaded as the signed-in viewer (session cookie as an extra header); the status view through a whole-board share link a commander created.`,
    );
    L.push("");
    L.push(
      "| page | runs | performance | accessibility | FCP ms | LCP ms | TBT ms | SI ms | failed accessibility audits |",
    );
    L.push("|---|---|---|---|---|---|---|---|---|");
    for (const p of lh.pages) {
      const errs = p.runs.filter((x) => x.error).length;
      L.push(
        `| ${p.page} (\`${p.url.replace(/^https?:\/\/[^/]+/, "")}\`) | ${p.runs.length - errs}${errs ? ` (+${errs} failed)` : ""} | ${f(p.median.performance)} | ${f(p.median.accessibility)} | ${f(p.median.fcpMs)} | ${f(p.median.lcpMs)} | ${f(p.median.tbtMs)} | ${f(p.median.siMs)} | ${p.median.a11yFailures.join(", ") || "none"} |`,
      );
    }
    const errors = lh.pages.flatMap((p) => p.runs.filter((x) => x.error).map((x) => `${p.page}: ${x.error}`));
    if (errors.length) {
      L.push("");
      for (const e of errors) L.push(`- ${e}`);
    }
  } else L.push(`Not measured: ${r.notMeasured["Lighthouse mobile (board, status view)"] ?? "—"}`);
  L.push("");
  L.push("## Board API vs static file");
  L.push("");
  if (r.boardApi) {
    const b = r.boardApi;
    L.push(
      `autocannon 9, ${b.board.connections} connections, ${b.board.seconds} s each, one after the other in the same run, same server.`,
    );
    L.push("");
    L.push("| url | req/s | p50 ms | p99 ms | non-2xx | errors | bytes/response |");
    L.push("|---|---|---|---|---|---|---|");
    for (const c of [b.staticFile, b.board, ...(b.status ? [b.status] : []), b.health])
      L.push(
        `| ${decodeURI(new URL(c.url).pathname)} | ${c.requestsPerSecond} | ${c.latencyMs.p50} | ${c.latencyMs.p99} | ${c.non2xx} | ${c.errors} | ${c.bytesPerRequest} |`,
      );
    L.push("");
    L.push(
      `Ratio board / static: ${b.ratio}${b.statusRatio !== undefined ? `; status API / static: ${b.statusRatio}` : ""}. The board and status APIs are answered by the live edge in front of Next (lib/live/edge.ts); the static file and \`/api/health/live\` (a route handler without a session check, shown for comparison) go through Next's handler. The status token is shown as <token>.`,
    );
  } else L.push(`Not measured: ${r.notMeasured["board API"] ?? "—"}`);
  L.push("");
  L.push("## First-load JavaScript per route (gzip)");
  L.push("");
  if (r.firstLoadJs) {
    L.push(
      "Root main files plus the chunks in the route's client reference manifest (layouts, boundaries, page), gzipped at zlib's default level.",
    );
    L.push("");
    L.push("| route | gzip KiB | raw KiB | chunks |");
    L.push("|---|---|---|---|");
    for (const x of r.firstLoadJs) L.push(`| \`${x.route}\` | ${x.gzipKiB} | ${x.rawKiB} | ${x.chunks} |`);
  } else L.push(`Not measured: ${r.notMeasured["first-load JS"] ?? "—"}`);
  L.push("");
  L.push("## Log-shipper ingest");
  L.push("");
  if (r.ingest) {
    L.push(
      `Each receiver's handler called in a process of its own (body decode, line parse, reports and per-source counts written in one transaction to the ${r.ingest.database ?? "embedded database in memory"}), ${r.ingest.batchLines}-line batches of ${r.ingest.lineBytes}-byte futures-bot lines, every line new.`,
    );
    L.push("");
    L.push("| receiver | lines/s of CPU time | lines/s of wall time | median batch |");
    L.push("|---|---|---|---|");
    for (const x of r.ingest.receivers)
      L.push(
        `| ${x.receiver} | ${x.linesPerCpuSecond?.toLocaleString("en") ?? "—"} | ${x.linesPerSecond.toLocaleString("en")} | ${x.medianBatchMs} ms |`,
      );
  } else L.push(`Not measured: ${r.notMeasured["log-shipper ingest throughput"] ?? "—"}`);
  L.push("");
  L.push("## Collector cost and rule evaluation");
  L.push("");
  if (r.collector) {
    const c = r.collector;
    L.push(
      `The server's collector runtime (polling, parsing, history into the embedded database, rule evaluation, findings) in a process of its own, against ${c.targets} targets on the simulated fleet at ${c.intervalMs / 1000} s.`,
    );
    L.push("");
    L.push(
      `- Polling and parsing alone (no history, no rules): ${c.pollingOnly.cpuPercentOfOneCore}% of one core, ${c.pollingOnly.cpuMsPerCycle} ms CPU per cycle (${c.pollingOnly.pollsInWindow} polls in ${c.pollingOnly.windowSeconds} s, ${c.pollingOnly.expectedPolls} expected).`,
    );
    if (c.withHistory)
      L.push(
        `- Polling, parsing and history writes (batched into the embedded database on disk; no rules): ${c.withHistory.cpuPercentOfOneCore}% of one core, ${c.withHistory.cpuMsPerCycle} ms CPU per cycle (${c.withHistory.pollsInWindow} polls in ${c.withHistory.windowSeconds} s, ${c.withHistory.expectedPolls} expected). The full runtime's remainder is the evaluator's (rules, findings).`,
      );
    L.push(
      `- Full runtime: ${c.cpuPercentOfOneCore}% of one core; ${c.cpuMsPerCycle} ms CPU per poll cycle; ${f(c.cpuMsPerPoll)} ms per target poll (${c.pollsInWindow} polls in ${c.windowSeconds} s — a ${c.windowRequestedSeconds} s timer, late when the event loop is busy — ${c.expectedPolls} expected); RSS ${c.rssMiB} MiB; ${c.totalSeries} series held.${c.errorLogLines ? ` The collector logged ${c.errorLogLines} error lines (first: \`${c.firstErrorLogLine}\`).` : ""}`,
    );
    L.push(
      `- Rule evaluation: every rule over ${c.rules.series} series (${c.rules.targets} targets' collected telemetry): p50 ${c.rules.p50Ms} ms, max ${c.rules.maxMs} ms over ${c.rules.runs} runs (${c.rules.findings} findings).`,
    );
  } else L.push(`Not measured: ${r.notMeasured["collector cost"] ?? "—"}`);
  L.push("");
  L.push("## Any exporter: generic targets and rules of your own");
  L.push("");
  if (r.exporters) {
    const e = r.exporters;
    L.push(
      `The collector against ${e.targets} generic \`prometheus\` targets serving node_exporter-sized expositions (${e.seriesPerTarget} series each, served by another process) at ${e.intervalMs / 1000} s${e.simulatedTargets ? `, beside ${e.simulatedTargets} simulated targets at ${e.simulatedIntervalMs / 1000} s` : ""}, in a process of its own.`,
    );
    L.push("");
    L.push(
      `- Polling and parsing alone: ${e.pollingOnly.cpuPercentOfOneCore}% of one core (${e.pollingOnly.polls} polls in ${e.pollingOnly.windowSeconds} s, ${e.pollingOnly.expectedPolls} expected).`,
    );
    L.push(
      `- Full runtime (history, catalog and ${e.rules.userRules} rules of your own, findings): ${e.runtime.cpuPercentOfOneCore}% of one core (${e.runtime.polls} polls in ${e.runtime.windowSeconds} s, ${e.runtime.expectedPolls} expected); RSS ${e.runtime.rssMiB} MiB; ${e.runtime.totalSeries} series held.`,
    );
    L.push(
      `- Rule evaluation with ${e.rules.userRules} rules of your own loaded (each applying to a group of ten hosts, ${e.rules.userRulesPerTarget} per host) beside the ${e.rules.catalogRules} built-in rules, over ${e.rules.series} series of ${e.rules.targets} targets: p50 ${e.rules.p50Ms} ms, max ${e.rules.maxMs} ms over ${e.rules.runs} runs (${e.rules.findings} findings).`,
    );
  } else L.push(`Not measured: ${r.notMeasured["exporters"] ?? "—"}`);
  L.push("");
  if (r.phaseSeconds && Object.keys(r.phaseSeconds).length) {
    L.push("## Run time per phase");
    L.push("");
    L.push(
      Object.entries(r.phaseSeconds)
        .map(([k, v]) => `${k} ${v} s`)
        .join("; ") + ".",
    );
    L.push("");
  }
  L.push("## Not measured");
  L.push("");
  for (const [k, why] of Object.entries(r.notMeasured)) L.push(`- ${k}: ${why}`);
  L.push("");
  return L.join("\n");
}
