import { createRequire } from "node:module";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthOptions } from "next-auth";

// next-auth's framework-free request handler; the package does not export its path, so it is
// loaded by file (the App Router wrapper around it needs a Next request scope).
const nodeRequire = createRequire(import.meta.url);
const { AuthHandler } = nodeRequire(path.join(path.dirname(nodeRequire.resolve("next-auth")), "core/index.js")) as {
  AuthHandler: AuthHandlerFn;
};

interface InternalRequest {
  origin: string;
  action: string;
  providerId?: string;
  method: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  body?: Record<string, string>;
}
type AuthHandlerFn = (p: {
  req: InternalRequest;
  options: AuthOptions;
}) => Promise<{ cookies?: unknown[]; body?: unknown; redirect?: string }>;

// The session cookie as next-auth sets it from our options, through next-auth's own request
// handler: a real credentials sign-in (database, audit and password check stubbed), once for a
// plain-http deployment and once behind https. Also the sign-in failure limit.

vi.mock("../db", () => ({ getDb: async () => ({}) }));
vi.mock("../audit/log", () => ({ appendAudit: vi.fn(async () => ({})) }));
vi.mock("../users/service", () => ({
  verifyPassword: vi.fn(async (_db: unknown, username: string, password: string) =>
    username === "ann" && password === "right-password-123"
      ? { id: "u-ann", username: "ann", displayName: "Ann", email: null, role: "responder" }
      : null,
  ),
  upsertOidcUser: vi.fn(),
}));

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

async function freshOptions(env: Record<string, string>): Promise<{ options: AuthOptions; tooMany: string }> {
  process.env = { ...saved, NEXTAUTH_SECRET: "s".repeat(40), SIGNIN_MAX_FAILURES: "3", ...env };
  delete process.env.WATCHFLOOR_SECURE_COOKIES;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  vi.resetModules();
  const mod = await import("./options");
  return { options: mod.getAuthOptions(), tooMany: mod.TOO_MANY_ATTEMPTS };
}

interface Cookie {
  name: string;
  value: string;
  options: { httpOnly?: boolean; sameSite?: string; secure?: boolean; path?: string };
}

async function signIn(options: AuthOptions, origin: string, username: string, password: string, address = "10.0.0.1") {
  const csrf = await AuthHandler({ req: { origin, action: "csrf", method: "GET", headers: {}, cookies: {} }, options });
  const csrfCookie = (csrf.cookies as Cookie[]).find((c) => c.name.endsWith("next-auth.csrf-token"))!;
  const res = await AuthHandler({
    req: {
      origin,
      action: "callback",
      providerId: "credentials",
      method: "POST",
      headers: { "x-forwarded-for": address },
      cookies: { [csrfCookie.name]: csrfCookie.value },
      body: { username, password, csrfToken: (csrf.body as { csrfToken: string }).csrfToken, json: "true" },
    },
    options,
  });
  return { csrfCookie, cookies: (res.cookies ?? []) as Cookie[], redirect: res.redirect ?? "" };
}

describe("session cookies from a real sign-in", () => {
  beforeEach(() => vi.clearAllMocks());

  it("over plain http: HttpOnly, SameSite=Lax, path /, not Secure", async () => {
    const { options } = await freshOptions({ NEXTAUTH_URL: "http://localhost:3000" });
    const { cookies, csrfCookie } = await signIn(options, "http://localhost:3000", "ann", "right-password-123");
    const session = cookies.find((c) => c.name === "next-auth.session-token");
    expect(session?.value).toBeTruthy();
    expect(session!.options).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/", secure: false });
    expect(csrfCookie.options).toMatchObject({ httpOnly: true, sameSite: "lax" });
  });

  it("behind https (NEXTAUTH_URL https): Secure too, with the __Secure- prefix", async () => {
    const { options } = await freshOptions({ NEXTAUTH_URL: "https://watchfloor.example" });
    expect(options.useSecureCookies).toBe(true);
    const { cookies, csrfCookie } = await signIn(options, "https://watchfloor.example", "ann", "right-password-123");
    const session = cookies.find((c) => c.name === "__Secure-next-auth.session-token");
    expect(session?.value).toBeTruthy();
    expect(session!.options).toMatchObject({ httpOnly: true, sameSite: "lax", path: "/", secure: true });
    expect(csrfCookie.name).toBe("__Host-next-auth.csrf-token");
    expect(csrfCookie.options).toMatchObject({ httpOnly: true, sameSite: "lax", secure: true });
  });

  it("WATCHFLOOR_SECURE_COOKIES overrides the URL either way", async () => {
    expect(
      (await freshOptions({ NEXTAUTH_URL: "http://localhost:3000", WATCHFLOOR_SECURE_COOKIES: "true" })).options
        .useSecureCookies,
    ).toBe(true);
    expect(
      (await freshOptions({ NEXTAUTH_URL: "https://watchfloor.example", WATCHFLOOR_SECURE_COOKIES: "false" })).options
        .useSecureCookies,
    ).toBe(false);
  });

  it("a wrong password sets no session cookie", async () => {
    const { options } = await freshOptions({ NEXTAUTH_URL: "http://localhost:3000" });
    const { cookies } = await signIn(options, "http://localhost:3000", "ann", "wrong-password");
    expect(cookies.find((c) => c.name.endsWith("session-token"))).toBeUndefined();
  });
});

describe("sign-in failure limit", () => {
  it("after SIGNIN_MAX_FAILURES wrong passwords even the right one is refused, for that user and address only", async () => {
    const { options } = await freshOptions({ NEXTAUTH_URL: "http://localhost:3000" });
    for (let i = 0; i < 3; i++)
      expect(
        (await signIn(options, "http://localhost:3000", "ann", `wrong-${i}`, "10.0.0.9")).cookies.find((c) =>
          c.name.endsWith("session-token"),
        ),
      ).toBeUndefined();
    const blocked = await signIn(options, "http://localhost:3000", "ann", "right-password-123", "10.0.0.9");
    expect(blocked.cookies.find((c) => c.name.endsWith("session-token"))).toBeUndefined();
    expect(decodeURIComponent(blocked.redirect)).toContain("Too many failed sign-in attempts");
    // Another address is not locked out by someone else's failures.
    const other = await signIn(options, "http://localhost:3000", "ann", "right-password-123", "10.0.0.10");
    expect(other.cookies.find((c) => c.name.endsWith("session-token"))).toBeDefined();
  });

  it("a client that changes its X-Forwarded-For on every try still meets the per-account limit", async () => {
    const { options } = await freshOptions({ NEXTAUTH_URL: "http://localhost:3000", SIGNIN_ACCOUNT_MAX_FAILURES: "6" });
    for (let i = 0; i < 6; i++) await signIn(options, "http://localhost:3000", "ann", `wrong-${i}`, `10.1.0.${i}`);
    const blocked = await signIn(options, "http://localhost:3000", "ann", "right-password-123", "10.1.0.200");
    expect(blocked.cookies.find((c) => c.name.endsWith("session-token"))).toBeUndefined();
    expect(decodeURIComponent(blocked.redirect)).toContain("Too many failed sign-in attempts");
  });
});

describe("single sign-on: role from the groups claim", () => {
  beforeEach(() => vi.clearAllMocks());
  const oidcEnv = {
    NEXTAUTH_URL: "http://localhost:3000",
    OIDC_ISSUER: "http://127.0.0.1:9/issuer",
    OIDC_CLIENT_ID: "wf",
    OIDC_CLIENT_SECRET: "wf-secret",
  };

  async function oidcSignIn(env: Record<string, string>, groups: unknown) {
    const { options } = await freshOptions({ ...oidcEnv, ...env });
    const users = await import("../users/service");
    const audit = await import("../audit/log");
    vi.mocked(users.upsertOidcUser).mockImplementation(
      async (_db, u) =>
        ({ id: "u-sso", username: u.username, displayName: u.displayName, email: null, role: u.role }) as never,
    );
    const user = { id: "provider-id" } as { id: string; role?: string };
    const result = await options.callbacks!.signIn!({
      user,
      account: { provider: "oidc" } as never,
      profile: { sub: "s-1", preferred_username: "olga", groups } as never,
    } as never);
    return { result, user, upsert: vi.mocked(users.upsertOidcUser), audit: vi.mocked(audit.appendAudit) };
  }

  it("the highest mapped role wins, whatever the order of the groups", async () => {
    const { result, user, upsert } = await oidcSignIn({}, [
      "watchfloor-viewers",
      "watchfloor-commanders",
      "watchfloor-responders",
    ]);
    expect(result).toBe(true);
    expect(upsert.mock.calls[0]![1]).toMatchObject({ username: "olga", role: "commander" });
    expect(user.role).toBe("commander");
  });

  it("takes a space- or comma-separated string claim as well as an array", async () => {
    const { upsert } = await oidcSignIn({}, "staff,watchfloor-responders other");
    expect(upsert.mock.calls[0]![1]).toMatchObject({ role: "responder" });
  });

  it("a user in no mapped group is refused and the refusal audited, unless OIDC_DEFAULT_ROLE names a role", async () => {
    const refused = await oidcSignIn({}, ["staff"]);
    expect(refused.result).toBe("/signin?error=NoRole");
    expect(refused.upsert).not.toHaveBeenCalled();
    expect(refused.audit.mock.calls.at(-1)![1]).toMatchObject({ action: "auth.sign_in", outcome: "denied_no_role" });

    vi.clearAllMocks();
    const defaulted = await oidcSignIn({ OIDC_DEFAULT_ROLE: "viewer" }, ["staff"]);
    expect(defaulted.result).toBe(true);
    expect(defaulted.upsert.mock.calls[0]![1]).toMatchObject({ role: "viewer" });
  });

  it("a custom role map replaces the default one", async () => {
    const { upsert } = await oidcSignIn({ OIDC_ROLE_MAP: "ops=responder,sre-leads=admin" }, [
      "watchfloor-commanders",
      "ops",
    ]);
    expect(upsert.mock.calls[0]![1]).toMatchObject({ role: "responder" });
  });
});
