import "server-only";
import { createHash } from "node:crypto";
import { getRuntime, type RuntimeEvent } from "../collector/runtime";
import { buildBoardSnapshot } from "../board/snapshot";
import { LiveHub, sseEvent } from "./hub";

// One board snapshot per change, serialised once and pushed to every open stream. Rebuilt when
// findings, freshness, leadership or acknowledgements change, and every few seconds so data ages
// stay current.

const REFRESH_MS = 5000;

export class BoardFeed {
  readonly hub = new LiveHub();
  private json = "";
  private etag = "";
  private building: Promise<string> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private attached = false;
  broadcasts = 0;

  private attach() {
    if (this.attached) return;
    const rt = getRuntime();
    if (!rt) return;
    this.attached = true;
    rt.events.on("change", (e: RuntimeEvent) => {
      if (e.type === "board" || e.type === "freshness" || e.type === "role" || e.type === "ack") this.schedule(25);
    });
    const tick = setInterval(() => this.schedule(0), REFRESH_MS);
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
      try {
        const json = JSON.stringify(await buildBoardSnapshot());
        if (json !== this.json) {
          this.json = json;
          this.etag = `"${createHash("sha256").update(json).digest("base64url").slice(0, 27)}"`;
          if (this.hub.size) {
            this.broadcasts++;
            this.hub.broadcast(sseEvent("board", json));
          }
        }
      } catch (err) {
        console.error("[board-feed] snapshot failed:", (err as Error).message);
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
