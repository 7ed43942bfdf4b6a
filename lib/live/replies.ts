import "server-only";
import type { Actor } from "../auth/roles";
import { getBoardJsonWithTag } from "../board/api";
import { httpStatusOf } from "../errors";
import { getStatusForTokenCached } from "../share/api";
import { getBoardFeed } from "./board-feed";
import type { CloseReason } from "./hub";

// What the board API, the board stream and the status API answer, as plain values: served by the
// live edge (lib/live/edge.ts) under `npm start`, and by the route handlers in app/api when Next
// serves them itself (`next dev`). Either way the same checks and the same bytes.

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

const JSON_TYPE = { "Content-Type": "application/json" };

/** GET /api/board: the snapshot, 304 when the client's ETag is current, 401/403 when refused. */
export async function boardReply(actor: Actor | null, ifNoneMatch: string | null | undefined): Promise<Reply> {
  try {
    const { json, etag } = await getBoardJsonWithTag(actor);
    const headers: Record<string, string> = { "Cache-Control": "no-store", ...(etag ? { ETag: etag } : {}) };
    if (etag && ifNoneMatch?.split(",").some((t) => t.trim() === etag)) return { status: 304, headers, body: null };
    return { status: 200, headers: { ...headers, ...JSON_TYPE }, body: json };
  } catch (err) {
    return { status: httpStatusOf(err), headers: JSON_TYPE, body: JSON.stringify({ error: (err as Error).message }) };
  }
}

// Referrer-Policy and X-Robots-Tag for the status address come with the security headers
// (lib/security/headers.ts: through next.config.ts for the route handler, from the edge itself).
const STATUS_HEADERS = { ...JSON_TYPE, "Cache-Control": "no-store" };

/**
 * GET /api/status/<token>: the shared status view as JSON. Unknown or malformed → 404, expired or
 * revoked → 410, with no data either way; a valid link's answer is reused for at most a second
 * while the board is unchanged (lib/share/status-cache.ts: revoked on this instance →
 * at once). The token grants nothing else: no other route or action reads it.
 */
export async function statusReply(token: string): Promise<Reply> {
  try {
    const r = await getStatusForTokenCached(token);
    if (r.ok) return { status: 200, headers: STATUS_HEADERS, body: JSON.stringify(r.snapshot) };
    const error =
      r.status === 410
        ? `This status link has ${r.reason === "revoked" ? "been revoked" : "expired"}.`
        : "No such status link.";
    return { status: r.status, headers: STATUS_HEADERS, body: JSON.stringify({ error, reason: r.reason }) };
  } catch (err) {
    console.error("[watchfloor] status view failed:", err);
    return {
      status: 503,
      headers: STATUS_HEADERS,
      body: JSON.stringify({ error: "The status view is unavailable right now." }),
    };
  }
}

export const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform keeps compression off the stream (it would buffer events); no-cache for proxies.
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
  Connection: "keep-alive",
};

/** Where a viewer's stream writes: false from write() means the viewer has fallen too far behind. */
export interface ViewerSink {
  write(chunk: string): boolean;
  end(reason: CloseReason): void;
}

/**
 * GET /api/stream for a signed-in viewer: the whole board at once, then a patch per change and a
 * ping every few seconds from the feed's hub, until the viewer leaves (call the returned detach),
 * falls behind, or the session expires (an `expired` event, then the end). Null when refused.
 */
export async function openViewer(actor: Actor | null, sink: ViewerSink): Promise<(() => void) | null> {
  if (!actor) return null;
  const feed = getBoardFeed();
  let detached = false;
  let clientId: number | undefined;
  const detach = () => {
    if (detached) return;
    detached = true;
    if (clientId !== undefined) feed.hub.remove(clientId);
  };
  await feed.attach((id) => {
    clientId = id;
    return {
      id,
      expiresAt: actor.sessionExpiresAt,
      write: (chunk) => !detached && sink.write(chunk),
      close(reason) {
        detach();
        sink.end(reason);
      },
    };
  }, "retry: 3000\n\n");
  return detach;
}
