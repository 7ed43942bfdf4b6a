"use server";

import { revalidatePath } from "next/cache";
import { getActor } from "@/lib/auth/session";
import { markRoutineCheckDone } from "@/lib/routine/api";
import { toActionError, type ActionResult } from "@/lib/errors";

/** Records one routine check done by the signed-in user (an audit row); the screen shows it at once. */
export async function markRoutineCheckDoneAction(
  _prev: unknown,
  form: FormData,
): Promise<ActionResult<{ check: string; system: string }>> {
  try {
    const s = await markRoutineCheckDone(await getActor(), {
      system: String(form.get("system") ?? ""),
      check: String(form.get("check") ?? ""),
      note: String(form.get("note") ?? ""),
      ticketId: String(form.get("ticketId") ?? ""),
    });
    revalidatePath("/routine");
    return { ok: true, data: { check: s.check.id, system: s.system } };
  } catch (err) {
    return toActionError(err);
  }
}
