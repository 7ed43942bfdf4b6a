// `npm run bench`: builds the production server if needed, starts it with the simulated fleet on
// loopback, measures the performance budget (docs: /README.md "Benchmarks") and writes the figures
// to bench/results/latest.json and latest.md. Bounded: every phase checks a deadline, and every
// process it starts is stopped before it exits.
import { fork } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadSimFleetConfig, startFleet, type Fleet } from "../lib/sim";
import { buildIfNeeded, startBenchServer, type BenchServer } from "./bench/server";
import { measureSourceToScreen, WATCHDOG_BOT, type LatencyResult } from "./bench/latency";
import { measurePollBaseline, measureViewers, type ViewerResult } from "./bench/viewers";
import { rssMiB } from "./bench/proc";
import { createDatabase, startTestPostgres } from "../lib/testing/postgres";
import { measureBoardApi } from "./bench/http";
import { firstLoadJs, type RouteJs } from "./bench/bundle";
import { measureAlerting, type AlertingResult, type AlertingSettings } from "./bench/alerting";
import { measureLighthouse } from "./bench/lighthouse";
import { measureNotify, startNotifyRig, type NotifyRig } from "./bench/notify";
import { measureParser } from "./bench/parser";
import { measureFaultPolls } from "./bench/fault-polls";
import type { IngestResult } from "./bench/ingest";
import {
  budgetLines,
  comparisonRows,
  renderMarkdown,
  VIEWER_STEP_P99_MS,
  type BenchResults,
  type CollectorResult,
  type ExportersResult,
  type ViewerStepUp,
} from "./bench/report";

const PHASES = [
  "parser",
  "ingest",
  "fault-polls",
  "latency",
  "viewers",
  "lighthouse",
  "http",
  "bundle",
  "collector",
  "exporters",
  "alerting",
  "notify",
  "alerting-prod",
  "instances",
] as const;

// Defaults, and the smaller ones `--quick` takes (a flag given explicitly wins over both).
const DEFAULTS = {
  port: "3500",
  "poll-interval": "2000",
  changes: "50",
  viewers: "1000,2000,5000,10000",
  "viewer-changes": "8",
  connections: "20",
  "cannon-seconds": "8",
  "collector-targets": "200",
  "collector-interval": "5000",
  "collector-seconds": "30",
  "rule-series": "10000",
  "exporter-targets": "200",
  "exporter-interval": "15000",
  "exporter-seconds": "30",
  "user-rules": "500",
  "alerting-changes": "30",
  "alerting-prod-changes": "2",
  "notify-changes": "30",
  "alerting-ports": "19090-19099",
  "lighthouse-runs": "3",
  "instance-viewers": "5000",
  "instance-count": "2",
  skip: "",
  "max-minutes": "15",
  out: "bench/results",
};
const QUICK: Partial<typeof DEFAULTS> = {
  changes: "10",
  viewers: "1000,2000",
  "viewer-changes": "4",
  "cannon-seconds": "4",
  "collector-seconds": "10",
  "exporter-seconds": "10",
  "alerting-changes": "6",
  "alerting-prod-changes": "1",
  "notify-changes": "10",
  "lighthouse-runs": "1",
  "instance-viewers": "2000",
  "max-minutes": "10",
};
type Key = keyof typeof DEFAULTS;

const { values: given } = parseArgs({
  options: {
    ...(Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, { type: "string" }])) as Record<
      Key,
      { type: "string" }
    >),
    quick: { type: "boolean", default: false },
    rebuild: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
const flags = Object.fromEntries(
  (Object.keys(DEFAULTS) as Key[]).map((k) => [
    k,
    (given[k] as string | undefined) ?? (given.quick ? QUICK[k] : undefined) ?? DEFAULTS[k],
  ]),
) as Record<Key, string>;

if (given.help) {
  console.log(`npm run bench -- [--quick] [--port 3500] [--poll-interval 2000] [--changes 50] [--viewers 1000,2000,5000,10000]
  [--viewer-changes 8] [--connections 20] [--cannon-seconds 8] [--collector-targets 200]
  [--collector-interval 5000] [--collector-seconds 30] [--rule-series 10000]
  [--exporter-targets 200] [--exporter-interval 15000] [--exporter-seconds 30] [--user-rules 500]
  [--alerting-changes 30] [--alerting-prod-changes 2] [--notify-changes 30] [--alerting-ports 19090-19099] [--lighthouse-runs 3]
  [--instance-viewers 5000] [--instance-count 2]
  [--skip ${PHASES.join(",")}] [--max-minutes 15] [--out bench/results] [--rebuild]

--quick: ${Object.entries(QUICK)
    .map(([k, v]) => `--${k} ${v}`)
    .join(" ")}`);
  process.exit(0);
}

const root = process.cwd();
const started = Date.now();
const deadline = started + Number(flags["max-minutes"]) * 60_000 - 20_000;
const skip = new Set(flags.skip.split(",").filter(Boolean));
const num = (k: Key) => Number(flags[k]);

function machine() {
  let distro = os.type();
  try {
    const rel = readFileSync("/etc/os-release", "utf8");
    distro = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel)?.[1] ?? distro;
  } catch {
    /* not Linux */
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: distro,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The ingest phase, in a process of its own (its own embedded database and fleet config). */
function runIngest(): Promise<IngestResult> {
  const child = fork(path.join(__dirname, "bench/ingest.ts"), [], {
    execArgv: ["--conditions=react-server", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise<IngestResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("ingest benchmark did not finish in time"));
    }, 180_000);
    child.on("message", (m) => {
      clearTimeout(timer);
      resolve(m as IngestResult);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`ingest benchmark exited with ${code}`));
    });
  });
}

function runCollectorCost(server: BenchServer): Promise<CollectorResult> {
  const input = {
    systems: server.fleet.systems.map((s) => ({ name: s.name, kind: s.kind, url: s.url, credential: s.credential })),
    targets: num("collector-targets"),
    intervalMs: num("collector-interval"),
    warmupMs: Math.max(2 * num("collector-interval"), 8000),
    windowMs: num("collector-seconds") * 1000,
    ruleSeries: num("rule-series"),
  };
  const child = fork(path.join(__dirname, "bench/collector-cost.ts"), [JSON.stringify(input)], {
    execArgv: [
      "--conditions=react-server",
      "--import",
      "tsx",
      ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  // The collector logs each failed poll or history write; count them instead of printing them.
  const logged = { lines: 0, first: "" };
  let tail = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    tail += chunk;
    const lines = tail.split("\n");
    tail = lines.pop() ?? "";
    for (const l of lines) {
      if (!l.startsWith("[")) continue;
      logged.lines++;
      logged.first ||= l.slice(0, 160);
    }
  });
  return new Promise<CollectorResult>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill("SIGKILL");
        reject(new Error("collector benchmark did not finish in time"));
      },
      input.warmupMs + input.windowMs + 90_000,
    );
    child.on("message", (m) => {
      clearTimeout(timer);
      resolve({ ...(m as CollectorResult), errorLogLines: logged.lines, firstErrorLogLine: logged.first || undefined });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code) reject(new Error(`collector benchmark exited with ${code}`));
    });
  });
}

/**
 * The exporters phase in a process of its own: generic exporter targets (node_exporter-sized
 * payloads) at their interval beside the simulated targets at theirs, and rule evaluation with
 * the user rules loaded.
 */
function runExporters(server: BenchServer): Promise<ExportersResult> {
  const input = {
    targets: num("exporter-targets"),
    intervalMs: num("exporter-interval"),
    systems: server.fleet.systems.map((s) => ({ name: s.name, kind: s.kind, url: s.url, credential: s.credential })),
    simulatedTargets: num("collector-targets"),
    simulatedIntervalMs: num("collector-interval"),
    warmupMs: Math.max(num("exporter-interval") + 5000, 8000),
    windowMs: num("exporter-seconds") * 1000,
    userRules: num("user-rules"),
  };
  const child = fork(path.join(__dirname, "bench/exporters.ts"), [JSON.stringify(input)], {
    execArgv: ["--conditions=react-server", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise<ExportersResult>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill("SIGKILL");
        reject(new Error("exporters benchmark did not finish in time"));
      },
      2 * (input.warmupMs + input.windowMs) + 120_000,
    );
    child.on("message", (m) => {
      clearTimeout(timer);
      resolve(m as ExportersResult);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code) reject(new Error(`exporters benchmark exited with ${code}`));
    });
  });
}

/** The soft limit on open files, which the SSE client process and the server inherit from us. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m?.[1] === "unlimited" ? Infinity : Number(m?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** The production alerting settings: kube-prometheus-stack's Alertmanager route and 15 s scrapes. */
const PRODUCTION_ALERTING: AlertingSettings = {
  name: "production defaults",
  scrapeSeconds: 15,
  evaluationSeconds: 15,
  groupWaitSeconds: 30,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 12 * 3600,
};

async function main() {
  const poll = num("poll-interval");
  const [portFrom, portTo] = flags["alerting-ports"].split("-").map(Number) as [number, number];
  const alertingPorts = { from: portFrom, to: portTo ?? portFrom, taken: new Set<number>() };
  const fastAlerting: AlertingSettings = {
    name: "poll cadence",
    scrapeSeconds: poll / 1000,
    evaluationSeconds: poll / 1000,
    groupWaitSeconds: 0,
    groupIntervalSeconds: 1,
    repeatIntervalSeconds: 3600,
  };
  const results: BenchResults = {
    date: new Date(started).toISOString(),
    machine: machine(),
    settings: {
      pollIntervalMs: poll,
      changes: num("changes"),
      viewers: flags.viewers.split(",").map(Number),
      autocannon: { connections: num("connections"), seconds: num("cannon-seconds") },
      collector: {
        targets: num("collector-targets"),
        intervalMs: num("collector-interval"),
        seconds: num("collector-seconds"),
      },
      ruleSeries: num("rule-series"),
      alerting: {
        changes: num("alerting-changes"),
        productionChanges: num("alerting-prod-changes"),
        fast: fastAlerting,
        production: PRODUCTION_ALERTING,
      },
      notifyChanges: num("notify-changes"),
      lighthouseRuns: num("lighthouse-runs"),
      quick: !!given.quick,
      maxMinutes: num("max-minutes"),
    },
    phaseSeconds: {},
    notMeasured: {},
  };
  const notMeasured = (key: string, why: string) => {
    results.notMeasured[key] = why;
    console.log(`not measured: ${key}: ${why}`);
  };
  const timeLeft = (needMs: number) => deadline - Date.now() > needMs;
  // A phase that fails is reported as not measured; the others still run and the report is written.
  const phase = async (name: string, run: () => Promise<void>): Promise<void> => {
    const t0 = Date.now();
    try {
      await run();
    } catch (err) {
      notMeasured(name, `failed: ${(err as Error).message.split("\n")[0]}`);
    } finally {
      results.phaseSeconds[name] = Math.round((Date.now() - t0) / 1000);
      console.log(
        `  (${name}: ${results.phaseSeconds[name]} s; ${Math.round((Date.now() - started) / 1000)} s since start)`,
      );
    }
  };

  // In this process and before the server starts: the parser's own cost.
  if (skip.has("parser")) notMeasured("metrics parser throughput", "skipped by --skip");
  else {
    await phase("parser", async () => {
      console.log("Metrics parser throughput (50,000-line exposition, CPU time)…");
      results.parser = measureParser();
      for (const m of results.parser.modes)
        console.log(
          `  ${m.mode.padEnd(12)} ${m.mbPerSecond} MB/s (best ${m.bestMbPerSecond}), ${m.medianMs} ms for ${(m.bytes / 1e6).toFixed(2)} MB`,
        );
    });
  }

  if (skip.has("ingest")) notMeasured("log-shipper ingest throughput", "skipped by --skip");
  else {
    await phase("ingest", async () => {
      console.log("Log-shipper ingest throughput (1 KB lines, batches of 500, each receiver to stored)…");
      results.ingest = await runIngest();
      for (const x of results.ingest.receivers)
        console.log(
          `  ${x.receiver.padEnd(32)} ${x.linesPerCpuSecond} lines/s of CPU time, ${x.linesPerSecond} of wall time (median batch ${x.medianBatchMs} ms)`,
        );
    });
  }

  if (skip.has("fault-polls")) notMeasured("polls under simulator faults", "skipped by --skip");
  else {
    await phase("fault-polls", async () => {
      console.log("One poll per system kind under each simulator fault, 300 ms timeout…");
      results.faultPolls = await measureFaultPolls(300);
      console.log(
        `  slowest ${results.faultPolls.worstMs} ms (${results.faultPolls.overTimeoutMs} ms past the timeout): ${JSON.stringify(results.faultPolls.byFault)}`,
      );
    });
  }

  const build = buildIfNeeded(root, given.rebuild ?? false);
  if (build.built) console.log(`  built in ${build.seconds.toFixed(0)} s`);

  if (!skip.has("bundle")) {
    const routes: RouteJs[] = firstLoadJs(root);
    results.firstLoadJs = routes;
    console.log("First-load JavaScript per route (gzip):");
    for (const r of routes)
      console.log(
        `  ${r.route.padEnd(30)} ${r.gzipKiB.toFixed(1).padStart(7)} KiB  (${r.rawKiB.toFixed(1)} KiB raw, ${r.chunks} chunks)`,
      );
  } else notMeasured("first-load JS", "skipped by --skip");

  // Paging's receivers start first: the console's notify config names them.
  let notifyRig: NotifyRig | undefined;
  if (skip.has("notify")) notMeasured("change → notification", "skipped by --skip");
  else {
    try {
      notifyRig = await startNotifyRig({ bot: WATCHDOG_BOT, ports: alertingPorts, progress: (l) => console.log(l) });
    } catch (err) {
      notMeasured("change → notification", `failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  let server: BenchServer;
  try {
    server = await startBenchServer({
      root,
      port: num("port"),
      pollIntervalMs: poll,
      seed: 7,
      notify: notifyRig?.notify,
      env: notifyRig?.env,
    });
  } catch (err) {
    await notifyRig?.stop();
    throw err;
  }
  const serverReadyAt = Date.now();
  // The production-settings alerting run takes minutes (group_wait 30 s, group_interval 5 min), so
  // it runs beside the other phases on a bot of its own: a copy of the bot the board phases use, in
  // a one-system fleet Watchfloor does not watch, so its changes never reach the board under test.
  let prodFleet: Fleet | undefined;
  let prodAlerting: Promise<AlertingResult | undefined> | undefined;
  const stopAll = async () => {
    await server.stop();
    await notifyRig?.stop();
    await prodFleet?.stop();
  };
  process.once("SIGINT", () => void stopAll().finally(() => process.exit(130)));
  process.once("SIGTERM", () => void stopAll().finally(() => process.exit(143)));
  try {
    console.log(
      `Server: ${server.baseUrl} (pid ${server.serverPid().join(",")}), ${server.fleet.systems.length} simulated systems, poll interval ${server.pollIntervalMs} ms`,
    );

    if (skip.has("alerting-prod")) notMeasured("Prometheus + Alertmanager, production defaults", "skipped by --skip");
    else {
      const simConfig = loadSimFleetConfig(path.join(root, "config/sim-fleet.yaml"));
      prodFleet = await startFleet({
        config: { ...simConfig, systems: simConfig.systems.filter((x) => x.name === WATCHDOG_BOT) },
        seed: 7,
        clock: { speed: 1 },
        portBase: 0,
        host: "127.0.0.1",
        admin: false,
      });
      const t0 = Date.now();
      console.log(
        `Prometheus + Alertmanager, production defaults (scrape and evaluation ${PRODUCTION_ALERTING.scrapeSeconds} s, group_wait ${PRODUCTION_ALERTING.groupWaitSeconds} s, group_interval ${PRODUCTION_ALERTING.groupIntervalSeconds} s): ${num("alerting-prod-changes")} change(s) in the background on a separate ${WATCHDOG_BOT}…`,
      );
      prodAlerting = measureAlerting({
        fleet: prodFleet,
        bot: WATCHDOG_BOT,
        settings: PRODUCTION_ALERTING,
        changes: num("alerting-prod-changes"),
        ports: alertingPorts,
        deadline: deadline - 10_000,
        progress: (l) => console.log(`  [background]${l}`),
      })
        .then(
          (r) => r,
          (err: Error) => {
            notMeasured("Prometheus + Alertmanager, production defaults", `failed: ${err.message.split("\n")[0]}`);
            return undefined;
          },
        )
        .finally(() => (results.phaseSeconds["alerting-prod (background)"] = Math.round((Date.now() - t0) / 1000)));
    }

    // Let the collector poll everything a few times before measuring.
    await new Promise((r) => setTimeout(r, server.pollIntervalMs * 3));

    if (skip.has("latency")) notMeasured("source → screen", "skipped by --skip");
    else if (!timeLeft(3 * 60_000)) notMeasured("source → screen", "out of time");
    else
      await phase("latency", async () => {
        console.log(`Source → screen: ${num("changes")} changes (alternating onset and recovery)…`);
        // Enough time for every change (a random wait under one poll, then up to about two polls),
        // but leave the later phases at least a few minutes.
        const own = Date.now() + num("changes") * (2 * server.pollIntervalMs + 1000) + 30_000;
        const r: LatencyResult = await measureSourceToScreen({
          baseUrl: server.baseUrl,
          cookie: server.cookie,
          fleet: server.fleet,
          pollIntervalMs: server.pollIntervalMs,
          changes: num("changes"),
          deadline: Math.min(own, deadline - 4 * 60_000),
        });
        results.sourceToScreen = r;
        console.log(`  onset    p50 ${r.onset.p50} ms  p95 ${r.onset.p95} ms  (n=${r.onset.n})`);
        console.log(`  recovery p50 ${r.recovery.p50} ms  p95 ${r.recovery.p95} ms  (n=${r.recovery.n})`);
        console.log(`  all      p50 ${r.all.p50} ms  p95 ${r.all.p95} ms  max ${r.all.max} ms, timeouts ${r.timeouts}`);
      });

    // Right after source → screen, on the same bot: the comparison's two sides close together in time.
    const alerting: AlertingResult[] = [];
    if (skip.has("alerting")) notMeasured("Prometheus + Alertmanager, poll cadence", "skipped by --skip");
    else if (!timeLeft(60_000)) notMeasured("Prometheus + Alertmanager, poll cadence", "out of time");
    else
      await phase("alerting", async () => {
        console.log(
          `Prometheus + Alertmanager at the poll cadence (scrape and evaluation ${fastAlerting.scrapeSeconds} s, group_wait ${fastAlerting.groupWaitSeconds} s, group_interval ${fastAlerting.groupIntervalSeconds} s): ${num("alerting-changes")} changes on ${WATCHDOG_BOT}…`,
        );
        try {
          const a = await measureAlerting({
            fleet: server.fleet,
            bot: WATCHDOG_BOT,
            settings: fastAlerting,
            changes: num("alerting-changes"),
            ports: alertingPorts,
            deadline: deadline - 30_000,
            progress: (l) => console.log(l),
          });
          alerting.push(a);
          console.log(
            `  onset p50 ${a.onset.p50} ms p95 ${a.onset.p95} ms (n=${a.onset.n}); resolution p50 ${a.resolution.p50} ms p95 ${a.resolution.p95} ms (n=${a.resolution.n}); ${a.timeouts} without a notification`,
          );
        } catch (err) {
          notMeasured("Prometheus + Alertmanager, poll cadence", `failed: ${(err as Error).message.split("\n")[0]}`);
        }
      });

    // Watchfloor's own paging, on the same bot right after the Prometheus + Alertmanager run.
    if (notifyRig) {
      const rig = notifyRig;
      const need = num("notify-changes") * (2 * poll + 2000) + 40_000;
      if (!timeLeft(Math.min(need, 3 * 60_000))) notMeasured("change → notification", "out of time");
      else
        await phase("notify", async () => {
          console.log(
            `Change → notification: ${num("notify-changes")} changes on ${WATCHDOG_BOT}, to a Slack-compatible webhook and a signed webhook in this process${rig.alertmanager ? ", and through Alertmanager to a webhook" : ""}…`,
          );
          // The collector pages nothing in its first 15 s as leader (every system looks dark until it has polled).
          const n = await measureNotify({
            rig,
            fleet: server.fleet,
            bot: WATCHDOG_BOT,
            pollIntervalMs: poll,
            changes: num("notify-changes"),
            notBefore: serverReadyAt + 16_000,
            deadline: Math.min(Date.now() + need, deadline - 60_000),
            progress: (l) => console.log(l),
          });
          results.notify = n;
          for (const c of n.channels)
            console.log(
              `  ${c.path.padEnd(42)} onset p50 ${f(c.onset.p50)} p95 ${f(c.onset.p95)} (n=${c.onset.n}); resolution p50 ${f(c.resolution.p50)} p95 ${f(c.resolution.p95)} (n=${c.resolution.n}); all p95 ${f(c.all.p95)}; ${c.missed} missed`,
            );
          if ("notMeasured" in n.alertmanager)
            console.log(`  Alertmanager path not measured: ${n.alertmanager.notMeasured}`);
        });
    }

    if (skip.has("viewers")) notMeasured("viewers", "skipped by --skip");
    else
      await phase("viewers", async () => {
        const baseline = await measurePollBaseline(server.fleet, server.pollIntervalMs, 10, server.serverPid);
        console.log(
          `Upstream polls per target per interval with no viewers: ${JSON.stringify(baseline.perTarget)}; server CPU ${baseline.serverCpuPercentOfOneCore ?? "?"}% of one core with no viewers`,
        );
        const list: ViewerResult[] = [];
        const fdLimit = openFileLimit();
        const step: ViewerStepUp = {
          steps: results.settings.viewers,
          largestPassing: null,
          stoppedAt: null,
          stopReason: "all steps passed",
          openFileLimit: fdLimit,
        };
        for (const n of results.settings.viewers) {
          // The client process holds n sockets and so does the server; both inherit our limit.
          if (n + 1024 > fdLimit) {
            step.stoppedAt = n;
            step.stopReason = `open-file limit ${fdLimit} (ulimit -n) is too low for ${n} streams plus the server's own files`;
            notMeasured(`viewers ${n}`, step.stopReason);
            break;
          }
          // About a minute per step at 1,000 (connect, settle, changes, report), more with the count.
          if (!timeLeft(60_000 + n * 15)) {
            step.stoppedAt = n;
            step.stopReason = "out of time";
            notMeasured(`viewers ${n}`, "out of time");
            break;
          }
          console.log(`Viewers: ${n} live streams from a separate process…`);
          let v: ViewerResult;
          try {
            v = await measureViewers({
              baseUrl: server.baseUrl,
              cookie: server.cookie,
              fleet: server.fleet,
              serverPids: server.serverPid,
              pollIntervalMs: server.pollIntervalMs,
              viewers: n,
              changes: num("viewer-changes"),
              baseline,
              marker: "integrity_watchdog",
            });
          } catch (err) {
            // A step that cannot complete ends the step-up; the steps before it stand.
            step.stoppedAt = n;
            step.stopReason = `${n} streams: ${(err as Error).message.split("\n")[0]}`;
            notMeasured(`viewers ${n}`, step.stopReason);
            break;
          }
          list.push(v);
          console.log(
            `  connected ${v.connected}/${n} in ${v.connectSeconds.toFixed(1)} s, errors ${v.errorCount}${v.errorCount ? ` ${JSON.stringify(v.errors)}` : ""}; delivery p50 ${v.deliveryMs.p50} ms p99 ${v.deliveryMs.p99} ms (${v.boardEvents} board events); change→client p50 ${v.changeToClientMs.p50} ms p99 ${v.changeToClientMs.p99} ms; server CPU ${v.serverCpuPercentOfOneCore}% of one core, RSS peak ${v.serverRssMiB.peak} MiB; client CPU ${v.clientCpuPercentOfOneCore}%, client event-loop delay p99 ${v.clientLoopDelayMs.p99} ms max ${v.clientLoopDelayMs.max} ms; polls/target/interval ${v.polls.max} (baseline ${baseline.max})`,
          );
          if (v.errorCount > 0 || !(v.deliveryMs.p99 <= VIEWER_STEP_P99_MS)) {
            step.stoppedAt = n;
            step.stopReason =
              v.errorCount > 0
                ? `${v.errorCount} errors at ${n}`
                : `delivery p99 ${v.deliveryMs.p99} ms > ${VIEWER_STEP_P99_MS} ms at ${n}`;
            break;
          }
          step.largestPassing = n;
          await new Promise((r) => setTimeout(r, 3000));
        }
        results.viewers = list;
        results.viewerStepUp = step;
        console.log(
          `  largest count holding p99 ≤ ${VIEWER_STEP_P99_MS} ms with no errors: ${step.largestPassing ?? "none"} (stopped: ${step.stopReason})`,
        );
      });

    if (skip.has("lighthouse")) notMeasured("Lighthouse mobile (board, status view)", "skipped by --skip");
    else if (!timeLeft(num("lighthouse-runs") * 2 * 60_000))
      notMeasured("Lighthouse mobile (board, status view)", "out of time");
    else
      await phase("lighthouse", async () => {
        console.log(
          `Lighthouse (mobile), ${num("lighthouse-runs")} run(s) each: board signed in, status view via a share link…`,
        );
        const lh = await measureLighthouse({
          root,
          runs: num("lighthouse-runs"),
          deadline,
          pages: [
            { page: "board", url: `${server.baseUrl}/`, cookie: server.cookie },
            { page: "status view", url: `${server.baseUrl}${server.statusPath}` },
          ],
          progress: (l) => console.log(l),
        });
        results.lighthouse = lh;
        for (const p of lh.pages)
          console.log(
            `  ${p.page} (median of ${p.runs.length}): performance ${p.median.performance}, accessibility ${p.median.accessibility}, FCP ${p.median.fcpMs} ms, LCP ${p.median.lcpMs} ms, TBT ${p.median.tbtMs} ms, SI ${p.median.siMs} ms${p.median.a11yFailures.length ? `; failed accessibility audits: ${p.median.a11yFailures.join(", ")}` : ""}`,
          );
      });

    if (skip.has("http")) notMeasured("board API", "skipped by --skip");
    else if (!timeLeft(num("cannon-seconds") * 2000 + 30_000)) notMeasured("board API", "out of time");
    else
      await phase("http", async () => {
        console.log(
          `Board API vs static file: autocannon, ${num("connections")} connections, ${num("cannon-seconds")} s each…`,
        );
        const h = await measureBoardApi({
          root,
          baseUrl: server.baseUrl,
          cookie: server.cookie,
          statusToken: server.statusPath.split("/").pop(),
          connections: num("connections"),
          seconds: num("cannon-seconds"),
        });
        // The status link's address is its credential: not written into the results.
        if (h.status) h.status.url = h.status.url.replace(/[^/]+$/, "<token>");
        results.boardApi = h;
        console.log(
          `  /icon.svg   ${h.staticFile.requestsPerSecond} req/s, p50 ${h.staticFile.latencyMs.p50} ms, p99 ${h.staticFile.latencyMs.p99} ms, non-2xx ${h.staticFile.non2xx}, errors ${h.staticFile.errors}`,
        );
        console.log(
          `  /api/board  ${h.board.requestsPerSecond} req/s, p50 ${h.board.latencyMs.p50} ms, p99 ${h.board.latencyMs.p99} ms, non-2xx ${h.board.non2xx}, errors ${h.board.errors}, ${h.board.bytesPerRequest} bytes/response`,
        );
        console.log(
          `  /api/health/live (no session) ${h.health.requestsPerSecond} req/s, p50 ${h.health.latencyMs.p50} ms, p99 ${h.health.latencyMs.p99} ms`,
        );
        if (h.status)
          console.log(
            `  /api/status/<token>  ${h.status.requestsPerSecond} req/s, p50 ${h.status.latencyMs.p50} ms, p99 ${h.status.latencyMs.p99} ms, non-2xx ${h.status.non2xx}, errors ${h.status.errors}`,
          );
        console.log(`  ratio board/static ${h.ratio}, status/static ${h.statusRatio}`);
      });

    if (skip.has("collector")) notMeasured("collector cost", "skipped by --skip");
    else if (!timeLeft(num("collector-seconds") * 1000 + 60_000)) notMeasured("collector cost", "out of time");
    else
      await phase("collector", async () => {
        console.log(
          `Collector cost: ${num("collector-targets")} simulated targets at ${num("collector-interval")} ms, ${num("collector-seconds")} s window (own process)…`,
        );
        const c = await runCollectorCost(server);
        results.collector = c;
        console.log(
          `  polling and parsing alone: CPU ${c.pollingOnly.cpuPercentOfOneCore}% of one core, ${c.pollingOnly.cpuMsPerCycle} ms CPU per cycle (${c.pollingOnly.pollsInWindow}/${c.pollingOnly.expectedPolls} polls in ${c.pollingOnly.windowSeconds} s)`,
        );
        if (c.withHistory)
          console.log(
            `  with the history writes (no rules): CPU ${c.withHistory.cpuPercentOfOneCore}% of one core, ${c.withHistory.cpuMsPerCycle} ms CPU per cycle (${c.withHistory.pollsInWindow}/${c.withHistory.expectedPolls} polls)`,
          );
        console.log(
          `  full runtime (history, rules, findings): CPU ${c.cpuPercentOfOneCore}% of one core, ${c.cpuMsPerCycle} ms CPU per poll cycle (${c.pollsInWindow}/${c.expectedPolls} polls in ${c.windowSeconds} s), RSS ${c.rssMiB} MiB`,
        );
        if (c.errorLogLines)
          console.log(`  the collector logged ${c.errorLogLines} error lines (first: ${c.firstErrorLogLine})`);
        console.log(
          `  rule evaluation: ${c.rules.series} series (${c.rules.targets} targets), all rules, p50 ${c.rules.p50Ms} ms, max ${c.rules.maxMs} ms over ${c.rules.runs} runs`,
        );
      });

    if (skip.has("exporters")) notMeasured("exporters", "skipped by --skip");
    else if (!timeLeft(2 * num("exporter-seconds") * 1000 + 2 * num("exporter-interval") + 60_000))
      notMeasured("exporters", "out of time");
    else
      await phase("exporters", async () => {
        console.log(
          `Any exporter: ${num("exporter-targets")} generic targets (node_exporter-sized) at ${num("exporter-interval")} ms beside ${num("collector-targets")} simulated at ${num("collector-interval")} ms, ${num("user-rules")} rules of your own (own process)…`,
        );
        const e = await runExporters(server);
        results.exporters = e;
        console.log(
          `  polling and parsing alone: CPU ${e.pollingOnly.cpuPercentOfOneCore}% of one core (${e.pollingOnly.polls}/${e.pollingOnly.expectedPolls} polls in ${e.pollingOnly.windowSeconds} s); full runtime ${e.runtime.cpuPercentOfOneCore}%, RSS ${e.runtime.rssMiB} MiB, ${e.runtime.totalSeries} series`,
        );
        console.log(
          `  rule evaluation with ${e.rules.userRules} user rules: p50 ${e.rules.p50Ms} ms, max ${e.rules.maxMs} ms over ${e.rules.series} series`,
        );
      });

    if (prodAlerting) {
      console.log("Waiting for the production-defaults alerting run in the background…");
      const b = await prodAlerting;
      if (b) {
        alerting.push(b);
        console.log(
          `  production defaults: onset p50 ${f(b.onset.p50)} p95 ${f(b.onset.p95)} (n=${b.onset.n}); resolution p50 ${f(b.resolution.p50)} p95 ${f(b.resolution.p95)} (n=${b.resolution.n}); ${b.timeouts} without a notification`,
        );
      }
    }
    if (alerting.length) results.alerting = alerting;
  } finally {
    await stopAll();
  }

  // Two console instances on one PostgreSQL, after the single server has stopped: the first leads
  // (polls, evaluates), the second follows (its board feed is driven over LISTEN/NOTIFY); half the
  // viewers on each.
  const instanceViewers = num("instance-viewers");
  const instanceCount = Math.max(2, num("instance-count"));
  if (skip.has("instances")) notMeasured("instances", "skipped by --skip");
  else if (!timeLeft(90_000 + instanceViewers * 15)) notMeasured("instances", "out of time");
  else
    await phase("instances", async () => {
      console.log(
        `${instanceCount} instances on PostgreSQL 15: ${instanceViewers} live streams, split evenly between them…`,
      );
      const pg = await startTestPostgres();
      let two: BenchServer | undefined;
      try {
        const databaseUrl = await createDatabase(pg.url, "watchfloor_bench");
        const port = num("port") + 20;
        two = await startBenchServer({
          root,
          port,
          morePorts: Array.from({ length: instanceCount - 1 }, (_, i) => port + 1 + i),
          pollIntervalMs: poll,
          seed: 1,
          databaseUrl,
        });
        const srv = two;
        const pids = () => srv.instances.flatMap((i) => i.serverPid());
        // A follower's board is current once it has heard the leader: wait for that on each.
        for (const follower of srv.instances.slice(1).map((x) => x.baseUrl))
          for (let until = Date.now() + 30_000; ;) {
            const b = (await (await fetch(`${follower}/api/board`, { headers: { Cookie: srv.cookie } })).json()) as {
              degraded?: unknown;
            };
            if (!b.degraded) break;
            if (Date.now() > until) throw new Error(`${follower}'s board did not become current within 30 s`);
            await new Promise((r) => setTimeout(r, 500));
          }
        const baseline = await measurePollBaseline(srv.fleet, srv.pollIntervalMs, 10, pids);
        const v = await measureViewers({
          baseUrl: srv.baseUrl,
          instances: srv.instances.map((i) => i.baseUrl),
          cookie: srv.cookie,
          fleet: srv.fleet,
          serverPids: pids,
          pollIntervalMs: srv.pollIntervalMs,
          viewers: instanceViewers,
          changes: num("viewer-changes"),
          baseline,
          marker: "integrity_watchdog",
        });
        results.instances = {
          count: srv.instances.length,
          viewers: v,
          rssMiBPerInstance: srv.instances.map((i) => Math.round(rssMiB(i.serverPid()))),
          noViewerCpuPercentOfOneCore: baseline.serverCpuPercentOfOneCore,
        };
        console.log(
          `  connected ${v.connected}/${instanceViewers}, errors ${v.errorCount}; delivery p50 ${v.deliveryMs.p50} ms p99 ${v.deliveryMs.p99} ms; change→client p99 ${v.changeToClientMs.p99} ms (${v.changeToClientMs.missed} missed); all servers together ${v.serverCpuPercentOfOneCore}% of one core (${baseline.serverCpuPercentOfOneCore ?? "?"}% with no viewers), RSS now ${results.instances.rssMiBPerInstance.join(" + ")} MiB; polls/target/interval ${v.polls.max}`,
        );
      } finally {
        await two?.stop();
        await pg.stop();
      }
    });

  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  results.budget = budgetLines(results);
  console.log("\nBudget:");
  for (const b of results.budget) console.log(`  ${b.status.padEnd(12)} ${b.line} — ${b.figure}`);
  console.log("\nChange → notification beside change → screen:");
  for (const row of comparisonRows(results))
    console.log(
      `  ${row.path}:\n    onset p50 ${f(row.onset.p50)} p95 ${f(row.onset.p95)} (n=${row.onset.n}); resolution p50 ${f(row.resolution.p50)} p95 ${f(row.resolution.p95)} (n=${row.resolution.n})`,
    );

  const out = path.resolve(root, flags.out);
  if (!existsSync(out)) mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(out, "latest.md"), renderMarkdown(results));
  console.log(
    `\nWrote ${path.relative(root, path.join(out, "latest.json"))} and latest.md (${results.durationSeconds} s)`,
  );
}

const f = (v: number) => (Number.isNaN(v) ? "—" : `${v} ms`);

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
