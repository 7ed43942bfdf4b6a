import { EventEmitter } from "node:events";
import { effectivePollIntervalMs, effectiveTimeoutMs, type FleetConfig, type TargetConfig } from "../config/fleet";
import type { Report, Sample, SystemKind } from "../telemetry/model";
import type { EndpointResult, PartialRead, Poller } from "../telemetry/sources/types";
import { partSources, sourceAliases, sourceLabel, type PartSource } from "../telemetry/sources/parts";
import {
  EMPTY_SOURCE_STATE,
  freshnessOf,
  nextPollDelay,
  partialOf,
  recordFailure,
  recordSuccess,
  worstFreshness,
  type Freshness,
  type SourceState,
} from "./freshness";
import { NO_PAUSES, PauseTracker, type PausedMs } from "./pauses";
import { TelemetryStore } from "./store";

// Polls every configured target on its own interval (with jitter and backoff), one request per
// target per interval however many people watch. Never lets one broken source stop the others.

export interface HistorySink {
  samples(samples: Sample[]): Promise<void>;
  reports(reports: Report[]): Promise<void>;
  status(status: TargetStatus): Promise<void>;
}

export interface EndpointStatus extends SourceState {
  path: string;
  freshness: Freshness;
  samples: number;
  reports: number;
  status?: number;
}

export interface TargetStatus {
  name: string;
  label: string;
  kind: SystemKind;
  baseUrl: string;
  simulated: boolean;
  intervalMs: number;
  freshness: Freshness;
  lastSuccessAt?: number;
  lastAttemptAt?: number;
  lastError?: { kind: string; detail: string; at: number; path?: string };
  lastLatencyMs?: number;
  pollCount: number;
  /** When counters last went down (the target restarted), with how many series. */
  lastCounterReset?: { at: number; series: number };
  endpoints: EndpointStatus[];
  /**
   * Set while the target is fresh but an endpoint's last read was partial: it answered, and the
   * listed families could not be read (the sources screen shows the lines and rules).
   */
  partial?: PartialRead & { at: number; path: string };
  /** The samples the last successful poll produced (first 200), for debugging a target. */
  lastSamples: Sample[];
  /** Which adapter feeds each part (health, metrics, ledger, logs), with that endpoint's state. */
  parts?: PartStatus[];
}

/** One part of a target as the sources screen shows it. */
export interface PartStatus extends PartSource {
  freshness: Freshness;
  lastSuccessAt?: number;
  lastError?: { kind: string; detail: string; at: number };
  lastLatencyMs?: number;
  /** Series the last poll of this part's endpoint produced. */
  series?: number;
}

export type CollectorEvent =
  | { type: "freshness"; system: string; freshness: Freshness; previous: Freshness; at: number }
  | { type: "samples"; system: string; changed: number; at: number }
  | { type: "counter_reset"; system: string; series: string[]; at: number }
  | { type: "reports"; system: string; reports: Report[]; at: number };

export interface CollectorOptions {
  config: FleetConfig;
  pollerFor: (kind: SystemKind) => Poller;
  secret: (envName: string) => string | undefined;
  store?: TelemetryStore;
  sink?: HistorySink;
  now?: () => number;
  random?: () => number;
  /** How often freshness is re-checked between polls (ms). */
  freshnessTickMs?: number;
  /** Sent as User-Agent on every poll, so targets can tell which console instance polls them. */
  userAgent?: string;
  /**
   * Watches for the console's own pauses, left out of a source's age (pauses.ts). By default one
   * runs on the wall clock while the collector runs; with a given `now` (a virtual clock) none.
   */
  pauses?: PauseTracker | null;
}

/** How often the recent window is pruned at most (see pruneStore). */
const PRUNE_EVERY_MS = 1000;

interface TargetRuntime {
  target: TargetConfig;
  /** Source names standing for another endpoint on this target ("ledger", "/metrics"; parts.ts). */
  aliases: Record<string, string>;
  intervalMs: number;
  poller: Poller;
  state: SourceState;
  endpoints: Map<string, EndpointStatus>;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
  pollCount: number;
  cursor?: string;
  lastFreshness: Freshness;
  lastSamples: Sample[];
  lastCounterReset?: { at: number; series: number };
}

export class Collector {
  readonly events = new EventEmitter();
  readonly store: TelemetryStore;
  private readonly targets = new Map<string, TargetRuntime>();
  private running = false;
  private ticker?: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly random: () => number;
  private lastPruneAt = -Infinity;
  private readonly pauses: PauseTracker | null;
  private readonly paused: PausedMs;

  constructor(private readonly o: CollectorOptions) {
    this.store = o.store ?? new TelemetryStore();
    this.now = o.now ?? Date.now;
    this.pauses = o.pauses !== undefined ? o.pauses : o.now ? null : new PauseTracker();
    this.paused = this.pauses?.pausedMs ?? NO_PAUSES;
    this.random = o.random ?? Math.random;
    this.events.setMaxListeners(0);
    for (const t of o.config.targets) {
      this.targets.set(t.name, {
        target: t,
        aliases: sourceAliases(t),
        intervalMs: effectivePollIntervalMs(o.config, t),
        poller: o.pollerFor(t.kind),
        state: { ...EMPTY_SOURCE_STATE },
        endpoints: new Map(),
        inFlight: false,
        pollCount: 0,
        lastFreshness: "no_data",
        lastSamples: [],
      });
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const rt of this.targets.values())
      this.schedule(rt, Math.round(this.random() * Math.min(rt.intervalMs, 1000)));
    this.ticker = setInterval(() => this.checkFreshness(), this.o.freshnessTickMs ?? 500);
    this.ticker.unref?.();
    this.pauses?.start();
  }

  stop(): void {
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    this.pauses?.stop();
    for (const rt of this.targets.values()) if (rt.timer) clearTimeout(rt.timer);
  }

  get isRunning(): boolean {
    return this.running;
  }

  private schedule(rt: TargetRuntime, delay: number) {
    if (!this.running) return;
    rt.timer = setTimeout(() => {
      void this.pollTarget(rt.target.name).finally(() =>
        this.schedule(rt, nextPollDelay(rt.intervalMs, rt.state.consecutiveFailures, this.random)),
      );
    }, delay);
    rt.timer.unref?.();
  }

  /** Polls one target now. Overlapping polls of the same target are skipped. */
  async pollTarget(name: string): Promise<void> {
    const rt = this.targets.get(name);
    if (!rt || rt.inFlight) return;
    rt.inFlight = true;
    const at = this.now();
    try {
      const t = rt.target;
      const token = t.credentials.bearerTokenEnv ? this.o.secret(t.credentials.bearerTokenEnv) : undefined;
      let outcome;
      try {
        outcome = await rt.poller({
          target: t,
          token,
          userAgent: this.o.userAgent,
          timeoutMs: effectiveTimeoutMs(this.o.config, t),
          maxBytes: this.o.config.defaults.maxResponseBytes,
          now: at,
          cursor: rt.cursor,
          intervalMs: rt.intervalMs,
          secret: this.o.secret,
        });
      } catch (err) {
        // Adapters must not throw; if one does, the target is in error, and nothing else stops.
        outcome = {
          samples: [],
          reports: [],
          endpoints: [
            {
              path: "(adapter)",
              ok: false,
              samples: 0,
              reports: 0,
              error: { kind: "parse" as const, detail: `adapter failed: ${(err as Error).message}` },
            },
          ],
        };
      }
      rt.pollCount++;
      rt.cursor = outcome.cursor ?? rt.cursor;
      const done = this.now();
      this.recordEndpoints(rt, outcome.endpoints, done);
      const failed = outcome.endpoints.find((e) => !e.ok);
      const latency = Math.max(0, ...outcome.endpoints.map((e) => e.latencyMs ?? 0));
      rt.state = failed
        ? recordFailure(rt.state, done, failed.error ?? { kind: "http", detail: "failed" }, latency)
        : recordSuccess(rt.state, done, latency);
      if (outcome.samples.length) {
        rt.lastSamples = outcome.samples.slice(0, 200);
        const changed = this.store.addSamples(outcome.samples);
        if (this.store.lastResets.length) {
          rt.lastCounterReset = { at: done, series: this.store.lastResets.length };
          this.events.emit("change", {
            type: "counter_reset",
            system: name,
            series: this.store.lastResets.slice(0, 20),
            at: done,
          } satisfies CollectorEvent);
        }
        this.events.emit("change", {
          type: "samples",
          system: name,
          changed: changed.length,
          at: done,
        } satisfies CollectorEvent);
      }
      const fresh = this.store.addReports(outcome.reports);
      if (fresh.length)
        this.events.emit("change", {
          type: "reports",
          system: name,
          reports: fresh,
          at: done,
        } satisfies CollectorEvent);
      this.pruneStore(done);
      await this.persist(rt, outcome.samples, fresh);
      // Only this target's state changed; the others age with time and the ticker watches them.
      this.checkTargetFreshness(rt, this.now());
    } finally {
      rt.inFlight = false;
    }
  }

  private recordEndpoints(rt: TargetRuntime, results: EndpointResult[], at: number) {
    for (const r of results) {
      const prev = rt.endpoints.get(r.path) ?? {
        ...EMPTY_SOURCE_STATE,
        path: r.path,
        freshness: "no_data" as Freshness,
        samples: 0,
        reports: 0,
      };
      const state = r.ok
        ? recordSuccess(prev, at, r.latencyMs, r.partial)
        : recordFailure(prev, at, r.error ?? { kind: "http", detail: "failed" }, r.latencyMs);
      rt.endpoints.set(r.path, {
        ...state,
        path: r.path,
        freshness: freshnessOf(state, rt.intervalMs, at, this.paused),
        samples: r.samples,
        reports: r.reports,
        status: r.status,
      });
    }
  }

  private async persist(rt: TargetRuntime, samples: Sample[], reports: Report[]) {
    const sink = this.o.sink;
    if (!sink) return;
    try {
      if (samples.length) await sink.samples(samples);
      if (reports.length) await sink.reports(reports);
      await sink.status(this.statusOf(rt));
    } catch (err) {
      console.error(`[collector] history write for ${rt.target.name} failed:`, (err as Error).message);
    }
  }

  /**
   * Drops points older than the store's window. Pruning walks every series, so with many targets
   * it runs at most once per PRUNE_EVERY_MS rather than after every poll; the window is over an
   * hour, so a second more or less of old points changes no rule.
   */
  private pruneStore(now: number) {
    if (now >= this.lastPruneAt && now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    this.store.prune(now);
  }

  private checkFreshness() {
    const now = this.now();
    for (const rt of this.targets.values()) this.checkTargetFreshness(rt, now);
  }

  private checkTargetFreshness(rt: TargetRuntime, now: number) {
    const f = this.freshnessOfTarget(rt, now);
    if (f !== rt.lastFreshness) {
      const previous = rt.lastFreshness;
      rt.lastFreshness = f;
      this.events.emit("change", {
        type: "freshness",
        system: rt.target.name,
        freshness: f,
        previous,
        at: now,
      } satisfies CollectorEvent);
    }
  }

  /**
   * True while the target is fresh only because the console's own pause is left out of its age
   * (pauses.ts): by the clock its data is past the staleness limit, and the polls that were due
   * during the pause have not landed yet. Bounded by one poll: it lands, or fails, or times out.
   */
  catchingUp(system: string): boolean {
    const rt = this.targets.get(system);
    if (!rt || !this.pauses) return false;
    const now = this.now();
    const byClock = (s: SourceState) => freshnessOf(s, rt.intervalMs, now) === "stale";
    const credited = (s: SourceState) => freshnessOf(s, rt.intervalMs, now, this.paused) === "ok";
    return [rt.state, ...rt.endpoints.values()].some((s) => byClock(s) && credited(s));
  }

  private freshnessOfTarget(rt: TargetRuntime, now: number): Freshness {
    const overall = freshnessOf(rt.state, rt.intervalMs, now, this.paused);
    if (overall !== "ok") return overall;
    return worstFreshness([
      overall,
      ...[...rt.endpoints.values()].map((e) => freshnessOf(e, rt.intervalMs, now, this.paused)),
    ]);
  }

  private statusOf(rt: TargetRuntime): TargetStatus {
    const now = this.now();
    const t = rt.target;
    const lastErrEndpoint = [...rt.endpoints.values()]
      .filter((e) => e.lastError)
      .sort((a, b) => (b.lastErrorAt ?? 0) - (a.lastErrorAt ?? 0))[0];
    return {
      name: t.name,
      label: t.label ?? t.name,
      kind: t.kind,
      baseUrl: t.baseUrl,
      simulated: t.simulated,
      intervalMs: rt.intervalMs,
      freshness: this.freshnessOfTarget(rt, now),
      lastSuccessAt: rt.state.lastSuccessAt,
      lastAttemptAt: rt.state.lastAttemptAt,
      lastError: lastErrEndpoint?.lastError
        ? { ...lastErrEndpoint.lastError, at: lastErrEndpoint.lastErrorAt!, path: lastErrEndpoint.path }
        : rt.state.lastError
          ? { ...rt.state.lastError, at: rt.state.lastErrorAt! }
          : undefined,
      lastLatencyMs: rt.state.lastLatencyMs,
      pollCount: rt.pollCount,
      lastCounterReset: rt.lastCounterReset,
      endpoints: [...rt.endpoints.values()].map((e) => ({
        ...e,
        freshness: freshnessOf(e, rt.intervalMs, now, this.paused),
      })),
      partial: this.partialOfTarget(rt, now),
      lastSamples: rt.lastSamples,
      parts: partSources(t).map((p): PartStatus => {
        const e = p.endpoint !== undefined ? rt.endpoints.get(p.endpoint) : undefined;
        if (!e) return { ...p, freshness: p.endpoint === undefined ? "no_data" : this.freshness(t.name, p.endpoint) };
        const out: PartStatus = { ...p, freshness: this.freshness(t.name, p.endpoint), series: e.samples };
        if (e.lastSuccessAt !== undefined) out.lastSuccessAt = e.lastSuccessAt;
        if (e.lastError && e.lastErrorAt !== undefined) out.lastError = { ...e.lastError, at: e.lastErrorAt };
        if (e.lastLatencyMs !== undefined) out.lastLatencyMs = e.lastLatencyMs;
        return out;
      }),
    };
  }

  /** The first endpoint of a fresh target whose last read was partial. */
  private partialOfTarget(rt: TargetRuntime, now: number): TargetStatus["partial"] {
    for (const e of rt.endpoints.values()) {
      const p = partialOf(e, rt.intervalMs, now, this.paused);
      if (p) return { ...p, path: e.path };
    }
    return undefined;
  }

  /**
   * Metric families the target's last reads left out (partial reads of fresh endpoints). Findings
   * that read them are Unknown (lib/rules/define.ts).
   */
  droppedFamilies(system: string): string[] {
    const rt = this.targets.get(system);
    if (!rt) return [];
    const now = this.now();
    const out: string[] = [];
    for (const e of rt.endpoints.values())
      out.push(...(partialOf(e, rt.intervalMs, now, this.paused)?.droppedFamilies ?? []));
    return out;
  }

  status(): TargetStatus[] {
    return [...this.targets.values()].map((rt) => this.statusOf(rt));
  }

  /**
   * Freshness of a target, or of one of its endpoints when `endpoint` is given. A rule's source
   * name stands for the endpoint that feeds it on this target ("ledger" → `/rest/v1/…` when the
   * ledger comes from Supabase, "/metrics" → the Prometheus query; parts.ts).
   */
  freshness(system: string, endpoint?: string): Freshness {
    const rt = this.targets.get(system);
    if (!rt) return "no_data";
    const now = this.now();
    if (endpoint === undefined) return this.freshnessOfTarget(rt, now);
    const ep = rt.endpoints.get(Object.hasOwn(rt.aliases, endpoint) ? rt.aliases[endpoint]! : endpoint);
    // A poll that has not come back yet still ages the endpoint: take the target's own state into account.
    return ep
      ? worstFreshness([
          freshnessOf(ep, rt.intervalMs, now, this.paused),
          freshnessOf(rt.state, rt.intervalMs, now, this.paused) === "stale" ? "stale" : "ok",
        ])
      : freshnessOf(rt.state, rt.intervalMs, now, this.paused) === "ok"
        ? "no_data"
        : freshnessOf(rt.state, rt.intervalMs, now, this.paused);
  }

  /**
   * Why a source a rule depends on is not fresh: its endpoint's last error (kind and detail) and
   * what the source is called, for the Unknown finding's summary. Undefined while it is fresh.
   */
  sourceProblem(system: string, endpoint: string): { source: string; kind?: string; detail?: string } | undefined {
    const rt = this.targets.get(system);
    if (!rt) return undefined;
    const fresh = this.freshness(system, endpoint);
    if (fresh === "ok") return undefined;
    const e = rt.endpoints.get(Object.hasOwn(rt.aliases, endpoint) ? rt.aliases[endpoint]! : endpoint);
    const source = sourceLabel(rt.target, endpoint);
    if (fresh === "error" && e?.lastError) return { source, kind: e.lastError.kind, detail: e.lastError.detail };
    return { source };
  }

  targetsForRules(): Array<{
    name: string;
    kind: SystemKind;
    intervalMs: number;
    thresholds: TargetConfig["thresholds"];
    sources: Record<string, string>;
  }> {
    return [...this.targets.values()].map((rt) => ({
      name: rt.target.name,
      kind: rt.target.kind,
      intervalMs: rt.intervalMs,
      thresholds: rt.target.thresholds,
      sources: rt.aliases,
    }));
  }
}
