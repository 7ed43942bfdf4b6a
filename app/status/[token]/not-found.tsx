export default function StatusNotFound() {
  return (
    <main id="main" className="mx-auto max-w-xl p-6" data-status-gone="not-found">
      <h1 className="text-2xl font-bold">Status link not available</h1>
      <p className="mt-3">
        This status link is not valid: it has expired, it was revoked, or the address is incomplete.
      </p>
      <p className="mt-2 text-muted">Ask the incident commander for a new link.</p>
    </main>
  );
}
