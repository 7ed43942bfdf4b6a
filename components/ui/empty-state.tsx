export function NotBuiltYet({ screen, children }: { screen: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby="nby" className="rounded-xl border border-dashed border-line bg-surface p-6">
      <h2 id="nby" className="text-lg font-semibold">
        {screen} is not built yet
      </h2>
      <div className="mt-2 max-w-2xl space-y-2 text-sm text-muted">{children}</div>
      <p className="mt-4 text-sm text-muted">Until it is, nothing on this screen claims a system is healthy.</p>
    </section>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-xl border border-line bg-surface p-6 text-center">
      <p className="font-medium">{title}</p>
      {children ? <div className="mt-1 text-sm text-muted">{children}</div> : null}
    </div>
  );
}
