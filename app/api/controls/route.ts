import { getActor } from "@/lib/auth/session";
import { approvalsWaitingFor, getControlRequest } from "@/lib/controls/api";
import { httpStatusOf } from "@/lib/errors";

export const dynamic = "force-dynamic";

/**
 * What a page polls about controls: how many requests wait for this user's approval (the
 * navigation badge and the board's banner) and, with `?request=<id>`, that request's current
 * state (the requester's view moves from pending to its outcome without a reload).
 */
export async function GET(req: Request) {
  try {
    const actor = await getActor();
    const id = new URL(req.url).searchParams.get("request");
    const [waiting, request] = await Promise.all([
      approvalsWaitingFor(actor),
      id ? getControlRequest(actor, id) : Promise.resolve(undefined),
    ]);
    return Response.json(
      { waiting: { count: waiting.length }, ...(request ? { request } : {}) },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: httpStatusOf(err) });
  }
}
