import "server-only";
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { FleetConfig } from "../config/fleet";
import type { Db } from "../db/client";
import type { Report, SystemKind } from "../telemetry/model";
import type { Confirmation } from "../rules/types";
import type { Poller } from "../telemetry/sources/types";
import { Collector, type CollectorEvent } from "./collector";
import { rollupAndPrune } from "./history";
import { BatchedHistorySink } from "./history-batch";
import { PostgresChangeBus, PostgresLeaderLock } from "./leader";
import { TelemetryStore } from "./store";
import { BoardEngine } from "../board/engine";
import { Notifier } from "../notify/notifier";
import { loadControlWatches } from "../controls/watch";
import { settingsFromConfig } from "../controls/catalog";

// One collector runtime per process. With the embedded database this process always leads; with
// PostgreSQL the instance holding the advisory lock leads and the others follow, receiving change
// events over LISTEN/NOTIFY. Viewers never cause polls: only the leader's collector polls.

export type RuntimeEvent =
  | CollectorEvent
  | { type: "role"; role: "leader" | "follower"; at: number; reason?: string }
  | { type: "board"; version: number; at: number }
  | { type: "ack"; findingId: string; at: number }
  | { type: "confirm"; confirmation: Confirmation; at: number }
  | { type: "incident"; incidentId: string; at: number };

export interface RuntimeOptions {
  config: FleetConfig;
  db: Db;
  /** PostgreSQL URL; absent = embedded database, always leader. */
  databaseUrl?: string;
  pollerFor: (kind: SystemKind) => Poller;
  secret: (name: string) => string | undefined;
  /** User agent the pollers send (identifies this instance to targets). */
  instanceId?: string;
  historyResolutionMs?: number;
  retentionEveryMs?: number;
  /** The console's origin, for links in notifications (the fleet config's notify.consoleUrl wins). */
  consoleUrl?: string;
}

export class CollectorRuntime {
  readonly instanceId: string;
  readonly events = new EventEmitter();
  readonly store = new TelemetryStore();
  collector: Collector | null = null;
  board: BoardEngine | null = null;
  /** Paging (lib/notify): runs on the leader only, so followers never send. */
  notifier: Notifier | null = null;
  role: "leader" | "follower" = "follower";
  private lock?: PostgresLeaderLock;
  private bus?: PostgresChangeBus;
  private retention?: NodeJS.Timeout;
  private sink?: BatchedHistorySink;

  constructor(private readonly o: RuntimeOptions) {
    this.instanceId = o.instanceId ?? `watchfloor-${randomUUID().slice(0, 8)}`;
    this.events.setMaxListeners(0);
    this.events.on("change", this.onAckEvent);
  }

  async start(): Promise<void> {
    if (!this.o.databaseUrl) {
      this.lead();
      return;
    }
    this.bus = new PostgresChangeBus(this.o.databaseUrl);
    await this.bus.start((payload) => this.onRemote(payload));
    this.lock = new PostgresLeaderLock(this.o.databaseUrl, {
      onLead: () => this.lead(),
      onLose: (reason) => this.follow(reason),
    });
    this.lock.start();
  }

  /** An acknowledgement (here or on another instance) changes what the leader's notifier sends. */
  private readonly onAckEvent = (e: RuntimeEvent) => {
    if (e.type === "ack") this.notifier?.invalidate();
  };

  private onRemote(payload: string) {
    try {
      const msg = JSON.parse(payload) as { from: string; event: RuntimeEvent };
      if (msg.from === this.instanceId) return;
      if (msg.event.type === "reports") this.store.addReports(msg.event.reports);
      // A confirmation made on another instance: the leader's rules must honour it.
      if (msg.event.type === "confirm") this.board?.addConfirmation(msg.event.confirmation);
      this.events.emit("change", msg.event);
    } catch {
      /* not ours */
    }
  }

  private publish(event: RuntimeEvent) {
    this.events.emit("change", event);
    if (this.bus) {
      // Reports can be large; followers read them from the database, so send only their ids.
      const slim = event.type === "reports" ? { ...event, reports: event.reports.slice(0, 20) } : event;
      void this.bus.publish(JSON.stringify({ from: this.instanceId, event: slim })).catch(() => {});
    }
  }

  private lead() {
    if (this.collector) return;
    this.role = "leader";
    const sink = new BatchedHistorySink(this.o.db, { resolutionMs: this.o.historyResolutionMs });
    this.sink = sink;
    const collector = new Collector({
      config: this.o.config,
      pollerFor: this.o.pollerFor,
      secret: this.o.secret,
      store: this.store,
      sink,
      userAgent: `Watchfloor-collector/${this.instanceId}`,
    });
    const notify = this.o.config.notify;
    const notifier = notify.channels.length
      ? new Notifier({
          db: this.o.db,
          config: { ...notify, consoleUrl: notify.consoleUrl ?? this.o.consoleUrl },
          secret: this.o.secret,
          instanceId: this.instanceId,
        })
      : null;
    const board = new BoardEngine({
      collector,
      store: this.store,
      db: this.o.db,
      onChange: (version) => this.publish({ type: "board", version, at: Date.now() }),
      onEvaluated: notifier ? (findings) => void notifier.onEvaluation(findings.values()) : undefined,
      loadWatches: (now) => loadControlWatches(this.o.db, settingsFromConfig(this.o.config.controls), now),
    });
    collector.events.on("change", (e: CollectorEvent) => {
      // Only the target the event is about needs its rules evaluated now; the board's own tick
      // evaluates every target each second.
      board.schedule(e.system);
      // Sample ticks are frequent and only matter locally (the board engine); share the rest.
      if (e.type === "samples") this.events.emit("change", e);
      else this.publish(e);
    });
    this.collector = collector;
    this.board = board;
    this.notifier = notifier;
    notifier?.start();
    collector.start();
    board.start();
    this.retention = setInterval(
      () => {
        void rollupAndPrune(this.o.db, { now: Date.now() }).catch((err) =>
          console.error("[collector] retention failed:", (err as Error).message),
        );
      },
      this.o.retentionEveryMs ?? 5 * 60_000,
    );
    this.retention.unref?.();
    this.publish({ type: "role", role: "leader", at: Date.now() });
  }

  private follow(reason: string) {
    this.collector?.stop();
    this.collector = null;
    // The new leader writes from now on; statuses buffered here would only overwrite its newer ones.
    void this.sink?.close({ flush: false });
    this.sink = undefined;
    this.board?.stop();
    this.board = null;
    void this.notifier?.stop();
    this.notifier = null;
    if (this.retention) clearInterval(this.retention);
    this.role = "follower";
    this.events.emit("change", { type: "role", role: "follower", at: Date.now(), reason } satisfies RuntimeEvent);
  }

  /** Reports that arrived through ingest: into the recent window, and to every instance. */
  addReports(reports: Report[]) {
    const fresh = this.store.addReports(reports);
    const bySystem = new Map<string, Report[]>();
    for (const r of fresh) bySystem.set(r.system, [...(bySystem.get(r.system) ?? []), r]);
    for (const [system, list] of bySystem) this.publish({ type: "reports", system, reports: list, at: Date.now() });
    if (bySystem.size) this.board?.schedule(bySystem.keys());
  }

  /** Tells every instance that something viewers see changed (e.g. an acknowledgement). */
  announce(event: RuntimeEvent) {
    this.publish(event);
  }

  async stop(): Promise<void> {
    this.collector?.stop();
    this.collector = null;
    await this.sink?.close({ flush: true }).catch(() => {});
    this.sink = undefined;
    this.board?.stop();
    this.board = null;
    await this.notifier?.stop();
    this.notifier = null;
    if (this.retention) clearInterval(this.retention);
    await this.lock?.stop();
    await this.bus?.stop();
  }
}

const KEY = Symbol.for("watchfloor.collector-runtime");
type Holder = { [KEY]?: CollectorRuntime };

export function setRuntime(rt: CollectorRuntime | undefined) {
  (globalThis as Holder)[KEY] = rt;
}

export function getRuntime(): CollectorRuntime | undefined {
  return (globalThis as Holder)[KEY];
}

/** Hands reports received by ingest to this process's runtime, if it runs one. */
export function publishReports(reports: Report[]) {
  getRuntime()?.addReports(reports);
}
