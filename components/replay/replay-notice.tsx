import Link from "next/link";
import { utcDateTime } from "@/lib/core/time";

/** A panel screen replayed at a past moment: said in words that cannot be read as live. */
export function ReplayNotice({ at, what, liveHref }: { at: number; what: string; liveHref: string }) {
  const iso = new Date(at).toISOString();
  return (
    <p role="status" className="mb-4 rounded-md border-2 border-sev2 px-3 py-2 text-sm" data-replay-at={iso}>
      <span className="font-semibold text-sev2">Replay — not live.</span> {what} as they were at {utcDateTime(at)};
      charts end then.{" "}
      <Link href={`/?at=${encodeURIComponent(iso)}`} className="text-accent underline">
        The board at this moment
      </Link>{" "}
      ·{" "}
      <Link href={liveHref} className="text-accent underline">
        Back to live
      </Link>
    </p>
  );
}
