import { getActor } from "@/lib/auth/session";
import { getBoardJson } from "@/lib/board/api";
import { httpStatusOf } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** The board snapshot, for clients that cannot hold a stream open (polling fallback). */
export async function GET() {
  try {
    const json = await getBoardJson(await getActor());
    return new Response(json, { headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: httpStatusOf(err) });
  }
}
