// The screens behind sign-in, by their first path segment: one per folder of app/(console).
// The proxy sends an anonymous visitor of these straight to sign-in, so the screen never renders
// without a user (a render that would fail in the screen's own authorisation check and log it as a
// server error). Other paths (sign-in, the shared status view, unknown addresses) pass through.
// console-routes.test.ts checks this list against the folders.

export const CONSOLE_SECTIONS = [
  "admin",
  "audit",
  "controls",
  "deliveries",
  "exchange",
  "findings",
  "incidents",
  "profiles",
  "reconciliation",
  "routine",
  "runbooks",
  "share",
  "silences",
  "sources",
] as const;

/** Whether a pathname is a console screen: the board at "/" or a path under one of the sections. */
export function isConsolePath(pathname: string): boolean {
  if (pathname === "/") return true;
  const first = pathname.split("/")[1] ?? "";
  return (CONSOLE_SECTIONS as readonly string[]).includes(first);
}

/** next-auth's session cookie names (plain and Secure-prefixed), whole or split into `.0`, `.1` … chunks. */
export function sessionCookieValue(
  get: (name: string) => string | undefined,
  names: readonly string[] = ["__Secure-next-auth.session-token", "next-auth.session-token"],
): string | undefined {
  for (const name of names) {
    const whole = get(name);
    if (whole) return whole;
    const parts: string[] = [];
    for (let i = 0; ; i++) {
      const part = get(`${name}.${i}`);
      if (part === undefined) break;
      parts.push(part);
    }
    if (parts.length) return parts.join("");
  }
  return undefined;
}
