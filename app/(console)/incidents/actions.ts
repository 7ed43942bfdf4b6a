"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import * as incidents from "@/lib/incidents/api";
import { toActionError, type ActionResult } from "@/lib/errors";

// Thin actions: read the form, call one lib/incidents service (which validates and authorises),
// revalidate, return an ActionResult for useActionState.

function fields(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string" && !k.startsWith("$")) out[k] = v;
  return out;
}

async function run<T>(form: FormData, call: (input: Record<string, string>) => Promise<T>): Promise<ActionResult<T>> {
  const input = fields(form);
  try {
    const data = await call(input);
    revalidatePath("/incidents");
    if (input.id) revalidatePath(`/incidents/${input.id}`);
    return { ok: true, data };
  } catch (err) {
    return toActionError(err);
  }
}

export async function openIncidentAction(
  _prev: ActionResult<{ id: string }> | null,
  form: FormData,
): Promise<ActionResult<{ id: string }>> {
  const result = await run(form, async (input) =>
    incidents.openIncident(await getActor(), {
      findingId: input.findingId,
      title: input.title,
      severity: input.severity,
      affected: input.affected,
      runbook: input.runbook,
    }),
  );
  if (result.ok) redirect(`/incidents/${result.data.id}`);
  return result;
}

type Result = ActionResult<unknown>;
export async function setStatusAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.setStatus(await getActor(), i));
}
export async function setSeverityAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.setSeverity(await getActor(), i));
}
export async function setCommanderAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.setCommander(await getActor(), i));
}
export async function checkInAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.checkIn(await getActor(), i));
}
export async function addResponderAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.addResponder(await getActor(), i));
}
export async function addNoteAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.addNote(await getActor(), i));
}
export async function tickStepAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) =>
    i.done === "true" ? incidents.untickStep(await getActor(), i) : incidents.tickStep(await getActor(), i),
  );
}
export async function postCommsAction(_p: Result | null, form: FormData): Promise<Result> {
  return run(form, async (i) => incidents.postComms(await getActor(), i));
}
