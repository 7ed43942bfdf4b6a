import "server-only";
import type { TargetConfig } from "../config/fleet";
import { fetchLimited, targetUrl } from "../telemetry/sources/http";
import { parseBotState, parseFuturesState, parseSpotState, type TargetState } from "./state";

// HTTP to a target for controls: read the state a preview and a verification need, and make the
// control call itself (POST /control/<name>, docs/simulator.md "Controls"). Never throws.

const MAX_BYTES = 2 * 1024 * 1024;
const ALL_ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i);

export interface TargetAccess {
  target: TargetConfig;
  token: string | undefined;
  timeoutMs: number;
}

export type StateRead = { ok: true; state: TargetState } | { ok: false; error: string };

async function getJson(
  a: TargetAccess,
  path: string,
): Promise<{ ok: true; body: unknown } | { ok: false; error: string }> {
  const r = await fetchLimited(targetUrl(a.target.baseUrl, path), {
    timeoutMs: a.timeoutMs,
    maxBytes: MAX_BYTES,
    headers: { accept: "application/json", ...(a.token ? { authorization: `Bearer ${a.token}` } : {}) },
  });
  if (!r.ok) return { ok: false, error: `${path}: ${r.error.detail}` };
  try {
    return { ok: true, body: JSON.parse(r.value.body) };
  } catch {
    return { ok: false, error: `${path}: the answer is not JSON` };
  }
}

export async function readTargetState(a: TargetAccess): Promise<StateRead> {
  try {
    if (a.target.kind === "spot-exchange") {
      const s = await getJson(a, "/admin/state");
      return s.ok ? { ok: true, state: parseSpotState(s.body) } : s;
    }
    if (a.target.kind === "trading-bot") {
      const h = await getJson(a, "/internal/health");
      return h.ok ? { ok: true, state: parseBotState(h.body) } : h;
    }
    const [status, positions] = await Promise.all([getJson(a, "/status"), getJson(a, "/positions")]);
    if (!status.ok) return status;
    if (!positions.ok) return positions;
    return { ok: true, state: parseFuturesState(status.body, positions.body) };
  } catch (err) {
    return {
      ok: false,
      error: `unexpected state shape: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
    };
  }
}

export interface ControlCallBody {
  reason: string;
  ticketId: string;
  actor: string;
  idempotencyKey: string;
  params: Record<string, unknown>;
}

/**
 * `answer`: the target answered (any status). `not_delivered`: the connection was refused or
 * failed before a request went out. `unknown`: timed out or broke mid-answer — the target may or
 * may not have acted.
 */
export type CallOutcome =
  | { kind: "answer"; status: number; body: unknown }
  | { kind: "not_delivered"; detail: string }
  | { kind: "unknown"; detail: string };

export async function callControl(a: TargetAccess, control: string, body: ControlCallBody): Promise<CallOutcome> {
  const r = await fetchLimited(targetUrl(a.target.baseUrl, `/control/${encodeURIComponent(control)}`), {
    method: "POST",
    timeoutMs: a.timeoutMs,
    maxBytes: MAX_BYTES,
    acceptStatus: ALL_ERROR_STATUSES,
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      "idempotency-key": body.idempotencyKey,
      ...(a.token ? { authorization: `Bearer ${a.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!r.ok) {
    if (r.error.kind === "timeout") return { kind: "unknown", detail: r.error.detail };
    if (r.error.kind === "network" && !r.error.detail.startsWith("connection broke"))
      return { kind: "not_delivered", detail: r.error.detail };
    return { kind: "unknown", detail: r.error.detail };
  }
  let parsed: unknown = r.value.body;
  try {
    parsed = JSON.parse(r.value.body);
  } catch {
    /* keep the text */
  }
  return { kind: "answer", status: r.value.status, body: parsed };
}
