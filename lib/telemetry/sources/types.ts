import type { TargetConfig } from "../../config/fleet";
import type { Report, Sample, SourceError } from "../model";

// The contract between the collector and the per-kind source adapters. An adapter polls every
// endpoint its system kind exposes and returns what it could read; it never throws.

export interface PollContext {
  target: TargetConfig;
  /** Bearer token resolved from target.credentials.bearerTokenEnv, if any. */
  token?: string;
  /** User-Agent to send (identifies the console instance); optional. */
  userAgent?: string;
  timeoutMs: number;
  maxBytes: number;
  /** Wall-clock time of this poll (ms); used as observedAt where the source gives no time. */
  now: number;
  /** Opaque cursor returned by the previous poll (log pull), if any. */
  cursor?: string;
  /** The target's poll interval (ms): how old a value read through another system may be. */
  intervalMs?: number;
  /** Resolves a secret by environment-variable name (Supabase URL and key, Prometheus token). */
  secret?: (envName: string) => string | undefined;
}

/** One line (or histogram) a partial read could not use. */
export interface PartialIssue {
  /** 1-based line in the response, when the problem is on one line. */
  line?: number;
  /** The rule broken: "syntax", an OpenMetrics rule id, or "histogram". */
  rule: string;
  message: string;
  /** The offending line as written (shortened). */
  text?: string;
  /** The metric family left out because of it. */
  family?: string;
}

/**
 * An endpoint answered and most of it was read, but some families were left out (0.0.4 metrics
 * with lines Prometheus's format does not allow, or broken histograms).
 */
export interface PartialRead {
  /** The first issues (at most 20). */
  issues: PartialIssue[];
  issueCount: number;
  droppedFamilies: string[];
}

export interface EndpointResult {
  /** e.g. "/internal/health", "/metrics". */
  path: string;
  ok: boolean;
  latencyMs?: number;
  status?: number;
  error?: SourceError;
  /** Set when the endpoint answered but some of it could not be read. */
  partial?: PartialRead;
  samples: number;
  reports: number;
}

export interface PollOutcome {
  samples: Sample[];
  reports: Report[];
  endpoints: EndpointResult[];
  /** Cursor to pass to the next poll. */
  cursor?: string;
}

export type Poller = (ctx: PollContext) => Promise<PollOutcome>;
