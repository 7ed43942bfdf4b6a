import { genericPathOf, prometheusMetricsOf, supabaseLedgerOf, type TargetConfig } from "../../config/fleet";

// Which adapter feeds each part of a target (health, metrics, ledger, logs), and under which
// endpoint key its results are kept. Rules name the endpoints they depend on by their default
// keys ("/metrics", and "ledger" for the per-profile ledger); `resolveSource` maps those to the
// endpoint that really feeds the part on this target, so a rule over the ledger turns Unknown when
// the Supabase read fails, and a rule over metrics when Prometheus answers an error.

export const SOURCE_PARTS = ["health", "metrics", "ledger", "logs"] as const;
export type SourcePart = (typeof SOURCE_PARTS)[number];

/** The source name rules use for the per-profile ledger, wherever it is read from. */
export const LEDGER_SOURCE = "ledger";
/** The default metrics endpoint (a direct scrape). */
export const METRICS_PATH = "/metrics";

export type SourceAdapter =
  "health-json" | "scrape" | "prometheus" | "supabase" | "log-pull" | "push-ingest" | "generic-scrape" | "generic-json";

/** The source name rules use for a generic `http-json` target's document, wherever its path is. */
export const GENERIC_JSON_SOURCE = "/health";

export interface PartSource {
  part: SourcePart;
  adapter: SourceAdapter;
  /** In words, for the sources screen and the profile panel. */
  adapterLabel: string;
  /**
   * The endpoint key whose state tells this part's freshness (`/internal/health`, `/metrics`,
   * `/api/v1/query`, `/rest/v1/capital_ledger`, `/logs`); undefined for pushed reports, which
   * have no poll.
   */
  endpoint?: string;
  /** Where it is read from (no secrets): a URL, a selector, a table. */
  address: string;
}

/** The Supabase ledger's endpoint key: the PostgREST path it reads. */
export function supabaseLedgerPath(table: string): string {
  return `/rest/v1/${table}`;
}

/** The Prometheus-backed metrics' endpoint key: the API path it queries. */
export const PROMETHEUS_QUERY_PATH = "/api/v1/query";

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

/** Every part the target has, with the adapter that feeds it. */
export function partSources(t: TargetConfig): PartSource[] {
  const out: PartSource[] = [];
  const metrics = (): PartSource => {
    const prom = prometheusMetricsOf(t);
    return prom
      ? {
          part: "metrics",
          adapter: "prometheus",
          adapterLabel: "Prometheus HTTP API",
          endpoint: PROMETHEUS_QUERY_PATH,
          address: `${prom.url} ${prom.selector}`,
        }
      : {
          part: "metrics",
          adapter: "scrape",
          adapterLabel: "direct scrape",
          endpoint: METRICS_PATH,
          address: join(t.baseUrl, METRICS_PATH),
        };
  };
  const pushed = (): PartSource | undefined =>
    t.credentials.ingestTokenEnv
      ? { part: "logs", adapter: "push-ingest", adapterLabel: "pushed to /api/ingest", address: "POST /api/ingest" }
      : undefined;
  switch (t.kind) {
    case "trading-bot": {
      out.push({
        part: "health",
        adapter: "health-json",
        adapterLabel: "health JSON",
        endpoint: "/internal/health",
        address: join(t.baseUrl, "/internal/health"),
      });
      out.push(metrics());
      const sb = supabaseLedgerOf(t);
      out.push(
        sb
          ? {
              part: "ledger",
              adapter: "supabase",
              adapterLabel: "Supabase (supabase-js)",
              endpoint: supabaseLedgerPath(sb.table),
              address: `${sb.schema}.${sb.table} at $${sb.urlEnv}`,
            }
          : {
              part: "ledger",
              adapter: "health-json",
              adapterLabel: "health JSON",
              endpoint: "/internal/health",
              address: join(t.baseUrl, "/internal/health"),
            },
      );
      const logs = pushed();
      if (logs) out.push(logs);
      break;
    }
    case "futures-bot": {
      out.push({
        part: "health",
        adapter: "health-json",
        adapterLabel: "health JSON",
        endpoint: "/status",
        address: join(t.baseUrl, "/status"),
      });
      out.push({
        part: "logs",
        adapter: "log-pull",
        adapterLabel: "log pull",
        endpoint: "/logs",
        address: join(t.baseUrl, "/logs"),
      });
      const logs = pushed();
      if (logs) out.push(logs);
      break;
    }
    case "spot-exchange": {
      out.push({
        part: "health",
        adapter: "health-json",
        adapterLabel: "health JSON",
        endpoint: "/admin/state",
        address: join(t.baseUrl, "/admin/state"),
      });
      out.push(metrics());
      const logs = pushed();
      if (logs) out.push(logs);
      break;
    }
    case "prometheus": {
      const path = genericPathOf(t)!;
      out.push({
        part: "metrics",
        adapter: "generic-scrape",
        adapterLabel: "exporter scrape (any /metrics)",
        endpoint: path,
        address: join(t.baseUrl, path),
      });
      break;
    }
    case "http-json": {
      const path = genericPathOf(t)!;
      out.push({
        part: "health",
        adapter: "generic-json",
        adapterLabel: `health JSON (${t.json?.fields.length ?? 0} fields by path)`,
        endpoint: path,
        address: join(t.baseUrl, path),
      });
      break;
    }
  }
  return out;
}

/**
 * The endpoint key a rule's source name stands for on this target: "ledger" is the ledger part's
 * endpoint, "/metrics" is the metrics part's (the Prometheus query when metrics come from
 * Prometheus); any other name is an endpoint key already.
 */
export function resolveSource(t: TargetConfig, source: string): string {
  if (t.kind === "prometheus" && source === METRICS_PATH) return genericPathOf(t)!;
  if (t.kind === "http-json" && source === GENERIC_JSON_SOURCE) return genericPathOf(t)!;
  if (source === LEDGER_SOURCE) return partSources(t).find((p) => p.part === "ledger")?.endpoint ?? source;
  if (source === METRICS_PATH) return partSources(t).find((p) => p.part === "metrics")?.endpoint ?? source;
  return source;
}

/** Source names whose endpoint depends on the target's config: the rules' `RuleTarget.sources`. */
export function sourceAliases(t: TargetConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [LEDGER_SOURCE, METRICS_PATH, ...(t.kind === "http-json" ? [GENERIC_JSON_SOURCE] : [])]) {
    const endpoint = resolveSource(t, name);
    if (endpoint !== name && (t.kind === "trading-bot" || name !== LEDGER_SOURCE)) out[name] = endpoint;
  }
  return out;
}

/** What an endpoint is called in an Unknown finding's summary. */
export function sourceLabel(t: TargetConfig, source: string): string {
  const endpoint = resolveSource(t, source);
  const parts = partSources(t).filter((p) => p.endpoint === endpoint);
  if (parts.some((p) => p.adapter === "supabase")) return `the ledger (Supabase ${endpoint})`;
  const prom = parts.find((p) => p.adapter === "prometheus");
  if (prom) return `the metrics (Prometheus ${prom.address})`;
  return endpoint;
}
