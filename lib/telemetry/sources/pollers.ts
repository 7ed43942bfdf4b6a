import type { SystemKind } from "../model";
import {
  pollFuturesPositions,
  pollFuturesStatus,
  pollProbe,
  pollSpotAdminState,
  pollTradingBotApiStatus,
  pollTradingBotHealth,
  toEndpointResult,
  type EndpointPoll,
} from "./health";
import { supabaseLedgerOf, prometheusMetricsOf } from "../../config/fleet";
import { LEDGER_HEALTH_METRICS, pollSupabaseLedger, type LedgerClients } from "./ledger";
import { pollLogs } from "./logs";
import { pollMetrics, type HistogramMemory } from "./metrics";
import { pollPrometheusMetrics, type PrometheusScrapeMemory } from "./prometheus-metrics";
import type { PollContext, PollOutcome, Poller } from "./types";

// One poller per system kind: every endpoint of the kind is polled concurrently, each with the
// context's timeout and size cap, and the outcome carries one EndpointResult per endpoint. A
// failing endpoint never stops the others, and nothing here throws.
//
// trading-bot: /internal/health holds the stale-order backlog and quarantined orders too, so the
// seed's plain /health is not polled separately.

type EndpointPoller = (ctx: PollContext) => Promise<EndpointPoll>;

/** Endpoint paths per kind, in the order their results are reported. */
export const ENDPOINTS: Record<SystemKind, readonly string[]> = {
  "trading-bot": ["/internal/health", "/api/status", "/health/live", "/health/ready", "/metrics"],
  "futures-bot": ["/status", "/positions", "/health/live", "/logs"],
  "spot-exchange": ["/admin/state", "/metrics", "/health/live", "/health/ready"],
};

function endpointsFor(kind: SystemKind, metrics: EndpointPoller): EndpointPoller[] {
  const live: EndpointPoller = (ctx) => pollProbe(ctx, "/health/live");
  const ready: EndpointPoller = (ctx) => pollProbe(ctx, "/health/ready");
  switch (kind) {
    case "trading-bot":
      return [pollTradingBotHealth, pollTradingBotApiStatus, live, ready, metrics];
    case "futures-bot":
      return [pollFuturesStatus, pollFuturesPositions, live, (ctx) => pollLogs(ctx)];
    case "spot-exchange":
      return [pollSpotAdminState, metrics, live, ready];
  }
}

/** Runs endpoint pollers concurrently and combines what they found. */
export async function combine(ctx: PollContext, pollers: readonly EndpointPoller[], paths: readonly string[]): Promise<PollOutcome> {
  const settled = await Promise.allSettled(pollers.map((p) => Promise.resolve().then(() => p(ctx))));
  const polls: EndpointPoll[] = settled.map((s, i) =>
    s.status === "fulfilled"
      ? s.value
      : { path: paths[i] ?? `(endpoint ${i})`, ok: false, error: { kind: "parse", detail: `adapter failed: ${(s.reason as Error)?.message ?? String(s.reason)}` }, samples: [], reports: [] },
  );
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
    return prometheusMetricsOf(ctx.target) ? pollPrometheusMetrics(ctx, memory, scrapes) : pollMetrics(ctx, memory);
  };
  const pollers = endpointsFor(kind, metrics);
  const paths = ENDPOINTS[kind];
  return async (ctx) => {
    if (kind !== "trading-bot" || !supabaseLedgerOf(ctx.target)) return combine(ctx, pollers, paths);
    const [outcome, ledger] = await Promise.all([combine(ctx, pollers, paths), pollSupabaseLedger(ctx, ledgers)]);
    const fromHealth = (s: { metric: string; entity: string }) => LEDGER_HEALTH_METRICS.has(s.metric) || (s.metric === "status_active" && supabaseLedgerOf(ctx.target)?.statusColumn !== undefined);
    return {
      ...outcome,
      samples: [...outcome.samples.filter((s) => !fromHealth(s)), ...ledger.samples],
      endpoints: [...outcome.endpoints, toEndpointResult(ledger)],
    };
  };
}
