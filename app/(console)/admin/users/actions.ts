"use server";

import { revalidatePath } from "next/cache";
import { getActor } from "@/lib/auth/session";
import { createUser, setUserRole, setUserStatus } from "@/lib/users/api";
import { toActionError, type ActionResult } from "@/lib/errors";

export async function setUserRoleAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  try {
    const actor = await getActor();
    await setUserRole(actor, String(form.get("username") ?? ""), form.get("role"));
    revalidatePath("/admin/users");
    return { ok: true, data: undefined };
  } catch (err) {
    return toActionError(err);
  }
}

export async function setUserStatusAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  try {
    const actor = await getActor();
    const status = form.get("status") === "disabled" ? "disabled" : "active";
    await setUserStatus(actor, String(form.get("username") ?? ""), status);
    revalidatePath("/admin/users");
    return { ok: true, data: undefined };
  } catch (err) {
    return toActionError(err);
  }
}

export async function createUserAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  try {
    const actor = await getActor();
    await createUser(actor, {
      username: form.get("username"),
      displayName: form.get("displayName") || undefined,
      email: form.get("email") || undefined,
      password: form.get("password"),
      role: form.get("role"),
    });
    revalidatePath("/admin/users");
    return { ok: true, data: undefined };
  } catch (err) {
    return toActionError(err);
  }
}
