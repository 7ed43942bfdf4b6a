"use server";

import { headers } from "next/headers";
import { revalidatePath } from "next/cache";
import { getActor } from "@/lib/auth/session";
import { createShareLink, revokeShareLink } from "@/lib/share/api";
import type { ShareLinkView } from "@/lib/share/service";
import { toActionError, type ActionResult } from "@/lib/errors";

// Thin actions: parse the form, call one lib/share service (which authorises), revalidate.

export async function createShareLinkAction(
  _prev: ActionResult<{ link: ShareLinkView; url: string }> | null,
  form: FormData,
): Promise<ActionResult<{ link: ShareLinkView; url: string }>> {
  try {
    const str = (k: string) => {
      const v = form.get(k);
      return typeof v === "string" ? v : undefined;
    };
    const { link, token } = await createShareLink(await getActor(), {
      scope: str("scope"),
      incidentId: str("incidentId"),
      label: str("label"),
      hours: str("hours") || undefined,
      at: str("at"),
    });
    const h = await headers();
    const origin = `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host") ?? "localhost"}`;
    revalidatePath("/share");
    return { ok: true, data: { link, url: `${origin}/status/${token}` } };
  } catch (err) {
    return toActionError(err);
  }
}

export async function revokeShareLinkAction(
  _prev: ActionResult<ShareLinkView> | null,
  form: FormData,
): Promise<ActionResult<ShareLinkView>> {
  try {
    const data = await revokeShareLink(await getActor(), form.get("linkId"));
    revalidatePath("/share");
    return { ok: true, data };
  } catch (err) {
    return toActionError(err);
  }
}
