import { SYSTEM_ENTITY, type Sample, type SystemKind } from "../model";
import {
  pollFuturesPositions,
  pollFuturesStatus,
  pollProbe,
  pollSpotAdminState,
  pollTradingBotApiStatus,
  pollTradingBotHealth,
  pollTradingBotPlainHealth,
  PLAIN_HEALTH_METRICS,
  toEndpointResult,
  type EndpointPoll,
} from "./health";
import { supabaseLedgerOf, prometheusMetricsOf } from "../../config/fleet";
import { LEDGER_HEALTH_METRICS, pollSupabaseLedger, type LedgerClients } from "./ledger";
import { pollGenericJson, pollGenericScrape } from "./generic";
import { pollLogs } from "./logs";
import { pollMetrics, type HistogramMemory } from "./metrics";
import { pollPrometheusMetrics, type PrometheusScrapeMemory } from "./prometheus-metrics";
import type { PollContext, PollOutcome, Poller } from "./types";

// One poller per system kind: every endpoint of the kind is polled concurrently, each with the
// context's timeout and size cap, and the outcome carries one EndpointResult per endpoint. A
// failing endpoint never stops the others, and nothing here throws.
//
// trading-bot: the incident runbook reads the stale-order backlog from the plain /health, so it is
// polled; a bot whose /internal/health also carries them is read once: where /health answered,
// /internal/health's copies are dropped.

type EndpointPoller = (ctx: PollContext) => Promise<EndpointPoll>;

/** Endpoint paths per kind, in the order their results are reported. */
export const ENDPOINTS: Record<SystemKind, readonly string[]> = {
  "trading-bot": ["/internal/health", "/api/status", "/health/live", "/health/ready", "/metrics", "/health"],
  "futures-bot": ["/status", "/positions", "/health/live", "/logs"],
  "spot-exchange": ["/admin/state", "/metrics", "/health/live", "/health/ready"],
  // Generic kinds read one endpoint, at the path the target names (scrape.path / json.path).
  prometheus: ["/metrics"],
  "http-json": ["/health"],
};

function endpointsFor(kind: SystemKind, metrics: EndpointPoller): EndpointPoller[] {
  const live: EndpointPoller = (ctx) => pollProbe(ctx, "/health/live");
  const ready: EndpointPoller = (ctx) => pollProbe(ctx, "/health/ready");
  switch (kind) {
    case "trading-bot":
      return [pollTradingBotHealth, pollTradingBotApiStatus, live, ready, metrics, pollTradingBotPlainHealth];
    case "futures-bot":
      return [pollFuturesStatus, pollFuturesPositions, live, (ctx) => pollLogs(ctx)];
    case "spot-exchange":
      return [pollSpotAdminState, metrics, live, ready];
    case "prometheus":
      return [metrics];
    case "http-json":
      return [pollGenericJson];
  }
}

/** Runs endpoint pollers concurrently and combines what they found. */
export async function combine(
  ctx: PollContext,
  pollers: readonly EndpointPoller[],
  paths: readonly string[],
): Promise<PollOutcome> {
  const settled = await Promise.allSettled(pollers.map((p) => Promise.resolve().then(() => p(ctx))));
  let polls: EndpointPoll[] = settled.map((s, i) =>
    s.status === "fulfilled"
      ? s.value
      : {
          path: paths[i] ?? `(endpoint ${i})`,
          ok: false,
          error: { kind: "parse", detail: `adapter failed: ${(s.reason as Error)?.message ?? String(s.reason)}` },
          samples: [],
          reports: [],
        },
  );
  if (polls.some((p) => p.path === "/health" && p.ok)) {
    polls = polls.map((p) =>
      p.path === "/internal/health"
        ? { ...p, samples: p.samples.filter((x) => !PLAIN_HEALTH_METRICS.has(x.metric)) }
        : p,
    );
  }
  const outcome: PollOutcome = {
    samples: polls.flatMap((p) => p.samples),
    reports: polls.flatMap((p) => p.reports),
    endpoints: polls.map(toEndpointResult),
  };
  const cursor = polls.find((p) => p.cursor !== undefined)?.cursor ?? ctx.cursor;
  if (cursor !== undefined) outcome.cursor = cursor;
  return outcome;
}

/**
 * The poller for a system kind. Windowed histogram quantiles need the previous scrape, so each
 * poller keeps that memory, per target name (one poller may serve several targets).
 *
 * What feeds each part follows the target's config (lib/telemetry/sources/parts.ts): metrics from
 * its /metrics or from a Prometheus server (`metrics.from`), and a trading bot's ledger from its
 * health document or from Supabase (`ledger.from`; the health document's ledger fields are then
 * left out, so one ledger reaches the rules).
 */
export function pollerFor(kind: SystemKind): Poller {
  const memories = new Map<string, HistogramMemory>();
  const scrapes: PrometheusScrapeMemory = new Map();
  const ledgers: LedgerClients = new Map();
  const metrics: EndpointPoller = (ctx) => {
    let memory = memories.get(ctx.target.name);
    if (!memory) memories.set(ctx.target.name, (memory = new Map()));
    if (kind === "prometheus") return pollGenericScrape(ctx, memory);
    return prometheusMetricsOf(ctx.target) ? pollPrometheusMetrics(ctx, memory, scrapes) : pollMetrics(ctx, memory);
  };
  const pollers = endpointsFor(kind, metrics);
  const paths = ENDPOINTS[kind];
  // The ledger from Supabase when the target says so, in place of the health document's.
  const read = async (ctx: PollContext): Promise<PollOutcome> => {
    if (kind !== "trading-bot" || !supabaseLedgerOf(ctx.target)) return combine(ctx, pollers, paths);
    const [outcome, ledger] = await Promise.all([combine(ctx, pollers, paths), pollSupabaseLedger(ctx, ledgers)]);
    const fromHealth = (s: { metric: string; entity: string }) =>
      LEDGER_HEALTH_METRICS.has(s.metric) ||
      (s.metric === "status_active" && supabaseLedgerOf(ctx.target)?.statusColumn !== undefined);
    return {
      ...outcome,
      samples: [...outcome.samples.filter((s) => !fromHealth(s)), ...ledger.samples],
      endpoints: [...outcome.endpoints, toEndpointResult(ledger)],
    };
  };
  const runs = new Map<string, RunCount>();
  return async (ctx) => {
    const outcome = await read(ctx);
    let count = runs.get(ctx.target.name);
    if (!count) runs.set(ctx.target.name, (count = { n: 0 }));
    const sample = countRuns(kind, outcome, count, ctx);
    if (sample) outcome.samples.push(sample);
    return outcome;
  };
}

interface RunCount {
  n: number;
  lastRun?: number;
}

/**
 * Reconciliation runs this console has seen, as a counter the runbooks' cycle waits can count
 * (`counter: reconciliation_runs_seen`): a real bot exports no cycle counter, but each run shows —
 * a new `reconciliationLastRun` on the trading bot, a `RECONCILIATION_REPORT` from the futures
 * bot. It starts at 0 when the console starts; a wait treats the drop as a reset.
 */
export const RUNS_SEEN = "reconciliation_runs_seen";

function countRuns(kind: SystemKind, outcome: PollOutcome, count: RunCount, ctx: PollContext): Sample | undefined {
  if (kind === "trading-bot") {
    const last = outcome.samples.find((x) => x.metric === "reconciliationLastRun" && x.entity === SYSTEM_ENTITY)?.value;
    if (last === undefined) return undefined;
    if (count.lastRun !== undefined && last !== count.lastRun) count.n++;
    count.lastRun = last;
  } else if (kind === "futures-bot") {
    count.n += outcome.reports.filter((r) => r.kind === "RECONCILIATION_REPORT").length;
  } else return undefined;
  return {
    system: ctx.target.name,
    entity: SYSTEM_ENTITY,
    metric: RUNS_SEEN,
    labels: {},
    value: count.n,
    observedAt: ctx.now,
  };
}
