import { NextResponse, type NextRequest } from "next/server";
import { newNonce, pagePolicy } from "./lib/security/csp";

// Page requests get a fresh script nonce. Next reads it from the request's
// Content-Security-Policy header and writes it on every script tag of the page; the browser gets
// the same policy on the response. Route handlers, built files and public files are not pages
// and keep the base policy from next.config.js. Authorization is not done here: every page,
// action and handler checks the actor itself.

export function proxy(request: NextRequest) {
  const policy = pagePolicy(newNonce());
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static/|_next/image|favicon\\.ico|manifest\\.webmanifest|.*\\.(?:png|svg|ico|txt|json)$).*)",
      // Prefetches are not rendered as documents; they need no nonce.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
