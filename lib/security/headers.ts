import { BASE_DIRECTIVES } from "./csp";

// The security headers of every response, in one place: next.config.ts applies them to what Next
// serves, and the live edge (lib/live/edge.ts) writes the same ones on the board, stream and
// status API responses it serves itself. Pages get the full Content-Security-Policy, with a
// per-request script nonce, from proxy.ts, which replaces the base policy on them.

export type HeaderList = ReadonlyArray<{ key: string; value: string }>;

export const COMMON_HEADERS: HeaderList = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Content-Security-Policy", value: BASE_DIRECTIVES.join("; ") },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
];

/** Sent only when the request came in over TLS (the terminating proxy says so in x-forwarded-proto). */
export const HSTS = { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" } as const;

/** The status view's address is its credential: never sent onwards, never indexed (page and JSON). */
export const STATUS_HEADERS: HeaderList = [
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Robots-Tag", value: "noindex, nofollow" },
];

function merged(tls: boolean, status: boolean): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of [...COMMON_HEADERS, ...(tls ? [HSTS] : []), ...(status ? STATUS_HEADERS : [])]) out[h.key] = h.value;
  return Object.freeze(out);
}

/** The four combinations, built once: the edge answers thousands of requests a second with them. */
const VARIANTS = [merged(false, false), merged(false, true), merged(true, false), merged(true, true)];

/** The headers for one response, later entries overriding earlier ones of the same name. */
export function securityHeaders(o: { tls: boolean; status: boolean }): Readonly<Record<string, string>> {
  return VARIANTS[(o.tls ? 2 : 0) + (o.status ? 1 : 0)]!;
}
