import "server-only";
import { getFleetConfig } from "../config/current";
import { createHash } from "node:crypto";
import type { ChangeBus, ChangeEvent } from "../collector/changes";
import { getInstanceRole } from "../collector/leader";
import { NO_PAUSES, PauseTracker, type PausedMs } from "../collector/pauses";
import { buildBoardSnapshot, degradedSnapshot, type BoardSnapshot, type SystemTile } from "../board/snapshot";
import { LiveHub, sseEvent, type LiveClient } from "./hub";
import { diff, type Json } from "../core/patch";
import type { PatchMessage } from "../core/board-stream";
import { env } from "../env";

// The board feed stage of the live pipeline, on every instance: one board snapshot per change,
// built from the one source of current findings (lib/board/current.ts) and the sources' status,
// serialised once and pushed to every open stream: a new viewer gets the whole board, then each
// change as a patch against the board before it (lib/core/board-stream.ts has the protocol). Rebuilt when a change message says findings,
// freshness, leadership, acknowledgements, silences or open incidents changed (from this instance
// or, over PostgreSQL, from any other), and every few seconds (WATCHFLOOR_BOARD_REFRESH_MS) so
// data ages stay current.
//
// The leader says it is alive after its evaluations (a `leader` message at most once a second).
// An instance that hears nothing from a leader for two poll intervals (at least three seconds)
// serves its board marked "not current": it cannot know whether what it shows is still true.

/** Change messages after which the board is built again. */
const REBUILD_ON: ReadonlySet<ChangeEvent["type"]> = new Set([
  "board",
  "freshness",
  "role",
  "ack",
  "confirm",
  "incident",
  "silences",
  "resync",
]);

/** A build that takes longer than this (a database that hangs rather than refuses) counts as failed. */
const BUILD_TIMEOUT_MS = 4000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref?.();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** What the feed reads; the defaults are the process's (tests pass their own). */
export interface BoardFeedOptions {
  build?: () => Promise<BoardSnapshot>;
  /** The configured systems, for a board built while nothing can be read. */
  systems?: () => Array<Pick<SystemTile, "name" | "label" | "kind" | "simulated">>;
  /** The poll interval the leader is expected to keep (two of them without word = not current). */
  pollIntervalMs?: () => number;
  refreshMs?: () => number;
  role?: () => string;
  /** This process's own pauses, left out of the leader's silence (none unless given). */
  pausedMs?: PausedMs;
}

export class BoardFeed {
  readonly hub = new LiveHub();
  private json = "";
  private etag = "";
  /** The board as last sent, and its number in this feed's sequence (a patch names the one it applies to). */
  private sent: BoardSnapshot | null = null;
  private seq = 0;
  private building: Promise<string> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private unsubscribe?: () => void;
  /** The last snapshot built from current data, and since when building one has failed. */
  private lastGood: BoardSnapshot | null = null;
  private failingSince: number | null = null;
  /** When a leader last said it was alive (or this feed started: a grace before the first word). */
  private leaderHeardAt = Date.now();
  private leaderWasCurrent = true;
  broadcasts = 0;

  constructor(private readonly o: BoardFeedOptions = {}) {}

  /** Starts the periodic rebuild and the leader watch (once; every instance needs both). */
  private startTicking() {
    if (this.ticking) return;
    this.ticking = true;
    const tick = setInterval(() => this.schedule(0), this.o.refreshMs?.() ?? env().WATCHFLOOR_BOARD_REFRESH_MS);
    tick.unref?.();
    const watch = setInterval(() => {
      const current = this.leaderIsCurrent();
      if (current !== this.leaderWasCurrent) this.schedule(0);
    }, 500);
    watch.unref?.();
  }

  /** Subscribes to the change bus (the composition root calls this once per process). */
  connect(bus: ChangeBus) {
    this.unsubscribe?.();
    this.unsubscribe = bus.subscribe((e) => {
      // Word from an evaluating leader (a leader that only announced itself has not evaluated yet).
      if (e.type === "leader" || e.type === "board") {
        const wasCurrent = this.leaderIsCurrent();
        this.leaderHeardAt = Date.now();
        if (!wasCurrent) this.schedule(0);
      }
      if (REBUILD_ON.has(e.type)) this.schedule(25);
    });
    this.startTicking();
  }

  /** How long without word from a leader makes the board "not current". */
  silenceLimitMs(): number {
    return Math.max(3000, 2 * (this.o.pollIntervalMs?.() ?? getFleetConfig().defaults.pollIntervalMs));
  }

  /**
   * Whether a leader spoke within the limit, not counting this process's own pauses: after one,
   * Node runs the watch's timer before the leader's message waiting in the socket is read, and
   * every board would say "not current" for an instant (lib/collector/pauses.ts).
   */
  private leaderIsCurrent(now = Date.now()): boolean {
    const silent = now - this.leaderHeardAt;
    const limit = this.silenceLimitMs();
    return silent <= limit || silent - (this.o.pausedMs ?? NO_PAUSES)(this.leaderHeardAt, now) <= limit;
  }

  private schedule(delay: number) {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.rebuild();
    }, delay);
    this.timer.unref?.();
  }

  private async rebuild(): Promise<string> {
    // A change that lands while a snapshot is being built may have been read too early by it:
    // build once more right after, so no change waits for the periodic refresh.
    if (this.building) {
      this.again = true;
      return this.building;
    }
    this.building = (async () => {
      let board: BoardSnapshot;
      const role = () => this.o.role?.() ?? getInstanceRole().role;
      const systems = () =>
        this.o.systems?.() ??
        getFleetConfig().targets.map((t) => ({
          name: t.name,
          label: t.label ?? t.name,
          kind: t.kind,
          simulated: t.simulated,
        }));
      try {
        const snap = await withTimeout((this.o.build ?? buildBoardSnapshot)(), BUILD_TIMEOUT_MS);
        this.lastGood = snap;
        if (this.failingSince !== null) console.warn("[board-feed] the board is current again");
        this.failingSince = null;
        const now = Date.now();
        const current = this.leaderIsCurrent(now);
        if (current !== this.leaderWasCurrent)
          console.warn(
            current
              ? "[board-feed] a collector leader is evaluating again"
              : `[board-feed] no word from a collector leader for ${Math.round((now - this.leaderHeardAt) / 1000)} s`,
          );
        this.leaderWasCurrent = current;
        board = current
          ? snap
          : degradedSnapshot(snap, {
              reason: noLeaderReason(role(), now - this.leaderHeardAt),
              since: this.leaderHeardAt,
              collector: snap.collector,
              systems: systems(),
            });
      } catch (err) {
        // Viewers must learn that what they see is no longer current (a stream that keeps pinging
        // with the last good board would read as live and healthy): send a degraded board instead.
        const message = (err as Error).message;
        // Noted here too, or the leader watch would start a build every half second while they fail.
        this.leaderWasCurrent = this.leaderIsCurrent();
        if (this.failingSince === null) console.error("[board-feed] snapshot failed:", message);
        this.failingSince ??= Date.now();
        board = degradedSnapshot(this.lastGood, {
          reason: `the console cannot read its database (${message.slice(0, 200)})`,
          since: this.failingSince,
          collector: role(),
          systems: systems(),
        });
      }
      const json = JSON.stringify(board);
      if (json !== this.json) this.publish(board, json);
      return this.json;
    })().finally(() => {
      this.building = null;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    });
    return this.building;
  }

  /** A new board: numbered, kept for the API, and sent to every viewer as a patch (or whole, if smaller). */
  private publish(board: BoardSnapshot, json: string) {
    const prev = this.sent;
    this.json = json;
    this.etag = `"${createHash("sha256").update(json).digest("base64url").slice(0, 27)}"`;
    this.sent = board;
    this.seq++;
    if (!this.hub.size) return;
    this.broadcasts++;
    const patch = prev && diff(prev as unknown as Json, board as unknown as Json);
    const message = patch && JSON.stringify({ seq: this.seq, base: this.seq - 1, patch } satisfies PatchMessage);
    this.hub.broadcast(
      message && message.length < json.length
        ? sseEvent("patch", message, this.seq)
        : sseEvent("board", json, this.seq),
    );
  }

  /**
   * Adds a viewer and writes it the whole current board with its sequence number (after
   * `prefix`), so the patches that follow apply to it. Written in the same turn as the viewer
   * joins the hub: no patch can reach it before its board. A viewer that cannot take even that is
   * closed at once.
   */
  async attach(make: (id: number) => LiveClient, prefix = ""): Promise<LiveClient> {
    await this.current();
    const client = this.hub.add(make);
    let ok = false;
    try {
      ok = client.write(prefix + this.wholeEvent());
    } catch {
      ok = false;
    }
    if (!ok) {
      this.hub.remove(client.id);
      client.close("behind");
    }
    return client;
  }

  /** The number of the board as last built (it changes with every new board). */
  get boardNumber(): number {
    return this.seq;
  }

  /** The board as last built, as a whole-board event with its sequence number ("" before the first build). */
  wholeEvent(): string {
    return this.json ? sseEvent("board", this.json, this.seq) : "";
  }

  /** The latest snapshot as JSON (built now if there is none yet). */
  async current(): Promise<string> {
    this.startTicking();
    return this.json || (await this.rebuild());
  }

  /** The latest snapshot with an entity tag that changes whenever its JSON does. */
  async currentWithTag(): Promise<{ json: string; etag: string }> {
    const json = await this.current();
    return { json, etag: this.etag };
  }
}

/** Why the board is not current when no leader speaks, in the words of this instance's part. */
function noLeaderReason(role: string, silentMs: number): string {
  const secs = Math.round(silentMs / 1000);
  if (role === "not running")
    return "no collector runs for this console (the collector is off here and no other instance leads)";
  return `no collector leader has evaluated for ${secs} s — findings and freshness may be out of date`;
}

const KEY = Symbol.for("watchfloor.board-feed");
export function getBoardFeed(): BoardFeed {
  const g = globalThis as { [KEY]?: BoardFeed };
  if (!g[KEY]) {
    const pauses = new PauseTracker();
    pauses.start();
    g[KEY] = new BoardFeed({ pausedMs: pauses.pausedMs });
  }
  return g[KEY];
}
