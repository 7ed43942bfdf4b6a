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
}

export interface EndpointResult {
  /** e.g. "/internal/health", "/metrics". */
  path: string;
  ok: boolean;
  latencyMs?: number;
  status?: number;
  error?: SourceError;
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
