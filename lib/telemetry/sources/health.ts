import { SYSTEM_ENTITY, type Report, type Sample, type SourceError, type SourceResult } from "../model";
import { fetchLimited, targetUrl, type FetchedBody } from "./http";
import { parseJsonDocument } from "./schemas/common";
import { FuturesPositions, FuturesStatus } from "./schemas/futures-bot";
import { LiveBody, ReadyBody } from "./schemas/probes";
import { SETTLEMENT_POLICIES, SYMBOL_MODES, SpotAdminState } from "./schemas/spot-exchange";
import { TradingBotApiStatus, TradingBotHealth, TradingBotPlainHealth } from "./schemas/trading-bot";
import type { EndpointResult, PartialRead, PollContext } from "./types";

// Health-JSON adapters: trading-bot /internal/health and /api/status, futures-bot /status and
// /positions, spot-exchange /admin/state, and the /health/live and /health/ready probes.
//
// Each document is validated as a whole (schemas/); a wrong type anywhere fails the endpoint with
// kind "schema" and the field path. Fields that are absent or null give no sample. Metric names
// are the documents' own field names (nested ones joined with "."), booleans are 1/0, timestamps
// are epoch ms. observedAt is the poll time: a document's own `time` is when it was rendered,
// which is the poll, and on simulated systems it runs on virtual time.
//
// The request plumbing at the top (fetchEndpoint, EndpointPoll) is shared with metrics.ts and
// logs.ts.

// ---------------------------------------------------------------- endpoint plumbing

/** What one endpoint produced in one poll. */
export interface EndpointPoll {
  path: string;
  ok: boolean;
  status?: number;
  latencyMs?: number;
  error?: SourceError;
  /** Metrics only: some families were left out. */
  partial?: PartialRead;
  samples: Sample[];
  reports: Report[];
  /** Log pull only: the cursor to continue from. */
  cursor?: string;
}

export function toEndpointResult(p: EndpointPoll): EndpointResult {
  const r: EndpointResult = { path: p.path, ok: p.ok, samples: p.samples.length, reports: p.reports.length };
  if (p.latencyMs !== undefined) r.latencyMs = Math.round(p.latencyMs * 10) / 10;
  if (p.status !== undefined) r.status = p.status;
  if (p.error) r.error = p.error;
  if (p.partial) r.partial = p.partial;
  return r;
}

export function failedPoll(path: string, error: SourceError, extra: Partial<EndpointPoll> = {}): EndpointPoll {
  return { path, ok: false, error, samples: [], reports: [], ...extra };
}

export type FetchOutcome =
  { ok: true; value: FetchedBody } | { ok: false; error: SourceError; latencyMs: number; status?: number };

export interface FetchEndpointOptions {
  accept?: string;
  acceptStatus?: number[];
  /** Query string appended to the path (without "?"). */
  query?: URLSearchParams;
}

/**
 * GET one endpoint of the target through fetchLimited (timeout over the whole exchange, size cap),
 * with the bearer token when one is configured. Never throws: a bad base URL is a network error.
 */
export async function fetchEndpoint(
  ctx: PollContext,
  path: string,
  o: FetchEndpointOptions = {},
): Promise<FetchOutcome> {
  const started = performance.now();
  let url: string;
  try {
    url = targetUrl(ctx.target.baseUrl, path);
    if (o.query && [...o.query].length) url += `?${o.query.toString()}`;
  } catch (e) {
    return {
      ok: false,
      error: { kind: "network", detail: `cannot build the URL: ${(e as Error).message}` },
      latencyMs: 0,
    };
  }
  const headers: Record<string, string> = { accept: o.accept ?? "application/json" };
  if (ctx.token) headers.authorization = `Bearer ${ctx.token}`;
  if (ctx.userAgent) headers["user-agent"] = ctx.userAgent;
  let r: SourceResult<FetchedBody>;
  try {
    r = await fetchLimited(url, {
      timeoutMs: ctx.timeoutMs,
      maxBytes: ctx.maxBytes,
      headers,
      acceptStatus: o.acceptStatus,
    });
  } catch (e) {
    // fetchLimited promises not to throw; this keeps the promise of this module if it ever does.
    r = { ok: false, error: { kind: "network", detail: (e as Error).message } };
  }
  if (r.ok) return r;
  const latencyMs = performance.now() - started;
  const status = /^HTTP (\d{3})\b/.exec(r.error.detail)?.[1];
  let error = r.error;
  if (!ctx.token && (status === "401" || status === "403"))
    error = { ...error, detail: `${error.detail} (no bearer token configured for ${ctx.target.name})` };
  return { ok: false, error, latencyMs, ...(status ? { status: Number(status) } : {}) };
}

function isJsonContentType(ct: string): boolean {
  return /\bjson\b/i.test(ct) && !/ndjson/i.test(ct);
}

/** The common path for JSON documents: fetch, parse + validate, map to samples. */
async function pollJson<T>(
  ctx: PollContext,
  path: string,
  read: (body: string, m: MapContext) => SourceResult<T>,
  toSamples: (doc: T, m: MapContext) => Sample[],
): Promise<EndpointPoll> {
  const f = await fetchEndpoint(ctx, path);
  if (!f.ok) return failedPoll(path, f.error, { latencyMs: f.latencyMs, status: f.status });
  const base = { path, status: f.value.status, latencyMs: f.value.latencyMs };
  const m = { system: ctx.target.name, observedAt: ctx.now };
  const doc = read(f.value.body, m);
  if (!doc.ok) return { ...base, ok: false, error: doc.error, samples: [], reports: [] };
  return { ...base, ok: true, samples: toSamples(doc.value, m), reports: [] };
}

// ---------------------------------------------------------------- sample building

export interface MapContext {
  /** Target name. */
  system: string;
  observedAt: number;
}

type Value = number | boolean | null | undefined;
type Labels = Record<string, string | null | undefined>;

/** Collects samples; absent values (undefined, null) are skipped, never defaulted. */
class SampleSet {
  readonly samples: Sample[] = [];
  constructor(private readonly m: MapContext) {}

  add(metric: string, value: Value, entity: string = SYSTEM_ENTITY, labels: Labels = {}): void {
    if (value === undefined || value === null) return;
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (v !== undefined && v !== null) clean[k] = v;
    this.samples.push({
      system: this.m.system,
      entity,
      metric,
      labels: clean,
      value: typeof value === "boolean" ? (value ? 1 : 0) : value,
      observedAt: this.m.observedAt,
    });
  }

  /** An ISO timestamp as epoch ms. The schemas have already checked that it parses. */
  time(metric: string, iso: string | null | undefined, entity: string = SYSTEM_ENTITY, labels: Labels = {}): void {
    if (iso === undefined || iso === null) return;
    this.add(metric, Date.parse(iso), entity, labels);
  }

  /** A string field mapped through a fixed code table; unknown strings give no sample. */
  code(
    metric: string,
    s: string | null | undefined,
    table: readonly string[],
    entity: string = SYSTEM_ENTITY,
    labels: Labels = {},
  ): void {
    if (s === undefined || s === null) return;
    const i = table.indexOf(s);
    if (i >= 0) this.add(metric, i, entity, labels);
  }
}

/**
 * Ledger sums are cents; rounding to 1e-6 keeps float noise from making an exact 0 look negative
 * (and -0 becomes 0).
 */
function roundMicro(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

/** Flag values: booleans 1/0, numbers as they are, "true"/"false" and numeric strings converted. */
function flagValue(v: boolean | number | string | null): number | undefined {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const t = v.trim().toLowerCase();
  if (t === "true") return 1;
  if (t === "false") return 0;
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : undefined;
}

// ---------------------------------------------------------------- trading-bot

export function readTradingBotHealth(body: string): SourceResult<TradingBotHealth> {
  return parseJsonDocument(body, TradingBotHealth);
}

/** GET /internal/health → samples (seeds 000–002). */
export function mapTradingBotHealth(doc: TradingBotHealth, m: MapContext): Sample[] {
  const s = new SampleSet(m);
  s.add("tradingLoopHealthy", doc.tradingLoopHealthy);
  s.add("reconciliationLoopHealthy", doc.reconciliationLoopHealthy);
  s.add("capitalInvariantViolations", doc.capitalInvariantViolations);
  s.add("lockContentionCount", doc.lockContentionCount);
  s.add("reconciliationMismatchCount", doc.reconciliationMismatchCount);
  s.add("reconciliationMissingFromExchange", doc.reconciliationMissingFromExchange);
  s.add("reconciliationMissingInDb", doc.reconciliationMissingInDb);
  s.time("reconciliationLastRun", doc.reconciliationLastRun);
  s.add("reconciliationParityMismatchTrades", doc.reconciliationParityMismatchTrades);
  s.add("reconciliationParityQuarantinedTrades", doc.reconciliationParityQuarantinedTrades);
  s.add("reconciliationParityAutoClosedTrades", doc.reconciliationParityAutoClosedTrades);
  s.add("reconciliationParityDryRunWouldClose", doc.reconciliationParityDryRunWouldClose);
  s.add("reconciliationParityMaxMismatchNotionalUsd", doc.reconciliationParityMaxMismatchNotionalUsd);
  s.add("reconciliationParityTotalMismatchNotionalUsd", doc.reconciliationParityTotalMismatchNotionalUsd);
  s.add("reconciliationIntegrityWatchdogTriggered", doc.reconciliationIntegrityWatchdogTriggered);

  const w = doc.watchdog;
  if (w) {
    s.add("watchdog.paused", w.paused);
    s.time("watchdog.since", w.since);
    s.add("watchdog.cleanCycleStreak", w.cleanCycleStreak);
    s.time("watchdog.lastResumeAt", w.lastResumeAt);
    // Auto-resume only applies to a parity-watchdog pause (seed 001), so the source matters.
    if (w.source !== undefined) s.add("watchdog.sourceParity", w.source === "parity_watchdog");
  }

  for (const [name, v] of Object.entries(doc.flags ?? {})) s.add(`flag.${name}`, flagValue(v));

  for (const p of doc.profiles ?? []) {
    const e = p.profile_id;
    s.add("allocated", p.allocated, e);
    s.add("reserved_for_orders", p.reserved_for_orders, e);
    s.add("reserved_for_positions", p.reserved_for_positions, e);
    s.add("realized_pnl", p.realized_pnl, e);
    // Seed 000's invariant, computed here rather than trusted from the document.
    if (
      p.allocated != null &&
      p.reserved_for_orders != null &&
      p.reserved_for_positions != null &&
      p.realized_pnl != null
    ) {
      s.add(
        "available_capital",
        roundMicro(p.allocated - p.reserved_for_orders - p.reserved_for_positions + p.realized_pnl),
        e,
      );
    }
    s.add("available_capital_reported", p.available_capital, e);
    if (p.status != null) s.add("status_active", p.status === "active", e);
    s.add("tradingLoopHealthy", p.tradingLoopHealthy, e);
    s.add("capitalInvariantViolations", p.capitalInvariantViolations, e);
    s.add("capitalInvariantViolationsTotal", p.capitalInvariantViolationsTotal, e);
    s.time("violationSince", p.violationSince, e);
    s.time("lastReconciledAt", p.lastReconciledAt, e);
    s.add("reconciliationLock.held", p.reconciliationLock?.held, e);
    s.time("reconciliationLock.since", p.reconciliationLock?.since, e);
    s.add("openSlices", p.openSlices, e);
    const parity = p.parity;
    if (parity) {
      s.add("parity.mismatchedSlices", parity.mismatchedSlices, e);
      s.add("parity.quarantinedSlices", parity.quarantinedSlices, e);
      s.add("parity.maxConfirmations", parity.maxConfirmations, e);
      s.add("parity.requiredConfirmations", parity.requiredConfirmations, e);
      for (const sl of parity.slices ?? []) {
        const labels = {
          sliceId: sl.sliceId,
          symbol: sl.symbol,
          state: sl.state,
          attributed: sl.subTag === undefined ? undefined : String(sl.subTag !== null),
        };
        s.add("parity.slice.confirmations", sl.confirmations, e, labels);
        s.add("parity.slice.mismatchNotionalUsd", sl.mismatchNotionalUsd, e, labels);
      }
    }
  }

  mapStaleAndQuarantined(s, doc);

  if (doc.reconciliationNoGo) {
    s.add("reconciliationNoGo", doc.reconciliationNoGo.length);
    for (const n of doc.reconciliationNoGo) {
      s.add("reconciliationNoGo.entry", 1, n.profileId ?? SYSTEM_ENTITY, {
        sliceId: n.sliceId,
        symbol: n.symbol,
        reason: n.reason,
      });
    }
  }

  s.add("reconciliationStaleFills", doc.reconciliationStaleFills);
  s.add("reconciliationUnknownFills", doc.reconciliationUnknownFills);
  for (const f of doc.reconciliationUnattributedFills ?? [])
    s.add("reconciliationUnattributedFill", 1, f.profileId ?? SYSTEM_ENTITY, {
      fillId: f.fillId ?? "",
      symbol: f.symbol ?? "",
      reason: f.reason ?? "",
    });

  mapGhostPositions(s, doc);
  return s.samples;
}

/** The stale backlog and quarantined orders, from /internal/health or /health (same fields). */
function mapStaleAndQuarantined(s: SampleSet, doc: TradingBotPlainHealth): void {
  const stale = doc.staleOrders;
  if (stale) {
    s.add("staleOrders.backlog", stale.backlog);
    s.add("staleOrders.oldestAgeSeconds", stale.oldestAgeSeconds);
    for (const [profile, n] of Object.entries(stale.byProfile ?? {})) s.add("staleOrders.byProfile", n, profile);
  }
  if (doc.quarantinedOrders) {
    s.add("quarantinedOrders", doc.quarantinedOrders.length);
    for (const q of doc.quarantinedOrders) {
      s.add("quarantinedOrder", 1, q.profileId ?? SYSTEM_ENTITY, {
        orderId: q.orderId,
        symbol: q.symbol,
        reason: q.reason,
        since: q.since,
      });
    }
  }
}

/** Metrics the plain /health check carries; where it answered, /internal/health's copies are dropped. */
export const PLAIN_HEALTH_METRICS: ReadonlySet<string> = new Set([
  "staleOrders.backlog",
  "staleOrders.oldestAgeSeconds",
  "staleOrders.byProfile",
  "quarantinedOrders",
  "quarantinedOrder",
]);

export function readTradingBotPlainHealth(body: string): SourceResult<TradingBotPlainHealth> {
  return parseJsonDocument(body, TradingBotPlainHealth);
}

/** GET /health → the stale backlog and quarantined orders (the incident runbook's check). */
export function mapTradingBotPlainHealth(doc: TradingBotPlainHealth, m: MapContext): Sample[] {
  const s = new SampleSet(m);
  mapStaleAndQuarantined(s, doc);
  return s.samples;
}

export function pollTradingBotPlainHealth(ctx: PollContext): Promise<EndpointPoll> {
  return pollJson(ctx, "/health", readTradingBotPlainHealth, mapTradingBotPlainHealth);
}

/**
 * Ghost positions (seed 002): an exchange position the bot does not track. `trackedByBot: false`
 * says so directly; where the flag is absent, an exchange slice id missing from the bot's list
 * says the same. An exchange entry with neither is not counted either way.
 */
function mapGhostPositions(s: SampleSet, doc: TradingBotHealth): void {
  const pos = doc.positions;
  if (!pos) return;
  if (pos.bot) s.add("positions.bot", pos.bot.length);
  if (!pos.exchange) return;
  s.add("positions.exchange", pos.exchange.length);
  const botSlices = new Set((pos.bot ?? []).map((b) => b.sliceId).filter((x): x is string => typeof x === "string"));
  const ghosts = pos.exchange.filter(
    (x) =>
      x.trackedByBot === false ||
      (x.trackedByBot == null && pos.bot != null && x.sliceId != null && !botSlices.has(x.sliceId)),
  );
  s.add("positions.ghost", ghosts.length);
  const perProfile = new Map<string, number>();
  for (const p of doc.profiles ?? []) perProfile.set(p.profile_id, 0);
  for (const g of ghosts) {
    if (g.profileId != null) perProfile.set(g.profileId, (perProfile.get(g.profileId) ?? 0) + 1);
    s.add("ghostPosition.qty", g.qty, g.profileId ?? SYSTEM_ENTITY, { sliceId: g.sliceId, symbol: g.symbol });
  }
  for (const [profile, n] of perProfile) s.add("positions.ghost", n, profile);
}

export function readTradingBotApiStatus(body: string): SourceResult<TradingBotApiStatus> {
  return parseJsonDocument(body, TradingBotApiStatus);
}

/** GET /api/status → `api.*` samples (kept apart from the same fields in /internal/health). */
export function mapTradingBotApiStatus(doc: TradingBotApiStatus, m: MapContext): Sample[] {
  const s = new SampleSet(m);
  if (doc.status != null) s.add("api.running", doc.status === "running");
  for (const p of doc.profiles ?? []) {
    if (p.status != null) s.add("api.status_active", p.status === "active", p.profile_id);
    s.add("api.tradingLoopHealthy", p.tradingLoopHealthy, p.profile_id);
  }
  return s.samples;
}

export function pollTradingBotHealth(ctx: PollContext): Promise<EndpointPoll> {
  return pollJson(ctx, "/internal/health", readTradingBotHealth, mapTradingBotHealth);
}

/**
 * GET /api/status (credential). 401/403 and 5xx stay endpoint errors, but their status is also
 * reported as `http_status{path="/api/status"}` (0 when nothing answered: a timeout or a refused
 * connection): the incident runbook uses an authenticated /api/status as the check that auth works
 * again, and "all trading control endpoints fail" is a SEV-1, so the code itself is a signal.
 */
export async function pollTradingBotApiStatus(ctx: PollContext): Promise<EndpointPoll> {
  const path = "/api/status";
  const p = await pollJson(ctx, path, readTradingBotApiStatus, mapTradingBotApiStatus);
  const s = new SampleSet({ system: ctx.target.name, observedAt: ctx.now });
  if (p.ok || p.status === 401 || p.status === 403 || (p.status !== undefined && p.status >= 500))
    s.add("http_status", p.status, SYSTEM_ENTITY, { path });
  // No HTTP answer at all (timeout, connection refused): 0, so a failing control endpoint is seen too.
  else if (p.error?.kind === "timeout" || p.error?.kind === "network") s.add("http_status", 0, SYSTEM_ENTITY, { path });
  return { ...p, samples: [...p.samples, ...s.samples] };
}

// ---------------------------------------------------------------- /health/live and /health/ready

export function readReadyBody(body: string): SourceResult<ReadyBody> {
  return parseJsonDocument(body, ReadyBody);
}

/** Degraded checks of a readiness answer (seed 002: "investigate degraded fields"). */
export function mapReadyBody(doc: ReadyBody, m: MapContext, path = "/health/ready"): Sample[] {
  const s = new SampleSet(m);
  if (doc.degraded) {
    s.add("ready.degraded", doc.degraded.length, SYSTEM_ENTITY, { path });
    for (const name of doc.degraded) s.add("ready.degraded.check", 1, SYSTEM_ENTITY, { path, check: name });
  }
  for (const [name, c] of Object.entries(doc.checks ?? {}))
    s.add("ready.check.ok", c?.ok, SYSTEM_ENTITY, { path, check: name });
  return s.samples;
}

/** Plain-text probe answers that health endpoints commonly document (case-insensitive). */
const PLAIN_PROBE_BODIES = new Set(["ok", "live", "alive", "ready", "healthy", "up", "pong"]);

function looksHtml(contentType: string, body: string): boolean {
  return /\bhtml\b/i.test(contentType) || /^\s*<(?:!doctype|html|head|body|\?xml|!--)/i.test(body);
}

export type ProbeVerdict =
  | { ok: true; shape: "json"; doc: LiveBody | ReadyBody }
  | { ok: true; shape: "text"; documented: boolean }
  | { ok: false; error: SourceError };

/**
 * Decides whether an answer from /health/live or /health/ready is a health answer at all, from
 * what it says rather than its status alone: a server that answers every path with a landing
 * page must not look healthy.
 * - HTML (by content type or by the body's first tag) is never a health answer; on a 503 it is
 *   most likely a proxy's error page, so it is an http error, otherwise a schema error.
 * - JSON (by content type, or a body starting with { or [) must parse and be an object with a
 *   string `status`, the shape the systems document.
 * - Plain text is accepted: the documented bodies ("OK", "live", "ready", …) and, failing that,
 *   anything that is not an HTML page; a 503 answer must be JSON (its body names what is degraded).
 */
export function judgeProbe(path: string, status: number, contentType: string, body: string): ProbeVerdict {
  const where = `${contentType || "no content type"}`;
  const snippet = body.replace(/\s+/g, " ").slice(0, 80);
  if (looksHtml(contentType, body)) {
    const kind = status === 503 ? "http" : "schema";
    return {
      ok: false,
      error: { kind, detail: `HTTP ${status} with an HTML page (${where}), not a health answer: ${snippet}` },
    };
  }
  const looksJson = isJsonContentType(contentType) || /^\s*[{[]/.test(body);
  if (!looksJson) {
    if (status === 503)
      return { ok: false, error: { kind: "http", detail: `HTTP 503 with a non-JSON body (${where}): ${snippet}` } };
    return { ok: true, shape: "text", documented: PLAIN_PROBE_BODIES.has(body.trim().toLowerCase()) };
  }
  const doc = path === "/health/ready" ? parseJsonDocument(body, ReadyBody) : parseJsonDocument(body, LiveBody);
  if (!doc.ok) return doc;
  if (typeof doc.value.status !== "string") {
    return {
      ok: false,
      error: {
        kind: "schema",
        detail: `${path} answered JSON without a "status" string, not a health answer: ${snippet}`,
      },
    };
  }
  return { ok: true, shape: "json", doc: doc.value };
}

/**
 * A liveness or readiness probe. The HTTP status is the answer (`http_status{path}`); 503 is an
 * answer, not an adapter error. What the body says decides whether it is a health answer at all
 * (judgeProbe): an HTML page on every path is an error, never healthy.
 */
export async function pollProbe(ctx: PollContext, path: "/health/live" | "/health/ready"): Promise<EndpointPoll> {
  const f = await fetchEndpoint(ctx, path, {
    acceptStatus: [503],
    accept: "application/json, text/plain;q=0.9, */*;q=0.1",
  });
  if (!f.ok) return failedPoll(path, f.error, { latencyMs: f.latencyMs, status: f.status });
  const { status, body, contentType, latencyMs } = f.value;
  const base = { path, status, latencyMs, reports: [] as Report[] };
  const m = { system: ctx.target.name, observedAt: ctx.now };
  const verdict = judgeProbe(path, status, contentType, body);
  if (!verdict.ok) return { ...base, ok: false, error: verdict.error, samples: [] };
  const s = new SampleSet(m);
  s.add("http_status", status, SYSTEM_ENTITY, { path });
  if (verdict.shape === "text") return { ...base, ok: true, samples: s.samples };
  const extra = path === "/health/ready" ? mapReadyBody(verdict.doc as ReadyBody, m, path) : [];
  return { ...base, ok: true, samples: [...s.samples, ...extra] };
}

// ---------------------------------------------------------------- futures-bot

/** Bot status codes for the `status` sample. */
export const FUTURES_STATUSES = ["running", "halted", "stopped"] as const;
/** Circuit breaker states for `circuitBreaker.state`; anything but closed counts as open. */
export const CIRCUIT_STATES = ["closed", "half_open", "open"] as const;

export function readFuturesStatus(body: string): SourceResult<FuturesStatus> {
  return parseJsonDocument(body, FuturesStatus);
}

/** GET /status → samples (seed 003). */
export function mapFuturesStatus(doc: FuturesStatus, m: MapContext): Sample[] {
  const s = new SampleSet(m);
  s.code("status", doc.status, FUTURES_STATUSES);
  s.add("cycle", doc.cycle);
  s.time("lastCycleAt", doc.lastCycleAt);
  s.add("positions", doc.positions);
  s.add("equityUsd", doc.equityUsd);
  s.add("realizedPnlUsd", doc.realizedPnlUsd);
  const mu = doc.marginUtilization;
  if (mu) {
    s.add("marginUtilization.auction_max_margin_util", mu.auction_max_margin_util);
    s.add("marginUtilization.max_margin_utilization_pct", mu.max_margin_utilization_pct);
    s.add("marginUtilization.breached", mu.breached);
  }
  const ks = doc.killSwitch;
  if (ks) {
    s.add("killSwitch.active", ks.active, SYSTEM_ENTITY, { reason: ks.reason });
    s.time("killSwitch.since", ks.since);
  }
  const cb = doc.circuitBreaker;
  if (cb) {
    if (cb.state != null) s.add("circuitBreaker.open", cb.state !== "closed");
    s.code("circuitBreaker.state", cb.state?.replace("-", "_"), CIRCUIT_STATES);
    s.time("circuitBreaker.openedAt", cb.openedAt);
    s.time("circuitBreaker.nextProbeAt", cb.nextProbeAt);
    s.add("circuitBreaker.consecutiveFailures", cb.consecutiveFailures);
  }
  const ing = doc.ingest;
  if (ing) {
    s.add("ingest.outbox", ing.outbox);
    s.add("ingest.delivered", ing.delivered);
    s.add("ingest.batchesSent", ing.batchesSent);
    s.add("ingest.failures", ing.failures);
    s.add("ingest.lastStatus", ing.lastStatus);
  }
  return s.samples;
}

export function readFuturesPositions(body: string): SourceResult<FuturesPositions> {
  return parseJsonDocument(body, FuturesPositions);
}

/** GET /positions → per-symbol samples and coverage counts (seed 003). */
export function mapFuturesPositions(doc: FuturesPositions, m: MapContext): Sample[] {
  const s = new SampleSet(m);
  if (doc.positions) {
    s.add("tracked_positions", doc.positions.length);
    for (const p of doc.positions) {
      const e = p.symbol;
      // null = the position has no such order (a finding); absent = not reported (no sample).
      if (p.slOrderId !== undefined) s.add("has_stop_loss", p.slOrderId !== null && p.slOrderId !== "", e);
      if (p.tpOrderId !== undefined) s.add("has_take_profit", p.tpOrderId !== null && p.tpOrderId !== "", e);
      s.add("qty", p.qty, e);
      s.add("entryPrice", p.entryPrice, e);
      s.add("markPrice", p.markPrice, e);
      s.add("unrealizedPnlUsd", p.unrealizedPnlUsd, e);
      s.add("onExchange", p.onExchange, e);
      s.add("exchangeQty", p.exchangeQty, e);
    }
  }
  if (doc.untracked) {
    s.add("untracked_positions", doc.untracked.length);
    for (const u of doc.untracked) s.add("untracked_position.qty", u.qty, u.symbol, { side: u.side });
  }
  const cov = doc.coverage;
  if (cov) {
    s.add("coverage.stopLoss.covered", cov.stopLoss?.covered);
    s.add("coverage.stopLoss.missing", cov.stopLoss?.missing);
    s.add("coverage.takeProfit.covered", cov.takeProfit?.covered);
    s.add("coverage.takeProfit.missing", cov.takeProfit?.missing);
  }
  return s.samples;
}

export function pollFuturesStatus(ctx: PollContext): Promise<EndpointPoll> {
  return pollJson(ctx, "/status", readFuturesStatus, mapFuturesStatus);
}

export function pollFuturesPositions(ctx: PollContext): Promise<EndpointPoll> {
  return pollJson(ctx, "/positions", readFuturesPositions, mapFuturesPositions);
}

// ---------------------------------------------------------------- spot-exchange

export function readSpotAdminState(body: string): SourceResult<SpotAdminState> {
  return parseJsonDocument(body, SpotAdminState);
}

/** GET /admin/state → samples (seed 004). `symbol_mode`: NORMAL 0, CANCEL_ONLY 1, SOFT_HALT 2, HARD_HALT 3. */
export function mapSpotAdminState(doc: SpotAdminState, m: MapContext): Sample[] {
  const s = new SampleSet(m);
  for (const sym of doc.symbols ?? []) {
    const e = sym.symbol;
    s.code("symbol_mode", sym.mode, SYMBOL_MODES, e, { mode: sym.mode });
    s.add("openOrders", sym.openOrders, e);
    s.add("lastPrice", sym.lastPrice, e);
    s.add("tradesLastSecond", sym.tradesLastSecond, e);
    s.add("lastSeq", sym.lastSeq, e);
  }
  s.add("withdrawalsHalted", doc.withdrawalsHalted);
  s.add("withdrawalsPaidTotal", doc.withdrawalsPaidTotal);
  s.add("conflation", doc.conflation);
  s.add("bookDepthDefault", doc.bookDepthDefault);
  const l = doc.leader;
  if (l) {
    s.add("leader.fencingToken", l.fencingToken);
    if (l.contender !== undefined) s.add("leader.contended", l.contender !== null);
    if (l.contender && typeof l.contender === "object" && l.contender.fencingToken !== undefined)
      s.add("leader.contenderFencingToken", l.contender.fencingToken);
  }
  s.add("postgres.up", doc.postgres?.up);
  const k = doc.kafka;
  if (k) {
    s.add("kafka.brokersUp", k.brokersUp);
    s.add("kafka.brokersTotal", k.brokersTotal);
    s.add("kafka.outboxPending", k.outboxPending);
    s.add("kafka.ledgerConsumerLag", k.ledgerConsumerLag);
  }
  const st = doc.settlement;
  if (st) {
    s.add("settlement.lagP99Seconds", st.lagP99Seconds);
    s.add("settlement.t2Seconds", st.t2Seconds);
    s.add("settlement.t3Seconds", st.t3Seconds);
    s.code("settlement.policy", st.policy, SETTLEMENT_POLICIES);
  }
  const ws = doc.websocket;
  if (ws) {
    s.add("websocket.clients", ws.clients);
    s.add("websocket.backlogPerConnection", ws.backlogPerConnection);
    s.add("websocket.loadRatio", ws.loadRatio);
  }
  return s.samples;
}

export function pollSpotAdminState(ctx: PollContext): Promise<EndpointPoll> {
  return pollJson(ctx, "/admin/state", readSpotAdminState, mapSpotAdminState);
}
