"use server";

import { revalidatePath } from "next/cache";
import { getActor } from "@/lib/auth/session";
import { createSilence, endSilence, extendSilence, previewSilence } from "@/lib/notify/api";
import type { SilencePreview } from "@/lib/notify/service";
import { Invalid, toActionError, type ActionResult } from "@/lib/errors";

// Form fields → service input. Times are entered in UTC (the console shows UTC everywhere).

function matchersFrom(form: FormData) {
  return {
    system: form.getAll("system").map(String),
    severity: form.getAll("severity").map(String),
    entity: String(form.get("entity") ?? ""),
    rule: String(form.get("rule") ?? ""),
  };
}

function utcInput(v: FormDataEntryValue | null): number | undefined {
  const s = String(v ?? "").trim();
  if (!s) return undefined;
  const t = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`);
  if (Number.isNaN(t)) throw new Invalid("start: not a date and time", { startsAt: ["not a date and time"] });
  return t;
}

function hours(v: FormDataEntryValue | null, field: string): number {
  const h = Number(String(v ?? "").trim());
  if (!String(v ?? "").trim() || !Number.isFinite(h) || h <= 0)
    throw new Invalid(`${field}: give a number of hours above 0`, { [field]: ["give a number of hours above 0"] });
  return h;
}

export type PreviewState =
  | (ActionResult<SilencePreview> & { intent: "preview" })
  | (ActionResult<{ id: string; warnings: string[] }> & { intent: "create" })
  | null;

export async function silenceFormAction(_prev: PreviewState, form: FormData): Promise<PreviewState> {
  const intent = form.get("intent") === "preview" ? "preview" : "create";
  try {
    const actor = await getActor();
    if (intent === "preview") return { intent, ok: true, data: await previewSilence(actor, matchersFrom(form)) };
    const startsAt = utcInput(form.get("startsAt"));
    const duration = hours(form.get("durationHours"), "durationHours");
    const base = startsAt ?? Date.now();
    const { silence, warnings } = await createSilence(actor, {
      kind: form.get("kind") === "maintenance" ? "maintenance" : "silence",
      matchers: matchersFrom(form),
      startsAt: base,
      endsAt: base + duration * 3_600_000,
      reason: String(form.get("reason") ?? ""),
      ticketId: String(form.get("ticketId") ?? ""),
    });
    revalidatePath("/silences");
    revalidatePath("/");
    return { intent, ok: true, data: { id: silence.id, warnings } };
  } catch (err) {
    const e = toActionError(err);
    // The service speaks of the end; the form asks for a duration.
    if (e.fieldErrors?.endsAt)
      e.fieldErrors.durationHours = [...(e.fieldErrors.durationHours ?? []), ...e.fieldErrors.endsAt];
    return { intent, ...e };
  }
}

export async function extendSilenceAction(_prev: unknown, form: FormData): Promise<ActionResult> {
  try {
    const currentEnd = Number(form.get("currentEnd"));
    await extendSilence(
      await getActor(),
      String(form.get("id") ?? ""),
      currentEnd + hours(form.get("hours"), "hours") * 3_600_000,
    );
    revalidatePath("/silences");
    return { ok: true, data: undefined };
  } catch (err) {
    return toActionError(err);
  }
}

export async function endSilenceAction(_prev: unknown, form: FormData): Promise<ActionResult> {
  try {
    await endSilence(await getActor(), String(form.get("id") ?? ""));
    revalidatePath("/silences");
    revalidatePath("/");
    return { ok: true, data: undefined };
  } catch (err) {
    return toActionError(err);
  }
}
