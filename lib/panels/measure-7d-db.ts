// Measures the database path of a 7-day range: one-minute rollups for 7 days plus 6 h of raw
// 10-second samples for every exchange series, read back through TelemetryReader (bucketed to one
// minute for long ranges) and shaped into the exchange screen's charts.
// Run: npx tsx --conditions=react-server lib/panels/measure-7d-db.ts  (a measurement, not a test)
import { performance } from "node:perf_hooks";
import { openDatabase } from "../db/client";
import { telemetryRollups, telemetrySamples } from "../db/schema";
import { seriesKey } from "../collector/store";
import { TelemetryReader } from "./data";
import { buildChart, metricsOf, rollupAggFor, type ChartSpec } from "./charts";

async function main() {
  const h = await openDatabase({ dataDir: "memory://" });
  (globalThis as Record<symbol, unknown>)[Symbol.for("watchfloor.db")] = Promise.resolve(h);
  const now = Date.now();
  const week = 7 * 86_400_000;
  const rawFrom = now - 6 * 3_600_000;
  const sys = "spot-exchange";
  const series: { metric: string; entity: string; labels: Record<string, string>; counter: boolean }[] = [];
  for (const m of ["engine_queue_depth", "engine_loop_duration_p99_seconds", "engine_wal_fsync_duration_p99_seconds", "engine_cpu_usage_ratio", "kafka_producer_pending_messages", "ledger_settlement_lag_p99_seconds", "ws_connected_clients", "ws_connection_backlog_messages", "edge_cpu_usage_ratio", "kafka_brokers_up", "ledger_seq_mismatch"]) series.push({ metric: m, entity: "*", labels: {}, counter: false });
  for (const m of ["trading_api_errors_total", "trading_api_requests_total", "kafka_producer_errors_total", "ledger_db_transaction_errors_total", "invariant_checks_total", "ws_messages_sent_total", "replay_detect_total", "rate_limit_drops_total"]) series.push({ metric: m, entity: "*", labels: {}, counter: true });
  for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD", "DOGE-USD", "AVAX-USD", "LINK-USD"]) for (const m of ["engine_trades_total", "engine_sequenced_events_total"]) series.push({ metric: m, entity: s, labels: { symbol: s }, counter: true });
  const t0 = performance.now();
  for (const s of series) {
    const key = seriesKey({ system: sys, ...s });
    const rolled = [];
    for (let b = now - week; b < rawFrom; b += 60_000) {
      const i = (b - (now - week)) / 60_000;
      const v = s.counter ? i * 60 : 50 + 40 * Math.sin(i / 50);
      rolled.push({ seriesKey: key, system: sys, entity: s.entity, metric: s.metric, labels: s.labels, bucket: new Date(Math.floor(b / 60_000) * 60_000), avg: v, min: v, max: v, last: v, n: 6 });
    }
    for (let i = 0; i < rolled.length; i += 2000) await h.db.insert(telemetryRollups).values(rolled.slice(i, i + 2000)).onConflictDoNothing();
    const raw = [];
    for (let t = rawFrom; t < now; t += 10_000) raw.push({ seriesKey: key, system: sys, entity: s.entity, metric: s.metric, labels: s.labels, value: s.counter ? t / 1000 : 50, observedAt: new Date(t) });
    for (let i = 0; i < raw.length; i += 2000) await h.db.insert(telemetrySamples).values(raw.slice(i, i + 2000));
  }
  console.log(`seeded ${series.length} series (7 d of 1-min rollups + 6 h of 10-s raw) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const specs: ChartSpec[] = [
    ...series.filter((s) => !s.counter).map((s) => ({ id: s.metric, title: s.metric, unit: "", series: [{ label: s.metric, metric: s.metric }] })),
    ...["kafka_producer_errors_total", "ledger_db_transaction_errors_total", "invariant_checks_total", "ws_messages_sent_total", "replay_detect_total", "rate_limit_drops_total"].map((m) => ({ id: m, title: m, unit: "/min", series: [{ label: m, metric: m, counter: true, scale: 60 }] })),
    { id: "err", title: "err", unit: "%", series: [{ label: "e", metric: "trading_api_errors_total", counter: true, per: { metric: "trading_api_requests_total", counter: true } }] },
    { id: "tps", title: "tps", unit: "/s", series: [{ label: "{}", metric: "engine_trades_total", counter: true, splitBy: "entity" }] },
    { id: "seq", title: "seq", unit: "/s", series: [{ label: "{}", metric: "engine_sequenced_events_total", counter: true, splitBy: "entity" }] },
  ];
  for (let run = 0; run < 3; run++) {
    const r = new TelemetryReader(now, undefined);
    const a = performance.now();
    const hist = await r.history(sys, metricsOf(specs), now - week, now, rollupAggFor(specs));
    const b = performance.now();
    const charts = specs.map((s) => buildChart(s, hist, now - week, now));
    const c = performance.now();
    const pts = [...hist.values()].flat().reduce((x, s) => x + s.points.length, 0);
    console.log(`run ${run + 1}: read ${pts.toLocaleString("en-US")} points of ${[...hist.values()].flat().length} series in ${(b - a).toFixed(0)} ms, shaped ${charts.length} charts in ${(c - b).toFixed(0)} ms (max rows ${Math.max(...charts.map((x) => x.rows.length))})`);
  }
  await h.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
