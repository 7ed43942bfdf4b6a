"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";

export function SignInForm({
  callbackUrl,
  initialError,
  oidcName,
}: {
  callbackUrl: string;
  initialError?: string;
  oidcName?: string;
}) {
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(ev: React.FormEvent<HTMLFormElement>) {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    setPending(true);
    setError(undefined);
    try {
      const res = await signIn("credentials", {
        redirect: false,
        username: String(form.get("username") ?? ""),
        password: String(form.get("password") ?? ""),
        callbackUrl,
      });
      if (!res || res.error) {
        setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong username or password.");
        setPending(false);
        return;
      }
      window.location.assign(callbackUrl);
    } catch {
      setError("Could not reach the console. Check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <div className="space-y-5">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <div className="space-y-1">
          <label htmlFor="username" className="block text-sm font-medium">
            Username
          </label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            required
            autoCapitalize="none"
            spellCheck={false}
            className="w-full rounded-md border border-line bg-bg px-3 py-2.5 text-base"
          />
        </div>
        <div className="space-y-1">
          <label htmlFor="password" className="block text-sm font-medium">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            className="w-full rounded-md border border-line bg-bg px-3 py-2.5 text-base"
          />
        </div>
        {error ? (
          <p role="alert" className="rounded-md border border-sev1 px-3 py-2 text-sm text-sev1">
            {error}
          </p>
        ) : null}
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-accent px-4 py-2.5 font-semibold text-accent-fg disabled:opacity-60"
        >
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {oidcName ? (
        <>
          <div className="flex items-center gap-3 text-xs text-muted">
            <span className="h-px flex-1 bg-line" />
            or
            <span className="h-px flex-1 bg-line" />
          </div>
          <button
            type="button"
            onClick={() => signIn("oidc", { callbackUrl })}
            className="w-full rounded-md border border-line px-4 py-2.5 font-medium hover:bg-surface-2"
          >
            Sign in with {oidcName}
          </button>
        </>
      ) : null}
    </div>
  );
}
