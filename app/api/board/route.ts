import { getActor } from "@/lib/auth/session";
import { boardReply } from "@/lib/live/replies";

export const dynamic = "force-dynamic";

/**
 * The board snapshot, for clients that cannot hold a stream open (polling fallback); a client that
 * sends back its ETag gets 304 until the board changes. Under `npm start` the live edge answers
 * this address with the same reply (lib/live/replies.ts).
 */
export async function GET(req: Request) {
  const r = await boardReply(await getActor(), req.headers.get("if-none-match"));
  return new Response(r.body, { status: r.status, headers: r.headers });
}
