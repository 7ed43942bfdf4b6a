"use server";

import { revalidatePath } from "next/cache";
import { getActor } from "@/lib/auth/session";
import {
  approveControl,
  executeControl,
  previewControl,
  rejectControl,
  resendUnknownControl,
  type ControlPreview,
  type ControlRequestView,
} from "@/lib/controls/api";
import { toActionError, type ActionResult } from "@/lib/errors";

// Thin actions: parse the form, call one lib/controls service (which authorises), revalidate.

function requestFromForm(form: FormData) {
  const params: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (k.startsWith("p.") && typeof v === "string") params[k.slice(2)] = v;
  const str = (k: string) => {
    const v = form.get(k);
    return typeof v === "string" ? v : undefined;
  };
  return {
    target: str("target"),
    control: str("control"),
    params,
    reason: str("reason"),
    ticketId: str("ticketId"),
    idempotencyKey: str("idempotencyKey") || undefined,
    confirm: str("confirm"),
    override: str("override") || undefined,
    incidentId: str("incident") || undefined,
  };
}

export async function executeControlAction(
  _prev: ActionResult<ControlRequestView> | null,
  form: FormData,
): Promise<ActionResult<ControlRequestView>> {
  try {
    const data = await executeControl(await getActor(), requestFromForm(form));
    revalidatePath("/controls");
    return { ok: true, data };
  } catch (err) {
    return toActionError(err);
  }
}

export async function previewControlAction(
  _prev: ActionResult<ControlPreview> | null,
  form: FormData,
): Promise<ActionResult<ControlPreview>> {
  try {
    return { ok: true, data: await previewControl(await getActor(), requestFromForm(form)) };
  } catch (err) {
    return toActionError(err);
  }
}

export async function approveControlAction(
  _prev: ActionResult<ControlRequestView> | null,
  form: FormData,
): Promise<ActionResult<ControlRequestView>> {
  try {
    const data = await approveControl(await getActor(), form.get("requestId"));
    revalidatePath("/controls");
    return { ok: true, data };
  } catch (err) {
    return toActionError(err);
  }
}

export async function rejectControlAction(
  _prev: ActionResult<ControlRequestView> | null,
  form: FormData,
): Promise<ActionResult<ControlRequestView>> {
  try {
    const data = await rejectControl(await getActor(), form.get("requestId"), form.get("note"));
    revalidatePath("/controls");
    return { ok: true, data };
  } catch (err) {
    return toActionError(err);
  }
}

export async function resendControlAction(
  _prev: ActionResult<ControlRequestView> | null,
  form: FormData,
): Promise<ActionResult<ControlRequestView>> {
  try {
    const data = await resendUnknownControl(await getActor(), form.get("requestId"));
    revalidatePath("/controls");
    return { ok: true, data };
  } catch (err) {
    return toActionError(err);
  }
}
