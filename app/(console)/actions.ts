"use server";

import { getActor } from "@/lib/auth/session";
import { acknowledgeFinding } from "@/lib/board/ack";
import { confirmFindingHandled } from "@/lib/board/confirm";
import { toActionError, type ActionResult } from "@/lib/errors";

export async function acknowledgeFindingAction(findingId: string): Promise<ActionResult<{ by: string; at: number }>> {
  try {
    return { ok: true, data: await acknowledgeFinding(await getActor(), findingId) };
  } catch (err) {
    return toActionError(err);
  }
}

/** Commander: the violations a counter-based finding counted so far were handled (reason, ticket ID; audited). */
export async function confirmFindingHandledAction(input: {
  findingId: string;
  reason: string;
  ticketId: string;
}): Promise<ActionResult<{ by: string; at: number }>> {
  try {
    const c = await confirmFindingHandled(await getActor(), input);
    return { ok: true, data: { by: c.by, at: c.at } };
  } catch (err) {
    return toActionError(err);
  }
}
