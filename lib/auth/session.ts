import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { decode } from "next-auth/jwt";
import { getDb } from "../db";
import { getActiveUserById } from "../users/service";
import { getAuthOptions } from "./options";
import { resolveSessionActor, sessionCache } from "./actor-cache";
import type { Actor } from "./roles";

/** next-auth's session cookie: one cookie, or `.0`, `.1` … chunks when the token is large. */
function sessionToken(jar: Awaited<ReturnType<typeof cookies>>, name: string): string | undefined {
  const whole = jar.get(name)?.value;
  if (whole) return whole;
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const part = jar.get(`${name}.${i}`)?.value;
    if (part === undefined) break;
    parts.push(part);
  }
  return parts.length ? parts.join("") : undefined;
}

/**
 * The signed-in user for this request, or null. The session token is verified and the user row
 * re-read (so a disabled user or a changed role takes effect) at most every few seconds per
 * token — see lib/auth/actor-cache.ts for the window and how revocation stays prompt. Cached per
 * request as well.
 */
export const getActor = cache(async (): Promise<Actor | null> => {
  const options = getAuthOptions();
  const name = `${options.useSecureCookies ? "__Secure-" : ""}next-auth.session-token`;
  const token = sessionToken(await cookies(), name);
  const base = await resolveSessionActor(token, {
    verify: (t) => decode({ token: t, secret: options.secret! }),
    activeUser: async (id) => getActiveUserById(await getDb(), id),
    cache: sessionCache(),
    now: Date.now,
  });
  if (!base) return null;
  const h = await headers();
  return { ...base, clientAddress: h.get("x-forwarded-for")?.split(",")[0]?.trim() || undefined };
});
