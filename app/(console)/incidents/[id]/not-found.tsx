import Link from "next/link";

export default function IncidentNotFound() {
  return (
    <section className="rounded-xl border border-line bg-surface p-6">
      <h1 className="text-xl font-semibold">No such incident</h1>
      <p className="mt-2 text-sm text-muted">
        There is no incident with that id.{" "}
        <Link href="/incidents" className="text-accent hover:underline">
          See all incidents
        </Link>
        .
      </p>
    </section>
  );
}
