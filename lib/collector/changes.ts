import "server-only";
import { EventEmitter } from "node:events";

// The change bus between the stages of the live pipeline and between console instances. A message
// says only *that* something changed (and which ids, up to which sequence number); whoever needs
// the data reads it from the database or from its own stage. So a message is always small, and a
// lost one costs a later refresh, never data: the reader of reports catches up from the database,
// the board feed rebuilds on its own schedule.
//
// With the embedded database there is one instance and the bus is in-process. With PostgreSQL the
// same messages also travel over LISTEN/NOTIFY, each with the sender's instance id and a per-sender
// sequence number, so a receiver can tell a gap (a missed message) from silence.

export type ChangeEvent =
  /** The leader's evaluator stored new findings or transitions (version counts evaluations that changed something). */
  | { type: "board"; version: number }
  /** The leader is alive and evaluating: sent after evaluations, at most once a second. */
  | { type: "leader"; intervalMs: number }
  /** A source's freshness changed; on other instances, sent once its status is in the database. */
  | { type: "freshness"; systems: string[] }
  /** Reports were stored, up to this `reports.seq`: the leader's reader fetches them from the database. */
  | { type: "reports"; upTo: number; systems: string[] }
  | { type: "ack"; findingId: string }
  /** A commander confirmed a finding handled: the leader re-reads confirmations from the audit log. */
  | { type: "confirm"; findingId: string }
  | { type: "incident"; incidentId: string }
  /** Silences changed: the leader's notifier re-reads them. */
  | { type: "silences" }
  /** A notification was queued by a user (a test message): the leader's sender sends it now. */
  | { type: "outbox" }
  | { type: "role"; role: "leader" | "follower"; reason?: string }
  /**
   * Never sent: delivered by this instance's bus to itself when it may have missed messages (its
   * LISTEN connection came back after a loss, or a sender's sequence skipped). Receivers read again
   * what the messages would have told them (the board feed rebuilds).
   */
  | { type: "resync"; reason: string };

export interface ChangeOrigin {
  instanceId: string;
  /** True for a message this instance sent. */
  local: boolean;
  at: number;
}

export type ChangeListener = (event: ChangeEvent, origin: ChangeOrigin) => void;

export interface BusStats {
  sent: number;
  received: number;
  /** Messages from other instances that could not be read (logged, never swallowed silently). */
  malformed: number;
  /** Messages known missed: a sender's sequence number jumped. */
  gaps: number;
  /** Times this instance read everything again after messages may have been missed. */
  resyncs: number;
}

/** The most a NOTIFY payload may carry (PostgreSQL's limit is 8000 bytes). */
export const MAX_PAYLOAD_BYTES = 7900;

export interface ChangeBus {
  readonly instanceId: string;
  readonly stats: BusStats;
  /** Delivers to this instance's listeners at once, and to every other instance. */
  publish(event: ChangeEvent): void;
  subscribe(fn: ChangeListener): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One process: listeners are called in order, synchronously. */
export class LocalChangeBus implements ChangeBus {
  readonly stats: BusStats = { sent: 0, received: 0, malformed: 0, gaps: 0, resyncs: 0 };
  protected readonly emitter = new EventEmitter();

  constructor(readonly instanceId: string) {
    this.emitter.setMaxListeners(0);
  }

  publish(event: ChangeEvent): void {
    this.stats.sent++;
    this.deliver(event, { instanceId: this.instanceId, local: true, at: Date.now() });
  }

  protected deliver(event: ChangeEvent, origin: ChangeOrigin) {
    this.emitter.emit("change", event, origin);
  }

  subscribe(fn: ChangeListener): () => void {
    const wrapped = (e: ChangeEvent, o: ChangeOrigin) => {
      try {
        fn(e, o);
      } catch (err) {
        console.error(`[changes] a listener failed on ${e.type}:`, (err as Error).message);
      }
    };
    this.emitter.on("change", wrapped);
    return () => this.emitter.off("change", wrapped);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export const CHANGES_CHANNEL = "watchfloor_changes";

interface Envelope {
  from: string;
  seq: number;
  at: number;
  event: ChangeEvent;
}

/** Checks a message from another instance; returns why it is not one, or the envelope. */
export function readEnvelope(payload: string): Envelope | string {
  let msg: unknown;
  try {
    msg = JSON.parse(payload);
  } catch {
    return `not JSON (${payload.length} characters)`;
  }
  const m = msg as Partial<Envelope> | null;
  if (!m || typeof m !== "object") return "not an object";
  if (typeof m.from !== "string" || !m.from) return "no sender";
  if (typeof m.seq !== "number" || !Number.isInteger(m.seq)) return "no sequence number";
  if (typeof m.at !== "number") return "no time";
  if (!m.event || typeof m.event !== "object" || typeof (m.event as { type?: unknown }).type !== "string")
    return "no event type";
  return m as Envelope;
}

/**
 * A message as sent: the event itself, or, if its id lists make it too long for NOTIFY, the
 * same event without them (receivers then treat it as "something of this type changed").
 */
export function encodeEnvelope(env: Envelope): string {
  const text = JSON.stringify(env);
  if (Buffer.byteLength(text) <= MAX_PAYLOAD_BYTES) return text;
  const e = env.event;
  const slim: ChangeEvent = e.type === "freshness" || e.type === "reports" ? { ...e, systems: [] } : e;
  const again = JSON.stringify({ ...env, event: slim });
  if (Buffer.byteLength(again) <= MAX_PAYLOAD_BYTES) return again;
  throw new Error(`a ${e.type} change message is ${Buffer.byteLength(again)} bytes, over the NOTIFY limit`);
}

/** PostgreSQL LISTEN/NOTIFY between instances, plus in-process delivery. */
export class PostgresChangeBus extends LocalChangeBus {
  private sql: import("postgres").Sql | null = null;
  private seq = 0;
  private readonly lastSeq = new Map<string, number>();

  constructor(
    instanceId: string,
    private readonly url: string,
  ) {
    super(instanceId);
  }

  async start(): Promise<void> {
    const { default: postgres } = await import("postgres");
    this.sql = postgres(this.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
    let listening = false;
    // Called on the first LISTEN and again each time the driver has reconnected and listens
    // again: whatever was sent in between is lost, so this instance reads everything again.
    await this.sql.listen(
      CHANGES_CHANNEL,
      (payload) => this.onPayload(payload),
      () => {
        if (listening) this.resync("the change channel reconnected");
        listening = true;
      },
    );
  }

  private resync(reason: string) {
    this.stats.resyncs++;
    console.warn(`[changes] ${reason}: messages may have been missed; reading again`);
    this.deliver({ type: "resync", reason }, { instanceId: this.instanceId, local: true, at: Date.now() });
  }

  private onPayload(payload: string) {
    const env = readEnvelope(payload);
    if (typeof env === "string") {
      this.stats.malformed++;
      console.error(`[changes] ignored a malformed change message: ${env}`);
      return;
    }
    if (env.from === this.instanceId) return;
    this.stats.received++;
    const last = this.lastSeq.get(env.from);
    const gap = last !== undefined && env.seq > last + 1;
    if (gap) this.stats.gaps++;
    this.lastSeq.set(env.from, env.seq);
    this.deliver(env.event, { instanceId: env.from, local: false, at: env.at });
    if (gap) this.resync(`${env.seq - last! - 1} change messages from ${env.from} were missed`);
  }

  publish(event: ChangeEvent): void {
    super.publish(event);
    const sql = this.sql;
    if (!sql) return;
    let text: string;
    try {
      text = encodeEnvelope({ from: this.instanceId, seq: ++this.seq, at: Date.now(), event });
    } catch (err) {
      console.error(`[changes] ${(err as Error).message}`);
      return;
    }
    void sql.notify(CHANGES_CHANNEL, text).catch((err: Error) => {
      // The others learn of it on their next refresh; a lost wake-up never loses data.
      console.warn(`[changes] could not tell the other instances of a ${event.type} change: ${err.message}`);
    });
  }

  async stop(): Promise<void> {
    await super.stop();
    await this.sql?.end({ timeout: 2 }).catch(() => {});
    this.sql = null;
  }
}

// ---------------------------------------------------------------- this process's bus

const KEY = Symbol.for("watchfloor.change-bus");
type Holder = { [KEY]?: ChangeBus };

/** Set once by the composition root (lib/pipeline.ts). */
export function setChangeBus(bus: ChangeBus | undefined) {
  (globalThis as Holder)[KEY] = bus;
}

/** This process's bus, if the pipeline runs here (a CLI script or a unit test has none). */
export function getChangeBus(): ChangeBus | undefined {
  return (globalThis as Holder)[KEY];
}

/** Publishes on this process's bus, if there is one. */
export function announce(event: ChangeEvent): void {
  getChangeBus()?.publish(event);
}
