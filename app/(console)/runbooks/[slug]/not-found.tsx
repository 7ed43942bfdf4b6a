import Link from "next/link";

export default function RunbookNotFound() {
  return (
    <section className="rounded-xl border border-line bg-surface p-6">
      <h1 className="text-xl font-semibold">No such runbook</h1>
      <p className="mt-2 text-sm text-muted">
        There is no runbook file with that name.{" "}
        <Link href="/runbooks" className="text-accent hover:underline">
          See all runbooks
        </Link>
        .
      </p>
    </section>
  );
}
