// Collector cost, in a process of its own so the simulated targets' CPU is not counted: the
// collector runtime the server runs (polling, parsing, history into the embedded database, rule
// evaluation, findings) against N targets on the simulated fleet, and rule evaluation timed over
// the telemetry it collected. Input: JSON on argv[2]; result: one IPC message.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { parseFleetConfig } from "../../lib/config/fleet";
import { openDatabase } from "../../lib/db/client";
import { Pipeline } from "../../lib/pipeline";
import { Collector } from "../../lib/collector/collector";
import { BatchedHistorySink } from "../../lib/collector/history-batch";
import { pollerFor } from "../../lib/telemetry/sources/pollers";
import { evaluateRules } from "../../lib/rules";

interface Input {
  systems: { name: string; kind: string; url: string; credential: string }[];
  targets: number;
  intervalMs: number;
  warmupMs: number;
  windowMs: number;
  ruleSeries: number;
}

/**
 * With BENCH_CPU_PROF=<dir>: a V8 CPU profile of the full runtime's measuring window only
 * (`collector-full-runtime.cpuprofile`), without the start-up, the database's creation and the
 * other phases that the whole-process profile (--cpu-prof) also holds.
 */
async function windowProfile(): Promise<{ stop(): Promise<void> } | null> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return null;
  const { Session } = await import("node:inspector");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
    );
  await post("Profiler.enable");
  await post("Profiler.start");
  return {
    async stop() {
      const { profile } = await post<{ profile: unknown }>("Profiler.stop");
      writeFileSync(path.join(dir, "collector-full-runtime.cpuprofile"), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main() {
  const input = JSON.parse(process.argv[2]!) as Input;
  const secrets = new Map<string, string>();
  const targets = Array.from({ length: input.targets }, (_, i) => {
    const s = input.systems[i % input.systems.length]!;
    const env = `BENCH_TOKEN_${i}`;
    secrets.set(env, s.credential);
    return {
      name: `${s.name}-${String(i).padStart(3, "0")}`,
      kind: s.kind,
      label: `${s.name} #${i}`,
      baseUrl: s.url,
      simulated: true,
      pollIntervalMs: input.intervalMs,
      credentials: { bearerTokenEnv: env },
    };
  });
  const config = parseFleetConfig(
    stringify({ defaults: { pollIntervalMs: input.intervalMs, timeoutMs: 4000 }, targets }),
    "bench fleet",
  );

  const secret = (n: string) => secrets.get(n);
  /** One collector's CPU over a window after one interval of warm-up, and the polls it made. */
  const measure = async (c: Collector) => {
    let polls = 0;
    c.events.on("change", (e: { type: string }) => {
      if (e.type === "samples") polls++;
    });
    c.start();
    await new Promise((r) => setTimeout(r, input.intervalMs + 1000));
    const cpu0 = process.cpuUsage();
    const polls0 = polls;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, Math.max(input.intervalMs * 3, input.windowMs / 2)));
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    c.stop();
    return {
      windowSeconds: Math.round(wall / 100) / 10,
      pollsInWindow: polls - polls0,
      expectedPolls: Math.round((input.targets * wall) / input.intervalMs),
      cpuPercentOfOneCore: Math.round((cpuMs / wall) * 1000) / 10,
      cpuMsPerCycle: Math.round(cpuMs / (wall / input.intervalMs)),
    };
  };

  // 1. Polling and parsing alone: the collector with no history sink and no rule evaluation.
  const pollingOnly = await measure(new Collector({ config, pollerFor, secret, userAgent: "Watchfloor-bench" }));
  await new Promise((r) => setTimeout(r, 1000));

  // 2. Polling, parsing and the history writes (batched into the embedded database on disk, as the
  // server writes them), no rules: what the history path adds, so the rest is the evaluator's.
  const historyDir = mkdtempSync(path.join(tmpdir(), "watchfloor-bench-history-"));
  const hh = await openDatabase({ dataDir: historyDir });
  const sink = new BatchedHistorySink(hh.db);
  let withHistory;
  try {
    withHistory = await measure(new Collector({ config, pollerFor, secret, userAgent: "Watchfloor-bench", sink }));
    await sink.close({ flush: true });
  } finally {
    await hh.close().catch(() => {});
    rmSync(historyDir, { recursive: true, force: true });
  }
  await new Promise((r) => setTimeout(r, 1000));

  // 2. The runtime the server runs.
  const dataDir = mkdtempSync(path.join(tmpdir(), "watchfloor-bench-collector-"));
  const h = await openDatabase({ dataDir });
  // The whole leader: collector, evaluator and their wiring, without a board feed (no viewers).
  const pipeline = new Pipeline({
    config,
    db: h.db,
    collect: true,
    pollerFor,
    secret,
    instanceId: "bench-collector",
    feed: null,
  });
  let polls = 0;
  try {
    await pipeline.start();
    const rt = pipeline.collector!;
    rt.events.on("change", (e: { type: string }) => {
      if (e.type === "samples") polls++;
    });
    await new Promise((r) => setTimeout(r, input.warmupMs));
    const profile = await windowProfile();
    const cpu0 = process.cpuUsage();
    const polls0 = polls;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, input.windowMs));
    const cpu = process.cpuUsage(cpu0);
    await profile?.stop();
    const wall = performance.now() - t0;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const cycles = wall / input.intervalMs;
    const pollsInWindow = polls - polls0;
    const rss = process.memoryUsage().rss / 2 ** 20;
    rt.collector.stop();
    pipeline.engine?.stop();

    // Rule evaluation over the collected telemetry: the first targets whose series add up to the
    // requested count, all rules, timed over repeated runs.
    const collector = rt.collector!;
    const all = collector.targetsForRules();
    const picked: typeof all = [];
    let series = 0;
    for (const t of all) {
      if (series >= input.ruleSeries) break;
      picked.push(t);
      series += rt.store.allSeries(t.name).length;
    }
    const ctx = {
      now: Date.now(),
      history: rt.store,
      freshness: (system: string, endpoint?: string) => collector.freshness(system, endpoint),
      targets: picked,
    };
    let findings = evaluateRules(ctx).length;
    const runs: number[] = [];
    for (let i = 0; i < 15; i++) {
      const a = performance.now();
      findings = evaluateRules(ctx).length;
      runs.push(performance.now() - a);
    }
    runs.sort((a, b) => a - b);
    process.send!({
      type: "result",
      pollingOnly,
      withHistory,
      targets: input.targets,
      intervalMs: input.intervalMs,
      windowSeconds: Math.round(wall / 100) / 10,
      pollsInWindow,
      expectedPolls: Math.round(input.targets * cycles),
      windowRequestedSeconds: input.windowMs / 1000,
      cpuPercentOfOneCore: Math.round((cpuMs / wall) * 1000) / 10,
      cpuMsPerCycle: Math.round(cpuMs / cycles),
      cpuMsPerPoll: pollsInWindow ? Math.round((cpuMs / pollsInWindow) * 100) / 100 : null,
      rssMiB: Math.round(rss),
      totalSeries: rt.store.allSeries().length,
      rules: {
        series,
        targets: picked.length,
        findings,
        runs: runs.length,
        p50Ms: Math.round(runs[Math.floor(runs.length / 2)]! * 10) / 10,
        maxMs: Math.round(runs[runs.length - 1]! * 10) / 10,
      },
    });
  } finally {
    await pipeline.stop().catch(() => {});
    await h.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
  setTimeout(() => process.exit(0), 100);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
