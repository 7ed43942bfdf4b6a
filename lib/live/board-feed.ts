import "server-only";
import { getFleetConfig } from "../config/current";
import { createHash } from "node:crypto";
import { getRuntime, type RuntimeEvent } from "../collector/runtime";
import { buildBoardSnapshot, degradedSnapshot, type BoardSnapshot } from "../board/snapshot";
import { LiveHub, sseEvent } from "./hub";
import { env } from "../env";

// One board snapshot per change, serialised once and pushed to every open stream. Rebuilt when
// findings, freshness, leadership, acknowledgements or open incidents change, and every few seconds
// (WATCHFLOOR_BOARD_REFRESH_MS) so data ages stay current.

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

export class BoardFeed {
  readonly hub = new LiveHub();
  private json = "";
  private etag = "";
  private building: Promise<string> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private attached = false;
  /** The last snapshot built from current data, and since when building one has failed. */
  private lastGood: BoardSnapshot | null = null;
  private failingSince: number | null = null;
  broadcasts = 0;

  private attach() {
    if (this.attached) return;
    const rt = getRuntime();
    if (!rt) return;
    this.attached = true;
    rt.events.on("change", (e: RuntimeEvent) => {
      if (
        e.type === "board" ||
        e.type === "freshness" ||
        e.type === "role" ||
        e.type === "ack" ||
        e.type === "incident"
      )
        this.schedule(25);
    });
    const tick = setInterval(() => this.schedule(0), env().WATCHFLOOR_BOARD_REFRESH_MS);
    tick.unref?.();
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
      let json: string;
      try {
        const snap = await withTimeout(buildBoardSnapshot(), BUILD_TIMEOUT_MS);
        this.lastGood = snap;
        if (this.failingSince !== null) console.warn("[board-feed] the board is current again");
        this.failingSince = null;
        json = JSON.stringify(snap);
      } catch (err) {
        // Viewers must learn that what they see is no longer current (a stream that keeps pinging
        // with the last good board would read as live and healthy): send a degraded board instead.
        const message = (err as Error).message;
        if (this.failingSince === null) console.error("[board-feed] snapshot failed:", message);
        this.failingSince ??= Date.now();
        json = JSON.stringify(
          degradedSnapshot(this.lastGood, {
            reason: `the console cannot read its database (${message.slice(0, 200)})`,
            since: this.failingSince,
            collector: getRuntime()?.role ?? "not running",
            systems: getFleetConfig().targets.map((t) => ({
              name: t.name,
              label: t.label ?? t.name,
              kind: t.kind,
              simulated: t.simulated,
            })),
          }),
        );
      }
      if (json !== this.json) {
        this.json = json;
        this.etag = `"${createHash("sha256").update(json).digest("base64url").slice(0, 27)}"`;
        if (this.hub.size) {
          this.broadcasts++;
          this.hub.broadcast(sseEvent("board", json));
        }
      }
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

  /** The latest snapshot as JSON (built now if there is none yet). */
  async current(): Promise<string> {
    this.attach();
    return this.json || (await this.rebuild());
  }

  /** The latest snapshot with an entity tag that changes whenever its JSON does. */
  async currentWithTag(): Promise<{ json: string; etag: string }> {
    const json = await this.current();
    return { json, etag: this.etag };
  }
}

const KEY = Symbol.for("watchfloor.board-feed");
export function getBoardFeed(): BoardFeed {
  const g = globalThis as { [KEY]?: BoardFeed };
  g[KEY] ??= new BoardFeed();
  return g[KEY];
}
