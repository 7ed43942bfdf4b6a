import "server-only";
import { decode } from "next-auth/jwt";
import { getDb } from "../db";
import { getActiveUserById } from "../users/service";
import { getAuthOptions } from "./options";
import { resolveSessionActor, sessionCache, type CachedActor } from "./actor-cache";
import { sessionCookieValue } from "./console-routes";

// The one session check, for a request read through Next (lib/auth/session.ts) and for one the
// live edge serves itself (lib/live/edge.ts): the session cookie of this deployment's name, whole
// or in chunks, verified and its user re-read through the shared cache (lib/auth/actor-cache.ts).

export async function actorFromCookies(get: (name: string) => string | undefined): Promise<CachedActor | null> {
  const options = getAuthOptions();
  const name = `${options.useSecureCookies ? "__Secure-" : ""}next-auth.session-token`;
  return resolveSessionActor(sessionCookieValue(get, [name]), {
    verify: (t) => decode({ token: t, secret: options.secret! }),
    activeUser: async (id) => getActiveUserById(await getDb(), id),
    cache: sessionCache(),
    now: Date.now,
  });
}

/**
 * A raw Cookie header as a lookup, read the way Next reads it for cookies() (so both paths see the
 * same session): pairs split at "; ", values URI-decoded (an undecodable one is skipped), a bare
 * name reads "true", and of two cookies with one name the later wins.
 */
export function cookieLookup(header: string | undefined): (name: string) => string | undefined {
  const jar = new Map<string, string>();
  for (const pair of (header ?? "").split(/; */)) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    if (eq < 0) {
      jar.set(pair, "true");
      continue;
    }
    try {
      jar.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
    } catch {
      /* skipped, as Next skips it */
    }
  }
  return (name) => jar.get(name);
}
