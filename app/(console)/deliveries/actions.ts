"use server";

import { revalidatePath } from "next/cache";
import { getActor } from "@/lib/auth/session";
import { sendTestNotification } from "@/lib/notify/api";
import { toActionError, type ActionResult } from "@/lib/errors";

export async function sendTestNotificationAction(
  _prev: unknown,
  form: FormData,
): Promise<ActionResult<{ channel: string }>> {
  try {
    const channel = String(form.get("channel") ?? "");
    await sendTestNotification(await getActor(), channel);
    revalidatePath("/deliveries");
    return { ok: true, data: { channel } };
  } catch (err) {
    return toActionError(err);
  }
}
