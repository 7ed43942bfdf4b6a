import "server-only";
import type { Actor } from "../auth/roles";
import { SYSTEM_ENTITY } from "../telemetry/model";
import { SYMBOL_MODES } from "../telemetry/sources/schemas/spot-exchange";
import { buildChart, metricsOf, rollupAggFor, type ChartSpec } from "./charts";
import { panelContext, type PanelContext, type PanelFinding, type PanelSystem, type RangeWindow } from "./context";
import type { LatestValue } from "./data";
import { RANGES, type RangeKey, type ShapedChart } from "./shape";
import type { TargetConfig } from "../config/fleet";

// The spot exchange's core dashboards (seed 004 §2 "must exist"): trading API, engine, per-symbol
// TPS and seq rate with the symbol's mode, Kafka, ledger, WS edge, edge auth, leadership.

export interface ExchangeSection {
  id: string;
  title: string;
  charts: ShapedChart[];
  /** Rule findings that belong to this section, open now. */
  findings: PanelFinding[];
}

export interface SymbolRow {
  symbol: string;
  mode: string | null;
  tps: number | null;
  seqRate: number | null;
  openOrders: number | null;
  at?: number;
}

export interface LeaderRow {
  node: string;
  holdsLease: boolean | null;
  fencingToken: number | null;
}

export interface ExchangeView {
  system: PanelSystem;
  window: RangeWindow;
  sections: ExchangeSection[];
  symbols: SymbolRow[];
  leaders: LeaderRow[];
  brokers: { broker: string; up: boolean }[];
  settlement: { t2: number; t3: number; p99: number | null; policy: string | null };
  facts: { label: string; value: string; tone?: "bad" | "ok" }[];
  error?: string;
}

const ms = 1000;
const perMin = 60;

function num(p: Record<string, unknown>, k: string, d: number): number {
  const v = p[k];
  return typeof v === "number" ? v : d;
}

export function exchangeSpecs(
  ctx: PanelContext,
  target: TargetConfig,
): { id: string; title: string; rules: string[]; charts: ChartSpec[] }[] {
  const lat = ctx.params("api_latency", target);
  const err = ctx.params("api_error_rate", target);
  const st = ctx.params("settlement_lag", target);
  const kafka = ctx.params("kafka_outage", target);
  const pg = ctx.params("postgres_health", target);
  const ws = ctx.params("ws_slow_consumer", target);
  const auth = ctx.params("edge_auth_failures", target);
  const replay = ctx.params("replay_detect", target);
  const t2 = num(st, "t2Seconds", 5);
  const t3 = num(st, "t3Seconds", 30);
  const wsWin = num(ws, "windowMinutes", 5);
  const authWin = num(auth, "windowMinutes", 5);
  const replayWin = num(replay, "windowMinutes", 5);
  return [
    {
      id: "api",
      title: "Trading API",
      rules: ["api_latency", "api_error_rate"],
      charts: [
        {
          id: "api-latency",
          title: "Trading API latency p50 / p99",
          unit: "ms",
          digits: 1,
          series: [
            { label: "p50", metric: "trading_api_request_duration_seconds:p50_window", scale: ms },
            { label: "p99", metric: "trading_api_request_duration_seconds:p99_window", scale: ms },
          ],
          thresholds: [
            {
              value: num(lat, "p99Seconds", 0.25) * ms,
              label: `p99 warning ${num(lat, "p99Seconds", 0.25) * ms} ms`,
              kind: "warning",
              appliesTo: 1,
            },
          ],
          notes: [
            `Warning when p99 stays above ${num(lat, "p99Seconds", 0.25) * ms} ms for more than ${num(lat, "forMinutes", 5)} minutes.`,
          ],
        },
        {
          id: "api-errors",
          title: "Trading API error rate",
          unit: "%",
          digits: 2,
          series: [
            {
              label: "errors ÷ requests",
              metric: "trading_api_errors_total",
              counter: true,
              per: { metric: "trading_api_requests_total", counter: true },
              scale: 100,
            },
          ],
          thresholds: [
            {
              value: num(err, "warnRatio", 0.01) * 100,
              label: `warning ${num(err, "warnRatio", 0.01) * 100} %`,
              kind: "warning",
            },
            {
              value: num(err, "criticalRatio", 0.05) * 100,
              label: `critical ${num(err, "criticalRatio", 0.05) * 100} %`,
              kind: "critical",
            },
          ],
        },
      ],
    },
    {
      id: "engine",
      title: "Matching engine",
      rules: [],
      charts: [
        {
          id: "engine-queue",
          title: "Engine queue depth",
          unit: "events",
          digits: 0,
          series: [{ label: "queue depth", metric: "engine_queue_depth" }],
        },
        {
          id: "engine-loop",
          title: "Engine loop p99",
          unit: "ms",
          digits: 2,
          series: [{ label: "loop p99", metric: "engine_loop_duration_p99_seconds", scale: ms }],
        },
        {
          id: "engine-wal",
          title: "WAL fsync p99",
          unit: "ms",
          digits: 2,
          series: [{ label: "WAL fsync p99", metric: "engine_wal_fsync_duration_p99_seconds", scale: ms }],
        },
        {
          id: "engine-cpu",
          title: "Engine CPU",
          unit: "%",
          digits: 1,
          series: [{ label: "CPU", metric: "engine_cpu_usage_ratio", scale: 100 }],
          thresholds: [{ value: 100, label: "100 %", kind: "limit" }],
          notes: ["GC/alloc: not applicable (the engine is Rust)."],
        },
        {
          id: "engine-tps",
          title: "Trades per second by symbol",
          unit: "trades/s",
          digits: 2,
          series: [{ label: "{}", metric: "engine_trades_total", counter: true, splitBy: "entity" }],
        },
        {
          id: "engine-seq",
          title: "Sequenced events per second by symbol",
          unit: "events/s",
          digits: 2,
          series: [{ label: "{}", metric: "engine_sequenced_events_total", counter: true, splitBy: "entity" }],
        },
      ],
    },
    {
      id: "kafka",
      title: "Kafka",
      rules: ["kafka_outage"],
      charts: [
        {
          id: "kafka-produce",
          title: "Produce lag (outbox pending)",
          unit: "messages",
          digits: 0,
          series: [{ label: "pending", metric: "kafka_producer_pending_messages" }],
        },
        {
          id: "kafka-consume",
          title: "Consumer lag by group",
          unit: "messages",
          digits: 0,
          series: [{ label: "{}", metric: "kafka_consumer_lag_messages", splitBy: { label: "group" } }],
          thresholds: [
            {
              value: num(kafka, "consumerLagMessages", 50_000),
              label: `ledger consumer lag warning ${num(kafka, "consumerLagMessages", 50_000).toLocaleString("en-US")}`,
              kind: "warning",
            },
          ],
        },
        {
          id: "kafka-brokers",
          title: "Brokers up",
          unit: "brokers",
          digits: 0,
          series: [{ label: "brokers up", metric: "kafka_brokers_up" }],
          agg: "min",
          thresholds: [{ value: 0, label: "0 = outage", kind: "critical" }],
        },
        {
          id: "kafka-errors",
          title: "Producer errors",
          unit: "/min",
          digits: 1,
          series: [{ label: "producer errors", metric: "kafka_producer_errors_total", counter: true, scale: perMin }],
        },
      ],
    },
    {
      id: "ledger",
      title: "Ledger",
      rules: ["settlement_lag", "exchange_ledger_invariant", "ledger_seq_mismatch", "postgres_health"],
      charts: [
        {
          id: "ledger-settlement",
          title: "Settlement lag p99 against T2 / T3",
          unit: "s",
          digits: 2,
          series: [{ label: "settlement lag p99", metric: "ledger_settlement_lag_p99_seconds" }],
          thresholds: [
            { value: t2, label: `T2 ${t2} s — throttle`, kind: "warning" },
            { value: t3, label: `T3 ${t3} s — SOFT_HALT`, kind: "critical" },
          ],
          bands: [{ from: t2, to: t3, label: "throttle", kind: "warning" }],
          notes: [
            `Over T2 (${t2} s): throttle new orders. Over T3 (${t3} s): SOFT_HALT; over T3 for more than ${num(st, "prolongedMinutes", 10)} minutes is SEV1.`,
          ],
        },
        {
          id: "ledger-consumer",
          title: "Ledger consumer lag",
          unit: "messages",
          digits: 0,
          series: [
            {
              label: "ledger-settlement",
              metric: "kafka_consumer_lag_messages",
              labels: { group: "ledger-settlement" },
            },
          ],
        },
        {
          id: "ledger-db-errors",
          title: "Ledger DB transaction errors",
          unit: "/min",
          digits: 1,
          series: [{ label: "DB errors", metric: "ledger_db_transaction_errors_total", counter: true, scale: perMin }],
          thresholds: [
            {
              value: num(pg, "errorsPerMinute", 10),
              label: `warning ${num(pg, "errorsPerMinute", 10)}/min`,
              kind: "warning",
            },
          ],
        },
        {
          id: "ledger-invariants",
          title: "Invariant checks and violations",
          unit: "/min",
          digits: 1,
          // The exchange checks every few seconds and the counters move in steps: a per-poll rate
          // would draw a spike at each step and read 0 between them (a legend of "0 /min" during a
          // SEV1). Averaged over a minute, line and legend show the same, real rate.
          series: [
            {
              label: "checks (1-min rate)",
              metric: "invariant_checks_total",
              counter: true,
              rateWindowMs: 60_000,
              scale: perMin,
            },
            {
              label: "violations (1-min rate)",
              metric: "invariant_violation_total",
              counter: true,
              rateWindowMs: 60_000,
              scale: perMin,
            },
          ],
          thresholds: [{ value: 0, label: "violations target 0", kind: "target", appliesTo: 1 }],
          notes: ["Any violation is SEV1: halt withdrawals, CANCEL_ONLY the affected symbols."],
        },
        {
          id: "ledger-seq",
          title: "Engine vs ledger sequence mismatch",
          unit: "trades",
          digits: 0,
          series: [{ label: "ledger_seq_mismatch", metric: "ledger_seq_mismatch" }],
          thresholds: [{ value: 0, label: "target 0", kind: "target" }],
        },
      ],
    },
    {
      id: "ws",
      title: "WebSocket edge",
      rules: ["ws_slow_consumer"],
      charts: [
        {
          id: "ws-clients",
          title: "Connected clients",
          unit: "clients",
          digits: 0,
          series: [{ label: "clients", metric: "ws_connected_clients" }],
        },
        {
          id: "ws-out",
          title: "Outbound messages",
          unit: "msgs/s",
          digits: 0,
          series: [{ label: "sent", metric: "ws_messages_sent_total", counter: true }],
        },
        {
          id: "ws-closes",
          title: "Closes by reason",
          unit: "/min",
          digits: 1,
          series: [
            { label: "{}", metric: "ws_close_total", counter: true, splitBy: { label: "reason" }, scale: perMin },
          ],
          thresholds: [
            {
              value: num(ws, "minCloses", 10) / wsWin,
              label: `SLOW_CONSUMER warning ${num(ws, "minCloses", 10)} per ${wsWin} min`,
              kind: "warning",
            },
          ],
        },
        {
          id: "ws-backlog",
          title: "Backlog per connection",
          unit: "messages",
          digits: 0,
          series: [{ label: "backlog", metric: "ws_connection_backlog_messages" }],
          thresholds: [
            {
              value: num(ws, "backlogMessages", 100),
              label: `strained ${num(ws, "backlogMessages", 100)}`,
              kind: "critical",
            },
          ],
        },
        {
          id: "ws-cpu",
          title: "Edge CPU",
          unit: "%",
          digits: 1,
          series: [{ label: "edge CPU", metric: "edge_cpu_usage_ratio", scale: 100 }],
          thresholds: [
            {
              value: num(ws, "edgeCpuRatio", 0.85) * 100,
              label: `high ${num(ws, "edgeCpuRatio", 0.85) * 100} %`,
              kind: "critical",
            },
          ],
        },
      ],
    },
    {
      id: "auth",
      title: "Edge auth",
      rules: ["edge_auth_failures", "replay_detect"],
      charts: [
        {
          id: "auth-fail",
          title: "Auth failures by reason",
          unit: "/min",
          digits: 1,
          series: [
            { label: "{}", metric: "auth_fail_total", counter: true, splitBy: { label: "reason" }, scale: perMin },
          ],
          thresholds: [
            {
              value: num(auth, "maxPerWindow", 300) / authWin,
              label: `warning ${num(auth, "maxPerWindow", 300)} per ${authWin} min`,
              kind: "warning",
            },
          ],
        },
        {
          id: "auth-replay",
          title: "Replay detects",
          unit: "/min",
          digits: 2,
          series: [{ label: "replays", metric: "replay_detect_total", counter: true, scale: perMin }],
          thresholds: [
            {
              value: num(replay, "maxPerWindow", 10) / replayWin,
              label: `warning ${num(replay, "maxPerWindow", 10)} per ${replayWin} min`,
              kind: "warning",
            },
          ],
        },
        {
          id: "auth-ratelimit",
          title: "Rate-limit drops (all keys)",
          unit: "/min",
          digits: 1,
          series: [{ label: "drops", metric: "rate_limit_drops_total", counter: true, scale: perMin }],
        },
      ],
    },
    {
      id: "leader",
      title: "Leadership",
      rules: ["split_brain"],
      charts: [
        {
          id: "leader-token",
          title: "Fencing token by node",
          unit: "",
          digits: 0,
          series: [{ label: "{}", metric: "leader_fencing_token", splitBy: { label: "node" } }],
          floor: undefined,
        },
        {
          id: "leader-anomalies",
          title: "Fencing rejections, duplicate seq, hash divergence",
          unit: "/min",
          digits: 1,
          series: [
            {
              label: "FENCING_TOKEN rejections",
              metric: "fencing_token_rejections_total",
              counter: true,
              scale: perMin,
            },
            { label: "duplicate seq", metric: "duplicate_seq_total", counter: true, scale: perMin },
            { label: "state hash divergence", metric: "state_hash_divergence_total", counter: true, scale: perMin },
          ],
          thresholds: [{ value: 0, label: "target 0", kind: "target" }],
        },
      ],
    },
  ];
}

function latestOf(
  all: Map<string, LatestValue[]>,
  metric: string,
  pred: (v: LatestValue) => boolean = () => true,
): LatestValue | undefined {
  let best: LatestValue | undefined;
  for (const v of all.get(metric) ?? []) if (pred(v) && (!best || v.t > best.t)) best = v;
  return best;
}

/** Values from the newest poll only (an entity or label that vanished is not listed). */
function currentOf(all: Map<string, LatestValue[]>, metric: string): LatestValue[] {
  const list = all.get(metric) ?? [];
  const newest = Math.max(-Infinity, ...list.map((v) => v.t));
  return list.filter((v) => v.t >= newest - 1);
}

export async function getExchange(
  actor: Actor | null,
  range: RangeKey,
  nowInput = Date.now(),
  /** A moment to replay the panels at (`?at=`): charts end then. */
  at?: unknown,
): Promise<{ views: ExchangeView[]; now: number }> {
  const ctx = await panelContext(actor, nowInput, at);
  const now = ctx.now;
  const window: RangeWindow = { range, from: now - RANGES[range], to: now };
  const out: ExchangeView[] = [];
  for (const target of ctx.targetsOf("spot-exchange")) {
    const system = ctx.system(target);
    const groups = exchangeSpecs(ctx, target);
    const specs = groups.flatMap((g) => g.charts);
    const st = ctx.params("settlement_lag", target);
    const base: ExchangeView = {
      system,
      window,
      sections: [],
      symbols: [],
      leaders: [],
      brokers: [],
      settlement: { t2: num(st, "t2Seconds", 5), t3: num(st, "t3Seconds", 30), p99: null, policy: null },
      facts: [],
    };
    try {
      const [history, latest] = await Promise.all([
        ctx.reader.history(target.name, metricsOf(specs), window.from, window.to, rollupAggFor(specs)),
        ctx.reader.latestAll(target.name),
      ]);
      const charts = new Map(specs.map((s) => [s.id, buildChart(s, history, window.from, window.to)]));
      base.sections = groups.map((g) => ({
        id: g.id,
        title: g.title,
        charts: g.charts.map((c) => charts.get(c.id)!),
        findings: ctx.findings((f) => f.system === target.name && g.rules.includes(f.ruleId)),
      }));
      const tps = charts.get("engine-tps")!;
      const seq = charts.get("engine-seq")!;
      const lastOfSeries = (c: ShapedChart, label: string) => {
        const i = c.series.findIndex((s) => s.label === label);
        return i < 0 ? null : c.latest[i]!;
      };
      const symbols = new Set(
        [
          ...(latest.get("symbol_mode") ?? []).map((v) => v.entity),
          ...(latest.get("engine_trades_total") ?? []).map((v) => v.entity),
        ].filter((e) => e !== SYSTEM_ENTITY),
      );
      base.symbols = [...symbols].sort().map((symbol) => {
        const mode = latestOf(latest, "symbol_mode", (v) => v.entity === symbol);
        return {
          symbol,
          mode: mode ? (mode.labels.mode ?? SYMBOL_MODES[mode.v] ?? null) : null,
          tps: lastOfSeries(tps, symbol),
          seqRate: lastOfSeries(seq, symbol),
          openOrders:
            latestOf(latest, "engine_open_orders", (v) => v.entity === symbol)?.v ??
            latestOf(latest, "openOrders", (v) => v.entity === symbol)?.v ??
            null,
          ...(mode ? { at: mode.t } : {}),
        };
      });
      const holders = currentOf(latest, "leader_lease_holder");
      const tokens = currentOf(latest, "leader_fencing_token");
      const nodes = new Set([...holders, ...tokens].map((v) => v.labels.node ?? "?"));
      base.leaders = [...nodes].sort().map((node) => ({
        node,
        holdsLease: holders.find((v) => v.labels.node === node)
          ? holders.find((v) => v.labels.node === node)!.v === 1
          : null,
        fencingToken: tokens.find((v) => v.labels.node === node)?.v ?? null,
      }));
      base.brokers = currentOf(latest, "kafka_broker_up")
        .map((v) => ({ broker: v.labels.broker ?? "?", up: v.v === 1 }))
        .sort((a, b) => a.broker.localeCompare(b.broker));
      base.settlement.p99 = latestOf(latest, "ledger_settlement_lag_p99_seconds")?.v ?? null;
      const policy = latestOf(latest, "settlement.policy")?.v;
      base.settlement.policy = policy === undefined ? null : (["normal", "throttle", "halt"][policy] ?? String(policy));
      const fact = (
        label: string,
        metric: string,
        fmt: (v: number) => string,
        bad?: (v: number) => boolean,
        pred?: (v: LatestValue) => boolean,
      ) => {
        const v = latestOf(latest, metric, pred);
        base.facts.push({
          label,
          value: v ? fmt(v.v) : "no data",
          ...(v && bad ? { tone: bad(v.v) ? ("bad" as const) : ("ok" as const) } : {}),
        });
      };
      fact(
        "Withdrawals",
        "withdrawals_halted",
        (v) => (v === 1 ? "HALTED" : "open"),
        (v) => v === 1,
      );
      fact(
        "Invariant violations (total)",
        "invariant_violation_total",
        (v) => v.toLocaleString("en-US"),
        (v) => v > 0,
      );
      fact("Invariant checks (total)", "invariant_checks_total", (v) => v.toLocaleString("en-US"));
      fact(
        "Kafka brokers up",
        "kafka_brokers_up",
        (v) => String(v),
        (v) => v === 0,
      );
      fact(
        "Postgres primary",
        "postgres_primary",
        () => currentOf(latest, "postgres_primary").find((x) => x.v === 1)?.labels.node ?? "none",
        undefined,
        (v) => v.v === 1,
      );
      fact(
        "WS degraded",
        "ws_degraded",
        (v) => (v === 1 ? "yes" : "no"),
        (v) => v === 1,
      );
      fact("Conflation", "ws_conflation_enabled", (v) => (v === 1 ? "on" : "off"));
      fact("Book depth default", "ws_book_depth_default", (v) => String(v));
    } catch (err) {
      base.error = (err as Error).message;
    }
    out.push(base);
  }
  return { views: out, now };
}
