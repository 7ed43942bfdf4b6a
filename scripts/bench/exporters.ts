// Bench phase "exporters", in a process of its own: the collector against N generic `prometheus`
// targets serving node_exporter-sized expositions (exporter-payloads.ts, another process, so
// serving is not counted), at their interval, optionally beside the simulated targets; then rule
// evaluation with M rules of your own loaded (a generated rules file of every rule type over the
// exporters' metrics) beside the catalog. Input: JSON on argv[2]; result: one IPC message (or
// printed when run directly: `tsx --conditions=react-server scripts/bench/exporters.ts '{}'`).
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { parseFleetConfig } from "../../lib/config/fleet";
import { openDatabase } from "../../lib/db/client";
import { Pipeline } from "../../lib/pipeline";
import { Collector } from "../../lib/collector/collector";
import { pollerFor } from "../../lib/telemetry/sources/pollers";
import { RULES, evaluateRules } from "../../lib/rules";
import { loadRulesFile } from "../../lib/rules/user";
import type { ExportersResult } from "./exporters-types";

export interface ExportersInput {
  /** Generic exporter targets and their interval. */
  targets: number;
  intervalMs: number;
  /** Simulated targets polled beside them (may be empty), at their own interval. */
  systems: { name: string; kind: string; url: string; credential: string }[];
  simulatedTargets: number;
  simulatedIntervalMs: number;
  warmupMs: number;
  windowMs: number;
  userRules: number;
}

export type { ExportersResult };

const DEFAULT_INPUT: ExportersInput = {
  targets: 200,
  intervalMs: 15_000,
  systems: [],
  simulatedTargets: 0,
  simulatedIntervalMs: 5000,
  warmupMs: 20_000,
  windowMs: 30_000,
  userRules: 500,
};

/**
 * M rules of every type over node_exporter metrics, ids bench_rule_NNN. As in a fleet where teams
 * own groups of hosts, each rule applies to one group of ten targets (host-00*, host-01*, …), so
 * each host is judged by about M / (targets / 10) of them.
 */
export function generatedRules(m: number, targets: number): string {
  const rules: object[] = [];
  const groups = Math.max(1, Math.ceil(targets / 10));
  const base = (i: number) => ({
    id: `bench_rule_${String(i).padStart(3, "0")}`,
    targets: { kinds: ["prometheus"], names: [`host-${String(i % groups).padStart(2, "0")}*`] },
    severity: (["SEV1", "SEV2", "SEV3"] as const)[i % 3],
    summary: "{{target}} {{entity}}: {{value}} ({{threshold}})",
    runbook: "https://wiki.example/bench",
  });
  for (let i = 0; i < m; i++) {
    switch (i % 5) {
      case 0:
        rules.push({
          ...base(i),
          type: "threshold",
          metric: "node_filesystem_avail_bytes",
          divideBy: "node_filesystem_size_bytes",
          labels: { fstype: "!~tmpfs" },
          entityLabel: "mountpoint",
          op: "<",
          value: 0.05 + (i % 10) / 100,
          for: "5m",
        });
        break;
      case 1:
        rules.push({
          ...base(i),
          type: "rate",
          metric: "node_cpu_seconds_total",
          labels: { mode: "=~user|system" },
          window: "5m",
          op: ">",
          value: 50 + i,
        });
        break;
      case 2:
        rules.push({ ...base(i), type: "consecutive", metric: "node_load1", op: ">", value: 90 + (i % 10), cycles: 3 });
        break;
      case 3:
        rules.push({ ...base(i), type: "absent", metric: "node_time_seconds", for: "2m" });
        break;
      default:
        rules.push({
          ...base(i),
          type: "count",
          metric: "node_scrape_collector_success",
          when: { op: "==", value: 0 },
          window: "10m",
          op: ">=",
          value: 3,
        });
    }
  }
  return stringify({ rules });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runExporters(input: ExportersInput): Promise<ExportersResult> {
  const payloads = fork(path.join(__dirname, "exporter-payloads.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<{ port: number; seriesPerTarget: number }>((resolve, reject) => {
    payloads.once("message", (m) => resolve(m as { port: number; seriesPerTarget: number }));
    payloads.once("exit", (code) => reject(new Error(`payload server exited with ${code}`)));
  });
  const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-bench-exporters-"));
  const secrets = new Map<string, string>();
  const targets: Record<string, unknown>[] = Array.from({ length: input.targets }, (_, i) => ({
    name: `host-${String(i).padStart(3, "0")}`,
    kind: "prometheus",
    baseUrl: `http://127.0.0.1:${ready.port}/t/${i}`,
    pollIntervalMs: input.intervalMs,
    scrape: { entityLabel: "mountpoint" },
  }));
  for (let i = 0; i < input.simulatedTargets && input.systems.length; i++) {
    const s = input.systems[i % input.systems.length]!;
    secrets.set(`BENCH_TOKEN_${i}`, s.credential);
    targets.push({
      name: `${s.name}-${String(i).padStart(3, "0")}`,
      kind: s.kind,
      baseUrl: s.url,
      simulated: true,
      pollIntervalMs: input.simulatedIntervalMs,
      credentials: { bearerTokenEnv: `BENCH_TOKEN_${i}` },
    });
  }
  const config = parseFleetConfig(
    stringify({
      defaults: { pollIntervalMs: input.intervalMs, timeoutMs: 4000, maxResponseBytes: 16 * 1024 * 1024 },
      targets,
    }),
    "bench fleet",
  );
  const rulesFile = path.join(dir, "rules.yaml");
  writeFileSync(rulesFile, generatedRules(input.userRules, input.targets));
  // The runtime's board engine reads the rules file the environment names.
  process.env.WATCHFLOOR_RULES_FILE = rulesFile;
  const { rules: userRules } = loadRulesFile(rulesFile);
  const cycles = (wall: number) =>
    (input.targets * wall) / input.intervalMs +
    (input.systems.length ? (input.simulatedTargets * wall) / input.simulatedIntervalMs : 0);

  try {
    // 1. Polling and parsing alone.
    const bare = new Collector({ config, pollerFor, secret: (n) => secrets.get(n), userAgent: "Watchfloor-bench" });
    let barePolls = 0;
    bare.events.on("change", (e: { type: string }) => {
      if (e.type === "samples") barePolls++;
    });
    bare.start();
    await sleep(Math.min(input.warmupMs, input.intervalMs + 1000));
    let cpu0 = process.cpuUsage();
    let polls0 = barePolls;
    let t0 = performance.now();
    await sleep(input.windowMs);
    let cpu = process.cpuUsage(cpu0);
    let wall = performance.now() - t0;
    bare.stop();
    const pollingOnly = {
      windowSeconds: Math.round(wall / 100) / 10,
      polls: barePolls - polls0,
      expectedPolls: Math.round(cycles(wall)),
      cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
    };
    await sleep(1000);

    // 2. The runtime the server runs: history into the embedded database, rules (catalog and the
    // generated rules file), findings.
    const h = await openDatabase({ dataDir: path.join(dir, "data") });
    // The whole leader (collector, evaluator with the rules file, their wiring), without a board feed.
    const pipeline = new Pipeline({
      config,
      db: h.db,
      collect: true,
      pollerFor,
      secret: (n) => secrets.get(n),
      instanceId: "bench-exporters",
      feed: null,
    });
    let polls = 0;
    try {
      await pipeline.start();
      const rt = pipeline.collector!;
      rt.events.on("change", (e: { type: string }) => {
        if (e.type === "samples") polls++;
      });
      await sleep(input.warmupMs);
      cpu0 = process.cpuUsage();
      polls0 = polls;
      t0 = performance.now();
      await sleep(input.windowMs);
      cpu = process.cpuUsage(cpu0);
      wall = performance.now() - t0;
      const runtime = {
        windowSeconds: Math.round(wall / 100) / 10,
        polls: polls - polls0,
        expectedPolls: Math.round(cycles(wall)),
        cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
        rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
        totalSeries: rt.store.allSeries().length,
      };
      rt.collector.stop();
      pipeline.engine?.stop();

      // 3. Rule evaluation over the exporters' telemetry: catalog + the user rules, timed.
      const collector = rt.collector!;
      const generic = collector.targetsForRules().filter((t) => t.kind === "prometheus");
      const ctx = {
        now: Date.now(),
        history: rt.store,
        freshness: (system: string, endpoint?: string) => collector.freshness(system, endpoint),
        sourceProblem: (system: string, endpoint: string) => collector.sourceProblem(system, endpoint),
        targets: generic,
      };
      const all = [...RULES, ...userRules];
      let findings = evaluateRules(ctx, all).length;
      const runs: number[] = [];
      for (let i = 0; i < 15; i++) {
        const a = performance.now();
        findings = evaluateRules(ctx, all).length;
        runs.push(performance.now() - a);
      }
      runs.sort((a, b) => a - b);
      return {
        targets: input.targets,
        intervalMs: input.intervalMs,
        seriesPerTarget: ready.seriesPerTarget,
        simulatedTargets: input.systems.length ? input.simulatedTargets : 0,
        simulatedIntervalMs: input.simulatedIntervalMs,
        pollingOnly,
        runtime,
        rules: {
          userRules: userRules.length,
          userRulesPerTarget: Math.round(userRules.length / Math.max(1, Math.ceil(input.targets / 10))),
          catalogRules: RULES.length,
          targets: generic.length,
          series: generic.reduce((n, t) => n + rt.store.allSeries(t.name).length, 0),
          findings,
          runs: runs.length,
          p50Ms: Math.round(runs[Math.floor(runs.length / 2)]! * 10) / 10,
          maxMs: Math.round(runs[runs.length - 1]! * 10) / 10,
        },
      };
    } finally {
      await pipeline.stop().catch(() => {});
      await h.close().catch(() => {});
    }
  } finally {
    payloads.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const input = { ...DEFAULT_INPUT, ...(JSON.parse(process.argv[2] ?? "{}") as Partial<ExportersInput>) };
  runExporters(input)
    .then((r) => {
      if (process.send) process.send({ type: "result", ...r });
      else console.log(JSON.stringify(r, null, 2));
      setTimeout(() => process.exit(0), 100);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
