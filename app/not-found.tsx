import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center gap-4 p-6 text-center">
      <p className="font-mono text-sm text-muted">404</p>
      <h1 className="text-2xl font-semibold">Nothing here</h1>
      <p className="text-muted">The page you asked for does not exist, or the link has expired.</p>
      <Link href="/" className="rounded-md bg-accent px-4 py-2 font-medium text-accent-fg">
        Back to the board
      </Link>
    </main>
  );
}
