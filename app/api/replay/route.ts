import { getActor } from "@/lib/auth/session";
import { getReplayBoard } from "@/lib/replay/api";
import { httpStatusOf } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** The board as it was at `?at=<ISO time>` (viewer or above): the incident room's scrubber reads it. */
export async function GET(req: Request) {
  try {
    const at = new URL(req.url).searchParams.get("at") ?? undefined;
    const board = await getReplayBoard(await getActor(), at);
    return Response.json(board, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: httpStatusOf(err) });
  }
}
