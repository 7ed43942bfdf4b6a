import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env, oidcEnabled } from "../env";
import { getDb } from "../db";
import { appendAudit } from "../audit/log";
import { upsertOidcUser, verifyPassword } from "../users/service";
import { FailureLimiter } from "./rate-limit";
import { groupsFromClaim, isRole, roleFromGroups, type Role } from "./roles";

// next-auth configuration: local users (bcrypt) and, when configured, one generic OIDC provider
// whose groups claim decides the role. Sessions are JWTs; the role in the token is only a hint —
// getActor() re-reads the user from the database on every request.

// Two limits share one lockout window: failures per username and address, and failures per
// username from any address. The address comes from X-Forwarded-For, which a client can set when
// no proxy in front overwrites it; the per-account limit is what still holds then.
let limiters: { pair: FailureLimiter; account: FailureLimiter } | undefined;
function signInLimiters() {
  const e = env();
  limiters ??= {
    pair: new FailureLimiter(e.SIGNIN_MAX_FAILURES, e.SIGNIN_LOCKOUT_SECONDS * 1000),
    account: new FailureLimiter(e.SIGNIN_ACCOUNT_MAX_FAILURES, e.SIGNIN_LOCKOUT_SECONDS * 1000),
  };
  return limiters;
}

function clientAddress(headers: Record<string, unknown> | undefined): string {
  const fwd = headers?.["x-forwarded-for"];
  const first = typeof fwd === "string" ? fwd.split(",")[0]?.trim() : undefined;
  return first || "unknown";
}

export const TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts. Try again in a few minutes.";

const credentials = () =>
  CredentialsProvider({
    id: "credentials",
    name: "Username and password",
    credentials: {
      username: { label: "Username", type: "text" },
      password: { label: "Password", type: "password" },
    },
    async authorize(creds, req) {
      const username = String(creds?.username ?? "")
        .trim()
        .toLowerCase();
      const password = String(creds?.password ?? "");
      const address = clientAddress(req?.headers as Record<string, unknown> | undefined);
      const pairKey = `${username}|${address}`;
      const db = await getDb();
      const { pair, account } = signInLimiters();
      if (pair.blockedFor(pairKey) > 0 || account.blockedFor(username) > 0) {
        await appendAudit(db, {
          actorName: username || "(empty)",
          action: "auth.sign_in",
          target: "credentials",
          params: { address },
          outcome: "rate_limited",
        });
        throw new Error(TOO_MANY_ATTEMPTS);
      }
      const user = await verifyPassword(db, username, password);
      if (!user) {
        pair.record(pairKey);
        account.record(username);
        await appendAudit(db, {
          actorName: username || "(empty)",
          action: "auth.sign_in",
          target: "credentials",
          params: { address },
          outcome: "failed",
        });
        return null;
      }
      pair.reset(pairKey);
      account.reset(username);
      await appendAudit(db, {
        actor: { id: user.id, username: user.username, role: user.role, clientAddress: address },
        action: "auth.sign_in",
        target: "credentials",
        outcome: "succeeded",
      });
      return { id: user.id, name: user.displayName, email: user.email, role: user.role };
    },
  });

interface OidcProfile {
  sub: string;
  name?: string;
  preferred_username?: string;
  email?: string;
  [claim: string]: unknown;
}

function oidcProvider() {
  const e = env();
  return {
    id: "oidc",
    name: e.OIDC_NAME,
    type: "oauth" as const,
    wellKnown: `${e.OIDC_ISSUER!.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: "openid profile email groups" } },
    idToken: true,
    checks: ["pkce", "state"] as ("pkce" | "state")[],
    // Many providers put `groups` only in userinfo: merge it over the ID token's claims.
    userinfo: {
      async request({
        tokens,
        client,
      }: {
        tokens: { access_token?: string; claims(): Record<string, unknown> };
        client: { userinfo(t: string): Promise<Record<string, unknown>> };
      }) {
        const fromIdToken = tokens.claims();
        const fromUserinfo = tokens.access_token ? await client.userinfo(tokens.access_token) : {};
        return { ...fromIdToken, ...fromUserinfo };
      },
    },
    profile(profile: OidcProfile) {
      return {
        id: profile.sub,
        name: profile.name ?? profile.preferred_username ?? profile.sub,
        email: profile.email ?? null,
      };
    },
  };
}

let cachedOptions: NextAuthOptions | undefined;
/** Built on first use, not at import, so `next build` needs no secrets. */
export function getAuthOptions(): NextAuthOptions {
  cachedOptions ??= buildAuthOptions();
  return cachedOptions;
}

function buildAuthOptions(): NextAuthOptions {
  const e = env();
  return {
    secret: e.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/signin", error: "/signin" },
    useSecureCookies: e.WATCHFLOOR_SECURE_COOKIES ?? e.NEXTAUTH_URL?.startsWith("https://") ?? false,
    providers: oidcEnabled(e) ? [credentials(), oidcProvider() as never] : [credentials()],
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== "oidc") return true;
        const p = (profile ?? {}) as OidcProfile;
        const groups = groupsFromClaim(p[e.OIDC_GROUPS_CLAIM]);
        const role: Role | null = roleFromGroups(groups, e.OIDC_ROLE_MAP) ?? (e.OIDC_DEFAULT_ROLE || null);
        const db = await getDb();
        if (!role) {
          await appendAudit(db, {
            actorName: p.preferred_username ?? p.sub,
            action: "auth.sign_in",
            target: "oidc",
            params: { groups },
            outcome: "denied_no_role",
          });
          return "/signin?error=NoRole";
        }
        const row = await upsertOidcUser(db, {
          subject: `${e.OIDC_ISSUER}|${p.sub}`,
          username: p.preferred_username ?? p.email ?? p.sub,
          displayName: p.name ?? p.preferred_username ?? p.sub,
          email: p.email,
          role,
        });
        await appendAudit(db, {
          actor: { id: row.id, username: row.username, role: row.role },
          action: "auth.sign_in",
          target: "oidc",
          params: { groups },
          outcome: "succeeded",
        });
        // next-auth carries `user` into the jwt callback: point it at our row.
        (user as { id: string }).id = row.id;
        (user as { role?: Role }).role = row.role;
        return true;
      },
      async jwt({ token, user }) {
        if (user) {
          token.uid = (user as { id: string }).id;
          const r = (user as { role?: unknown }).role;
          if (isRole(r)) token.role = r;
          token.sid ??= crypto.randomUUID();
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user) {
          (session.user as { id?: string }).id = token.uid as string;
          (session.user as { role?: string }).role = token.role as string;
        }
        (session as { sid?: string }).sid = token.sid as string;
        return session;
      },
    },
  };
}
