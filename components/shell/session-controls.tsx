"use client";

import { useState } from "react";

export function ThemeToggle({ initial }: { initial: "dark" | "light" }) {
  const [theme, setTheme] = useState(initial);
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => {
        document.documentElement.dataset.theme = next;
        document.cookie = `wf-theme=${next}; path=/; max-age=31536000; samesite=lax`;
        setTheme(next);
      }}
      className="flex h-10 w-10 items-center justify-center rounded-md border border-line text-muted hover:text-fg"
    >
      <svg
        viewBox="0 0 24 24"
        className="h-5 w-5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        aria-hidden="true"
      >
        {theme === "dark" ? (
          <path d="M21 13A9 9 0 1 1 11 3a7 7 0 0 0 10 10z" />
        ) : (
          <path d="M12 4V2M12 22v-2M4 12H2M22 12h-2M5 5l1.5 1.5M17.5 17.5 19 19M5 19l1.5-1.5M17.5 6.5 19 5M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z" />
        )}
      </svg>
    </button>
  );
}

/**
 * A plain form post to next-auth's sign-out endpoint with its CSRF token: it works the moment the
 * page is drawn, before (or without) any script, so a click on a slow phone is never lost. Without
 * the token (a session whose CSRF cookie is gone) next-auth's client asks for one on the click.
 */
export function SignOutButton({ csrfToken }: { csrfToken?: string }) {
  const className = "h-10 rounded-md border border-line px-3 text-sm text-muted hover:text-fg";
  if (csrfToken) {
    return (
      <form method="post" action="/api/auth/signout">
        <input type="hidden" name="csrfToken" value={csrfToken} />
        <input type="hidden" name="callbackUrl" value="/signin" />
        <button type="submit" className={className}>
          Sign out
        </button>
      </form>
    );
  }
  return (
    <button
      type="button"
      onClick={async () => (await import("next-auth/react")).signOut({ callbackUrl: "/signin" })}
      className={className}
    >
      Sign out
    </button>
  );
}
