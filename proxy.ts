import { NextResponse, type NextRequest } from "next/server";
import { newNonce, pagePolicy } from "./lib/security/csp";
import { isConsolePath, sessionCookieValue } from "./lib/auth/console-routes";

// Page requests get a fresh script nonce. Next reads it from the request's
// Content-Security-Policy header and writes it on every script tag of the page; the browser gets
// the same policy on the response. Route handlers, built files and public files are not pages
// and keep the base policy from next.config.ts. Authorization is not done here: every page,
// action and handler checks the actor itself. What is done here is a convenience: a visit to a
// console screen with no session cookie at all goes straight to sign-in with one log line, instead
// of rendering the screen, whose own check would refuse the anonymous visitor and log a stack trace.

export function proxy(request: NextRequest) {
  const policy = pagePolicy(newNonce());
  const { pathname, search } = request.nextUrl;
  if (
    (request.method === "GET" || request.method === "HEAD") &&
    isConsolePath(pathname) &&
    !sessionCookieValue((n) => request.cookies.get(n)?.value)
  ) {
    console.info(`[auth] ${request.method} ${pathname}: not signed in, sent to sign-in`);
    const to = new URL("/signin", request.url);
    if (pathname !== "/" || search) to.searchParams.set("callbackUrl", `${pathname}${search}`);
    const response = NextResponse.redirect(to, 307);
    response.headers.set("Content-Security-Policy", policy);
    return response;
  }
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      source:
        "/((?!api/|loki/|es/|es$|_next/static/|_next/image|favicon\\.ico|manifest\\.webmanifest|.*\\.(?:png|svg|ico|txt|json)$).*)",
      // Prefetches are not rendered as documents; they need no nonce.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
