import type { ChannelConfig } from "./config";
import { signWebhook } from "./channels";

// One HTTP attempt to one channel, and what it means for the outbox: delivered, retry later
// (network error, timeout, 5xx, 429 — honouring Retry-After), or failed for good (any other
// 4xx: the request itself is wrong and resending it cannot help; the answer is kept).

export interface AttemptResult {
  outcome: "delivered" | "retry" | "failed";
  httpStatus: number | null;
  /** The channel's answer (trimmed) or the network error. */
  response: string;
  /** From Retry-After, when the channel sent one. */
  retryAfterMs?: number;
  durationMs: number;
}

export interface DeliverOptions {
  secret: (name: string) => string | undefined;
  timeoutMs?: number;
  now?: () => number;
}

const MAX_RESPONSE = 2000;

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with jitter for attempt n (1-based): base·2^(n-1), capped, scaled by a
 * random factor in [0.5, 1) so many notifications retrying together spread out; never earlier
 * than the channel's Retry-After.
 */
export function backoffMs(
  attempt: number,
  opts: { baseMs: number; capMs: number; retryAfterMs?: number; random?: () => number },
): number {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp * (0.5 + 0.5 * (opts.random ?? Math.random)());
  return Math.max(jittered, opts.retryAfterMs ?? 0);
}

export function channelUrl(channel: ChannelConfig, secret: (name: string) => string | undefined): string | undefined {
  switch (channel.type) {
    case "slack":
    case "webhook":
      return channel.url ?? (channel.urlEnv ? secret(channel.urlEnv) : undefined);
    case "pagerduty":
      return channel.url;
    case "alertmanager":
      return `${channel.url.replace(/\/$/, "")}/api/v2/alerts`;
  }
}

export async function deliver(
  channel: ChannelConfig,
  payload: unknown,
  key: string,
  o: DeliverOptions,
): Promise<AttemptResult> {
  const now = o.now ?? Date.now;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = channelUrl(channel, o.secret);
  if (!url)
    return {
      outcome: "failed",
      httpStatus: null,
      response: "the channel's URL is not configured (its environment variable is unset)",
      durationMs: 0,
    };
  let body: string;
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Watchfloor-notify/1" };
  if (channel.type === "pagerduty") {
    const routingKey = o.secret(channel.routingKeyEnv);
    if (!routingKey)
      return {
        outcome: "failed",
        httpStatus: null,
        response: `environment variable ${channel.routingKeyEnv} is not set`,
        durationMs: 0,
      };
    body = JSON.stringify({ routing_key: routingKey, ...(payload as object) });
  } else {
    body = JSON.stringify(payload);
  }
  if (channel.type === "webhook") {
    const secret = o.secret(channel.secretEnv);
    if (!secret)
      return {
        outcome: "failed",
        httpStatus: null,
        response: `environment variable ${channel.secretEnv} is not set`,
        durationMs: 0,
      };
    headers["x-watchfloor-signature"] = signWebhook(secret, body, Math.floor(now() / 1000));
    headers["x-watchfloor-delivery"] = key;
  }
  try {
    const res = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      redirect: "manual",
    });
    const text = (await res.text().catch(() => "")).slice(0, MAX_RESPONSE);
    const durationMs = elapsed();
    if (res.status >= 200 && res.status < 300)
      return { outcome: "delivered", httpStatus: res.status, response: text, durationMs };
    if (res.status === 429 || res.status >= 500 || res.status === 408) {
      return {
        outcome: "retry",
        httpStatus: res.status,
        response: text,
        retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), now()),
        durationMs,
      };
    }
    return { outcome: "failed", httpStatus: res.status, response: text || res.statusText, durationMs };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    // fetch() says only "fetch failed"; the reason (ECONNREFUSED, "bad port", …) is in its cause.
    const cause = e.cause?.code ?? e.cause?.message;
    const what =
      e.name === "TimeoutError"
        ? `timed out after ${o.timeoutMs ?? 10_000} ms`
        : `${e.name}: ${e.message}${cause ? ` (${cause})` : ""}`;
    return { outcome: "retry", httpStatus: null, response: what, durationMs: elapsed() };
  }
}
