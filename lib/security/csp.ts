// The Content-Security-Policy of a console page. Scripts run only with the per-request nonce the
// proxy hands to Next (which puts it on every script tag it writes) or when loaded by such a
// script ('strict-dynamic'); no inline script without the nonce, no eval. Styles stay
// 'unsafe-inline': the stylesheet is inlined into the HTML and charts set style attributes.
// Responses the proxy does not see (route handlers, built files) carry the base policy from
// next.config.ts, which has the same non-script directives.

export const BASE_DIRECTIVES = [
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
] as const;

export function pagePolicy(nonce: string): string {
  if (!/^[A-Za-z0-9+/]{16,}={0,2}$/.test(nonce))
    throw new Error("CSP nonce must be base64 of at least 12 random bytes");
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    ...BASE_DIRECTIVES,
  ].join("; ");
}

/** 128 random bits, base64: a fresh one for every page request. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
