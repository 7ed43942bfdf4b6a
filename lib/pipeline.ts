import "server-only";
import { randomUUID } from "node:crypto";
import type { FleetConfig } from "./config/fleet";
import type { Db } from "./db/client";
import type { SystemKind } from "./telemetry/model";
import type { Poller } from "./telemetry/sources/types";
import { LocalChangeBus, PostgresChangeBus, setChangeBus, type ChangeBus, type ChangeEvent } from "./collector/changes";
import { PostgresLeaderLock, setInstanceRole, type InstanceRole } from "./collector/leader";
import { CollectorRuntime, setLocalCollector, type CollectorRuntimeEvent } from "./collector/runtime";
import { BoardEngine } from "./board/engine";
import { setLocalFindings } from "./board/current";
import { Notifier } from "./notify/notifier";
import { loadControlWatches } from "./controls/watch";
import { settingsFromConfig } from "./controls/catalog";
import { getBoardFeed, type BoardFeed } from "./live/board-feed";

// The live pipeline, wired once:
//
//   collector (lib/collector/runtime.ts) → evaluator (lib/board/engine.ts) → board feed
//   (lib/live/board-feed.ts) → stream (app/api/stream)
//
// Each stage knows only the one before it through what it is handed here: the evaluator gets a
// read-only view of the collector's history and freshness, the board feed gets the change bus and
// reads findings through lib/board/current.ts. Every instance runs the bus and the board feed;
// the instance holding the collector lock (always, with the embedded database) also runs the
// collector, the evaluator and the notifier. With WATCHFLOOR_COLLECTOR=off an instance never
// competes for the lock: it serves what the leader stores, and its board says when no leader speaks.

export interface PipelineOptions {
  config: FleetConfig;
  db: Db;
  /** PostgreSQL URL; absent = embedded database, this instance always leads. */
  databaseUrl?: string;
  /** False for a serve-only instance (WATCHFLOOR_COLLECTOR=off). */
  collect: boolean;
  pollerFor: (kind: SystemKind) => Poller;
  secret: (name: string) => string | undefined;
  instanceId?: string;
  historyResolutionMs?: number;
  retentionEveryMs?: number;
  /** The console's origin, for links in notifications (the fleet config's notify.consoleUrl wins). */
  consoleUrl?: string;
  /** The board feed to connect (the process's by default; null for none, e.g. a bench of the collector). */
  feed?: BoardFeed | null;
}

/** How long the leader waits before telling other instances of a freshness change (its status write comes first). */
const FRESHNESS_NOTICE_MS = 2000;

export class Pipeline {
  readonly instanceId: string;
  readonly bus: ChangeBus;
  role: InstanceRole;
  collector: CollectorRuntime | null = null;
  engine: BoardEngine | null = null;
  notifier: Notifier | null = null;
  private lock?: PostgresLeaderLock;
  private unsubscribe?: () => void;
  private lastBeat = 0;
  private freshnessQ = new Set<string>();
  private freshnessTimer?: NodeJS.Timeout;
  /**
   * Leading, following and stopping run one after another on this chain, and each change of
   * leadership bumps the generation: a lead() still starting when the lock is lost sees it and
   * stops what it built instead of running beside the new leader.
   */
  private transitions: Promise<void> = Promise.resolve();
  private generation = 0;
  private stopped = false;
  private readonly roleListeners = new Set<(role: InstanceRole, reason?: string) => void>();

  constructor(private readonly o: PipelineOptions) {
    this.instanceId = o.instanceId ?? `watchfloor-${randomUUID().slice(0, 8)}`;
    this.bus = o.databaseUrl
      ? new PostgresChangeBus(this.instanceId, o.databaseUrl)
      : new LocalChangeBus(this.instanceId);
    this.role = o.collect ? "follower" : "serve-only";
  }

  async start(): Promise<void> {
    setChangeBus(this.bus);
    this.setRole(this.role);
    await this.bus.start();
    this.unsubscribe = this.bus.subscribe((e, origin) => this.onChange(e, origin.local));
    if (this.o.feed !== null) (this.o.feed ?? getBoardFeed()).connect(this.bus);
    if (!this.o.collect) return;
    if (!this.o.databaseUrl) {
      await this.serially(() => this.lead());
      return;
    }
    this.lock = new PostgresLeaderLock(this.o.databaseUrl, {
      onLead: () => this.serially(() => this.lead()),
      onLose: (reason) => this.serially(() => this.follow(reason)),
    });
    this.lock.start();
  }

  private serially(step: () => Promise<void>): Promise<void> {
    this.generation++;
    this.transitions = this.transitions
      .then(step)
      .catch((err: Error) => console.error("[pipeline] changing leadership failed:", err.message));
    return this.transitions;
  }

  /** Called with the new role whenever it changes (the collector CLI logs it). */
  onRole(fn: (role: InstanceRole, reason?: string) => void): () => void {
    this.roleListeners.add(fn);
    return () => this.roleListeners.delete(fn);
  }

  private setRole(role: InstanceRole, reason?: string) {
    this.role = role;
    setInstanceRole({ role, instanceId: this.instanceId });
    for (const fn of this.roleListeners) fn(role, reason);
  }

  /** What the leader's stages do on a change message (from this instance or another). */
  private onChange(e: ChangeEvent, local: boolean) {
    switch (e.type) {
      case "reports":
        this.collector?.readReports();
        break;
      case "ack":
      case "silences":
        this.notifier?.invalidate();
        break;
      case "outbox":
        this.notifier?.sender.pump();
        break;
      case "confirm":
        if (this.engine) void this.engine.loadConfirmations();
        break;
      case "resync":
        // Messages may have been missed: read again what they would have said.
        this.collector?.readReports();
        if (this.engine) void this.engine.loadConfirmations();
        this.notifier?.invalidate();
        break;
      case "role":
        // Another instance took the lead while this one thinks it leads: the lock decides, so this
        // is only logged (the lock's next check ends the older leadership).
        if (!local && e.role === "leader" && this.role === "leader")
          console.warn("[pipeline] another instance announced itself leader; the collector lock decides");
        break;
    }
  }

  private async lead() {
    if (this.collector || this.stopped) return;
    const generation = this.generation;
    const config = this.o.config;
    const collector = new CollectorRuntime({
      config,
      db: this.o.db,
      pollerFor: this.o.pollerFor,
      secret: this.o.secret,
      userAgent: `Watchfloor-collector/${this.instanceId}`,
      historyResolutionMs: this.o.historyResolutionMs,
      retentionEveryMs: this.o.retentionEveryMs,
    });
    const notify = config.notify;
    const notifier = notify.channels.length
      ? new Notifier({
          db: this.o.db,
          config: { ...notify, consoleUrl: notify.consoleUrl ?? this.o.consoleUrl },
          secret: this.o.secret,
          instanceId: this.instanceId,
        })
      : null;
    const poller = collector.collector;
    const engine = new BoardEngine({
      inputs: {
        history: collector.store,
        targetsForRules: () => poller.targetsForRules(),
        freshness: (system, endpoint) => poller.freshness(system, endpoint),
        droppedFamilies: (system) => poller.droppedFamilies(system),
        sourceProblem: (system, endpoint) => poller.sourceProblem(system, endpoint),
        catchingUp: (system) => poller.catchingUp(system),
      },
      db: this.o.db,
      onChange: (version) => this.bus.publish({ type: "board", version }),
      onEvaluated: (findings) => {
        // Readers switch from the table to the evaluator's own set once it has evaluated (until
        // then it is empty, and the table still holds what the previous leader stored).
        setLocalFindings(engine);
        if (notifier) void notifier.onEvaluation(findings.values());
        this.heartbeat();
      },
      onTick: () => collector.readReports(),
      loadWatches: (now) => loadControlWatches(this.o.db, settingsFromConfig(config.controls), now),
    });
    collector.events.on("change", (e: CollectorRuntimeEvent) => this.onCollectorEvent(e, engine));
    this.collector = collector;
    this.engine = engine;
    this.notifier = notifier;
    setLocalCollector(collector);
    this.setRole("leader");
    await collector.start();
    if (generation !== this.generation || this.stopped) {
      // Leadership changed (or the process is stopping) while the collector started: undo.
      await this.stopStages({ flush: false });
      return;
    }
    notifier?.start();
    engine.start();
    this.bus.publish({ type: "role", role: "leader" });
  }

  private onCollectorEvent(e: CollectorRuntimeEvent, engine: BoardEngine) {
    switch (e.type) {
      case "samples":
      case "reports":
      case "counter_reset":
        // Only the target the event is about needs its rules evaluated now; the engine's own tick
        // evaluates the targets that nothing has evaluated for their poll interval.
        engine.schedule(e.system);
        break;
      case "stored_reports":
        engine.schedule(e.systems);
        break;
      case "freshness":
        engine.schedule(e.system);
        // Other instances read the status from the database: tell them once it is stored (or,
        // if no status write comes — a target that hangs is marked stale without a poll ending —
        // after FRESHNESS_NOTICE_MS).
        this.freshnessQ.add(e.system);
        this.freshnessTimer ??= setTimeout(() => this.noticeFreshness(), FRESHNESS_NOTICE_MS);
        break;
      case "statuses_stored":
        if (this.freshnessQ.size) this.noticeFreshness();
        break;
    }
  }

  private noticeFreshness() {
    if (this.freshnessTimer) clearTimeout(this.freshnessTimer);
    this.freshnessTimer = undefined;
    const systems = [...this.freshnessQ];
    this.freshnessQ.clear();
    if (systems.length) this.bus.publish({ type: "freshness", systems });
  }

  /** The leader is alive: at most once a second, after an evaluation. */
  private heartbeat() {
    const now = Date.now();
    if (now - this.lastBeat < 1000) return;
    this.lastBeat = now;
    this.bus.publish({ type: "leader", intervalMs: this.o.config.defaults.pollIntervalMs });
  }

  private async stopStages(o: { flush: boolean }) {
    if (this.freshnessTimer) clearTimeout(this.freshnessTimer);
    this.freshnessTimer = undefined;
    this.engine?.stop();
    this.engine = null;
    setLocalFindings(undefined);
    const collector = this.collector;
    this.collector = null;
    setLocalCollector(undefined);
    await collector?.stop(o);
    await this.notifier?.stop();
    this.notifier = null;
  }

  private async follow(reason: string) {
    // Losing the lock: the new leader writes from now on. Stopping: write what is buffered.
    await this.stopStages({ flush: this.stopped });
    this.setRole("follower", reason);
    this.bus.publish({ type: "role", role: "follower", reason });
  }

  async stop(): Promise<void> {
    // The lock first, so no new leadership starts while the stages stop.
    this.stopped = true;
    this.generation++;
    await this.lock?.stop();
    await this.transitions;
    await this.stopStages({ flush: true });
    this.unsubscribe?.();
    await this.bus.stop();
    setChangeBus(undefined);
    setInstanceRole(undefined);
  }
}

// ---------------------------------------------------------------- this process's pipeline

const KEY = Symbol.for("watchfloor.pipeline");
type Holder = { [KEY]?: Pipeline };

export function getPipeline(): Pipeline | undefined {
  return (globalThis as Holder)[KEY];
}

/** Starts this process's pipeline once (the server's boot, or the collector CLI). */
export async function startPipeline(
  o: Omit<PipelineOptions, "config" | "db" | "databaseUrl" | "pollerFor" | "secret" | "consoleUrl"> &
    Partial<Pick<PipelineOptions, "consoleUrl">>,
): Promise<Pipeline> {
  const existing = getPipeline();
  if (existing) return existing;
  const [{ getFleetConfig }, { getDatabase }, { env, readNamedSecret }, { pollerFor }] = await Promise.all([
    import("./config/current"),
    import("./db"),
    import("./env"),
    import("./telemetry/sources/pollers"),
  ]);
  const handle = await getDatabase();
  const p = new Pipeline({
    ...o,
    config: getFleetConfig(),
    db: handle.db,
    databaseUrl: env().DATABASE_URL,
    pollerFor,
    secret: readNamedSecret,
    consoleUrl: o.consoleUrl ?? env().NEXTAUTH_URL,
  });
  (globalThis as Holder)[KEY] = p;
  await p.start();
  return p;
}
