import { getServerSession } from "next-auth";
import { getActor } from "@/lib/auth/session";
import { getAuthOptions } from "@/lib/auth/options";
import { getBoardFeed } from "@/lib/live/board-feed";
import { sseEvent, type LiveClient } from "@/lib/live/hub";

export const dynamic = "force-dynamic";

/** A named event (not an SSE comment) so the client can tell a live but quiet stream from a dead one. */
const HEARTBEAT_MS = 5_000;
/** Chunks a client may have queued before it counts as fallen behind and is dropped. */
const MAX_QUEUED = 32;

/**
 * Server-sent events for the board: the current snapshot at once, then a new one whenever it
 * changes. Checks the session when it opens and ends the stream when the session expires.
 */
export async function GET(req: Request) {
  const actor = await getActor();
  if (!actor) return new Response("Sign in to watch the board.", { status: 401 });
  const session = await getServerSession(getAuthOptions());
  const expiresAt = session?.expires ? Date.parse(session.expires) : Date.now() + 3_600_000;
  const feed = getBoardFeed();
  const initial = await feed.current();
  const enc = new TextEncoder();
  let client: LiveClient | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  let closed = false;
  const cleanup = () => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    if (expiry) clearTimeout(expiry);
    if (client) feed.hub.remove(client.id);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(enc.encode(`retry: 3000\n\n${sseEvent("board", initial)}`));
        client = feed.hub.add((id) => ({
          id,
          write(chunk) {
            if (closed || (controller.desiredSize ?? 0) < -MAX_QUEUED) return false;
            controller.enqueue(enc.encode(chunk));
            return true;
          },
          close() {
            cleanup();
            try {
              controller.close();
            } catch {
              /* already closed */
            }
          },
        }));
        heartbeat = setInterval(() => {
          if (!client?.write(sseEvent("ping", String(Date.now())))) client?.close();
        }, HEARTBEAT_MS);
        expiry = setTimeout(
          () => {
            client?.write(sseEvent("expired", JSON.stringify({ reason: "session expired" })));
            client?.close();
          },
          Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1)),
        );
        req.signal.addEventListener("abort", () => client?.close());
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      // no-transform keeps compression off the stream (it would buffer events); no-cache for proxies.
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
    },
  });
}
