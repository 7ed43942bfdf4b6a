"use server";

import { getActor } from "@/lib/auth/session";
import { acknowledgeFinding } from "@/lib/board/ack";
import { toActionError, type ActionResult } from "@/lib/errors";

export async function acknowledgeFindingAction(findingId: string): Promise<ActionResult<{ by: string; at: number }>> {
  try {
    return { ok: true, data: await acknowledgeFinding(await getActor(), findingId) };
  } catch (err) {
    return toActionError(err);
  }
}
