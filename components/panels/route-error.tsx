"use client";

import { useRouter } from "next/navigation";
import { startTransition } from "react";

/** Error state for a panel screen: says nothing is healthy, offers a retry. */
export function RouteError({
  screen,
  error,
  reset,
}: {
  screen: string;
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const router = useRouter();
  return (
    <section role="alert" className="rounded-xl border border-sev1 bg-surface p-6">
      <h1 className="text-xl font-semibold">{screen} failed to load</h1>
      <p className="mt-2 text-sm text-muted">
        Nothing on this screen can be read as healthy until it loads.{" "}
        {error.digest ? (
          <>
            Reference <code className="font-mono">{error.digest}</code>.
          </>
        ) : null}
      </p>
      <button
        type="button"
        className="mt-4 min-h-10 rounded-md bg-accent px-4 font-medium text-accent-fg"
        onClick={() =>
          startTransition(() => {
            router.refresh();
            reset();
          })
        }
      >
        Try again
      </button>
    </section>
  );
}
