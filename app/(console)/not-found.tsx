import Link from "next/link";

// An unknown id on a console screen without a not-found state of its own: shown inside the shell.
export default function ConsoleNotFound() {
  return (
    <section className="rounded-xl border border-line bg-surface p-6">
      <h1 className="text-xl font-semibold">Nothing here</h1>
      <p className="mt-2 text-sm text-muted">
        What you asked for does not exist (any more), or the link is wrong.{" "}
        <Link href="/" className="text-accent underline">
          Back to the board
        </Link>
        .
      </p>
    </section>
  );
}
