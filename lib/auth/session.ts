import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { actorFromCookies } from "./verify";
import type { Actor } from "./roles";

/**
 * The signed-in user for this request, or null. The session token is verified and the user row
 * re-read (so a disabled user or a changed role takes effect) at most every few seconds per
 * token — see lib/auth/actor-cache.ts for the window and how revocation stays prompt. Cached per
 * request as well.
 */
export const getActor = cache(async (): Promise<Actor | null> => {
  const jar = await cookies();
  const base = await actorFromCookies((n) => jar.get(n)?.value);
  if (!base) return null;
  const h = await headers();
  return { ...base, clientAddress: h.get("x-forwarded-for")?.split(",")[0]?.trim() || undefined };
});
