// Helpers for tests that drive a simulated fleet over HTTP (used by the simulator's own tests and
// available to the console's pipeline tests).

import type { SystemKind } from "@/lib/telemetry/model";
import type { SimFleetConfigInput } from "./config";
import { parseExposition, type Labels } from "./core/metrics";
import { startFleet, type Fleet, type SimSystemInfo, type StartFleetOptions } from "./fleet";

/** A one-of-each fleet on ephemeral ports, smaller than the default so tests run fast. */
export const TEST_FLEET_CONFIG: SimFleetConfigInput = {
  host: "127.0.0.1",
  adminPort: 0,
  systems: [
    {
      name: "alpha-bot",
      kind: "trading-bot",
      port: 0,
      credential: "sim-token-alpha-bot",
      profiles: [
        { id: "btc-momentum", allocated: 25000, symbols: ["BTC-USD"] },
        { id: "eth-momentum", allocated: 20000, symbols: ["ETH-USD"] },
        { id: "sol-breakout", allocated: 12000, symbols: ["SOL-USD", "AVAX-USD"] },
      ],
    },
    { name: "kraken-futures", kind: "futures-bot", port: 0, credential: "sim-token-kraken-futures" },
    {
      name: "spot-exchange",
      kind: "spot-exchange",
      port: 0,
      credential: "sim-token-spot-exchange",
      symbols: ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"],
    },
  ],
};

/** The test config restricted to systems of the given kinds. */
export function testConfig(
  kinds?: SystemKind[],
  patch: (cfg: SimFleetConfigInput) => void = () => {},
): SimFleetConfigInput {
  const cfg = structuredClone(TEST_FLEET_CONFIG);
  if (kinds) cfg.systems = cfg.systems.filter((s) => kinds.includes(s.kind));
  patch(cfg);
  return cfg;
}

export async function startTestFleet(opts: Partial<StartFleetOptions> & { kinds?: SystemKind[] } = {}): Promise<Fleet> {
  const { kinds, ...rest } = opts;
  return startFleet({ config: testConfig(kinds), seed: 7, clock: "manual", portBase: 0, ...rest });
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = unknown>(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<HttpResult<T>> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("application/json")) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export async function getJson<T = Record<string, unknown>>(
  sys: SimSystemInfo,
  path: string,
  token?: string,
): Promise<T> {
  const r = await http<T>(sys.url + path, { token });
  if (r.status >= 400 && r.status !== 503) throw new Error(`GET ${path} → ${r.status}: ${r.text.slice(0, 200)}`);
  return r.body;
}

export async function getMetrics(sys: SimSystemInfo): Promise<string> {
  return (await http<string>(sys.url + "/metrics")).text;
}

/** Sum of every series of `name` whose labels include `labels`. */
export function metric(text: string, name: string, labels: Labels = {}): number {
  let sum = 0;
  let found = false;
  for (const s of parseExposition(text)) {
    if (s.name !== name) continue;
    if (Object.entries(labels).some(([k, v]) => s.labels[k] !== v)) continue;
    sum += s.value;
    found = true;
  }
  if (!found) throw new Error(`metric ${name}${JSON.stringify(labels)} not found`);
  return sum;
}

/**
 * Like `metric`, but a label set with no series counts 0: a labelled counter first appears at its
 * first increment, as with Prometheus client libraries. Only that case: the exposition must parse,
 * and a test that relies on a zero must also show the counter moving elsewhere (otherwise a
 * renamed metric would read as "nothing happened").
 */
export function counterOrZero(text: string, name: string, labels: Labels = {}): number {
  return parseExposition(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

let keySeq = 0;

export interface ControlMeta {
  reason?: string | null;
  ticketId?: string | null;
  actor?: string | null;
  idempotencyKey?: string | null;
}

/** POST /control/<name> with the full contract unless fields are overridden (null omits one). */
export async function control<T = Record<string, unknown>>(
  sys: SimSystemInfo,
  name: string,
  params: Record<string, unknown> = {},
  meta: ControlMeta = {},
  token: string | null = sys.credential,
): Promise<HttpResult<T>> {
  const body: Record<string, unknown> = {
    reason: "test reason",
    ticketId: "OPS-1",
    actor: "test-operator",
    idempotencyKey: `test-key-${++keySeq}-${Math.random().toString(36).slice(2)}`,
    params,
  };
  for (const [k, v] of Object.entries(meta)) {
    if (v === null) delete body[k];
    else body[k] = v;
  }
  return http<T>(`${sys.url}/control/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    token: token ?? undefined,
  });
}

export async function readLogs(
  sys: SimSystemInfo,
  after?: string,
  limit = 5000,
): Promise<{
  records: { id: string; kind: string; ts: string; fields: Record<string, unknown> }[];
  next: string | null;
}> {
  const qs = new URLSearchParams({ limit: String(limit) });
  if (after) qs.set("after", after);
  const r = await http<string>(`${sys.url}/logs?${qs}`);
  const records = r.text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; kind: string; ts: string; fields: Record<string, unknown> });
  return { records, next: r.headers.get("x-next-cursor") };
}
