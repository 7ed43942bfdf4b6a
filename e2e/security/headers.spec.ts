import { readdirSync, readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { LOCAL_USERS } from "../fixtures/users";
import { authFile, signInWithForm } from "../support";
import { send, type Reply } from "./harness";

// Security headers on every kind of response (page, console page, route handler, built static
// file, public file, 404, error, the status view), HSTS only behind TLS, the session cookie's
// attributes after a real sign-in, and a Content-Security-Policy the console actually runs under.

const staticChunk = () => `/_next/static/chunks/${readdirSync(".next/static/chunks").find((f) => f.endsWith(".js"))}`;

function csp(r: Reply): Map<string, string[]> {
  const value = r.headers.get("content-security-policy") ?? "";
  return new Map(
    value
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...v]) => [name!, v]),
  );
}

/** Pages run scripts only by the request's nonce; route handlers and files carry no script-src (they are not documents that run scripts). */
function expectSecurityHeaders(r: Reply, what: string, page: boolean) {
  const policy = csp(r);
  expect(policy.get("frame-ancestors"), `${what}: frame-ancestors`).toEqual(["'none'"]);
  if (page) {
    const scripts = policy.get("script-src") ?? [];
    expect(scripts, `${what}: script-src`).toHaveLength(3);
    expect(scripts[0], `${what}: script-src`).toBe("'self'");
    expect(scripts[1], `${what}: script-src nonce`).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
    expect(scripts[2], `${what}: script-src`).toBe("'strict-dynamic'");
    expect(policy.get("default-src"), `${what}: default-src`).toEqual(["'self'"]);
  } else {
    expect(policy.get("script-src"), `${what}: script-src`).toBeUndefined();
  }
  expect(policy.get("object-src"), `${what}: object-src`).toEqual(["'none'"]);
  expect(policy.get("base-uri"), `${what}: base-uri`).toEqual(["'self'"]);
  expect(r.headers.get("x-content-type-options"), `${what}: nosniff`).toBe("nosniff");
  expect(r.headers.get("x-frame-options"), `${what}: X-Frame-Options`).toBe("DENY");
  expect(["strict-origin-when-cross-origin", "no-referrer"], `${what}: Referrer-Policy`).toContain(
    r.headers.get("referrer-policy"),
  );
}

test.describe("security headers", () => {
  const viewerCookie = () => {
    const s = JSON.parse(readFileSync(authFile("viewer"), "utf8")) as {
      cookies: Array<{ name: string; value: string }>;
    };
    return s.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  };

  const kinds: Array<[string, () => Promise<Reply>, number, "page" | "other"]> = [
    ["sign-in page", () => send({ method: "GET", path: "/signin" }), 200, "page"],
    ["console page", () => send({ method: "GET", path: "/", headers: { Cookie: viewerCookie() } }), 200, "page"],
    ["redirect to sign-in", () => send({ method: "GET", path: "/controls" }), 307, "page"],
    ["route handler", () => send({ method: "GET", path: "/api/health/live" }), 200, "other"],
    ["refused route handler", () => send({ method: "GET", path: "/api/board" }), 401, "other"],
    ["built static file", () => send({ method: "GET", path: staticChunk() }), 200, "other"],
    ["public file", () => send({ method: "GET", path: "/icon-192.png" }), 200, "other"],
    ["web manifest", () => send({ method: "GET", path: "/manifest.webmanifest" }), 200, "other"],
    ["not found", () => send({ method: "GET", path: "/no-such-screen" }), 404, "page"],
    ["status view not found", () => send({ method: "GET", path: `/status/${"A".repeat(43)}` }), 404, "page"],
    ["status API not found", () => send({ method: "GET", path: `/api/status/${"A".repeat(43)}` }), 404, "other"],
    // A server action post the server cannot decode: the framework's own error response.
    [
      "server error",
      () =>
        send({
          method: "POST",
          path: "/",
          headers: {
            "Next-Action": "0".repeat(42),
            "Content-Type": "text/plain;charset=UTF-8",
            Origin: "http://localhost",
          },
          body: "[",
        }),
      500,
      "page",
    ],
  ];

  for (const [what, get, status, kind] of kinds) {
    test(`${what}: CSP, frame-ancestors, nosniff, Referrer-Policy; no HSTS on plain http`, async () => {
      const r = await get();
      expect(r.status, what).toBe(status);
      expectSecurityHeaders(r, what, kind === "page");
      expect(r.headers.get("strict-transport-security"), `${what}: no HSTS over plain http`).toBeNull();
    });
  }

  test("the status view's address is its credential: page and API both send no referrer and ask not to be indexed", async () => {
    for (const path of [`/status/${"A".repeat(43)}`, `/api/status/${"A".repeat(43)}`]) {
      const r = await send({ method: "GET", path });
      expect(r.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(r.headers.get("x-robots-tag"), path).toContain("noindex");
    }
  });

  test("every script tag of a page carries that response's nonce, and the nonce is new each time", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await send({ method: "GET", path: "/signin" });
      const nonce = csp(r).get("script-src")![1]!.slice("'nonce-".length, -1);
      const tags = r.text.match(/<script\b[^>]*>/g) ?? [];
      expect(tags.length, "script tags on the sign-in page").toBeGreaterThan(0);
      for (const tag of tags) expect(tag, "script tag").toContain(`nonce="${nonce}"`);
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  test("HSTS when the request came in over TLS (x-forwarded-proto https), on pages, handlers, static files and 404s", async () => {
    for (const path of ["/signin", "/api/health/live", staticChunk(), "/no-such-screen"]) {
      const r = await send({ method: "GET", path, headers: { "X-Forwarded-Proto": "https" } });
      const hsts = r.headers.get("strict-transport-security") ?? "";
      expect(hsts, path).toMatch(/max-age=(\d+)/);
      expect(Number(hsts.match(/max-age=(\d+)/)![1]), `${path}: at least a year`).toBeGreaterThanOrEqual(31_536_000);
      expect(hsts, path).toContain("includeSubDomains");
      expectSecurityHeaders(r, `${path} over https`, path === "/signin" || path === "/no-such-screen");
    }
  });
});

test.describe("session cookie and CSP in a real browser", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("signing in sets an HttpOnly, SameSite=Lax session cookie; the console runs without CSP violations", async ({
    page,
    context,
  }) => {
    test.setTimeout(120_000);
    const violations: string[] = [];
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        (window as unknown as { __csp: string[] }).__csp ??= [];
        // Only the console's own documents and scripts count; tooling that evaluates code in the
        // page reports no source file.
        if (e.sourceFile.startsWith(location.origin))
          (window as unknown as { __csp: string[] }).__csp.push(
            `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`,
          );
      });
    });
    const u = LOCAL_USERS.responder;
    await signInWithForm(page, u.username, u.password);
    await expect(page.getByRole("heading", { name: "Severity board" })).toBeVisible({ timeout: 30_000 });

    const session = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
    expect(session, "a session cookie").toBeDefined();
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    // Plain http here; Secure behind https is checked where it can be, in lib/auth/options.test.ts.
    expect(session!.secure).toBe(false);
    expect(await page.evaluate(() => document.cookie)).not.toContain("session-token");

    // Screens with charts, client forms and the live stream.
    for (const path of ["/exchange", "/controls", "/incidents"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      violations.push(...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])));
    }
    expect(violations).toEqual([]);
  });
});
