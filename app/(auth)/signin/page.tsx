import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env, oidcEnabled } from "@/lib/env";
import { getActor } from "@/lib/auth/session";
import { Logo } from "@/components/shell/logo";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  NoRole:
    "Your single sign-on account is in no group that maps to a Watchfloor role. Ask an admin to add you to a Watchfloor group.",
  AccessDenied: "Access denied.",
  OAuthSignin: "Could not reach the single sign-on provider. Try again, or sign in with a username and password.",
  OAuthCallback: "The single sign-on provider's answer could not be verified. Try again.",
  Callback: "Sign-in failed. Try again.",
  SessionRequired: "Sign in to continue.",
};

function safeCallback(v: string | undefined): string {
  return v && v.startsWith("/") && !v.startsWith("//") ? v : "/";
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const sp = await searchParams;
  const callbackUrl = safeCallback(sp.callbackUrl);
  if (await getActor()) redirect(callbackUrl);
  const e = env();
  const error = sp.error ? (ERRORS[sp.error] ?? "Sign-in failed. Try again.") : undefined;
  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-line bg-surface p-6 shadow-xl">
        <div className="mb-6 flex items-center gap-3">
          <Logo />
          <div>
            <h1 className="text-xl font-semibold">Sign in to Watchfloor</h1>
            <p className="text-sm text-muted">Operations console for the trading fleet</p>
          </div>
        </div>
        <SignInForm
          callbackUrl={callbackUrl}
          initialError={error}
          oidcName={oidcEnabled(e) ? e.OIDC_NAME : undefined}
        />
      </div>
    </main>
  );
}
