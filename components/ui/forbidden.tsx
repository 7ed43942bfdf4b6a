export function Forbidden({ need, have }: { need: string; have: string }) {
  return (
    <section className="rounded-xl border border-line bg-surface p-6">
      <h1 className="text-xl font-semibold">Not available to your role</h1>
      <p className="mt-2 text-sm text-muted">
        This screen needs the admin role; you are signed in as {have}.{need !== "admin" ? ` (needs ${need})` : ""}
      </p>
    </section>
  );
}
