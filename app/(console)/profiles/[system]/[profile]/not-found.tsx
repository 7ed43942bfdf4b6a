import Link from "next/link";

export default function ProfileNotFound() {
  return (
    <section className="rounded-xl border border-line bg-surface p-6">
      <h1 className="text-xl font-semibold">No such profile</h1>
      <p className="mt-2 text-sm text-muted">The bot does not report this profile, or the bot is not configured.</p>
      <p className="mt-4">
        <Link href="/profiles" className="underline">
          All profiles
        </Link>
      </p>
    </section>
  );
}
