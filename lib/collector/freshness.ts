import type { Freshness, SourceError } from "../core/vocabulary";
import type { PartialRead } from "../telemetry/sources/types";
import { NO_PAUSES, type PausedMs } from "./pauses";

// Freshness of one source (a target's endpoint, or the target as a whole), computed at read time
// from the last success and the last error so a poll that hangs still turns the source stale.

export type { Freshness } from "../core/vocabulary";

export interface SourceState {
  lastAttemptAt?: number;
  lastSuccessAt?: number;
  lastErrorAt?: number;
  lastError?: SourceError;
  lastLatencyMs?: number;
  consecutiveFailures: number;
  /**
   * Set when the last success was partial (the source answered, some families could not be
   * read); cleared by a complete success. Freshness stays "ok": what was read is current.
   */
  lastPartial?: PartialRead & { at: number };
}

export const EMPTY_SOURCE_STATE: SourceState = { consecutiveFailures: 0 };

/**
 * A source is stale once its last success is older than this many poll intervals, not counting
 * the time the console itself was paused (pauses.ts).
 */
export const STALE_AFTER_INTERVALS = 2;

export function freshnessOf(s: SourceState, intervalMs: number, now: number, paused: PausedMs = NO_PAUSES): Freshness {
  const errorIsLatest =
    s.lastErrorAt !== undefined && (s.lastSuccessAt === undefined || s.lastErrorAt >= s.lastSuccessAt);
  if (errorIsLatest) return "error";
  if (s.lastSuccessAt === undefined) return "no_data";
  const age = now - s.lastSuccessAt;
  if (
    age > STALE_AFTER_INTERVALS * intervalMs &&
    age - paused(s.lastSuccessAt, now) > STALE_AFTER_INTERVALS * intervalMs
  )
    return "stale";
  return "ok";
}

export function recordSuccess(s: SourceState, at: number, latencyMs?: number, partial?: PartialRead): SourceState {
  const next: SourceState = {
    ...s,
    lastAttemptAt: at,
    lastSuccessAt: at,
    lastLatencyMs: latencyMs,
    consecutiveFailures: 0,
  };
  if (partial) next.lastPartial = { ...partial, at };
  else delete next.lastPartial;
  return next;
}

/** The partial read of a source that is otherwise fresh; undefined when complete or not fresh. */
export function partialOf(
  s: SourceState,
  intervalMs: number,
  now: number,
  paused: PausedMs = NO_PAUSES,
): (PartialRead & { at: number }) | undefined {
  return s.lastPartial && freshnessOf(s, intervalMs, now, paused) === "ok" ? s.lastPartial : undefined;
}

export function recordFailure(s: SourceState, at: number, error: SourceError, latencyMs?: number): SourceState {
  return {
    ...s,
    lastAttemptAt: at,
    lastErrorAt: at,
    lastError: error,
    lastLatencyMs: latencyMs,
    consecutiveFailures: s.consecutiveFailures + 1,
  };
}

const RANK: Record<Freshness, number> = { ok: 0, stale: 2, no_data: 1, error: 3 };
/** The worst of several freshness values (a target is only as fresh as its worst endpoint). */
export function worstFreshness(values: Freshness[]): Freshness {
  if (values.length === 0) return "no_data";
  return values.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
}

/**
 * Delay before the next poll: the interval with ±10 % jitter, backing off after failures
 * (×2 per consecutive failure, at most 4 intervals or 30 s, whichever is larger than the interval).
 */
export function nextPollDelay(
  intervalMs: number,
  consecutiveFailures: number,
  random: () => number = Math.random,
): number {
  const jitter = 1 + (random() * 2 - 1) * 0.1;
  if (consecutiveFailures <= 1) return Math.round(intervalMs * jitter);
  const cap = Math.max(intervalMs, Math.min(4 * intervalMs, 30_000));
  return Math.round(Math.min(cap, intervalMs * 2 ** (consecutiveFailures - 1)) * jitter);
}
