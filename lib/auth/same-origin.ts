// Cross-site request refusal for route handlers that change state. Server actions get the same
// check from Next itself (Origin against Host); route handlers get nothing, so they call this.

/**
 * True when the request carries an Origin header naming another site than the one it was sent
 * to. No Origin (a log shipper, curl) is not foreign: without cookies such a caller has only
 * the credential it sends, and browsers always send Origin on cross-site POSTs.
 */
export function isForeignOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (origin === null) return false;
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
  if (!host) return true;
  try {
    return new URL(origin).host !== host;
  } catch {
    // "null" (sandboxed frames, file: pages) and garbage are foreign.
    return true;
  }
}

export const FOREIGN_ORIGIN_MESSAGE = "Cross-site requests are not accepted.";
