// Measures the database path of the exchange screen's charts for 1 h, 1 d and 7 d: a week of
// history for every exchange series in an in-memory PGlite (one-minute rollups for the week, 10 s
// raw samples for the last 6 h, then the real rollup run as of 5 minutes ago, which rolls the raw
// samples into both tiers and builds the ten-minute tier),
// read back through TelemetryReader (no collector in this process, so everything comes from the
// database), shaped into charts, and server-rendered to HTML (in a child process: this one runs
// under the react-server condition, where react-dom/server cannot render client components).
// Prints the median of several runs of each step; `--explain` also prints the query plans of the
// 7-day read. A measurement, not a test.
// Run: npx tsx --conditions=react-server scripts/measure-7d-db.ts [--runs N] [--explain]
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { loadavg } from "node:os";
import { openDatabase } from "../lib/db/client";
import { rollupAndPrune } from "../lib/collector/history";
import { seriesKey } from "../lib/collector/store";
import { planHistoryRead } from "../lib/collector/tiers";
import { TelemetryReader } from "../lib/panels/data";
import { buildChart, metricsOf, rollupAggFor, type ChartSpec } from "../lib/panels/charts";
import { MAX_POINTS, type ShapedChart } from "../lib/panels/shape";

const H = 3_600_000;
const RANGES: [string, number][] = [
  ["1 h", H],
  ["1 d", 24 * H],
  ["7 d", 7 * 24 * H],
];

const arg = (name: string) => process.argv.indexOf(name);
const RUNS = arg("--runs") > 0 ? Number(process.argv[arg("--runs") + 1]) : 5;
const EXPLAIN = arg("--explain") > 0;
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`--runs needs a whole number of runs (1 or more), got ${process.argv[arg("--runs") + 1]}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");

async function main() {
  const h = await openDatabase({ dataDir: "memory://" });
  (globalThis as Record<symbol, unknown>)[Symbol.for("watchfloor.db")] = Promise.resolve(h);
  const now = Date.now();
  const weekFrom = Math.floor((now - 7 * 24 * H) / 60_000) * 60_000;
  const rawFrom = Math.floor((now - 6 * H) / 60_000) * 60_000;
  const sys = "spot-exchange";
  const series: { metric: string; entity: string; labels: Record<string, string>; counter: boolean }[] = [];
  for (const m of [
    "engine_queue_depth",
    "engine_loop_duration_p99_seconds",
    "engine_wal_fsync_duration_p99_seconds",
    "engine_cpu_usage_ratio",
    "kafka_producer_pending_messages",
    "ledger_settlement_lag_p99_seconds",
    "ws_connected_clients",
    "ws_connection_backlog_messages",
    "edge_cpu_usage_ratio",
    "kafka_brokers_up",
    "ledger_seq_mismatch",
  ])
    series.push({ metric: m, entity: "*", labels: {}, counter: false });
  for (const m of [
    "trading_api_errors_total",
    "trading_api_requests_total",
    "kafka_producer_errors_total",
    "ledger_db_transaction_errors_total",
    "invariant_checks_total",
    "ws_messages_sent_total",
    "replay_detect_total",
    "rate_limit_drops_total",
  ])
    series.push({ metric: m, entity: "*", labels: {}, counter: true });
  for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD", "DOGE-USD", "AVAX-USD", "LINK-USD"])
    for (const m of ["engine_trades_total", "engine_sequenced_events_total"])
      series.push({ metric: m, entity: s, labels: { symbol: s }, counter: true });

  // Seeded in SQL (generate_series): the same rows the collector would have written, in seconds.
  // Counters count one per second since the start of the week; gauges swing on a slow sine.
  const t0 = performance.now();
  const ts = (ms: number) => `${lit(new Date(ms).toISOString())}::timestamptz`;
  for (const s of series) {
    const cols = `${lit(seriesKey({ system: sys, ...s }))}, ${lit(sys)}, ${lit(s.entity)}, ${lit(s.metric)}, ${lit(JSON.stringify(s.labels))}::jsonb`;
    const secs = (col: string) => `extract(epoch from ${col} - ${ts(weekFrom)})`;
    const gauge = (col: string) => `(50 + 40 * sin(${secs(col)} / 3000))`;
    await h.exec(
      s.counter
        ? `insert into telemetry_rollups_1m (series_key, system, entity, metric, labels, bucket, avg, min, max, last, n)
           select ${cols}, b, ${secs("b")} + 25, ${secs("b")}, ${secs("b")} + 50, ${secs("b")} + 50, 6
           from generate_series(${ts(weekFrom)}, ${ts(rawFrom - 60_000)}, interval '1 minute') b`
        : `insert into telemetry_rollups_1m (series_key, system, entity, metric, labels, bucket, avg, min, max, last, n)
           select ${cols}, b, ${gauge("b")}, ${gauge("b")} - 5, ${gauge("b")} + 5, ${gauge("b")}, 6
           from generate_series(${ts(weekFrom)}, ${ts(rawFrom - 60_000)}, interval '1 minute') b`,
    );
    await h.exec(`insert into telemetry_samples (series_key, system, entity, metric, labels, value, observed_at)
      select ${cols}, ${s.counter ? secs("t") : gauge("t")}, t
      from generate_series(${ts(rawFrom)}, ${ts(now - 1)}, interval '10 seconds') t`);
  }
  const t1 = performance.now();
  // The real rollup run, as the collector's last one 5 minutes ago: it counts the raw samples up
  // to then into both tiers and fills the ten-minute tier from the one-minute rows; the last
  // 5 minutes stay raw, not rolled, as they would be between runs.
  await rollupAndPrune(h.db, { now: now - 5 * 60_000 });
  const t2 = performance.now();
  console.log(
    `seeded ${series.length} series (7 d of 1-min rollups + 6 h of 10-s raw) in ${((t1 - t0) / 1000).toFixed(1)} s; rollup run (fills the 10-min tier) ${((t2 - t1) / 1000).toFixed(1)} s`,
  );

  const specs: ChartSpec[] = [
    ...series
      .filter((s) => !s.counter)
      .map((s) => ({ id: s.metric, title: s.metric, unit: "", series: [{ label: s.metric, metric: s.metric }] })),
    ...[
      "kafka_producer_errors_total",
      "ledger_db_transaction_errors_total",
      "invariant_checks_total",
      "ws_messages_sent_total",
      "replay_detect_total",
      "rate_limit_drops_total",
    ].map((m) => ({ id: m, title: m, unit: "/min", series: [{ label: m, metric: m, counter: true, scale: 60 }] })),
    {
      id: "err",
      title: "err",
      unit: "%",
      series: [
        {
          label: "e",
          metric: "trading_api_errors_total",
          counter: true,
          per: { metric: "trading_api_requests_total", counter: true },
        },
      ],
    },
    {
      id: "tps",
      title: "tps",
      unit: "/s",
      series: [{ label: "{}", metric: "engine_trades_total", counter: true, splitBy: "entity" }],
    },
    {
      id: "seq",
      title: "seq",
      unit: "/s",
      series: [{ label: "{}", metric: "engine_sequenced_events_total", counter: true, splitBy: "entity" }],
    },
  ];

  const results: {
    name: string;
    plan: string;
    read: number[];
    shape: number[];
    points: number;
    perSeries: number;
    rows: number;
    charts: ShapedChart[];
  }[] = [];
  for (const [name, range] of RANGES) {
    const plan = planHistoryRead(range, MAX_POINTS);
    const r = {
      name,
      plan: plan.bucketMs
        ? `${plan.bucketMs / 60_000}-min buckets from the ${plan.rollup} tier + raw`
        : "exact raw points",
      read: [] as number[],
      shape: [] as number[],
      points: 0,
      perSeries: 0,
      rows: 0,
      charts: [] as ShapedChart[],
    };
    for (let run = 0; run < RUNS; run++) {
      const reader = new TelemetryReader(now, undefined);
      const a = performance.now();
      const hist = await reader.history(sys, metricsOf(specs), now - range, now, rollupAggFor(specs));
      const b = performance.now();
      const charts = specs.map((s) => buildChart(s, hist, now - range, now));
      const c = performance.now();
      r.read.push(b - a);
      r.shape.push(c - b);
      const all = [...hist.values()].flat();
      r.points = all.reduce((x, s) => x + s.points.length, 0);
      r.perSeries = Math.max(...all.map((s) => s.points.length));
      r.rows = Math.max(...charts.map((x) => x.rows.length));
      r.charts = charts;
    }
    results.push(r);
  }

  // Render in a child process (see the top of the file); it reports its own timings.
  const require = createRequire(__filename);
  const child = spawnSync(
    process.execPath,
    [require.resolve("tsx/cli"), path.join(process.cwd(), "components/charts/measure-render.tsx")],
    {
      input: JSON.stringify({ now, runs: RUNS, sets: results.map((r) => ({ name: r.name, charts: r.charts })) }),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`rendering failed (exit ${child.status}): ${child.stderr}`);
  const rendered = JSON.parse(child.stdout) as Record<string, { ms: number[]; htmlKiB: number }>;

  console.log(`\n${specs.length} charts, ${series.length} series; median of ${RUNS} runs; load average ${load()}`);
  console.log("range  read     shape   render  total    points (max/series)  max rows  plan");
  for (const r of results) {
    const rd = median(r.read);
    const sh = median(r.shape);
    const rn = median(rendered[r.name]!.ms);
    const col = (ms: number, w = 8) => `${ms.toFixed(0)} ms`.padEnd(w);
    console.log(
      `${r.name.padEnd(6)} ${col(rd, 9)}${col(sh)}${col(rn)}${col(rd + sh + rn, 9)}${`${r.points.toLocaleString("en-US")} (${r.perSeries})`.padEnd(21)}${String(r.rows).padEnd(10)}${r.plan}`,
    );
  }
  for (const r of results)
    console.log(
      `${r.name}: read runs ${r.read.map((x) => x.toFixed(0)).join(", ")} ms; render runs ${rendered[r.name]!.ms.map((x) => x.toFixed(0)).join(", ")} ms; HTML ${rendered[r.name]!.htmlKiB.toFixed(0)} KiB`,
    );

  if (EXPLAIN) {
    // The queries of one 7-day read, captured from the driver and explained with their parameters.
    const client = (
      h.db as unknown as {
        session: {
          client: { query: (q: string, p?: unknown[], o?: unknown) => Promise<{ rows: Record<string, unknown>[] }> };
        };
      }
    ).session.client;
    const seen: [string, unknown[]][] = [];
    const original = client.query.bind(client);
    client.query = (q, p, o) => {
      seen.push([q, p ?? []]);
      return original(q, p, o);
    };
    await new TelemetryReader(now, undefined).history(
      sys,
      metricsOf(specs),
      now - 7 * 24 * H,
      now,
      rollupAggFor(specs),
    );
    client.query = original;
    for (const [q, p] of seen) {
      console.log(`\n-- ${q}`);
      const plan = await original(`explain (analyze, buffers) ${q}`, p);
      for (const row of plan.rows) console.log(String(Object.values(row)[0]));
    }
  }
  await h.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
