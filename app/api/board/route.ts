import { getActor } from "@/lib/auth/session";
import { getBoardJsonWithTag } from "@/lib/board/api";
import { httpStatusOf } from "@/lib/errors";

export const dynamic = "force-dynamic";

/**
 * The board snapshot, for clients that cannot hold a stream open (polling fallback). The snapshot
 * is the one the stream sends, serialised once per change; a client that sends back its ETag gets
 * 304 until the board changes.
 */
export async function GET(req: Request) {
  try {
    const { json, etag } = await getBoardJsonWithTag(await getActor());
    const headers = { "Cache-Control": "no-store", ...(etag ? { ETag: etag } : {}) };
    if (
      etag &&
      req.headers
        .get("if-none-match")
        ?.split(",")
        .some((t) => t.trim() === etag)
    )
      return new Response(null, { status: 304, headers });
    return new Response(json, { headers: { ...headers, "Content-Type": "application/json" } });
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: httpStatusOf(err) });
  }
}
