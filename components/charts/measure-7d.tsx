// Measures the 7-day path: shaping a week of 10-second points for every exchange chart, then
// rendering the chart components to HTML on the server. Run: npx tsx components/charts/measure-7d.tsx
// (a measurement, not a test: nothing here asserts a time).
import { performance } from "node:perf_hooks";
import { renderToString } from "react-dom/server";
import { TimeChart } from "./time-chart";
import { buildChart, type ChartSpec } from "../../lib/panels/charts";
import type { RawSeries } from "../../lib/panels/data";

const WEEK = 7 * 86_400_000;
const STEP = 10_000;
const now = Date.UTC(2026, 0, 8);
const from = now - WEEK;
const n = WEEK / STEP; // 60,480 points a series

function series(metric: string, entity: string, labels: Record<string, string>, f: (i: number) => number): RawSeries {
  const points = new Array(n);
  for (let i = 0; i < n; i++) points[i] = { t: from + i * STEP, v: f(i) };
  return { key: `${metric}|${entity}|${JSON.stringify(labels)}`, entity, labels, points };
}

const symbols = ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD", "DOGE-USD", "AVAX-USD", "LINK-USD"];
const data = new Map<string, RawSeries[]>();
const put = (m: string, s: RawSeries) => data.set(m, [...(data.get(m) ?? []), s]);
let counter = 0;
const gauge = (i: number) => 50 + 40 * Math.sin(i / 300) + ((i * 7919) % 13);
const count = (i: number) => i * 3 + ((i * 31) % 7);
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
  "trading_api_request_duration_seconds:p50_window",
  "trading_api_request_duration_seconds:p99_window",
  "kafka_brokers_up",
  "ledger_seq_mismatch",
])
  put(m, series(m, "*", {}, gauge));
for (const m of [
  "trading_api_errors_total",
  "trading_api_requests_total",
  "kafka_producer_errors_total",
  "ledger_db_transaction_errors_total",
  "invariant_checks_total",
  "invariant_violation_total",
  "ws_messages_sent_total",
  "replay_detect_total",
  "rate_limit_drops_total",
  "fencing_token_rejections_total",
  "state_hash_divergence_total",
])
  put(m, series(m, "*", {}, count));
for (const s of symbols) {
  put("engine_trades_total", series("engine_trades_total", s, { symbol: s }, count));
  put("engine_sequenced_events_total", series("engine_sequenced_events_total", s, { symbol: s }, count));
  put(
    "duplicate_seq_total",
    series("duplicate_seq_total", s, { symbol: s }, () => 0),
  );
}
for (const g of ["ledger-settlement", "analytics"])
  put("kafka_consumer_lag_messages", series("kafka_consumer_lag_messages", "*", { group: g }, gauge));
for (const r of ["NORMAL", "GOING_AWAY", "SLOW_CONSUMER"])
  put("ws_close_total", series("ws_close_total", "*", { reason: r }, count));
for (const r of ["bad_signature", "expired", "unknown_key"])
  put("auth_fail_total", series("auth_fail_total", "*", { reason: r }, count));
for (const node of ["engine-a", "engine-b"])
  put(
    "leader_fencing_token",
    series("leader_fencing_token", "*", { node }, () => 7),
  );
for (const list of data.values()) counter += list.length;

// The exchange screen's chart specs (the same shapes as lib/panels/exchange.ts, without its context).
const specs: ChartSpec[] = [
  {
    id: "api-latency",
    title: "Trading API latency",
    unit: "ms",
    series: [
      { label: "p50", metric: "trading_api_request_duration_seconds:p50_window", scale: 1000 },
      { label: "p99", metric: "trading_api_request_duration_seconds:p99_window", scale: 1000 },
    ],
  },
  {
    id: "api-errors",
    title: "Errors",
    unit: "%",
    series: [
      {
        label: "e",
        metric: "trading_api_errors_total",
        counter: true,
        per: { metric: "trading_api_requests_total", counter: true },
        scale: 100,
      },
    ],
  },
  ...[
    "engine_queue_depth",
    "engine_loop_duration_p99_seconds",
    "engine_wal_fsync_duration_p99_seconds",
    "engine_cpu_usage_ratio",
    "kafka_producer_pending_messages",
    "kafka_brokers_up",
    "ledger_settlement_lag_p99_seconds",
    "ledger_seq_mismatch",
    "ws_connected_clients",
    "ws_connection_backlog_messages",
    "edge_cpu_usage_ratio",
  ].map((m) => ({ id: m, title: m, unit: "", series: [{ label: m, metric: m }] })),
  {
    id: "tps",
    title: "TPS",
    unit: "/s",
    series: [{ label: "{}", metric: "engine_trades_total", counter: true, splitBy: "entity" }],
  },
  {
    id: "seq",
    title: "Seq",
    unit: "/s",
    series: [{ label: "{}", metric: "engine_sequenced_events_total", counter: true, splitBy: "entity" }],
  },
  {
    id: "lag",
    title: "Lag",
    unit: "",
    series: [{ label: "{}", metric: "kafka_consumer_lag_messages", splitBy: { label: "group" } }],
  },
  {
    id: "ledger-lag",
    title: "Ledger lag",
    unit: "",
    series: [{ label: "l", metric: "kafka_consumer_lag_messages", labels: { group: "ledger-settlement" } }],
  },
  ...[
    "kafka_producer_errors_total",
    "ledger_db_transaction_errors_total",
    "ws_messages_sent_total",
    "replay_detect_total",
    "rate_limit_drops_total",
  ].map((m) => ({ id: m, title: m, unit: "/min", series: [{ label: m, metric: m, counter: true, scale: 60 }] })),
  {
    id: "inv",
    title: "Invariants",
    unit: "/min",
    series: [
      { label: "c", metric: "invariant_checks_total", counter: true },
      { label: "v", metric: "invariant_violation_total", counter: true },
    ],
  },
  {
    id: "closes",
    title: "Closes",
    unit: "/min",
    series: [{ label: "{}", metric: "ws_close_total", counter: true, splitBy: { label: "reason" } }],
  },
  {
    id: "auth",
    title: "Auth",
    unit: "/min",
    series: [{ label: "{}", metric: "auth_fail_total", counter: true, splitBy: { label: "reason" } }],
  },
  {
    id: "token",
    title: "Token",
    unit: "",
    series: [{ label: "{}", metric: "leader_fencing_token", splitBy: { label: "node" } }],
  },
  {
    id: "anom",
    title: "Anomalies",
    unit: "/min",
    series: [
      { label: "f", metric: "fencing_token_rejections_total", counter: true },
      { label: "d", metric: "duplicate_seq_total", counter: true },
      { label: "h", metric: "state_hash_divergence_total", counter: true },
    ],
  },
];

const runs: { shape: number; render: number }[] = [];
for (let run = 0; run < 4; run++) {
  const t0 = performance.now();
  const charts = specs.map((s) => buildChart(s, data, from, now));
  const t1 = performance.now();
  const html = renderToString(
    <>
      {charts.map((c) => (
        <TimeChart key={c.id} chart={c} now={now} />
      ))}
    </>,
  );
  const t2 = performance.now();
  runs.push({ shape: t1 - t0, render: t2 - t1 });
  if (run === 0) {
    const rows = charts.reduce((a, c) => a + c.rows.length, 0);
    console.log(
      `${specs.length} charts, ${counter} series × ${n.toLocaleString("en-US")} points = ${(counter * n).toLocaleString("en-US")} raw points → ${rows.toLocaleString("en-US")} rows (max per chart ${Math.max(...charts.map((c) => c.rows.length))}); HTML ${(html.length / 1024).toFixed(0)} KiB`,
    );
  }
}
for (const [i, r] of runs.entries())
  console.log(
    `run ${i + 1}: shaping ${r.shape.toFixed(0)} ms, server render ${r.render.toFixed(0)} ms, total ${(r.shape + r.render).toFixed(0)} ms`,
  );

// One chart (two series, a week of 10-second points each), the unit the page streams per panel.
for (let run = 0; run < 3; run++) {
  const t0 = performance.now();
  const c = buildChart(specs[0]!, data, from, now);
  const t1 = performance.now();
  renderToString(<TimeChart chart={c} now={now} />);
  const t2 = performance.now();
  console.log(
    `one chart (2 × ${n.toLocaleString("en-US")} points → ${c.rows.length} rows): shaping ${(t1 - t0).toFixed(0)} ms, render ${(t2 - t1).toFixed(0)} ms`,
  );
}
