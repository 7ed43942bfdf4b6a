import { getActor } from "@/lib/auth/session";
import { openViewer, STREAM_HEADERS } from "@/lib/live/replies";

export const dynamic = "force-dynamic";

/** Chunks a client may have queued before it counts as fallen behind and is dropped. */
const MAX_QUEUED = 32;

/**
 * Server-sent events for the board (lib/live/replies.ts has what is sent). Under `npm start` the
 * live edge (lib/live/edge.ts) answers this address before Next does; this handler serves it when
 * Next runs alone (`next dev`).
 */
export async function GET(req: Request) {
  const enc = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      cancel() {
        closed = true;
        detach?.();
      },
    },
    { highWaterMark: 1 },
  );
  const detach = await openViewer(await getActor(), {
    write(chunk) {
      if (closed || (controller.desiredSize ?? 0) < -MAX_QUEUED) return false;
      controller.enqueue(enc.encode(chunk));
      return true;
    },
    end() {
      if (closed) return;
      closed = true;
      try {
        controller.close();
      } catch {
        /* already closed */
      }
    },
  });
  if (!detach) return new Response("Sign in to watch the board.", { status: 401 });
  req.signal.addEventListener("abort", () => {
    closed = true;
    detach();
  });
  return new Response(stream, { headers: STREAM_HEADERS });
}
