"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center gap-4 p-6 text-center">
      <h1 className="text-2xl font-semibold">This screen failed to load</h1>
      <p className="text-muted">
        Nothing was changed.{" "}
        {error.digest ? (
          <>
            Reference <code className="font-mono">{error.digest}</code>.
          </>
        ) : null}
      </p>
      <button type="button" onClick={reset} className="rounded-md bg-accent px-4 py-2 font-medium text-accent-fg">
        Try again
      </button>
    </main>
  );
}
