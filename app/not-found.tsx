// A plain link, not next/link: a 404 needs no client-side navigation, and next/link's chunk
// would otherwise be part of the first load of every page that does not use it (the status view).
export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center gap-4 p-6 text-center">
      <p className="font-mono text-sm text-muted">404</p>
      <h1 className="text-2xl font-semibold">Nothing here</h1>
      <p className="text-muted">The page you asked for does not exist, or the link has expired.</p>
      {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- a full load is right here (above) */}
      <a href="/" className="rounded-md bg-accent px-4 py-2 font-medium text-accent-fg">
        Back to the board
      </a>
    </main>
  );
}
