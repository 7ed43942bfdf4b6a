import "server-only";
import { EventEmitter } from "node:events";
import type { FleetConfig } from "../config/fleet";
import type { Db } from "../db/client";
import type { SystemKind } from "../telemetry/model";
import type { Poller } from "../telemetry/sources/types";
import { Collector, type CollectorEvent } from "./collector";
import { rollupAndPrune } from "./history";
import { BatchedHistorySink } from "./history-batch";
import { ReportReader } from "./report-reader";
import { TelemetryStore } from "./store";

// The collector stage of the live pipeline, while this instance leads: polls the targets into the
// recent window and the database, reads reports stored by any instance into the window, and runs
// history retention. It knows nothing of the stages after it; lib/pipeline.ts listens to `events`.

export type CollectorRuntimeEvent =
  | CollectorEvent
  /** Reports new to the window came from the database (stored by push ingest on some instance). */
  | { type: "stored_reports"; systems: string[]; at: number }
  /** Source statuses reached the database (other instances read them there). */
  | { type: "statuses_stored"; systems: string[]; at: number };

export interface CollectorRuntimeOptions {
  config: FleetConfig;
  db: Db;
  pollerFor: (kind: SystemKind) => Poller;
  secret: (name: string) => string | undefined;
  /** Sent as User-Agent on every poll, so targets can tell which console instance polls them. */
  userAgent: string;
  historyResolutionMs?: number;
  retentionEveryMs?: number;
}

export class CollectorRuntime {
  readonly events = new EventEmitter();
  readonly store = new TelemetryStore();
  readonly collector: Collector;
  readonly reports: ReportReader;
  private readonly sink: BatchedHistorySink;
  private retention?: NodeJS.Timeout;

  constructor(private readonly o: CollectorRuntimeOptions) {
    this.events.setMaxListeners(0);
    this.sink = new BatchedHistorySink(o.db, {
      resolutionMs: o.historyResolutionMs,
      onFlushed: (systems) => {
        if (systems.length) this.emit({ type: "statuses_stored", systems, at: Date.now() });
      },
    });
    this.collector = new Collector({
      config: o.config,
      pollerFor: o.pollerFor,
      secret: o.secret,
      store: this.store,
      sink: this.sink,
      userAgent: o.userAgent,
    });
    this.collector.events.on("change", (e: CollectorEvent) => this.emit(e));
    this.reports = new ReportReader({
      db: o.db,
      store: this.store,
      onReports: (systems) => this.emit({ type: "stored_reports", systems: [...systems], at: Date.now() }),
    });
  }

  private emit(e: CollectorRuntimeEvent) {
    this.events.emit("change", e);
  }

  /** Starts polling; first loads the reports of the rules' window from the database. */
  async start(): Promise<void> {
    try {
      await this.reports.warmUp();
    } catch (err) {
      // The reader warms up again before its next read (on the evaluator's next tick).
      console.error("[collector] loading recent reports failed (retried on the next read):", (err as Error).message);
    }
    this.collector.start();
    this.retention = setInterval(
      () => {
        void rollupAndPrune(this.o.db, { now: Date.now() }).catch((err) =>
          console.error("[collector] retention failed:", (err as Error).message),
        );
      },
      this.o.retentionEveryMs ?? 5 * 60_000,
    );
    this.retention.unref?.();
  }

  /** Reads reports stored since the last read (on a change message, and on the evaluator's tick). */
  readReports(): void {
    void this.reports.read().catch((err: Error) => console.error("[collector] reading reports failed:", err.message));
  }

  /**
   * Stops polling. `flush: false` when leadership was lost: the new leader writes from now on, and
   * statuses buffered here would only overwrite its newer ones.
   */
  async stop(o: { flush: boolean }): Promise<void> {
    this.collector.stop();
    if (this.retention) clearInterval(this.retention);
    await this.sink.close(o).catch(() => {});
    this.events.removeAllListeners();
  }
}

// ---------------------------------------------------------------- this process's collector, while it leads

const KEY = Symbol.for("watchfloor.collector-runtime");
type Holder = { [KEY]?: CollectorRuntime };

/** Set by the composition root (lib/pipeline.ts) when this instance starts or stops leading. */
export function setLocalCollector(rt: CollectorRuntime | undefined) {
  (globalThis as Holder)[KEY] = rt;
}

/** The collector running in this process, if this instance leads (readers fall back to the database). */
export function getLocalCollector(): CollectorRuntime | undefined {
  return (globalThis as Holder)[KEY];
}
