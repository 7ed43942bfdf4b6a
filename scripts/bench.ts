// `npm run bench`: builds the production server if needed, starts it with the simulated fleet on
// loopback, measures the performance budget (docs: /README.md "Benchmarks") and writes the figures
// to bench/results/latest.json and latest.md. Bounded: every phase checks a deadline, and every
// process it starts is stopped before it exits.
import { fork } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildIfNeeded, startBenchServer, type BenchServer } from "./bench/server";
import { measureSourceToScreen, type LatencyResult } from "./bench/latency";
import { measurePollBaseline, measureViewers, type ViewerResult } from "./bench/viewers";
import { measureBoardApi } from "./bench/http";
import { firstLoadJs, type RouteJs } from "./bench/bundle";
import { budgetLines, renderMarkdown, type BenchResults, type CollectorResult } from "./bench/report";

const PHASES = ["latency", "viewers", "http", "bundle", "collector"] as const;

const { values: flags } = parseArgs({
  options: {
    port: { type: "string", default: "3500" },
    "poll-interval": { type: "string", default: "2000" },
    changes: { type: "string", default: "50" },
    viewers: { type: "string", default: "1000,2000" },
    "viewer-changes": { type: "string", default: "8" },
    connections: { type: "string", default: "20" },
    "cannon-seconds": { type: "string", default: "8" },
    "collector-targets": { type: "string", default: "200" },
    "collector-interval": { type: "string", default: "5000" },
    "collector-seconds": { type: "string", default: "30" },
    "rule-series": { type: "string", default: "10000" },
    skip: { type: "string", default: "" },
    "max-minutes": { type: "string", default: "10" },
    out: { type: "string", default: "bench/results" },
    rebuild: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (flags.help) {
  console.log(`npm run bench -- [--port 3500] [--poll-interval 2000] [--changes 50] [--viewers 1000,2000,5000]
  [--viewer-changes 8] [--connections 20] [--cannon-seconds 8] [--collector-targets 200]
  [--collector-interval 5000] [--collector-seconds 30] [--rule-series 10000]
  [--skip ${PHASES.join(",")}] [--max-minutes 10] [--out bench/results] [--rebuild]`);
  process.exit(0);
}

const root = process.cwd();
const started = Date.now();
const deadline = started + Number(flags["max-minutes"]) * 60_000 - 20_000;
const skip = new Set(flags.skip.split(",").filter(Boolean));
const num = (k: keyof typeof flags) => Number(flags[k]);

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

function runCollectorCost(server: BenchServer): Promise<CollectorResult> {
  const input = {
    systems: server.fleet.systems.map((s) => ({ name: s.name, kind: s.kind, url: s.url, credential: s.credential })),
    targets: num("collector-targets"),
    intervalMs: num("collector-interval"),
    warmupMs: Math.max(2 * num("collector-interval"), 8000),
    windowMs: num("collector-seconds") * 1000,
    ruleSeries: num("rule-series"),
  };
  const child = fork(path.join(__dirname, "bench/collector-cost.ts"), [JSON.stringify(input)], { execArgv: ["--conditions=react-server", "--import", "tsx"], stdio: ["ignore", "inherit", "pipe", "ipc"] });
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
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("collector benchmark did not finish in time"));
    }, input.warmupMs + input.windowMs + 90_000);
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

async function main() {
  const results: BenchResults = {
    date: new Date(started).toISOString(),
    machine: machine(),
    settings: {
      pollIntervalMs: num("poll-interval"),
      changes: num("changes"),
      viewers: flags.viewers.split(",").map(Number),
      autocannon: { connections: num("connections"), seconds: num("cannon-seconds") },
      collector: { targets: num("collector-targets"), intervalMs: num("collector-interval"), seconds: num("collector-seconds") },
      ruleSeries: num("rule-series"),
    },
    notMeasured: {},
  };
  const notMeasured = (key: string, why: string) => {
    results.notMeasured[key] = why;
    console.log(`not measured: ${key}: ${why}`);
  };
  const timeLeft = (needMs: number) => deadline - Date.now() > needMs;

  const build = buildIfNeeded(root, flags.rebuild);
  if (build.built) console.log(`  built in ${build.seconds.toFixed(0)} s`);

  if (!skip.has("bundle")) {
    const routes: RouteJs[] = firstLoadJs(root);
    results.firstLoadJs = routes;
    console.log("First-load JavaScript per route (gzip):");
    for (const r of routes) console.log(`  ${r.route.padEnd(30)} ${r.gzipKiB.toFixed(1).padStart(7)} KiB  (${r.rawKiB.toFixed(1)} KiB raw, ${r.chunks} chunks)`);
  } else notMeasured("first-load JS", "skipped by --skip");

  const server = await startBenchServer({ root, port: num("port"), pollIntervalMs: num("poll-interval"), seed: 7 });
  const stopAll = async () => {
    await server.stop();
  };
  process.once("SIGINT", () => void stopAll().finally(() => process.exit(130)));
  process.once("SIGTERM", () => void stopAll().finally(() => process.exit(143)));
  try {
    console.log(`Server: ${server.baseUrl} (pid ${server.serverPid().join(",")}), ${server.fleet.systems.length} simulated systems, poll interval ${server.pollIntervalMs} ms`);
    // Let the collector poll everything a few times before measuring.
    await new Promise((r) => setTimeout(r, server.pollIntervalMs * 3));

    if (skip.has("latency")) notMeasured("source → screen", "skipped by --skip");
    else if (!timeLeft(3 * 60_000)) notMeasured("source → screen", "out of time");
    else {
      console.log(`Source → screen: ${num("changes")} changes (alternating onset and recovery)…`);
      const r: LatencyResult = await measureSourceToScreen({ baseUrl: server.baseUrl, cookie: server.cookie, fleet: server.fleet, pollIntervalMs: server.pollIntervalMs, changes: num("changes"), deadline: deadline - 4 * 60_000 });
      results.sourceToScreen = r;
      console.log(`  onset    p50 ${r.onset.p50} ms  p95 ${r.onset.p95} ms  (n=${r.onset.n})`);
      console.log(`  recovery p50 ${r.recovery.p50} ms  p95 ${r.recovery.p95} ms  (n=${r.recovery.n})`);
      console.log(`  all      p50 ${r.all.p50} ms  p95 ${r.all.p95} ms  max ${r.all.max} ms, timeouts ${r.timeouts}`);
    }

    if (skip.has("viewers")) notMeasured("viewers", "skipped by --skip");
    else {
      const baseline = await measurePollBaseline(server.fleet, server.pollIntervalMs, 10);
      console.log(`Upstream polls per target per interval with no viewers: ${JSON.stringify(baseline.perTarget)}`);
      const list: ViewerResult[] = [];
      for (const n of results.settings.viewers) {
        if (!timeLeft(2 * 60_000 + n * 20)) {
          notMeasured(`viewers ${n}`, "out of time");
          break;
        }
        console.log(`Viewers: ${n} live streams from a separate process…`);
        const v = await measureViewers({ baseUrl: server.baseUrl, cookie: server.cookie, fleet: server.fleet, serverPids: server.serverPid, pollIntervalMs: server.pollIntervalMs, viewers: n, changes: num("viewer-changes"), baseline, marker: "integrity_watchdog" });
        list.push(v);
        console.log(
          `  connected ${v.connected}/${n} in ${v.connectSeconds.toFixed(1)} s, errors ${v.errorCount}${v.errorCount ? ` ${JSON.stringify(v.errors)}` : ""}; delivery p50 ${v.deliveryMs.p50} ms p99 ${v.deliveryMs.p99} ms (${v.boardEvents} board events); change→client p50 ${v.changeToClientMs.p50} ms p99 ${v.changeToClientMs.p99} ms; server CPU ${v.serverCpuPercentOfOneCore}% of one core, RSS peak ${v.serverRssMiB.peak} MiB; polls/target/interval ${v.polls.max} (baseline ${baseline.max})`,
        );
        if (v.errorCount > 0 || v.deliveryMs.p99 > 250) break;
        await new Promise((r) => setTimeout(r, 3000));
      }
      results.viewers = list;
    }

    if (skip.has("http")) notMeasured("board API", "skipped by --skip");
    else if (!timeLeft(num("cannon-seconds") * 2000 + 30_000)) notMeasured("board API", "out of time");
    else {
      console.log(`Board API vs static file: autocannon, ${num("connections")} connections, ${num("cannon-seconds")} s each…`);
      const h = await measureBoardApi({ root, baseUrl: server.baseUrl, cookie: server.cookie, connections: num("connections"), seconds: num("cannon-seconds") });
      results.boardApi = h;
      console.log(`  /icon.svg   ${h.staticFile.requestsPerSecond} req/s, p50 ${h.staticFile.latencyMs.p50} ms, p99 ${h.staticFile.latencyMs.p99} ms, non-2xx ${h.staticFile.non2xx}, errors ${h.staticFile.errors}`);
      console.log(`  /api/board  ${h.board.requestsPerSecond} req/s, p50 ${h.board.latencyMs.p50} ms, p99 ${h.board.latencyMs.p99} ms, non-2xx ${h.board.non2xx}, errors ${h.board.errors}, ${h.board.bytesPerRequest} bytes/response`);
      console.log(`  /api/health/live (no session) ${h.health.requestsPerSecond} req/s, p50 ${h.health.latencyMs.p50} ms, p99 ${h.health.latencyMs.p99} ms`);
      console.log(`  ratio board/static ${h.ratio}`);
    }

    if (skip.has("collector")) notMeasured("collector cost", "skipped by --skip");
    else if (!timeLeft(num("collector-seconds") * 1000 + 60_000)) notMeasured("collector cost", "out of time");
    else {
      console.log(`Collector cost: ${num("collector-targets")} simulated targets at ${num("collector-interval")} ms, ${num("collector-seconds")} s window (own process)…`);
      const c = await runCollectorCost(server);
      results.collector = c;
      console.log(`  polling and parsing alone: CPU ${c.pollingOnly.cpuPercentOfOneCore}% of one core, ${c.pollingOnly.cpuMsPerCycle} ms CPU per cycle (${c.pollingOnly.pollsInWindow}/${c.pollingOnly.expectedPolls} polls in ${c.pollingOnly.windowSeconds} s)`);
      console.log(`  full runtime (history, rules, findings): CPU ${c.cpuPercentOfOneCore}% of one core, ${c.cpuMsPerCycle} ms CPU per poll cycle (${c.pollsInWindow}/${c.expectedPolls} polls in ${c.windowSeconds} s), RSS ${c.rssMiB} MiB`);
      if (c.errorLogLines) console.log(`  the collector logged ${c.errorLogLines} error lines (first: ${c.firstErrorLogLine})`);
      console.log(`  rule evaluation: ${c.rules.series} series (${c.rules.targets} targets), all rules, p50 ${c.rules.p50Ms} ms, max ${c.rules.maxMs} ms over ${c.rules.runs} runs`);
    }
  } finally {
    await stopAll();
  }

  notMeasured("Lighthouse mobile (board, status view)", "not built into the bench yet; needs the lighthouse package and a run of its own");
  notMeasured("Prometheus + Alertmanager comparison", "not built into the bench yet; needs the prometheus and prometheus-alertmanager packages, alerting rules for the same condition and a webhook receiver");

  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  results.budget = budgetLines(results);
  console.log("\nBudget:");
  for (const b of results.budget) console.log(`  ${b.status.padEnd(12)} ${b.line} — ${b.figure}`);

  const out = path.resolve(root, flags.out);
  if (!existsSync(out)) mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(out, "latest.md"), renderMarkdown(results));
  console.log(`\nWrote ${path.relative(root, path.join(out, "latest.json"))} and latest.md (${results.durationSeconds} s)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
